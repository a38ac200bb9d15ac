#pragma once
// The environment rules for agent processes (docs/messages.md, seed-runtime.md section 2):
// every provider gets its own credentials and nobody else's.
//
// From the host environment, every provider variable is removed; then the child's provider gets
// back its own pass-through names; then the query's extra variables are applied, except those
// that name another provider's variable (rejected with a warning). Pure functions.

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace agentrt::process {

// A name pattern: an exact name, or a prefix when it ends with '*'.
bool env_name_matches(const std::string& pattern, std::string_view name);

// The provider variables removed from every child, as patterns.
const std::vector<std::string>& provider_env_patterns();

// The pass-through patterns of one provider (empty for an unknown provider).
const std::vector<std::string>& provider_passthrough(const std::string& provider);

struct child_env_result {
  std::vector<std::string> env;       // "NAME=value"
  std::vector<std::string> warnings;  // one per rejected extra variable
};

// `host` is "NAME=value" entries (as in environ).
child_env_result build_child_env(const std::vector<std::string>& host, const std::string& provider,
                                 const std::map<std::string, std::string>& extra_env);

// The first of `extra_env`'s names that an agent must not get from a query, or "": the dynamic
// loader's variables (LD_PRELOAD, LD_LIBRARY_PATH, LD_AUDIT, any LD_*) and glibc's others that
// load code (GCONV_PATH, GLIBC_TUNABLES). They would run a query's code inside the agent.
std::string refused_env_name(const std::map<std::string, std::string>& extra_env);

// The current process's environment as "NAME=value" entries.
std::vector<std::string> current_environment();

}  // namespace agentrt::process
