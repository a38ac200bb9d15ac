#pragma once
// The coordinator: a supervisor for sessions that run on other nodes (docs/distributed.md).
//
// It speaks the supervisor's protocol (query, prompt, stop, interrupt, list, subscribe,
// unsubscribe), so every front door works through it unchanged. A query goes to the node it names
// (query.node) or to the connected node with the fewest live sessions; later commands go where
// the session runs. It subscribes to every node's events and hands them on to its own
// subscribers in each session's order. list asks every node and names each session's node.
//
// Faults: nodes are monitored (CAF's heartbeat notices a silent one). When a node is lost, each
// of its live sessions ends with status error "node unreachable: HOST:PORT"; commands for them
// fail with errc::node_unreachable; the node is dialled again with a backoff (250 ms doubling to
// 5 s), and takes new sessions once it is back. Every request it makes has a timeout.

#include <caf/actor.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace agentrt {

struct node_address {
  std::string host;
  std::uint16_t port = 0;

  std::string name() const { return host + ":" + std::to_string(port); }
};

// "HOST:PORT" (IPv6 as "[::1]:PORT"); nullopt when it is not one.
std::optional<node_address> parse_node_address(const std::string& text);

struct coordinator_options {
  std::vector<node_address> nodes;
  // The middleman (or the openssl manager) actor that dials the nodes: connect_atom requests.
  caf::actor connector;
  std::chrono::milliseconds command_timeout{30000};
  // An ended session is forgotten this long after its end (a node keeps its own table too).
  std::chrono::milliseconds cleanup_grace{60000};
};

caf::actor spawn_coordinator(caf::actor_system& sys, coordinator_options opts);

}  // namespace agentrt
