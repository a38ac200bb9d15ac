#include "runtime/process/launch.hpp"

#include <boost/process/v2/posix/default_launcher.hpp>
#include <boost/process/v2/stdio.hpp>

#include <fcntl.h>
#include <pthread.h>
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

// What the child reports through its pipe when it cannot exec: the errno and the step that failed,
// so that the error names the cgroup or the working directory rather than blaming the binary.
struct child_failure {
  int err = 0;
  enum step_t : int { exec, cgroup, group, cwd } step = exec;
};

// Runs in the child between vfork and exec. The child shares the runtime's memory: only
// system calls, no allocation, no lock, and nothing written that the parent reads (the failure
// goes through the report pipe).
struct agent_child_setup {
  pid_t parent;
  int report_fd;
  int cgroup_procs_fd;  // -1: none
  const char* cwd;      // nullptr: the runtime's

  [[noreturn]] void fail(child_failure::step_t step) {
    child_failure f{errno, step};
    [[maybe_unused]] auto n = write(report_fd, &f, sizeof f);
    _exit(127);
  }

  bp::error_code on_exec_setup(bp::posix::default_launcher&, const bp::filesystem::path&,
                               const char* const*&) {
    // First, so that every process the agent ever starts is in its cgroup ("0": the writer).
    if (cgroup_procs_fd >= 0 && write(cgroup_procs_fd, "0", 1) != 1) fail(child_failure::cgroup);
    if (setpgid(0, 0) != 0) fail(child_failure::group);
    if (cwd != nullptr && chdir(cwd) != 0) fail(child_failure::cwd);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);  // the runtime died before the line above
    // The agent gets default dispositions: ignored signals would stay ignored across exec, and
    // a runtime handler must not run on the shared memory before exec.
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; ++sig) {
      struct sigaction current {};
      if (sigaction(sig, nullptr, &current) == 0 && current.sa_handler != SIG_DFL)
        sigaction(sig, &dfl, nullptr);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    // Nothing but 0-2 may reach the agent (the runtime's other fds may lack FD_CLOEXEC).
    close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
    return {};
  }
};

// Blocks every signal in the calling thread for its lifetime: the vfork child starts with the
// parent thread's mask, so no signal is handled before the child resets the dispositions.
struct all_signals_blocked {
  sigset_t saved;
  all_signals_blocked() {
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &saved);
  }
  ~all_signals_blocked() { pthread_sigmask(SIG_SETMASK, &saved, nullptr); }
  all_signals_blocked(const all_signals_blocked&) = delete;
  all_signals_blocked& operator=(const all_signals_blocked&) = delete;
};

// Boost.Process v2's launchers fork() and call execution_context::notify_fork in the child,
// which allocates (boostorg/process#430, chriskohlhoff/asio#1503): with other threads running,
// the child can wait forever on a lock one of them held at the fork (seen under
// AddressSanitizer). fork() also copies the runtime's page tables and leaves its memory
// copy-on-write, so every thread then pays page faults and TLB shootdowns: measured as about a
// third of the sidecar's CPU at 500 concurrent spawns. This launcher keeps Boost's initializer
// protocol (on_setup, on_exec_setup, on_error, on_success) but starts the child with vfork(),
// as posix_spawn does, runs only system calls until exec, and reaps a child whose exec failed.
struct vfork_launcher : bp::posix::default_launcher {
  // The child's pid, or -1 with `ec` set. No asio object is made: the caller watches the
  // child through its own pidfd (an io_context would need fds, which may be what ran out).
  template <class... Inits>
  pid_t launch(bp::error_code& ec, const bp::filesystem::path& exe,
               const std::vector<std::string>& args, Inits&&... inits) {
    auto argv = build_argv_(exe, args);
    int(&report)[2] = report_;  // the child writes a child_failure here when it cannot exec
    ec = bp::posix::detail::on_setup(*this, exe, argv, inits...);
    if (!ec) {
      all_signals_blocked blocked;
      pid = ::vfork();
      if (pid == 0) {
        // The parent is suspended until exec or _exit; the report pipe carries the error.
        auto child_ec = bp::posix::detail::on_exec_setup(*this, exe, argv, inits...);
        if (!child_ec)
          execve(exe.c_str(), const_cast<char* const*>(argv), const_cast<char* const*>(env));
        child_failure f{child_ec ? child_ec.value() : errno, child_failure::exec};
        [[maybe_unused]] auto n = write(report[1], &f, sizeof f);
        _exit(127);
      }
      if (pid < 0) ec.assign(errno, bp::system_category());
    }
    close(report[1]);
    if (!ec) {
      ssize_t n;
      while ((n = read(report[0], &failure, sizeof failure)) < 0 && errno == EINTR) {
      }
      if (n > 0) {
        ec.assign(failure.err, bp::system_category());
        while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
        }
      }
    }
    close(report[0]);
    if (ec) {
      bp::posix::detail::on_error(*this, exe, argv, ec, inits...);
      return -1;
    }
    bp::posix::detail::on_success(*this, exe, argv, inits...);
    return pid;
  }

  // Made before the launch, so that agent_child_setup can be given the write end.
  bool open_report() { return pipe2(report_, O_CLOEXEC) == 0; }
  int report_fd() const { return report_[1]; }
  child_failure failure;  // what the child reported, after a failed launch

 private:
  int report_[2] = {-1, -1};
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
  if (stat(cwd.c_str(), &st) != 0) return "working directory " + cwd + ": " + errno_text(errno);
  if (!S_ISDIR(st.st_mode)) return "working directory " + cwd + " is not a directory";
  // Else the child's chdir fails, and its errno alone would read as the binary's fault.
  if (access(cwd.c_str(), X_OK) != 0)
    return "working directory " + cwd + ": " + errno_text(errno) + " (cannot enter it)";
  return {};
}

