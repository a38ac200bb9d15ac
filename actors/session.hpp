#pragma once
// The session actor: one agent session across its runs (a finished session may run again).
//
// Owns the run's state machine (session_state), its process (signals go to the process group),
// a message adapter (for the session's life) and a process reader (per run). Status comes from
// the process and the stream, never from an assumption; the terminal status is published only
// after the last line of output. stop: SIGTERM to the group, SIGKILL after the policy's grace.
// When the actor ends for any reason, the run's process group is killed.
//
// Admission: a run of a provider the admission policy limits first asks the supervisor for a
// slot; until granted it is `queued` (with its place), and a stop ends it without a process.
//
// Follow-ups (prompt_command): a live agent that reads prompts from stdin gets the prompt as its
// next turn; an ended session runs again (a new generation) resuming the provider's conversation
// with the latest provider session id. A query for an ended session runs it again as given.
//
// Receives: query_command, prompt_command, interrupt_command, stop_command, subscribe /
// unsubscribe, and the internal child_*, turn_event, cost_update, output_drained, *_tick messages.
// Sends: session_info to the supervisor on every change (status, generation, cost).

#include <caf/actor.hpp>

#include <vector>

#include "actors/admission.hpp"
#include "actors/session_policy.hpp"
#include "messages/commands.hpp"
#include "messages/subscription.hpp"
#include "runtime/process/process_host.hpp"
#include "runtime/providers/launch_recipe.hpp"

namespace agentrt {

struct session_env {
  process::process_host* host;
  http::ollama_host* ollama;
  const providers::launch_config* launch;
  session_policy policy;
  caf::actor journal;                           // none: no journal
  const admission_policy* admission = nullptr;  // none: every run starts at once
};

// What a session id did before this actor: in this runtime's journal (an earlier runtime's, or
// one cleaned up), or on another node.
struct session_past {
  std::uint64_t generation = 0;  // its last run (0: a new id); runs and event numbers go on
  std::uint64_t after_seq = 0;   // its events are numbered after this at least
  // Its spending so far, counted against its budget (query.max_budget_usd) and reported on.
  double cost_usd = 0;
  std::uint64_t input_tokens = 0;
  std::uint64_t output_tokens = 0;
};

// `first_run_queued`: the supervisor already asked a slot for the first run (so that new
// sessions keep the order of their queries), and answers the session.
caf::actor spawn_session(caf::local_actor* supervisor, query_command query,
                         std::vector<subscribe_command> subscribers, session_env env,
                         const session_past& past = {}, bool first_run_queued = false);

}  // namespace agentrt
