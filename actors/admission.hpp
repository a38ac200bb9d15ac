#pragma once
// Admission control as a small state machine, without actors: how many agents may run at once on
// this node, in all and per provider, and who waits for a slot, first come first served.
// A session holds a slot from its grant until its run ends. A waiting run whose provider is full
// does not hold up runs of other providers behind it; runs of one provider start in order.
// Not thread-safe (owned by the supervisor).

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace agentrt {

struct admission_policy {
  std::size_t max_sessions = 0;  // agents running at once on this node; 0: no limit
  // Per provider; a provider not named has no limit of its own. Claude's default: its
  // subscription plans throttle more than a few concurrent sessions.
  std::map<std::string, std::size_t> max_per_provider{{"claude", 3}};

  // Whether a run of `provider` needs a slot at all.
  bool limits(const std::string& provider) const {
    return max_sessions > 0 || max_per_provider.count(provider) > 0;
  }
};

class admission_control {
 public:
  explicit admission_control(admission_policy policy = {}) : policy_(std::move(policy)) {}

  // A run asks for a slot: 0 when granted now, else its place in the queue (from 1).
  std::size_t request(const std::string& session_id, const std::string& provider);

  // The session's run ended, or the session is gone: its slot or its place is given up. Returns
  // the sessions granted a slot because of it, in queue order.
  std::vector<std::string> release(const std::string& session_id);

  // The place (from 1) of every session that waits, in one pass over the queue.
  std::unordered_map<std::string, std::uint32_t> places() const;

 private:
  bool fits(const std::string& provider) const;
  void grant(const std::string& session_id, const std::string& provider);

  struct waiting {
    std::string session_id;
    std::string provider;
  };

  admission_policy policy_;
  std::unordered_map<std::string, std::string> holders_;  // session -> provider
  std::map<std::string, std::size_t> running_;            // provider -> slots held
  std::deque<waiting> queue_;
};

}  // namespace agentrt
