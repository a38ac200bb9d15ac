// The process layer alone, with real children: output, exit, errors, flow control, EMFILE.

#include "runtime/process/process_host.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <mutex>

#include "runtime/process/child_env.hpp"
#include "support/processes.hpp"

namespace {

using namespace agentrt::process;
using namespace std::chrono_literals;

// Collects a child's events; releases credit at once unless told to hold it.
class recording_observer : public agent_observer {
 public:
  explicit recording_observer(bool hold_credit = false) : hold_(hold_credit) {}

  void on_started(std::shared_ptr<running_agent> child) override {
    std::lock_guard<std::mutex> g{m_};
    child_ = std::move(child);
    cv_.notify_all();
  }
  void on_spawn_failed(std::string error) override {
    std::lock_guard<std::mutex> g{m_};
    error_ = std::move(error);
    failed_ = true;
    cv_.notify_all();
  }
  void on_output(pipe_stream s, std::string bytes) override {
    std::lock_guard<std::mutex> g{m_};
    (s == pipe_stream::out ? out_ : err_) += bytes;
    if (hold_)
      held_ += bytes.size();
    else
      child_->release(bytes.size());
    cv_.notify_all();
  }
  void on_output_closed(pipe_stream) override {
    std::lock_guard<std::mutex> g{m_};
    ++closed_;
    cv_.notify_all();
  }
  void on_exited(int code, int sig) override {
    std::lock_guard<std::mutex> g{m_};
    exited_ = true;
    code_ = code;
    sig_ = sig;
    cv_.notify_all();
  }

  template <class Pred>
  bool wait(Pred pred, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock<std::mutex> lock{m_};
    return cv_.wait_for(lock, timeout, [&] { return pred(*this); });
  }
  bool wait_done() {
    return wait([](auto& o) { return (o.exited_ && o.closed_ == 2) || o.failed_; });
  }
  // Stops holding credit and returns what was held.
  void release_all() {
    std::lock_guard<std::mutex> g{m_};
    hold_ = false;
    child_->release(held_);
    held_ = 0;
  }
  std::size_t out_size() {
    std::lock_guard<std::mutex> g{m_};
    return out_.size();
  }

  std::shared_ptr<running_agent> child_;
  std::string out_, err_, error_;
  bool failed_ = false, exited_ = false, hold_;
  int closed_ = 0, code_ = -2, sig_ = -2;
  std::size_t held_ = 0;

