#include "runtime/process/process_host.hpp"

#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <thread>

#include "runtime/process/death_guard.hpp"
#include "runtime/process/io_loop.hpp"

namespace agentrt::process {

class process_host::impl {
 public:
  explicit impl(const process_host_options& opts) {
    // The cgroup tree holds no fd, so the guardian, forked next, is still forked while this
    // object holds no fds worth hiding from it. It kills the tree when the runtime dies.
    if (opts.use_cgroups) cgroups_ = std::make_unique<agent_cgroups>();
    std::string tree = cgroups_ ? cgroups_->root() : std::string{};
    if (opts.use_guardian) guard_ = std::make_unique<death_guard>(tree);
    loop_ = std::make_shared<io_loop>(opts.read_chunk_bytes, opts.flow_window_bytes,
                                      opts.buffer_budget_bytes, guard_.get(), cgroups_.get());
    loop_->start();
    // PR_SET_PDEATHSIG fires when the thread that forked a child ends: this thread lives as long
    // as the host.
    spawner_ = std::thread{[this] { run_spawner(); }};
  }

  ~impl() { shutdown(); }

  void shutdown() {
    {
      std::lock_guard<std::mutex> guard{mutex_};
      if (stopping_) return;
      stopping_ = true;
    }
    wake_.notify_one();
    spawner_.join();
    loop_->stop();
    guard_.reset();
    cgroups_.reset();
  }

  void spawn(spawn_spec spec, std::shared_ptr<agent_observer> observer) {
    {
      std::lock_guard<std::mutex> guard{mutex_};
      if (!stopping_) {
        queue_.push_back({std::move(spec), std::move(observer)});
        wake_.notify_one();
        return;
      }
    }
    observer->on_spawn_failed("the runtime is shutting down");
  }

  std::size_t live_children() const { return loop_->live_children(); }
  const agent_cgroups* cgroups() const { return cgroups_.get(); }

 private:
  struct request {
    spawn_spec spec;
    std::shared_ptr<agent_observer> observer;
  };

  void run_spawner() {
    for (;;) {
      request r;
      {
        std::unique_lock<std::mutex> lock{mutex_};
        wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (stopping_) {
          for (auto& q : queue_) q.observer->on_spawn_failed("the runtime is shutting down");
          queue_.clear();
          return;
        }
        r = std::move(queue_.front());
        queue_.pop_front();
      }
      start_one(r);
    }
  }

  void start_one(request& r) {
    auto group = cgroups_ ? cgroups_->make() : agent_cgroups::agent_group{};
    if (!group.error.empty()) {
      r.observer->on_spawn_failed(std::move(group.error));
      return;
    }
    auto outcome = launch(r.spec, group.procs_fd);
    if (group.procs_fd >= 0) close(group.procs_fd);
    if (auto* error = std::get_if<std::string>(&outcome)) {
      if (!group.dir.empty()) cgroups_->remove(group.dir);
      r.observer->on_spawn_failed(std::move(*error));
      return;
    }
    auto fds = std::get<launched_child>(outcome);
    if (guard_) guard_->add(fds.pid);
    std::shared_ptr<child_handle> handle{new child_handle{fds.pid, std::move(group.dir), loop_}};
    loop_->add(handle, fds, std::move(r.observer));
    if (!r.spec.initial_input.empty()) handle->write_input(std::move(r.spec.initial_input));
  }

  std::unique_ptr<agent_cgroups> cgroups_;  // outlives the loop and the guardian
  std::unique_ptr<death_guard> guard_;
  std::shared_ptr<io_loop> loop_;
  std::thread spawner_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<request> queue_;
  bool stopping_ = false;
};

process_host::process_host(process_host_options opts) : impl_(std::make_unique<impl>(opts)) {}

process_host::~process_host() = default;

void process_host::shutdown() {
  impl_->shutdown();
}

void process_host::spawn(spawn_spec spec, std::shared_ptr<agent_observer> observer) {
  impl_->spawn(std::move(spec), std::move(observer));
}

std::size_t process_host::live_children() const {
  return impl_->live_children();
}

bool process_host::cgroups_active() const {
  return impl_->cgroups() != nullptr && impl_->cgroups()->active();
}

std::string process_host::cgroups_inactive_reason() const {
  if (impl_->cgroups() == nullptr) return "cgroups are turned off (process_host_options)";
  return impl_->cgroups()->why_inactive();
}

}  // namespace agentrt::process
