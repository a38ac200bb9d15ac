#pragma once
// The operating-system side of agent sessions: spawning, pipes, exit, and clean-up on death.
//
// A process_host owns two threads: a spawner (a spawn blocks for a few milliseconds, so it never
// runs on an actor scheduler's thread) and an I/O thread (one epoll set for the pipes and pidfds of
// every child). Each child runs in its own process group with only fds 0-2 inherited, stdin on
// /dev/null, the signal mask cleared, and PR_SET_PDEATHSIG; a guardian process kills every live
// group when the runtime dies, even by SIGKILL. Where the machine allows it each child also has a
// cgroup of its own (agent_cgroups.hpp), which holds every descendant, also those that leave the
// group. When a child's main process exits, what remains of its group and cgroup is killed, and
// the child is reaped through its pidfd.
//
// Knows nothing of actors: events are delivered to an agent_observer. Thread-safe.

#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "runtime/process/running_agent.hpp"
#include "runtime/process/spawn_spec.hpp"

namespace agentrt::process {

class io_loop;

// A running child process, shared by the I/O thread and its owner. Thread-safe.
class child_handle final : public running_agent {
 public:
  pid_t pid() const override { return pid_; }

  // Sends `sig` to the child's process group; SIGKILL also to everything in its cgroup (the
  // descendants that left the group). Returns false once the child was reaped (the group is
  // gone, and its id may be reused: it is never signalled then).
  bool signal_group(int sig) override;
  void release(std::size_t bytes) override;
  void charge(std::size_t bytes) override;
  void close_output() override;
  // With a stdin pipe (spawn_spec::stdin_pipe), written by the I/O thread as the pipe takes it.
  void write_input(std::string bytes) override;
  void close_input() override;

 private:
  friend class io_loop;
  friend class process_host;
  child_handle(pid_t pid, std::string cgroup, std::weak_ptr<io_loop> loop)
      : pid_(pid), cgroup_(std::move(cgroup)), loop_(std::move(loop)) {}

  const pid_t pid_;
  const std::string cgroup_;  // the agent's cgroup directory; "" without one
  std::weak_ptr<io_loop> loop_;
  std::mutex reap_mutex_;
  bool reaped_ = false;
  std::atomic<std::size_t> unconsumed_{0};
  std::atomic<bool> paused_{false};
};

struct process_host_options {
  std::size_t read_chunk_bytes = 64 * 1024;
  // Output read from the children and not yet released (runtime/process/io_loop.hpp): at most
  // this much per child, and this much of all children together.
  std::size_t flow_window_bytes = 1024 * 1024;
  std::size_t buffer_budget_bytes = std::size_t{32} << 20;
  bool use_guardian = true;
  bool use_cgroups = true;  // a cgroup per child, where the machine allows it
};

class process_host {
 public:
  explicit process_host(process_host_options opts = {});
  // Calls shutdown().
  ~process_host();

  process_host(const process_host&) = delete;
  process_host& operator=(const process_host&) = delete;

  // Queues a spawn; returns at once. The observer learns the outcome.
  void spawn(spawn_spec spec, std::shared_ptr<agent_observer> observer);

  // Kills every live child's process group, reaps them (observers get on_exited), stops the
  // threads and the guardian, and drops every observer. Spawns queued or requested afterwards
  // fail with on_spawn_failed. Idempotent.
  void shutdown();

  // Number of children started and not yet reaped.
  std::size_t live_children() const;

  // Whether children get a cgroup each, and when not, why (docs/architecture.md).
  bool cgroups_active() const;
  std::string cgroups_inactive_reason() const;

 private:
  class impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace agentrt::process
