#pragma once
// Whether a run that ended is retried, restarted or final: a pure function of how it ended, what
// the session remembers of its earlier recoveries, and the policy (session_policy.hpp). Unit-tested
// like session_state (tests/unit/recovery_test.cpp); the session actor applies the plan (jitter,
// the timer, the `retrying` status).
//
//   not an error, a stop, a crossed budget                 -> final
//   rate_limit / overloaded with a delay, retries left     -> retry after the class's delay
//   the watchdog ended it, action restart, restarts left   -> stall restart after the backoff
//   a crash (killed, no final result), restarts left       -> restart after backoff * 2^n
//   any of the last three without one left                 -> final, "; gave up after ..."

#include <chrono>
#include <cstdint>
#include <deque>
#include <string>

#include "actors/session_policy.hpp"
#include "messages/status.hpp"

namespace agentrt {

// What a session remembers of its recoveries, across its runs.
struct recovery_history {
  std::deque<std::chrono::steady_clock::time_point> restarts;  // crash restarts, oldest first
  int retries = 0;
  int stall_restarts = 0;
};

// How a run ended, as recovery sees it.
struct run_outcome {
  session_status status = session_status::done;
  std::string error;
  bool stop_requested = false;
  bool crashed = false;          // session_state::crashed()
  bool stall_timed_out = false;  // the watchdog ended it
  bool over_budget = false;      // the session's budget allows no more spending
};

enum class recovery_kind : std::uint8_t { none, retry, restart, stall_restart };

struct recovery_plan {
  recovery_kind kind = recovery_kind::none;
  std::chrono::milliseconds delay{0};  // before jitter
  int attempt = 0;                     // of this kind, from 1
  int limit = 0;                       // attempts of this kind allowed
  std::string gave_up;                 // kind none after a limit: what the error gets added
};

// `max_restarts`: the query's (-1: the policy's). Updates `history` when it plans a recovery.
recovery_plan plan_recovery(const run_outcome& run, recovery_history& history,
                            const session_policy& policy, int max_restarts,
                            std::chrono::steady_clock::time_point now);

}  // namespace agentrt
