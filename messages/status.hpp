#pragma once
// The life cycle of a session, as seen by subscribers.

#include <cstdint>
#include <optional>
#include <string_view>

namespace agentrt {

// [queued ->] starting -> running <-> idle -> done | error | stopped. A terminal session may run
// again (a new query with the same id), which starts a new generation from `queued` or
// `starting`. A live run with no output for the watchdog's time is `stalled` until output comes.
// A run that failed and will be retried or restarted is `retrying` (not terminal) until the next
// run starts; `error` only once no recovery is left.
enum class session_status : std::uint8_t {
  starting,     // the agent's process is being spawned
  running,      // the process lives and a turn is in progress
  idle,         // a turn ended; the process lives and can take a follow-up
  done,         // the process exited after a successful final result
  error,        // spawn failure, crash, error result, or exit without a result
  stopped,      // ended by a stop request
  queued,       // waiting for a free slot (admission control); no process yet
  interrupted,  // journal records only: the session was live when its runtime died
  stalled,      // live, but no output for the inactivity watchdog's time
  retrying,     // the run failed; the next one starts at a set time (a retry or a restart)
};

std::string_view to_string(session_status s);
std::optional<session_status> status_from_string(std::string_view text);
bool is_terminal(session_status s);

}  // namespace agentrt
