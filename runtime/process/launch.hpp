#pragma once
// Starting one child with Boost.Process v2 (internal to process_host).

#include <sys/types.h>

#include <string>
#include <variant>

#include "runtime/process/spawn_spec.hpp"

namespace agentrt::process {

struct launched_child {
  pid_t pid = -1;
  int pidfd = -1;
  int out_fd = -1;  // read ends, non-blocking, close-on-exec
  int err_fd = -1;
  int in_fd = -1;  // write end of stdin, non-blocking; -1 when stdin is /dev/null
};

// Starts `spec` in a new process group with stdin on /dev/null and stdout/stderr on fresh pipes.
// Blocks for the duration of fork and exec. Returns a clear error text naming the cause instead of
// throwing: a missing or non-executable binary, a bad working directory, too many open files.
// With `cgroup_procs_fd` (an agent cgroup's cgroup.procs, runtime/process/agent_cgroups.hpp) the
// child joins that cgroup before anything else runs in it.
std::variant<launched_child, std::string> launch(const spawn_spec& spec, int cgroup_procs_fd = -1);

}  // namespace agentrt::process
