#pragma once
// Connects the process layer to the actors of one session run: the I/O threads' callbacks become
// messages (output to the process reader, start and exit to the session). Thread-safe.

#include <caf/actor.hpp>
#include <caf/send.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>

#include "messages/type_ids.hpp"
#include "runtime/process/process_host.hpp"

namespace agentrt {

// Holds the running child of one run once it started; shared by the bridge (which fills it), the
// session (which signals the child) and the process reader (which returns pipe credit). Also
// when the child last wrote output, for the session's inactivity watchdog.
class child_slot {
 public:
  using clock = std::chrono::steady_clock;

  // The bridge, on output: true once after wake_on_output() (the session waits to hear of it).
  bool note_output() {
    last_output_.store(clock::now().time_since_epoch().count(), std::memory_order_relaxed);
    return wake_.load(std::memory_order_relaxed) && wake_.exchange(false);
  }
  clock::time_point last_output() const {
    return clock::time_point{clock::duration{last_output_.load(std::memory_order_relaxed)}};
  }
  void wake_on_output() { wake_.store(true); }

  std::shared_ptr<process::running_agent> get() const {
    std::lock_guard<std::mutex> guard{mutex_};
    return child_;
  }
  void set(std::shared_ptr<process::running_agent> child) {
    std::lock_guard<std::mutex> guard{mutex_};
    child_ = std::move(child);
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<process::running_agent> child_;
  std::atomic<clock::rep> last_output_{0};
  std::atomic<bool> wake_{false};
};

// The credit of bytes read from a run's pipes (the process reader makes it), and of what the
// message adapter made of them in memory (charge): returned to the agent when the last holder of
// the batch lets go of it.
class pipe_credit final : public output_credit {
 public:
  pipe_credit(std::shared_ptr<process::running_agent> child, std::uint64_t bytes)
      : child_(std::move(child)), bytes_(bytes) {}
  ~pipe_credit() override { child_->release(bytes_); }

  // By the adapter, before the batch is shared: what the batch holds, measured, replaces the
  // estimate the credit was made with.
  void settle(std::uint64_t held) {
    if (held > bytes_)
      child_->charge(held - bytes_);
    else
      child_->release(bytes_ - held);
    bytes_ = held;
  }

 private:
  std::shared_ptr<process::running_agent> child_;
  std::uint64_t bytes_;
};

class child_bridge final : public process::agent_observer {
 public:
  child_bridge(caf::actor session, caf::actor reader, std::uint64_t generation,
               std::shared_ptr<child_slot> slot)
      : session_(std::move(session)),
        reader_(std::move(reader)),
        generation_(generation),
        slot_(std::move(slot)) {}

  void on_started(std::shared_ptr<process::running_agent> child) override {
    auto pid = child->pid();
    slot_->set(std::move(child));
    caf::anon_send(session_, child_started{generation_, pid});
  }
  void on_spawn_failed(std::string error) override {
    caf::anon_send(session_, child_spawn_failed{generation_, std::move(error)});
  }
  // Output is charged at once for what it is expected to become in memory (parsed, normalized,
  // copied for the subscribers), before the next read: bytes waiting for the adapter count as
  // much as those it handled, and the budget bounds both. The adapter settles the figure.
  static constexpr std::uint64_t expected_growth = 4;
  void on_output(process::pipe_stream s, std::string bytes) override {
    if (slot_->note_output()) caf::anon_send(session_, output_resumed{generation_});
    std::uint64_t charged = 0;
    if (auto child = slot_->get()) {
      charged = bytes.size() * (expected_growth - 1);
      child->charge(charged);
    }
    caf::anon_send(reader_, output_chunk{to_stream(s), std::move(bytes), charged});
  }
  void on_output_closed(process::pipe_stream s) override {
    caf::anon_send(reader_, output_closed{to_stream(s)});
  }
  void on_exited(int exit_code, int signal) override {
    caf::anon_send(session_, child_exited{generation_, exit_code, signal});
  }

 private:
  static output_stream to_stream(process::pipe_stream s) {
    return s == process::pipe_stream::out ? output_stream::out : output_stream::err;
  }

  caf::actor session_;
  caf::actor reader_;
  std::uint64_t generation_;
  std::shared_ptr<child_slot> slot_;
};

}  // namespace agentrt
