// The journal's file as runtime/journal/journal_store stores it: batches compressed, read back as
// they were written, an older file's uncompressed batches still read, damage reported.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "runtime/journal/journal_store.hpp"
#include "support/temp_dir.hpp"

namespace agentrt::test {
namespace {

// Runs SQL on the journal's file beside the store, as another program would.
void sql(const std::string& dir, const std::string& text) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir + "/journal.db").c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(db, text.c_str(), nullptr, nullptr, &error), SQLITE_OK)
    << (error ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
}

std::int64_t sql_number(const std::string& dir, const std::string& query) {
  sqlite3* db = nullptr;
  sqlite3_stmt* stmt = nullptr;
  std::int64_t n = -1;
  if (sqlite3_open((dir + "/journal.db").c_str(), &db) == SQLITE_OK &&
      sqlite3_prepare_v2(db, query.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW)
    n = sqlite3_column_int64(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return n;
}

std::string agent_like_text(std::size_t bytes) {
  std::string out;
  for (int i = 0; out.size() < bytes; ++i)
    out += R"({"type":"assistant","message":{"id":"msg_)" + std::to_string(i) +
           R"(","content":[{"type":"text","text":"reading src/main.cpp"}]}})";
  return out;
}

journal::packed_batch pack(const std::string& session, std::uint64_t first, std::uint64_t last,
                           const std::string& events) {
  std::string room;
  return journal::pack(session, first, last, events, room);
}

std::string random_bytes(std::size_t bytes) {
  std::mt19937 gen{7};
  std::string out(bytes, '\0');
  for (auto& c : out) c = static_cast<char>(gen());
  return out;
}

TEST(JournalStore, ABatchComesBackAsItWasWrittenAndTakesLessRoomOnDisk) {
  temp_dir dir;
  auto text = agent_like_text(64 * 1024);
  auto noise = random_bytes(4096);
  {
    auto store = journal::store::open(dir.path());
    store->write({pack("s", 1, 10, text), pack("s", 11, 12, noise)}, {}, {});
    auto back = store->batches("s", 0);
    ASSERT_EQ(back.size(), 2u);
    EXPECT_EQ(back[0].blob, text);
    EXPECT_EQ(back[0].last_seq, 10u);
    EXPECT_EQ(back[1].blob, noise);
  }
  auto stored = sql_number(dir.path(), "SELECT length(events) FROM batches WHERE first_seq=1");
  EXPECT_GT(stored, 0);
  EXPECT_LT(stored, static_cast<std::int64_t>(text.size()) / 4);
  // What does not compress is kept as it is, not grown.
  EXPECT_EQ(sql_number(dir.path(), "SELECT length(events) FROM batches WHERE first_seq=11"),
            static_cast<std::int64_t>(noise.size()));
  EXPECT_EQ(sql_number(dir.path(), "SELECT raw_bytes FROM batches WHERE first_seq=11"), 0);
}

// The journal packs every batch through one working room: what a larger batch left in it is
// no part of a smaller one's bytes, compressed or not.
TEST(JournalStore, BatchesPackedThroughOneRoomComeBackEachAsItWas) {
  temp_dir dir;
  auto store = journal::store::open(dir.path());
  std::vector<std::string> events = {agent_like_text(64 * 1024), random_bytes(4096),
                                     agent_like_text(8192), random_bytes(100)};
  std::string room;
  std::vector<journal::packed_batch> packed;
  for (std::size_t i = 0; i < events.size(); ++i)
    packed.push_back(journal::pack("s", 2 * i + 1, 2 * i + 2, events[i], room));
  EXPECT_GT(packed[0].raw_bytes, 0);
  EXPECT_EQ(packed[1].raw_bytes, 0);
  EXPECT_EQ(packed[1].bytes, events[1]);
  store->write(packed, {}, {});
  auto back = store->batches("s", 0);
  ASSERT_EQ(back.size(), events.size());
  for (std::size_t i = 0; i < events.size(); ++i) EXPECT_EQ(back[i].blob, events[i]) << i;
}

// The store keeps its statements prepared: each write and each question uses them again, bound
// anew, and finds what the writes before left.
TEST(JournalStore, EachWriteAndQuestionReusesItsStatementWithItsOwnValues) {
  temp_dir dir;
  auto store = journal::store::open(dir.path());
  EXPECT_EQ(store->last_seq("a"), 0u);
  for (std::uint64_t n = 0; n < 5; ++n) {
    store->write({pack("a", 10 * n + 1, 10 * n + 10, "a" + std::to_string(n)),
                  pack("b", n + 1, n + 1, "b" + std::to_string(n))},
                 {}, {});
    EXPECT_EQ(store->last_seq("a"), 10 * n + 10);
    EXPECT_EQ(store->last_seq("b"), n + 1);
  }
  EXPECT_EQ(store->last_seq("c"), 0u);
  auto a = store->batches("a", 25, 35);
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].blob, "a2");
  EXPECT_EQ(a[1].blob, "a3");
  EXPECT_EQ(store->batches("b", 0).size(), 5u);
}

