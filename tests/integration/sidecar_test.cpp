// `agentrt sidecar` as the desktop UI runs it: a child process spoken to on stdin and stdout.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "support/cli_process.hpp"
#include "support/processes.hpp"
#include "support/sidecar_client.hpp"
#include "support/temp_dir.hpp"

namespace {

using agentrt::test::cli_options;
using agentrt::test::cli_process;
using agentrt::test::fake_query;
using agentrt::test::sidecar;
using json = nlohmann::json;
using namespace std::chrono_literals;

// The pids of a hanging fake agent and of the grandchild it forks (`mode`: fork-grandchild, or
// escape-grandchild, which leaves the agent's process group and session).
struct agent_pids {
  pid_t agent = 0, grandchild = 0;
};

agent_pids start_with_grandchild(sidecar& sc, const std::string& id,
                                 const std::string& mode = "fork-grandchild") {
  sc.send(fake_query(id, {{"misbehave", json::array({"hang", mode})}}));
  agent_pids p;
  sc.until([&](const json& j) {
    if (j["type"] == "agent_log")
      agentrt::test::parse_fake_pids(j["message"], p.agent, p.grandchild);
    return p.grandchild > 0;
  });
  return p;
}

TEST(Sidecar, EveryAgentEventComesBeforeItsSessionsAgentStopped) {
  sidecar sc;
  constexpr int n = 300;  // every line of every session is parsed: a mixed line would fail
  for (int i = 0; i < n; ++i) sc.send(fake_query("s" + std::to_string(i), {{"repeat", 20}}));
  std::set<std::string> stopped;
  std::map<std::string, int> events;
  int late = 0;
  sc.until([&](const json& j) {
    std::string id = j.value("sessionId", "");
    if (j["type"] == "agent_event") {
      ++events[id];
      if (stopped.count(id)) ++late;
    }
    if (j["type"] == "agent_stopped") {
      EXPECT_EQ(j["exitCode"], 0);
      EXPECT_TRUE(j["signal"].is_null());
      stopped.insert(id);
    }
    return stopped.size() == n;
  });
  EXPECT_EQ(late, 0);
  ASSERT_EQ(events.size(), static_cast<std::size_t>(n));
  for (const auto& [id, count] : events) EXPECT_EQ(count, 22) << id;  // init, 20, result
  sc.proc.close_stdin();
  EXPECT_EQ(sc.next()["type"], "<eof>");
  EXPECT_EQ(sc.proc.wait_exit(), 0);
}

TEST(Sidecar, PingIsAnsweredWhileHundredsOfQueriesAreBeingStarted) {
  sidecar sc;
  constexpr int n = 300;
  std::string burst;
  for (int i = 0; i < n; ++i)
    burst += fake_query("q" + std::to_string(i), {{"misbehave", "hang"}}).dump() + "\n";
  burst += R"({"type":"ping"})"
           "\n";
  sc.proc.write(burst);
  int started = 0;
  auto lines = sc.until([&](const json& j) {
    started += j["type"] == "agent_started";
    return j["type"] == "pong" || started == n;
  });
  // The seed spawned every query before serving anything else; here spawns run on their own
  // thread, so the pong does not wait for them.
  EXPECT_EQ(lines.back()["type"], "pong");
  EXPECT_LT(started, n);
  sc.proc.close_stdin();
  int stopped = 0;
  sc.until([&](const json& j) {
    stopped += j["type"] == "agent_stopped";
    return j["type"] == "<eof>";
  });
  EXPECT_EQ(stopped, n);
  EXPECT_EQ(sc.proc.wait_exit(), 0);
}

// SIGKILLs the sidecar while an agent and its grandchild (`mode`) run: neither may survive.
void sigkill_of_the_sidecar_leaves_nothing(const std::string& mode,
                                           std::chrono::milliseconds grandchild_within) {
  sidecar sc;
  auto [pid, grandchild] = start_with_grandchild(sc, "k", mode);
  kill(sc.proc.pid, SIGKILL);
  sc.proc.wait_exit();
  EXPECT_TRUE(agentrt::test::wait_gone(pid, 2s));
  EXPECT_TRUE(agentrt::test::wait_gone(grandchild, grandchild_within));
}

TEST(Sidecar, SigkillOfTheSidecarLeavesNoAgentAlive) {
  sigkill_of_the_sidecar_leaves_nothing("fork-grandchild", 2s);
}

TEST(Sidecar, BadLinesGetAnErrorAndTheOtherSessionsCarryOn) {
  sidecar sc;
  sc.send(fake_query("good", {{"delayMs", 50}, {"repeat", 5}}));
  sc.send_raw("this is not json");
  sc.send_raw(R"({"type":"frobnicate"})");
  sc.send_raw(R"({"type":"query","prompt":"no id"})");
  sc.send_raw(R"({"type":"query","sessionId":"x","prompt":"p","maxTurns":"ten"})");
  sc.send(json{{"type", "stop"}, {"sessionId", "nobody"}});
  sc.send(fake_query("good"));
  std::vector<std::string> errors;
  auto lines = sc.until([&](const json& j) {
    if (j["type"] == "error") errors.push_back(j["message"]);
    return j["type"] == "agent_stopped";
  });
  EXPECT_EQ(errors, (std::vector<std::string>{
                      "Invalid JSON: this is not json", "Unknown message type: frobnicate",
                      "query: sessionId is required", "query: maxTurns must be a number",
                      "Session not found", "Session already running"}));
  EXPECT_EQ(lines.back()["sessionId"], "good");
  EXPECT_EQ(lines.back()["exitCode"], 0);
}

TEST(Sidecar, MissingBinaryIsAnAgentErrorForThatSessionOnly) {
  sidecar sc;
  sc.send(json{{"type", "query"},
               {"sessionId", "nocodex"},
               {"prompt", "p"},
               {"provider", "codex"},
               {"extraEnv", json::object()},
               {"cwd", "/nonexistent/dir"}});
  sc.send(fake_query("fine"));
  std::map<std::string, json> ends;
  sc.until([&](const json& j) {
    if (j["type"] == "agent_error" || j["type"] == "agent_stopped") ends[j["sessionId"]] = j;
    return ends.size() == 2;
  });
  EXPECT_EQ(ends["nocodex"]["type"], "agent_error");
  EXPECT_FALSE(ends["nocodex"]["message"].get<std::string>().empty());
  EXPECT_EQ(ends["fine"]["type"], "agent_stopped");
}

TEST(Sidecar, TooManyOpenFilesFailsSomeSessionsAndTheRestCarryOn) {
  sidecar sc{{}, cli_options{false, 64, {}}};
  constexpr int n = 40;
  for (int i = 0; i < n; ++i) sc.send(fake_query("h" + std::to_string(i), {{"misbehave", "hang"}}));
  int emfile = 0, started = 0;
  sc.until([&](const json& j) {
    if (j["type"] == "agent_error")
      emfile += j["message"].get<std::string>().find("EMFILE") != std::string::npos;
    if (j["type"] == "agent_started") ++started;
    return emfile + started == n;
  });
  EXPECT_GT(emfile, 0);
  EXPECT_GT(started, 0);
  sc.send(json{{"type", "ping"}});
  auto after = sc.until([](const json& j) { return j["type"] == "pong"; });
  EXPECT_EQ(after.back()["type"], "pong") << "the runtime is alive";
  sc.proc.close_stdin();  // stop every session, deliver their last events, exit 0
  int stopped = 0;
  sc.until([&](const json& j) {
    stopped += j["type"] == "agent_stopped";
    return j["type"] == "<eof>";
  });
  EXPECT_EQ(stopped, started);
  EXPECT_EQ(sc.proc.wait_exit(), 0);
}

// Ends the sidecar's input: closes its stdin, or sends it a signal.
void ends_every_session_on(int sig) {
  sidecar sc;
  sc.send(fake_query("a", {{"misbehave", json::array({"hang", "fork-grandchild"})}}));
  sc.send(fake_query("b", {{"misbehave", "hang"}}));
  pid_t pid = 0, grandchild = 0;
  int started = 0;
  sc.until([&](const json& j) {
    if (j["type"] == "agent_log") agentrt::test::parse_fake_pids(j["message"], pid, grandchild);
    started += j["type"] == "agent_started";
    return started == 2 && grandchild > 0;
  });
  if (sig != 0)
    kill(sc.proc.pid, sig);
  else
    sc.proc.close_stdin();
  std::set<std::string> stopped;
  sc.until([&](const json& j) {
    if (j["type"] == "agent_stopped") {
      stopped.insert(j["sessionId"]);
      EXPECT_EQ(j["signal"], "SIGTERM");
    }
    return j["type"] == "<eof>";
  });
  EXPECT_EQ(stopped, (std::set<std::string>{"a", "b"}));
  EXPECT_EQ(sc.proc.wait_exit(), 0);
  EXPECT_TRUE(agentrt::test::wait_gone(pid, 1s));
  EXPECT_TRUE(agentrt::test::wait_gone(grandchild, 1s));
}

TEST(Sidecar, StdinEofStopsEverySessionDeliversTheirLastEventsAndExitsZero) {
  ends_every_session_on(0);
}

TEST(Sidecar, SigtermDoesTheSame) {
  ends_every_session_on(SIGTERM);
}

// A closed terminal (SIGHUP), Ctrl-\\ (SIGQUIT) and Ctrl-C end it the same way, with the grace and
// the last events: they used to kill it at once.
TEST(Sidecar, SighupSigquitAndSigintDoTheSame) {
  for (int sig : {SIGHUP, SIGQUIT, SIGINT}) {
    SCOPED_TRACE(strsignal(sig));
    ends_every_session_on(sig);
  }
}

TEST(Sidecar, Sigusr1AndSigusr2AreIgnored) {
  sidecar sc;
  sc.send(fake_query("u", {{"misbehave", "hang"}}));
  sc.until([](const json& j) { return j["type"] == "agent_started"; });
  kill(sc.proc.pid, SIGUSR1);
  kill(sc.proc.pid, SIGUSR2);
  sc.send(json{{"type", "ping"}});
  EXPECT_EQ(sc.until([](const json& j) { return j["type"] == "pong"; }).back()["type"], "pong");
  sc.proc.close_stdin();
  auto last = sc.until([](const json& j) { return j["type"] == "agent_stopped"; });
  EXPECT_EQ(last.back()["sessionId"], "u");
  EXPECT_EQ(sc.proc.wait_exit(), 0);
}

// A host that closes the sidecar's stdout is gone: its agents are stopped and the sidecar ends,
// without waiting for stdin to close.
TEST(Sidecar, AClosedStdoutStopsEverySessionAndEndsTheSidecar) {
  sidecar sc;
  auto [pid, grandchild] = start_with_grandchild(sc, "o");
  sc.proc.close_stdout();
  EXPECT_EQ(sc.proc.wait_exit(), 1);  // stdin is still open
  EXPECT_TRUE(agentrt::test::wait_gone(pid, 1s));
  EXPECT_TRUE(agentrt::test::wait_gone(grandchild, 1s));
}

// A tool that daemonizes (setsid) leaves the agent's process group; the agent's cgroup still
// holds it, so a stop ends it too.
TEST(Sidecar, ADescendantThatCalledSetsidDiesWithTheStop) {
  sidecar sc;
  auto [pid, escaped] = start_with_grandchild(sc, "e", "escape-grandchild");
  ASSERT_NE(getsid(escaped), getsid(pid)) << "the grandchild left the agent's session";
  sc.send(json{{"type", "stop"}, {"sessionId", "e"}});
  sc.until([](const json& j) { return j["type"] == "agent_stopped"; });
  EXPECT_TRUE(agentrt::test::wait_gone(pid, 1s));
  EXPECT_TRUE(agentrt::test::wait_gone(escaped, 2s));
}

TEST(Sidecar, ADescendantThatCalledSetsidDiesWithASigkilledSidecar) {
  sigkill_of_the_sidecar_leaves_nothing("escape-grandchild", 3s);
}

// providerConfig nested 60k levels (a 120 KB line) overflowed the writer's stack: every session
// died. It is an error line now, and the rest carries on.
TEST(Sidecar, ALineNestedTooDeepIsAnErrorAndTheRestCarriesOn) {
  sidecar sc;
  sc.send(fake_query("alive", {{"misbehave", "hang"}}));
  sc.until([](const json& j) { return j["type"] == "agent_started"; });
  std::string deep = std::string(60000, '[') + std::string(60000, ']');
  sc.send_raw(R"({"type":"query","sessionId":"deep","prompt":"p","provider":"fake",)"
              R"("providerConfig":{"a":)" +
              deep + "}}");
  auto error = sc.until([](const json& j) { return j["type"] == "error"; }).back();
  EXPECT_EQ(error["message"], "Invalid message: nested deeper than 1024 levels");
  sc.send(json{{"type", "list"}});
  auto list = sc.until([](const json& j) { return j["type"] == "sessions"; }).back();
  ASSERT_EQ(list["sessions"].size(), 1u);
  EXPECT_EQ(list["sessions"][0]["status"], "running");
}

// A 200 MB line took 42 s and 621 MB (the reader rescanned its buffer on every read). It is read
// in one pass now, at most the limit is held, and the line after it is served.
TEST(Sidecar, A200MegabyteLineIsRefusedInBoundedMemoryAndTheNextLineIsRead) {
  sidecar sc;
  sc.send(json{{"type", "ping"}});
  sc.until([](const json& j) { return j["type"] == "pong"; });
  // The peak before, as a baseline: under ASan the runtime alone is 150 MB.
  auto before = agentrt::test::status_kib(sc.proc.pid, "VmHWM");
  std::thread writer{[&] {
    std::string chunk(1 << 20, 'x');
    chunk.replace(0, 9, "{\"type\":\"");
    sc.proc.write(chunk);
    chunk.assign(1 << 20, 'x');
    for (int i = 1; i < 200; ++i) sc.proc.write(chunk);
    sc.proc.write("\n{\"type\":\"ping\"}\n");
  }};
  auto lines = sc.until([](const json& j) { return j["type"] == "pong"; });
  writer.join();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["type"], "error");
  EXPECT_EQ(lines[0]["message"], "Line too long: 209715200 bytes (the limit is 10485760)");
  // At most the 10 MiB limit is held (with the string's growth on the way: 32 MB of peak under
  // ASan, 82 MB under TSan's shadow memory); the line is 200 MiB.
  EXPECT_LT(agentrt::test::status_kib(sc.proc.pid, "VmHWM"), before + 150u * 1024)
    << "KiB at the peak: the line was held in memory";
}

