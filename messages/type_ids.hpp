#pragma once
// CAF type IDs for every message between the runtime's actors, so that they can be serialized
// and cross the network: the public vocabulary's (messages/vocabulary_ids.hpp), then the rest.
// agentrt::add_message_types registers both with an actor system's config.

#include <caf/type_id.hpp>

#include "messages/vocabulary_ids.hpp"

#include "messages/batch.hpp"
#include "messages/cluster.hpp"
#include "messages/commands.hpp"
#include "messages/events.hpp"
#include "messages/inspect.hpp"
#include "messages/internal.hpp"
#include "messages/journal.hpp"
#include "messages/subscription.hpp"

CAF_BEGIN_TYPE_ID_BLOCK(agentrt, caf::id_block::agentrt_vocabulary::end)

CAF_ADD_TYPE_ID(agentrt, (agentrt::subscribe_command))
CAF_ADD_TYPE_ID(agentrt, (agentrt::unsubscribe_command))
CAF_ADD_TYPE_ID(agentrt, (agentrt::output_chunk))
CAF_ADD_TYPE_ID(agentrt, (agentrt::output_closed))
CAF_ADD_TYPE_ID(agentrt, (agentrt::output_lines))
CAF_ADD_TYPE_ID(agentrt, (agentrt::oversize_line))
CAF_ADD_TYPE_ID(agentrt, (agentrt::output_partial))
CAF_ADD_TYPE_ID(agentrt, (agentrt::output_drained))
CAF_ADD_TYPE_ID(agentrt, (agentrt::child_started))
CAF_ADD_TYPE_ID(agentrt, (agentrt::child_spawn_failed))
CAF_ADD_TYPE_ID(agentrt, (agentrt::child_exited))
CAF_ADD_TYPE_ID(agentrt, (agentrt::turn_event))
CAF_ADD_TYPE_ID(agentrt, (agentrt::provider_session_seen))
CAF_ADD_TYPE_ID(agentrt, (agentrt::cleanup_tick))
CAF_ADD_TYPE_ID(agentrt, (agentrt::kill_tick))
CAF_ADD_TYPE_ID(agentrt, (agentrt::drain_tick))
CAF_ADD_TYPE_ID(agentrt, (agentrt::run_started))
CAF_ADD_TYPE_ID(agentrt, (agentrt::recovery_tick))
CAF_ADD_TYPE_ID(agentrt, (agentrt::admission_request))
CAF_ADD_TYPE_ID(agentrt, (agentrt::admission_reply))
CAF_ADD_TYPE_ID(agentrt, (agentrt::watchdog_tick))
CAF_ADD_TYPE_ID(agentrt, (agentrt::output_resumed))

CAF_ADD_TYPE_ID(agentrt, (agentrt::host_line))
CAF_ADD_TYPE_ID(agentrt, (agentrt::drain_request))

CAF_ADD_TYPE_ID(agentrt, (agentrt::coordinator_hello))
CAF_ADD_TYPE_ID(agentrt, (agentrt::node_welcome))
CAF_ADD_TYPE_ID(agentrt, (agentrt::await_nodes))
CAF_ADD_TYPE_ID(agentrt, (agentrt::connect_tick))
CAF_ADD_TYPE_ID(agentrt, (agentrt::orphan_tick))
CAF_ADD_TYPE_ID(agentrt, (agentrt::continued_query))

CAF_ADD_TYPE_ID(agentrt, (agentrt::query_recorded))
CAF_ADD_TYPE_ID(agentrt, (agentrt::replay_request))
CAF_ADD_TYPE_ID(agentrt, (agentrt::last_seq_request))
CAF_ADD_TYPE_ID(agentrt, (agentrt::stored_query_request))
CAF_ADD_TYPE_ID(agentrt, (agentrt::journal_flush))
CAF_ADD_TYPE_ID(agentrt, (agentrt::resume_command))
CAF_ADD_TYPE_ID(agentrt, (agentrt::journal_watch))
CAF_ADD_TYPE_ID(agentrt, (agentrt::replay_command))
CAF_ADD_TYPE_ID(agentrt, (agentrt::replay_end))
CAF_ADD_TYPE_ID(agentrt, (agentrt::end_input_command))
CAF_ADD_TYPE_ID(agentrt, (agentrt::stored_session))
CAF_ADD_TYPE_ID(agentrt, (agentrt::journal_forget))

CAF_ADD_TYPE_ID(agentrt, (agentrt::totals_subscription))
CAF_ADD_TYPE_ID(agentrt, (agentrt::totals_tick))
CAF_ADD_TYPE_ID(agentrt, (agentrt::credited_events))
CAF_ADD_TYPE_ID(agentrt, (agentrt::credit_return))
CAF_ADD_TYPE_ID(agentrt, (agentrt::credit_flush))

CAF_END_TYPE_ID_BLOCK(agentrt)

namespace agentrt {

// Registers every agentrt message type with `cfg` (a caf::actor_system_config): the runtime's
// system and the tests' own know the same vocabulary, in the same order.
template <class Config>
void add_message_types(Config& cfg) {
  cfg.template add_message_types<caf::id_block::agentrt_vocabulary>();
  cfg.template add_message_types<caf::id_block::agentrt>();
}

}  // namespace agentrt
