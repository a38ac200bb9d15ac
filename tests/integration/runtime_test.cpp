// The whole actor chain with real fake-agent processes: supervisor -> session -> process reader
// -> message adapter -> subscribers.

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "messages/errors.hpp"
#include "support/processes.hpp"
#include "support/runtime_harness.hpp"

namespace {

using namespace agentrt;
using namespace agentrt::test;
using namespace std::chrono_literals;
using json = nlohmann::json;

std::set<std::string> ids_of(const std::vector<query_command>& qs) {
  std::set<std::string> ids;
  for (const auto& q : qs) ids.insert(q.session_id);
  return ids;
}

// Sequence numbers 1..n without a gap, and the terminal status is the very last event.
void expect_complete_and_ordered(const session_record& s) {
  ASSERT_FALSE(s.seqs.empty());
  for (std::size_t i = 0; i < s.seqs.size(); ++i) ASSERT_EQ(s.seqs[i], i + 1) << "at event " << i;
  EXPECT_EQ(s.order.back(), "status");
  EXPECT_TRUE(s.terminal());
}

TEST(Runtime, HundredConcurrentSessionsDeliverEveryLineInOrder) {
  runtime rt{test_options()};
  event_collector events{rt};
  constexpr int sessions = 100;
  constexpr int rounds = 20;
  std::vector<query_command> qs;
  for (int i = 0; i < sessions; ++i)
    qs.push_back(
      fake_query("s" + std::to_string(i), R"({"transcript":"tool","repeat":20,"delayMs":1})"));
  for (auto& q : qs) ASSERT_TRUE(rt.query(q));
  ASSERT_TRUE(events.wait_terminal(ids_of(qs), 60s));

  const std::vector<std::string> round_types = {"thinking", "text", "tool_call", "tool_result",
                                                "text"};
  for (const auto& q : qs) {
    SCOPED_TRACE(q.session_id);
    const auto& s = events.sessions[q.session_id];
    expect_complete_and_ordered(s);
    EXPECT_EQ(s.last_status(), session_status::done);
    ASSERT_EQ(s.messages.size(), 2u + 5u * rounds);
    EXPECT_EQ(s.messages.front().type, "init");
    EXPECT_EQ(s.messages.back().type, "cost");
    for (int r = 0; r < rounds; ++r) {
      for (int k = 0; k < 5; ++k) {
        const auto& m = s.messages[1 + 5 * r + k];
        EXPECT_EQ(m.type, round_types[k]);
        bool tagged = m.id.find("-r" + std::to_string(r) + "-") != std::string::npos;
        EXPECT_EQ(tagged, r > 0) << m.id;  // the fake tags repeated uuids with their round
      }
    }
    std::vector<std::string> statuses;
    for (const auto& st : s.statuses) statuses.emplace_back(to_string(st.status));
    EXPECT_EQ(statuses.front(), "starting");
    EXPECT_EQ(statuses.back(), "done");
  }
  EXPECT_EQ(rt.host().live_children(), 0u);
}

TEST(Runtime, StopEndsAnAgentIgnoringSigtermAndItsGrandchildWithinGracePlusOneSecond) {
  auto opts = test_options();
  opts.policy.stop_grace = 1000ms;
  runtime rt{opts};
  event_collector events{rt};
  ASSERT_TRUE(rt.query(
    fake_query("stubborn", R"({"misbehave":["hang","ignore-sigterm","fork-grandchild"]})")));
  pid_t pid = 0, grandchild = 0;
  ASSERT_TRUE(events.wait_until(
    [&](auto& s) {
      for (const auto& l : s["stubborn"].logs)
        if (parse_fake_pids(l.text, pid, grandchild)) return !s["stubborn"].messages.empty();
      return false;
    },
    10s));
  auto asked = std::chrono::steady_clock::now();
  ASSERT_TRUE(rt.stop("stubborn"));
  ASSERT_TRUE(events.wait_terminal({"stubborn"}, 5s));
  auto took = std::chrono::steady_clock::now() - asked;
  EXPECT_LT(took, opts.policy.stop_grace + 1s);
  EXPECT_GE(took, opts.policy.stop_grace - 50ms) << "SIGTERM alone cannot end it";
  const auto& s = events.sessions["stubborn"];
  EXPECT_EQ(s.last_status(), session_status::stopped);
  EXPECT_EQ(s.statuses.back().signal, SIGKILL);
  expect_complete_and_ordered(s);
  EXPECT_TRUE(wait_gone(pid, 1s));
  EXPECT_TRUE(wait_gone(grandchild, 1s));
  EXPECT_EQ(rt.host().live_children(), 0u);
}

TEST(Runtime, StopOfAnAgentThatHonoursSigtermIsQuickAndStopped) {
  runtime rt{test_options()};
  event_collector events{rt};
  ASSERT_TRUE(rt.query(fake_query("polite", R"({"misbehave":"hang"})")));
  ASSERT_TRUE(events.wait_until([](auto& s) { return !s["polite"].messages.empty(); }, 10s));
  auto asked = std::chrono::steady_clock::now();
  ASSERT_TRUE(rt.stop("polite"));
  ASSERT_TRUE(events.wait_terminal({"polite"}, 5s));
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 500ms);
  EXPECT_EQ(events.sessions["polite"].last_status(), session_status::stopped);
  EXPECT_EQ(events.sessions["polite"].statuses.back().signal, SIGTERM);
  auto again = rt.stop("polite");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), static_cast<std::uint8_t>(errc::session_not_running));
}

