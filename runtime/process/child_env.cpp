#include "runtime/process/child_env.hpp"

#include <unistd.h>
#include <algorithm>

namespace agentrt::process {

namespace {

// A view, not a copy: every variable of the host is looked at for every agent started.
std::string_view name_of(const std::string& entry) {
  return std::string_view{entry}.substr(0, entry.find('='));
}

bool matches_any(const std::vector<std::string>& patterns, std::string_view name) {
  return std::any_of(patterns.begin(), patterns.end(),
                     [&](const std::string& p) { return env_name_matches(p, name); });
}

void set_var(std::vector<std::string>& env, const std::string& name, const std::string& value) {
  std::string entry = name + "=" + value;
  auto it =
    std::find_if(env.begin(), env.end(), [&](const std::string& e) { return name_of(e) == name; });
  if (it != env.end())
    *it = std::move(entry);
  else
    env.push_back(std::move(entry));
}

}  // namespace

bool env_name_matches(const std::string& pattern, std::string_view name) {
  if (!pattern.empty() && pattern.back() == '*')
    return name.substr(0, pattern.size() - 1) ==
           std::string_view{pattern}.substr(0, pattern.size() - 1);
  return pattern == name;
}

const std::vector<std::string>& provider_passthrough(const std::string& provider) {
  static const std::map<std::string, std::vector<std::string>> lists = {
    {"claude",
     {"ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL", "ANTHROPIC_MODEL",
      "CLAUDE_CONFIG_DIR", "CLAUDE_CODE_EXPERIMENTAL_*"}},
    {"codex", {"OPENAI_API_KEY", "OPENAI_BASE_URL", "CODEX_API_KEY", "CODEX_HOME"}},
    {"gemini",
     {"GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_GEMINI_BASE_URL", "GOOGLE_GENAI_USE_VERTEXAI",
      "GEMINI_CLI_*"}},
    {"aider", {"OPENROUTER_API_KEY", "OPENAI_API_KEY", "ANTHROPIC_API_KEY"}},
  };
  static const std::vector<std::string> none;
  auto it = lists.find(provider);
  return it == lists.end() ? none : it->second;
}

const std::vector<std::string>& provider_env_patterns() {
  static const std::vector<std::string> patterns = [] {
    std::vector<std::string> p = {"CLAUDE*",  "ANTHROPIC_*",    "CODEX*",          "OPENAI_*",
                                  "GEMINI_*", "GOOGLE_GENAI_*", "GOOGLE_GEMINI_*", "OLLAMA*",
                                  "AIDER*",   "OPENROUTER_*"};
    // Credentials without a provider prefix (GOOGLE_API_KEY) are some provider's too.
    for (const char* provider : {"claude", "codex", "gemini", "aider"})
      for (const auto& name : provider_passthrough(provider))
        if (!matches_any(p, name)) p.push_back(name);
    return p;
  }();
  return patterns;
}

child_env_result build_child_env(const std::vector<std::string>& host, const std::string& provider,
                                 const std::map<std::string, std::string>& extra_env) {
  const auto& own = provider_passthrough(provider);
  child_env_result result;
  for (const auto& entry : host) {
    std::string_view name = name_of(entry);
    if (name.empty()) continue;
    bool provider_var = matches_any(provider_env_patterns(), name);
    // Nesting markers (CLAUDECODE) are not in any pass-through list, so they never survive.
    if (!provider_var || matches_any(own, name)) result.env.push_back(entry);
  }
  for (const auto& [name, value] : extra_env) {
    if (name.empty() || name.find('=') != std::string::npos) {
      result.warnings.push_back("extraEnv: invalid variable name \"" + name + "\" ignored");
      continue;
    }
    if (matches_any(provider_env_patterns(), name) && !matches_any(own, name)) {
      result.warnings.push_back("extraEnv: \"" + name +
                                "\" rejected: a provider variable that is not " + provider +
                                "'s own");
      continue;
    }
    set_var(result.env, name, value);
  }
  return result;
}

std::string refused_env_name(const std::map<std::string, std::string>& extra_env) {
  static const std::vector<std::string> loader = {"LD_*", "GCONV_PATH", "GLIBC_TUNABLES"};
  for (const auto& entry : extra_env)
    if (matches_any(loader, entry.first)) return entry.first;
  return {};
}

std::vector<std::string> current_environment() {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) env.emplace_back(*e);
  return env;
}

}  // namespace agentrt::process
