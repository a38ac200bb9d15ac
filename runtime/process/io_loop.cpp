#include "runtime/process/io_loop.hpp"

#include "runtime/process/process_tree.hpp"

#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <iterator>
#include <stdexcept>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

namespace agentrt::process {

bool child_handle::signal_group(int sig) {
  std::lock_guard<std::mutex> guard{reap_mutex_};
  // While the main process is unreaped (even as a zombie) its group id cannot be reused.
  if (reaped_) return false;
  // What left the group is in the cgroup; without one, it is found by its parents while they
  // still lead here.
  if (sig == SIGKILL && !cgroup_.empty())
    agent_cgroups::kill_all(cgroup_.c_str());
  else if (sig == SIGKILL)
    for (pid_t p : descendants_of(pid_)) kill(p, SIGKILL);
  return kill(-pid_, sig) == 0;
}

void child_handle::release(std::size_t bytes) {
  std::size_t after = unconsumed_.fetch_sub(bytes) - bytes;
  auto loop = loop_.lock();
  if (!loop) return;
  loop->returned(bytes);
  if (paused_.load() && after <= loop->share() / 2) loop->resume(this);
}

void child_handle::charge(std::size_t bytes) {
  unconsumed_.fetch_add(bytes);
  if (auto loop = loop_.lock()) loop->charged(bytes);
}

void child_handle::close_output() {
  if (auto loop = loop_.lock()) loop->close_output(this);
}

void child_handle::write_input(std::string bytes) {
  if (auto loop = loop_.lock()) loop->write_input(this, std::move(bytes));
}

void child_handle::close_input() {
  if (auto loop = loop_.lock()) loop->close_input(this);
}

io_loop::io_loop(std::size_t chunk_bytes, std::size_t window_bytes, std::size_t budget_bytes,
                 death_guard* guard, agent_cgroups* cgroups)
    : chunk_(chunk_bytes),
      window_(std::max(window_bytes, chunk_bytes)),
      budget_(std::max(budget_bytes, chunk_bytes)),
      share_(std::clamp(budget_ / 4, chunk_, window_)),
      guard_(guard),
      cgroups_(cgroups),
      buffer_(chunk_bytes) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (epoll_fd_ < 0 || wake_fd_ < 0) throw std::runtime_error("io_loop: cannot create epoll set");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = nullptr;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
}

io_loop::~io_loop() {
  stop();
  close(wake_fd_);
  close(epoll_fd_);
}

void io_loop::start() {
  thread_ = std::thread{[this] { run(); }};
}

