#pragma once
// What to start: a program, its arguments and environment, never through a shell.

#include <string>
#include <vector>

namespace agentrt::process {

struct spawn_spec {
  std::string executable;  // a path, or a name looked up in search_path
  // Where `executable` is looked up: the runtime's own PATH, never the child's (a query may set
  // the agent's PATH for its tools, and must not choose the program). Empty:
  // /usr/local/bin:/usr/bin:/bin.
  std::string search_path;
  std::vector<std::string> args;  // argv[1..]; argv[0] is the executable's name
  std::vector<std::string> env;   // "NAME=value" entries: the child's whole environment
  std::string cwd;                // empty: the runtime's working directory
  std::string install_hint;       // how to install a missing executable, for the error text
  bool stdin_pipe = false;        // stdin from a pipe the runtime writes to; else /dev/null
  std::string initial_input;      // written to that pipe right after the start
};

// Resolves `name` as execvp would: a name with a '/' is taken as it is, anything else is looked
// up in the colon-separated `path_var`. Returns the empty string when nothing executable is found.
std::string find_executable(const std::string& name, const std::string& path_var);

}  // namespace agentrt::process
