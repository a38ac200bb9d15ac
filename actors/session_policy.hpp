#pragma once
// Timers and limits of sessions, as data (in the spirit of an OTP child spec).

#include <chrono>
#include <cstddef>

namespace agentrt {

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
};

}  // namespace agentrt