TEST(Runtime, TwentyMebibyteLineIsSkippedAndTheResultAfterItArrives) {
  runtime rt{test_options()};
  event_collector events{rt};
  ASSERT_TRUE(rt.query(fake_query("huge", R"({"transcript":"tool","misbehave":"huge-line"})")));
  ASSERT_TRUE(events.wait_terminal({"huge"}, 30s));
  const auto& s = events.sessions["huge"];
  expect_complete_and_ordered(s);
  EXPECT_EQ(s.last_status(), session_status::done);
  std::vector<std::string> types;
  for (const auto& m : s.messages) types.push_back(m.type);
  EXPECT_EQ(types, (std::vector<std::string>{"init", "thinking", "text", "error", "tool_call",
                                             "tool_result", "text", "cost"}));
  auto error = json::parse(s.messages[3].content);
  EXPECT_EQ(error["message"],
            "skipped a line of 20971520 bytes: longer than the limit of 10485760 bytes");
}

TEST(Runtime, MisbehavingAgentsEachEndWithTheRightStatus) {
  auto opts = test_options();
  opts.policy.restart.max_retries = 0;  // a retry limit of 0: the 429 is final at once
  runtime rt{opts};
  event_collector events{rt};
  std::vector<query_command> qs = {
    fake_query("crash", R"({"transcript":"tool","misbehave":"crash"})"),
    fake_query("garbage", R"({"transcript":"tool","misbehave":"garbage"})"),
    fake_query("no-newline", R"({"misbehave":"no-newline"})"),
    fake_query("no-result", R"({"transcript":"tool","misbehave":"no-result"})"),
    fake_query("api-error", R"({"transcript":"error"})"),
  };
  for (auto& q : qs) ASSERT_TRUE(rt.query(q));
  ASSERT_TRUE(events.wait_terminal(ids_of(qs), 30s));
  for (const auto& q : qs) expect_complete_and_ordered(events.sessions[q.session_id]);

  const auto& crash = events.sessions["crash"];
  EXPECT_EQ(crash.last_status(), session_status::error);
  EXPECT_EQ(crash.statuses.back().signal, SIGSEGV);
  EXPECT_NE(crash.statuses.back().error.find("signal 11"), std::string::npos);

  const auto& garbage = events.sessions["garbage"];
  EXPECT_EQ(garbage.last_status(), session_status::done) << "bad lines do not end the session";
  int invalid = 0;
  for (const auto& m : garbage.messages) invalid += m.type == "error";
  EXPECT_EQ(invalid, 3);
  EXPECT_EQ(garbage.messages.back().type, "cost");

  const auto& no_newline = events.sessions["no-newline"];
  EXPECT_EQ(no_newline.last_status(), session_status::done) << "the residue is the last line";
  EXPECT_EQ(no_newline.messages.back().type, "cost");

  const auto& no_result = events.sessions["no-result"];
  EXPECT_EQ(no_result.last_status(), session_status::error);
  EXPECT_EQ(no_result.statuses.back().exit_code, 0);
  EXPECT_NE(no_result.statuses.back().error.find("without a final result"), std::string::npos);

  const auto& api_error = events.sessions["api-error"];
  EXPECT_EQ(api_error.last_status(), session_status::error);
  EXPECT_EQ(api_error.statuses.back().error, "API Error: 429 rate limit exceeded, retry later");
}

TEST(Runtime, MissingBinaryGivesAnErrorStatusNamingThePath) {
  auto opts = test_options();
  opts.launch.binaries["fake"] = "/nonexistent/bin/agentrt-fake-agent";
  runtime rt{opts};
  event_collector events{rt};
  ASSERT_TRUE(rt.query(fake_query("missing")));
  ASSERT_TRUE(events.wait_terminal({"missing"}, 10s));
  const auto& s = events.sessions["missing"];
  expect_complete_and_ordered(s);
  EXPECT_EQ(s.last_status(), session_status::error);
  EXPECT_NE(s.statuses.back().error.find("/nonexistent/bin/agentrt-fake-agent"), std::string::npos)
    << s.statuses.back().error;
}

TEST(Runtime, SpawnFailureFromTooManyOpenFilesFailsThatSessionOnly) {
  runtime rt{test_options()};
  event_collector events{rt};
  ASSERT_TRUE(rt.query(fake_query("before", R"({"misbehave":"hang"})")));
  ASSERT_TRUE(events.wait_until([](auto& s) { return !s["before"].messages.empty(); }, 10s));

  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  int probe = dup(0);
  ASSERT_GE(probe, 0);
  close(probe);
  rlimit low = saved;
  low.rlim_cur = static_cast<rlim_t>(probe + 1);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  auto accepted = rt.query(fake_query("starved"));
  bool ended = events.wait_terminal({"starved"}, 10s);
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
  ASSERT_TRUE(accepted);
  ASSERT_TRUE(ended);
  const auto& starved = events.sessions["starved"];
  EXPECT_EQ(starved.last_status(), session_status::error);
  EXPECT_NE(starved.statuses.back().error.find("EMFILE"), std::string::npos)
    << starved.statuses.back().error;

  EXPECT_EQ(events.sessions["before"].last_status(), session_status::running);
  ASSERT_TRUE(rt.query(fake_query("after")));
  ASSERT_TRUE(rt.stop("before"));
  ASSERT_TRUE(events.wait_terminal({"before", "after"}, 10s));
  EXPECT_EQ(events.sessions["before"].last_status(), session_status::stopped);
  EXPECT_EQ(events.sessions["after"].last_status(), session_status::done);
}

TEST(Runtime, MissingAgentCliNamesWhatToInstall) {
  auto opts = test_options();
  opts.launch.host_env =
    agentrt::process::host_environment{{"PATH=/nonexistent/bin", "HOME=/nonexistent"}};
  runtime rt{opts};
  event_collector events{rt};
  auto q = fake_query("nocodex");
  q.provider = "codex";
  ASSERT_TRUE(rt.query(q));
  ASSERT_TRUE(events.wait_terminal({"nocodex"}, 10s));
  EXPECT_EQ(events.sessions["nocodex"].statuses.back().error,
            "agent executable codex not found in PATH (/nonexistent/bin); install it with: npm "
            "install -g @openai/codex");
}

