#pragma once
// A running agent as its session drives it, whatever carries it: a child process (process_host)
// or an HTTP stream (runtime/http), and the observer that receives its events.

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace agentrt::process {

enum class pipe_stream : std::uint8_t { out = 0, err = 1 };

// Thread-safe.
class running_agent {
 public:
  virtual ~running_agent() = default;
  // The agent's process id; 0 when no process carries it.
  virtual pid_t pid() const = 0;
  // Sends `sig` to the agent (a process group; a stream is cancelled by any signal). False once
  // the agent has ended.
  virtual bool signal_group(int sig) = 0;
  // Returns flow-control credit: `bytes` delivered by on_output were consumed. Reading stops
  // while more than the carrier's window is unconsumed.
  virtual void release(std::size_t bytes) = 0;
  // Counts `bytes` more against the window, as if read: what the output became in memory
  // (parsed, copied for subscribers) beyond its own size. Returned with release().
  virtual void charge(std::size_t bytes) = 0;
  // Stops reading and closes the output now; on_output_closed follows for each open stream.
  virtual void close_output() = 0;
  // Queues bytes for the agent's stdin / closes it once they are written. No-ops for an agent
  // without a stdin pipe.
  virtual void write_input(std::string bytes) = 0;
  virtual void close_input() = 0;
};

// Receives the events of one agent, one at a time, in this order: on_started or on_spawn_failed,
// then on_output / on_output_closed (for both streams) / on_exited. Called on the carrier's
// threads; implementations must not block.
class agent_observer {
 public:
  virtual ~agent_observer() = default;
  virtual void on_started(std::shared_ptr<running_agent> agent) = 0;
  virtual void on_spawn_failed(std::string error) = 0;
  virtual void on_output(pipe_stream stream, std::string bytes) = 0;
  virtual void on_output_closed(pipe_stream stream) = 0;
  // signal is 0 for a normal exit; exit_code is -1 when the agent died by a signal.
  virtual void on_exited(int exit_code, int signal) = 0;
};

}  // namespace agentrt::process