 private:
  std::mutex m_;
  std::condition_variable cv_;
};

spawn_spec fake(std::vector<std::string> args) {
  spawn_spec spec;
  spec.executable = AGENTRT_FAKE_AGENT_PATH;
  spec.args = std::move(args);
  spec.env = current_environment();
  return spec;
}

TEST(ProcessHost, RunsAChildAndDeliversItsOutputAndExit) {
  process_host host;
  auto obs = std::make_shared<recording_observer>();
  host.spawn(fake({"--transcript", "hello"}), obs);
  ASSERT_TRUE(obs->wait_done());
  EXPECT_FALSE(obs->failed_) << obs->error_;
  EXPECT_EQ(obs->code_, 0);
  EXPECT_EQ(obs->sig_, 0);
  EXPECT_NE(obs->out_.find("\"type\":\"result\""), std::string::npos);
  EXPECT_EQ(host.live_children(), 0u);
  EXPECT_FALSE(obs->child_->signal_group(SIGTERM)) << "a reaped child is never signalled";
}

TEST(ProcessHost, ChildGetsOnlyStdioAndItsOwnProcessGroup) {
  process_host host;
  auto obs = std::make_shared<recording_observer>();
  spawn_spec spec;
  spec.executable = "/bin/sh";
  spec.args = {"-c", "ls /proc/self/fd; echo pgid $(cut -d' ' -f5 /proc/$$/stat) pid $$"};
  spec.env = current_environment();
  host.spawn(spec, obs);
  ASSERT_TRUE(obs->wait_done());
  // The shell lists 0, 1, 2 and the fd of the directory it reads (3): nothing else leaked.
  EXPECT_EQ(obs->out_.substr(0, obs->out_.find("pgid")), "0\n1\n2\n3\n");
  int pgid = 0, pid = 0;
  ASSERT_EQ(std::sscanf(obs->out_.c_str() + obs->out_.find("pgid"), "pgid %d pid %d", &pgid, &pid),
            2);
  EXPECT_EQ(pgid, pid);
}

TEST(ProcessHost, StdinIsDevNull) {
  process_host host;
  auto obs = std::make_shared<recording_observer>();
  spawn_spec spec;
  spec.executable = "/bin/sh";
  spec.args = {"-c", "readlink /proc/self/fd/0; cat"};
  spec.env = current_environment();
  host.spawn(spec, obs);
  ASSERT_TRUE(obs->wait_done());
  EXPECT_EQ(obs->out_, "/dev/null\n");
  EXPECT_EQ(obs->code_, 0);
}

TEST(ProcessHost, MissingBinaryFailsWithItsPath) {
  process_host host;
  auto obs = std::make_shared<recording_observer>();
  auto spec = fake({});
  spec.executable = "/nonexistent/dir/agent";
  host.spawn(spec, obs);
  ASSERT_TRUE(obs->wait_done());
  EXPECT_TRUE(obs->failed_);
  EXPECT_NE(obs->error_.find("/nonexistent/dir/agent"), std::string::npos) << obs->error_;
}

TEST(ProcessHost, NameNotInPathFailsNamingThePath) {
  process_host host;
  auto obs = std::make_shared<recording_observer>();
  spawn_spec spec;
  spec.executable = "agentrt-no-such-agent";
  spec.search_path = "/nonexistent/bin";
  spec.env = {"PATH=/usr/bin:/bin"};  // the child's own PATH picks no program
  host.spawn(spec, obs);
  ASSERT_TRUE(obs->wait_done());
  EXPECT_TRUE(obs->failed_);
  EXPECT_NE(obs->error_.find("agentrt-no-such-agent not found in PATH (/nonexistent/bin)"),
            std::string::npos)
    << obs->error_;
}

TEST(ProcessHost, BadWorkingDirectoryFailsNamingIt) {
  process_host host;
  auto obs = std::make_shared<recording_observer>();
  auto spec = fake({});
  spec.cwd = "/nonexistent/cwd";
  host.spawn(spec, obs);
  ASSERT_TRUE(obs->wait_done());
  EXPECT_TRUE(obs->failed_);
  EXPECT_NE(obs->error_.find("working directory /nonexistent/cwd"), std::string::npos)
    << obs->error_;
}

TEST(ProcessHost, TooManyOpenFilesFailsOneSpawnOnly) {
  process_host host;
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  int probe = dup(0);  // the lowest free fd: every lower one is in use
  ASSERT_GE(probe, 0);
  close(probe);
  rlimit low = saved;
  low.rlim_cur = static_cast<rlim_t>(probe + 1);  // room for one fd, not for two pipes
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &low), 0);
  auto failing = std::make_shared<recording_observer>();
  host.spawn(fake({}), failing);
  bool done = failing->wait_done();
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &saved), 0);
  ASSERT_TRUE(done);
  EXPECT_TRUE(failing->failed_);
  EXPECT_NE(failing->error_.find("EMFILE"), std::string::npos) << failing->error_;

  auto next = std::make_shared<recording_observer>();
  host.spawn(fake({}), next);
  ASSERT_TRUE(next->wait_done());
  EXPECT_FALSE(next->failed_) << next->error_;
  EXPECT_EQ(next->code_, 0);
}

TEST(ProcessHost, StopsReadingWhileCreditIsHeldAndLosesNothing) {
  process_host_options opts;
  opts.flow_window_bytes = 256 * 1024;
  process_host host{opts};
  auto obs = std::make_shared<recording_observer>(/*hold_credit=*/true);
  // About 60 MB of output: far beyond the window and the pipe's own buffer.
  host.spawn(fake({"--transcript", "hello", "--repeat", "100000"}), obs);
  ASSERT_TRUE(obs->wait([&](auto& o) { return o.out_.size() >= opts.flow_window_bytes; }));
  std::this_thread::sleep_for(300ms);
  std::size_t seen = obs->out_size();
  EXPECT_LE(seen, opts.flow_window_bytes + opts.read_chunk_bytes);
  EXPECT_FALSE(obs->exited_) << "the child must be blocked on its full pipe";
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(obs->out_size(), seen) << "nothing is read while the credit is held";

  obs->release_all();
  ASSERT_TRUE(obs->wait_done());
  EXPECT_EQ(obs->code_, 0);
  std::size_t lines = 0;
  for (char c : obs->out_) lines += c == '\n';
  EXPECT_EQ(lines, 100002u) << "init, 100000 repeated lines, result";
}