// The query's extraEnv reaches the agent, but cannot choose its program or load code into it.
TEST(Sidecar, ExtraEnvCannotPickTheBinaryNorSetTheLoadersVariables) {
  agentrt::test::temp_dir bin;
  std::string marker = bin.path() + "/ran";
  {
    std::ofstream script{bin.path() + "/claude"};
    script << "#!/bin/sh\ntouch " << marker << "\n";
  }
  chmod((bin.path() + "/claude").c_str(), 0755);
  sidecar sc;
  sc.send(json{{"type", "query"},
               {"sessionId", "path"},
               {"prompt", "p"},
               {"extraEnv", {{"PATH", bin.path() + ":/usr/bin:/bin"}}}});
  sc.until(
    [](const json& j) { return j["type"] == "agent_error" || j["type"] == "agent_stopped"; });
  EXPECT_FALSE(std::filesystem::exists(marker)) << "the query's PATH chose the binary";
  for (const char* name : {"LD_PRELOAD", "LD_LIBRARY_PATH", "LD_AUDIT", "GCONV_PATH"}) {
    json q = fake_query(std::string{"ld-"} + name);
    q["extraEnv"] = {{name, "/tmp/evil.so"}};
    sc.send(q);
    auto error = sc.until([](const json& j) { return j["type"] == "error"; }).back();
    EXPECT_EQ(error["message"], std::string{"query: extraEnv may not set "} + name +
                                  " (it would load code into the agent)");
  }
}

