#pragma once
// `agentrt sidecar`: the seed's stdio NDJSON protocol (docs/protocol.md) over a runtime.
//
// One actor speaks the protocol: it parses the host's lines, sends the commands, and is the only
// writer of stdout, so no two lines ever mix. The calling thread reads stdin, framed into lines of
// at most max_line_bytes (a longer one is dropped as it comes and answered with an error line).
// At the end of stdin, on a stop signal (runtime/stop_signals.hpp: SIGTERM, SIGINT, SIGHUP,
// SIGQUIT), or once the host closes stdout, every session is stopped (SIGTERM, SIGKILL after the
// grace) and their last events are written (unless stdout is closed).

#include "runtime/runtime.hpp"

namespace agentrt::sidecar {

struct sidecar_options {
  bool normalized = false;  // agent_message, status and cost events for every session
  std::size_t max_line_bytes = std::size_t{10} << 20;  // the longest host line read
  runtime_options runtime;
};

// Blocks until the end; the exit status: 0 after the end of stdin or a stop signal, 1 when the
// host closed stdout, 2 when the runtime could not start (an error line says why). Takes the
// process's signals as runtime/stop_signals.hpp says.
int run_sidecar(const sidecar_options& opts);

}  // namespace agentrt::sidecar
