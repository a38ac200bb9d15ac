// Flow control from the agent to the host (docs/architecture.md): output that has not left the
// runtime holds its agent's pipe, so a host or a callback that stops taking events pauses the
// agents (they block on write, as on a terminal) instead of growing the heap; nothing is lost,
// and control still gets through.
//
// What is asserted is the mechanism: the bytes the agents managed to write while nobody read
// stay within the budget plus what the pipes themselves hold, and every line arrives afterwards.
// Memory figures are the benchmarks' (bench/run.sh), not these tests'.

#include <gtest/gtest.h>
#include <agentrt/agentrt.hpp>
#include <nlohmann/json.hpp>

#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "support/processes.hpp"
#include "support/sidecar_client.hpp"

namespace {

using agentrt::test::agents_of;
using agentrt::test::fake_query;
using agentrt::test::pipe_capacity;
using agentrt::test::sidecar;
using agentrt::test::startup_writes;
using agentrt::test::written_by;
using json = nlohmann::json;
using namespace std::chrono_literals;

// While the host reads nothing, the agents write no more than the runtime may buffer and their
// pipes hold; then the host reads again and gets every line, its pong before the backlog.
TEST(FlowControl, AHostThatStopsReadingPausesTheAgentsAndLosesNothing) {
  constexpr int n = 12;
  constexpr int repeat = 4000;  // about 1.4 MB per agent, 17 MB in all
  constexpr std::size_t budget = 1 << 20;
  sidecar sc{{"--max-buffered-mb", "1"}};
  for (int i = 0; i < n; ++i) sc.send(fake_query("s" + std::to_string(i), {{"repeat", repeat}}));

  // Nothing is read from the sidecar now. Whenever looked at, the agents wrote at most the
  // budget, what their pipes hold, and what the sidecar's stdout pipe and buffer hold.
  const std::uint64_t bound =
    budget + n * (2 * pipe_capacity + startup_writes()) + 4 * pipe_capacity;
  std::uint64_t written = 0;
  std::size_t alive = 0;
  for (auto deadline = std::chrono::steady_clock::now() + 3s;
       std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(50ms)) {
    auto agents = agents_of(sc.proc.pid);
    written = 0;
    for (pid_t p : agents) written += written_by(p);
    alive = agents.size();
    ASSERT_LE(written, bound) << alive << " agents wrote " << written << " bytes unread";
  }
  EXPECT_EQ(alive, static_cast<std::size_t>(n)) << "every agent waits on its pipe";
  EXPECT_GT(written, 0u);

  sc.send({{"type", "ping"}, {"id", "p"}});
  sc.send({{"type", "stop"}, {"sessionId", "s0"}, {"id", "st"}});
  std::map<std::string, int> events;
  std::map<std::string, json> ends;
  std::size_t bytes_before_pong = 0;
  bool pong = false;
  sc.until([&](const json& j) {
    if (!pong) bytes_before_pong += j.dump().size() + 1;
    std::string id = j.value("sessionId", "");
    if (j["type"] == "pong") pong = j["id"] == "p";
    if (j["type"] == "agent_event") ++events[id];
    if (j["type"] == "agent_stopped" || j["type"] == "agent_error") ends[id] = j;
    return ends.size() == static_cast<std::size_t>(n);
  });
  EXPECT_TRUE(pong);
  // A ping is taken before the events waiting in the runtime: only what the sidecar was writing
  // when the host stopped, and what the pipe to the host holds, come before its pong.
  EXPECT_LT(bytes_before_pong, budget / 2) << "the pong waited behind the backlog";
  EXPECT_EQ(ends["s0"]["type"], "agent_stopped") << ends["s0"];
  for (int i = 1; i < n; ++i) {
    auto id = "s" + std::to_string(i);
    EXPECT_EQ(events[id], repeat + 2) << id << ": every line arrives";
    EXPECT_EQ(ends[id]["exitCode"], 0) << ends[id];
  }
}

// An embedder's callback that does not return holds its session's output: the agent waits, and
// gets every event through once the callback goes on.
TEST(FlowControl, ACallbackThatBlocksPausesItsAgentAndLosesNothing) {
  std::mutex mutex;
  std::condition_variable go;
  bool blocked = true;
  auto unblock = [&] {
    {
      std::lock_guard<std::mutex> lock{mutex};
      blocked = false;
    }
    go.notify_all();
  };
  // Also when an assertion ends the test early: the engine's destructor waits for the callback.
  struct at_exit {
    std::function<void()> f;
    ~at_exit() { f(); }
  } unblock_at_exit{unblock};
  agentrt::engine_options opts;
  opts.binaries["fake"] = AGENTRT_FAKE_AGENT_PATH;
  opts.max_buffered_bytes = 256 * 1024;
  agentrt::engine engine{opts};
  std::atomic<int> messages{0};
  std::atomic<bool> done{false};
  agentrt::event_callbacks cb;
  cb.on_message = [&](const agentrt::agent_message&) {
    std::unique_lock<std::mutex> lock{mutex};
    go.wait(lock, [&] { return !blocked; });
    ++messages;
  };
  cb.on_status = [&](const agentrt::status_change& s) {
    if (agentrt::is_terminal(s.status)) done = true;
  };
  ASSERT_TRUE(engine.subscribe("slow", cb));
  agentrt::query_command q;
  q.session_id = "slow";
  q.provider = "fake";
  q.prompt = "p";
  q.provider_config = R"({"repeat":20000})";  // about 7 MB
  ASSERT_TRUE(engine.start(q));

  pid_t agent = 0;
  for (auto deadline = std::chrono::steady_clock::now() + 10s;
       agent == 0 && std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(10ms))
    if (auto list = engine.list(); list && !list.value.empty()) agent = list.value.front().pid;
  ASSERT_GT(agent, 0);
  const auto bound = opts.max_buffered_bytes + 2 * pipe_capacity + startup_writes();
  for (int i = 0; i < 30; ++i) {
    std::this_thread::sleep_for(50ms);
    ASSERT_LE(written_by(agent), bound)
      << "the agent writes on while its events wait for the callback";
  }
  EXPECT_FALSE(agentrt::test::process_gone(agent));

  unblock();
  auto end = engine.wait("slow", 60s);
  ASSERT_TRUE(end) << end.error;
  EXPECT_EQ(end.value.status, agentrt::session_status::done);
  for (auto deadline = std::chrono::steady_clock::now() + 10s;
       !done && std::chrono::steady_clock::now() < deadline;)
    std::this_thread::sleep_for(10ms);
  EXPECT_EQ(messages.load(), 20000 + 2) << "init, each repeated line, result";
}

}  // namespace
