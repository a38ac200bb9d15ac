// The embedding API (include/agentrt/agentrt.hpp) as an embedding program uses it.

#include <gtest/gtest.h>
#include <agentrt/agentrt.hpp>
#include <caf/all.hpp>

#include <sys/mount.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <type_traits>

#include "messages/type_ids.hpp"
#include "support/processes.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace std::chrono_literals;

struct recorder {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::string> events;  // "<session> <kind> <detail>"
  std::atomic<int> calls_in_flight{0};
  std::atomic<bool> overlapped{false};

  agentrt::event_callbacks callbacks() {
    agentrt::event_callbacks cb;
    cb.on_message = [this](const agentrt::agent_message& m) {
      add(m.session_id + " message " + m.type);
    };
    cb.on_status = [this](const agentrt::status_change& s) {
      add(s.session_id + " status " + std::string{agentrt::to_string(s.status)});
    };
    cb.on_cost = [this](const agentrt::cost_update& c) { add(c.session_id + " cost"); };
    return cb;
  }
  void add(std::string e) {
    if (++calls_in_flight > 1) overlapped = true;
    std::this_thread::sleep_for(1ms);  // room for an overlap, if callbacks could overlap
    {
      std::lock_guard<std::mutex> g{mutex};
      events.push_back(std::move(e));
    }
    --calls_in_flight;
    changed.notify_all();
  }
  bool wait_for(const std::string& e) {
    std::unique_lock<std::mutex> lock{mutex};
    return changed.wait_for(
      lock, 10s, [&] { return std::find(events.begin(), events.end(), e) != events.end(); });
  }
};

agentrt::engine_options options() {
  agentrt::engine_options o;
  o.binaries["fake"] = AGENTRT_FAKE_AGENT_PATH;
  o.stop_grace = 1000ms;
  return o;
}

agentrt::query_command fake(const std::string& id, const std::string& config = "{}") {
  agentrt::query_command q;
  q.session_id = id;
  q.provider = "fake";
  q.prompt = "p";
  q.provider_config = config;
  return q;
}

TEST(Engine, CallbacksSeeEverySessionEventOneAtATime) {
  recorder all;  // before the engine, whose destructor delivers the last events
  agentrt::engine engine{options()};
  engine.subscribe("", all.callbacks());
  ASSERT_TRUE(engine.start(fake("a", R"({"transcript":"tool"})")));
  ASSERT_TRUE(engine.start(fake("b")));
  ASSERT_TRUE(all.wait_for("a status done"));
  ASSERT_TRUE(all.wait_for("b status done"));
  EXPECT_FALSE(all.overlapped);
  std::lock_guard<std::mutex> g{all.mutex};
  EXPECT_EQ(std::count_if(all.events.begin(), all.events.end(),
                          [](const std::string& e) { return e.rfind("a message", 0) == 0; }),
            7);
}

TEST(Engine, AnActorOfYourOwnCanSubscribe) {
  agentrt::engine engine{options()};
  caf::scoped_actor self{engine.system()};
  ASSERT_TRUE(engine.subscribe("", caf::actor{self}, true));
  ASSERT_TRUE(engine.start(fake("act")));
  int raw = 0, messages = 0;
  bool done = false, raw_first = true;
  auto count = [&](const auto& event) {
    using type = std::decay_t<decltype(event)>;
    if constexpr (std::is_same_v<type, agentrt::raw_line>) {
      ++raw;
    } else if constexpr (std::is_same_v<type, agentrt::agent_message>) {
      raw_first = raw_first && raw > messages;  // each line comes before what it became
      ++messages;
    } else if constexpr (std::is_same_v<type, agentrt::status_change>) {
      done = agentrt::is_terminal(event.status);
    }
  };
  while (!done)
    self->receive(
      [&](const agentrt::session_events& batch) {
        for (const auto& ev : batch.events) caf::visit(count, ev);
      },
      caf::after(std::chrono::seconds{10}) >> [&] { done = true; });
  EXPECT_EQ(raw, 3);
  EXPECT_EQ(messages, 3);
  EXPECT_TRUE(raw_first);
}

TEST(Engine, CommandsReportTheRuntimesReasons) {
  agentrt::engine engine{options()};
  ASSERT_TRUE(engine.start(fake("dup", R"({"misbehave":"hang"})")));
  auto again = engine.start(fake("dup"));
  EXPECT_FALSE(again);
  EXPECT_EQ(again.error, "Session already running");
  EXPECT_EQ(engine.stop("nobody").error, "Session not found");
  auto list = engine.list();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].session_id, "dup");
}

TEST(Engine, UnsubscribedCallbacksAreNotCalledAndTheDestructorStopsSessions) {
  pid_t pid = 0;
  {
    agentrt::engine engine{options()};
    recorder one;
    auto sub = engine.subscribe("", one.callbacks());
    ASSERT_TRUE(engine.start(fake("h", R"({"misbehave":"hang"})")));
    ASSERT_TRUE(one.wait_for("h status running"));
    engine.unsubscribe(sub);
    std::size_t before;
    {
      std::lock_guard<std::mutex> g{one.mutex};
      before = one.events.size();
    }
    ASSERT_TRUE(engine.stop("h"));
    ASSERT_TRUE(engine.start(fake("left", R"({"misbehave":"hang"})")));
    for (int i = 0; i < 500 && pid == 0; ++i) {
      for (const auto& s : engine.list())
        if (s.session_id == "left") pid = s.pid;
      std::this_thread::sleep_for(10ms);
    }
    ASSERT_GT(pid, 0);
    ASSERT_FALSE(agentrt::test::process_gone(pid));
    std::lock_guard<std::mutex> g{one.mutex};
    EXPECT_EQ(one.events.size(), before) << "no callback after unsubscribe";
  }
  EXPECT_TRUE(agentrt::test::process_gone(pid)) << "the destructor stopped the agent";
}

}  // namespace

