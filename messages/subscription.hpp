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
// With replay (one session, and a journal): first the journaled events after `after_seq`, a
// replay_end, then the live ones, with no gap and no duplicate. A session that is only in the
// journal gets the replay alone, and its next run when it runs again. A session id that has not
// started yet is subscribed to all the same: the subscriber gets its first run from seq 1.
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

// After a replay's events (subscribe_command with replay): they were the journaled ones, up to
// last_seq; what follows is live.
struct replay_end {
  std::string session_id;
  std::uint64_t last_seq = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, replay_end& x) {
  return f(caf::meta::type_name("replay_end"), x.session_id, x.last_seq);
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
