#pragma once
// Subscribing an actor to the events of one session, or of all sessions, or to the usage totals.
// Split from commands.hpp because it needs caf::actor.

#include <caf/actor.hpp>
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>

namespace agentrt {

// An empty session_id subscribes to every session, present and future. With raw, the subscriber
// also gets each stdout line as written (raw_line), before the messages made of it.
// With replay (one session, and a journal): first the journaled events after `after_seq`, then
// the live ones, with no gap and no duplicate. A session that is only in the journal gets the
// replay alone.
struct subscribe_command {
  std::string session_id;
  caf::actor subscriber;
  bool raw = false;
  bool replay = false;
  std::uint64_t after_seq = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, subscribe_command& x) {
  return f(caf::meta::type_name("subscribe_command"), x.session_id, x.subscriber, x.raw, x.replay,
           x.after_seq);
}

struct unsubscribe_command {
  std::string session_id;
  caf::actor subscriber;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, unsubscribe_command& x) {
  return f(caf::meta::type_name("unsubscribe_command"), x.session_id, x.subscriber);
}

// Follow the totals (follow = false: stop): the subscriber gets a usage_totals at once, then one
// whenever they changed, at most every 100 ms.
struct totals_subscription {
  caf::actor subscriber;
  bool follow = true;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, totals_subscription& x) {
  return f(caf::meta::type_name("totals_subscription"), x.subscriber, x.follow);
}

}  // namespace agentrt