// ulimit -u counts threads: at 6-7 the runtime aborted inside CAF, at 8-9 it hung before `ready`.
TEST(Sidecar, AProcessLimitTooLowIsAClearErrorAtStart) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "the sanitizer's runtime starts threads of its own, and fails first";
#endif
  if (auto why = agentrt::test::cannot_run_as(64999); !why.empty()) GTEST_SKIP() << why;
  agentrt::test::temp_dir home;
  chmod(home.path().c_str(), 0777);
  for (int limit : {6, 8, 9}) {
    std::string out = home.path() + "/out";
    std::string command =
      "cd / && echo '{\"type\":\"ping\"}' | XDG_STATE_HOME=" + home.path() +
      // A uid of its own: the limit counts every process of the user, and other tests run as
      // nobody beside this one.
      " setpriv --reuid=64999 --regid=64999 --clear-groups bash -c 'ulimit -u " +
      std::to_string(limit) + " && exec " + AGENTRT_CLI_PATH + " sidecar --no-journal' >" + out +
      " 2>/dev/null";
    int status = std::system(command.c_str());
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 2) << "ulimit -u " << limit;
    std::ifstream in{out};
    std::string line;
    ASSERT_TRUE(std::getline(in, line)) << "ulimit -u " << limit;
    json j = json::parse(line);
    EXPECT_EQ(j["type"], "error");
    EXPECT_NE(j["message"].get<std::string>().find("the process limit (ulimit -u: " +
                                                   std::to_string(limit)),
              std::string::npos)
      << j["message"];
  }
}