std::size_t lines_in(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

// Many children, each below its own share, together reach the budget: no pipe is read then.
TEST(ProcessHost, TheBudgetOfAllChildrenStopsEveryReadUntilCreditReturns) {
  process_host_options opts;
  opts.buffer_budget_bytes = 256 * 1024;  // each child's share is one read chunk (64 KiB)
  process_host host{opts};
  std::vector<std::shared_ptr<recording_observer>> held;
  for (int i = 0; i < 16; ++i) {
    held.push_back(std::make_shared<recording_observer>(/*hold_credit=*/true));
    host.spawn(fake({"--transcript", "hello", "--repeat", "2000"}), held.back());
  }
  auto total = [&] {
    std::size_t sum = 0;
    for (auto& o : held) sum += o->out_size();
    return sum;
  };
  for (auto deadline = std::chrono::steady_clock::now() + 10s;
       total() < opts.buffer_budget_bytes && std::chrono::steady_clock::now() < deadline;)
    std::this_thread::sleep_for(10ms);
  ASSERT_GE(total(), opts.buffer_budget_bytes);
  std::this_thread::sleep_for(300ms);
  std::size_t seen = total();
  EXPECT_LE(seen, opts.buffer_budget_bytes + opts.read_chunk_bytes)
    << "one read may cross the budget, the next waits";
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(total(), seen) << "nothing is read while the budget is spent";

  for (auto& o : held) o->release_all();
  for (auto& o : held) {
    ASSERT_TRUE(o->wait_done());
    EXPECT_EQ(o->code_, 0);
    EXPECT_EQ(lines_in(o->out_), 2002u) << "init, 2000 repeated lines, result";
  }
}

// Pipes that are all full when the budget reopens come back from one epoll_wait together. Once
// the first of them have spent the budget again, the others' readiness in that batch is stale:
// they are not read.
TEST(ProcessHost, PipesReadyTogetherWhenTheBudgetReopensAreReadOnlyUpToIt) {
  process_host_options opts;
  opts.buffer_budget_bytes = 256 * 1024;  // a share is one read chunk (64 KiB): five spend it
  process_host host{opts};
  auto spawn_holding = [&](std::size_t count) {
    std::vector<std::shared_ptr<recording_observer>> children;
    for (std::size_t i = 0; i < count; ++i) {
      children.push_back(std::make_shared<recording_observer>(/*hold_credit=*/true));
      host.spawn(fake({"--transcript", "hello", "--repeat", "2000"}), children.back());
    }
    return children;
  };
  auto total = [](const auto& children) {
    std::size_t sum = 0;
    for (auto& o : children) sum += o->out_size();
    return sum;
  };
  auto first = spawn_holding(5);
  for (auto deadline = std::chrono::steady_clock::now() + 10s;
       total(first) < opts.buffer_budget_bytes && std::chrono::steady_clock::now() < deadline;)
    std::this_thread::sleep_for(10ms);
  ASSERT_GE(total(first), opts.buffer_budget_bytes) << "the budget is spent: no pipe is read";
  auto late = spawn_holding(16);
  for (auto& o : late) ASSERT_TRUE(o->wait([](auto& c) { return c.child_ != nullptr; }));
  std::this_thread::sleep_for(300ms);  // each fills its pipe meanwhile
  ASSERT_EQ(total(late), 0u);

  for (auto& o : first) o->release_all();
  for (auto deadline = std::chrono::steady_clock::now() + 10s;
       total(late) == 0 && std::chrono::steady_clock::now() < deadline;)
    std::this_thread::sleep_for(10ms);
  ASSERT_GT(total(late), 0u);
  std::this_thread::sleep_for(300ms);
  EXPECT_LE(total(late), opts.buffer_budget_bytes + opts.read_chunk_bytes)
    << "one read may cross the budget, the next waits";

  for (auto& o : late) o->release_all();
  for (auto* group : {&first, &late})
    for (auto& o : *group) {
      ASSERT_TRUE(o->wait_done());
      EXPECT_EQ(lines_in(o->out_), 2002u) << "init, 2000 repeated lines, result";
    }
}

// An agent that wrote its last lines into the pipe and exited while its reading was paused: when
// the session gives up waiting for the end of file (the drain grace), those lines are still read.
TEST(ProcessHost, ClosingThePipesOfAPausedChildReadsWhatTheyHoldFirst) {
  process_host_options opts;
  opts.buffer_budget_bytes = 512 * 1024;  // a share of 128 KiB
  process_host host{opts};
  auto obs = std::make_shared<recording_observer>(/*hold_credit=*/true);
  // About 163 KB, written line by line: the reading pauses at 128 to 192 KiB, the rest fits in
  // the pipe (64 KiB), and the child exits.
  host.spawn(fake({"--transcript", "hello", "--repeat", "260"}), obs);
  ASSERT_TRUE(obs->wait([](auto& o) { return o.exited_; }));
  obs->child_->close_output();
  ASSERT_TRUE(obs->wait_done());
  EXPECT_EQ(lines_in(obs->out_), 262u) << "init, 260 repeated lines, result";
}

// A child whose output is not taken holds its share of the budget, not all of it: the others run.
TEST(ProcessHost, AChildThatIsNotReadHoldsItsShareNotTheBudget) {
  process_host_options opts;
  opts.buffer_budget_bytes = 512 * 1024;
  process_host host{opts};
  auto stuck = std::make_shared<recording_observer>(/*hold_credit=*/true);
  host.spawn(fake({"--transcript", "hello", "--repeat", "100000"}), stuck);
  ASSERT_TRUE(stuck->wait([](auto& o) { return !o.out_.empty(); }));
  std::vector<std::shared_ptr<recording_observer>> others;
  for (int i = 0; i < 3; ++i) {
    others.push_back(std::make_shared<recording_observer>());
    host.spawn(fake({"--transcript", "hello", "--repeat", "5000"}), others.back());
  }
  for (auto& o : others) {
    ASSERT_TRUE(o->wait_done());
    EXPECT_EQ(lines_in(o->out_), 5002u);
  }
  EXPECT_FALSE(stuck->exited_);
  EXPECT_LE(stuck->out_size(), opts.buffer_budget_bytes / 4 + opts.read_chunk_bytes)
    << "a share is at most a quarter of the budget";
  stuck->release_all();
  ASSERT_TRUE(stuck->wait_done());
  EXPECT_EQ(lines_in(stuck->out_), 100002u);
}

TEST(ProcessHost, SignalGroupReachesGrandchildrenAndLeftoversDieWithTheLeader) {
  process_host host;
  auto obs = std::make_shared<recording_observer>();
  host.spawn(fake({"--misbehave", "hang", "--misbehave", "fork-grandchild", "--misbehave",
                   "ignore-sigterm"}),
             obs);
  ASSERT_TRUE(obs->wait([](auto& o) { return o.err_.find("grandchild") != std::string::npos; }));
  pid_t pid = 0, grandchild = 0;
  ASSERT_TRUE(agentrt::test::parse_fake_pids(obs->err_, pid, grandchild));
  EXPECT_TRUE(obs->child_->signal_group(SIGTERM));
  std::this_thread::sleep_for(200ms);
  EXPECT_FALSE(agentrt::test::process_gone(pid)) << "SIGTERM is ignored";
  EXPECT_TRUE(obs->child_->signal_group(SIGKILL));
  ASSERT_TRUE(obs->wait_done());
  EXPECT_EQ(obs->sig_, SIGKILL);
  EXPECT_TRUE(agentrt::test::wait_gone(grandchild, 1s));
}

// A descendant that calls setsid leaves the agent's group and session; the SIGKILL of a stop must
// reach it all the same: through the agent's cgroup, or, without one, by its parents.
void sigkill_reaches_a_descendant_that_left_the_group(bool cgroups) {
  process_host_options opts;
  opts.use_cgroups = cgroups;
  process_host host{opts};
  if (cgroups && !host.cgroups_active())
    GTEST_SKIP() << "no cgroup here: " << host.cgroups_inactive_reason();
  auto obs = std::make_shared<recording_observer>();
  host.spawn(fake({"--misbehave", "hang", "--misbehave", "escape-grandchild"}), obs);
  ASSERT_TRUE(obs->wait([](auto& o) { return o.err_.find("grandchild") != std::string::npos; }));
  pid_t pid = 0, escaped = 0;
  ASSERT_TRUE(agentrt::test::parse_fake_pids(obs->err_, pid, escaped));
  ASSERT_NE(getpgid(escaped), pid) << "it left the group";
  EXPECT_TRUE(obs->child_->signal_group(SIGKILL));
  ASSERT_TRUE(obs->wait_done());
  EXPECT_TRUE(agentrt::test::wait_gone(escaped, 2s));
}

TEST(ProcessHost, SigkillReachesADescendantThatLeftTheGroupThroughTheCgroup) {
  sigkill_reaches_a_descendant_that_left_the_group(true);
}

TEST(ProcessHost, SigkillReachesADescendantThatLeftTheGroupByItsParentsWithoutACgroup) {
  sigkill_reaches_a_descendant_that_left_the_group(false);
}

// When the agent's main process exits, its cgroup is killed as its group is: nothing it started
// lives on, also what left the group.
TEST(ProcessHost, ADescendantThatLeftTheGroupDiesWhenTheAgentExits) {
  process_host host;
  if (!host.cgroups_active()) GTEST_SKIP() << "no cgroup here: " << host.cgroups_inactive_reason();
  auto obs = std::make_shared<recording_observer>();
  host.spawn(fake({"--misbehave", "escape-grandchild"}), obs);
  ASSERT_TRUE(obs->wait_done());
  pid_t pid = 0, escaped = 0;
  ASSERT_TRUE(agentrt::test::parse_fake_pids(obs->err_, pid, escaped));
  EXPECT_EQ(obs->code_, 0);
  EXPECT_TRUE(agentrt::test::wait_gone(escaped, 2s));
}

TEST(ProcessHost, ShutdownKillsLiveChildren) {
  auto obs = std::make_shared<recording_observer>();
  pid_t pid = 0;
  {
    process_host host;
    host.spawn(fake({"--misbehave", "hang", "--misbehave", "ignore-sigterm"}), obs);
    ASSERT_TRUE(obs->wait([](auto& o) { return o.child_ != nullptr; }));
    pid = obs->child_->pid();
    EXPECT_EQ(host.live_children(), 1u);
  }
  EXPECT_TRUE(agentrt::test::process_gone(pid));
  EXPECT_TRUE(obs->exited_);
}

}  // namespace

