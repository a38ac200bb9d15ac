#pragma once
// The I/O thread of a process_host: one epoll set for the pipes and pidfds of every child.
// Internal to runtime/process. Thread-safe entry points: add, resume, returned, close_output,
// write_input, close_input, stop.
//
// Flow control: bytes read and not yet released count against the child's share and against
// the budget of all children. A child's pipes are not read while its unreleased bytes reach its
// share (the budget divided among the live children, at least four ways, between one read chunk
// and the window),
// nor any child's while all of them reach the budget; reading resumes at half of either.

#include <atomic>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "runtime/process/agent_cgroups.hpp"
#include "runtime/process/death_guard.hpp"
#include "runtime/process/launch.hpp"
#include "runtime/process/process_host.hpp"

namespace agentrt::process {

class io_loop : public std::enable_shared_from_this<io_loop> {
 public:
  // `guard` and `cgroups` may be null; both outlive the loop.
  io_loop(std::size_t chunk_bytes, std::size_t window_bytes, std::size_t budget_bytes,
          death_guard* guard, agent_cgroups* cgroups);
  ~io_loop();

  void start();
  // Kills every live child's group, reaps them and ends the thread.
  void stop();

  // Takes over a launched child's fds: calls observer->on_started, then the observer gets the
  // child's output and exit.
  void add(std::shared_ptr<child_handle> handle, launched_child fds,
           std::shared_ptr<agent_observer> observer);
  void resume(child_handle* handle);
  // `bytes` of some child were released / counted beyond what was read (the next read sees them).
  void returned(std::size_t bytes);
  void charged(std::size_t bytes);
  void close_output(child_handle* handle);
  void write_input(child_handle* handle, std::string bytes);
  void close_input(child_handle* handle);
  std::size_t share() const { return share_.load(std::memory_order_relaxed); }
  std::size_t buffered() const { return buffered_.load(); }
  std::size_t live_children() const;

 private:
  enum class slot : std::uint8_t { out = 0, err = 1, exit = 2, in = 3 };
  static constexpr int slots = 4;
  struct watched;
  struct tag {
    watched* owner;
    slot which;
  };
  struct watched {
    std::shared_ptr<child_handle> handle;
    std::shared_ptr<agent_observer> observer;
    int fds[slots] = {-1, -1, -1, -1};
    tag tags[slots];
    bool paused = false;
    std::string input;         // bytes for stdin not yet written
    bool close_input = false;  // close stdin once `input` is written
  };
  struct command {
    enum kind_t { add, resume, close_output, write_input, close_input, ungate } kind;
    std::shared_ptr<child_handle> handle;  // add
    child_handle* target = nullptr;        // the others
    launched_child fds;
    std::shared_ptr<agent_observer> observer;
    std::string bytes;  // write_input
  };

  void post(command c);
  void post_to(command::kind_t kind, child_handle* target, std::string bytes = {});
  void run();
  void apply(command& c);
  void on_readable(watched& w, slot which);
  // One read; false when there was nothing to read (or the pipe ended and is closed).
  bool read_pipe(watched& w, slot which);
  void close_slot(watched& w, slot which);
  // Writes what stdin can take now; waits for EPOLLOUT for the rest.
  void flush_input(watched& w);
  // Collects the exit of w's main process; with block, waits for it.
  void reap(watched& w, bool block);
  void set_paused(watched& w, bool paused);
  // Whether w's pipes may be read: the budget is not spent and w's unreleased bytes are below
  // `limit` (its share, or half of it to resume).
  bool may_read(const watched& w, std::size_t limit) const;
  void gate();
  void ungate();
  void update_share();
  void forget_if_done(watched& w);
  watched* find(child_handle* h);

  const std::size_t chunk_;
  const std::size_t window_;
  const std::size_t budget_;
  std::atomic<std::size_t> share_;
  std::atomic<std::size_t> buffered_{0};  // read and not released, of all children
  std::atomic<bool> gated_{false};        // the budget is spent: no pipe is read
  std::atomic<bool> ungate_posted_{false};
  death_guard* guard_;
  agent_cgroups* cgroups_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::vector<command> pending_;
  bool stopping_ = false;
  std::unordered_map<child_handle*, std::unique_ptr<watched>> children_;  // I/O thread only
  std::vector<child_handle*> closed_;  // children_ whose fds are all closed, to be freed
  std::size_t live_ = 0;               // under mutex_
  std::vector<char> buffer_;
};

}  // namespace agentrt::process
