#include "actors/session.hpp"

#include <caf/all.hpp>

#include <cstdio>
#include <optional>
#include <random>
#include <utility>

#include <csignal>

#include "actors/budget.hpp"
#include "actors/child_bridge.hpp"
#include "actors/message_adapter.hpp"
#include "actors/process_reader.hpp"
#include "actors/recovery.hpp"
#include "actors/session_state.hpp"
#include "actors/unexpected.hpp"
#include "adapters/error_class.hpp"
#include "messages/errors.hpp"
#include "messages/type_ids.hpp"

namespace agentrt {

namespace {

std::int64_t wall_clock_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

struct spending {
  double usd = 0;
  std::uint64_t input_tokens = 0;
  std::uint64_t output_tokens = 0;

  spending operator+(const spending& more) const {
    return {usd + more.usd, input_tokens + more.input_tokens, output_tokens + more.output_tokens};
  }
};

cost_update sum(const cost_update& a, const cost_update& b) {
  cost_update s;
  s.total_cost_usd = a.total_cost_usd + b.total_cost_usd;
  s.input_tokens = a.input_tokens + b.input_tokens;
  s.output_tokens = a.output_tokens + b.output_tokens;
  s.cache_read_tokens = a.cache_read_tokens + b.cache_read_tokens;
  s.cache_creation_tokens = a.cache_creation_tokens + b.cache_creation_tokens;
  s.turns = a.turns + b.turns;
  return s;
}

// Everything that belongs to one run (generation) of the session: start_run replaces it whole.
struct run_record {
  session_state state;                // its state machine
  bool launched = false;              // its process (or chat) was asked for
  bool takes_stdin_prompts = false;   // it reads follow-ups from its stdin
  std::string stop_input;             // what asks it to quit, before signals
  bool has_provider_session = false;  // it reported a session id of its own
  spending spent;                     // so far
  cost_update usage;                  // its latest totals, as its agent reported them
  // The watchdog counts silence from the later of this (the launch, a prompt written to it) and
  // the child's last output.
  std::chrono::steady_clock::time_point quiet_since;
  // A prompt sent while it was idle without reading prompts (a one-shot agent between its result
  // and its exit): the next run, once this one ended done.
  std::optional<std::string> next_prompt;
  // Once it ended: the retry or restart scheduled, published as `retrying` until it starts.
  std::optional<recovery_plan> recovery;
  std::int64_t recovery_at_ms = 0;   // wall clock
  bool recovery_called_off = false;  // a stop came while it waited: it ends `stopped`
};

struct session_actor_state {
  session_env env;
  caf::actor supervisor;
  caf::actor adapter;
  query_command query;
  session_info info;
  run_record run;
  bool admission_asked = false;  // the supervisor asked a slot for the next run itself
  std::shared_ptr<child_slot> child;
  std::shared_ptr<http::conversation> conversation;  // an HTTP chat's history, across runs
  spending before_run;                               // by the session's earlier runs
  recovery_history recoveries;
  // What the runs of the conversation the next run resumes used before it (codex reports its
  // thread's running totals: they count from there).
  cost_update conversation_usage;
  // The token of the recovery scheduled: a stop or a new run moves it on, cancelling the tick.
  std::uint64_t recovery_token = 0;

