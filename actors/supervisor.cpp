#include "actors/supervisor.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "actors/budget.hpp"
#include "actors/totals_followers.hpp"
#include "actors/unexpected.hpp"
#include "adapters/json_text.hpp"
#include "messages/errors.hpp"
#include "messages/type_ids.hpp"
#include "runtime/process/child_env.hpp"

namespace agentrt {

namespace {

// A command that may start a new run waits at most this long for the session's answer.
constexpr auto forward_timeout = std::chrono::seconds{30};

struct session_entry {
  caf::actor actor;
  session_info info;                      // as last reported by the session
  int runs_requested = 0;                 // forwarded queries and prompts not answered yet
  std::uint64_t admitted_generation = 0;  // the run that asked for a slot last
};

struct supervisor_state {
  session_env env;
  std::unordered_map<std::string, session_entry> sessions;
  std::vector<subscribe_command> all_subscribers;  // with an empty session id
  // With a journal: sessions that are no longer in the table (journaled by an earlier runtime,
  // or cleaned up), as last known. Listed, resumable, and numbered on from if they run again.
  past_sessions past;
  // Sessions the journal is asked about before they start here (another runtime may run them).
  std::unordered_set<std::string> launching;
  // Subscribers of session ids not in the table: handed to the session when it starts, so that
  // they see its first event.
  std::unordered_map<std::string, std::vector<subscribe_command>> waiting_subscribers;
  admission_control admission;
  usage_totals totals;     // with the global budget
  journal_status journal;  // the journal's health, as it last said
  totals_followers followers;

