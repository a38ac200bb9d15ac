#include "actors/node_gateway.hpp"

#include <caf/all.hpp>

#include <map>

#include "actors/forget_reply.hpp"
#include "actors/unexpected.hpp"
#include "messages/type_ids.hpp"

namespace agentrt {

namespace {

constexpr auto command_timeout = std::chrono::seconds{10};

struct gateway_state {
  caf::actor supervisor;
  std::chrono::milliseconds orphan_grace{0};
  std::map<caf::actor_addr, caf::actor> coordinators;
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
      if (st.coordinators.emplace(hello.coordinator.address(), hello.coordinator).second) {
        self->monitor(hello.coordinator);
        ++st.epoch;  // a pending orphan tick is stale now
      }
      return node_welcome{st.supervisor};
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
