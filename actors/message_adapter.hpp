#pragma once
// The message adapter actor of a session: owns the provider's adapter (adapters/), turns each
// stdout line into normalized messages and each stderr line into a log event, and is the session's
// single publisher: every event of the session (messages, logs, cost, status) leaves through it,
// stamped with one sequence counter, so subscribers see one total order.
//
// Receives: output_lines, oversize_line, output_drained (from the process reader), status_change
// and run_started (from the session), subscribe_command / unsubscribe_command.
// Sends: turn_event, cost_update, provider_session_seen (from every line that carries a new one),
// output_drained to the session; lines_consumed to the reader.

#include <caf/fwd.hpp>

#include "messages/subscription.hpp"

#include <string>
#include <vector>

namespace agentrt {

// Spawned linked to `session`; the provider adapter is chosen by each run_started.
caf::actor spawn_message_adapter(caf::local_actor* session, std::string session_id,
                                 std::vector<subscribe_command> subscribers);

}  // namespace agentrt
