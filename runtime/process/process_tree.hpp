#pragma once
// The descendants of a process, from /proc: where no cgroup holds an agent's processes
// (agent_cgroups inactive), the way to find those that left its process group (setsid, setpgid)
// while their line of parents still leads to it. Not atomic: a process forked during the walk may
// be missed. Thread-safe.

#include <sys/types.h>

#include <vector>

namespace agentrt::process {

// Every live process whose chain of parents reaches `root` (not `root` itself).
std::vector<pid_t> descendants_of(pid_t root);

}  // namespace agentrt::process
