// The embedding API (include/agentrt/agentrt.hpp) as an embedding program uses it.

#include <gtest/gtest.h>
#include <agentrt/agentrt.hpp>
#include <agentrt/caf.hpp>
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
  caf::scoped_actor self{agentrt::actor_system(engine)};
  ASSERT_TRUE(agentrt::subscribe_actor(engine, "", caf::actor{self}, true));
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
  ASSERT_TRUE(list);
  ASSERT_EQ(list.value.size(), 1u);
  EXPECT_EQ(list.value[0].session_id, "dup");
}

TEST(Engine, UnsubscribedCallbacksAreNotCalledAndTheDestructorStopsSessions) {
  pid_t pid = 0;
  {
    agentrt::engine engine{options()};
    recorder one;
    auto sub = engine.subscribe("", one.callbacks());
    ASSERT_TRUE(sub);
    ASSERT_TRUE(engine.start(fake("h", R"({"misbehave":"hang"})")));
    ASSERT_TRUE(one.wait_for("h status running"));
    ASSERT_TRUE(engine.unsubscribe(sub.value));
    EXPECT_FALSE(engine.unsubscribe(sub.value)) << "once";
    std::size_t before;
    {
      std::lock_guard<std::mutex> g{one.mutex};
      before = one.events.size();
    }
    ASSERT_TRUE(engine.stop("h"));
    ASSERT_TRUE(engine.start(fake("left", R"({"misbehave":"hang"})")));
    for (int i = 0; i < 500 && pid == 0; ++i) {
      for (const auto& s : engine.list().value)
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
  for (const auto& s : engine.list().value) running += s.status == agentrt::session_status::running;
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
  ASSERT_TRUE(now);
  EXPECT_NEAR(now.value.total_cost_usd, 3 * 0.0021, 1e-12);
  for (const auto& s : engine.list().value) {
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

TEST(Engine, ASubscriptionMadeBeforeTheStartSeesEveryEventFromTheFirst) {
  agentrt::engine engine{options()};
  std::mutex mutex;
  std::vector<std::uint64_t> seqs;
  agentrt::event_callbacks cb;
  cb.on_status = [&](const agentrt::status_change& s) {
    std::lock_guard<std::mutex> g{mutex};
    seqs.push_back(s.seq);
  };
  cb.on_message = [&](const agentrt::agent_message& m) {
    std::lock_guard<std::mutex> g{mutex};
    seqs.push_back(m.seq);
  };
  auto sub = engine.subscribe("early", cb);
  ASSERT_TRUE(sub) << sub.error;
  ASSERT_TRUE(engine.start(fake("early")));
  auto end = engine.wait("early", 10s);
  ASSERT_TRUE(end) << end.error;
  EXPECT_EQ(end.value.status, agentrt::session_status::done);
  ASSERT_TRUE(engine.unsubscribe(sub.value));
  std::lock_guard<std::mutex> g{mutex};
  ASSERT_FALSE(seqs.empty());
  EXPECT_EQ(seqs.front(), 1u) << "starting, the first event";
  for (std::size_t i = 1; i < seqs.size(); ++i) EXPECT_LT(seqs[i - 1], seqs[i]);
}

TEST(Engine, WithAJournalASubscriptionToAStartedSessionReplaysItThenMarksTheEnd) {
  agentrt::test::temp_dir dir;
  auto o = options();
  o.journal_dir = dir.path();
  agentrt::engine engine{o};
  ASSERT_TRUE(engine.start(fake("late")));
  ASSERT_TRUE(engine.wait("late", 10s));
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::uint64_t> seqs;
  std::uint64_t replayed = 0;
  agentrt::event_callbacks cb;
  cb.on_status = [&](const agentrt::status_change& s) {
    std::lock_guard<std::mutex> g{mutex};
    seqs.push_back(s.seq);
  };
  cb.on_replayed = [&](const std::string&, std::uint64_t last) {
    std::lock_guard<std::mutex> g{mutex};
    replayed = last;
    changed.notify_all();
  };
  ASSERT_TRUE(engine.subscribe("late", cb));
  std::unique_lock<std::mutex> lock{mutex};
  ASSERT_TRUE(changed.wait_for(lock, 10s, [&] { return replayed > 0; }));
  ASSERT_FALSE(seqs.empty());
  EXPECT_EQ(seqs.front(), 1u);
  EXPECT_LE(seqs.back(), replayed);
}

TEST(Engine, CallsThatCannotWorkSaySo) {
  agentrt::engine engine{options()};  // no journal
  auto replay = engine.subscribe_after("x", 0, {});
  EXPECT_FALSE(replay);
  EXPECT_NE(replay.error.find("needs the journal"), std::string::npos) << replay.error;
  EXPECT_FALSE(engine.unsubscribe(12345));
  auto waited = engine.wait("nobody", 100ms);
  EXPECT_FALSE(waited);
  EXPECT_NE(waited.error.find("did not end within 100 ms"), std::string::npos) << waited.error;
  EXPECT_TRUE(engine.list());
  EXPECT_TRUE(engine.totals());
}

TEST(Engine, AQueryThatCanBeCheckedAtOnceIsRefusedByStart) {
  agentrt::engine engine{options()};
  auto not_json = engine.start(fake("a", "{not json"));
  EXPECT_EQ(not_json.error, "query: providerConfig is not valid JSON");
  auto transcript = engine.start(fake("b", R"({"transcript":"nosuch"})"));
  EXPECT_EQ(transcript.error,
            "query: providerConfig.transcript: no bundled transcript or file named nosuch");
  auto q = fake("c");
  q.provider = "nosuch";
  EXPECT_EQ(engine.start(q).error, "query: unknown provider \"nosuch\"");
  EXPECT_TRUE(engine.list().value.empty()) << "nothing was started";
}

// A callback that calls the engine gets an error at once; nothing waits for itself.
TEST(Engine, CallingTheEngineFromACallbackFailsAtOnceInsteadOfHanging) {
  agentrt::engine engine{options()};
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::string> errors;
  agentrt::event_callbacks cb;
  cb.on_status = [&](const agentrt::status_change& s) {
    if (s.status != agentrt::session_status::running) return;
    auto listed = engine.list();
    auto stopped = engine.stop(s.session_id);
    auto subscribed = engine.subscribe("other", {});
    std::lock_guard<std::mutex> g{mutex};
    errors = {listed.error, stopped.error, subscribed.error};
    changed.notify_all();
  };
  ASSERT_TRUE(engine.subscribe("", cb));
  ASSERT_TRUE(engine.start(fake("re", R"({"misbehave":"hang"})")));
  std::unique_lock<std::mutex> lock{mutex};
  ASSERT_TRUE(changed.wait_for(lock, 10s, [&] { return !errors.empty(); }));
  for (const auto& e : errors)
    EXPECT_NE(e.find("called from inside a callback"), std::string::npos) << e;
  lock.unlock();
  EXPECT_TRUE(engine.stop("re"));
}

// Without engine_options::binaries, the fake agent is looked for on PATH too.
TEST(Engine, TheFakeAgentIsFoundOnPath) {
  std::string dir{AGENTRT_FAKE_AGENT_PATH};
  dir = dir.substr(0, dir.rfind('/'));
  std::string old = std::getenv("PATH") ? std::getenv("PATH") : "";
  setenv("PATH", (dir + ":" + old).c_str(), 1);
  {
    agentrt::engine_options o;
    o.stop_grace = 1000ms;
    agentrt::engine engine{o};
    ASSERT_TRUE(engine.start(fake("onpath")));
    auto end = engine.wait("onpath", 10s);
    ASSERT_TRUE(end) << end.error;
    EXPECT_EQ(end.value.status, agentrt::session_status::done) << end.value.error;
  }
  setenv("PATH", old.c_str(), 1);
}

}  // namespace
