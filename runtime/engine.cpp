#include "agentrt/agentrt.hpp"

#include <caf/all.hpp>

#include "agentrt/caf.hpp"

#include <mutex>
#include <stdexcept>

#include "actors/unexpected.hpp"
#include "messages/errors.hpp"
#include "messages/type_ids.hpp"
#include "runtime/runtime.hpp"

namespace agentrt {

namespace {

constexpr auto command_timeout = std::chrono::seconds{30};

// Set on the thread that runs a callback: an engine call from there would wait for itself.
thread_local bool in_callback = false;

struct callback_scope {
  callback_scope() { in_callback = true; }
  ~callback_scope() { in_callback = false; }
  callback_scope(const callback_scope&) = delete;
  callback_scope& operator=(const callback_scope&) = delete;
};

const char* const reentry_error =
  "called from inside a callback: it would wait for the thread that runs the callback; call the "
  "engine from a thread of your own";

// Calls a subscription's callbacks, one event at a time.
struct callback_caller {
  const event_callbacks& cb;

  template <class Event>
  static void call(const std::function<void(const Event&)>& f, const Event& ev) {
    callback_scope scope;
    if (f) f(ev);
  }
  void operator()(const agent_message& m) const { call(cb.on_message, m); }
  void operator()(const status_change& s) const { call(cb.on_status, s); }
  void operator()(const cost_update& c) const { call(cb.on_cost, c); }
  void operator()(const log_line& l) const { call(cb.on_log, l); }
  void operator()(const raw_line&) const {}  // not asked for
};

caf::behavior callback_actor(caf::event_based_actor* self, event_callbacks cb) {
  report_unexpected_on_stderr(self);
  return {
    [cb](const session_events& batch) {
      for (const auto& ev : batch.events) caf::visit(callback_caller{cb}, ev);
    },
    [cb](const journal_status& status) { callback_caller::call(cb.on_journal, status); },
    [cb](const replay_end& end) {
      callback_scope scope;
      if (cb.on_replayed) cb.on_replayed(end.session_id, end.last_seq);
    },
  };
}

caf::behavior totals_callback_actor(caf::event_based_actor* self,
                                    std::function<void(const usage_totals&)> on_totals) {
  report_unexpected_on_stderr(self);
  return {
    [on_totals](const usage_totals& totals) { callback_caller::call(on_totals, totals); },
  };
}

runtime_options to_runtime(const engine_options& opts) {
  runtime_options r;
  r.policy.stop_grace = opts.stop_grace;
  r.policy.cleanup_grace = opts.cleanup_grace;
  r.policy.watchdog.stall_after = r.policy.watchdog.act_after = opts.stall_timeout;
  r.policy.watchdog.action = opts.restart_stalled ? stall_action::restart : stall_action::stop;
  r.policy.restart.max_restarts = opts.max_restarts;
  r.policy.restart.max_retries = opts.max_retries;
  r.host.buffer_budget_bytes = opts.max_buffered_bytes;
  r.launch.binaries = opts.binaries;
  r.scheduler_threads = opts.threads;
  for (const auto& text : opts.nodes) {
    auto address = parse_node_address(text);
    if (!address) throw std::invalid_argument{"engine: a node is HOST:PORT, not " + text};
    r.cluster.nodes.push_back(*address);
  }
  r.cluster.tls = {opts.tls_certificate, opts.tls_key, opts.tls_ca};
  r.journal.dir = opts.journal_dir;
  r.journal.keep_sessions = opts.journal_keep_sessions;
  r.admission.max_sessions = opts.max_sessions;
  r.global_budget_usd = opts.max_total_usd;
  if (opts.max_per_provider) r.admission.max_per_provider = *opts.max_per_provider;
  return r;
}

}  // namespace

class engine::impl {
 public:
  explicit impl(const engine_options& opts)
      : rt(to_runtime(opts)),
        grace(opts.stop_grace + std::chrono::seconds{1}),
        journaled(!opts.journal_dir.empty() && opts.nodes.empty()) {}

  ~impl() {
    // Stop the sessions while the callbacks still run, so the last events are delivered.
    rt.stop_all(grace);
    std::lock_guard<std::mutex> guard{mutex};
    for (auto& [id, actor] : subscriptions)
      caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
  }

  // The supervisor's answer to `cmd`: its value, or why not.
  template <class Reply, class Command>
  value_result<Reply> ask_for(Command cmd) {
    value_result<Reply> result;
    if (in_callback) {
      result.error = reentry_error;
      return result;
    }
    caf::scoped_actor self{rt.system()};
    self->request(rt.supervisor(), command_timeout, std::move(cmd))
      .receive(
        [&](Reply& reply) {
          result.ok = true;
          result.value = std::move(reply);
        },
        [&](const caf::error& err) { result.error = error_text(err); });
    return result;
  }

  template <class Command>
  command_result ask(Command cmd) {
    return ask_for<command_ack>(std::move(cmd));
  }