TEST(Runtime, BadWorkingDirectoryGivesAnErrorStatusNamingIt) {
  runtime rt{test_options()};
  event_collector events{rt};
  auto q = fake_query("badcwd");
  q.cwd = "/nonexistent/project";
  ASSERT_TRUE(rt.query(q));
  ASSERT_TRUE(events.wait_terminal({"badcwd"}, 10s));
  EXPECT_NE(events.sessions["badcwd"].statuses.back().error.find("/nonexistent/project"),
            std::string::npos);
}

TEST(Runtime, DuplicateSessionIdIsRejectedAndTheFirstCarriesOn) {
  runtime rt{test_options()};
  event_collector events{rt};
  ASSERT_TRUE(rt.query(fake_query("dup", R"({"misbehave":"hang"})")));
  auto second = rt.query(fake_query("dup"));
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code(), static_cast<std::uint8_t>(errc::duplicate_session));
  EXPECT_EQ(error_text(second.error()), "Session already running");
  ASSERT_TRUE(events.wait_until([](auto& s) { return !s["dup"].messages.empty(); }, 10s));
  auto list = rt.list();
  ASSERT_TRUE(list);
  ASSERT_EQ(list->sessions.size(), 1u);
  EXPECT_EQ(list->sessions[0].status, session_status::running);
  EXPECT_GT(list->sessions[0].pid, 0);
}

TEST(Runtime, InvalidQueriesAreRejectedWithAClearError) {
  runtime rt{test_options()};
  auto no_id = fake_query("");
  auto no_prompt = fake_query("p");
  no_prompt.prompt.clear();
  auto bad_provider = fake_query("b");
  bad_provider.provider = "nosuch";
  for (auto* q : {&no_id, &no_prompt, &bad_provider}) {
    auto r = rt.query(*q);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), static_cast<std::uint8_t>(errc::invalid_command));
  }
  EXPECT_EQ(error_text(rt.query(bad_provider).error()), "query: unknown provider \"nosuch\"");
  auto unknown = rt.stop("nobody");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(error_text(unknown.error()), "Session not found");
}

TEST(Runtime, FinishedSessionIsRemovedAfterTheCleanupGraceUnlessItRanAgain) {
  auto opts = test_options();
  opts.policy.cleanup_grace = 400ms;
  runtime rt{opts};
  event_collector events{rt};
  ASSERT_TRUE(rt.query(fake_query("once")));
  ASSERT_TRUE(rt.query(fake_query("twice")));
  ASSERT_TRUE(events.wait_terminal({"once", "twice"}, 10s));
  auto listed = [&](const std::string& id) {
    auto list = rt.list();
    for (const auto& s : list->sessions)
      if (s.session_id == id) return true;
    return false;
  };
  EXPECT_TRUE(listed("once")) << "still listed during the grace";
  // Run "twice" again: the cleanup timer of its first run must not remove it.
  ASSERT_TRUE(rt.query(fake_query("twice", R"({"misbehave":"hang"})")));
  std::this_thread::sleep_for(800ms);
  EXPECT_FALSE(listed("once"));
  ASSERT_TRUE(listed("twice"));
  auto list = rt.list();
  EXPECT_EQ(list->sessions[0].generation, 2u);
  EXPECT_EQ(list->sessions[0].status, session_status::running);
  // Its second run publishes after the first run's events, with the sequence continuing.
  ASSERT_TRUE(rt.stop("twice"));
  ASSERT_TRUE(events.wait_until(
    [](auto& s) { return s["twice"].last_status() == session_status::stopped; }, 5s));
  expect_complete_and_ordered(events.sessions["twice"]);
  EXPECT_EQ(events.sessions["twice"].statuses.back().generation, 2u);
}

TEST(Runtime, AnyNumberOfSubscribersPerSessionOrForAll) {
  runtime rt{test_options()};
  event_collector all_a{rt}, all_b{rt};
  ASSERT_TRUE(rt.query(fake_query("watched", R"({"misbehave":"hang"})")));
  event_collector one{rt, "watched"};  // subscribes to a live session
  ASSERT_TRUE(all_a.wait_until([](auto& s) { return !s["watched"].messages.empty(); }, 10s));
  ASSERT_TRUE(rt.stop("watched"));
  for (auto* c : {&all_a, &all_b, &one}) ASSERT_TRUE(c->wait_terminal({"watched"}, 5s));
  EXPECT_EQ(all_a.sessions["watched"].seqs, all_b.sessions["watched"].seqs);
  EXPECT_EQ(all_a.sessions["watched"].messages.size(), 1u);
  EXPECT_EQ(one.sessions["watched"].last_status(), session_status::stopped);
}

TEST(Runtime, CostAndTokensAreTrackedPerSession) {
  runtime rt{test_options()};
  event_collector events{rt};
  // Paced, so that each line is read on its own.
  ASSERT_TRUE(rt.query(fake_query("costly", R"({"transcript":"tool","delayMs":20})")));
  ASSERT_TRUE(events.wait_terminal({"costly"}, 10s));
  const auto& s = events.sessions["costly"];
  // Progress while the turn runs (three lines of response msg_fake_2 count once), then the result.
  std::vector<std::uint64_t> input;
  for (const auto& c : s.costs) input.push_back(c.input_tokens);
  EXPECT_EQ(input, (std::vector<std::uint64_t>{120, 120, 120, 240, 240}));
  const auto& last = s.costs.back();
  EXPECT_DOUBLE_EQ(last.total_cost_usd, 0.0048);
  EXPECT_EQ(last.input_tokens, 240u);
  EXPECT_EQ(last.output_tokens, 71u);
  EXPECT_EQ(last.cache_read_tokens, 80u);
  EXPECT_EQ(last.turns, 2u);
  auto list = rt.list();
  ASSERT_EQ(list->sessions.size(), 1u);
  EXPECT_DOUBLE_EQ(list->sessions[0].total_cost_usd, 0.0048);
  EXPECT_EQ(list->sessions[0].status, session_status::done);
  EXPECT_EQ(list->sessions[0].provider_session_id, "7d1f3c2a-5b8e-4f60-9a1d-2c3e4f5a6b7c");
}

