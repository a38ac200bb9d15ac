#pragma once
// Subscribing an actor to the events of one session, or of all sessions.
// Split from commands.hpp because it needs caf::actor.

#include <caf/actor.hpp>
#include <caf/meta/type_name.hpp>

#include <string>

namespace agentrt {

// An empty session_id subscribes to every session, present and future. With raw, the subscriber
// also gets each stdout line as written (raw_line), before the messages made of it.
struct subscribe_command {
  std::string session_id;
  caf::actor subscriber;
  bool raw = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, subscribe_command& x) {
  return f(caf::meta::type_name("subscribe_command"), x.session_id, x.subscriber, x.raw);
}

struct unsubscribe_command {
  std::string session_id;
  caf::actor subscriber;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, unsubscribe_command& x) {
  return f(caf::meta::type_name("unsubscribe_command"), x.session_id, x.subscriber);
}

}  // namespace agentrt
