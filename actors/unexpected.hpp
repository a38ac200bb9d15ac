#pragma once
// CAF prints unexpected messages on stdout by default, and stdout belongs to the sidecar's
// protocol: every actor of the runtime reports them on stderr instead, and drops them.

#include <caf/scheduled_actor.hpp>

#include <iostream>

namespace agentrt {

inline void report_unexpected_on_stderr(caf::scheduled_actor* self) {
  self->set_default_handler(
    [](caf::scheduled_actor* actor, caf::message_view& x) -> caf::result<caf::message> {
      std::cerr << "agentrt: " << actor->name() << " dropped an unexpected message "
                << x.content().stringify() << '\n';
      return caf::sec::unexpected_message;
    });
}

}  // namespace agentrt
