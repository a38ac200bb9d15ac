#include "runtime/process/launch.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/process/v2/process.hpp>
#include <boost/process/v2/start_dir.hpp>
#include <boost/process/v2/stdio.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace bp = boost::process::v2;

namespace agentrt::process {

namespace {

std::string errno_text(int err) {
  std::string text = std::strerror(err);
  if (err == EMFILE) text += " (EMFILE: too many open files)";
  if (err == ENFILE) text += " (ENFILE: too many open files in the system)";
  if (err == EAGAIN) text += " (EAGAIN: process limit reached)";
  return text;
}

// Runs in the child between fork and exec: only async-signal-safe calls.
struct agent_child_setup {
  pid_t parent;

  bp::error_code on_exec_setup(bp::posix::default_launcher&, const bp::filesystem::path&,
                               const char* const*&) {
    if (setpgid(0, 0) != 0) return {errno, bp::system_category()};
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);  // the runtime died before the line above
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    // Ignored signals stay ignored across exec; the agent gets the defaults.
    for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD}) signal(sig, SIG_DFL);
    // Boost closes fds above its own error pipe only; nothing but 0-2 may reach the agent.
    close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
    return {};
  }
};

struct fd_closer {
  int fds[2] = {-1, -1};
  ~fd_closer() {
    for (int fd : fds)
      if (fd >= 0) close(fd);
  }
};

std::string check_cwd(const std::string& cwd) {
  if (cwd.empty()) return {};
  struct stat st {};
  if (stat(cwd.c_str(), &st) != 0)
    return "working directory " + cwd + ": " + errno_text(errno);
  if (!S_ISDIR(st.st_mode)) return "working directory " + cwd + " is not a directory";
  return {};
}

std::string path_from(const std::vector<std::string>& env) {
  for (const auto& e : env)
    if (e.rfind("PATH=", 0) == 0) return e.substr(5);
  return "/usr/local/bin:/usr/bin:/bin";
}

}  // namespace

std::variant<launched_child, std::string> launch(const spawn_spec& spec) {
  std::string exe = find_executable(spec.executable, path_from(spec.env));
  if (exe.empty()) {
    if (spec.executable.find('/') != std::string::npos)
      return "agent executable " + spec.executable + " does not exist or is not executable";
    return "agent executable " + spec.executable + " not found in PATH (" + path_from(spec.env) +
           ")";
  }
  if (auto err = check_cwd(spec.cwd); !err.empty()) return err;

  fd_closer out, err, devnull;
  if (pipe2(out.fds, O_CLOEXEC) != 0 || pipe2(err.fds, O_CLOEXEC) != 0)
    return "cannot create pipes for " + exe + ": " + errno_text(errno);
  devnull.fds[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (devnull.fds[0] < 0) return "cannot open /dev/null: " + errno_text(errno);

  std::vector<const char*> envp;
  envp.reserve(spec.env.size() + 1);
  for (const auto& e : spec.env) envp.push_back(e.c_str());
  envp.push_back(nullptr);

  // A private, idle io_context: the launcher's fork notifications then cost nothing.
  boost::asio::io_context ctx;
  bp::posix::default_launcher launcher;
  launcher.env = envp.data();
  bp::error_code ec;
  std::vector<bp::process> one;  // basic_process has no empty state to declare before the call
  bp::process_stdio stdio{devnull.fds[0], out.fds[1], err.fds[1]};
  agent_child_setup setup{getpid()};
  if (spec.cwd.empty()) {
    one.push_back(launcher(ctx.get_executor(), ec, exe, spec.args, stdio, setup));
  } else {
    bp::process_start_dir dir{spec.cwd};
    one.push_back(launcher(ctx.get_executor(), ec, exe, spec.args, stdio, dir, setup));
  }
  if (ec) return "cannot start " + exe + ": " + errno_text(ec.value());
  pid_t pid = one.front().id();
  one.front().detach();

  launched_child child;
  child.pid = pid;
  child.pidfd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (child.pidfd < 0) {
    int e = errno;
    kill(-pid, SIGKILL);
    while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    return "cannot watch the process of " + exe + ": " + errno_text(e);
  }
  for (int fd : {out.fds[0], err.fds[0]}) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  child.out_fd = std::exchange(out.fds[0], -1);
  child.err_fd = std::exchange(err.fds[0], -1);
  return child;
}

}  // namespace agentrt::process
