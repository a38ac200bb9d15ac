// The physical floor of the load benchmark: start N fake agents, read their stdout pipes with
// epoll and write the complete lines to stdout. No parsing, no actors, no order beyond each
// pipe's. agentrt's CPU per event is reported as a multiple of this program's.
//
//   agentrt_floor --n 1000 --k 100 [--delay 10] --fake-dir DIR > /dev/null
//
// Prints one JSON line on stderr: lines, cpu_s (its own, children excluded), wall_ms.

#include <fcntl.h>
#include <spawn.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench/self_cpu.hpp"

extern char** environ;

namespace {

void write_all(const char* p, std::size_t n) {
  while (n > 0) {
    ssize_t w = write(1, p, n);
    if (w <= 0) return;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

}  // namespace

int main(int argc, char** argv) {
  int n = 10, k = 100, delay = 0;
  std::string fake_dir;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--n") n = std::atoi(argv[i + 1]);
    if (a == "--k") k = std::atoi(argv[i + 1]);
    if (a == "--delay") delay = std::atoi(argv[i + 1]);
    if (a == "--fake-dir") fake_dir = argv[i + 1];
  }
  setenv("FAKE_LINES", std::to_string(k).c_str(), 1);
  setenv("FAKE_DELAY_MS", std::to_string(delay).c_str(), 1);
  setenv("FAKE_HANG", "0", 1);
  std::string exe = fake_dir + "/claude";

  auto start = std::chrono::steady_clock::now();
  double cpu0 = agentrt::bench::self_cpu_s();
  int ep = epoll_create1(EPOLL_CLOEXEC);
  struct pipe_state {
    int fd;
    std::string pending;
  };
  std::vector<pipe_state> pipes(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return perror("pipe"), 1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    std::string prompt = "benchmark prompt " + std::to_string(i);
    char* args[] = {const_cast<char*>("claude"), const_cast<char*>("-p"), prompt.data(), nullptr};
    pid_t pid;
    if (posix_spawn(&pid, exe.c_str(), &fa, nullptr, args, environ) != 0) return perror("spawn"), 1;
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    pipes[static_cast<std::size_t>(i)].fd = fds[0];
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = static_cast<std::uint32_t>(i);
    epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], &ev);
  }

  long lines = 0;
  int open = n;
  std::vector<epoll_event> events(256);
  char buf[1 << 16];
  while (open > 0) {
    int ready = epoll_wait(ep, events.data(), static_cast<int>(events.size()), -1);
    for (int e = 0; e < ready; ++e) {
      auto& p = pipes[events[static_cast<std::size_t>(e)].data.u32];
      ssize_t got = read(p.fd, buf, sizeof buf);
      if (got <= 0) {
        epoll_ctl(ep, EPOLL_CTL_DEL, p.fd, nullptr);
        close(p.fd);
        --open;
        continue;
      }
      p.pending.append(buf, static_cast<std::size_t>(got));
      auto last = p.pending.rfind('\n');
      if (last == std::string::npos) continue;
      for (std::size_t at = 0; (at = p.pending.find('\n', at)) <= last; ++at) ++lines;
      write_all(p.pending.data(), last + 1);
      p.pending.erase(0, last + 1);
    }
  }
  while (waitpid(-1, nullptr, 0) > 0) {
  }
  double cpu = agentrt::bench::self_cpu_s() - cpu0;
  double wall_ms =
    std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr,
               "{\"mode\":\"floor\",\"n\":%d,\"k\":%d,\"delay_ms\":%d,\"lines\":%ld,"
               "\"cpu_s\":%.3f,\"cpu_us_per_event\":%.3f,\"wall_ms\":%.1f}\n",
               n, k, delay, lines, cpu, cpu * 1e6 / lines, wall_ms);
  return 0;
}
