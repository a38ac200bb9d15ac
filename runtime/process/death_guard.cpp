#include "runtime/process/death_guard.hpp"

#include "runtime/process/agent_cgroups.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <initializer_list>

namespace agentrt::process {

namespace {

// Process ids are below 2^22 (the kernel's PID_MAX_LIMIT): a bitmap of that size holds any set.
constexpr std::size_t max_pid = std::size_t{1} << 22;
constexpr std::size_t bitmap_bytes = max_pid / 8;

struct record {
  std::int32_t op;  // 1 add, 0 remove
  std::int32_t pgid;
};

[[noreturn]] void guardian_main(int read_fd, unsigned char* groups, const char* cgroup_tree) {
  // Only async-signal-safe calls from here on: the parent has other threads.
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE}) signal(sig, SIG_IGN);
  int devnull = open("/dev/null", O_RDWR);
  if (devnull >= 0) {
    dup2(devnull, 0);
    dup2(devnull, 1);
    dup2(devnull, 2);
  }
  if (read_fd != 3) {
    dup2(read_fd, 3);
    read_fd = 3;
  }
  close_range(4, ~0U, 0);
  prctl(PR_SET_NAME, "agentrt-guard", 0, 0, 0);
  record buf[512];
  std::size_t have = 0;
  for (;;) {
    ssize_t n = read(read_fd, reinterpret_cast<char*>(buf) + have, sizeof(buf) - have);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    have += static_cast<std::size_t>(n);
    std::size_t whole = have / sizeof(record);
    for (std::size_t i = 0; i < whole; ++i) {
      auto pgid = static_cast<std::size_t>(buf[i].pgid);
      if (pgid == 0 || pgid >= max_pid) continue;
      if (buf[i].op == 1)
        groups[pgid / 8] |= static_cast<unsigned char>(1u << (pgid % 8));
      else
        groups[pgid / 8] &= static_cast<unsigned char>(~(1u << (pgid % 8)));
    }
    std::size_t rest = have - whole * sizeof(record);
    std::memmove(buf, reinterpret_cast<char*>(buf) + whole * sizeof(record), rest);
    have = rest;
    // The records of the next few milliseconds wait in the pipe and come in one read: a write
    // to a guardian blocked in read() wakes it, and the spawner and the I/O thread paid that
    // wake-up once per agent started and once per agent reaped. The end of the runtime is
    // noticed as late as this, at most; the pipe holds 8,192 records.
    timespec nap{0, 5 * 1000 * 1000};
    nanosleep(&nap, nullptr);
  }
  for (std::size_t byte = 0; byte < bitmap_bytes; ++byte) {
    if (groups[byte] == 0) continue;
    for (unsigned bit = 0; bit < 8; ++bit)
      if (groups[byte] & (1u << bit)) kill(-static_cast<pid_t>(byte * 8 + bit), SIGKILL);
  }
  if (cgroup_tree[0] != '\0') kill_and_remove_tree(cgroup_tree, 2000);
  _exit(0);
}

}  // namespace

death_guard::death_guard(const std::string& cgroup_tree) {
  // Mapped before the fork so the guardian needs no allocation; pages are touched only as used.
  void* map =
    mmap(nullptr, bitmap_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (map == MAP_FAILED) return;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    munmap(map, bitmap_bytes);
    return;
  }
  pid_t pid = fork();
  if (pid == 0) guardian_main(fds[0], static_cast<unsigned char*>(map), cgroup_tree.c_str());
  close(fds[0]);
  munmap(map, bitmap_bytes);
  if (pid < 0) {
    close(fds[1]);
    return;
  }
  pid_ = pid;
  write_fd_ = fds[1];
}

death_guard::~death_guard() {
  if (write_fd_ < 0) return;
  close(write_fd_);
  while (waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
  }
}

void death_guard::add(pid_t pgid) {
  send(1, pgid);
}

void death_guard::remove(pid_t pgid) {
  send(0, pgid);
}

void death_guard::send(int op, pid_t pgid) {
  if (write_fd_ < 0) return;
  record r{op, static_cast<std::int32_t>(pgid)};
  // Writes of at most PIPE_BUF bytes are atomic, so records from several threads never mix.
  while (write(write_fd_, &r, sizeof(r)) < 0 && errno == EINTR) {
  }
}

}  // namespace agentrt::process