  static inline const char* name = "supervisor";
};

using supervisor_actor = caf::stateful_actor<supervisor_state>;

std::string validate(const query_command& q) {
  if (q.session_id.empty()) return "query: sessionId is required";
  if (q.prompt.empty()) return "query: prompt is required";
  const auto& known = providers::launchable_providers();
  if (std::find(known.begin(), known.end(), q.provider) == known.end())
    return "query: unknown provider \"" + q.provider + "\"";
  if (!(q.max_budget_usd >= 0)) return "query: maxBudgetUsd must not be negative";
  if (q.max_turns < 0) return "query: maxTurns must not be negative";
  if (!q.provider_config.empty())
    if (auto why = adapters::json_object_problem(q.provider_config); !why.empty())
      return "query: providerConfig is " + why;
  if (auto name = process::refused_env_name(q.extra_env); !name.empty())
    return "query: extraEnv may not set " + name + " (it would load code into the agent)";
  return {};
}

// What the launch recipe would refuse (a bad providerConfig field, bypassPermissions as root), at
// once rather than as the run's error status.
std::string launch_problem(const query_command& q, const providers::launch_config& launch) {
  auto plan = providers::plan_launch(q, launch);
  auto* error = std::get_if<std::string>(&plan);
  return error ? "query: " + *error : std::string{};
}

session_entry* find(supervisor_actor* self, const std::string& id) {
  auto it = self->state.sessions.find(id);
  return it == self->state.sessions.end() ? nullptr : &it->second;
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
  std::optional<query_recorded> record;  // journaled once the session took it
  if constexpr (std::is_same_v<Command, query_command>)
    if (self->state.env.journal) record = query_recorded{cmd};
  self->request(entry.actor, forward_timeout, std::move(cmd))
    .then(
      [self, promise, done, record](command_ack& ack) mutable {
        done();
        if (record) self->send(self->state.env.journal, *record);
        promise.deliver(std::move(ack));
      },
      [promise, done](caf::error& err) mutable {
        done();
        promise.deliver(std::move(err));
      });
  return promise;
}

// Tells each session granted a slot now that its run may start.
void admit(supervisor_actor* self, const std::vector<std::string>& granted) {
  for (const auto& id : granted)
    if (auto* entry = find(self, id))
      self->send(entry->actor, admission_reply{entry->admitted_generation, 0});
}

void on_admission_request(supervisor_actor* self, const admission_request& req) {
  auto* entry = find(self, req.session_id);
  if (entry == nullptr) return;
  entry->admitted_generation = req.generation;
  auto place = self->state.admission.request(req.session_id, req.provider);
  self->send(entry->actor, admission_reply{req.generation, static_cast<std::uint32_t>(place)});
}

// A session for an id that is not in the table: new, one with a journaled past, or one that
// ran on another node before (`after`: where its numbering stood there).
// `journaled`: what the journal holds of it, if anything.
command_ack launch(supervisor_actor* self, query_command q, const continued_query& after = {},
                   std::optional<session_info> journaled = std::nullopt) {
  auto& st = self->state;
  if (st.env.journal) self->send(st.env.journal, query_recorded{q});
  session_past past{after.after_generation, after.after_seq};
  auto known = st.past.take(q.session_id);
  // Numbered on from the journal's record, unless this runtime knows a later run of it.
  if (journaled && (!known || journaled->generation >= known->generation)) known = journaled;
  if (known) {
    past.generation = std::max(past.generation, known->generation);
    past.cost_usd = known->total_cost_usd;
    past.input_tokens = known->input_tokens;
    past.output_tokens = known->output_tokens;
  }
  std::uint64_t past_generation = past.generation;
  session_entry entry;
  entry.info.session_id = q.session_id;
  entry.info.provider = q.provider;
  entry.info.generation = past_generation;
  // Spent before this runtime (or this entry): not the runtime's totals, which count from here.
  entry.info.total_cost_usd = past.cost_usd;
  entry.info.input_tokens = past.input_tokens;
  entry.info.output_tokens = past.output_tokens;
  std::string id = q.session_id;
  bool limited = st.env.admission && st.env.admission->limits(q.provider);
  std::string provider = q.provider;
  auto subscribers = st.all_subscribers;
  if (auto waiting = st.waiting_subscribers.find(id); waiting != st.waiting_subscribers.end()) {
    for (auto& sub : waiting->second) {
      self->demonitor(sub.subscriber);
      sub.replay = false;  // from its first event: nothing to replay
      subscribers.push_back(std::move(sub));
    }
    st.waiting_subscribers.erase(waiting);
  }
  entry.actor = spawn_session(self, std::move(q), std::move(subscribers), st.env, past, limited);
  self->monitor(entry.actor);
  st.sessions.emplace(id, std::move(entry));
  if (limited)  // asked here, in the order of the queries
    on_admission_request(self, admission_request{id, provider, past_generation + 1});
  return command_ack{id};
}

// The runtime's budget: "" while it allows more spending (a new run, or, `crossed`, the runs
// that go on), else why not.
std::string global_budget_problem(const usage_totals& totals, bool crossed = false) {
  return budget_problem("global budget", totals.total_cost_usd, totals.budget_usd, crossed);
}

// With a shared journal, a session that is not in the table starts once the journal said that
// no other runtime that lives runs it now; `run` makes its query from what the journal holds of
// it. The answers come in the order of the questions, so sessions start in the order asked.
template <class MakeQuery>
caf::result<command_ack> launch_journaled(supervisor_actor* self, const std::string& id,
                                          bool new_ok, MakeQuery run,
                                          const continued_query& after = {}) {
  auto& st = self->state;
  if (!st.launching.insert(id).second)
    return make_error(errc::duplicate_session, "Session already running");
  auto promise = self->make_response_promise<command_ack>();
  self->request(st.env.journal, forward_timeout, stored_query_request{id, new_ok})
    .then(
      [self, promise, id, run, after](stored_session& stored) mutable {
        auto& st = self->state;
        st.launching.erase(id);
        auto q = run(stored);
        if (!q) {
          promise.deliver(std::move(q.error()));
          return;
        }
        std::optional<session_info> journaled;
        if (!stored.info.session_id.empty()) journaled = std::move(stored.info);
        promise.deliver(launch(self, std::move(*q), after, std::move(journaled)));
      },
      [self, promise, id](caf::error& err) mutable {
        self->state.launching.erase(id);
        promise.deliver(std::move(err));
      });
  return promise;
}

caf::result<command_ack> start(supervisor_actor* self, query_command& q,
                               const continued_query& after = {}) {
  auto& st = self->state;
  if (auto problem = validate(q); !problem.empty())
    return make_error(errc::invalid_command, std::move(problem));
  if (auto problem = launch_problem(q, *st.env.launch); !problem.empty())
    return make_error(errc::invalid_command, std::move(problem));
  if (auto problem = global_budget_problem(st.totals); !problem.empty())
    return make_error(errc::invalid_command, std::move(problem));
  if (auto it = st.sessions.find(q.session_id); it != st.sessions.end())
    return forward_run(self, it->second, std::move(q));  // it rejects a running duplicate
  if (!st.env.journal) return launch(self, std::move(q), after);
  return launch_journaled(
    self, q.session_id, true,
    [q](const stored_session&) { return caf::expected<query_command>{q}; }, after);
}

caf::error not_found() {
  return make_error(errc::session_not_found, "Session not found");
}

// A table session takes it as a follow-up; one the journal knows (journaled by this runtime, an
// earlier one, or another one beside it) runs again from its journaled query.
caf::result<command_ack> resume(supervisor_actor* self, resume_command& cmd) {
  auto& st = self->state;
  if (auto problem = global_budget_problem(st.totals); !problem.empty())
    return make_error(errc::invalid_command, std::move(problem));
  if (cmd.prompt.empty()) cmd.prompt = "Continue.";
  if (auto* entry = find(self, cmd.session_id))
    return forward_run(self, *entry, prompt_command{cmd.session_id, cmd.prompt});
  if (!st.env.journal) return not_found();
  return launch_journaled(
    self, cmd.session_id, false, [cmd](stored_session& stored) -> caf::expected<query_command> {
      if (stored.info.provider_session_id.empty())
        return make_error(errc::invalid_command, "Session " + cmd.session_id +
                                                   " cannot be resumed: its agent never reported "
                                                   "a session id of its own");
      auto q = std::move(stored.query);
      q.prompt = cmd.prompt;
      q.resume_id = stored.info.provider_session_id;
      return q;
    });
}

// A replay of a session that is only in the journal: its events and their end (its next run, if
// it runs again, comes to the subscriber as a waiting one's).
void replay_past(supervisor_actor* self, const subscribe_command& cmd) {
  self
    ->request(self->state.env.journal, forward_timeout,
              replay_request{cmd.session_id, cmd.after_seq})
    .then(
      [self, cmd](session_events& events) {
        std::uint64_t last = cmd.after_seq;
        for (const auto& ev : events.events) last = std::max(last, seq_of(ev));
        if (!events.events.empty()) self->send(cmd.subscriber, std::move(events));
        self->send(cmd.subscriber, replay_end{cmd.session_id, last});
      },
      [](const caf::error&) {});
}

// A subscriber of a session id that is not in the table waits for it to start (its journaled
// past first, when it asked for a replay); one that unsubscribes or dies is forgotten.
command_ack wait_for_session(supervisor_actor* self, const subscribe_command& cmd) {
  auto& st = self->state;
  if (cmd.replay && st.past.contains(cmd.session_id)) replay_past(self, cmd);
  auto& waiting = st.waiting_subscribers[cmd.session_id];
  waiting.push_back(cmd);
  self->monitor(cmd.subscriber);
  return command_ack{cmd.session_id};
}

void stop_waiting(supervisor_actor* self, const std::string& id, const caf::actor_addr& who) {
  auto& all = self->state.waiting_subscribers;
  for (auto it = all.begin(); it != all.end();) {
    auto& subs = it->second;
    if (id.empty() || it->first == id)
      subs.erase(std::remove_if(subs.begin(), subs.end(),
                                [&](const auto& s) { return s.subscriber.address() == who; }),
                 subs.end());
    it = subs.empty() ? all.erase(it) : std::next(it);
  }
}

// A live session answers itself (its adapter knows what it published); any other the journal
// knows is read from there.
caf::result<session_events> replay(supervisor_actor* self, replay_command& cmd) {
  auto& st = self->state;
  if (!st.env.journal) return no_journal_error("replay");
  auto promise = self->make_response_promise<session_events>();
  if (auto* entry = find(self, cmd.session_id))
    return promise.delegate(entry->actor, std::move(cmd));
  return promise.delegate(st.env.journal,
                          replay_request{cmd.session_id, cmd.after_seq, UINT64_MAX, true});
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
  if constexpr (std::is_same_v<Command, subscribe_command>)
    if (cmd.replay) {
      if (!st.env.journal) return no_journal_error("subscribe");
      if (cmd.session_id.empty())
        return make_error(errc::invalid_command, "subscribe: a replay is of one session");
    }
  if (!cmd.session_id.empty()) {
    auto* entry = find(self, cmd.session_id);
    if constexpr (std::is_same_v<Command, subscribe_command>) {
      if (entry == nullptr) return wait_for_session(self, cmd);
    } else {
      stop_waiting(self, cmd.session_id, cmd.subscriber.address());
      if (entry == nullptr) return command_ack{cmd.session_id};
    }
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

// A session's spending grew (its reports count over all its runs): so do the totals. Once they
// cross the global budget every session is stopped, as an error saying so.
void add_spending(supervisor_actor* self, const session_info& before, const session_info& now) {
  auto& st = self->state;
  if (now.total_cost_usd == before.total_cost_usd && now.input_tokens == before.input_tokens &&
      now.output_tokens == before.output_tokens)
    return;
  bool was_crossed = !global_budget_problem(st.totals, true).empty();
  st.totals.total_cost_usd += now.total_cost_usd - before.total_cost_usd;
  st.totals.input_tokens += now.input_tokens - before.input_tokens;
  st.totals.output_tokens += now.output_tokens - before.output_tokens;
  st.followers.changed(self);
  auto problem = global_budget_problem(st.totals, true);
  if (was_crossed || problem.empty()) return;
  for (const auto& [id, entry] : st.sessions)
    caf::anon_send(entry.actor, stop_command{id, problem});
}

void update(supervisor_actor* self, const session_info& info) {
  auto* entry = find(self, info.session_id);
  if (entry == nullptr || info.generation < entry->info.generation) return;
  add_spending(self, entry->info, info);
  // A run that ended gives up its slot (or its place), also while its retry waits; an older
  // run's report does not.
  bool ended = is_terminal(info.status) || info.status == session_status::retrying;
  if (ended && info.generation >= entry->admitted_generation)
    admit(self, self->state.admission.release(info.session_id));
  bool newly_ended = is_terminal(info.status) && (!is_terminal(entry->info.status) ||
                                                  info.generation != entry->info.generation);
  entry->info = info;
  if (self->state.env.journal) self->send(self->state.env.journal, info);
  if (newly_ended)
    self->delayed_send(self, self->state.env.policy.cleanup_grace,
                       cleanup_tick{info.session_id, info.generation});
}

// The oldest past sessions beyond the bound are forgotten here and in the journal.
void forget_overflow(supervisor_actor* self) {
  if (auto gone = self->state.past.overflow(); !gone.empty())
    self->send(self->state.env.journal, journal_forget{std::move(gone)});
}

// Removes a session from the table; with a journal it stays known as a past session.
void retire(supervisor_actor* self, std::unordered_map<std::string, session_entry>::iterator it) {
  auto& st = self->state;
  if (st.env.journal) {
    st.past.remember(std::move(it->second.info));
    forget_overflow(self);
  }
  st.sessions.erase(it);
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
  retire(self, it);
}

// The journal cannot write (a full disk), or can again: every subscriber of all sessions is told.
void on_journal_status(supervisor_actor* self, const journal_status& status) {
  auto& st = self->state;
  st.journal = status;
  for (const auto& sub : st.all_subscribers)
    if (sub.subscriber != st.env.journal) self->send(sub.subscriber, status);
}

caf::behavior supervisor(supervisor_actor* self, session_env env, past_sessions past,
                         double global_budget_usd) {
  report_unexpected_on_stderr(self);
  auto& st = self->state;
  st.env = env;
  st.totals.budget_usd = global_budget_usd;
  if (env.admission) st.admission = admission_control{*env.admission};
  if (env.journal) {
    st.all_subscribers.push_back(subscribe_command{{}, env.journal, false, false, 0});
    self->send(env.journal, journal_watch{caf::actor_cast<caf::actor>(self)});
    st.past = std::move(past);
    forget_overflow(self);
  }
  // Sessions are not linked (one crashing must not take the others down): they are ended here.
  self->set_exit_handler([self](const caf::exit_msg& msg) {
    for (auto& [id, entry] : self->state.sessions) self->send_exit(entry.actor, msg.reason);
    self->quit(msg.reason);
  });
  self->set_down_handler([self](const caf::down_msg& down) {
    auto& sessions = self->state.sessions;
    for (auto it = sessions.begin(); it != sessions.end(); ++it)
      if (it->second.actor.address() == down.source) {
        auto id = it->first;
        retire(self, it);
        admit(self, self->state.admission.release(id));
        return;
      }
    stop_waiting(self, {}, down.source);
    self->state.followers.forget(down.source);
  });
  return {
    [self](query_command& q) { return start(self, q); },
    [self](continued_query& c) { return start(self, c.query, c); },
    [self](prompt_command& cmd) -> caf::result<command_ack> {
      auto* entry = find(self, cmd.session_id);
      if (entry == nullptr) return not_found();
      if (auto problem = global_budget_problem(self->state.totals); !problem.empty())
        return make_error(errc::invalid_command, std::move(problem));
      return forward_run(self, *entry, std::move(cmd));
    },
    [self](stop_command& cmd) { return route(self, cmd); },
    [self](interrupt_command& cmd) { return route(self, cmd); },
    [self](end_input_command& cmd) { return route(self, cmd); },
    [self](subscribe_command& cmd) { return subscription(self, cmd, true); },
    [self](unsubscribe_command& cmd) { return subscription(self, cmd, false); },
    [self](resume_command& cmd) { return resume(self, cmd); },
    [self](replay_command& cmd) { return replay(self, cmd); },
    [self](const totals_command&) { return self->state.totals; },
    [self](const totals_subscription& sub) {
      return self->state.followers.update(self, sub, self->state.totals);
    },
    [self](const totals_tick&) { self->state.followers.on_tick(self, self->state.totals); },
    [self](const admission_request& req) { on_admission_request(self, req); },
    [self](const list_command&) {
      session_list list;
      auto places = self->state.admission.places();
      for (const auto& [id, entry] : self->state.sessions) {
        list.sessions.push_back(entry.info);
        if (auto place = places.find(id); place != places.end())
          list.sessions.back().queue_position = place->second;
      }
      self->state.past.for_each([&](const session_info& info) { list.sessions.push_back(info); });
      std::sort(list.sessions.begin(), list.sessions.end(),
                [](const auto& a, const auto& b) { return a.started_at_ms < b.started_at_ms; });
      list.journal_error = self->state.journal.ok ? std::string{} : self->state.journal.error;
      return list;
    },
    [self](const journal_status& status) { on_journal_status(self, status); },
    [self](const session_info& info) { update(self, info); },
    [self](const cleanup_tick& tick) { clean_up(self, tick); },
  };
}

}  // namespace

caf::actor spawn_supervisor(caf::actor_system& sys, session_env env, past_sessions past,
                            double global_budget_usd) {
  return sys.spawn(supervisor, env, std::move(past), global_budget_usd);
}

}  // namespace agentrt