// A cwd the user cannot enter was reported as "cannot start .../claude: Permission denied".
TEST(Sidecar, ACwdTheUserCannotEnterIsNamed) {
  if (auto why = agentrt::test::cannot_run_as(65534); !why.empty()) GTEST_SKIP() << why;
  agentrt::test::temp_dir home, closed;
  chmod(home.path().c_str(), 0777);
  chmod(closed.path().c_str(), 0700);  // root's: nobody may not enter it
  std::string in = home.path() + "/in", out = home.path() + "/out";
  {
    json q = fake_query("cwd");
    q["cwd"] = closed.path();
    std::ofstream{in} << q.dump() << "\n";
  }
  std::string command = "cd / && XDG_STATE_HOME=" + home.path() +
                        " setpriv --reuid=nobody --regid=nogroup --clear-groups " +
                        AGENTRT_CLI_PATH + " sidecar --no-journal <" + in + " >" + out +
                        " 2>/dev/null";
  ASSERT_EQ(std::system(command.c_str()), 0);
  std::ifstream lines{out};
  std::string error;
  for (std::string line; std::getline(lines, line);)
    if (auto j = json::parse(line); j["type"] == "agent_error") error = j["message"];
  EXPECT_EQ(error, "working directory " + closed.path() + ": Permission denied (cannot enter it)");
}

