#include "runtime/process/process_tree.hpp"

#include <dirent.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unordered_map>

namespace agentrt::process {

namespace {

// The parent of `pid` from /proc/PID/stat ("PID (COMM) STATE PPID ..."; COMM may hold spaces and
// parentheses, so the last ')' ends it); 0 when it is gone.
pid_t parent_of(const char* pid) {
  char path[320];  // d_name holds at most 255 bytes
  std::snprintf(path, sizeof path, "/proc/%s/stat", pid);
  FILE* f = std::fopen(path, "re");
  if (f == nullptr) return 0;
  char buf[512];
  std::size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[n] = '\0';
  const char* close = std::strrchr(buf, ')');
  if (close == nullptr || close[1] == '\0') return 0;
  char state;
  int ppid = 0;
  return std::sscanf(close + 1, " %c %d", &state, &ppid) == 2 ? ppid : 0;
}

}  // namespace

std::vector<pid_t> descendants_of(pid_t root) {
  std::unordered_multimap<pid_t, pid_t> children;
  if (DIR* proc = opendir("/proc")) {
    while (dirent* e = readdir(proc)) {
      if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
      if (pid_t ppid = parent_of(e->d_name); ppid > 0)
        children.emplace(ppid, static_cast<pid_t>(std::atoi(e->d_name)));
    }
    closedir(proc);
  }
  std::vector<pid_t> found;
  std::vector<pid_t> todo{root};
  while (!todo.empty()) {
    pid_t p = todo.back();
    todo.pop_back();
    auto [first, last] = children.equal_range(p);
    for (auto it = first; it != last; ++it) {
      found.push_back(it->second);
      todo.push_back(it->second);
    }
  }
  return found;
}

}  // namespace agentrt::process