TEST(Runtime, ASessionThatCrossesItsBudgetIsStoppedAsAnErrorAndTakesNoMoreRuns) {
  runtime rt{test_options()};
  event_collector events{rt};
  auto within = fake_query("within", R"({"transcript":"tool"})");
  within.max_budget_usd = 0.01;  // the transcript's result costs $0.0048
  auto over = fake_query("over", R"({"transcript":"tool"})");
  over.max_budget_usd = 0.001;
  ASSERT_TRUE(rt.query(within));
  ASSERT_TRUE(rt.query(over));
  ASSERT_TRUE(events.wait_terminal({"within", "over"}, 10s));
  EXPECT_EQ(events.sessions["within"].last_status(), session_status::done);
  const auto& s = events.sessions["over"];
  EXPECT_EQ(s.last_status(), session_status::error);
  EXPECT_EQ(s.statuses.back().error, "budget exceeded: $0.0048 spent of $0.0010");
  caf::scoped_actor self{rt.system()};
  caf::error refused;
  self->request(rt.supervisor(), 5s, prompt_command{"over", "one more"})
    .receive([](command_ack&) {}, [&](caf::error& e) { refused = e; });
  EXPECT_NE(error_text(refused).find("budget exceeded"), std::string::npos);
}

TEST(Runtime, LinesReadTogetherYieldOneCostUpdateAfterTheirMessages) {
  runtime rt{test_options()};
  event_collector events{rt};
  ASSERT_TRUE(rt.query(fake_query("burst", R"({"transcript":"tool","misbehave":"burst"})")));
  ASSERT_TRUE(events.wait_terminal({"burst"}, 10s));
  const auto& s = events.sessions["burst"];
  ASSERT_EQ(s.last_status(), session_status::done);
  // The result line ends the turn, so the totals come out before the turn's end is handled: one
  // update for the progress lines and the result together.
  ASSERT_EQ(s.costs.size(), 1u);
  EXPECT_EQ(s.costs[0].input_tokens, 240u);
  EXPECT_EQ(s.costs[0].turns, 2u);
  ASSERT_FALSE(s.messages.empty());
  EXPECT_GT(s.costs[0].seq, s.messages.back().seq) << "the update follows the batch's messages";
}

TEST(Runtime, DestructionStopsRunningSessions) {
  pid_t pid = 0, grandchild = 0;
  {
    runtime rt{test_options()};
    event_collector events{rt};
    ASSERT_TRUE(rt.query(fake_query("left", R"({"misbehave":["hang","fork-grandchild"]})")));
    ASSERT_TRUE(events.wait_until(
      [&](auto& s) {
        for (const auto& l : s["left"].logs)
          if (parse_fake_pids(l.text, pid, grandchild)) return true;
        return false;
      },
      10s));
  }
  EXPECT_TRUE(process_gone(pid));
  EXPECT_TRUE(wait_gone(grandchild, 1s));
}

}  // namespace

