// Chaos: 500 fake sessions that misbehave at random (crashes, garbage, hangs, grandchildren,
// agents that ignore SIGTERM), while the test kills their processes and stops sessions at
// random. Every session must end, no process may be left, and the journal must hold exactly
// what the subscribers saw. The seed is printed; AGENTRT_CHAOS_SEED=N replays a run.

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "support/journal_check.hpp"
#include "support/processes.hpp"
#include "support/runtime_harness.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace agentrt;
using namespace agentrt::test;
using namespace std::chrono_literals;
using json = nlohmann::json;

constexpr int session_count = 500;

std::uint32_t chaos_seed() {
  if (const char* text = std::getenv("AGENTRT_CHAOS_SEED")) return std::strtoul(text, nullptr, 10);
  return std::random_device{}();
}

// A provider config with a random transcript, pace, length and misbehaviours.
std::string random_config(std::mt19937& random) {
  static const std::vector<std::string> transcripts{"hello", "tool", "error"};
  static const std::vector<std::string> misbehaviours{
    "crash",          "garbage",         "hang", "linger", "no-result", "no-newline",
    "ignore-sigterm", "fork-grandchild", "burst"};
  json config{{"transcript", transcripts[random() % transcripts.size()]},
              {"repeat", 1 + random() % 6},
              {"delayMs", std::vector<int>{0, 1, 5, 20}[random() % 4]}};
  json misbehave = json::array();
  for (const auto& m : misbehaviours)
    if (random() % 10 == 0) misbehave.push_back(m);
  if (!misbehave.empty()) config["misbehave"] = misbehave;
  return config.dump();
}

// Every session is terminal, its events are numbered 1..n without a gap, and its terminal status
// is its last event.
void expect_ended_in_order(const std::map<std::string, session_record>& seen) {
  for (const auto& [id, s] : seen) {
    ASSERT_TRUE(s.terminal()) << id;
    EXPECT_EQ(s.order.back(), "status") << id;
    for (std::size_t i = 0; i < s.seqs.size(); ++i) ASSERT_EQ(s.seqs[i], i + 1) << id;
  }
}

TEST(Chaos, FiveHundredMisbehavingSessionsUnderRandomKillsAndStopsAllEndCleanly) {
  auto seed = chaos_seed();
  std::printf("chaos seed %u (AGENTRT_CHAOS_SEED=%u replays it)\n", seed, seed);
  std::mt19937 random{seed};
  temp_dir dir;
  auto opts = test_options();
  opts.journal.dir = dir.path();
  opts.policy.stop_grace = 300ms;
  opts.policy.drain_grace = 300ms;
  opts.policy.restart.max_retry_delay = 50ms;  // the error transcript's 429s are retried
  opts.policy.watchdog.stall_after = 700ms;    // hung agents end by themselves too
  opts.policy.watchdog.act_after = 700ms;
  opts.policy.restart.backoff = 20ms;
  opts.admission.max_sessions = 48;  // and some wait, queued

  // Every agent, and every process it forks, carries this mark: the test looks for it at the end
  // (pids are reused quickly, with pid_max 32768 and other tests spawning beside this one).
  std::string mark = std::to_string(getpid()) + "-" + std::to_string(seed);
  std::set<std::string> ids;
  std::map<std::string, session_record> seen;
  {
    runtime rt{opts};
    event_collector events{rt};
    for (int i = 0; i < session_count; ++i) {
      auto q = fake_query("c" + std::to_string(i), random_config(random));
      if (random() % 5 == 0) q.max_restarts = 1;
      q.extra_env["AGENTRT_CHAOS_MARK"] = mark;
      ASSERT_TRUE(rt.query(q)) << q.session_id;
      ids.insert(q.session_id);
    }
    auto marked = [&] { return processes_with_env("AGENTRT_CHAOS_MARK=" + mark); };
    for (int i = 0; i < 500 && marked().empty(); ++i) std::this_thread::sleep_for(10ms);
    ASSERT_FALSE(marked().empty()) << "the agents do not carry the mark the end looks for";
    auto deadline = std::chrono::steady_clock::now() + 90s;
    int kills = 0, stops = 0;
    while (!events.wait_terminal(ids, 10ms) && std::chrono::steady_clock::now() < deadline) {
      auto list = rt.list();
      ASSERT_TRUE(list);
      std::vector<session_info> live;
      for (const auto& s : list->sessions)
        if (!is_terminal(s.status)) live.push_back(s);
      if (live.empty()) continue;
      const auto& victim = live[random() % live.size()];
      auto dice = random() % 10;
      if (dice < 3 && victim.pid > 0 && victim.status != session_status::queued) {
        kill(victim.pid, SIGKILL);  // the agent alone: a grandchild, if any, lives on
        ++kills;
      } else if (dice < 5) {
        (void)rt.stop(victim.session_id);
        ++stops;
      }
    }
    std::printf("chaos: %d kills, %d stops\n", kills, stops);
    // Restarts may still be scheduled for ended sessions: a stop calls them off. A restart that
    // began meanwhile is stopped too, and its events may still be on their way: the subscriber
    // has seen everything once each session's last status is the one the runtime lists.
    ASSERT_TRUE(rt.stop_all(10s));
    auto final_list = rt.list();
    ASSERT_TRUE(final_list);
    ASSERT_TRUE(events.wait_until(
      [&](auto& sessions) {
        for (const auto& info : final_list->sessions) {
          const auto& statuses = sessions[info.session_id].statuses;
          if (statuses.empty() || statuses.back().generation != info.generation ||
              statuses.back().status != info.status)
            return false;
        }
        return true;
      },
      10s));
    seen = events.sessions;
    EXPECT_EQ(rt.host().live_children(), 0u);
  }  // the journal is written last, once every session has ended

  ASSERT_EQ(seen.size(), ids.size());
  expect_ended_in_order(seen);
  std::map<std::string, int> endings;
  for (const auto& [id, s] : seen) ++endings[std::string{to_string(s.last_status())}];
  for (const auto& [status, n] : endings) std::printf("chaos: %d %s\n", n, status.c_str());
  auto left = processes_with_env("AGENTRT_CHAOS_MARK=" + mark);
  for (int i = 0; i < 100 && !left.empty(); ++i) {  // 2 s for the last ones to be reaped
    std::this_thread::sleep_for(20ms);
    left = processes_with_env("AGENTRT_CHAOS_MARK=" + mark);
  }
  EXPECT_TRUE(left.empty()) << left.size() << " processes were left, the first " << left.front();
  expect_journal_holds(dir.path(), seen);

  auto store = journal::store::open_read_only(dir.path());
  ASSERT_TRUE(store);
  for (const auto& record : store->sessions())
    EXPECT_EQ(record.status, seen[record.session_id].last_status()) << record.session_id;
}

}  // namespace
