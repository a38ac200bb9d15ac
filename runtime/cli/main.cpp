// agentrt: run AI coding-agent sessions through the actor runtime.

#include <CLI/CLI.hpp>

#include <iostream>

#include "runtime/cli/commands.hpp"
#include "runtime/sidecar/sidecar.hpp"

int main(int argc, char** argv) {
  CLI::App app{"agentrt: an actor runtime for AI coding-agent sessions"};
  app.require_subcommand(1);

  agentrt::cli::run_options run;
  auto* run_cmd = app.add_subcommand("run", "Run one session per PROMPT and print its messages");
  run_cmd->add_option("--provider", run.provider, "Provider: fake, claude")->capture_default_str();
  run_cmd->add_flag("--json", run.json, "Print NDJSON (one event per line)");
  run_cmd->add_option("--cwd", run.cwd, "Working directory of the agents");
  run_cmd->add_option("--model", run.model, "Model name passed to the agent");
  run_cmd->add_option("--provider-config", run.provider_config,
                      "Provider-specific options as a JSON object");
  run_cmd->add_option("--sessions", run.sessions, "Run each prompt in this many sessions")
    ->check(CLI::Range(1, 100000))
    ->capture_default_str();
  run_cmd->add_option("prompts", run.prompts, "One prompt per session")->required();

  agentrt::cli::demo_options demo;
  auto* demo_cmd = app.add_subcommand("demo", "Run several fake agent sessions at once");
  demo_cmd->add_flag("--json", demo.json, "Print NDJSON (one event per line)");

  agentrt::cli::parse_options parse;
  auto* parse_cmd = app.add_subcommand(
    "parse", "Normalize a recorded transcript to NDJSON, one normalized message per line");
  parse_cmd->add_option("--provider", parse.provider, "Provider whose format the input is in")
    ->capture_default_str();
  parse_cmd->add_option("--session-id", parse.session_id, "sessionId to put on each message");
  parse_cmd->add_option("input", parse.input, "Transcript file, or - for standard input")
    ->capture_default_str();

  agentrt::sidecar::sidecar_options sidecar;
  auto* sidecar_cmd = app.add_subcommand(
    "sidecar", "Speak the seed's stdio NDJSON protocol (docs/protocol.md) on stdin/stdout");
  sidecar_cmd->add_flag("--normalized", sidecar.normalized,
                        "Also emit agent_message, status and cost events for every session");

  auto* version_cmd = app.add_subcommand("version", "Print the version");

  CLI11_PARSE(app, argc, argv);
  if (run_cmd->parsed()) return agentrt::cli::run_command(run);
  if (demo_cmd->parsed()) return agentrt::cli::demo_command(demo);
  if (parse_cmd->parsed()) return agentrt::cli::parse_command(parse);
  if (sidecar_cmd->parsed()) return agentrt::sidecar::run_sidecar(sidecar);
  if (version_cmd->parsed()) std::cout << "agentrt " << AGENTRT_VERSION << '\n';
  return 0;
}
