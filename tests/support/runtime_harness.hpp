#pragma once
// A real runtime for integration tests, with the fake agent from the build tree, and an event
// collector: a subscriber that gathers each session's events in arrival order.

#include <caf/all.hpp>

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "messages/type_ids.hpp"
#include "runtime/runtime.hpp"

namespace agentrt::test {

inline runtime_options test_options() {
  runtime_options opts;
  opts.launch.binaries["fake"] = AGENTRT_FAKE_AGENT_PATH;
  opts.policy.stop_grace = std::chrono::milliseconds{1000};
  return opts;
}

inline query_command fake_query(std::string id, std::string provider_config = "{}") {
  query_command q;
  q.session_id = std::move(id);
  q.provider = "fake";
  q.prompt = "test";
  q.provider_config = std::move(provider_config);
  return q;
}

struct session_record {
  std::vector<agent_message> messages;
  std::vector<status_change> statuses;
  std::vector<cost_update> costs;
  std::vector<log_line> logs;
  std::vector<std::uint64_t> seqs;    // every event's sequence number, in arrival order
  std::vector<std::string> order;     // "message", "status", "cost", "log" in arrival order
  std::vector<session_event> events;  // as received

  bool terminal() const { return !statuses.empty() && is_terminal(statuses.back().status); }
  session_status last_status() const {
    return statuses.empty() ? session_status::starting : statuses.back().status;
  }
};

class event_collector {
 public:
  explicit event_collector(runtime& rt, std::string session_id = "")
      : event_collector(rt, subscribe_command{std::move(session_id), {}, false, false, 0}) {}

  // Subscribes as `cmd` says (a replay, say), with this collector as the subscriber.
  event_collector(runtime& rt, subscribe_command cmd) : self_(rt.system()), rt_(rt) {
    cmd.subscriber = caf::actor{self_};
    self_->request(rt.supervisor(), std::chrono::seconds{5}, std::move(cmd))
      .receive([](const command_ack&) {}, [&](const caf::error& err) { error = err; });
  }

  caf::error error;  // the subscription's, if it was refused

  caf::actor handle() { return caf::actor{self_}; }

  // Receives events until `done` holds or the timeout passes; returns whether `done` held.
  template <class Predicate>
  bool wait_until(Predicate done, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done(sessions)) {
      auto left = deadline - std::chrono::steady_clock::now();
      if (left <= std::chrono::steady_clock::duration::zero()) return false;
      receive_one(std::chrono::duration_cast<std::chrono::milliseconds>(left));
    }
    return true;
  }

  bool wait_terminal(const std::set<std::string>& ids, std::chrono::milliseconds timeout) {
    return wait_until(
      [&](const std::map<std::string, session_record>& s) {
        for (const auto& id : ids) {
          auto it = s.find(id);
          if (it == s.end() || !it->second.terminal()) return false;
        }
        return true;
      },
      timeout);
  }

  std::map<std::string, session_record> sessions;

 private:
  void receive_one(std::chrono::milliseconds timeout) {
    self_->receive(
      [&](const session_events& batch) {
        for (const auto& ev : batch.events) {
          caf::visit([&](const auto& e) { on(e); }, ev);
          if (!caf::holds_alternative<raw_line>(ev)) sessions[session_of(ev)].events.push_back(ev);
        }
      },
      caf::after(timeout) >> [] {});
  }

  void on(const agent_message& m) { add(m.session_id, m.seq, "message").messages.push_back(m); }
  void on(const status_change& s) { add(s.session_id, s.seq, "status").statuses.push_back(s); }
  void on(const cost_update& c) { add(c.session_id, c.seq, "cost").costs.push_back(c); }
  void on(const log_line& l) { add(l.session_id, l.seq, "log").logs.push_back(l); }
  void on(const raw_line&) {}  // not subscribed to

  static const std::string& session_of(const session_event& ev) {
    return caf::visit([](const auto& e) -> const std::string& { return e.session_id; }, ev);
  }

  session_record& add(const std::string& id, std::uint64_t seq, const char* kind) {
    auto& s = sessions[id];
    s.seqs.push_back(seq);
    s.order.emplace_back(kind);
    return s;
  }

  caf::scoped_actor self_;
  runtime& rt_;
};

}  // namespace agentrt::test