namespace {

using namespace agentrt;
using namespace agentrt::test;
using namespace std::chrono_literals;

std::vector<std::string> status_names(const session_record& s) {
  std::vector<std::string> names;
  for (const auto& st : s.statuses) names.emplace_back(to_string(st.status));
  return names;
}

std::size_t count_type(const session_record& s, const std::string& type) {
  std::size_t n = 0;
  for (const auto& m : s.messages) n += m.type == type;
  return n;
}

TEST(FollowUps, InteractiveAgentTakesPromptsAsNextTurnsAndIdlesBetween) {
  runtime rt{test_options()};
  event_collector events{rt};
  ASSERT_TRUE(rt.query(fake_query("chat", R"({"interactive":true})")));
  auto idle_turns = [](std::size_t n) {
    return [n](auto& s) {
      std::size_t idles = 0;
      for (const auto& st : s["chat"].statuses) idles += st.status == session_status::idle;
      return idles >= n;
    };
  };
  ASSERT_TRUE(events.wait_until(idle_turns(1), 10s));
  caf::scoped_actor self{rt.system()};
  auto prompt = [&](std::string text) {
    caf::expected<command_ack> result{command_ack{}};
    self->request(rt.supervisor(), 5s, prompt_command{"chat", std::move(text)})
      .receive([&](command_ack& a) { result = a; }, [&](caf::error& e) { result = e; });
    return result;
  };
  ASSERT_TRUE(prompt("and now?"));
  ASSERT_TRUE(events.wait_until(idle_turns(2), 10s));
  ASSERT_TRUE(rt.stop("chat"));
  ASSERT_TRUE(events.wait_terminal({"chat"}, 5s));
  const auto& s = events.sessions["chat"];
  expect_complete_and_ordered(s);
  EXPECT_EQ(status_names(s), (std::vector<std::string>{"starting", "running", "idle", "running",
                                                       "idle", "stopped"}));
  EXPECT_EQ(count_type(s, "init"), 2u);
  EXPECT_EQ(count_type(s, "cost"), 2u);
  EXPECT_NE(s.messages[0].id, s.messages[3].id) << "each turn has its own ids";
  EXPECT_EQ(s.costs.back().turns, 2u);
  EXPECT_EQ(s.statuses.back().generation, 1u) << "one process served both turns";
}

TEST(FollowUps, InterruptEndsTheTurnButNotTheInteractiveSession) {
  runtime rt{test_options()};
  event_collector events{rt};
  ASSERT_TRUE(
    rt.query(fake_query("long", R"({"interactive":true,"transcript":"tool","delayMs":300})")));
  ASSERT_TRUE(events.wait_until([](auto& s) { return s["long"].messages.size() >= 2; }, 10s));
  caf::scoped_actor self{rt.system()};
  bool acked = false;
  self->request(rt.supervisor(), 5s, interrupt_command{"long"})
    .receive([&](command_ack&) { acked = true; }, [](caf::error&) {});
  ASSERT_TRUE(acked);
  ASSERT_TRUE(events.wait_until(
    [](auto& s) { return s["long"].last_status() == session_status::idle; }, 10s));
  const auto& s = events.sessions["long"];
  EXPECT_LT(count_type(s, "tool_result"), 1u) << "the turn stopped before its tool result";
  EXPECT_EQ(s.messages.back().type, "cost");
  EXPECT_EQ(json::parse(s.messages.back().content)["isError"], true);
  ASSERT_TRUE(rt.stop("long"));
  ASSERT_TRUE(events.wait_terminal({"long"}, 5s));
}

TEST(FollowUps, AFollowUpsRunningStatusComesBeforeItsMessages) {
  runtime rt{test_options()};
  event_collector events{rt};
  ASSERT_TRUE(rt.query(fake_query("fast", R"({"interactive":true})")));
  auto idles = [](const test::session_record& s) {
    std::vector<std::uint64_t> seqs;
    for (const auto& st : s.statuses)
      if (st.status == session_status::idle) seqs.push_back(st.seq);
    return seqs;
  };
  ASSERT_TRUE(events.wait_until([&](auto& s) { return idles(s["fast"]).size() == 1; }, 10s));
  caf::scoped_actor self{rt.system()};
  self->request(rt.supervisor(), 5s, prompt_command{"fast", "next"})
    .receive([](command_ack&) {}, [](caf::error&) {});
  ASSERT_TRUE(events.wait_until([&](auto& s) { return idles(s["fast"]).size() == 2; }, 10s));
  const auto& s = events.sessions["fast"];
  auto first_idle = idles(s)[0];
  std::uint64_t running = 0;
  for (const auto& st : s.statuses)
    if (st.status == session_status::running && st.seq > first_idle) running = st.seq;
  ASSERT_GT(running, first_idle);
  for (const auto& m : s.messages) {
    if (m.seq > first_idle) {
      EXPECT_GT(m.seq, running) << m.type << " before the turn's status";
    }
  }
  ASSERT_TRUE(rt.stop("fast"));
  ASSERT_TRUE(events.wait_terminal({"fast"}, 5s));
}

TEST(FollowUps, InterruptingAOneShotRunEndsItDoneNotAsAnError) {
  runtime rt{test_options()};
  event_collector events{rt};
  ASSERT_TRUE(rt.query(fake_query("once", R"({"misbehave":"hang"})")));
  ASSERT_TRUE(events.wait_until([](auto& s) { return !s["once"].messages.empty(); }, 10s));
  caf::scoped_actor self{rt.system()};
  bool acked = false;
  self->request(rt.supervisor(), 5s, interrupt_command{"once"})
    .receive([&](command_ack&) { acked = true; }, [](caf::error&) {});
  ASSERT_TRUE(acked);
  ASSERT_TRUE(events.wait_terminal({"once"}, 10s));
  const auto& s = events.sessions["once"];
  EXPECT_EQ(s.last_status(), session_status::done) << s.statuses.back().error;
  EXPECT_EQ(s.statuses.back().signal, SIGINT);
  EXPECT_EQ(s.statuses.back().error, "");
}

TEST(FollowUps, APromptToAnIdleOneShotSessionRunsAsItsNextTurnResuming) {
  runtime rt{test_options()};
  event_collector events{rt};
  // Its result is in, and its process lingers (as claude -p may before it exits).
  ASSERT_TRUE(rt.query(fake_query("idle", R"({"misbehave":"linger"})")));
  ASSERT_TRUE(events.wait_until(
    [](auto& s) { return s["idle"].last_status() == session_status::idle; }, 10s));
  caf::scoped_actor self{rt.system()};
  caf::error refused;
  self->request(rt.supervisor(), 5s, prompt_command{"idle", "and then?"})
    .receive([](command_ack&) {}, [&](caf::error& e) { refused = e; });
  ASSERT_FALSE(refused) << error_text(refused);
  ASSERT_TRUE(events.wait_until(
    [](auto& s) {
      return s["idle"].last_status() == session_status::idle &&
             s["idle"].statuses.back().generation == 2;
    },
    10s));
  const auto& s = events.sessions["idle"];
  std::vector<std::string> ends;
  for (const auto& st : s.statuses)
    if (is_terminal(st.status)) ends.push_back(std::string{to_string(st.status)});
  EXPECT_EQ(ends, (std::vector<std::string>{"done"})) << "the first run ended done";
  bool resumed = false;
  for (const auto& l : s.logs)
    resumed |= l.text == "fake-agent: resume 7d1f3c2a-5b8e-4f60-9a1d-2c3e4f5a6b7c";
  EXPECT_TRUE(resumed);
  ASSERT_TRUE(rt.stop("idle"));
  ASSERT_TRUE(events.wait_terminal({"idle"}, 5s));
}

TEST(FollowUps, EndedSessionRunsAgainResumingTheProvidersConversation) {
  runtime rt{test_options()};
  event_collector events{rt};
  ASSERT_TRUE(rt.query(fake_query("again")));
  ASSERT_TRUE(events.wait_terminal({"again"}, 10s));
  caf::scoped_actor self{rt.system()};
  bool acked = false;
  self->request(rt.supervisor(), 5s, prompt_command{"again", "continue"})
    .receive([&](command_ack&) { acked = true; }, [](caf::error&) {});
  ASSERT_TRUE(acked);
  ASSERT_TRUE(events.wait_until(
    [](auto& s) { return s["again"].terminal() && s["again"].statuses.back().generation == 2; },
    10s));
  const auto& s = events.sessions["again"];
  expect_complete_and_ordered(s);
  bool resumed = false;
  for (const auto& l : s.logs)
    resumed |= l.text == "fake-agent: resume 7d1f3c2a-5b8e-4f60-9a1d-2c3e4f5a6b7c";
  EXPECT_TRUE(resumed) << "the second run resumes with the provider session id of the first";
  EXPECT_EQ(s.last_status(), session_status::done);
}

TEST(FollowUps, PromptToABusyOneShotSessionIsRefusedClearly) {
  runtime rt{test_options()};
  event_collector events{rt};
  ASSERT_TRUE(rt.query(fake_query("busy", R"({"misbehave":"hang"})")));
  ASSERT_TRUE(events.wait_until([](auto& s) { return !s["busy"].messages.empty(); }, 10s));
  caf::scoped_actor self{rt.system()};
  caf::error err;
  self->request(rt.supervisor(), 5s, prompt_command{"busy", "more"})
    .receive([](command_ack&) {}, [&](caf::error& e) { err = e; });
  EXPECT_EQ(err.code(), static_cast<std::uint8_t>(errc::session_busy));
  EXPECT_NE(error_text(err).find("is running and takes its next prompt once this turn ended"),
            std::string::npos)
    << error_text(err);
  self->request(rt.supervisor(), 5s, prompt_command{"nobody", "more"})
    .receive([](command_ack&) {}, [&](caf::error& e) { err = e; });
  EXPECT_EQ(error_text(err), "Session not found");
}

}  // namespace

