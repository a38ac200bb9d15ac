#pragma once
// Timers and limits of sessions, as data (in the spirit of an OTP child spec).

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace agentrt {

// What happens after a run fails, in the OTP style: crashes (killed, or gone without a final
// result) are restarted with the provider's resume, at most max_restarts within `period`, each
// after an exponential backoff with jitter; then the session gives up with the crash's error and
// says so. Errors classified rate_limit or overloaded are retried after their class's delay, at
// most max_retries times per session. A stop, a budget, a spawn failure or the agent's own error
// result is never restarted.
struct restart_policy {
  int max_restarts = 0;  // 0: a crash ends the session
  std::chrono::milliseconds period{60000};
  std::chrono::milliseconds backoff{1000};  // the first restart's delay, doubled for each next
  std::chrono::milliseconds max_backoff{30000};
  double jitter = 0.2;  // each delay is moved by up to this fraction, at random
  int max_retries = 3;  // rate_limit and overloaded errors
  std::chrono::milliseconds max_retry_delay{60000};  // caps the error class's delay
};

// The inactivity watchdog, for the known hangs of the agent CLIs (a stream that stops mid-turn, a
// process that never exits after its final result): a run with no output for stall_after is
// `stalled` (output again: it is what it was before); silent act_after longer, `action` applies.
// Silence counts while the agent starts, runs a turn, or has its final result and should exit;
// not while an interactive agent waits for a prompt.
enum class stall_action : std::uint8_t {
  report,   // only the status
  stop,     // the run is killed and ends as an error "stalled: ..." (done if its result was in)
  restart,  // the same, then it runs again resuming its conversation, max_restarts per session
};

struct watchdog_policy {
  std::chrono::milliseconds stall_after{300000};  // 0: no watchdog
  std::chrono::milliseconds act_after{300000};
  stall_action action = stall_action::stop;
  int max_restarts = 3;
};

struct session_policy {
  // stop: SIGTERM to the process group, SIGKILL when it still runs after this.
  std::chrono::milliseconds stop_grace{5000};
  // For an agent asked to quit on stdin first (aider's "/exit"): how long before SIGTERM.
  std::chrono::milliseconds quit_grace{3000};
  // A finished session stays listed (and can run again) this long, then is removed.
  std::chrono::milliseconds cleanup_grace{60000};
  // After the process exited, how long its pipes may stay open (held by a descendant that left
  // the process group) before they are closed and the output is taken as complete.
  std::chrono::milliseconds drain_grace{2000};
  // Longer stdout lines are skipped and reported.
  std::size_t max_line_bytes = 10 * 1024 * 1024;
  restart_policy restart;
  watchdog_policy watchdog;
};

}  // namespace agentrt
