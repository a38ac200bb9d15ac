#include "actors/node_gateway.hpp"

#include <caf/all.hpp>

#include <map>
#include <memory>
#include <unordered_map>

#include "actors/forget_reply.hpp"
#include "actors/unexpected.hpp"
#include "messages/type_ids.hpp"

namespace agentrt {

namespace {

constexpr auto command_timeout = std::chrono::seconds{10};

// ---- the uplink: a node's event batches to one coordinator, their credit back ---------------
//
// A batch's pipe credit is not serialized: sent as it is, it would return on the node as soon as
// the middleman had written the batch, and a coordinator whose subscribers stop reading would
// queue without bound. The uplink keeps each batch's credit under an id until the coordinator
// returns that id, once the batch has left the coordinator too: a stuck host behind a
// coordinator pauses the agents on the nodes. A coordinator that is gone returns them all.
struct uplink_state {
  caf::actor coordinator;
  std::uint64_t last_id = 0;
  std::unordered_map<std::uint64_t, std::shared_ptr<const output_credit>> held;

  static inline const char* name = "node_uplink";
};

using uplink_actor = caf::stateful_actor<uplink_state>;

void send_batch(uplink_actor* self, session_events& batch) {
  auto& st = self->state;
  std::uint64_t id = 0;  // a batch without credit (a status change) has nothing to return
  if (batch.credit) st.held.emplace(id = ++st.last_id, std::move(batch.credit));
  self->send(st.coordinator, credited_events{id, std::move(batch)});
}

caf::behavior node_uplink(uplink_actor* self, caf::actor coordinator) {
  report_unexpected_on_stderr(self);
  self->state.coordinator = coordinator;
  self->monitor(coordinator);
  self->set_down_handler([self](const caf::down_msg&) { self->quit(); });
  return {
    [self](session_events& batch) { send_batch(self, batch); },
    [self](const credit_return& back) {
      for (auto id : back.ids) self->state.held.erase(id);
    },
    [self](journal_status& status) { self->send(self->state.coordinator, std::move(status)); },
  };
}

// ---- the gateway ----------------------------------------------------------------------------

struct gateway_state {
  caf::actor supervisor;
  std::chrono::milliseconds orphan_grace{0};
  std::map<caf::actor_addr, caf::actor> coordinators;  // each one's uplink
  std::uint64_t epoch = 0;  // changes whenever a coordinator comes or goes

  static inline const char* name = "node_gateway";
};

using gateway_actor = caf::stateful_actor<gateway_state>;

void stop_every_session(gateway_actor* self) {
  auto supervisor = self->state.supervisor;
  self->request(supervisor, command_timeout, list_command{})
    .then(
      [self, supervisor](const session_list& list) {
        for (const auto& s : list.sessions)
          if (!is_terminal(s.status))
            request_forgetting_reply(self, supervisor, command_timeout, stop_command{s.session_id});
      },
      [](const caf::error&) {});
}

void coordinator_gone(gateway_actor* self, const caf::actor_addr& who) {
  auto& st = self->state;
  auto it = st.coordinators.find(who);
  if (it == st.coordinators.end()) return;
  // Its subscription would otherwise be handed to every new session.
  request_forgetting_reply(self, st.supervisor, command_timeout,
                           unsubscribe_command{"", it->second});
  self->send_exit(it->second, caf::exit_reason::user_shutdown);
  st.coordinators.erase(it);
  ++st.epoch;
  if (st.coordinators.empty()) self->delayed_send(self, st.orphan_grace, orphan_tick{st.epoch});
}

caf::behavior node_gateway(gateway_actor* self, caf::actor supervisor,
                           std::chrono::milliseconds orphan_grace) {
  report_unexpected_on_stderr(self);
  self->state.supervisor = std::move(supervisor);
  self->state.orphan_grace = orphan_grace;
  self->set_down_handler(
    [self](const caf::down_msg& down) { coordinator_gone(self, down.source); });
  return {
    [self](const coordinator_hello& hello) -> caf::result<node_welcome> {
      auto& st = self->state;
      if (!hello.coordinator) return caf::sec::invalid_argument;
      auto it = st.coordinators.find(hello.coordinator.address());
      if (it == st.coordinators.end()) {
        auto uplink = self->spawn(node_uplink, hello.coordinator);
        it = st.coordinators.emplace(hello.coordinator.address(), uplink).first;
        self->monitor(hello.coordinator);
        ++st.epoch;  // a pending orphan tick is stale now
      }
      return node_welcome{st.supervisor, it->second};
    },
    [self](const orphan_tick& tick) {
      if (tick.epoch == self->state.epoch && self->state.coordinators.empty())
        stop_every_session(self);
    },
  };
}

}  // namespace

caf::actor spawn_node_gateway(caf::actor_system& sys, caf::actor supervisor,
                              std::chrono::milliseconds orphan_grace) {
  return sys.spawn(node_gateway, std::move(supervisor), orphan_grace);
}

}  // namespace agentrt