namespace {

using namespace agentrt;
using namespace agentrt::test;
using namespace std::chrono_literals;

TEST(Aider, ConsoleSessionTakesPromptsOnStdinAndQuitsOnExit) {
  // The fake agent plays aider's console when it runs under that name.
  auto dir = std::filesystem::temp_directory_path() / ("agentrt-aider-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::filesystem::create_symlink(AGENTRT_FAKE_AGENT_PATH, dir / "aider");
  auto opts = test_options();
  opts.launch.binaries["aider"] = (dir / "aider").string();
  {
    runtime rt{opts};
    event_collector events{rt};
    auto q = fake_query("aid");
    q.provider = "aider";
    q.prompt = "hello";
    ASSERT_TRUE(rt.query(q));
    auto idles = [](std::size_t n) {
      return [n](auto& s) {
        std::size_t count = 0;
        for (const auto& st : s["aid"].statuses) count += st.status == session_status::idle;
        return count >= n;
      };
    };
    ASSERT_TRUE(events.wait_until(idles(1), 10s));
    caf::scoped_actor self{rt.system()};
    bool acked = false;
    self->request(rt.supervisor(), 5s, prompt_command{"aid", "and more"})
      .receive([&](command_ack&) { acked = true; }, [](caf::error&) {});
    ASSERT_TRUE(acked);
    ASSERT_TRUE(events.wait_until(idles(2), 10s));
    auto asked = std::chrono::steady_clock::now();
    ASSERT_TRUE(rt.stop("aid"));
    ASSERT_TRUE(events.wait_terminal({"aid"}, 10s));
    EXPECT_LT(std::chrono::steady_clock::now() - asked, opts.policy.quit_grace)
      << "/exit is enough: no signal was needed";
    const auto& s = events.sessions["aid"];
    expect_complete_and_ordered(s);
    EXPECT_EQ(s.last_status(), session_status::stopped);
    EXPECT_EQ(s.statuses.back().exit_code, 0);
    ASSERT_FALSE(s.costs.empty());
    EXPECT_DOUBLE_EQ(s.costs.back().total_cost_usd, 0.0084);
    bool asked_twice = false;
    for (const auto& m : s.messages)
      asked_twice |= m.type == "thinking" && m.content.find("and more") != std::string::npos;
    EXPECT_TRUE(asked_twice);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace

namespace {

using namespace agentrt;
using namespace agentrt::test;
using namespace std::chrono_literals;

TEST(ProviderSessionId, TheLatestOneSeenOnAnyLineIsTheOneToResumeWith) {
  auto path =
    std::filesystem::temp_directory_path() / ("agentrt-ids-" + std::to_string(getpid()) + ".jsonl");
  {
    std::ofstream out{path};
    // The new id comes after the turn's last event: only a per-line update can see it.
    out << R"({"type":"system","subtype":"init","session_id":"first","uuid":"u1"})" << '\n'
        << R"({"type":"result","subtype":"success","session_id":"first","uuid":"u2"})" << '\n'
        << R"({"type":"system","subtype":"status","session_id":"second","uuid":"u3"})" << '\n';
  }
  runtime rt{test_options()};
  event_collector events{rt};
  ASSERT_TRUE(rt.query(fake_query("ids", json{{"transcript", path.string()}}.dump())));
  ASSERT_TRUE(events.wait_terminal({"ids"}, 10s));
  auto list = rt.list();
  ASSERT_EQ(list->sessions.size(), 1u);
  EXPECT_EQ(list->sessions[0].provider_session_id, "second");
  std::filesystem::remove(path);
}

}  // namespace

TEST(Runtime, RunsBeyondTheProviderLimitWaitQueuedAndStartInOrder) {
  auto opts = test_options();
  opts.admission.max_per_provider = {{"fake", 2}};
  runtime rt{opts};
  event_collector events{rt};
  for (int i = 1; i <= 5; ++i)
    ASSERT_TRUE(rt.query(fake_query("a" + std::to_string(i), R"({"misbehave":"hang"})")));
  auto status_of = [&](const std::string& id) {
    auto list = rt.list();
    for (const auto& s : list->sessions)
      if (s.session_id == id) return s;
    return session_info{};
  };
  auto running = [&](const std::string& id) {
    return events.wait_until(
      [&](auto& s) { return s[id].last_status() == session_status::running; }, 10s);
  };
  ASSERT_TRUE(running("a1"));
  ASSERT_TRUE(running("a2"));
  ASSERT_TRUE(events.wait_until(
    [](auto& s) { return s["a5"].last_status() == session_status::queued; }, 10s));
  for (int i = 3; i <= 5; ++i) {
    auto info = status_of("a" + std::to_string(i));
    EXPECT_EQ(info.status, session_status::queued);
    EXPECT_EQ(info.queue_position, static_cast<std::uint32_t>(i - 2));
    EXPECT_EQ(info.pid, 0);
    EXPECT_EQ(events.sessions["a" + std::to_string(i)].statuses.front().queue_position,
              static_cast<std::uint32_t>(i - 2));
  }
  ASSERT_TRUE(rt.stop("a1"));
  ASSERT_TRUE(running("a3"));  // the first in the queue takes the slot
  EXPECT_EQ(status_of("a4").queue_position, 1u);
  ASSERT_TRUE(rt.stop("a5"));  // a waiting run ends without a process
  ASSERT_TRUE(events.wait_terminal({"a1", "a5"}, 10s));
  EXPECT_EQ(events.sessions["a5"].last_status(), session_status::stopped);
  for (const auto& s : events.sessions["a5"].statuses) EXPECT_NE(s.status, session_status::running);
  ASSERT_TRUE(rt.stop("a2"));
  ASSERT_TRUE(running("a4"));
  EXPECT_EQ(events.sessions["a4"].last_status(), session_status::running);
}

namespace {

// The runs that ended, whether a recovery followed (retrying) or not (terminal).
std::vector<std::uint64_t> ended_generations(const test::session_record& s) {
  std::vector<std::uint64_t> out;
  for (const auto& st : s.statuses)
    if (is_terminal(st.status) || st.status == session_status::retrying)
      out.push_back(st.generation);
  return out;
}

std::vector<const status_change*> with_status(const test::session_record& s, session_status want) {
  std::vector<const status_change*> out;
  for (const auto& st : s.statuses)
    if (st.status == want) out.push_back(&st);
  return out;
}

}  // namespace

TEST(Runtime, ACrashIsRestartedWithBackoffThenTheSessionGivesUpAndSaysSo) {
  auto opts = test_options();
  opts.policy.restart.max_restarts = 2;
  opts.policy.restart.backoff = 50ms;
  runtime rt{opts};
  event_collector events{rt};
  ASSERT_TRUE(rt.query(fake_query("crashy", R"({"misbehave":"crash"})")));
  ASSERT_TRUE(events.wait_until(
    [](auto& s) {
      return s["crashy"].terminal() &&
             s["crashy"].statuses.back().error.find("gave up") != std::string::npos;
    },
    10s));
  const auto& s = events.sessions["crashy"];
  EXPECT_EQ(ended_generations(s), (std::vector<std::uint64_t>{1, 2, 3}));
  // Each restart is announced, non-terminal, with its number, the limit and when it starts.
  auto retrying = with_status(s, session_status::retrying);
  ASSERT_EQ(retrying.size(), 2u);
  for (std::uint32_t i = 0; i < 2; ++i) {
    EXPECT_EQ(retrying[i]->attempt, i + 1);
    EXPECT_EQ(retrying[i]->max_attempts, 2u);
    EXPECT_GT(retrying[i]->retry_at_ms, 0);
    EXPECT_NE(retrying[i]->error.find("killed by signal 11"), std::string::npos);
  }
  EXPECT_EQ(with_status(s, session_status::error).size(), 1u) << "error only once it gives up";
  EXPECT_NE(s.statuses.back().error.find("killed by signal 11"), std::string::npos);
  EXPECT_NE(s.statuses.back().error.find("gave up after 2 restarts"), std::string::npos);
  std::this_thread::sleep_for(300ms);  // nothing more comes
  EXPECT_EQ(ended_generations(events.sessions["crashy"]).size(), 3u);
}

TEST(Runtime, ARateLimitedRunIsRetriedABoundedNumberOfTimesAndAStopCallsARetryOff) {
  auto opts = test_options();
  opts.policy.restart.max_retries = 2;
  opts.policy.restart.max_retry_delay = 50ms;
  runtime rt{opts};
  event_collector events{rt};
  ASSERT_TRUE(rt.query(fake_query("limited", R"({"transcript":"error"})")));
  ASSERT_TRUE(
    events.wait_until([](auto& s) { return ended_generations(s["limited"]).size() == 3; }, 10s));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(ended_generations(events.sessions["limited"]).size(), 3u);  // two retries, no more
  EXPECT_NE(events.sessions["limited"].statuses.back().error.find("429"), std::string::npos);
  EXPECT_EQ(events.sessions["limited"].last_status(), session_status::error);
  EXPECT_NE(events.sessions["limited"].statuses.back().error.find("gave up after 2 retries"),
            std::string::npos);

  // A crash that a restart would follow is called off by a stop.
  auto slow = test_options();
  slow.policy.restart.max_restarts = 5;
  slow.policy.restart.backoff = 500ms;
  runtime rt2{slow};
  event_collector events2{rt2};
  ASSERT_TRUE(rt2.query(fake_query("off", R"({"misbehave":"crash"})")));
  ASSERT_TRUE(events2.wait_until(
    [](auto& s) { return s["off"].last_status() == session_status::retrying; }, 10s));
  ASSERT_TRUE(rt2.stop("off"));
  ASSERT_TRUE(events2.wait_terminal({"off"}, 10s));
  EXPECT_EQ(events2.sessions["off"].last_status(), session_status::stopped);
  std::this_thread::sleep_for(800ms);
  EXPECT_EQ(ended_generations(events2.sessions["off"]), (std::vector<std::uint64_t>{1, 1}))
    << "retrying, then stopped; no second run";
}

namespace {

bool saw(const test::session_record& s, session_status status) {
  for (const auto& st : s.statuses)
    if (st.status == status) return true;
  return false;
}

runtime_options watchdog_options(stall_action action) {
  auto opts = test_options();
  opts.policy.watchdog.stall_after = 200ms;
  opts.policy.watchdog.act_after = 800ms;
  opts.policy.watchdog.action = action;
  opts.policy.watchdog.max_restarts = 1;
  opts.policy.restart.backoff = 50ms;
  return opts;
}

}  // namespace

TEST(Runtime, TheWatchdogMarksASilentAgentStalledWakesItOnOutputAndEndsAHungOne) {
  runtime rt{watchdog_options(stall_action::stop)};
  event_collector events{rt};
  // Gaps of 400 ms: stalled after 200, awake again well before the 1000 it would take to end it.
  ASSERT_TRUE(rt.query(fake_query("slow", R"({"delayMs":400})")));
  ASSERT_TRUE(rt.query(fake_query("hung", R"({"misbehave":"hang"})")));
  ASSERT_TRUE(rt.query(fake_query("lingering", R"({"misbehave":"linger"})")));
  auto quiet = fake_query("unwatched", R"({"misbehave":"hang"})");
  quiet.stall_timeout_ms = 0;  // this session has no watchdog
  ASSERT_TRUE(rt.query(quiet));
  ASSERT_TRUE(events.wait_terminal({"slow", "hung", "lingering"}, 15s));

  const auto& slow = events.sessions["slow"];
  EXPECT_EQ(slow.last_status(), session_status::done)
    << ::testing::PrintToString(status_names(slow));
  auto names = status_names(slow);
  auto stalled = std::find(names.begin(), names.end(), "stalled");
  ASSERT_NE(stalled, names.end());
  EXPECT_EQ(*std::next(stalled), "running") << "output wakes a stalled run";

  const auto& hung = events.sessions["hung"];
  EXPECT_EQ(hung.last_status(), session_status::error);
  EXPECT_TRUE(saw(hung, session_status::stalled));
  EXPECT_EQ(hung.statuses.back().error.rfind("stalled: no output for ", 0), 0u)
    << hung.statuses.back().error;
  EXPECT_EQ(ended_generations(hung), (std::vector<std::uint64_t>{1})) << "stop: no restart";

  // Its result was in; the process that never exited is ended, and the run is done.
  const auto& lingering = events.sessions["lingering"];
  EXPECT_TRUE(saw(lingering, session_status::stalled));
  EXPECT_EQ(lingering.last_status(), session_status::done);

  EXPECT_FALSE(saw(events.sessions["unwatched"], session_status::stalled));
  EXPECT_FALSE(events.sessions["unwatched"].terminal());
  ASSERT_TRUE(rt.stop("unwatched"));
  ASSERT_TRUE(events.wait_terminal({"unwatched"}, 10s));
  EXPECT_EQ(rt.host().live_children(), 0u);
}

TEST(Runtime, AStalledAgentIsRestartedWhenThePolicySaysSoThenGivenUpOn) {
  runtime rt{watchdog_options(stall_action::restart)};
  event_collector events{rt};
  ASSERT_TRUE(rt.query(fake_query("hung", R"({"misbehave":"hang"})")));
  ASSERT_TRUE(events.wait_until(
    [](auto& s) {
      return s["hung"].terminal() &&
             s["hung"].statuses.back().error.find("gave up") != std::string::npos;
    },
    15s));
  const auto& hung = events.sessions["hung"];
  EXPECT_EQ(ended_generations(hung), (std::vector<std::uint64_t>{1, 2}));
  EXPECT_NE(hung.statuses.back().error.find("stalled: no output"), std::string::npos);
  EXPECT_NE(hung.statuses.back().error.find("gave up after 1 restart"), std::string::npos);
  EXPECT_EQ(rt.host().live_children(), 0u);
}

TEST(Runtime, TheGlobalBudgetStopsEverySessionOnceCrossedAndStartsNoMoreRuns) {
  auto opts = test_options();
  opts.global_budget_usd = 0.003;  // the hello transcript costs $0.0021 a run
  runtime rt{opts};
  event_collector events{rt};
  ASSERT_TRUE(rt.query(fake_query("first")));
  ASSERT_TRUE(events.wait_terminal({"first"}, 10s));
  ASSERT_TRUE(rt.query(fake_query("bystander", R"({"misbehave":"hang"})")));
  ASSERT_TRUE(events.wait_until([](auto& s) { return !s["bystander"].messages.empty(); }, 10s));
  ASSERT_TRUE(rt.query(fake_query("second")));  // $0.0042 in all: crossed
  ASSERT_TRUE(events.wait_terminal({"second", "bystander"}, 10s));

  const auto& bystander = events.sessions["bystander"].statuses.back();
  EXPECT_EQ(bystander.status, session_status::error);
  EXPECT_EQ(bystander.error, "global budget exceeded: $0.0042 spent of $0.0030");
  auto totals = rt.totals();
  ASSERT_TRUE(totals);
  EXPECT_DOUBLE_EQ(totals->total_cost_usd, 0.0042);
  EXPECT_EQ(totals->input_tokens, 240u);
  EXPECT_EQ(totals->output_tokens, 76u);
  EXPECT_DOUBLE_EQ(totals->budget_usd, 0.003);

  auto refused = rt.query(fake_query("third"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(error_text(refused.error()), "global budget exceeded: $0.0042 spent of $0.0030");
  EXPECT_EQ(rt.host().live_children(), 0u);
}
