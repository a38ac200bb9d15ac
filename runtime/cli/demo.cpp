#include <caf/all.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>

#include "messages/errors.hpp"
#include "messages/type_ids.hpp"
#include "runtime/cli/commands.hpp"
#include "runtime/cli/watch.hpp"
#include "runtime/stop_signals.hpp"

namespace agentrt::cli {

namespace {

struct demo_session {
  const char* id;
  const char* config;  // providerConfig of the fake agent
  const char* expect;  // the status the demo expects
  const char* story;
};

// Several fake agents at once, each showing one behaviour of the runtime.
const demo_session demo_sessions[] = {
  {"hello", R"({"transcript":"hello","delayMs":150})", "done", "a short answer"},
  {"tools", R"({"transcript":"tool","delayMs":120})", "done",
   "thinking, a tool call and its result"},
  {"ratelimited", R"({"transcript":"error","delayMs":200})", "error",
   "the agent's result reports a rate limit: retrying once, then it gives up"},
  {"crash", R"({"transcript":"tool","delayMs":100,"misbehave":"crash"})", "error",
   "the agent dies by SIGSEGV mid-stream"},
  {"stubborn", R"({"transcript":"hello","misbehave":["hang","ignore-sigterm","fork-grandchild"]})",
   "stopped", "ignores SIGTERM and forks a grandchild; stopped after 1 s, killed after the grace"},
};

}  // namespace

int demo_command(const demo_options& opts) {
  stop_signals signals;  // before the runtime's threads, which inherit its mask
  runtime_options ro;
  ro.policy.stop_grace = std::chrono::milliseconds{1500};
  ro.policy.restart.max_retries = 1;
  ro.policy.restart.max_retry_delay = std::chrono::milliseconds{500};
  runtime rt{ro};
  caf::scoped_actor self{rt.system()};
  self->send(rt.supervisor(), subscribe_command{"", caf::actor{self}});
  std::map<std::string, std::string> ids;
  for (const auto& d : demo_sessions) {
    query_command q;
    q.session_id = d.id;
    q.provider = "fake";
    q.prompt = d.story;
    q.provider_config = d.config;
    if (auto ack = rt.query(q); !ack) {
      std::cerr << "agentrt demo: " << d.id << ": " << error_text(ack.error()) << '\n';
      return 1;
    }
    ids.emplace(d.id, "fake");
  }
  auto started = std::chrono::steady_clock::now();
  bool stop_sent = false;
  auto outcomes = watch_sessions(
    self, rt.supervisor(), ids, opts.json ? output_mode::json : output_mode::text, [&] {
      bool due = std::chrono::steady_clock::now() - started > std::chrono::seconds{1};
      if (stop_sent || !(due || signals.take() != 0)) return;
      stop_sent = true;
      (void)rt.stop("stubborn");
    });

  std::printf("\n%-12s %-8s %-8s %9s %8s %8s  %s\n", "session", "status", "expected", "cost",
              "in tok", "out tok", "what it shows");
  int failures = 0;
  for (const auto& d : demo_sessions) {
    const auto& o = outcomes[d.id];
    std::string status{to_string(o.status.status)};
    if (status != d.expect) ++failures;
    std::printf("%-12s %-8s %-8s %9.4f %8llu %8llu  %s\n", d.id, status.c_str(), d.expect,
                o.cost.total_cost_usd, static_cast<unsigned long long>(o.cost.input_tokens),
                static_cast<unsigned long long>(o.cost.output_tokens), d.story);
    if (!o.status.error.empty()) std::printf("%-12s   error: %s\n", "", o.status.error.c_str());
  }
  std::printf("\n%s\n", failures == 0 ? "demo: every session ended as expected"
                                      : "demo: some sessions did not end as expected");
  return failures == 0 ? 0 : 1;
}

}  // namespace agentrt::cli
