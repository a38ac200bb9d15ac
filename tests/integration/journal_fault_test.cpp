// The journal under faults, through `agentrt sidecar` and `agentrt list`: a full disk, a damaged
// file, a read-only filesystem. The filesystems are small tmpfs mounts, made when the test runs
// as root (skipped otherwise).

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "support/cli_process.hpp"
#include "support/sidecar_client.hpp"
#include "support/temp_dir.hpp"

namespace agentrt::test {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

// A tmpfs of `size` mounted on a fresh directory for the test's life.
struct small_fs {
  explicit small_fs(const std::string& size) {
    mounted = mount("tmpfs", dir.path().c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0;
  }
  ~small_fs() {
    if (mounted) umount2(dir.path().c_str(), MNT_DETACH);
  }
  bool remount(const std::string& options) {
    return mount("tmpfs", dir.path().c_str(), "tmpfs", MS_REMOUNT | remount_flags,
                 options.c_str()) == 0;
  }
  temp_dir dir;
  bool mounted = false;
  unsigned long remount_flags = 0;
};

#define REQUIRE_ROOT_FOR_MOUNTS()                                             \
  do {                                                                        \
    if (geteuid() != 0) GTEST_SKIP() << "needs root, to mount a small tmpfs"; \
  } while (0)

cli_options state_in(const std::string& home) {
  cli_options o;
  o.state_home = home;
  return o;
}

json list_json(const std::string& home) {
  cli_process list{{"list", "--json"}, state_in(home)};
  std::string line;
  if (!list.read_line(line)) return json{};
  list.wait_exit();
  return json::parse(line);
}

// A disk that fills up: the host hears why, the sessions carry on, nothing is recorded that did
// not happen, and once there is room again everything waiting is written.
TEST(JournalFaults, AFullDiskIsReportedTheSessionsCarryOnAndItIsWrittenOnceThereIsRoom) {
  REQUIRE_ROOT_FOR_MOUNTS();
  small_fs fs{"256k"};
  ASSERT_TRUE(fs.mounted);
  sidecar sc{{}, state_in(fs.dir.path())};
  constexpr int n = 6;
  for (int i = 0; i < n; ++i)
    sc.send(fake_query("f" + std::to_string(i), {{"transcript", "tool"}, {"repeat", 400}}));
  std::string error;
  int stopped = 0;
  sc.until([&](const json& j) {
    if (j["type"] == "error") error = j["message"];
    if (j["type"] == "agent_stopped") {
      EXPECT_EQ(j["exitCode"], 0) << j;
      ++stopped;
    }
    return stopped == n && !error.empty();
  });
  EXPECT_NE(error.find("database or disk is full"), std::string::npos) << error;
  sc.send(json{{"type", "list"}});
  auto list = sc.until([](const json& j) { return j["type"] == "sessions"; }).back();
  EXPECT_NE(list.value("journalError", "").find("disk is full"), std::string::npos) << list;
  for (const auto& row : list["sessions"]) EXPECT_EQ(row["status"], "done") << row;

  ASSERT_TRUE(fs.remount("size=64m"));
  auto recovered = sc.until([](const json& j) { return j["type"] == "journal" && j["ok"]; });
  EXPECT_EQ(recovered.back()["droppedBatches"], 0);
  sc.proc.close_stdin();
  EXPECT_EQ(sc.proc.wait_exit(), 0);
  auto rows = list_json(fs.dir.path())["sessions"];
  ASSERT_EQ(rows.size(), static_cast<std::size_t>(n));
  for (const auto& row : rows) EXPECT_EQ(row["status"], "done") << row;
}

// Runs one session to its end with a journal in `home`.
void journal_one_session(const std::string& home, const std::string& id) {
  sidecar sc{{}, state_in(home)};
  sc.send(fake_query(id));
  sc.until([](const json& j) { return j["type"] == "agent_stopped"; });
  sc.proc.close_stdin();
  sc.proc.wait_exit();
}

void overwrite(const std::string& path, std::size_t offset, std::size_t length) {
  std::fstream f{path, std::ios::in | std::ios::out | std::ios::binary};
  f.seekp(static_cast<std::streamoff>(offset));
  std::string junk(length, '\xa5');
  f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
}

std::vector<std::string> damaged_copies(const std::string& dir) {
  std::vector<std::string> found;
  for (const auto& e : std::filesystem::directory_iterator{dir})
    if (e.path().filename().string().rfind("journal.db.damaged-", 0) == 0)
      found.push_back(e.path().string());
  return found;
}

// Garbage in the middle of the file went unnoticed: the runtime ran on a malformed database.
TEST(JournalFaults, ADamagedFileIsMovedAsideAndANewJournalBegun) {
  for (std::size_t offset : {std::size_t{0}, std::size_t{4096}}) {  // the header; a table's page
    SCOPED_TRACE(offset == 0 ? "header" : "page 2");
    temp_dir home;
    std::string dir = home.path() + "/agentrt";
    journal_one_session(home.path(), "before");
    ASSERT_EQ(list_json(home.path())["sessions"].size(), 1u);
    overwrite(dir + "/journal.db", offset, 4096);
    sidecar sc{{}, state_in(home.path())};
    auto said = sc.next();  // right after ready
    EXPECT_EQ(said["type"], "error");
    EXPECT_NE(said.value("message", "").find("was damaged"), std::string::npos) << said;
    sc.send(json{{"type", "list"}});
    auto list = sc.until([](const json& j) { return j["type"] == "sessions"; }).back();
    EXPECT_TRUE(list["sessions"].empty()) << "a new journal";
    EXPECT_EQ(damaged_copies(dir).size(), 1u) << "the damaged one is kept, aside";
    sc.send(fake_query("after"));
    sc.until([](const json& j) { return j["type"] == "agent_stopped"; });
    sc.proc.close_stdin();
    sc.proc.wait_exit();
    EXPECT_EQ(list_json(home.path())["sessions"].size(), 1u) << "the new journal works";
  }
}

// `agentrt list` only reads: a read-only filesystem must not stop it.
TEST(JournalFaults, ListReadsAJournalOnAReadOnlyFilesystem) {
  REQUIRE_ROOT_FOR_MOUNTS();
  small_fs fs{"16m"};
  ASSERT_TRUE(fs.mounted);
  journal_one_session(fs.dir.path(), "ro");
  fs.remount_flags = MS_RDONLY;
  ASSERT_TRUE(fs.remount("size=16m"));
  auto rows = list_json(fs.dir.path())["sessions"];
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["sessionId"], "ro");
  EXPECT_EQ(rows[0]["status"], "done");
}

}  // namespace
}  // namespace agentrt::test
