// The durable journal: what subscribers saw is what the journal holds; sessions outlive their
// runtime as records; a late subscriber gets the replay, then the live stream.

#include <gtest/gtest.h>

#include <stdexcept>

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
  ASSERT_TRUE(early.wait_terminal({"late"}, 30s));
  ASSERT_TRUE(late.wait_terminal({"late"}, 10s));
  std::vector<std::uint64_t> expected;
  for (auto seq : early.sessions["late"].seqs)
    if (seq > 3) expected.push_back(seq);
  EXPECT_EQ(late.sessions["late"].seqs, expected);
  for (std::size_t k = 1; k < expected.size(); ++k) ASSERT_EQ(expected[k], expected[k - 1] + 1);
}

TEST(Journal, ASecondRuntimeOnTheSameJournalIsRefusedWithAClearError) {
  temp_dir dir;
  runtime first{journaled(dir)};
  try {
    runtime second{journaled(dir)};
    FAIL() << "two runtimes shared one journal";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string{e.what()}.find("in use by another agentrt"), std::string::npos)
      << e.what();
  }
}

TEST(Journal, AReplayWithoutAJournalIsRefused) {
  runtime rt{test::test_options()};
  ASSERT_TRUE(rt.query(fake_query("nj")));
  event_collector late{rt, subscribe_command{"nj", {}, false, true, 0}};
  ASSERT_TRUE(late.error);
  EXPECT_NE(error_text(late.error).find("needs the journal"), std::string::npos);
}

}  // namespace
