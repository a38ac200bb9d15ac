#pragma once
// The supervisor actor: owns the session table and is the one entry point for commands.
//
// query: spawns one session actor per new session id (monitored); a duplicate id of a running
// session is rejected ("Session already running"); a finished session's id runs it again.
// stop / subscribe / unsubscribe: routed to the session (subscribe with an empty id: every
// session, present and future). list: the table, kept current by the sessions' reports.
// A finished session is removed after the policy's cleanup grace, by a timer that carries the
// session's generation, so a session that ran again meanwhile stays.
// resume: a finished session (in the table or only in the journal) runs again with the
// provider's resume and its latest query.
// totals: what all sessions spent (usage_totals), asked for or followed (totals_subscription).
// Once it crosses the global budget, every session is stopped as an error ("global budget
// exceeded") and no run starts any more.

#include <caf/fwd.hpp>

#include "actors/past_sessions.hpp"
#include "actors/session.hpp"

namespace agentrt {

// With env.journal: `past` are the journaled sessions (listed, resumable with resume_command),
// and the sessions that end join them, within its bound (the oldest beyond it are forgotten here
// and in the journal); every session's events and records go to the journal, and a replay may
// be asked for. global_budget_usd: for all sessions together, in USD (0: none).
caf::actor spawn_supervisor(caf::actor_system& sys, session_env env,
                            past_sessions past = past_sessions{}, double global_budget_usd = 0);

}  // namespace agentrt
