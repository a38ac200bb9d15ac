#pragma once
// Checks on real processes.

#include <signal.h>
#include <sys/types.h>
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

}  // namespace agentrt::test
