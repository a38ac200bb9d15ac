#include "runtime/process/agent_cgroups.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace agentrt::process {

namespace {

// The cgroup2 hierarchy's mount point, from /proc/self/mountinfo: "ID PARENT MAJ:MIN ROOT
// MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER".
std::string v2_mount() {
  std::ifstream in{"/proc/self/mountinfo"};
  for (std::string line; std::getline(in, line);) {
    auto dash = line.find(" - ");
    if (dash == std::string::npos || line.compare(dash + 3, 8, "cgroup2 ") != 0) continue;
    std::istringstream head{line.substr(0, dash)};
    std::string id, parent, device, root, mount;
    if (head >> id >> parent >> device >> root >> mount) return mount;
  }
  return {};
}

// This process's cgroup in the v2 hierarchy: the "0::PATH" line of /proc/self/cgroup.
std::string own_v2_path() {
  std::ifstream in{"/proc/self/cgroup"};
  for (std::string line; std::getline(in, line);)
    if (line.rfind("0::", 0) == 0) return line.substr(3);
  return {};
}

std::string errno_text() {
  return std::strerror(errno);
}

// "dir/name" into `out` (PATH_MAX bytes); false when it does not fit.
bool join(char* out, const char* dir, const char* name) {
  std::size_t a = std::strlen(dir), b = std::strlen(name);
  if (a + 1 + b + 1 > PATH_MAX) return false;
  std::memcpy(out, dir, a);
  out[a] = '/';
  std::memcpy(out + a + 1, name, b + 1);
  return true;
}

// Removes the child directories of `root` that are empty of processes (rmdir fails on the rest).
void remove_children(const char* root) {
  int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  alignas(8) char buf[4096];
  for (;;) {
    long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
    if (n <= 0) break;
    for (long at = 0; at < n;) {
      struct entry {
        unsigned long long ino;
        long long off;
        unsigned short reclen;
        unsigned char type;
        char name[1];
      };
      auto* e = reinterpret_cast<entry*>(buf + at);
      at += e->reclen;
      if (e->type != DT_DIR || std::strcmp(e->name, ".") == 0 || std::strcmp(e->name, "..") == 0)
        continue;
      char path[PATH_MAX];
      if (join(path, root, e->name)) rmdir(path);
    }
  }
  close(fd);
}

std::atomic<unsigned> trees_made{0};

}  // namespace

void agent_cgroups::kill_all(const char* dir) {
  char path[PATH_MAX];
  if (!join(path, dir, "cgroup.kill")) return;
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return;
  [[maybe_unused]] auto n = write(fd, "1", 1);
  close(fd);
}

void kill_and_remove_tree(const char* root, int patience_ms) {
  agent_cgroups::kill_all(root);  // the whole subtree at once
  for (int waited = 0;; waited += 10) {
    remove_children(root);
    if (rmdir(root) == 0 || errno == ENOENT) return;
    if (waited >= patience_ms) return;
    timespec pause{0, 10 * 1000 * 1000};
    nanosleep(&pause, nullptr);
  }
}

agent_cgroups::agent_cgroups() {
  std::string mount = v2_mount();
  std::string own = own_v2_path();
  if (mount.empty() || own.empty()) {
    why_ = "no cgroup v2 hierarchy is mounted";
    return;
  }
  std::string parent = mount + (own == "/" ? "" : own);
  // A runtime whose guardian was killed too left its tree: its agents are orphans now.
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator{parent, ec}) {
    std::string name = entry.path().filename().string();
    if (name.rfind("agentrt-", 0) != 0 || !entry.is_directory(ec)) continue;
    pid_t pid = static_cast<pid_t>(std::atol(name.c_str() + 8));
    if (pid > 0 && kill(pid, 0) != 0 && errno == ESRCH)
      kill_and_remove_tree(entry.path().c_str(), 1000);
  }
  // One tree per process_host: a process may hold several at once (tests, embedders).
  std::string root =
    parent + "/agentrt-" + std::to_string(getpid()) + "-" + std::to_string(trees_made.fetch_add(1));
  if (mkdir(root.c_str(), 0755) != 0) {
    why_ = "cannot create " + root + ": " + errno_text();
    return;
  }
  if (access((root + "/cgroup.kill").c_str(), W_OK) != 0) {
    why_ = root + " has no writable cgroup.kill (Linux 5.14 or later is needed)";
  } else if (access((parent + "/cgroup.procs").c_str(), W_OK) != 0) {
    why_ = "cannot move processes out of " + parent + ": " + errno_text();
  } else {
    root_ = std::move(root);
    return;
  }
  rmdir(root.c_str());
}

agent_cgroups::~agent_cgroups() {
  if (active()) kill_and_remove_tree(root_.c_str(), 2000);
}

agent_cgroups::agent_group agent_cgroups::make() {
  agent_group group;
  if (!active()) return group;
  std::lock_guard<std::mutex> guard{mutex_};
  remove_empty();
  std::string dir = root_ + "/" + std::to_string(++next_);
  if (mkdir(dir.c_str(), 0755) != 0) {
    group.error = "cannot create the agent's cgroup " + dir + ": " + errno_text();
    return group;
  }
  group.procs_fd = open((dir + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC);
  if (group.procs_fd < 0) {
    group.error = "cannot open " + dir + "/cgroup.procs: " + errno_text();
    rmdir(dir.c_str());
    return group;
  }
  group.dir = std::move(dir);
  return group;
}

void agent_cgroups::remove(std::string dir) {
  std::lock_guard<std::mutex> guard{mutex_};
  to_remove_.push_back(std::move(dir));
  remove_empty();
}

void agent_cgroups::remove_empty() {
  for (auto it = to_remove_.begin(); it != to_remove_.end();) {
    if (rmdir(it->c_str()) == 0 || errno == ENOENT)
      it = to_remove_.erase(it);
    else
      ++it;
  }
}

}  // namespace agentrt::process
