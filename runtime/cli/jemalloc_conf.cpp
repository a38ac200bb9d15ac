// jemalloc's settings for the agentrt executable, read at its first allocation (the MALLOC_CONF
// environment variable still overrides them).
//   narenas:1  The runtime's few threads share one arena: lines are allocated on one thread and
//              freed on another, and with an arena per thread each kept its own free pages
//              (N=500 through the peer's driver: peak RSS 67-71 MB with the default, 57-65 MB).
//   dirty_decay_ms:300, muzzy_decay_ms:0  Freed pages go back to the kernel within 300 ms, not
//              the default 10 s: output passes in bursts (a host that catches up after a pause
//              frees its whole backlog at once), and pages kept for 10 s after were a third of the
//              sidecar's peak (stuck host: 85 MB, 64 MB with these). CPU per event did not change
//              beyond the runs' noise (BENCHMARKS.md).
extern "C" {
// NOLINTNEXTLINE: the name and type are jemalloc's.
const char* malloc_conf = "narenas:1,dirty_decay_ms:300,muzzy_decay_ms:0";
}
