// agentrt: run AI coding-agent sessions through the actor runtime.

#include <CLI/CLI.hpp>

#include <iostream>
#include <tuple>

#include "runtime/cli/commands.hpp"
#include "runtime/cluster/node.hpp"
#include "runtime/journal/journal_store.hpp"
#include "runtime/providers/launch_recipe.hpp"
#include "runtime/sidecar/sidecar.hpp"

namespace {

// HOST:PORT, for --node and --listen.
std::string check_address(const std::string& text) {
  return agentrt::parse_node_address(text) ? std::string{} : "expected HOST:PORT, got " + text;
}

// The options of every networked command: TLS files, the heartbeat, and for a coordinator its
// nodes.
struct network_flags {
  std::vector<std::string> nodes;
  std::int64_t heartbeat_ms = agentrt::cluster_options{}.heartbeat.count();
};

void add_network_options(CLI::App* cmd, network_flags& flags, agentrt::cluster_options& cluster,
                         bool coordinator) {
  if (coordinator)
    cmd->add_option("--node", flags.nodes, "Run the sessions on these nodes (HOST:PORT, repeat)")
      ->check(check_address);
  cmd->add_option("--tls-cert", cluster.tls.certificate, "TLS: this side's certificate (PEM)");
  cmd->add_option("--tls-key", cluster.tls.key, "TLS: its private key (PEM)");
  cmd->add_option("--tls-ca", cluster.tls.ca,
                  "TLS: the CA a peer's certificate must chain to (PEM). Without the three "
                  "files: this user's own CA and certificate, made on first use in "
                  "$XDG_STATE_HOME/agentrt/tls (~/.local/state/agentrt/tls)");
  cmd->add_flag("--insecure", cluster.insecure,
                "Plain TCP without authentication: anyone who reaches a node runs programs as "
                "its user (on a network you trust only)");
  cmd
    ->add_option("--heartbeat-ms", flags.heartbeat_ms,
                 "Heartbeat interval: a silent peer is lost within 1.5 of it")
    ->check(CLI::PositiveNumber)
    ->capture_default_str();
}

// Puts the flags into `cluster`; what is wrong with the result, or "".
std::string apply(const network_flags& flags, agentrt::cluster_options& cluster) {
  for (const auto& text : flags.nodes) cluster.nodes.push_back(*agentrt::parse_node_address(text));
  cluster.heartbeat = std::chrono::milliseconds{flags.heartbeat_ms};
  return agentrt::cluster_problem(cluster);
}

// The flags of every command that runs sessions here: the journal and admission control.
struct session_flags {
  std::string state_dir = agentrt::journal::default_dir();
  bool no_journal = false;
  std::size_t journal_keep = agentrt::journal_options{}.keep_sessions;
  int max_sessions = 0;
  std::vector<std::string> per_provider;  // PROVIDER=N
  std::int64_t stall_timeout_s = agentrt::session_policy{}.watchdog.stall_after.count() / 1000;
  std::string on_stall = "stop";
  double max_total_usd = 0;
  int max_restarts = agentrt::restart_policy{}.max_restarts;
  int max_retries = agentrt::restart_policy{}.max_retries;
  std::size_t max_buffered_mb = agentrt::process::process_host_options{}.buffer_budget_bytes >> 20;
};

void add_state_dir_option(CLI::App* cmd, std::string& dir) {
  cmd->add_option("--state-dir", dir, "Where the journal of sessions is kept")
    ->capture_default_str();
}

// --on-stall's values.
const std::map<std::string, agentrt::stall_action> stall_actions{
  {"report", agentrt::stall_action::report},
  {"stop", agentrt::stall_action::stop},
  {"restart", agentrt::stall_action::restart}};

// PROVIDER=N with N >= 0.
std::string check_provider_limit(const std::string& text) {
  auto eq = text.find('=');
  if (eq == 0 || eq == std::string::npos || eq + 1 == text.size() ||
      text.find_first_not_of("0123456789", eq + 1) != std::string::npos)
    return "expected PROVIDER=N, got " + text;
  return {};
}

void add_session_options(CLI::App* cmd, session_flags& flags) {
  add_state_dir_option(cmd, flags.state_dir);
  cmd->add_flag("--no-journal", flags.no_journal,
                "Keep no journal (sessions are forgotten on exit)");
  cmd
    ->add_option("--journal-keep", flags.journal_keep,
                 "Ended sessions the journal keeps, the newest; older ones are forgotten, record "
                 "and events (0: all)")
    ->capture_default_str();
  cmd
    ->add_option("--max-sessions", flags.max_sessions,
                 "Agents running at once on this machine; the rest wait, queued (0: no limit)")
    ->check(CLI::NonNegativeNumber)
    ->capture_default_str();
  cmd
    ->add_option("--max-per-provider", flags.per_provider,
                 "PROVIDER=N: agents of one provider at once (repeat; default claude=3)")
    ->check(check_provider_limit);
  cmd
    ->add_option("--max-total-usd", flags.max_total_usd,
                 "Global budget: once all sessions together spent more, every one is stopped "
                 "and no more start (0: none)")
    ->check(CLI::NonNegativeNumber)
    ->capture_default_str();
  cmd
    ->add_option("--stall-timeout", flags.stall_timeout_s,
                 "Seconds without output before an agent is `stalled` (0: no watchdog)")
    ->check(CLI::NonNegativeNumber)
    ->capture_default_str();
  cmd
    ->add_option("--on-stall", flags.on_stall,
                 "What as long a silence again does to a stalled agent: report (nothing more), "
                 "stop, restart (resuming, 3 times at most)")
    ->check(CLI::IsMember(stall_actions))
    ->capture_default_str();
  cmd
    ->add_option("--max-restarts", flags.max_restarts,
                 "Crashes of a session restarted (resuming) within a minute; 0: none")
    ->check(CLI::NonNegativeNumber)
    ->capture_default_str();
  cmd
    ->add_option("--max-retries", flags.max_retries,
                 "Rate-limited or overloaded runs retried per session, after the error's delay; "
                 "0: none")
    ->check(CLI::NonNegativeNumber)
    ->capture_default_str();
  cmd
    ->add_option("--max-buffered-mb", flags.max_buffered_mb,
                 "Agents' output read and not yet handed on (to the host, the journal), in MiB, "
                 "of all sessions together: beyond it the agents' pipes are not read (they wait "
                 "as on a terminal) until the host takes what is buffered")
    ->check(CLI::PositiveNumber)
    ->capture_default_str();
}

void apply(const session_flags& flags, agentrt::runtime_options& runtime) {
  if (!flags.no_journal) runtime.journal.dir = flags.state_dir;
  runtime.journal.keep_sessions = flags.journal_keep;
  runtime.global_budget_usd = flags.max_total_usd;
  auto& watchdog = runtime.policy.watchdog;
  watchdog.stall_after = std::chrono::seconds{flags.stall_timeout_s};
  watchdog.act_after = watchdog.stall_after;
  watchdog.action = stall_actions.at(flags.on_stall);
  runtime.policy.restart.max_restarts = flags.max_restarts;
  runtime.policy.restart.max_retries = flags.max_retries;
  runtime.host.buffer_budget_bytes = flags.max_buffered_mb << 20;
  auto& policy = runtime.admission;
  policy.max_sessions = static_cast<std::size_t>(flags.max_sessions);
  for (const auto& text : flags.per_provider) {
    auto eq = text.find('=');
    auto provider = text.substr(0, eq);
    auto n = std::stoul(text.substr(eq + 1));
    if (n > 0)
      policy.max_per_provider[provider] = n;
    else
      policy.max_per_provider.erase(provider);  // 0: no limit of its own
  }
}

int agentrt_main(int argc, char** argv) {
  CLI::App app{"agentrt: an actor runtime for AI coding-agent sessions"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string{"agentrt "} + AGENTRT_VERSION);

  agentrt::cli::run_options run;
  auto* run_cmd = app.add_subcommand("run", "Run one session per PROMPT and print its messages");
  run_cmd->add_option("--provider", run.provider, "The agent to run")
    ->check(CLI::IsMember(agentrt::providers::launchable_providers()))
    ->capture_default_str();
  run_cmd->add_option("--session-id", run.session_id,
                      "The session's id (ID-1 ... ID-N for several; default: a new unique "
                      "run-YYYYMMDD-HHMMSS-XXXX)");
  run_cmd->add_option("--permission-mode", run.permission_mode,
                      "The agent's permission mode, passed as it is (claude: default, "
                      "acceptEdits, plan, bypassPermissions)");
  run_cmd->add_flag("--json", run.json, "Print NDJSON (one event per line)");
  run_cmd->add_option("--cwd", run.cwd, "Working directory of the agents");
  run_cmd->add_option("--model", run.model, "Model name passed to the agent");
  run_cmd->add_option("--provider-config", run.provider_config,
                      "Provider-specific options as a JSON object");
  run_cmd->add_option("--sessions", run.sessions, "Run each prompt in this many sessions")
    ->check(CLI::Range(1, 100000))
    ->capture_default_str();
  run_cmd->add_option("prompts", run.prompts, "One prompt per session")->required();
  network_flags run_network;
  add_network_options(run_cmd, run_network, run.runtime.cluster, true);

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
  network_flags sidecar_network;
  add_network_options(sidecar_cmd, sidecar_network, sidecar.runtime.cluster, true);

  agentrt::cluster::node_options node;
  std::string listen = "127.0.0.1:0";
  std::int64_t orphan_grace_ms = node.orphan_grace.count();
  network_flags node_network;
  auto* node_cmd = app.add_subcommand(
    "node", "Serve this machine's sessions to coordinators (agentrt run/sidecar --node)");
  node_cmd->add_option("--listen", listen, "Address to listen on (port 0: any free port)")
    ->check(check_address)
    ->capture_default_str();
  add_network_options(node_cmd, node_network, node.runtime.cluster, false);
  node_cmd
    ->add_option("--orphan-grace-ms", orphan_grace_ms,
                 "Stop the sessions this long after the last coordinator is gone")
    ->check(CLI::NonNegativeNumber)
    ->capture_default_str();

  agentrt::cli::list_options list;
  auto* list_cmd = app.add_subcommand("list", "Print the sessions the journal remembers");
  list.state_dir = agentrt::journal::default_dir();
  add_state_dir_option(list_cmd, list.state_dir);
  list_cmd->add_flag("--json", list.json, "Print one JSON line (the sidecar's sessions event)");

  agentrt::cli::resume_options resume;
  auto* resume_cmd = app.add_subcommand(
    "resume", "Continue a journaled session with its provider's resume, and print its messages");
  resume_cmd->add_option("session", resume.session_id, "The session's id")->required();
  resume_cmd->add_option("prompt", resume.prompt, "What to tell the agent (default: Continue.)");
  resume_cmd->add_flag("--json", resume.json, "Print NDJSON (one event per line)");

  struct session_command {
    CLI::App* cmd;
    agentrt::runtime_options* runtime;
    session_flags flags;
  } session_commands[] = {{run_cmd, &run.runtime, {}},
                          {sidecar_cmd, &sidecar.runtime, {}},
                          {node_cmd, &node.runtime, {}},
                          {resume_cmd, &resume.runtime, {}}};
  for (auto& c : session_commands) add_session_options(c.cmd, c.flags);

  auto* version_cmd = app.add_subcommand("version", "Print the version");

  CLI11_PARSE(app, argc, argv);
  for (const auto& c : session_commands) apply(c.flags, *c.runtime);
  for (auto [cmd, flags, cluster] :
       {std::tuple{run_cmd, &run_network, &run.runtime.cluster},
        std::tuple{sidecar_cmd, &sidecar_network, &sidecar.runtime.cluster},
        std::tuple{node_cmd, &node_network, &node.runtime.cluster}}) {
    if (!cmd->parsed()) continue;
    if (auto problem = apply(*flags, *cluster); !problem.empty()) {
      std::cerr << "agentrt " << cmd->get_name() << ": " << problem << '\n';
      return 2;
    }
    if (cluster->insecure && !cluster->nodes.empty())  // a node says it when it listens
      std::cerr << "agentrt " << cmd->get_name()
                << ": --insecure: plain TCP to the nodes, no authentication either way: anyone "
                   "on the path can read the sessions and send the nodes commands\n";
  }
  if (run_cmd->parsed()) return agentrt::cli::run_command(run);
  if (node_cmd->parsed()) {
    node.listen = *agentrt::parse_node_address(listen);
    node.orphan_grace = std::chrono::milliseconds{orphan_grace_ms};
    return agentrt::cluster::run_node(node);
  }
  if (demo_cmd->parsed()) return agentrt::cli::demo_command(demo);
  if (list_cmd->parsed()) return agentrt::cli::list_sessions_command(list);
  if (resume_cmd->parsed()) return agentrt::cli::resume_session_command(resume);
  if (parse_cmd->parsed()) return agentrt::cli::parse_command(parse);
  if (sidecar_cmd->parsed()) return agentrt::sidecar::run_sidecar(sidecar);
  if (version_cmd->parsed()) std::cout << "agentrt " << AGENTRT_VERSION << '\n';
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return agentrt_main(argc, argv);
  } catch (const std::exception& e) {
    // The runtime could not start: the journal is held by another agentrt, say.
    std::cerr << "agentrt: " << e.what() << '\n';
    return 2;
  }
}
