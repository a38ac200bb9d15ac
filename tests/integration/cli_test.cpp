// The agentrt executable as a user runs it: a real process, its output, its exit status, and what
// happens to its agents when it is killed.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "support/cli_process.hpp"
#include "support/processes.hpp"
#include "support/shared_dir.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

using agentrt::test::cli_process;

TEST(Cli, RunPrintsNormalizedNdjsonAndExitsZeroWhenDone) {
  cli_process cli{{"run", "--json", "--provider-config", R"({"transcript":"tool"})", "list"}};
  std::vector<json> events;
  for (std::string line; cli.read_line(line);) events.push_back(json::parse(line));
  EXPECT_EQ(cli.wait_exit(), 0);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back()["kind"], "status");
  EXPECT_EQ(events.back()["status"], "done");
  int messages = 0;
  for (const auto& e : events) messages += e["kind"] == "message";
  EXPECT_EQ(messages, 7);
}

TEST(Cli, RunExitsNonZeroWhenASessionFails) {
  cli_process cli{
    {"run", "--max-retries", "0", "--provider-config", R"({"transcript":"error"})", "x"}};
  std::string all;
  for (std::string line; cli.read_line(line);) all += line;
  EXPECT_EQ(cli.wait_exit(), 1);
  EXPECT_NE(all.find("status error (exit 1): API Error: 429"), std::string::npos) << all;
}

TEST(Cli, TheWatchdogFlagsEndAHungAgent) {
  cli_process cli{{"run", "--json", "--provider-config", R"({"misbehave":"hang"})",
                   "--stall-timeout", "1", "--on-stall", "stop", "x"}};
  std::vector<std::string> statuses;
  for (std::string line; cli.read_line(line);) {
    auto event = json::parse(line);
    if (event["kind"] == "status") statuses.push_back(event["status"]);
    if (event["kind"] == "status" && event["status"] == "error") {
      EXPECT_EQ(event["error"].get<std::string>().rfind("stalled: no output for", 0), 0u) << line;
    }
  }
  EXPECT_EQ(cli.wait_exit(), 1);
  EXPECT_EQ(statuses, (std::vector<std::string>{"starting", "running", "stalled", "error"}));
}

TEST(Cli, DemoRunsAndEveryDemoSessionEndsAsExpected) {
  cli_process cli{{"demo"}};
  std::string all;
  for (std::string line; cli.read_line(line);) all += line;
  EXPECT_EQ(cli.wait_exit(), 0) << all;
  EXPECT_NE(all.find("demo: every session ended as expected"), std::string::npos) << all;
}

TEST(Cli, SigkillOfTheRuntimeLeavesNoAgentProcessAlive) {
  cli_process cli{{"run", "--provider-config", R"({"misbehave":["hang","fork-grandchild"]})", "x"}};
  pid_t pid = 0, grandchild = 0;
  for (std::string line; cli.read_line(line);)
    if (agentrt::test::parse_fake_pids(line, pid, grandchild)) break;
  ASSERT_GT(pid, 0);
  ASSERT_FALSE(agentrt::test::process_gone(pid));
  ASSERT_FALSE(agentrt::test::process_gone(grandchild));
  kill(cli.pid, SIGKILL);
  cli.wait_exit();
  EXPECT_TRUE(agentrt::test::wait_gone(pid, 2s)) << "the agent outlived the runtime";
  EXPECT_TRUE(agentrt::test::wait_gone(grandchild, 2s)) << "the grandchild outlived the runtime";
}

TEST(Cli, SigtermStopsTheSessionsAndExits) {
  cli_process cli{{"run", "--provider-config", R"({"misbehave":"hang"})", "x"}};
  std::string line;
  while (cli.read_line(line) && line.find("init") == std::string::npos) {
  }
  kill(cli.pid, SIGTERM);
  std::string all;
  while (cli.read_line(line)) all += line;
  EXPECT_EQ(cli.wait_exit(), 1);
  EXPECT_NE(all.find("status stopped"), std::string::npos) << all;
}

TEST(Cli, ParseNormalizesEveryRealCaptureAndExitsZero) {
  AGENTRT_REQUIRE_SHARED();
  for (const char* provider : {"claude", "codex", "gemini"}) {
    for (const auto& file : agentrt::test::captures(provider)) {
      SCOPED_TRACE(file.filename().string());
      cli_process cli{{"parse", "--provider", provider, "--session-id", "p1", file.string()}};
      std::size_t lines = 0;
      for (std::string line; cli.read_line(line); ++lines) {
        auto m = json::parse(line);
        EXPECT_EQ(m["kind"], "message");
        EXPECT_EQ(m["sessionId"], "p1");
        EXPECT_EQ(m["seq"], lines + 1);
        EXPECT_NE(m["type"], "unknown");
      }
      EXPECT_GT(lines, 0u);
      EXPECT_EQ(cli.wait_exit(), 0);
    }
  }
}

TEST(Cli, ParseTurnsInvalidLinesIntoErrorsAndCarriesOn) {
  char path[] = "/tmp/agentrt-parse-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  std::string text =
    "{\"type\":\"system\",\"subtype\":\"init\",\"uuid\":\"u\"}\r\nnot json\n\n"
    "{\"type\":\"result\",\"total_cost_usd\":0.5}";  // CRLF, garbage, blank, no final newline
  ASSERT_EQ(write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  close(fd);
  cli_process cli{{"parse", path}};
  std::vector<json> out;
  for (std::string line; cli.read_line(line);) out.push_back(json::parse(line));
  EXPECT_EQ(cli.wait_exit(), 0);
  unlink(path);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0]["type"], "init");
  EXPECT_EQ(out[1]["type"], "error");
  EXPECT_EQ(out[1]["content"]["message"], "invalid JSON from the agent");
  EXPECT_EQ(out[2]["type"], "cost");
}

