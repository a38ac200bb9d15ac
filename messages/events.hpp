#pragma once
// Events a session publishes to its subscribers, who receive them in batches (session_events).
// Every event of one session carries a sequence number from one counter, so a subscriber sees a
// total order and can detect gaps.
// Plain structs; inspect() makes them serializable (CAF 0.17 style) so they can cross the network.

#include <caf/meta/type_name.hpp>
#include <caf/variant.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "messages/status.hpp"

namespace agentrt {

// One normalized message (docs/messages.md). `content` is a JSON object as text.
struct agent_message {
  std::string id;
  std::string session_id;
  std::string type;  // init, text, thinking, tool_call, tool_result, status, compaction, cost,
                     // error, unknown
  std::string parent_id;
  std::string content;
  std::int64_t timestamp_ms = 0;
  std::uint64_t seq = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, agent_message& x) {
  return f(caf::meta::type_name("agent_message"), x.id, x.session_id, x.type, x.parent_id,
           x.content, x.timestamp_ms, x.seq);
}

// A change of a session's status. exit_code and signal are -1 when not applicable.
struct status_change {
  std::string session_id;
  session_status status = session_status::starting;
  int exit_code = -1;
  int signal = -1;
  std::string error;
  std::uint64_t generation = 0;
  std::uint64_t seq = 0;
  std::uint32_t queue_position = 0;  // queued: the place in the queue (from 1), as it was then
  // retrying: which retry or restart this is (from 1), how many are allowed, and when the next
  // run starts (ms since the epoch). `error` says why the run failed.
  std::uint32_t attempt = 0;
  std::uint32_t max_attempts = 0;
  std::int64_t retry_at_ms = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, status_change& x) {
  return f(caf::meta::type_name("status_change"), x.session_id, x.status, x.exit_code, x.signal,
           x.error, x.generation, x.seq, x.queue_position, x.attempt, x.max_attempts,
           x.retry_at_ms);
}

// The session's cumulative cost and token counts, published whenever they change.
struct cost_update {
  std::string session_id;
  double total_cost_usd = 0;
  std::uint64_t input_tokens = 0;
  std::uint64_t output_tokens = 0;
  std::uint64_t cache_read_tokens = 0;
  std::uint64_t cache_creation_tokens = 0;
  std::uint64_t turns = 0;
  std::uint64_t seq = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cost_update& x) {
  return f(caf::meta::type_name("cost_update"), x.session_id, x.total_cost_usd, x.input_tokens,
           x.output_tokens, x.cache_read_tokens, x.cache_creation_tokens, x.turns, x.seq);
}

// One line the agent wrote to stderr (diagnostics, never JSON).
struct log_line {
  std::string session_id;
  std::string text;
  std::uint64_t seq = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, log_line& x) {
  return f(caf::meta::type_name("log_line"), x.session_id, x.text, x.seq);
}

// One line of the agent's stdout as it was written, for subscribers that asked for raw output
// (the sidecar's agent_event). Not numbered: seq stays 0, so that the other subscribers' sequence
// has no gaps; it is ordered with the session's other events all the same.
struct raw_line {
  std::string session_id;
  std::string line;
  bool json = false;  // the line is a JSON object
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, raw_line& x) {
  return f(caf::meta::type_name("raw_line"), x.session_id, x.line, x.json);
}

using session_event = caf::variant<agent_message, status_change, cost_update, log_line, raw_line>;

// What a session published at one time, in order: the events of one batch of lines read from its
// agent (a raw_line, if asked for, then that line's messages; one cost_update at the end), or one
// status change. One message per batch, not per event: an agent's burst of lines costs its
// subscribers one mailbox round trip. Visit each event with caf::visit.
struct session_events {
  std::vector<session_event> events;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_events& x) {
  return f(caf::meta::type_name("session_events"), x.events);
}

}  // namespace agentrt
