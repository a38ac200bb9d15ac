#pragma once
// How the vocabulary is serialized (CAF 0.17's inspect()): kept out of the plain structs, so that
// the public headers need no CAF. Included by messages/type_ids.hpp, which every file that sends
// or stores a message includes.

#include <caf/meta/type_name.hpp>

#include "batch.hpp"
#include "commands.hpp"
#include "events.hpp"

namespace agentrt {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, query_command& x) {
  return f(caf::meta::type_name("query_command"), x.session_id, x.provider, x.prompt, x.cwd,
           x.model, x.max_turns, x.max_budget_usd, x.resume_id, x.permission_mode, x.system_prompt,
           x.additional_directories, x.extra_env, x.provider_config, x.node, x.max_restarts,
           x.stall_timeout_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, prompt_command& x) {
  return f(caf::meta::type_name("prompt_command"), x.session_id, x.prompt);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stop_command& x) {
  return f(caf::meta::type_name("stop_command"), x.session_id, x.reason);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, end_input_command& x) {
  return f(caf::meta::type_name("end_input_command"), x.session_id);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, interrupt_command& x) {
  return f(caf::meta::type_name("interrupt_command"), x.session_id);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, list_command&) {
  return f(caf::meta::type_name("list_command"));
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_info& x) {
  return f(caf::meta::type_name("session_info"), x.session_id, x.provider, x.status, x.generation,
           x.pid, x.provider_session_id, x.total_cost_usd, x.input_tokens, x.output_tokens,
           x.started_at_ms, x.node, x.queue_position, x.owner_pid);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_list& x) {
  return f(caf::meta::type_name("session_list"), x.sessions, x.journal_error);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, usage_totals& x) {
  return f(caf::meta::type_name("usage_totals"), x.total_cost_usd, x.input_tokens, x.output_tokens,
           x.budget_usd);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, totals_command&) {
  return f(caf::meta::type_name("totals_command"));
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, command_ack& x) {
  return f(caf::meta::type_name("command_ack"), x.session_id);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, agent_message& x) {
  return f(caf::meta::type_name("agent_message"), x.id, x.session_id, x.type, x.parent_id,
           x.content, x.timestamp_ms, x.seq);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, status_change& x) {
  return f(caf::meta::type_name("status_change"), x.session_id, x.status, x.exit_code, x.signal,
           x.error, x.generation, x.seq, x.queue_position, x.attempt, x.max_attempts,
           x.retry_at_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cost_update& x) {
  return f(caf::meta::type_name("cost_update"), x.session_id, x.total_cost_usd, x.input_tokens,
           x.output_tokens, x.cache_read_tokens, x.cache_creation_tokens, x.turns, x.seq);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, log_line& x) {
  return f(caf::meta::type_name("log_line"), x.session_id, x.text, x.seq);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, raw_line& x) {
  return f(caf::meta::type_name("raw_line"), x.session_id, x.line, x.json);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_events& x) {
  return f(caf::meta::type_name("session_events"), x.events);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, journal_status& x) {
  return f(caf::meta::type_name("journal_status"), x.ok, x.error, x.waiting_batches,
           x.dropped_batches);
}

}  // namespace agentrt
