#pragma once
// The environment rules for agent processes (docs/messages.md, seed-runtime.md section 2):
// every provider gets its own credentials and nobody else's.
//
// From the host environment, every provider variable is removed; then the child's provider gets
// back its own pass-through names; then the query's extra variables are applied, except those
// that name another provider's variable (rejected with a warning). Pure functions and an
// immutable value.

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

// One host environment ("NAME=value" entries, as in environ), and what each provider's children
// get of it before a query's extra variables, filtered once: every variable matched against
// every provider pattern took 17 us of the scheduler's thread per agent started at N=500
// (BENCHMARKS.md). Immutable, so every session shares it without a lock.
class host_environment {
 public:
  explicit host_environment(std::vector<std::string> host);

  // The value of `name` in the host's variables, or "".
  std::string value(const std::string& name) const;
  // What a child of `provider` gets: the host's variables less every provider's but its own,
  // then `extra_env` (a provider variable not its own is rejected with a warning).
  child_env_result for_child(const std::string& provider,
                             const std::map<std::string, std::string>& extra_env) const;

 private:
  std::vector<std::string> host_;
  std::map<std::string, std::vector<std::string>, std::less<>> by_provider_;  // own lists
  std::vector<std::string> without_own_;  // a provider with no pass-through list
};

// The first of `extra_env`'s names that an agent must not get from a query, or "": the dynamic
// loader's variables (LD_PRELOAD, LD_LIBRARY_PATH, LD_AUDIT, any LD_*) and glibc's others that
// load code (GCONV_PATH, GLIBC_TUNABLES). They would run a query's code inside the agent.
std::string refused_env_name(const std::map<std::string, std::string>& extra_env);

// The current process's environment as "NAME=value" entries.
std::vector<std::string> current_environment();

}  // namespace agentrt::process
