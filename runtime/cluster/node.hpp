#pragma once
// agentrt node: this machine's sessions, served to coordinators over CAF's BASP
// (docs/distributed.md).

#include <chrono>

#include "runtime/runtime.hpp"

namespace agentrt::cluster {

struct node_options {
  node_address listen{"127.0.0.1", 0};  // port 0: any free port (printed)
  // Sessions live on this long once the last coordinator is gone, then they are stopped.
  std::chrono::milliseconds orphan_grace{30000};
  runtime_options runtime;
};

// Why the node must not start (bad TLS files, TLS and --insecure together), or "" when it may.
std::string listen_refusal(const node_options& opts);

// Publishes the node's gateway, prints "agentrt node: listening on HOST:PORT" on stdout, and
// serves until a stop signal (runtime/stop_signals.hpp; then stops its sessions). The exit status.
int run_node(node_options opts);

}  // namespace agentrt::cluster