// A runtime that cannot start (its journal's directory cannot be made) says so on stdout, where
// the host reads, before it exits.
TEST(Sidecar, ARuntimeThatCannotStartWritesAnErrorLineFirst) {
  agentrt::test::temp_dir state;
  std::string file = state.path() + "/a-file";
  std::ofstream{file} << "not a directory";
  cli_process sc{{"sidecar", "--state-dir", file + "/journal"}, sidecar::with_stdin({})};
  std::string line;
  ASSERT_TRUE(sc.read_line(line));
  json j = json::parse(line);
  EXPECT_EQ(j["type"], "error");
  EXPECT_NE(j["message"].get<std::string>().find("the runtime cannot start: journal: cannot "
                                                 "create"),
            std::string::npos)
    << j["message"];
  EXPECT_EQ(sc.wait_exit(), 2);
}

// Two sidecars on one state directory (the desktop app's and a CLI's, say): one is killed; the
// next runtime marks its live session interrupted and leaves the other's running.
TEST(Sidecar, RuntimesShareAStateDirectoryAndOnlyADeadOnesSessionsAreInterrupted) {
  agentrt::test::temp_dir state;
  cli_options with_state;
  with_state.state_home = state.path();
  sidecar alive{{}, with_state}, doomed{{}, with_state};
  alive.send(fake_query("kept", {{"misbehave", "hang"}}));
  doomed.send(fake_query("lost", {{"misbehave", "hang"}}));
  alive.until([](const json& j) { return j["type"] == "agent_event"; });
  doomed.until([](const json& j) { return j["type"] == "agent_event"; });
  std::this_thread::sleep_for(300ms);  // both records are written (every 50 ms)
  kill(doomed.proc.pid, SIGKILL);
  doomed.proc.wait_exit();
  sidecar third{{}, with_state};  // sweeps the dead runtime's sessions at its start
  cli_process list{{"list", "--json"}, with_state};
  std::string line;
  ASSERT_TRUE(list.read_line(line));
  std::map<std::string, json> rows;
  json listed = json::parse(line);
  for (const auto& row : listed["sessions"]) rows[row["sessionId"].get<std::string>()] = row;
  EXPECT_EQ(rows["lost"]["status"], "interrupted");
  EXPECT_EQ(rows["kept"]["status"], "running");
  EXPECT_EQ(rows["kept"]["ownerPid"], alive.proc.pid);
  third.send({{"type", "resume"}, {"sessionId", "kept"}, {"id", 1}});
  auto refused = third.until([](const json& j) { return j.contains("id"); }).back();
  EXPECT_NE(refused["message"].get<std::string>().find("is live in another agentrt (pid " +
                                                       std::to_string(alive.proc.pid) + ")"),
            std::string::npos)
    << refused.dump();
  alive.send({{"type", "stop"}, {"sessionId", "kept"}});
  alive.until([](const json& j) { return j["type"] == "agent_stopped"; });
}

