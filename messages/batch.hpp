#pragma once
// The batch a subscriber actor receives: a session's events in publishing order (actor-level; the
// embedding API hands them to callbacks one by one instead).

#include <caf/variant.hpp>

#include <vector>

#include "events.hpp"

namespace agentrt {

using session_event = caf::variant<agent_message, status_change, cost_update, log_line, raw_line>;

// What a session published at one time, in order: the events of one batch of lines read from its
// agent (a raw_line, if asked for, then that line's messages; one cost_update at the end), or one
// status change. One message per batch, not per event: an agent's burst of lines costs its
// subscribers one mailbox round trip. Visit each event with caf::visit.
struct session_events {
  std::vector<session_event> events;
};

}  // namespace agentrt
