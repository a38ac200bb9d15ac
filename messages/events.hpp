#pragma once
// Events a session publishes to its subscribers, who receive them in batches (messages/batch.hpp
// for actors). Every event of one session carries a sequence number from one counter, so a
// subscriber sees a total order and can detect gaps.
// Plain structs and std types (part of the public vocabulary: no CAF here); messages/inspect.hpp
// makes them serializable, so they can cross the network.

#include <cstdint>
#include <string>
#include <vector>

#include "status.hpp"

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

// One line the agent wrote to stderr (diagnostics, never JSON).
struct log_line {
  std::string session_id;
  std::string text;
  std::uint64_t seq = 0;
};

// One line of the agent's stdout as it was written, for subscribers that asked for raw output
// (the sidecar's agent_event). Not numbered: seq stays 0, so that the other subscribers' sequence
// has no gaps; it is ordered with the session's other events all the same.
struct raw_line {
  std::string session_id;
  std::string line;
  bool json = false;  // the line is a JSON object
};

// The journal's health: sent by the journal to whoever watches it (the supervisor, which asks
// with journal_watch) when it changes, and by the supervisor to every subscriber of all sessions.
// While writes fail, what waits is kept in memory (up to a bound; beyond it the oldest batches of
// events are given up and counted) and written once the disk takes it again.
struct journal_status {
  bool ok = true;
  std::string error;                  // SQLite's reason, while !ok
  std::uint64_t waiting_batches = 0;  // events kept in memory, not yet on disk
  std::uint64_t dropped_batches = 0;  // given up since the runtime started
};

}  // namespace agentrt
