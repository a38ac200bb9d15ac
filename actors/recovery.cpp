#include "actors/recovery.hpp"

#include <algorithm>

#include "adapters/error_class.hpp"

namespace agentrt {

namespace {

// "1 retry", "2 retries".
std::string count(int n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

recovery_plan give_up(std::string why) {
  recovery_plan plan;
  plan.gave_up = std::move(why);
  return plan;
}

recovery_plan retry(recovery_history& history, const restart_policy& policy,
                    std::int64_t retry_after_ms) {
  recovery_plan plan;
  plan.kind = recovery_kind::retry;
  plan.delay = std::min(std::chrono::milliseconds{retry_after_ms}, policy.max_retry_delay);
  plan.attempt = ++history.retries;
  plan.limit = policy.max_retries;
  return plan;
}

recovery_plan stall_restart(recovery_history& history, const session_policy& policy) {
  const auto& watchdog = policy.watchdog;
  if (watchdog.action != stall_action::restart) return {};
  if (history.stall_restarts >= watchdog.max_restarts)
    return give_up("; gave up after " + count(history.stall_restarts, "restart", "restarts"));
  recovery_plan plan;
  plan.kind = recovery_kind::stall_restart;
  plan.delay = policy.restart.backoff;
  plan.attempt = ++history.stall_restarts;
  plan.limit = watchdog.max_restarts;
  return plan;
}

recovery_plan crash_restart(recovery_history& history, const restart_policy& policy,
                            int max_restarts, std::chrono::steady_clock::time_point now) {
  auto& restarts = history.restarts;
  while (!restarts.empty() && now - restarts.front() > policy.period) restarts.pop_front();
  if (static_cast<int>(restarts.size()) >= max_restarts)
    return give_up("; gave up after " +
                   count(static_cast<int>(restarts.size()), "restart", "restarts") + " within " +
                   std::to_string(policy.period.count() / 1000) + " s");
  recovery_plan plan;
  plan.kind = recovery_kind::restart;
  plan.delay = std::min(policy.backoff * (1 << std::min<std::size_t>(restarts.size(), 20)),
                        policy.max_backoff);
  restarts.push_back(now);
  plan.attempt = static_cast<int>(restarts.size());
  plan.limit = max_restarts;
  return plan;
}

}  // namespace

recovery_plan plan_recovery(const run_outcome& run, recovery_history& history,
                            const session_policy& policy, int max_restarts,
                            std::chrono::steady_clock::time_point now) {
  if (run.status != session_status::error || run.stop_requested || run.over_budget) return {};
  auto cls = adapters::classify_error(run.error);
  bool retriable =
    cls.cls == adapters::error_class::rate_limit || cls.cls == adapters::error_class::overloaded;
  std::string retries_used;  // when retries ran out, and nothing else applies either
  if (retriable && cls.retry_after_ms > 0) {
    if (history.retries < policy.restart.max_retries)
      return retry(history, policy.restart, cls.retry_after_ms);
    if (history.retries > 0)
      retries_used = "; gave up after " + count(history.retries, "retry", "retries");
  }
  if (run.stall_timed_out) return stall_restart(history, policy);
  if (max_restarts < 0) max_restarts = policy.restart.max_restarts;
  if (!run.crashed || max_restarts <= 0) return give_up(std::move(retries_used));
  return crash_restart(history, policy.restart, max_restarts, now);
}

}  // namespace agentrt
