#include "actors/supervisor.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <unordered_map>

#include "actors/unexpected.hpp"
#include "messages/errors.hpp"
#include "messages/type_ids.hpp"

namespace agentrt {

namespace {

// A command that may start a new run waits at most this long for the session's answer.
constexpr auto forward_timeout = std::chrono::seconds{30};

struct session_entry {
  caf::actor actor;
  session_info info;       // as last reported by the session
  int runs_requested = 0;  // forwarded queries and prompts not answered yet
};

struct supervisor_state {
  session_env env;
  std::unordered_map<std::string, session_entry> sessions;
  std::vector<subscribe_command> all_subscribers;  // with an empty session id

  static inline const char* name = "supervisor";
};

using supervisor_actor = caf::stateful_actor<supervisor_state>;

std::string validate(const query_command& q) {
  if (q.session_id.empty()) return "query: sessionId is required";
  if (q.prompt.empty()) return "query: prompt is required";
  const auto& known = providers::launchable_providers();
  if (std::find(known.begin(), known.end(), q.provider) == known.end())
    return "query: unknown provider \"" + q.provider + "\"";
  return {};
}

// Hands a command that may start a new run to its session, which answers the original sender.
// While it is in flight the session is not cleaned up, even if it has ended.
template <class Command>
caf::result<command_ack> forward_run(supervisor_actor* self, session_entry& entry, Command cmd) {
  auto promise = self->make_response_promise<command_ack>();
  ++entry.runs_requested;
  auto done = [self, id = entry.info.session_id] {
    auto it = self->state.sessions.find(id);
    if (it != self->state.sessions.end()) --it->second.runs_requested;
  };
  self->request(entry.actor, forward_timeout, std::move(cmd))
    .then(
      [promise, done](command_ack& ack) mutable {
        done();
        promise.deliver(std::move(ack));
      },
      [promise, done](caf::error& err) mutable {
        done();
        promise.deliver(std::move(err));
      });
  return promise;
}

caf::result<command_ack> start(supervisor_actor* self, query_command& q) {
  auto& st = self->state;
  if (auto problem = validate(q); !problem.empty())
    return make_error(errc::invalid_command, std::move(problem));
  if (auto it = st.sessions.find(q.session_id); it != st.sessions.end())
    return forward_run(self, it->second, std::move(q));  // it rejects a running duplicate
  session_entry entry;
  entry.info.session_id = q.session_id;
  entry.info.provider = q.provider;
  std::string id = q.session_id;
  entry.actor = spawn_session(self, std::move(q), st.all_subscribers, st.env);
  self->monitor(entry.actor);
  st.sessions.emplace(id, std::move(entry));
  return command_ack{id};
}

session_entry* find(supervisor_actor* self, const std::string& id) {
  auto it = self->state.sessions.find(id);
  return it == self->state.sessions.end() ? nullptr : &it->second;
}

caf::error not_found() {
  return make_error(errc::session_not_found, "Session not found");
}

// Hands a command to its session, which answers the original sender.
template <class Command>
caf::result<command_ack> route(supervisor_actor* self, Command& cmd) {
  auto* entry = find(self, cmd.session_id);
  if (entry == nullptr) return not_found();
  auto promise = self->make_response_promise<command_ack>();
  promise.delegate(entry->actor, std::move(cmd));
  return promise;
}

template <class Command>
caf::result<command_ack> subscription(supervisor_actor* self, Command& cmd, bool add) {
  auto& st = self->state;
  if (!cmd.subscriber) return make_error(errc::invalid_command, "subscribe: no subscriber");
  if (!cmd.session_id.empty()) {
    auto* entry = find(self, cmd.session_id);
    if (entry == nullptr) return not_found();
    self->send(entry->actor, std::move(cmd));
    return command_ack{entry->info.session_id};
  }
  auto& subs = st.all_subscribers;
  subs.erase(std::remove_if(subs.begin(), subs.end(),
                            [&](const auto& s) { return s.subscriber == cmd.subscriber; }),
             subs.end());
  if constexpr (std::is_same_v<Command, subscribe_command>)
    if (add) subs.push_back(cmd);
  for (auto& [id, entry] : st.sessions) self->send(entry.actor, cmd);
  return command_ack{};
}

void update(supervisor_actor* self, const session_info& info) {
  auto* entry = find(self, info.session_id);
  if (entry == nullptr || info.generation < entry->info.generation) return;
  bool newly_ended = is_terminal(info.status) && (!is_terminal(entry->info.status) ||
                                                  info.generation != entry->info.generation);
  entry->info = info;
  if (newly_ended)
    self->delayed_send(self, self->state.env.policy.cleanup_grace,
                       cleanup_tick{info.session_id, info.generation});
}

void clean_up(supervisor_actor* self, const cleanup_tick& tick) {
  auto it = self->state.sessions.find(tick.session_id);
  if (it == self->state.sessions.end()) return;
  auto& entry = it->second;
  if (entry.info.generation != tick.generation || !is_terminal(entry.info.status) ||
      entry.runs_requested > 0)
    return;  // it ran again, or is about to
  self->demonitor(entry.actor);
  self->send_exit(entry.actor, caf::exit_reason::user_shutdown);
  self->state.sessions.erase(it);
}

caf::behavior supervisor(supervisor_actor* self, session_env env) {
  report_unexpected_on_stderr(self);
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
    [self](prompt_command& cmd) -> caf::result<command_ack> {
      auto* entry = find(self, cmd.session_id);
      if (entry == nullptr) return not_found();
      return forward_run(self, *entry, std::move(cmd));
    },
    [self](stop_command& cmd) { return route(self, cmd); },
    [self](interrupt_command& cmd) { return route(self, cmd); },
    [self](subscribe_command& cmd) { return subscription(self, cmd, true); },
    [self](unsubscribe_command& cmd) { return subscription(self, cmd, false); },
    [self](const list_command&) {
      session_list list;
      for (const auto& [id, entry] : self->state.sessions) list.sessions.push_back(entry.info);
      std::sort(list.sessions.begin(), list.sessions.end(),
                [](const auto& a, const auto& b) { return a.started_at_ms < b.started_at_ms; });
      return list;
    },
    [self](const session_info& info) { update(self, info); },
    [self](const cleanup_tick& tick) { clean_up(self, tick); },
  };
}

}  // namespace

caf::actor spawn_supervisor(caf::actor_system& sys, session_env env) {
  return sys.spawn(supervisor, env);
}

}  // namespace agentrt
