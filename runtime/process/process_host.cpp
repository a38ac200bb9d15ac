#include "runtime/process/process_host.hpp"

#include <condition_variable>
#include <deque>
#include <thread>

#include "runtime/process/death_guard.hpp"
#include "runtime/process/io_loop.hpp"

namespace agentrt::process {

class process_host::impl {
 public:
  explicit impl(const process_host_options& opts) {
    // The guardian is forked first, while this object holds no fds worth hiding from it.
    if (opts.use_guardian) guard_ = std::make_unique<death_guard>();
    loop_ = std::make_shared<io_loop>(opts.read_chunk_bytes, opts.flow_window_bytes, guard_.get());
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
    auto outcome = launch(r.spec);
    if (auto* error = std::get_if<std::string>(&outcome)) {
      r.observer->on_spawn_failed(std::move(*error));
      return;
    }
    auto fds = std::get<launched_child>(outcome);
    if (guard_) guard_->add(fds.pid);
    std::shared_ptr<child_handle> handle{new child_handle{fds.pid, loop_}};
    loop_->add(handle, fds, std::move(r.observer));
    if (!r.spec.initial_input.empty()) handle->write_input(std::move(r.spec.initial_input));
  }

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

}  // namespace agentrt::process
