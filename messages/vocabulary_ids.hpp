#pragma once
// CAF type IDs of the public vocabulary: what an actor of the embedder's receives from an engine
// (agentrt/caf.hpp). The runtime's other messages number on after them (messages/type_ids.hpp).

#include <caf/type_id.hpp>

#include "inspect.hpp"

CAF_BEGIN_TYPE_ID_BLOCK(agentrt_vocabulary, caf::first_custom_type_id)

CAF_ADD_TYPE_ID(agentrt_vocabulary, (agentrt::query_command))
CAF_ADD_TYPE_ID(agentrt_vocabulary, (agentrt::prompt_command))
CAF_ADD_TYPE_ID(agentrt_vocabulary, (agentrt::stop_command))
CAF_ADD_TYPE_ID(agentrt_vocabulary, (agentrt::interrupt_command))
CAF_ADD_TYPE_ID(agentrt_vocabulary, (agentrt::list_command))
CAF_ADD_TYPE_ID(agentrt_vocabulary, (agentrt::session_info))
CAF_ADD_TYPE_ID(agentrt_vocabulary, (agentrt::session_list))
CAF_ADD_TYPE_ID(agentrt_vocabulary, (agentrt::command_ack))
CAF_ADD_TYPE_ID(agentrt_vocabulary, (agentrt::agent_message))
CAF_ADD_TYPE_ID(agentrt_vocabulary, (agentrt::status_change))
CAF_ADD_TYPE_ID(agentrt_vocabulary, (agentrt::cost_update))
CAF_ADD_TYPE_ID(agentrt_vocabulary, (agentrt::log_line))
CAF_ADD_TYPE_ID(agentrt_vocabulary, (agentrt::raw_line))
CAF_ADD_TYPE_ID(agentrt_vocabulary, (agentrt::session_events))
CAF_ADD_TYPE_ID(agentrt_vocabulary, (agentrt::usage_totals))
CAF_ADD_TYPE_ID(agentrt_vocabulary, (agentrt::totals_command))
CAF_ADD_TYPE_ID(agentrt_vocabulary, (agentrt::journal_status))

CAF_END_TYPE_ID_BLOCK(agentrt_vocabulary)
