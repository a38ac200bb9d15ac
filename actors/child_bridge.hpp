#pragma once
// Connects the process layer to the actors of one session run: the I/O threads' callbacks become
// messages (output to the process reader, start and exit to the session). Thread-safe.

#include <caf/actor.hpp>
#include <caf/send.hpp>

#include <memory>
#include <mutex>

#include "messages/type_ids.hpp"
#include "runtime/process/process_host.hpp"

namespace agentrt {

// Holds the running child of one run once it started; shared by the bridge (which fills it), the
// session (which signals the child) and the process reader (which returns pipe credit).
class child_slot {
 public:
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
  void on_output(process::pipe_stream s, std::string bytes) override {
    caf::anon_send(reader_, output_chunk{to_stream(s), std::move(bytes)});
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
