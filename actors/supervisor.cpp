#include "actors/supervisor.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <unordered_map>

#include "messages/errors.hpp"
#include "messages/type_ids.hpp"

namespace agentrt {

namespace {

struct session_entry {
  caf::actor actor;
  session_info info;
  bool ended = false;  // the current generation reached a terminal status
};

struct supervisor_state {
  session_env env;
  std::unordered_map<std::string, session_entry> sessions;
  std::vector<caf::actor> all_subscribers;

  static inline const char* name = "supervisor";
};

using supervisor_actor = caf::stateful_actor<supervisor_state>;

// Hands `cmd` to a session, which answers the original sender.
template <class Command>
caf::result<command_ack> forward(supervisor_actor* self, const caf::actor& session, Command&& cmd) {
  auto promise = self->make_response_promise<command_ack>();
  promise.delegate(session, std::forward<Command>(cmd));
  return promise;
}

std::string validate(const query_command& q) {
  if (q.session_id.empty()) return "query: sessionId is required";
  if (q.prompt.empty()) return "query: prompt is required";
  const auto& known = providers::launchable_providers();
  if (std::find(known.begin(), known.end(), q.provider) == known.end())
    return "query: unknown provider \"" + q.provider + "\"";
  return {};
}

caf::result<command_ack> start(supervisor_actor* self, query_command& q) {
  auto& st = self->state;
  if (auto problem = validate(q); !problem.empty())
    return make_error(errc::invalid_command, std::move(problem));
  auto it = st.sessions.find(q.session_id);
  if (it != st.sessions.end()) {
    if (!it->second.ended) return make_error(errc::duplicate_session, "Session already running");
    it->second.ended = false;
    ++it->second.info.generation;
    return forward(self, it->second.actor, std::move(q));
  }
  session_entry entry;
  entry.info.session_id = q.session_id;
  entry.info.provider = q.provider;
  entry.info.generation = 1;
  std::string id = q.session_id;
  entry.actor = spawn_session(self, std::move(q), st.all_subscribers, st.env);
  self->monitor(entry.actor);
  st.sessions.emplace(id, std::move(entry));
  return command_ack{id};
}

// Routes a command to its session, or answers "Session not found".
template <class Command>
caf::result<command_ack> route(supervisor_actor* self, Command& cmd) {
  auto it = self->state.sessions.find(cmd.session_id);
  if (it == self->state.sessions.end())
    return make_error(errc::session_not_found, "Session not found");
  return forward(self, it->second.actor, std::move(cmd));
}

template <class Command>
caf::result<command_ack> subscription(supervisor_actor* self, Command& cmd, bool add) {
  auto& st = self->state;
  if (!cmd.subscriber) return make_error(errc::invalid_command, "subscribe: no subscriber");
  if (!cmd.session_id.empty()) {
    auto it = st.sessions.find(cmd.session_id);
    if (it == st.sessions.end()) return make_error(errc::session_not_found, "Session not found");
    self->send(it->second.actor, std::move(cmd));
    return command_ack{it->first};
  }
  auto& subs = st.all_subscribers;
  subs.erase(std::remove(subs.begin(), subs.end(), cmd.subscriber), subs.end());
  if (add) subs.push_back(cmd.subscriber);
  for (auto& [id, entry] : st.sessions) self->send(entry.actor, cmd);
  return command_ack{};
}

caf::behavior supervisor(supervisor_actor* self, session_env env) {
  self->state.env = env;
  // Sessions are not linked (one crashing must not take the others down): they are ended here.
  self->set_exit_handler([self](const caf::exit_msg& msg) {
    for (auto& [id, entry] : self->state.sessions) self->send_exit(entry.actor, msg.reason);
    self->quit(msg.reason);
  });
  self->set_down_handler([self](const caf::down_msg& down) {
    auto& sessions = self->state.sessions;
    for (auto it = sessions.begin(); it != sessions.end(); ++it)
      if (it->second.actor.address() == down.source) {
        sessions.erase(it);
        return;
      }
  });
  return {
    [self](query_command& q) { return start(self, q); },
    [self](stop_command& cmd) { return route(self, cmd); },
    [self](prompt_command& cmd) -> caf::result<command_ack> {
      if (self->state.sessions.count(cmd.session_id) == 0)
        return make_error(errc::session_not_found, "Session not found");
      return make_error(errc::unsupported, "follow-up prompts are not supported yet");
    },
    [self](subscribe_command& cmd) { return subscription(self, cmd, true); },
    [self](unsubscribe_command& cmd) { return subscription(self, cmd, false); },
    [self](const list_command&) {
      session_list list;
      for (const auto& [id, entry] : self->state.sessions) list.sessions.push_back(entry.info);
      std::sort(list.sessions.begin(), list.sessions.end(),
                [](const auto& a, const auto& b) { return a.started_at_ms < b.started_at_ms; });
      return list;
    },
    [self](const session_info& info) {
      auto it = self->state.sessions.find(info.session_id);
      if (it != self->state.sessions.end() && it->second.info.generation == info.generation)
        it->second.info = info;
    },
    [self](const session_ended& ended) {
      auto it = self->state.sessions.find(ended.session_id);
      if (it == self->state.sessions.end() || it->second.info.generation != ended.generation)
        return;
      it->second.ended = true;
      self->delayed_send(self, self->state.env.policy.cleanup_grace,
                         cleanup_tick{ended.session_id, ended.generation});
    },
    [self](const cleanup_tick& tick) {
      auto it = self->state.sessions.find(tick.session_id);
      if (it == self->state.sessions.end() || !it->second.ended ||
          it->second.info.generation != tick.generation)
        return;
      self->demonitor(it->second.actor);
      self->send_exit(it->second.actor, caf::exit_reason::user_shutdown);
      self->state.sessions.erase(it);
    },
  };
}

}  // namespace

caf::actor spawn_supervisor(caf::actor_system& sys, session_env env) {
  return sys.spawn(supervisor, env);
}

}  // namespace agentrt
