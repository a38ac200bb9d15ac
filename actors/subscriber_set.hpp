#pragma once
// The actors a session's event batches go to, each with or without raw lines, or taking either
// (the journal, which keeps the numbered events only). One that asked for raw lines once keeps
// them; each is in the set once. Shared by the message adapter (a session's subscribers) and the
// coordinator (its subscribers for one session). Not thread-safe: owned by one actor.

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/make_message.hpp>

#include <algorithm>
#include <initializer_list>
#include <utility>
#include <vector>

#include "messages/batch.hpp"

namespace agentrt {

enum class raw_lines { without, with, either };

class subscriber_set {
 public:
  // True when `who` was not in the set (the caller monitors it).
  bool add(const caf::actor& who, raw_lines wants);
  bool add(const caf::actor& who, bool raw) {
    return add(who, raw ? raw_lines::with : raw_lines::without);
  }
  void remove(const caf::actor_addr& who);
  // Whether a batch is to hold raw lines: someone asked for them.
  bool wants_raw() const { return !raw_.empty(); }
  // Whether send() makes a copy without raw lines beside the batch.
  bool copies() const { return !raw_.empty() && !plain_.empty(); }

  // One message to each: `batch` (holding raw lines only if wants_raw()) without its raw lines
  // to those that did not ask for them, as it is to the others. The subscribers given one batch
  // share one message (a handler taking it by const reference copies nothing), and with it the
  // batch's credit.
  template <class Self>
  void send(Self* self, session_events batch) const {
    if (copies())
      if (auto plain = without_raw_lines(batch); !plain.events.empty())
        send_to(self, {&plain_}, std::move(plain));
    send_to(self, copies() ? lists{&raw_, &either_} : lists{&plain_, &raw_, &either_},
            std::move(batch));
  }

  static session_events without_raw_lines(const session_events& batch);

 private:
  using lists = std::initializer_list<const std::vector<caf::actor>*>;
  template <class Self>
  static void send_to(Self* self, lists to, session_events batch) {
    if (std::all_of(to.begin(), to.end(), [](const auto* list) { return list->empty(); })) return;
    auto shared = caf::make_message(std::move(batch));
    for (const auto* list : to)
      for (const auto& who : *list) self->send(who, shared);
  }
  std::vector<caf::actor>& list(raw_lines wants);

  std::vector<caf::actor> plain_;
  std::vector<caf::actor> raw_;
  std::vector<caf::actor> either_;
};

}  // namespace agentrt
