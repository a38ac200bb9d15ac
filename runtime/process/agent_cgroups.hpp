#pragma once
// A cgroup (v2) per agent, so that a stop, the end of the agent's main process and the end of the
// runtime kill every descendant of the agent: also those that left its process group (setsid,
// setpgid), which a signal to the group misses.
//
// The runtime's agents live under one directory, <the runtime's own v2 cgroup>/agentrt-<pid>, one
// child directory per agent. A child joins its cgroup between vfork and exec (it writes "0" to
// the cgroup.procs fd it is given), so even its first descendant is inside; `cgroup.kill` (Linux
// 5.14) then SIGKILLs every process in the cgroup at once; an agent whose cgroup holds nothing but
// its own zombie when it is reaped needs no kill, and the cgroup is removed then. The guardian
// (death_guard) kills the whole directory when the runtime dies, even by SIGKILL.
//
// Needs a cgroup v2 hierarchy (unified, or the hybrid's /sys/fs/cgroup/unified) in which this
// process may create directories and move processes: root, or a delegated subtree (systemd's
// user@.service). Elsewhere the tree is inactive, why_inactive() says why, and only the process
// group is signalled (docs/architecture.md). Thread-safe.

#include <mutex>
#include <string>
#include <vector>

namespace agentrt::process {

class agent_cgroups {
 public:
  // Finds the hierarchy, removes what runtimes that died with their guardian left, and makes
  // this runtime's directory.
  agent_cgroups();
  // Kills every process still in the tree and removes its directories.
  ~agent_cgroups();
  agent_cgroups(const agent_cgroups&) = delete;
  agent_cgroups& operator=(const agent_cgroups&) = delete;

  bool active() const { return !root_.empty(); }
  const std::string& why_inactive() const { return why_; }
  // This runtime's directory ("" when inactive).
  const std::string& root() const { return root_; }

  struct agent_group {
    std::string dir;    // "" when none could be made
    int procs_fd = -1;  // its cgroup.procs, O_CLOEXEC; the caller closes it after the spawn
    std::string error;  // why none could be made, when the tree is active
  };
  // A new, empty cgroup for one agent.
  agent_group make();
  // SIGKILLs every process in `dir` (an agent's group, or the root). Async-signal-safe.
  static void kill_all(const char* dir);
  // Removes an agent's cgroup once its processes are gone: now, or at a later call (a process
  // killed a moment ago may still be exiting).
  void remove(std::string dir);

 private:
  void remove_empty();  // with mutex_ held

  std::string root_;
  std::string why_;
  std::mutex mutex_;
  unsigned long long next_ = 0;
  std::vector<std::string> to_remove_;
};

// Kills and removes `root` and its child directories, waiting up to `patience_ms` for their
// processes to exit. Async-signal-safe (no allocation): the guardian calls it after its fork.
void kill_and_remove_tree(const char* root, int patience_ms);

}  // namespace agentrt::process