namespace {

using namespace agentrt::process;
using namespace std::chrono_literals;

TEST(ProcessHostStdin, WritesQueuedInputThenClosesIt) {
  process_host host;
  auto obs = std::make_shared<recording_observer>();
  spawn_spec spec;
  spec.executable = "/bin/cat";
  spec.env = current_environment();
  spec.stdin_pipe = true;
  spec.initial_input = "first\n";
  host.spawn(spec, obs);
  ASSERT_TRUE(obs->wait([](auto& o) { return o.out_ == "first\n"; }));
  // More than a pipe holds, so the I/O thread must wait for room.
  std::string big(1 << 20, 'x');
  obs->child_->write_input(big + "\n");
  obs->child_->write_input("last\n");
  obs->child_->close_input();
  ASSERT_TRUE(obs->wait_done());
  EXPECT_EQ(obs->code_, 0) << "cat ends at end of file";
  EXPECT_EQ(obs->out_, "first\n" + big + "\nlast\n");
}

TEST(ProcessHostStdin, WritingToAnAgentThatClosedItsStdinIsHarmless) {
  process_host host;
  auto obs = std::make_shared<recording_observer>();
  spawn_spec spec;
  spec.executable = "/bin/sh";
  spec.args = {"-c", "exec 0<&-; echo closed; sleep 1"};
  spec.env = current_environment();
  spec.stdin_pipe = true;
  host.spawn(spec, obs);
  ASSERT_TRUE(obs->wait([](auto& o) { return o.out_ == "closed\n"; }));
  obs->child_->write_input(std::string(1 << 20, 'x'));  // EPIPE, not SIGPIPE
  ASSERT_TRUE(obs->wait_done());
  EXPECT_EQ(obs->code_, 0);
}

TEST(ProcessHostStdin, WithoutAPipeStdinIsDevNullAndWritesAreIgnored) {
  process_host host;
  auto obs = std::make_shared<recording_observer>();
  spawn_spec spec;
  spec.executable = "/bin/cat";
  spec.env = current_environment();
  host.spawn(spec, obs);
  ASSERT_TRUE(obs->wait([](auto& o) { return o.child_ != nullptr; }));
  obs->child_->write_input("ignored\n");
  ASSERT_TRUE(obs->wait_done());
  EXPECT_EQ(obs->out_, "");
}

}  // namespace