session_info record(const std::string& id, session_status status, std::int64_t started_at_ms) {
  session_info info;
  info.session_id = id;
  info.provider = "fake";
  info.status = status;
  info.generation = 1;
  info.started_at_ms = started_at_ms;
  return info;
}

std::vector<std::string> recorded_ids(const journal::store& store) {
  std::vector<std::string> ids;
  for (const auto& info : store.sessions()) ids.push_back(info.session_id);
  return ids;  // in the order they started
}

// Four ended sessions and a live one, each with a batch of events.
std::unique_ptr<journal::store> store_of_five(const temp_dir& dir) {
  auto store = journal::store::open(dir.path());
  std::vector<session_info> records = {
    record("old", session_status::done, 10), record("live", session_status::running, 20),
    record("failed", session_status::error, 30), record("stopped", session_status::stopped, 40),
    record("new", session_status::done, 50)};
  std::vector<journal::packed_batch> batches;
  for (const auto& r : records) batches.push_back(pack(r.session_id, 1, 2, "events"));
  store->write(batches, records, {});
  return store;
}

TEST(JournalStore, ForgettingAllButTheNewestKeepsThoseAndEveryLiveSession) {
  temp_dir dir;
  auto store = store_of_five(dir);
  EXPECT_EQ(store->forget_all_but_newest(2), 2u);
  EXPECT_EQ(recorded_ids(*store), (std::vector<std::string>{"live", "stopped", "new"}));
  EXPECT_EQ(store->forget_all_but_newest(2), 0u);
  EXPECT_TRUE(store->batches("old", 0).empty());
  EXPECT_TRUE(store->batches("failed", 0).empty());
  EXPECT_EQ(store->batches("live", 0).size(), 1u);
  EXPECT_EQ(store->batches("new", 0).size(), 1u);
  EXPECT_EQ(sql_number(dir.path(), "SELECT count(*) FROM batches"), 3);
}

TEST(JournalStore, AWriteForgetsTheEndedSessionsItNamesButNotALiveOne) {
  temp_dir dir;
  auto store = store_of_five(dir);
  store->write({pack("new", 3, 3, "more")}, {}, {}, {"old", "live", "new", "unknown"});
  EXPECT_EQ(recorded_ids(*store), (std::vector<std::string>{"live", "failed", "stopped"}));
  EXPECT_TRUE(store->batches("old", 0).empty());
  EXPECT_TRUE(store->batches("new", 0).empty()) << "also what the same write added";
  EXPECT_EQ(store->batches("live", 0).size(), 1u);
  EXPECT_EQ(store->last_seq("new"), 0u);
}

TEST(JournalStore, TheEventsOfAJournalOfSchema3AreStillRead) {
  temp_dir dir;
  sql(dir.path(), R"(
CREATE TABLE sessions(
  session_id TEXT PRIMARY KEY, provider TEXT NOT NULL, status TEXT NOT NULL,
  generation INTEGER NOT NULL, pid INTEGER NOT NULL, provider_session_id TEXT NOT NULL,
  total_cost_usd REAL NOT NULL, input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL,
  started_at_ms INTEGER NOT NULL, node TEXT NOT NULL, query BLOB, owner TEXT NOT NULL DEFAULT '');
CREATE TABLE batches(
  session_id TEXT NOT NULL, first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL,
  events BLOB NOT NULL, PRIMARY KEY(session_id, first_seq)) WITHOUT ROWID;
CREATE TABLE runtimes(
  runtime_id TEXT PRIMARY KEY, pid INTEGER NOT NULL, started_at_ms INTEGER NOT NULL);
INSERT INTO batches VALUES('old', 1, 3, CAST('three events, as written' AS BLOB));
PRAGMA user_version=3;)");
  auto store = journal::store::open(dir.path());
  EXPECT_TRUE(store->warnings().empty());
  auto back = store->batches("old", 0);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].blob, "three events, as written");
  // New batches beside it are compressed.
  auto text = agent_like_text(8192);
  store->write({pack("old", 4, 9, text)}, {}, {});
  back = store->batches("old", 3);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].blob, text);
  EXPECT_GT(sql_number(dir.path(), "SELECT raw_bytes FROM batches WHERE first_seq=4"), 0);
}

// Cut short, or with a size no LZ4 block of its length can reach (which must not be allocated).
TEST(JournalStore, ABatchThatNoLongerDecompressesIsReportedNotMisread) {
  for (const char* damage : {"UPDATE batches SET events=substr(events, 1, length(events) / 2)",
                             "UPDATE batches SET raw_bytes=1099511627776"}) {
    temp_dir dir;
    auto store = journal::store::open(dir.path());
    store->write({pack("s", 1, 5, agent_like_text(8192))}, {}, {});
    sql(dir.path(), damage);
    try {
      store->batches("s", 0);
      ADD_FAILURE() << "a damaged batch was read: " << damage;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string{e.what()}.find("events 1 of s are damaged"), std::string::npos)
        << damage << ": " << e.what();
    }
  }
}

}  // namespace
}  // namespace agentrt::test