namespace {

// How many of `n` hanging sessions of the fake agent run at once.
std::size_t running_sessions(const agentrt::engine_options& o, int n) {
  recorder r;  // outlives the engine, whose destructor still delivers the last events
  agentrt::engine engine{o};
  engine.subscribe("", r.callbacks());
  for (int i = 0; i < n; ++i) {
    agentrt::query_command q;
    q.session_id = "h" + std::to_string(i);
    q.provider = "fake";
    q.prompt = "p";
    q.provider_config = R"({"misbehave":"hang"})";
    EXPECT_TRUE(engine.start(q));
  }
  {  // every one is running or queued
    std::unique_lock<std::mutex> lock{r.mutex};
    EXPECT_TRUE(r.changed.wait_for(lock, 10s, [&] {
      return std::count_if(r.events.begin(), r.events.end(), [](const std::string& e) {
               return e.find(" status queued") != std::string::npos ||
                      e.find(" status running") != std::string::npos;
             }) == n;
    }));
  }
  std::size_t running = 0;
  for (const auto& s : engine.list()) running += s.status == agentrt::session_status::running;
  return running;
}

TEST(Engine, TotalsSumEveryRunOfEverySessionAndAreFollowedLive) {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<agentrt::usage_totals> seen;
  recorder r;  // before the engine, whose destructor delivers the last events
  agentrt::engine engine{options()};
  engine.subscribe_totals([&](const agentrt::usage_totals& t) {
    std::lock_guard<std::mutex> g{mutex};
    seen.push_back(t);
    changed.notify_all();
  });
  engine.subscribe("", r.callbacks());
  ASSERT_TRUE(engine.start(fake("a")));
  ASSERT_TRUE(engine.start(fake("b")));
  ASSERT_TRUE(r.wait_for("a status done"));
  ASSERT_TRUE(r.wait_for("b status done"));
  ASSERT_TRUE(engine.prompt("a", "again"));  // a second run of a: its spending adds up
  auto spent_thrice = [&] { return !seen.empty() && seen.back().output_tokens == 3 * 38; };
  std::unique_lock<std::mutex> lock{mutex};
  ASSERT_TRUE(changed.wait_for(lock, 10s, spent_thrice));
  EXPECT_EQ(seen.front().output_tokens, 0u) << "the totals as they were when followed";
  EXPECT_NEAR(seen.back().total_cost_usd, 3 * 0.0021, 1e-12);
  EXPECT_EQ(seen.back().input_tokens, 3 * 120u);
  lock.unlock();
  auto now = engine.totals();
  EXPECT_NEAR(now.total_cost_usd, 3 * 0.0021, 1e-12);
  for (const auto& s : engine.list()) {
    if (s.session_id == "a") {
      EXPECT_NEAR(s.total_cost_usd, 2 * 0.0021, 1e-12) << "both runs";
    }
  }
}

}  // namespace

TEST(Engine, AdmissionLimitsAreTheEnginesOptions) {
  EXPECT_EQ(running_sessions(options(), 4), 4u);  // the fake provider has no default limit
  auto limited = options();
  limited.max_per_provider = std::map<std::string, std::size_t>{{"fake", 2}};
  EXPECT_EQ(running_sessions(limited, 4), 2u);
  limited.max_per_provider.reset();
  limited.max_sessions = 3;
  EXPECT_EQ(running_sessions(limited, 4), 3u);
}

namespace {

// An embedder hears of a journal that cannot write (a full disk), and of its recovery.
TEST(Engine, OnJournalTellsOfAFullDiskAndOfTheRecovery) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root, to mount a small tmpfs";
  agentrt::test::temp_dir dir;
  ASSERT_EQ(mount("tmpfs", dir.path().c_str(), "tmpfs", 0, "size=256k"), 0);
  std::mutex m;
  std::condition_variable changed;
  std::vector<agentrt::journal_status> seen;
  {
    auto o = options();
    o.journal_dir = dir.path() + "/agentrt";
    agentrt::engine engine{o};
    agentrt::event_callbacks cb;
    cb.on_journal = [&](const agentrt::journal_status& s) {
      std::lock_guard<std::mutex> g{m};
      seen.push_back(s);
      changed.notify_all();
    };
    engine.subscribe("", cb);
    for (int i = 0; i < 6; ++i)
      ASSERT_TRUE(
        engine.start(fake("j" + std::to_string(i), R"({"transcript":"tool","repeat":400})")));
    auto saw = [&](bool ok) {
      std::unique_lock<std::mutex> lock{m};
      return changed.wait_for(lock, 20s, [&] {
        return std::any_of(seen.begin(), seen.end(), [&](const auto& s) { return s.ok == ok; });
      });
    };
    ASSERT_TRUE(saw(false));
    {
      std::lock_guard<std::mutex> g{m};
      EXPECT_NE(seen.front().error.find("database or disk is full"), std::string::npos)
        << seen.front().error;
    }
    ASSERT_EQ(mount("tmpfs", dir.path().c_str(), "tmpfs", MS_REMOUNT, "size=64m"), 0);
    EXPECT_TRUE(saw(true));
  }
  umount2(dir.path().c_str(), MNT_DETACH);
}

}  // namespace
