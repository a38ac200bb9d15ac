#include "runtime/providers/launch_recipe.hpp"

#include <algorithm>

#include "runtime/fake_agent/transcripts.hpp"

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <sstream>
#include <tuple>

#include "runtime/process/child_env.hpp"

namespace agentrt::providers {

namespace {

using json = nlohmann::json;

std::string format_number(double x) {
  std::ostringstream out;
  out << x;
  return out.str();
}

// providerConfig.interactive: the agent lives on between turns and reads prompts from stdin.
bool interactive(const json& config) {
  auto it = config.find("interactive");
  return it != config.end() && it->is_boolean() && it->get<bool>();
}

// The prompt goes to an interactive agent's stdin as its first turn, else on the command line.
void take_prompt(const query_command& q, const json& config, const std::string& provider,
                 launch_plan& plan) {
  if (!interactive(config)) {
    plan.spec.args.push_back(q.prompt);
    return;
  }
  plan.spec.stdin_pipe = true;
  plan.spec.initial_input = stdin_prompt(provider, q.prompt);
  plan.takes_stdin_prompts = true;
}

// The binary: the configured one, else the first executable candidate, else the name (looked up
// in PATH when spawned).
std::string find_binary(const std::string& name, const std::vector<std::string>& candidates) {
  for (const auto& candidate : candidates)
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  return name;
}

// claude -p --output-format stream-json --verbose [options] PROMPT (seed-runtime.md section 3).
std::variant<launch_plan, std::string> claude_plan(const query_command& q, const launch_config& cfg,
                                                   const json& config,
                                                   const process::host_environment& host_env,
                                                   launch_plan plan) {
  if (cfg.running_as_root && q.permission_mode == "bypassPermissions")
    return std::string{
      "permission mode bypassPermissions is refused by claude when running as "
      "root; choose another mode (acceptEdits, default, plan)"};
  auto& args = plan.spec.args;
  args = {"-p", "--output-format", "stream-json", "--verbose"};
  if (interactive(config)) args.insert(args.end(), {"--input-format", "stream-json"});
  if (q.max_turns > 0) args.insert(args.end(), {"--max-turns", std::to_string(q.max_turns)});
  if (q.max_budget_usd > 0)
    args.insert(args.end(), {"--max-budget-usd", format_number(q.max_budget_usd)});
  if (!q.resume_id.empty()) args.insert(args.end(), {"--resume", q.resume_id});
  if (!q.model.empty()) args.insert(args.end(), {"--model", q.model});
  if (!q.permission_mode.empty()) args.insert(args.end(), {"--permission-mode", q.permission_mode});
  if (!q.system_prompt.empty()) args.insert(args.end(), {"--system-prompt", q.system_prompt});
  for (const auto& dir : q.additional_directories) args.insert(args.end(), {"--add-dir", dir});
  take_prompt(q, config, "claude", plan);
  if (plan.spec.executable.empty()) {
    // PATH first, as the seed's sidecar did (and its load driver relies on); then the places
    // the installer uses.
    plan.spec.executable = process::find_executable("claude", plan.spec.search_path);
    if (plan.spec.executable.empty()) {
      std::vector<std::string> candidates;
      if (std::string home = host_env.value("HOME"); !home.empty())
        candidates.insert(candidates.end(),
                          {home + "/.local/bin/claude", home + "/.claude/local/claude"});
      candidates.insert(candidates.end(), {"/usr/local/bin/claude", "/usr/bin/claude"});
      plan.spec.executable = find_binary("claude", candidates);
    }
  }
  plan.spec.install_hint = "npm install -g @anthropic-ai/claude-code";
  return plan;
}

// codex exec --json --skip-git-repo-check [-m M] [-C DIR] -s SANDBOX -c approval_policy=P
//   [resume THREAD] PROMPT. The sandbox follows the permission mode (seed-runtime.md section 3)
// unless providerConfig.sandbox names one.
std::variant<launch_plan, std::string> codex_plan(const query_command& q, const json& config,
                                                  launch_plan plan) {
  bool bypass = q.permission_mode == "bypassPermissions";
  std::string sandbox = bypass ? "danger-full-access" : "workspace-write";
  if (auto it = config.find("sandbox"); it != config.end()) {
    if (!it->is_string()) return std::string{"providerConfig.sandbox must be a string"};
    sandbox = it->get<std::string>();
  }
  auto& args = plan.spec.args;
  args = {"exec", "--json", "--skip-git-repo-check"};
  if (!q.model.empty()) args.insert(args.end(), {"-m", q.model});
  if (!q.cwd.empty()) args.insert(args.end(), {"-C", q.cwd});
  args.insert(args.end(),
              {"-s", sandbox, "-c",
               std::string{"approval_policy=\""} + (bypass ? "never" : "on-request") + "\""});
  if (!q.resume_id.empty()) args.insert(args.end(), {"resume", q.resume_id});
  args.push_back(q.prompt);
  if (plan.spec.executable.empty()) plan.spec.executable = "codex";
  plan.spec.install_hint = "npm install -g @openai/codex";
  return plan;
}

// gemini -p PROMPT --output-format stream-json --skip-trust [-m M] [--approval-mode A]
//   [--resume ID], with GEMINI_CLI_NO_RELAUNCH=1: one process, so that a signal reaches the agent
// (the relaunching parent ignores SIGTERM).
std::variant<launch_plan, std::string> gemini_plan(const query_command& q, launch_plan plan) {
  auto& args = plan.spec.args;
  args = {"-p", q.prompt, "--output-format", "stream-json", "--skip-trust"};
  if (!q.model.empty()) args.insert(args.end(), {"-m", q.model});
  if (q.permission_mode == "bypassPermissions")
    args.insert(args.end(), {"--approval-mode", "yolo"});
  else if (q.permission_mode == "acceptEdits")
    args.insert(args.end(), {"--approval-mode", "auto_edit"});
  if (!q.resume_id.empty()) args.insert(args.end(), {"--resume", q.resume_id});
  plan.spec.env.push_back("GEMINI_CLI_NO_RELAUNCH=1");
  if (plan.spec.executable.empty()) plan.spec.executable = "gemini";
  plan.spec.install_hint = "npm install -g @google/gemini-cli";
  return plan;
}

// aider --model M --yes-always --no-pretty --no-fancy-input --no-stream --no-git
//   --no-auto-commits --suggest-shell-commands --no-check-model-accepts-settings, one interactive
// process per session: prompts on stdin, "/exit" to quit (seed-runtime.md section 3).
std::variant<launch_plan, std::string> aider_plan(const query_command& q, launch_plan plan) {
  plan.spec.args = {"--model",
                    q.model.empty() ? "openrouter/anthropic/claude-sonnet-4" : q.model,
                    "--yes-always",
                    "--no-pretty",
                    "--no-fancy-input",
                    "--no-stream",
                    "--no-git",
                    "--no-auto-commits",
                    "--suggest-shell-commands",
                    "--no-check-model-accepts-settings"};
  std::string prompt = q.prompt;
  if (!q.system_prompt.empty()) prompt += "\n\n" + q.system_prompt;  // aider appends it
  plan.spec.stdin_pipe = true;
  plan.spec.initial_input = stdin_prompt("aider", prompt);
  plan.takes_stdin_prompts = true;
  plan.stop_input = "/exit\n";
  if (plan.spec.executable.empty()) plan.spec.executable = "aider";
  plan.spec.install_hint = "python3 -m pip install aider-install && aider-install";
  return plan;
}

// Ollama is HTTP: the runtime itself chats with the host of providerConfig.host, else the host
// environment's OLLAMA_HOST, else http://127.0.0.1:11434 (seed-runtime.md section 3).
std::variant<launch_plan, std::string> ollama_plan(const query_command& q, const json& config,
                                                   const process::host_environment& host_env,
                                                   launch_plan plan) {
  std::string host;
  if (auto it = config.find("host"); it != config.end()) {
    if (!it->is_string()) return std::string{"providerConfig.host must be a string"};
    host = it->get<std::string>();
  }
  http::chat_request chat;
  chat.host = http::ollama_host_for(host, host_env.value("OLLAMA_HOST"));
  chat.model = q.model.empty() ? "qwen3:8b" : q.model;
  chat.session_id = q.session_id;
  chat.cwd = q.cwd;
  chat.system_prompt = q.system_prompt;
  chat.prompt = q.prompt;
  plan.chat = std::move(chat);
  return plan;
}

// agentrt-fake-agent [--transcript T] [--delay-ms N] [--repeat K] [--misbehave M]... --prompt P
std::variant<launch_plan, std::string> fake_plan(const query_command& q, const json& config,
                                                 launch_plan plan) {
  auto& args = plan.spec.args;
  auto add_option = [&](const char* key, const char* flag, bool numeric) -> std::string {
    auto it = config.find(key);
    if (it == config.end() || it->is_null()) return {};
    if (!numeric && it->is_string())
      args.insert(args.end(), {flag, it->get<std::string>()});
    else if (numeric && it->is_number_integer() && it->get<long long>() >= 0)
      args.insert(args.end(), {flag, std::to_string(it->get<long long>())});
    else
      return std::string{"providerConfig."} + key + " must be " +
             (numeric ? "a non-negative integer" : "a string");
    return {};
  };
  for (auto [key, flag, numeric] : {std::tuple{"transcript", "--transcript", false},
                                    {"delayMs", "--delay-ms", true},
                                    {"repeat", "--repeat", true}})
    if (auto err = add_option(key, flag, numeric); !err.empty()) return err;
  if (auto it = config.find("transcript"); it != config.end() && it->is_string()) {
    const auto& name = it->get_ref<const std::string&>();
    const auto& bundled = fake::bundled_transcripts();
    bool known =
      std::any_of(bundled.begin(), bundled.end(), [&](const auto& t) { return t.name == name; });
    if (!known && access(name.c_str(), R_OK) != 0)
      return "providerConfig.transcript: no bundled transcript or file named " + name;
  }
  if (auto it = config.find("misbehave"); it != config.end()) {
    json modes = it->is_array() ? *it : json::array({*it});
    for (const auto& mode : modes) {
      if (!mode.is_string()) return std::string{"providerConfig.misbehave must hold strings"};
      args.insert(args.end(), {"--misbehave", mode.get<std::string>()});
    }
  }
  if (!q.resume_id.empty()) args.insert(args.end(), {"--resume", q.resume_id});
  if (interactive(config)) {
    args.insert(args.end(), {"--input-format", "stream-json"});
    take_prompt(q, config, "fake", plan);
  } else {
    args.insert(args.end(), {"--prompt", q.prompt});
  }
  if (plan.spec.executable.empty()) plan.spec.executable = default_fake_agent_path();
  return plan;
}

}  // namespace

std::string stdin_prompt(const std::string& provider, const std::string& prompt) {
  if (provider == "aider")  // one line, or aider's { ... } block for several
    return prompt.find('\n') == std::string::npos ? prompt + "\n" : "{\n" + prompt + "\n}\n";
  // claude's stream-json user message; the fake agent speaks the same.
  return json{{"type", "user"}, {"message", {{"role", "user"}, {"content", prompt}}}}.dump() + "\n";
}

std::string stdin_interrupt(const std::string& provider) {
  if (provider == "aider") return {};
  static std::atomic<unsigned long> next_request{0};
  return json{{"type", "control_request"},
              {"request_id", "agentrt-" + std::to_string(++next_request)},
              {"request", {{"subtype", "interrupt"}}}}
           .dump() +
         "\n";
}

const std::vector<std::string>& launchable_providers() {
  static const std::vector<std::string> all = {"claude", "codex",  "gemini",
                                               "aider",  "ollama", "fake"};
  return all;
}

std::string default_fake_agent_path() {
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n > 0) {
    std::string path{self, static_cast<std::size_t>(n)};
    auto beside = path.substr(0, path.rfind('/') + 1) + "agentrt-fake-agent";
    if (access(beside.c_str(), X_OK) == 0) return beside;
  }
  return "agentrt-fake-agent";  // looked up on PATH, as the other agents are
}