  // Subscribes `cmd` with an actor calling the callbacks; the subscription's id.
  template <class Command, class Behavior, class Callbacks>
  value_result<std::uint64_t> subscribe(Command cmd, Behavior behavior, Callbacks callbacks) {
    value_result<std::uint64_t> result;
    if (in_callback) {
      result.error = reentry_error;
      return result;
    }
    // A thread of its own: a callback that takes long holds back the sessions it follows (their
    // agents wait for it), not the scheduler and with it every other session.
    cmd.subscriber = rt.system().spawn<caf::detached>(behavior, std::move(callbacks));
    auto actor = cmd.subscriber;
    if (auto acked = ask(std::move(cmd)); !acked) {
      caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
      result.error = acked.error;
      return result;
    }
    std::lock_guard<std::mutex> guard{mutex};
    subscriptions.emplace(++next_id, actor);
    result.ok = true;
    result.value = next_id;
    return result;
  }

  value_result<status_change> wait(const std::string& session_id,
                                   std::chrono::milliseconds timeout);

  runtime rt;
  std::chrono::milliseconds grace;
  bool journaled;  // a session subscribed to is replayed from the journal first
  std::mutex mutex;
  std::uint64_t next_id = 0;
  std::map<std::uint64_t, caf::actor> subscriptions;
};

engine::engine(engine_options opts) : impl_(std::make_unique<impl>(opts)) {}

engine::~engine() = default;

command_result engine::start(query_command query) {
  return impl_->ask(std::move(query));
}

command_result engine::prompt(const std::string& session_id, const std::string& text) {
  return impl_->ask(prompt_command{session_id, text});
}

command_result engine::interrupt(const std::string& session_id) {
  return impl_->ask(interrupt_command{session_id});
}

command_result engine::stop(const std::string& session_id) {
  return impl_->ask(stop_command{session_id});
}

command_result engine::resume(const std::string& session_id, const std::string& text) {
  return impl_->ask(resume_command{session_id, text});
}

value_result<std::vector<session_info>> engine::list() {
  auto listed = impl_->ask_for<session_list>(list_command{});
  value_result<std::vector<session_info>> result;
  result.ok = listed.ok;
  result.error = std::move(listed.error);
  result.value = std::move(listed.value.sessions);
  return result;
}

value_result<std::uint64_t> engine::subscribe(const std::string& session_id,
                                              event_callbacks callbacks) {
  bool replay = impl_->journaled && !session_id.empty();
  return impl_->subscribe(subscribe_command{session_id, {}, false, replay, 0}, callback_actor,
                          std::move(callbacks));
}

value_result<std::uint64_t> engine::subscribe_after(const std::string& session_id,
                                                    std::uint64_t after_seq,
                                                    event_callbacks callbacks) {
  return impl_->subscribe(subscribe_command{session_id, {}, false, true, after_seq}, callback_actor,
                          std::move(callbacks));
}

value_result<usage_totals> engine::totals() {
  return impl_->ask_for<usage_totals>(totals_command{});
}

value_result<std::uint64_t> engine::subscribe_totals(
  std::function<void(const usage_totals&)> on_totals) {
  return impl_->subscribe(totals_subscription{}, totals_callback_actor, std::move(on_totals));
}

// Follows the session from now; its status as listed covers an end that came before.
value_result<status_change> engine::impl::wait(const std::string& session_id,
                                               std::chrono::milliseconds timeout) {
  value_result<status_change> result;
  if (in_callback) {
    result.error = reentry_error;
    return result;
  }
  caf::scoped_actor self{rt.system()};
  if (auto followed = ask(subscribe_command{session_id, caf::actor{self}}); !followed) {
    result.error = followed.error;
    return result;
  }
  auto listed = ask_for<session_list>(list_command{});
  for (const auto& s : listed.value.sessions)
    if (s.session_id == session_id && is_terminal(s.status)) {
      result.ok = true;
      result.value.session_id = session_id;
      result.value.status = s.status;
      result.value.generation = s.generation;
    }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!result.ok) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.error =
        "Session " + session_id + " did not end within " + std::to_string(timeout.count()) + " ms";
      break;
    }
    self->receive(
      [&](const session_events& batch) {
        for (const auto& ev : batch.events)
          if (auto* s = caf::get_if<status_change>(&ev); s && is_terminal(s->status)) {
            result.ok = true;
            result.value = *s;
          }
      },
      caf::after(left) >> [] {});
  }
  ask(unsubscribe_command{session_id, caf::actor{self}});
  return result;
}

value_result<status_change> engine::wait(const std::string& session_id,
                                         std::chrono::milliseconds timeout) {
  return impl_->wait(session_id, timeout);
}

struct engine_access {
  static engine::impl& of(engine& e) { return *e.impl_; }
};

caf::actor_system& actor_system(engine& e) {
  return engine_access::of(e).rt.system();
}

command_result subscribe_actor(engine& e, const std::string& session_id, caf::actor subscriber,
                               bool raw) {
  return engine_access::of(e).ask(subscribe_command{session_id, std::move(subscriber), raw});
}

command_result engine::unsubscribe(std::uint64_t subscription) {
  command_result result;
  if (in_callback) {
    result.error = reentry_error;
    return result;
  }
  caf::actor actor;
  {
    std::lock_guard<std::mutex> guard{impl_->mutex};
    auto it = impl_->subscriptions.find(subscription);
    if (it == impl_->subscriptions.end()) {
      result.error = "no subscription " + std::to_string(subscription);
      return result;
    }
    actor = it->second;
    impl_->subscriptions.erase(it);
  }
  caf::scoped_actor self{impl_->rt.system()};
  self->monitor(actor);
  caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
  self->receive([](const caf::down_msg&) {});  // its callbacks are over
  result.ok = true;
  return result;
}

}  // namespace agentrt
