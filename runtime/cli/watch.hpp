#pragma once
// Prints the events of a set of sessions as they arrive, until every one is terminal.

#include <caf/scoped_actor.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <string>

#include "messages/events.hpp"
#include "runtime/runtime.hpp"

namespace agentrt::cli {

struct session_outcome {
  status_change status;
  cost_update cost;
  std::size_t messages = 0;
  std::chrono::steady_clock::time_point first_event, last_event;
};

enum class output_mode {
  text,   // one readable line per event
  json,   // one NDJSON object per event
  table,  // a table of the sessions, redrawn in place (for a terminal)
};

// `self` must already be subscribed to the sessions' events; `sessions` maps their ids to their
// providers. `tick` runs every 100 ms on this thread (to send stops, react to signals). The table
// ends with the runtime's totals, which it follows through `supervisor`. Returns the final status
// and cost of each session.
std::map<std::string, session_outcome> watch_sessions(
  caf::scoped_actor& self, const caf::actor& supervisor,
  const std::map<std::string, std::string>& sessions, output_mode mode,
  const std::function<void()>& tick);

// Exit status for a set of outcomes: 0 when every session is done, else 1.
int exit_status(const std::map<std::string, session_outcome>& outcomes);

}  // namespace agentrt::cli
