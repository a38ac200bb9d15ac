#pragma once
// The actor a node publishes (agentrt node --listen). A coordinator says hello and gets the node's
// supervisor, to which it then sends the supervisor's commands directly, and its uplink there:
// the subscriber it names in its subscriptions, which sends it the node's batches and keeps each
// batch's pipe credit until the coordinator returns it (docs/distributed.md).
//
// Coordinators are monitored: when the last one is gone (it exited, or its node became
// unreachable), the node keeps its sessions for `orphan_grace`, then stops them all, so that no
// agent runs on without anybody to report to. A coordinator back within the grace keeps them.

#include <caf/fwd.hpp>

#include <chrono>

namespace agentrt {

caf::actor spawn_node_gateway(caf::actor_system& sys, caf::actor supervisor,
                              std::chrono::milliseconds orphan_grace);

}  // namespace agentrt
