#pragma once
// A supervisor command whose answer nobody needs (a stop, a subscription), sent as a request
// with a timeout: the answer, or the error, is taken and dropped here, where a plain send would
// have it reported as an unexpected message.

#include <caf/actor.hpp>
#include <caf/error.hpp>

#include <chrono>
#include <utility>

#include "messages/commands.hpp"

namespace agentrt {

template <class Self, class Command>
void request_forgetting_reply(Self* self, const caf::actor& to, std::chrono::milliseconds timeout,
                              Command cmd) {
  self->request(to, timeout, std::move(cmd))
    .then([](const command_ack&) {}, [](const caf::error&) {});
}

}  // namespace agentrt