void io_loop::stop() {
  {
    std::lock_guard<std::mutex> guard{mutex_};
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = write(wake_fd_, &one, sizeof(one));
  if (thread_.joinable()) thread_.join();
}

void io_loop::add(std::shared_ptr<child_handle> handle, launched_child fds,
                  std::shared_ptr<agent_observer> observer) {
  {
    std::lock_guard<std::mutex> guard{mutex_};
    ++live_;
  }
  // Announced before the loop can report any output or the exit.
  observer->on_started(handle);
  command c{command::add, std::move(handle), nullptr, fds, std::move(observer), {}};
  post(std::move(c));
}

void io_loop::resume(child_handle* handle) {
  post_to(command::resume, handle);
}

void io_loop::returned(std::size_t bytes) {
  std::size_t after = buffered_.fetch_sub(bytes) - bytes;
  if (gated_.load() && after <= budget_ / 2 && !ungate_posted_.exchange(true))
    post(command{command::ungate, {}, nullptr, {}, {}, {}});
}

void io_loop::charged(std::size_t bytes) {
  buffered_.fetch_add(bytes);
}

void io_loop::close_output(child_handle* handle) {
  post_to(command::close_output, handle);
}

void io_loop::write_input(child_handle* handle, std::string bytes) {
  post_to(command::write_input, handle, std::move(bytes));
}

void io_loop::close_input(child_handle* handle) {
  post_to(command::close_input, handle);
}

void io_loop::post_to(command::kind_t kind, child_handle* target, std::string bytes) {
  post(command{kind, {}, target, {}, {}, std::move(bytes)});
}

std::size_t io_loop::live_children() const {
  std::lock_guard<std::mutex> guard{mutex_};
  return live_;
}

void io_loop::post(command c) {
  {
    std::lock_guard<std::mutex> guard{mutex_};
    pending_.push_back(std::move(c));
  }
  std::uint64_t one = 1;
  [[maybe_unused]] auto n = write(wake_fd_, &one, sizeof(one));
}

void io_loop::run() {
  // A write to a stdin whose reader is gone must fail with EPIPE, not end the runtime: SIGPIPE is
  // sent to the writing thread, and stays pending (harmlessly) while blocked here.
  sigset_t pipe_signal;
  sigemptyset(&pipe_signal);
  sigaddset(&pipe_signal, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_signal, nullptr);
  constexpr int max_events = 256;
  epoll_event events[max_events];
  std::vector<command> batch;
  std::vector<std::unique_ptr<watched>> finished;
  for (;;) {
    int n = epoll_wait(epoll_fd_, events, max_events, -1);
    if (n < 0 && errno != EINTR) break;
    for (int i = 0; i < n; ++i) {
      auto* t = static_cast<tag*>(events[i].data.ptr);
      if (t == nullptr) {
        std::uint64_t count;
        [[maybe_unused]] auto r = read(wake_fd_, &count, sizeof(count));
        bool stop_now;
        {
          std::lock_guard<std::mutex> guard{mutex_};
          batch.swap(pending_);
          stop_now = stopping_;
        }
        for (auto& c : batch) apply(c);
        batch.clear();
        if (stop_now) {
          for (auto& [key, w] : children_) {
            if (w->fds[2] >= 0) w->handle->signal_group(SIGKILL);
            reap(*w, true);
            for (int fd : w->fds)
              if (fd >= 0) close(fd);
          }
          children_.clear();
          return;
        }
      } else if (t->owner->fds[static_cast<int>(t->which)] >= 0) {
        on_readable(*t->owner, t->which);
      }
    }
    // A child whose fds are all closed is freed only now: later events of this batch may still
    // point at it.
    if (!closed_.empty()) {
      for (auto* h : closed_) children_.erase(h);
      closed_.clear();
      update_share();
    }
  }
}

void io_loop::apply(command& c) {
  switch (c.kind) {
    case command::add: {
      auto w = std::make_unique<watched>();
      w->handle = std::move(c.handle);
      w->observer = std::move(c.observer);
      w->fds[0] = c.fds.out_fd;
      w->fds[1] = c.fds.err_fd;
      w->fds[2] = c.fds.pidfd;
      w->fds[3] = c.fds.in_fd;  // registered only while a write waits for room
      for (int i = 0; i < slots; ++i) w->tags[i] = tag{w.get(), static_cast<slot>(i)};
      for (int i = 0; i < 3; ++i) {
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.ptr = &w->tags[i];
        epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, w->fds[i], &ev);
      }
      if (gated_.load()) set_paused(*w, true);
      children_.emplace(w->handle.get(), std::move(w));
      update_share();
      break;
    }
    case command::write_input:
      if (auto* w = find(c.target); w != nullptr && w->fds[3] >= 0 && !w->close_input) {
        bool idle = w->input.empty();
        w->input += c.bytes;
        if (idle) flush_input(*w);
      }
      break;
    case command::close_input:
      if (auto* w = find(c.target); w != nullptr && w->fds[3] >= 0) {
        w->close_input = true;
        if (w->input.empty()) close_slot(*w, slot::in);
      }
      break;
    case command::resume:
      if (auto* w = find(c.target); w != nullptr && w->paused && may_read(*w, share()))
        set_paused(*w, false);
      break;
    case command::ungate:
      ungate();
      break;
    case command::close_output:
      if (auto* w = find(c.target)) {
        // Only the wait for an end of file (a descendant holds the pipe) is given up, not what
        // was written: what the pipes hold now is read first, paused or not. That is at most
        // their capacity beyond the share.
        for (slot s : {slot::out, slot::err})
          for (int reads = 0; reads < 64 && read_pipe(*w, s);) ++reads;
        close_slot(*w, slot::out);
        close_slot(*w, slot::err);
      }
      break;
  }
}

io_loop::watched* io_loop::find(child_handle* h) {
  auto it = children_.find(h);
  return it == children_.end() ? nullptr : it->second.get();
}

void io_loop::on_readable(watched& w, slot which) {
  if (which == slot::exit)
    reap(w, false);
  else if (which == slot::in)
    flush_input(w);
  else if (!w.paused)  // paused by an earlier event of the same batch: its readiness is stale
    read_pipe(w, which);
}

void io_loop::flush_input(watched& w) {
  int fd = w.fds[3];
  bool was_waiting = !w.input.empty();
  while (!w.input.empty()) {
    ssize_t n = write(fd, w.input.data(), w.input.size());
    if (n > 0) {
      w.input.erase(0, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      epoll_event ev{};
      ev.events = EPOLLOUT;
      ev.data.ptr = &w.tags[3];
      if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev) != 0)
        epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
      return;
    }
    // The agent closed its stdin (EPIPE): what it did not read is dropped with the pipe.
    w.input.clear();
    w.close_input = true;
    break;
  }
  if (was_waiting) epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  if (w.close_input) close_slot(w, slot::in);
}