  static inline const char* name = "session";
};

using session_actor = caf::stateful_actor<session_actor_state>;

// What subscribers see: the run's own status, except that an ended run with a recovery
// scheduled is `retrying` until the next starts (or `stopped` when a stop called it off).
session_status published_status(const run_record& run) {
  if (run.recovery_called_off) return session_status::stopped;
  if (run.recovery && is_terminal(run.state.status())) return session_status::retrying;
  return run.state.status();
}

void report(session_actor* self) {
  auto& st = self->state;
  st.info.status = published_status(st.run);
  self->send(st.supervisor, st.info);
}

void publish_status(session_actor* self, std::uint32_t queue_position = 0) {
  auto& st = self->state;
  st.info.queue_position = queue_position;
  status_change change;
  change.queue_position = queue_position;
  change.status = published_status(st.run);
  if (change.status == session_status::retrying) {
    change.attempt = static_cast<std::uint32_t>(st.run.recovery->attempt);
    change.max_attempts = static_cast<std::uint32_t>(st.run.recovery->limit);
    change.retry_at_ms = st.run.recovery_at_ms;
  }
  change.exit_code = st.run.state.exited() ? st.run.state.exit_code() : -1;
  change.signal = st.run.state.exited() ? st.run.state.signal() : -1;
  change.error = st.run.state.error();
  change.generation = st.info.generation;
  self->send(st.adapter, std::move(change));
  report(self);
}

void plan_recovery(session_actor* self);
bool run_next_prompt(session_actor* self);

void apply(session_actor* self, std::optional<session_status> changed) {
  if (!changed) return;
  if (is_terminal(*changed) && run_next_prompt(self)) return;
  if (is_terminal(*changed)) plan_recovery(self);  // before the status: retrying, or gave up
  publish_status(self);
}

// The process of the current run, once it started.
std::shared_ptr<process::running_agent> current_child(session_actor* self) {
  return self->state.child->get();
}

std::chrono::milliseconds stall_after(const session_actor_state& st) {
  return st.query.stall_timeout_ms >= 0 ? std::chrono::milliseconds{st.query.stall_timeout_ms}
                                        : st.env.policy.watchdog.stall_after;
}

// Spawns the current run's agent (or starts its chat).
void launch_run(session_actor* self) {
  auto& st = self->state;
  st.run.launched = true;
  publish_status(self);
  st.run.quiet_since = std::chrono::steady_clock::now();
  if (auto after = stall_after(st); after.count() > 0)
    self->delayed_send(self, after, watchdog_tick{st.info.generation});
  auto plan = providers::plan_launch(st.query, *st.env.launch);
  if (auto* error = std::get_if<std::string>(&plan)) {
    apply(self, st.run.state.on_spawn_failed(std::move(*error)));
    return;
  }
  auto& launch = std::get<providers::launch_plan>(plan);
  st.run.takes_stdin_prompts = launch.takes_stdin_prompts;
  st.run.stop_input = launch.stop_input;
  for (const auto& warning : launch.warnings)
    self->send(st.adapter, output_lines{output_stream::err, {"agentrt: " + warning}, nullptr});
  st.child->set(nullptr);
  auto reader = spawn_process_reader(self, st.adapter, st.child, st.env.policy.max_line_bytes,
                                     st.info.generation);
  auto bridge = std::make_shared<child_bridge>(caf::actor_cast<caf::actor>(self), reader,
                                               st.info.generation, st.child);
  if (launch.chat) {
    if (!st.conversation) st.conversation = std::make_shared<http::conversation>();
    launch.chat->history = st.conversation;
    st.env.ollama->start(std::move(*launch.chat), std::move(bridge));
  } else {
    st.env.host->spawn(std::move(launch.spec), std::move(bridge));
  }
}

// Starts a new run (generation) of the session with st.query: at once, or once admitted.
void start_run(session_actor* self) {
  auto& st = self->state;
  st.before_run = st.before_run + st.run.spent;
  st.conversation_usage =
    st.query.resume_id.empty() ? cost_update{} : sum(st.conversation_usage, st.run.usage);
  st.run = run_record{};
  ++st.recovery_token;  // a recovery still scheduled is not wanted any more
  ++st.info.generation;
  st.info.provider = st.query.provider;
  st.info.pid = 0;
  st.info.started_at_ms = wall_clock_ms();
  self->send(st.adapter, run_started{st.info.generation, st.query.provider, st.conversation_usage});
  if (!st.env.admission || !st.env.admission->limits(st.query.provider)) return launch_run(self);
  if (!std::exchange(st.admission_asked, false))
    self->send(st.supervisor,
               admission_request{st.info.session_id, st.query.provider, st.info.generation});
}

void on_admission(session_actor* self, const admission_reply& reply) {
  auto& st = self->state;
  if (reply.generation != st.info.generation || st.run.launched ||
      is_terminal(st.run.state.status()))
    return;  // an older run's, or a run stopped while it waited
  if (reply.queue_position > 0) {
    st.run.state.on_queued();
    publish_status(self, reply.queue_position);
    return;
  }
  st.run.state.on_admitted();
  launch_run(self);
}

void signal_run(session_actor* self, int sig) {
  if (auto child = current_child(self)) child->signal_group(sig);
}

// Ends the launched run's process: asked on stdin first when the agent has a way, then SIGTERM to
// its group, then SIGKILL.
void end_run(session_actor* self) {
  auto& st = self->state;
  auto gen = st.info.generation;
  auto child = current_child(self);
  if (!st.run.stop_input.empty() && child) {
    child->write_input(st.run.stop_input);
    child->close_input();
    self->delayed_send(self, st.env.policy.quit_grace, kill_tick{gen, SIGTERM});
    self->delayed_send(self, st.env.policy.quit_grace + st.env.policy.stop_grace,
                       kill_tick{gen, SIGKILL});
  } else {
    signal_run(self, SIGTERM);  // a spawn still in flight is signalled when it starts
    self->delayed_send(self, st.env.policy.stop_grace, kill_tick{gen, SIGKILL});
  }
}

// `reason` (a crossed budget) makes the run end as an error with that text, not `stopped`.
caf::result<command_ack> stop(session_actor* self, std::string reason = {}) {
  auto& st = self->state;
  if (is_terminal(st.run.state.status()) && st.run.recovery && !st.run.recovery_called_off) {
    st.run.recovery_called_off = true;  // the retry or restart is called off: it ends stopped
    ++st.recovery_token;
    publish_status(self);
    return command_ack{st.info.session_id};
  }
  if (is_terminal(st.run.state.status()))
    return make_error(errc::session_not_running,
                      "Session " + st.info.session_id + " is not running (" +
                        std::string{to_string(st.run.state.status())} + ")");
  if (!st.run.launched) {  // waiting for a slot: nothing to signal
    st.run.state.on_stop_requested(std::move(reason));
    apply(self, st.run.state.on_withdrawn());
    return command_ack{st.info.session_id};
  }
  if (!st.run.state.stop_requested()) {
    bool ending = st.run.state.stall_timed_out();  // the watchdog is ending it already
    st.run.state.on_stop_requested(std::move(reason));
    if (!ending) end_run(self);
  }
  return command_ack{st.info.session_id};
}

bool current(session_actor* self, std::uint64_t generation) {
  return generation == self->state.info.generation;
}

// The session's budget (query.max_budget_usd) covers all its runs.
std::string budget_problem(const session_actor_state& st, bool crossed) {
  return agentrt::budget_problem("budget", (st.before_run + st.run.spent).usd,
                                 st.query.max_budget_usd, crossed);
}

// A follow-up: the next turn of a live interactive agent, or a new run of an ended session that
// resumes the provider's conversation.
caf::result<command_ack> follow_up(session_actor* self, std::string prompt) {
  auto& st = self->state;
  if (prompt.empty()) return make_error(errc::invalid_command, "prompt: prompt is required");
  if (auto problem = budget_problem(st, false); !problem.empty())
    return make_error(errc::invalid_command, std::move(problem));
  auto child = current_child(self);
  auto& run = st.run.state;
  if (st.run.takes_stdin_prompts && child && !run.exited() && !run.stop_requested()) {
    child->write_input(providers::stdin_prompt(st.query.provider, prompt));
    st.run.quiet_since = std::chrono::steady_clock::now();
    // The turn starts now: its status comes before whatever it prints.
    apply(self, run.on_turn(turn_event{turn_event::started, {}, {}}));
    return command_ack{st.info.session_id};
  }
  if (run.status() == session_status::idle && !run.stop_requested() && !st.run.next_prompt) {
    // Its result is in, so it ends done however its process goes: ended now (not stopped), the
    // prompt runs next, resuming.
    st.run.next_prompt = std::move(prompt);
    end_run(self);
    return command_ack{st.info.session_id};
  }
  if (!is_terminal(run.status()))
    return make_error(errc::session_busy, "Session " + st.info.session_id + " is " +
                                            std::string{to_string(run.status())} +
                                            " and takes its next prompt once this turn ended");
  st.query.prompt = std::move(prompt);
  st.query.resume_id = st.info.provider_session_id;
  start_run(self);
  return command_ack{st.info.session_id};
}

caf::result<command_ack> interrupt(session_actor* self) {
  auto& st = self->state;
  auto child = current_child(self);
  if (is_terminal(st.run.state.status()) || !child || st.run.state.exited())
    return make_error(errc::session_not_running,
                      "Session " + st.info.session_id + " has no running agent to interrupt");
  st.run.state.on_interrupt_requested();
  auto request = st.run.takes_stdin_prompts ? providers::stdin_interrupt(st.query.provider) : "";
  if (!request.empty())
    child->write_input(std::move(request));
  else
    child->signal_group(SIGINT);
  return command_ack{st.info.session_id};
}

std::chrono::milliseconds with_jitter(std::chrono::milliseconds delay, double jitter) {
  thread_local std::minstd_rand random{std::random_device{}()};
  std::uniform_real_distribution<double> factor{1 - jitter, 1 + jitter};
  return std::chrono::milliseconds{static_cast<std::int64_t>(delay.count() * factor(random))};
}

// The run just ended: whether it is retried or restarted (recovery.hpp), and when; one that
// gives up after a limit gets it said in its error.
void plan_recovery(session_actor* self) {
  auto& st = self->state;
  const auto& run = st.run.state;
  run_outcome outcome{run.status(),  run.error(),           run.stop_requested(),
                      run.crashed(), run.stall_timed_out(), !budget_problem(st, false).empty()};
  auto plan = agentrt::plan_recovery(outcome, st.recoveries, st.env.policy, st.query.max_restarts,
                                     std::chrono::steady_clock::now());
  if (plan.kind == recovery_kind::none) {
    st.run.state.amend_error(plan.gave_up);
    return;
  }
  auto delay = with_jitter(plan.delay, st.env.policy.restart.jitter);
  st.run.recovery = std::move(plan);
  st.run.recovery_at_ms = wall_clock_ms() + delay.count();
  self->delayed_send(self, delay, recovery_tick{st.recovery_token});
}

// A run that ended done with a prompt waiting for it: the status, then the next run, resuming.
bool run_next_prompt(session_actor* self) {
  auto& st = self->state;
  if (!st.run.next_prompt || st.run.state.status() != session_status::done) return false;
  publish_status(self);
  st.query.prompt = std::move(*st.run.next_prompt);
  st.query.resume_id = st.info.provider_session_id;
  start_run(self);
  return true;
}

// A crashed run that made progress goes on from the provider's conversation; one that did not,
// and a retried one, runs again as it was.
void recover(session_actor* self, const recovery_tick& tick) {
  auto& st = self->state;
  if (!st.run.recovery || st.run.recovery_called_off || tick.token != st.recovery_token) return;
  if (st.run.state.crashed() && st.run.has_provider_session) {
    st.query.resume_id = st.info.provider_session_id;
    st.query.prompt = "Continue where you left off.";
  }
  start_run(self);
}

// Silence counts while the agent should be producing output: not while it waits, queued, or
// interactive and idle, for a prompt.
bool silence_counts(const session_actor_state& st) {
  auto s = st.run.state.status();
  return s == session_status::starting || s == session_status::running ||
         s == session_status::stalled || (s == session_status::idle && !st.run.takes_stdin_prompts);
}

// Looks at the current run after `quiet` of silence: marks it stalled, wakes it, or gives up on
// it. Returns when to look next, nothing once the run is being ended.
std::optional<std::chrono::milliseconds> look(session_actor* self, std::chrono::milliseconds quiet,
                                              std::chrono::milliseconds after) {
  auto& st = self->state;
  const auto& watchdog = st.env.policy.watchdog;
  if (!silence_counts(st)) return after;
  if (quiet < after) {
    apply(self, st.run.state.on_output_resumed());
    return after - quiet;
  }
  if (st.run.state.status() != session_status::stalled) {
    apply(self, st.run.state.on_stalled());
    return watchdog.action == stall_action::report ? after : watchdog.act_after;
  }
  if (watchdog.action == stall_action::report) return after;
  if (quiet < after + watchdog.act_after) return after + watchdog.act_after - quiet;
  char why[64];
  std::snprintf(why, sizeof why, "stalled: no output for %.1f s", quiet.count() / 1000.0);
  st.run.state.on_stall_timeout(why);
  end_run(self);
  return std::nullopt;
}

// One chain of watchdog ticks per run, from its launch to its end.
void watch(session_actor* self) {
  auto& st = self->state;
  auto after = stall_after(st);
  if (is_terminal(st.run.state.status()) || st.run.state.stall_timed_out() || after.count() <= 0)
    return;
  st.child->wake_on_output();  // before reading the time, so that no output is missed
  auto quiet = std::chrono::duration_cast<std::chrono::milliseconds>(
    std::chrono::steady_clock::now() - std::max(st.run.quiet_since, st.child->last_output()));
  if (auto next = look(self, quiet, after))
    self->delayed_send(self, *next, watchdog_tick{st.info.generation});
}

caf::behavior session(session_actor* self, caf::actor supervisor, query_command query,
                      std::vector<subscribe_command> subscribers, session_env env,
                      const session_past& past, bool first_run_queued) {
  report_unexpected_on_stderr(self);
  auto& st = self->state;
  st.env = env;
  st.admission_asked = first_run_queued;
  st.supervisor = std::move(supervisor);
  st.info.session_id = query.session_id;
  st.info.generation = past.generation;
  // A session resumed by a new runtime keeps its spending: its budget holds across the restart.
  st.before_run = spending{past.cost_usd, past.input_tokens, past.output_tokens};
  st.info.total_cost_usd = past.cost_usd;
  st.info.input_tokens = past.input_tokens;
  st.info.output_tokens = past.output_tokens;
  st.conversation_usage.total_cost_usd = past.cost_usd;
  st.conversation_usage.input_tokens = past.input_tokens;
  st.conversation_usage.output_tokens = past.output_tokens;
  st.query = std::move(query);
  st.adapter = spawn_message_adapter(self, st.info.session_id, std::move(subscribers),
                                     st.env.journal, past.generation > 0, past.after_seq);
  st.child = std::make_shared<child_slot>();
  // Whatever ends this actor, its agent does not outlive it.
  self->attach_functor([slot = st.child] {
    if (auto child = slot->get()) child->signal_group(SIGKILL);
  });
  start_run(self);
  return {
    [self](query_command& query) -> caf::result<command_ack> {
      auto& st = self->state;
      if (!is_terminal(st.run.state.status()))
        return make_error(errc::duplicate_session, "Session already running");
      st.query = std::move(query);
      if (auto problem = budget_problem(st, false); !problem.empty())
        return make_error(errc::invalid_command, std::move(problem));
      start_run(self);
      return command_ack{st.info.session_id};
    },
    [self](prompt_command& cmd) { return follow_up(self, std::move(cmd.prompt)); },
    [self](const interrupt_command&) { return interrupt(self); },
    [self](const end_input_command&) {
      auto& st = self->state;
      if (auto child = current_child(self); child && st.run.takes_stdin_prompts)
        child->close_input();
      return command_ack{st.info.session_id};
    },
    [self](const admission_reply& reply) { on_admission(self, reply); },
    [self](const recovery_tick& tick) { recover(self, tick); },
    [self](const watchdog_tick& tick) {
      if (current(self, tick.generation)) watch(self);
    },
    [self](const output_resumed& resumed) {
      if (current(self, resumed.generation)) apply(self, self->state.run.state.on_output_resumed());
    },
    [self](stop_command& cmd) { return stop(self, std::move(cmd.reason)); },
    [self](subscribe_command& cmd) { self->send(self->state.adapter, std::move(cmd)); },
    [self](replay_command& cmd) {
      auto promise = self->make_response_promise<session_events>();
      return promise.delegate(self->state.adapter, std::move(cmd));
    },
    [self](unsubscribe_command& cmd) { self->send(self->state.adapter, std::move(cmd)); },
    [self](const child_started& started) {
      if (!current(self, started.generation)) return;
      self->state.info.pid = started.pid;
      apply(self, self->state.run.state.on_spawned());
      if (self->state.run.state.stop_requested()) signal_run(self, SIGTERM);
    },
    [self](child_spawn_failed& failed) {
      if (!current(self, failed.generation)) return;
      apply(self, self->state.run.state.on_spawn_failed(std::move(failed.error)));
    },
    [self](const child_exited& exited) {
      if (!current(self, exited.generation)) return;
      auto& st = self->state;
      apply(self, st.run.state.on_exited(exited.exit_code, exited.signal));
      if (!is_terminal(st.run.state.status()))
        self->delayed_send(self, st.env.policy.drain_grace, drain_tick{exited.generation});
    },
    [self](const output_drained& drained) {
      if (current(self, drained.generation))
        apply(self, self->state.run.state.on_drained(drained.last_stderr));
    },
    [self](const turn_event& turn) { apply(self, self->state.run.state.on_turn(turn)); },
    [self](provider_session_seen& seen) {
      self->state.run.has_provider_session = true;
      self->state.info.provider_session_id = std::move(seen.id);
      report(self);
    },
    [self](const cost_update& cost) {
      auto& st = self->state;
      st.run.spent = spending{cost.total_cost_usd, cost.input_tokens, cost.output_tokens};
      st.run.usage = cost;
      auto total = st.before_run + st.run.spent;
      st.info.total_cost_usd = total.usd;
      st.info.input_tokens = total.input_tokens;
      st.info.output_tokens = total.output_tokens;
      report(self);
      if (auto problem = budget_problem(st, true);
          !problem.empty() && !st.run.state.stop_requested())
        (void)stop(self, std::move(problem));
    },
    [self](const kill_tick& tick) {
      if (current(self, tick.generation) && !self->state.run.state.exited())
        signal_run(self, tick.signal);
    },
    [self](const drain_tick& tick) {
      // A descendant that left the process group still holds the pipes: stop waiting for it.
      if (current(self, tick.generation) && !is_terminal(self->state.run.state.status()))
        if (auto child = current_child(self)) child->close_output();
    },
  };
}

}  // namespace

caf::actor spawn_session(caf::local_actor* supervisor, query_command query,
                         std::vector<subscribe_command> subscribers, session_env env,
                         const session_past& past, bool first_run_queued) {
  return supervisor->spawn(session, caf::actor_cast<caf::actor>(supervisor), std::move(query),
                           std::move(subscribers), env, past, first_run_queued);
}

}  // namespace agentrt