TEST(Sidecar, NormalizedOutputPerQueryAndListAndPrompt) {
  sidecar sc;
  json q = fake_query("n", {{"transcript", "tool"}});
  q["normalized"] = true;
  sc.send(q);
  sc.send(fake_query("raw"));
  std::map<std::string, int> messages;
  int stopped = 0;
  std::vector<std::string> statuses;
  sc.until([&](const json& j) {
    if (j["type"] == "agent_message") ++messages[j["sessionId"]];
    if (j["type"] == "status") statuses.push_back(j["status"]);
    stopped += j["type"] == "agent_stopped";
    return stopped == 2;
  });
  EXPECT_EQ(messages["n"], 7);
  EXPECT_EQ(messages.count("raw"), 0u);
  EXPECT_EQ(statuses.back(), "done");
  sc.send(json{{"type", "list"}});
  auto list = sc.until([](const json& j) { return j["type"] == "sessions"; }).back();
  EXPECT_EQ(list["sessions"].size(), 2u);
  sc.send(json{{"type", "prompt"}, {"sessionId", "raw"}, {"prompt", "again"}});
  auto second = sc.until([](const json& j) { return j["type"] == "agent_stopped"; });
  EXPECT_EQ(second.back()["sessionId"], "raw");
}

TEST(Sidecar, TotalsOnRequestAndLiveWithTheOption) {
  sidecar sc;
  sc.send(json{{"type", "options"}, {"totals", true}});
  auto first = sc.until([](const json& j) { return j["type"] == "totals"; }).back();
  EXPECT_EQ(first["totalCostUsd"], 0.0);
  EXPECT_FALSE(first.contains("budgetUsd")) << "no global budget";
  sc.send(fake_query("t"));
  auto live =
    sc.until([](const json& j) { return j["type"] == "totals" && j["outputTokens"] == 38; }).back();
  EXPECT_DOUBLE_EQ(live["totalCostUsd"].get<double>(), 0.0021);
  EXPECT_EQ(live["inputTokens"], 120);
  sc.send(json{{"type", "totals"}});
  auto asked = sc.until([](const json& j) { return j["type"] == "totals"; }).back();
  EXPECT_EQ(asked, live);
}

}  // namespace

