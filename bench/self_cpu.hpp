#pragma once
// The calling process's own CPU time (user + system, reaped children excluded), in seconds:
// what the load drivers and the floor report per event.

#include <sys/resource.h>

namespace agentrt::bench {

inline double self_cpu_s() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
         (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

}  // namespace agentrt::bench
