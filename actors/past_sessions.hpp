#pragma once
// The sessions a supervisor remembers after they ended and left its table, as the journal holds
// them: listed, resumable, replayable. Bounded, so that neither the supervisor's memory nor the
// journal grows with every session ever run: beyond `keep` the oldest (by start) are forgotten,
// a sixteenth of keep at once, so that the journal deletes them in one transaction rather than
// one per session. Not thread-safe (owned by the supervisor).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "messages/commands.hpp"

namespace agentrt {

class past_sessions {
 public:
  explicit past_sessions(std::size_t keep = 0) : keep_(keep) {}  // 0: no bound

  // Remembers the session's record, in place of one it had.
  void remember(session_info info);
  // Forgets the session and gives its record: it runs again, in the table.
  std::optional<session_info> take(const std::string& session_id);
  bool contains(const std::string& session_id) const { return by_id_.count(session_id) > 0; }
  std::size_t size() const { return by_id_.size(); }
  // Forgets the oldest while there are more than `keep`, down to keep less a sixteenth of it;
  // their ids, for the journal to forget too (none while within the bound).
  std::vector<std::string> overflow();

  template <class F>
  void for_each(F&& visit) const {
    for (const auto& [id, info] : by_id_) visit(info);
  }

 private:
  std::size_t keep_;
  std::unordered_map<std::string, session_info> by_id_;
  std::set<std::pair<std::int64_t, std::string>> by_start_;  // (started_at_ms, id)
};

}  // namespace agentrt
