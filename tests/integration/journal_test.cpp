// The durable journal: what subscribers saw is what the journal holds; sessions outlive their
// runtime as records; a late subscriber gets the replay, then the live stream.

#include <gtest/gtest.h>

#include <unistd.h>

#include <stdexcept>
#include <thread>

#include "messages/errors.hpp"
#include "runtime/journal/journal_store.hpp"
#include "support/journal_check.hpp"
#include "support/runtime_harness.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace agentrt;
using namespace std::chrono_literals;
using test::event_collector;
using test::fake_query;
using test::temp_dir;

runtime_options journaled(const temp_dir& dir) {
  auto opts = test::test_options();
  opts.journal.dir = dir.path();
  return opts;
}

TEST(Journal, HoldsExactlyWhatTheSubscribersSawAndSessionsOutliveTheRuntime) {
  temp_dir dir;
  std::set<std::string> ids;
  std::map<std::string, test::session_record> seen;
  {
    runtime rt{journaled(dir)};
    event_collector events{rt};
    for (int i = 0; i < 20; ++i) {
      auto id = "j" + std::to_string(i);
      ids.insert(id);
      // Garbage lines, crashes and plain runs: every kind of event ends up in the journal.
      const char* config = i % 3 == 0   ? R"({"misbehave":["garbage"]})"
                           : i % 3 == 1 ? R"({"misbehave":["crash"]})"
                                        : "{}";
      ASSERT_TRUE(rt.query(fake_query(id, config)));
    }
    ASSERT_TRUE(events.wait_terminal(ids, 30s));
    seen = events.sessions;
  }  // the journal is written last, once every session has ended
  ASSERT_EQ(seen.size(), ids.size());
  test::expect_journal_holds(dir.path(), seen);

  // A new runtime on the same journal lists them, replays them, and numbers on from them.
  runtime rt{journaled(dir)};
  auto list = rt.list();
  ASSERT_TRUE(list);
  std::map<std::string, session_info> listed;
  for (const auto& s : list->sessions) listed[s.session_id] = s;
  ASSERT_EQ(listed.size(), ids.size());
  EXPECT_EQ(listed["j2"].status, session_status::done);
  EXPECT_EQ(listed["j1"].status, session_status::error);
  EXPECT_EQ(listed["j2"].generation, 1u);
  EXPECT_FALSE(listed["j2"].provider_session_id.empty());

  event_collector replay{rt, subscribe_command{"j2", {}, false, true, 0}};
  ASSERT_FALSE(replay.error) << error_text(replay.error);
  ASSERT_TRUE(replay.wait_until(
    [&](auto& s) { return s["j2"].events.size() == seen["j2"].events.size(); }, 5s));
  EXPECT_EQ(replay.sessions["j2"].seqs, seen["j2"].seqs);

  event_collector again{rt};
  ASSERT_TRUE(rt.query(fake_query("j2")));
  ASSERT_TRUE(again.wait_terminal({"j2"}, 10s));
  const auto& rerun = again.sessions["j2"];
  EXPECT_EQ(rerun.seqs.front(), seen["j2"].seqs.back() + 1);
  EXPECT_EQ(rerun.statuses.front().generation, 2u);
}

TEST(Journal, ALateSubscriberGetsTheReplayThenTheLiveStreamWithNoGapAndNoDuplicate) {
  temp_dir dir;
  runtime rt{journaled(dir)};
  event_collector early{rt};
  ASSERT_TRUE(rt.query(fake_query("late", R"({"repeat":3000})")));
  ASSERT_TRUE(early.wait_until([](auto& s) { return s["late"].seqs.size() >= 15; }, 10s));
  event_collector late{rt, subscribe_command{"late", {}, false, true, 3}};
  ASSERT_FALSE(late.error) << error_text(late.error);
  ASSERT_FALSE(early.sessions["late"].terminal())
    << "the session ended before the late subscriber came";
  // Both read as it runs: a subscriber that reads nothing holds back the agent (flow control).
  for (auto deadline = std::chrono::steady_clock::now() + 30s;
       std::chrono::steady_clock::now() < deadline &&
       !(early.sessions["late"].terminal() && late.sessions["late"].terminal());) {
    early.wait_terminal({"late"}, 20ms);
    late.wait_terminal({"late"}, 20ms);
  }
  ASSERT_TRUE(early.sessions["late"].terminal());
  ASSERT_TRUE(late.sessions["late"].terminal());
  std::vector<std::uint64_t> expected;
  for (auto seq : early.sessions["late"].seqs)
    if (seq > 3) expected.push_back(seq);
  EXPECT_EQ(late.sessions["late"].seqs, expected);
  for (std::size_t k = 1; k < expected.size(); ++k) ASSERT_EQ(expected[k], expected[k - 1] + 1);
}