bool io_loop::read_pipe(watched& w, slot which) {
  int fd = w.fds[static_cast<int>(which)];
  if (fd < 0) return false;
  ssize_t n = read(fd, buffer_.data(), chunk_);
  if (n > 0) {
    w.handle->unconsumed_.fetch_add(static_cast<std::size_t>(n));
    buffered_.fetch_add(static_cast<std::size_t>(n));
    w.observer->on_output(static_cast<pipe_stream>(which),
                          std::string(buffer_.data(), static_cast<std::size_t>(n)));
    if (!gated_.load() && buffered_.load() >= budget_) gate();
    if (!w.paused && !may_read(w, share())) set_paused(w, true);
    return true;
  }
  if (n < 0 && errno == EINTR) return true;
  if (n < 0 && errno == EAGAIN) return false;
  close_slot(w, which);
  return false;
}

void io_loop::set_paused(watched& w, bool paused) {
  // Deregistered rather than masked: a hung-up pipe reports EPOLLHUP even with no events asked.
  for (int i = 0; i < 2; ++i) {
    if (w.fds[i] < 0) continue;
    if (paused) {
      epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, w.fds[i], nullptr);
    } else {
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.ptr = &w.tags[i];
      epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, w.fds[i], &ev);
    }
  }
  w.paused = paused;
  w.handle->paused_.store(paused);
  // Credit returned between the read and the store above must not be missed.
  if (paused && may_read(w, share() / 2 + 1)) set_paused(w, false);
}

bool io_loop::may_read(const watched& w, std::size_t limit) const {
  return !gated_.load() && w.handle->unconsumed_.load() < limit;
}

// Every pipe stops being read until the children's unreleased bytes are half the budget.
void io_loop::gate() {
  gated_.store(true);
  for (auto& [key, w] : children_)
    if (!w->paused) set_paused(*w, true);
  // Released between the read and the store above: returned() saw no gate.
  if (buffered_.load() <= budget_ / 2) ungate();
}

void io_loop::ungate() {
  ungate_posted_.store(false);
  if (!gated_.load() || buffered_.load() > budget_ / 2) return;
  gated_.store(false);
  for (auto& [key, w] : children_)
    if (w->paused && may_read(*w, share())) set_paused(*w, false);
}

// The budget divided among the live children, at least four ways (a child whose output is not
// taken leaves room for others), at least one read and at most the window.
void io_loop::update_share() {
  std::size_t n = std::max<std::size_t>(children_.size(), 4);
  share_.store(std::clamp(budget_ / n, chunk_, window_));
}

void io_loop::close_slot(watched& w, slot which) {
  int& fd = w.fds[static_cast<int>(which)];
  if (fd < 0) return;
  // Deregister before close: a descendant may still hold the pipe, and a closed fd left in the
  // epoll set would report events for a freed record. (A paused pipe and an idle stdin are not
  // registered; EPOLL_CTL_DEL then fails harmlessly.)
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  close(fd);
  fd = -1;
  if (std::all_of(std::begin(w.fds), std::end(w.fds), [](int f) { return f < 0; }))
    closed_.push_back(w.handle.get());
  if (which == slot::out || which == slot::err)
    w.observer->on_output_closed(static_cast<pipe_stream>(which));
}

void io_loop::reap(watched& w, bool block) {
  int pidfd = w.fds[2];
  if (pidfd < 0) return;
  siginfo_t info{};
  int peek = WEXITED | WNOWAIT | (block ? 0 : WNOHANG);
  while (waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd), &info, peek) != 0)
    if (errno != EINTR) return;
  if (info.si_pid == 0) return;
  const std::string& cgroup = w.handle->cgroup_;
  bool cgroup_gone = false;
  {
    std::lock_guard<std::mutex> guard{w.handle->reap_mutex_};
    // The group dies with its leader: what is left of it (tool processes) would be orphans, and
    // so would the descendants that left the group, which only the cgroup still holds.
    kill(-w.handle->pid_, SIGKILL);
    // A cgroup that holds nothing but the zombie leader is empty to cgroup v2 and goes at once:
    // the usual end, which then needs no cgroup.kill (its open and write were a quarter of this
    // thread's time per agent). One that holds a process is killed whole and removed later.
    if (!cgroup.empty()) cgroup_gone = rmdir(cgroup.c_str()) == 0;
    if (!cgroup.empty() && !cgroup_gone) agent_cgroups::kill_all(cgroup.c_str());
    while (waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd), &info, WEXITED) != 0 &&
           errno == EINTR) {
    }
    w.handle->reaped_ = true;
  }
  if (guard_ != nullptr) guard_->remove(w.handle->pid_);
  if (cgroups_ != nullptr && !cgroup.empty() && !cgroup_gone) cgroups_->remove(cgroup);
  {
    std::lock_guard<std::mutex> guard{mutex_};
    --live_;
  }
  close_slot(w, slot::exit);
  bool by_signal = info.si_code == CLD_KILLED || info.si_code == CLD_DUMPED;
  w.observer->on_exited(by_signal ? -1 : info.si_status, by_signal ? info.si_status : 0);
}

}  // namespace agentrt::process
