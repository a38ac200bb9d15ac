#pragma once
// `agentrt sidecar`: the seed's stdio NDJSON protocol (docs/protocol.md) over a runtime.
//
// One actor speaks the protocol: it parses the host's lines, sends the commands, and is the only
// writer of stdout, so no two lines ever mix. The calling thread reads stdin. At the end of stdin,
// or on SIGTERM / SIGINT, every session is stopped (SIGTERM, SIGKILL after the grace), their last
// events are written, and run_sidecar returns 0.

#include "runtime/runtime.hpp"

namespace agentrt::sidecar {

struct sidecar_options {
  bool normalized = false;  // agent_message, status and cost events for every session
  runtime_options runtime;
};

// Blocks until the end; the exit status. Installs its own SIGTERM/SIGINT/SIGPIPE handling.
int run_sidecar(const sidecar_options& opts);

}  // namespace agentrt::sidecar
