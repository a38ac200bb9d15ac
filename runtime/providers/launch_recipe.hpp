#pragma once
// How each provider's agent is started: argv (never through a shell), environment, working
// directory, binary. Pure apart from reading the file system to locate binaries.

#include <unistd.h>

#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "messages/commands.hpp"
#include "runtime/http/ollama_host.hpp"
#include "runtime/process/child_env.hpp"
#include "runtime/process/spawn_spec.hpp"

namespace agentrt::providers {

struct launch_config {
  // Binary per provider, overriding the default lookup ("fake" -> the bundled fake agent).
  std::map<std::string, std::string> binaries;
  // The environment children are built from: by default the runtime's own as it was when this
  // config was made (a setenv later reaches no agent; it would race with the spawns anyway).
  process::host_environment host_env{process::current_environment()};
  // claude refuses bypassPermissions as root: such a query fails before anything is spawned.
  bool running_as_root = ::geteuid() == 0;
};

struct launch_plan {
  process::spawn_spec spec;  // the child process to start, unless the agent is reached over HTTP
  std::optional<http::chat_request> chat;  // ollama: no process, a chat with its HTTP API
  std::vector<std::string> warnings;       // e.g. rejected extraEnv keys
  // The agent reads follow-up prompts and interrupts from its stdin (stdin_prompt,
  // stdin_interrupt) and lives on between turns.
  bool takes_stdin_prompts = false;
  // Written to stdin (then closed) to ask the agent to quit before any signal ("/exit" for aider).
  std::string stop_input;
};

// The plan for `q`, or an error text when the query cannot be launched as given.
std::variant<launch_plan, std::string> plan_launch(const query_command& q,
                                                   const launch_config& cfg);

// What a running interactive agent reads from stdin as its next prompt, and as an interrupt of
// its current turn (claude's stream-json input: a user message, a control_request; aider: the
// text, and no interrupt: empty means "send SIGINT").
std::string stdin_prompt(const std::string& provider, const std::string& prompt);
std::string stdin_interrupt(const std::string& provider);

// The providers that have a launch recipe.
const std::vector<std::string>& launchable_providers();

// The fake agent next to the running executable, if there is one.
std::string default_fake_agent_path();

}  // namespace agentrt::providers