std::variant<launch_plan, std::string> plan_launch(const query_command& q,
                                                   const launch_config& cfg) {
  json config = json::object();
  if (!q.provider_config.empty()) {
    config = json::parse(q.provider_config, nullptr, false);
    if (config.is_discarded() || !config.is_object())
      return std::string{"providerConfig is not a JSON object"};
  }
  launch_plan plan;
  const auto& host_env = cfg.host_env;
  auto env = host_env.for_child(q.provider, q.extra_env);
  plan.spec.env = std::move(env.env);
  plan.warnings = std::move(env.warnings);
  plan.spec.cwd = q.cwd;
  // The runtime's PATH picks the binary; the query's (extraEnv) reaches only the agent's tools.
  plan.spec.search_path = host_env.value("PATH");
  if (auto it = cfg.binaries.find(q.provider); it != cfg.binaries.end())
    plan.spec.executable = it->second;
  if (q.provider == "claude") return claude_plan(q, cfg, config, host_env, std::move(plan));
  if (q.provider == "codex") return codex_plan(q, config, std::move(plan));
  if (q.provider == "gemini") return gemini_plan(q, std::move(plan));
  if (q.provider == "aider") return aider_plan(q, std::move(plan));
  if (q.provider == "ollama") return ollama_plan(q, config, host_env, std::move(plan));
  if (q.provider == "fake") return fake_plan(q, config, std::move(plan));
  return "unknown provider \"" + q.provider + "\"";
}

}  // namespace agentrt::providers
