// The recovery decision (actors/recovery.hpp): retried, restarted or final, from how a run ended,
// the session's history and the policy. No actors, no clock but the one passed in.

#include "actors/recovery.hpp"

#include <gtest/gtest.h>

namespace {

using namespace agentrt;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

run_outcome crash() {
  run_outcome r;
  r.status = session_status::error;
  r.error = "the agent was killed by signal 11 before its final result";
  r.crashed = true;
  return r;
}

run_outcome rate_limited() {
  run_outcome r;
  r.status = session_status::error;
  r.error = "API Error: 429 rate limit exceeded, retry later";
  return r;
}

session_policy with_restarts(int n) {
  session_policy p;
  p.restart.max_restarts = n;
  p.restart.backoff = 1000ms;
  p.restart.max_backoff = 3000ms;
  return p;
}

TEST(Recovery, WhatEndedWellOrWasStoppedIsFinal) {
  recovery_history h;
  auto p = with_restarts(5);
  auto now = clock_type::now();
  run_outcome done;
  EXPECT_EQ(plan_recovery(done, h, p, -1, now).kind, recovery_kind::none);
  auto stopped = crash();
  stopped.stop_requested = true;
  EXPECT_EQ(plan_recovery(stopped, h, p, -1, now).kind, recovery_kind::none);
  auto broke = crash();
  broke.over_budget = true;
  EXPECT_EQ(plan_recovery(broke, h, p, -1, now).kind, recovery_kind::none);
  run_outcome agent_error;  // the agent's own error result: not a crash, not retriable
  agent_error.status = session_status::error;
  agent_error.error = "the tests failed";
  auto plan = plan_recovery(agent_error, h, p, -1, now);
  EXPECT_EQ(plan.kind, recovery_kind::none);
  EXPECT_EQ(plan.gave_up, "");
  EXPECT_TRUE(h.restarts.empty());
}

TEST(Recovery, CrashesRestartWithDoublingBackoffThenGiveUpSayingSo) {
  recovery_history h;
  auto p = with_restarts(3);
  auto now = clock_type::now();
  std::vector<std::chrono::milliseconds> delays;
  for (int i = 1; i <= 3; ++i) {
    auto plan = plan_recovery(crash(), h, p, -1, now);
    ASSERT_EQ(plan.kind, recovery_kind::restart);
    EXPECT_EQ(plan.attempt, i);
    EXPECT_EQ(plan.limit, 3);
    delays.push_back(plan.delay);
  }
  EXPECT_EQ(delays, (std::vector<std::chrono::milliseconds>{1000ms, 2000ms, 3000ms}));
  auto last = plan_recovery(crash(), h, p, -1, now);
  EXPECT_EQ(last.kind, recovery_kind::none);
  EXPECT_EQ(last.gave_up, "; gave up after 3 restarts within 60 s");
  // Restarts older than the period no longer count.
  auto later = plan_recovery(crash(), h, p, -1, now + 61s);
  EXPECT_EQ(later.kind, recovery_kind::restart);
  EXPECT_EQ(later.attempt, 1);
}

TEST(Recovery, ZeroRestartsOrZeroRetriesTurnRecoveryOff) {
  recovery_history h;
  auto now = clock_type::now();
  EXPECT_EQ(plan_recovery(crash(), h, with_restarts(0), -1, now).kind, recovery_kind::none);
  EXPECT_EQ(plan_recovery(crash(), h, with_restarts(5), 0, now).kind, recovery_kind::none)
    << "the query's 0 wins";
  EXPECT_EQ(plan_recovery(crash(), h, with_restarts(0), 2, now).kind, recovery_kind::restart)
    << "the query's 2 wins";
  session_policy p;
  p.restart.max_retries = 0;
  recovery_history fresh;
  auto plan = plan_recovery(rate_limited(), fresh, p, -1, now);
  EXPECT_EQ(plan.kind, recovery_kind::none);
  EXPECT_EQ(plan.gave_up, "");
}

TEST(Recovery, RateLimitsAreRetriedAfterTheirDelayCappedAndCounted) {
  recovery_history h;
  session_policy p;
  p.restart.max_retries = 2;
  p.restart.max_retry_delay = 10000ms;
  auto now = clock_type::now();
  for (int i = 1; i <= 2; ++i) {
    auto plan = plan_recovery(rate_limited(), h, p, -1, now);
    ASSERT_EQ(plan.kind, recovery_kind::retry);
    EXPECT_EQ(plan.attempt, i);
    EXPECT_EQ(plan.limit, 2);
    EXPECT_EQ(plan.delay, 10000ms) << "the class's 30 s, capped";
  }
  auto last = plan_recovery(rate_limited(), h, p, -1, now);
  EXPECT_EQ(last.kind, recovery_kind::none);
  EXPECT_EQ(last.gave_up, "; gave up after 2 retries");
}

TEST(Recovery, AStalledRunRestartsOnlyWhenTheWatchdogSaysSo) {
  auto stalled = crash();
  stalled.stall_timed_out = true;
  stalled.error = "stalled: no output for 1.0 s";
  recovery_history h;
  session_policy p;
  EXPECT_EQ(plan_recovery(stalled, h, p, -1, clock_type::now()).kind, recovery_kind::none);
  p.watchdog.action = stall_action::restart;
  p.watchdog.max_restarts = 1;
  auto plan = plan_recovery(stalled, h, p, -1, clock_type::now());
  EXPECT_EQ(plan.kind, recovery_kind::stall_restart);
  EXPECT_EQ(plan.attempt, 1);
  auto last = plan_recovery(stalled, h, p, -1, clock_type::now());
  EXPECT_EQ(last.kind, recovery_kind::none);
  EXPECT_EQ(last.gave_up, "; gave up after 1 restart");
}

}  // namespace
