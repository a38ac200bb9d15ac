#pragma once
// Between a coordinator and the nodes it spreads sessions over (docs/distributed.md).
// Plain structs; inspect() makes them serializable: they cross the network.

#include <caf/actor.hpp>
#include <caf/meta/type_name.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "messages/batch.hpp"
#include "messages/commands.hpp"
#include "messages/inspect.hpp"

namespace agentrt {

// A coordinator introduces itself to a node's gateway (the actor a node publishes). The node
// then keeps its sessions for as long as some coordinator is connected, and a grace after.
struct coordinator_hello {
  caf::actor coordinator;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, coordinator_hello& x) {
  return f(caf::meta::type_name("coordinator_hello"), x.coordinator);
}

// The gateway's answer: the node's supervisor, which takes the supervisor's commands, and the
// node's uplink to this coordinator, the subscriber the coordinator names in its subscriptions
// there: it hands the node's event batches on to the coordinator, and keeps each batch's pipe
// credit until the coordinator returns it (credit end to end, docs/distributed.md).
struct node_welcome {
  caf::actor supervisor;
  caf::actor uplink;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, node_welcome& x) {
  return f(caf::meta::type_name("node_welcome"), x.supervisor, x.uplink);
}

// A batch of a node's session, from the node's uplink to its coordinator. The batch's credit
// stays on the node under `id` until the coordinator returns it; 0 for a batch that holds none.
struct credited_events {
  std::uint64_t id = 0;
  session_events batch;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, credited_events& x) {
  return f(caf::meta::type_name("credited_events"), x.id, x.batch);
}

// From a coordinator to a node's uplink: these batches have left the coordinator (the last
// holder there let go of each); their credit returns on the node.
struct credit_return {
  std::vector<std::uint64_t> ids;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, credit_return& x) {
  return f(caf::meta::type_name("credit_return"), x.ids);
}

// Coordinator to itself: batches of node `index` were let go of; their ids wait to be returned.
struct credit_flush {
  std::uint64_t index = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, credit_flush& x) {
  return f(caf::meta::type_name("credit_flush"), x.index);
}

// A session that goes on on another node (its node was lost): the node starts it as a query, but
// numbers its runs after `after_generation` and its events after `after_seq`, so that a host sees
// a new run, announced, and no sequence number twice.
struct continued_query {
  query_command query;
  std::uint64_t after_generation = 0;
  std::uint64_t after_seq = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, continued_query& x) {
  return f(caf::meta::type_name("continued_query"), x.query, x.after_generation, x.after_seq);
}

// Asks a coordinator to answer (command_ack) once every node has been tried at least once.
struct await_nodes {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, await_nodes&) {
  return f(caf::meta::type_name("await_nodes"));
}

// Coordinator timer: (re)connect to node `index`.
struct connect_tick {
  std::uint64_t index = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, connect_tick& x) {
  return f(caf::meta::type_name("connect_tick"), x.index);
}

// Gateway timer: the grace after the last coordinator left; `epoch` tells a stale one.
struct orphan_tick {
  std::uint64_t epoch = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, orphan_tick& x) {
  return f(caf::meta::type_name("orphan_tick"), x.epoch);
}

}  // namespace agentrt
