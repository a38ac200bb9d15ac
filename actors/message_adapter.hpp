#pragma once
// The message adapter actor of a session: owns the provider's adapter (adapters/), turns each
// stdout line into normalized messages and each stderr line into a log event, and is the session's
// single publisher: every event of the session (messages, logs, cost, status) leaves through it,
// stamped with one sequence counter, so subscribers see one total order.
//
// A subscriber that asks for a replay gets the journal's events up to the current sequence
// number, then every batch published since it asked, then the live stream: no gap, no duplicate.
//
// Receives: output_lines, oversize_line, output_drained (from the process reader), status_change
// and run_started (from the session), subscribe_command / unsubscribe_command.
// Sends: turn_event, cost_update, provider_session_seen (from every line that carries a new one),
// output_drained to the session.

#include <caf/fwd.hpp>

#include "messages/subscription.hpp"

#include <string>
#include <vector>

namespace agentrt {

// Spawned linked to `session`; the provider adapter is chosen by each run_started. With a
// journal, subscribers may ask for a replay; with `continue_seq` (the id has a journaled past)
// numbering goes on from the journal's last sequence number, which is asked before anything else;
// in any case it starts after `after_seq`.
caf::actor spawn_message_adapter(caf::local_actor* session, std::string session_id,
                                 std::vector<subscribe_command> subscribers, caf::actor journal,
                                 bool continue_seq, std::uint64_t after_seq = 0);

}  // namespace agentrt
