#pragma once
// The actor-level side of the embedding API, for programs that use CAF 0.17 themselves: the
// engine's actor system, and subscribing an actor of your own. Includes CAF's headers; the rest
// of the API (agentrt/agentrt.hpp) needs none. Thread-safety as for the engine.

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "agentrt/agentrt.hpp"
#include "messages/batch.hpp"
#include "messages/vocabulary_ids.hpp"

namespace agentrt {

// The actor system the engine runs on, for spawning your actors.
caf::actor_system& actor_system(engine& e);

// Subscribes `subscriber` (an actor of actor_system(e), or a remote one) to one session, or to
// every session for an empty id: it receives session_events, batches of agent_message,
// status_change, cost_update and log_line (with raw, also raw_line) in publishing order; visit
// each event with caf::visit. Subscriptions to every session also receive journal_status.
command_result subscribe_actor(engine& e, const std::string& session_id, caf::actor subscriber,
                               bool raw = false);

}  // namespace agentrt
