#pragma once
// Checks on real processes.

#include <dirent.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace agentrt::test {

// Gone: no such process, or a zombie (dead, waiting only to be reaped by its parent or init).
inline bool process_gone(pid_t pid) {
  if (kill(pid, 0) != 0 && errno == ESRCH) return true;
  std::ifstream stat{"/proc/" + std::to_string(pid) + "/stat"};
  std::string line;
  if (!std::getline(stat, line)) return true;
  auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z';
}

inline bool wait_gone(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!process_gone(pid)) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds{10});
  }
  return true;
}

// A figure of /proc/PID/status in KiB ("VmRSS", "VmHWM": the peak); 0 when there is none.
inline std::uint64_t status_kib(pid_t pid, const std::string& field) {
  std::ifstream status{"/proc/" + std::to_string(pid) + "/status"};
  for (std::string line; std::getline(status, line);)
    if (line.rfind(field + ":", 0) == 0) return std::stoull(line.substr(field.size() + 1));
  return 0;
}

// Why a test cannot run the build's agentrt as another user (`uid`, numeric), or "" when it can:
// it needs root, setpriv, and a build tree that other users may enter (a clone inside a 0700
// directory is not).
inline std::string cannot_run_as(int uid) {
  if (geteuid() != 0) return "needs root, to run agentrt as another user";
  if (std::system("command -v setpriv >/dev/null") != 0) return "no setpriv";
  std::string id = std::to_string(uid);
  std::string probe = "setpriv --reuid=" + id + " --regid=" + id + " --clear-groups test -x " +
                      AGENTRT_CLI_PATH + " -a -x " + AGENTRT_FAKE_AGENT_PATH;
  if (std::system(probe.c_str()) != 0) return "the build tree is closed to other users";
  return {};
}

// Parses "fake-agent: pid P grandchild G" from a log line; false when it is not one.
inline bool parse_fake_pids(const std::string& text, pid_t& pid, pid_t& grandchild) {
  auto at = text.find("fake-agent: pid ");
  if (at == std::string::npos) return false;
  std::istringstream in{text.substr(at + 16)};
  std::string word;
  int p = 0, g = 0;
  if (!(in >> p >> word >> g) || word != "grandchild") return false;
  pid = p;
  grandchild = g;
  return true;
}

// The live processes whose environment holds `entry` (NAME=VALUE): a mark the test gave its
// agents, which their descendants inherit. Unlike a pid, it cannot be reused by another process.
inline std::vector<pid_t> processes_with_env(const std::string& entry) {
  std::vector<pid_t> found;
  for (const auto& dir : std::filesystem::directory_iterator{"/proc"}) {
    auto name = dir.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream environ{dir.path() / "environ"};
    std::string text{std::istreambuf_iterator<char>{environ}, {}};
    std::istringstream entries{text};
    for (std::string e; std::getline(entries, e, '\0');)
      if (e == entry) {
        found.push_back(static_cast<pid_t>(std::stol(name)));
        break;
      }
  }
  return found;
}

// What a process wrote so far (write(2) bytes, /proc/PID/io); 0 once it is gone.
inline std::uint64_t written_by(pid_t pid) {
  std::ifstream io{"/proc/" + std::to_string(pid) + "/io"};
  for (std::string key; io >> key;) {
    std::uint64_t value = 0;
    io >> value;
    if (key == "wchar:") return value;
  }
  return 0;
}

// What the fake agent writes before its output: nothing, but a sanitizer's runtime in it writes
// at start (TSan: 512 KiB). Measured on one that writes its first line and waits.
inline std::uint64_t startup_writes() {
  int out[2];
  if (pipe(out) != 0) return 0;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    execl(AGENTRT_FAKE_AGENT_PATH, AGENTRT_FAKE_AGENT_PATH, "--misbehave", "hang", nullptr);
    _exit(127);
  }
  close(out[1]);
  std::string first;
  char c = 0;
  while (read(out[0], &c, 1) == 1 && c != '\n') first += c;
  auto total = written_by(pid);
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  close(out[0]);
  return total > first.size() + 1 ? total - first.size() - 1 : 0;
}

// The live fake agents started by `parent` (not its guardian).
inline std::vector<pid_t> agents_of(pid_t parent) {
  std::vector<pid_t> found;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return found;
  while (auto* entry = readdir(proc)) {
    std::string name = entry->d_name;
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat{"/proc/" + name + "/stat"};
    std::string text{std::istreambuf_iterator<char>{stat}, {}};
    auto close = text.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest{text.substr(close + 2)};
    char state = 0;
    pid_t ppid = 0;
    rest >> state >> ppid;
    bool agent = text.find("(agentrt-fake-ag") != std::string::npos;  // comm, cut at 15
    if (ppid == parent && agent && state != 'Z')
      found.push_back(static_cast<pid_t>(std::stol(name)));
  }
  closedir(proc);
  return found;
}

constexpr std::size_t pipe_capacity = 64 * 1024;  // Linux's default, each of stdout and stderr

}  // namespace agentrt::test