std::string search_path(const spawn_spec& spec) {
  return spec.search_path.empty() ? "/usr/local/bin:/usr/bin:/bin" : spec.search_path;
}

}  // namespace

std::variant<launched_child, std::string> launch(const spawn_spec& spec, int cgroup_procs_fd) {
  std::string exe = find_executable(spec.executable, search_path(spec));
  if (exe.empty()) {
    std::string hint = spec.install_hint.empty() ? "" : "; install it with: " + spec.install_hint;
    if (spec.executable.find('/') != std::string::npos)
      return "agent executable " + spec.executable + " does not exist or is not executable" + hint;
    return "agent executable " + spec.executable + " not found in PATH (" + search_path(spec) +
           ")" + hint;
  }
  if (auto err = check_cwd(spec.cwd); !err.empty()) return err;

  fd_closer out, err, in;
  if (pipe2(out.fds, O_CLOEXEC) != 0 || pipe2(err.fds, O_CLOEXEC) != 0)
    return "cannot create pipes for " + exe + ": " + errno_text(errno);
  if (spec.stdin_pipe) {
    if (pipe2(in.fds, O_CLOEXEC) != 0)
      return "cannot create pipes for " + exe + ": " + errno_text(errno);
  } else {
    in.fds[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (in.fds[0] < 0) return "cannot open /dev/null: " + errno_text(errno);
  }

  std::vector<const char*> envp;
  envp.reserve(spec.env.size() + 1);
  for (const auto& e : spec.env) envp.push_back(e.c_str());
  envp.push_back(nullptr);

  vfork_launcher launcher;
  launcher.env = envp.data();
  if (!launcher.open_report()) return "cannot create pipes for " + exe + ": " + errno_text(errno);
  bp::error_code ec;
  bp::process_stdio stdio{in.fds[0], out.fds[1], err.fds[1]};
  agent_child_setup setup{getpid(), launcher.report_fd(), cgroup_procs_fd,
                          spec.cwd.empty() ? nullptr : spec.cwd.c_str()};
  pid_t pid = launcher.launch(ec, exe, spec.args, stdio, setup);
  if (ec) {
    switch (launcher.failure.step) {
      case child_failure::cgroup:
        return "cannot put " + exe + " in its cgroup: " + errno_text(ec.value());
      case child_failure::cwd:
        return "cannot enter the working directory " + spec.cwd + " for " + exe + ": " +
               errno_text(ec.value());
      default:
        return "cannot start " + exe + ": " + errno_text(ec.value());
    }
  }

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
  for (int fd : {out.fds[0], err.fds[0], in.fds[1]})
    if (fd >= 0) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  child.out_fd = std::exchange(out.fds[0], -1);
  child.err_fd = std::exchange(err.fds[0], -1);
  child.in_fd = std::exchange(in.fds[1], -1);
  return child;
}

}  // namespace agentrt::process
