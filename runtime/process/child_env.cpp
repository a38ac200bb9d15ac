#include "runtime/process/child_env.hpp"

#include <unistd.h>
#include <algorithm>

namespace agentrt::process {

namespace {

// A view, not a copy: every variable of the host is looked at for every provider.
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

using passthrough_lists = std::map<std::string, std::vector<std::string>>;

const passthrough_lists& every_passthrough() {
  static const passthrough_lists lists = {
    {"claude",
     {"ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_BASE_URL", "ANTHROPIC_MODEL",
      "CLAUDE_CONFIG_DIR", "CLAUDE_CODE_EXPERIMENTAL_*"}},
    {"codex", {"OPENAI_API_KEY", "OPENAI_BASE_URL", "CODEX_API_KEY", "CODEX_HOME"}},
    {"gemini",
     {"GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_GEMINI_BASE_URL", "GOOGLE_GENAI_USE_VERTEXAI",
      "GEMINI_CLI_*"}},
    {"aider", {"OPENROUTER_API_KEY", "OPENAI_API_KEY", "ANTHROPIC_API_KEY"}},
  };
  return lists;
}

}  // namespace

bool env_name_matches(const std::string& pattern, std::string_view name) {
  if (!pattern.empty() && pattern.back() == '*')
    return name.substr(0, pattern.size() - 1) ==
           std::string_view{pattern}.substr(0, pattern.size() - 1);
  return pattern == name;
}

const std::vector<std::string>& provider_passthrough(const std::string& provider) {
  static const std::vector<std::string> none;
  auto it = every_passthrough().find(provider);
  return it == every_passthrough().end() ? none : it->second;
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

namespace {

// The host's variables a child of the provider whose own list is `own` keeps.
std::vector<std::string> filter_host(const std::vector<std::string>& host,
                                     const std::vector<std::string>& own) {
  std::vector<std::string> env;
  for (const auto& entry : host) {
    std::string_view name = name_of(entry);
    if (name.empty()) continue;
    bool provider_var = matches_any(provider_env_patterns(), name);
    // Nesting markers (CLAUDECODE) are not in any pass-through list, so they never survive.
    if (!provider_var || matches_any(own, name)) env.push_back(entry);
  }
  return env;
}

// `base` (a filtered host) with the query's extra variables applied.
child_env_result with_extra(std::vector<std::string> base, const std::string& provider,
                            const std::map<std::string, std::string>& extra_env) {
  const auto& own = provider_passthrough(provider);
  child_env_result result{std::move(base), {}};
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

}  // namespace

host_environment::host_environment(std::vector<std::string> host)
    : host_(std::move(host)), without_own_(filter_host(host_, {})) {
  for (const auto& [provider, own] : every_passthrough())
    by_provider_.emplace(provider, filter_host(host_, own));
}

std::string host_environment::value(const std::string& name) const {
  for (const auto& e : host_)
    if (e.size() > name.size() && name_of(e) == name) return e.substr(name.size() + 1);
  return {};
}

child_env_result host_environment::for_child(
  const std::string& provider, const std::map<std::string, std::string>& extra_env) const {
  auto it = by_provider_.find(provider);
  return with_extra(it == by_provider_.end() ? without_own_ : it->second, provider, extra_env);
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
