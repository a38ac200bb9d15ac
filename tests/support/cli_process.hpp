#pragma once
// The agentrt executable as a child process of a test: stdout (and optionally stdin) on pipes.

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "support/temp_dir.hpp"

namespace agentrt::test {

struct cli_options {
  bool stdin_pipe = false;
  long max_open_files = 0;  // the child's RLIMIT_NOFILE soft limit; 0: inherited
  // The child's XDG_STATE_HOME (so its journal's home); empty: a fresh directory of its own, so
  // that tests running side by side never share a journal.
  std::string state_home;
};

class cli_process {
 public:
  explicit cli_process(std::vector<std::string> args, cli_options opts = {}) {
    std::string state_home =
      "XDG_STATE_HOME=" + (opts.state_home.empty() ? own_state_.path() : opts.state_home);
    std::vector<char*> envp;
    for (char** e = environ; *e != nullptr; ++e)
      if (std::strncmp(*e, "XDG_STATE_HOME=", 15) != 0) envp.push_back(*e);
    envp.push_back(state_home.data());
    envp.push_back(nullptr);
    int out[2], in[2] = {-1, -1};
    if (pipe2(out, O_CLOEXEC) != 0) return;
    if (opts.stdin_pipe && pipe2(in, O_CLOEXEC) != 0) return;
    pid = fork();
    if (pid == 0) {
      dup2(out[1], 1);
      if (opts.stdin_pipe) dup2(in[0], 0);
      if (opts.max_open_files > 0) {
        rlimit lim{};
        getrlimit(RLIMIT_NOFILE, &lim);
        lim.rlim_cur = static_cast<rlim_t>(opts.max_open_files);
        setrlimit(RLIMIT_NOFILE, &lim);
      }
      std::vector<char*> argv;
      static std::string exe = AGENTRT_CLI_PATH;
      argv.push_back(exe.data());
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execve(exe.c_str(), argv.data(), envp.data());
      _exit(127);
    }
    close(out[1]);
    out_ = fdopen(out[0], "r");
    if (opts.stdin_pipe) {
      close(in[0]);
      in_ = in[1];
    }
  }

  ~cli_process() {
    close_stdin();
    if (out_ != nullptr) std::fclose(out_);
    if (pid > 0 && waitpid(pid, nullptr, WNOHANG) == 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  }

  // One line of stdout (with its newline); false at end of output.
  bool read_line(std::string& line) {
    line.clear();
    char buf[65536];
    while (std::fgets(buf, sizeof buf, out_) != nullptr) {
      line += buf;
      if (!line.empty() && line.back() == '\n') return true;
    }
    return !line.empty();
  }

  void write(const std::string& text) {
    const char* p = text.data();
    std::size_t left = text.size();
    while (left > 0) {
      ssize_t n = ::write(in_, p, left);
      if (n <= 0) return;
      p += n;
      left -= static_cast<std::size_t>(n);
    }
  }

  // The host stops reading: closes the read end of the child's stdout.
  void close_stdout() {
    if (out_ != nullptr) std::fclose(out_);
    out_ = nullptr;
  }

  void close_stdin() {
    if (in_ >= 0) close(in_);
    in_ = -1;
  }

  // The exit status (128 + signal when killed); reaps the child.
  int wait_exit() {
    int status = 0;
    waitpid(pid, &status, 0);
    pid = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  pid_t pid = -1;

 private:
  temp_dir own_state_;  // first: made before the child starts
  FILE* out_ = nullptr;
  int in_ = -1;
};

}  // namespace agentrt::test