namespace {

json list_row(sidecar& sc, const std::string& id) {
  sc.send({{"type", "list"}});
  auto lines = sc.until([](const json& j) { return j["type"] == "sessions"; });
  for (const auto& row : lines.back()["sessions"])
    if (row["sessionId"] == id) return row;
  return json{};
}

std::string cmdline(int pid) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/cmdline"};
  std::string text{std::istreambuf_iterator<char>{in}, {}};
  std::replace(text.begin(), text.end(), '\0', ' ');
  return text;
}

}  // namespace

TEST(Sidecar, ASessionLiveWhenTheSidecarWasKilledIsListedInterruptedAndResumes) {
  agentrt::test::temp_dir state;
  cli_options with_state;
  with_state.state_home = state.path();
  std::string provider_session;
  {
    sidecar sc{{}, with_state};
    sc.send(fake_query("r", {{"misbehave", "hang"}}));
    sc.until([](const json& j) { return j["type"] == "agent_event"; });
    // The journal writes every 50 ms: the session's record (running, with the agent's own
    // session id) is on disk well before this.
    std::this_thread::sleep_for(500ms);
    provider_session = list_row(sc, "r")["providerSessionId"];
    ASSERT_FALSE(provider_session.empty());
    kill(sc.proc.pid, SIGKILL);
    sc.proc.wait_exit();
  }
  {
    cli_process list{{"list", "--json"}, with_state};
    std::string line;
    ASSERT_TRUE(list.read_line(line));
    auto rows = json::parse(line)["sessions"];
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0]["status"], "interrupted");
    EXPECT_EQ(rows[0]["providerSessionId"], provider_session);
    EXPECT_EQ(list.wait_exit(), 0);
  }
  sidecar sc{{}, with_state};
  EXPECT_EQ(list_row(sc, "r")["status"], "interrupted");
  sc.send({{"type", "resume"}, {"sessionId", "r"}, {"prompt", "go on"}});
  sc.until([](const json& j) { return j["type"] == "agent_started"; });
  auto row = list_row(sc, "r");
  EXPECT_EQ(row["generation"], 2);
  EXPECT_NE(cmdline(row["pid"]).find("--resume " + provider_session + " "), std::string::npos)
    << cmdline(row["pid"]);
  sc.send({{"type", "stop"}, {"sessionId", "r"}});
  auto lines = sc.until([](const json& j) { return j["type"] == "agent_stopped"; });
  EXPECT_EQ(lines.back()["sessionId"], "r");
  // An unknown id is an error.
  sc.send({{"type", "resume"}, {"sessionId", "nope"}});
  EXPECT_EQ(sc.until([](const json& j) { return j["type"] == "error"; }).back()["message"],
            "Session not found");
}

// --journal-keep as a host passes it: the next sidecar on the same state directory lists only the
// newest ended sessions it keeps, and a forgotten id starts anew, from its first generation.
TEST(Sidecar, JournalKeepBoundsTheEndedSessionsTheNextSidecarLists) {
  agentrt::test::temp_dir state;
  cli_options with_state;
  with_state.state_home = state.path();
  {
    sidecar sc{{"--journal-keep", "3"}, with_state};
    for (std::string id : {"a", "b", "c"}) {  // one after another: each starts later
      sc.send(fake_query(id));
      sc.until([&](const json& j) { return j["type"] == "agent_stopped" && j["sessionId"] == id; });
    }
    sc.proc.close_stdin();  // the journal is written last
    EXPECT_EQ(sc.proc.wait_exit(), 0);
  }
  sidecar sc{{"--journal-keep", "1"}, with_state};
  sc.send({{"type", "list"}});
  auto rows = sc.until([](const json& j) { return j["type"] == "sessions"; }).back()["sessions"];
  ASSERT_EQ(rows.size(), 1u) << rows.dump();
  EXPECT_EQ(rows[0]["sessionId"], "c");
  sc.send(fake_query("a"));
  sc.until([](const json& j) { return j["type"] == "agent_stopped"; });
  EXPECT_EQ(list_row(sc, "a")["generation"], 1);
}
