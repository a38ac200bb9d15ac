#pragma once
// The life cycle of a session, as seen by subscribers.

#include <cstdint>
#include <string_view>

namespace agentrt {

// starting -> running <-> idle -> done | error | stopped. A terminal session may run again (a new
// query with the same id), which starts a new generation from `starting`.
enum class session_status : std::uint8_t {
  starting,  // the agent's process is being spawned
  running,   // the process lives and a turn is in progress
  idle,      // a turn ended; the process lives and can take a follow-up
  done,      // the process exited after a successful final result
  error,     // spawn failure, crash, error result, or exit without a result
  stopped,   // ended by a stop request
};

std::string_view to_string(session_status s);
bool is_terminal(session_status s);

}  // namespace agentrt
