#pragma once
// A guardian process that kills the registered process groups when the runtime dies.
//
// PR_SET_PDEATHSIG kills an agent's main process with the runtime, but not the grandchildren in
// its group (tool processes, MCP servers). The guardian is forked at construction and reads group
// ids from a pipe; when the pipe reaches end of file (the runtime exited, crashed, or was killed
// with SIGKILL) it sends SIGKILL to every group still registered, kills the runtime's cgroup tree
// (which also holds the descendants that left their group), and exits. It allocates nothing
// after the fork. Thread-safe: add and remove may be called from any thread.

#include <sys/types.h>

#include <string>

namespace agentrt::process {

class death_guard {
 public:
  // `cgroup_tree`: the runtime's agent_cgroups root, killed and removed at the end too ("": none).
  explicit death_guard(const std::string& cgroup_tree = {});
  // Closes the pipe: the guardian kills what is still registered, and is reaped.
  ~death_guard();

  death_guard(const death_guard&) = delete;
  death_guard& operator=(const death_guard&) = delete;

  void add(pid_t pgid);
  void remove(pid_t pgid);

  // False when the guardian could not be started (then only PR_SET_PDEATHSIG protects).
  bool active() const { return write_fd_ >= 0; }
  pid_t pid() const { return pid_; }

 private:
  void send(int op, pid_t pgid);
  int write_fd_ = -1;
  pid_t pid_ = -1;
};

}  // namespace agentrt::process
