#pragma once
// The actors a session's event batches go to, each with or without raw lines. One that asked for
// raw lines once keeps them; each is in the set once. Shared by the message adapter (a session's
// subscribers) and the coordinator (its subscribers for one session). Not thread-safe: owned by
// one actor.

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/make_message.hpp>

#include <utility>
#include <vector>

#include "messages/batch.hpp"

namespace agentrt {

class subscriber_set {
 public:
  // True when `who` was not in the set (the caller monitors it).
  bool add(const caf::actor& who, bool raw);
  void remove(const caf::actor_addr& who);
  bool wants_raw() const { return !raw_.empty(); }
  // Whether send() makes a copy without raw lines beside the batch.
  bool copies() const { return !raw_.empty() && !plain_.empty(); }

  // One message to each: `batch` without its raw lines to those that did not ask for them. The
  // subscribers of each kind share one message (a handler taking it by const reference copies
  // nothing), and with it the batch's credit.
  template <class Self>
  void send(Self* self, session_events batch) const {
    if (!plain_.empty())
      if (auto plain = without_raw_lines(batch); !plain.events.empty())
        send_to(self, plain_, std::move(plain));
    send_to(self, raw_, std::move(batch));
  }

  static session_events without_raw_lines(const session_events& batch);

 private:
  template <class Self>
  static void send_to(Self* self, const std::vector<caf::actor>& to, session_events batch) {
    if (to.empty()) return;
    auto shared = caf::make_message(std::move(batch));
    for (const auto& who : to) self->send(who, shared);
  }

  std::vector<caf::actor> plain_;
  std::vector<caf::actor> raw_;
};

}  // namespace agentrt