TEST(Cli, ParseRejectsAnUnknownProvider) {
  cli_process cli{{"parse", "--provider", "nosuch", "-"}};
  EXPECT_EQ(cli.wait_exit(), 2);
}

}  // namespace

namespace {

// On a terminal (a pty from script(1)), several sessions show as a table redrawn in place.
TEST(Cli, SeveralSessionsOnATerminalShowALiveTable) {
  std::string cmd =
    std::string{"script -qec \""} + AGENTRT_CLI_PATH +
    " run --session-id run --sessions 3 --provider-config '{\\\"delayMs\\\":150}' hi\" "
    "/dev/null";
  FILE* out = popen(cmd.c_str(), "r");
  ASSERT_NE(out, nullptr);
  std::string all;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, out)) all.append(buf, n);
  int status = pclose(out);
  EXPECT_EQ(WEXITSTATUS(status), 0) << all;
  EXPECT_NE(all.find("SESSION"), std::string::npos) << all;
  EXPECT_NE(all.find("\x1b[1A\x1b[2K"), std::string::npos) << "redrawn in place";
  auto final_table = all.substr(all.rfind("SESSION"));
  for (const char* id : {"run-1", "run-2", "run-3"}) {
    auto row = final_table.substr(final_table.find(id));
    row = row.substr(0, row.find('\n'));
    EXPECT_NE(row.find("done"), std::string::npos) << row;
  }
  auto total = final_table.substr(final_table.find("TOTAL"));
  total = total.substr(0, total.find('\n'));
  EXPECT_NE(total.find("360        114     0.0063"), std::string::npos) << "the runtime's totals";
}

TEST(Cli, SeveralSessionsThroughAPipeArePlainLines) {
  cli_process cli{{"run", "--session-id", "run", "--sessions", "2", "hi"}};
  std::string all;
  for (std::string line; cli.read_line(line);) all += line;
  EXPECT_EQ(cli.wait_exit(), 0);
  EXPECT_EQ(all.find("\x1b["), std::string::npos);
  EXPECT_NE(all.find("[run-2] status done"), std::string::npos) << all;
}

// Separate invocations are separate sessions of the journal, listed oldest first.
TEST(Cli, EachRunIsANewSessionAndListShowsThemAll) {
  agentrt::test::temp_dir home;
  agentrt::test::cli_options opts;
  opts.state_home = home.path();
  auto run_to_end = [&](std::vector<std::string> args) {
    cli_process run{std::move(args), opts};
    for (std::string line; run.read_line(line);) {
    }
    return run.wait_exit();
  };
  EXPECT_EQ(run_to_end({"run", "hi"}), 0);
  EXPECT_EQ(run_to_end({"run", "hi"}), 0);
  EXPECT_EQ(run_to_end({"run", "--session-id", "mine", "hi"}), 0);
  cli_process list{{"list", "--json"}, opts};
  std::string line;
  ASSERT_TRUE(list.read_line(line));
  auto rows = json::parse(line)["sessions"];
  ASSERT_EQ(rows.size(), 3u) << line;
  EXPECT_NE(rows[0]["sessionId"], rows[1]["sessionId"]);
  EXPECT_EQ(rows[0]["sessionId"].get<std::string>().rfind("run-", 0), 0u);
  EXPECT_EQ(rows[2]["sessionId"], "mine");
  for (std::size_t i = 1; i < rows.size(); ++i)
    EXPECT_LE(rows[i - 1]["startedAt"], rows[i]["startedAt"]);
  cli_process table{{"list"}, opts};
  ASSERT_TRUE(table.read_line(line));
  EXPECT_NE(line.find("STARTED"), std::string::npos) << line;
}

TEST(Cli, VersionFlagAndRunHelpNameEveryProvider) {
  cli_process version{{"--version"}};
  std::string line;
  ASSERT_TRUE(version.read_line(line));
  EXPECT_EQ(line.rfind("agentrt ", 0), 0u) << line;
  EXPECT_EQ(version.wait_exit(), 0);
  cli_process help{{"run", "--help"}};
  std::string all;
  while (help.read_line(line)) all += line;
  for (const char* p : {"claude", "codex", "gemini", "aider", "ollama", "fake"})
    EXPECT_NE(all.find(p), std::string::npos) << p;
  EXPECT_NE(all.find("--permission-mode"), std::string::npos);
  EXPECT_NE(all.find("--session-id"), std::string::npos);
}

// The CLI has one prompt per session: an interactive agent is told so once its turn is idle.
TEST(Cli, AnInteractiveRunEndsOnceItsTurnIsIdle) {
  cli_process cli{{"run", "--provider-config", R"({"interactive":true})", "hi"}};
  std::string all;
  for (std::string line; cli.read_line(line);) all += line;
  EXPECT_EQ(cli.wait_exit(), 0) << all;
  EXPECT_NE(all.find("status idle"), std::string::npos) << all;
  EXPECT_NE(all.find("status done (exit 0)"), std::string::npos) << all;
}

}  // namespace