TEST(Journal, TwoRuntimesShareOneJournalEachOwningItsSessions) {
  temp_dir dir;
  runtime first{journaled(dir)};
  runtime second{journaled(dir)};
  event_collector a{first}, b{second};
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(first.query(fake_query("first-" + std::to_string(i))));
    ASSERT_TRUE(second.query(fake_query("second-" + std::to_string(i))));
  }
  auto q = fake_query("busy", R"({"misbehave":"hang"})");
  ASSERT_TRUE(first.query(q));
  ASSERT_TRUE(a.wait_terminal({"first-0", "first-1", "first-2", "first-3", "first-4"}, 30s));
  ASSERT_TRUE(b.wait_terminal({"second-0", "second-1", "second-2", "second-3", "second-4"}, 30s));
  // Written within the journal's flush interval.
  auto journaled_rows = [&] {
    std::map<std::string, session_info> rows;
    for (auto deadline = std::chrono::steady_clock::now() + 10s;
         std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(20ms)) {
      rows.clear();
      for (auto& s : journal::store::open_read_only(dir.path())->sessions()) rows[s.session_id] = s;
      std::size_t done = 0;
      for (const auto& [id, s] : rows) done += s.status == session_status::done;
      if (done == 10 && rows["busy"].status == session_status::running) break;
    }
    return rows;
  };
  auto rows = journaled_rows();
  ASSERT_EQ(rows["busy"].status, session_status::running) << "both runtimes journal";
  EXPECT_EQ(rows["busy"].owner_pid, getpid());
  EXPECT_EQ(rows["second-0"].status, session_status::done);
  // The other runtime's live session is its own: neither run nor resumed here.
  caf::scoped_actor self{second.system()};
  for (auto cmd :
       {caf::make_message(resume_command{"busy", "more"}), caf::make_message(fake_query("busy"))}) {
    caf::error refused;
    self->request(second.supervisor(), 10s, cmd)
      .receive([](const command_ack&) {}, [&](const caf::error& err) { refused = err; });
    EXPECT_NE(error_text(refused).find("Session busy is live in another agentrt (pid " +
                                       std::to_string(getpid()) + ") since "),
              std::string::npos)
      << error_text(refused);
  }
  ASSERT_TRUE(first.stop("busy"));
  ASSERT_TRUE(a.wait_terminal({"busy"}, 10s));
}

// Two runtimes that start one new id at the same moment: the first to ask the journal has it.
TEST(Journal, ANewSessionIdIsClaimedSoThatASecondRuntimeIsRefusedIt) {
  temp_dir dir;
  auto first = journal::store::open(dir.path());
  auto second = journal::store::open(dir.path());
  EXPECT_EQ(second->owned_elsewhere("same"), "");
  EXPECT_EQ(first->claim({"same"}), std::vector<bool>{true});
  // Too late for "same": the record is the first's; "other" is free.
  EXPECT_EQ(second->claim({"same", "other"}), (std::vector<bool>{false, true}));
  EXPECT_NE(first->owned_elsewhere("other").find("Session other is live in another agentrt"),
            std::string::npos);
  EXPECT_EQ(first->owned_elsewhere("same"), "");
  EXPECT_NE(second->owned_elsewhere("same").find("Session same is live in another agentrt"),
            std::string::npos);
  first.reset();  // its runtime ends: the record is nobody's now
  EXPECT_EQ(second->owned_elsewhere("same"), "");
}

