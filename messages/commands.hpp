#pragma once
// Commands a front door (embedding API, sidecar, CLI) sends to the supervisor, and their replies.
// Plain structs and std types (part of the public vocabulary: no CAF here); messages/inspect.hpp
// makes them serializable.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "status.hpp"

namespace agentrt {

// Start a session (or run a finished one again). Empty strings and zeros mean "default".
struct query_command {
  std::string session_id;
  std::string provider;  // claude, fake, ...; empty: the runtime's default provider
  std::string prompt;
  std::string cwd;
  std::string model;
  std::int32_t max_turns = 0;
  double max_budget_usd = 0;
  std::string resume_id;
  std::string permission_mode;
  std::string system_prompt;
  std::vector<std::string> additional_directories;
  std::map<std::string, std::string> extra_env;
  std::string provider_config;  // a JSON object as text, provider specific
  std::string node;             // through a coordinator: the node to run on (empty: least loaded)
  std::int32_t max_restarts = -1;  // crashes restarted (restart_policy); -1: the runtime's default
  std::int64_t stall_timeout_ms = -1;  // the watchdog's stall_after; 0: none, -1: the runtime's
};

// A follow-up prompt. A live session that reads prompts from stdin (claude with
// providerConfig.interactive) gets it as its next turn; an ended one runs again, resuming the
// provider's conversation with the latest provider session id.
struct prompt_command {
  std::string session_id;
  std::string prompt;
};

// Stop a session: SIGTERM to the agent's process group, SIGKILL after the grace period. With a
// reason (a crossed budget), the run ends as an error with it instead of `stopped`.
struct stop_command {
  std::string session_id;
  std::string reason{};
};

// Interrupt the current turn without ending the session: claude in interactive mode gets a
// control_request, any other agent SIGINT.
struct interrupt_command {
  std::string session_id;
};

// No more prompts will come: an agent that reads them from stdin has it closed, and exits once
// its turn is over (done); for any other, nothing changes. The CLI's, once a turn is idle.
struct end_input_command {
  std::string session_id;
};

// Ask for the session table. The reply is a session_list.
struct list_command {};

// One row of the session table.
struct session_info {
  std::string session_id;
  std::string provider;
  session_status status = session_status::starting;
  std::uint64_t generation = 0;
  std::int32_t pid = 0;
  std::string provider_session_id;  // the agent's own id, to resume with (latest seen)
  double total_cost_usd = 0;        // over all its runs in this runtime, like the tokens
  std::uint64_t input_tokens = 0;
  std::uint64_t output_tokens = 0;
  std::int64_t started_at_ms = 0;
  std::string node;                  // through a coordinator: the node it runs on (host:port)
  std::uint32_t queue_position = 0;  // queued: its place in the queue now (from 1)
  // From a shared journal: the pid of the runtime that owns it (started it last), 0 when that
  // runtime is gone.
  std::int32_t owner_pid = 0;
};

struct session_list {
  std::vector<session_info> sessions;
  std::string journal_error;  // why the journal cannot write now; "" when it can (or there is none)
};

// What every session of the runtime spent since it started, over all their runs; with the global
// budget (0: none). Through a coordinator: the sum over its nodes.
struct usage_totals {
  double total_cost_usd = 0;
  std::uint64_t input_tokens = 0;
  std::uint64_t output_tokens = 0;
  double budget_usd = 0;
};

// Ask for the totals now. The reply is a usage_totals.
struct totals_command {};

// The positive reply to query, prompt, stop, subscribe and unsubscribe.
struct command_ack {
  std::string session_id;
};

}  // namespace agentrt
