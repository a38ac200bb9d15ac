#pragma once
// What a load run measured, shared by the in-process and the sidecar load drivers: per-session
// order and lateness, latencies, and the JSON line a run prints. Single-threaded: the drivers
// feed it from one thread (or under their own lock).

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace agentrt::bench {

inline double now_ms() {
  using namespace std::chrono;
  return duration<double, std::milli>(steady_clock::now().time_since_epoch()).count();
}

inline double wall_us() {
  using namespace std::chrono;
  return duration<double, std::micro>(system_clock::now().time_since_epoch()).count();
}

// The fake agent's position of a line: init 0, msg_i i+1, result K+1; -1 when unknown.
inline long line_position(std::string_view line, int k) {
  if (line.find("\"type\":\"system\"") != std::string_view::npos) return 0;
  if (line.find("\"type\":\"result\"") != std::string_view::npos) return k + 1;
  auto at = line.find("\"id\":\"msg_");
  if (at == std::string_view::npos) return -1;
  return std::strtol(line.data() + at + 10, nullptr, 10) + 1;
}

// The fake agent's write time (wall clock, microseconds) in a line, or 0.
inline double line_write_us(std::string_view line) {
  auto at = line.find("\"fake_ts_us\":");
  return at == std::string_view::npos ? 0 : std::strtod(line.data() + at + 13, nullptr);
}

// Resident memory of a process from /proc: VmHWM (peak) or VmRSS (now), in KiB.
inline long proc_kib(int pid, const char* field) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/status"};
  for (std::string line; std::getline(in, line);)
    if (line.rfind(field, 0) == 0)
      return std::strtol(line.c_str() + std::strlen(field) + 1, nullptr, 10);
  return -1;
}

// utime + stime of a process (its reaped children excluded), in seconds.
inline double proc_cpu_s(int pid) {
  std::ifstream in{"/proc/" + std::to_string(pid) + "/stat"};
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields{stat.substr(close + 2)};
  std::string f;
  double ticks = 0;
  for (int i = 3; fields >> f && i <= 15; ++i)
    if (i == 14 || i == 15) ticks += std::stod(f);
  return ticks / 100.0;  // USER_HZ
}

inline double percentile(std::vector<double>& xs, double p) {
  if (xs.empty()) return -1;
  std::sort(xs.begin(), xs.end());
  return xs[std::min(xs.size() - 1, static_cast<std::size_t>(p * xs.size()))];
}

class load_stats {
 public:
  load_stats(int n, int k) : n_(n), k_(k) { sessions_.reserve(static_cast<std::size_t>(n)); }

  // One stdout line of the agent, as delivered.
  void on_line(const std::string& session, std::string_view line) {
    auto& s = sessions_[session];
    ++events;
    if (first_event_ms < 0) first_event_ms = now_ms();
    last_event_ms = now_ms();
    if (s.ended) ++late;
    long pos = line_position(line, k_);
    if (pos != s.next) s.misordered = true;
    s.next = pos + 1;
    if (pos == 0) ++inits;
    if (double written = line_write_us(line); written > 0)
      latencies_ms.push_back((wall_us() - written) / 1000.0);
  }
  void on_started(const std::string& session) {
    if (++started == n_) all_started_ms = now_ms();
    sessions_[session];
  }
  // Returns true the first time the session ends.
  bool on_ended(const std::string& session) {
    auto& s = sessions_[session];
    if (s.ended) return false;
    s.ended = true;
    ++ended;
    return true;
  }
  int misordered() const {
    int m = 0;
    for (const auto& [id, s] : sessions_) m += s.misordered;
    return m;
  }

  std::int64_t events = 0, late = 0;
  int started = 0, ended = 0, inits = 0;
  double first_event_ms = -1, last_event_ms = -1, all_started_ms = -1;
  std::vector<double> latencies_ms, ping_ms;

 private:
  struct session {
    long next = 0;
    bool ended = false;
    bool misordered = false;
  };
  int n_, k_;
  std::unordered_map<std::string, session> sessions_;
};

}  // namespace agentrt::bench