// A session's budget covers its runs in every runtime: its spending comes back from the journal.
TEST(Journal, AResumedSessionKeepsItsSpendingAndItsBudgetAcrossARestart) {
  temp_dir dir;
  auto q = fake_query("budgeted");  // the hello transcript costs $0.0021
  q.max_budget_usd = 0.003;
  {
    runtime first{journaled(dir)};
    event_collector events{first};
    ASSERT_TRUE(first.query(q));
    ASSERT_TRUE(events.wait_terminal({"budgeted"}, 10s));
    ASSERT_EQ(events.sessions["budgeted"].last_status(), session_status::done);
  }
  runtime second{journaled(dir)};
  event_collector events{second};
  caf::scoped_actor self{second.system()};
  caf::error refused;
  self->request(second.supervisor(), 10s, resume_command{"budgeted", "more"})
    .receive([](const command_ack&) {}, [&](const caf::error& err) { refused = err; });
  ASSERT_FALSE(refused) << error_text(refused);
  ASSERT_TRUE(events.wait_until(
    [](auto& s) {
      return s["budgeted"].terminal() && s["budgeted"].statuses.back().generation == 2;
    },
    10s));
  const auto& s = events.sessions["budgeted"];
  EXPECT_EQ(s.last_status(), session_status::error);
  EXPECT_EQ(s.statuses.back().error, "budget exceeded: $0.0042 spent of $0.0030")
    << "the first runtime's $0.0021 counts";
  auto list = second.list();
  ASSERT_TRUE(list);
  for (const auto& info : list->sessions) {
    if (info.session_id == "budgeted") {
      EXPECT_NEAR(info.total_cost_usd, 0.0042, 1e-9);
    }
  }
  auto totals = second.totals();
  ASSERT_TRUE(totals);
  EXPECT_NEAR(totals->total_cost_usd, 0.0021, 1e-9) << "this runtime's own spending";
}

std::vector<std::string> listed_ids(runtime& rt) {
  std::vector<std::string> ids;
  if (auto list = rt.list())
    for (const auto& s : list->sessions) ids.push_back(s.session_id);
  return ids;  // in the order they started
}

// The journal and the runtime's memory of ended sessions stay within the bound: the oldest are
// forgotten as sessions end, and at the start of a runtime with a smaller bound.
TEST(Journal, OnlyTheNewestEndedSessionsAreKeptAsTheyEndAndAtTheNextStart) {
  temp_dir dir;
  auto opts = journaled(dir);
  opts.journal.keep_sessions = 4;
  opts.policy.cleanup_grace = 10ms;
  std::vector<std::string> ids;
  {
    runtime rt{opts};
    event_collector events{rt};
    for (int i = 0; i < 10; ++i) {  // one after another: each starts later than the one before
      ids.push_back("k" + std::to_string(i));
      ASSERT_TRUE(rt.query(fake_query(ids.back())));
      ASSERT_TRUE(events.wait_terminal({ids.back()}, 10s));
    }
    std::vector<std::string> newest(ids.end() - 4, ids.end());
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (listed_ids(rt) != newest && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(10ms);
    EXPECT_EQ(listed_ids(rt), newest);
  }
  auto store = journal::store::open_read_only(dir.path());
  ASSERT_TRUE(store);
  std::vector<std::string> journaled_ids;
  for (const auto& info : store->sessions()) journaled_ids.push_back(info.session_id);
  EXPECT_EQ(journaled_ids, std::vector<std::string>(ids.end() - 4, ids.end()));
  EXPECT_TRUE(store->batches("k0", 0).empty()) << "its events went with its record";
  EXPECT_FALSE(store->batches("k9", 0).empty());
  store.reset();

  opts.journal.keep_sessions = 2;
  runtime rt{opts};
  EXPECT_EQ(listed_ids(rt), (std::vector<std::string>{"k8", "k9"}));
  // A forgotten id is a new session again: numbered from the start.
  event_collector again{rt};
  ASSERT_TRUE(rt.query(fake_query("k6")));
  ASSERT_TRUE(again.wait_terminal({"k6"}, 10s));
  EXPECT_EQ(again.sessions["k6"].statuses.front().generation, 1u);
  EXPECT_EQ(again.sessions["k6"].seqs.front(), 1u);
}

TEST(Journal, AReplayWithoutAJournalIsRefused) {
  runtime rt{test::test_options()};
  ASSERT_TRUE(rt.query(fake_query("nj")));
  event_collector late{rt, subscribe_command{"nj", {}, false, true, 0}};
  ASSERT_TRUE(late.error);
  EXPECT_NE(error_text(late.error).find("needs the journal"), std::string::npos);
}

}  // namespace
