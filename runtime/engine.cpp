#include "agentrt/agentrt.hpp"

#include <caf/all.hpp>

#include <mutex>
#include <stdexcept>

#include "actors/unexpected.hpp"
#include "messages/errors.hpp"
#include "messages/type_ids.hpp"
#include "runtime/runtime.hpp"

namespace agentrt {

namespace {

constexpr auto command_timeout = std::chrono::seconds{30};

// Calls a subscription's callbacks, one event at a time.
struct callback_caller {
  const event_callbacks& cb;

  template <class Event>
  static void call(const std::function<void(const Event&)>& f, const Event& ev) {
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
    [cb](const journal_status& status) {
      if (cb.on_journal) cb.on_journal(status);
    },
  };
}

caf::behavior totals_callback_actor(caf::event_based_actor* self,
                                    std::function<void(const usage_totals&)> on_totals) {
  report_unexpected_on_stderr(self);
  return {
    [on_totals](const usage_totals& totals) { on_totals(totals); },
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
  r.launch.binaries = opts.binaries;
  r.scheduler_threads = opts.threads;
  for (const auto& text : opts.nodes) {
    auto address = parse_node_address(text);
    if (!address) throw std::invalid_argument{"engine: a node is HOST:PORT, not " + text};
    r.cluster.nodes.push_back(*address);
  }
  r.cluster.tls = {opts.tls_certificate, opts.tls_key, opts.tls_ca};
  r.journal.dir = opts.journal_dir;
  r.admission.max_sessions = opts.max_sessions;
  r.global_budget_usd = opts.max_total_usd;
  if (opts.max_per_provider) r.admission.max_per_provider = *opts.max_per_provider;
  return r;
}

}  // namespace

class engine::impl {
 public:
  explicit impl(const engine_options& opts)
      : rt(to_runtime(opts)), grace(opts.stop_grace + std::chrono::seconds{1}) {}

  ~impl() {
    // Stop the sessions while the callbacks still run, so the last events are delivered.
    rt.stop_all(grace);
    std::lock_guard<std::mutex> guard{mutex};
    for (auto& [id, actor] : subscriptions)
      caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
  }

  template <class Command>
  command_result ask(Command cmd) {
    caf::scoped_actor self{rt.system()};
    command_result result;
    self->request(rt.supervisor(), command_timeout, std::move(cmd))
      .receive([&](const command_ack&) { result.ok = true; },
               [&](const caf::error& err) { result.error = error_text(err); });
    return result;
  }

  // Subscribes `cmd` with an actor calling the callbacks; the subscription's id.
  template <class Command, class Behavior, class Callbacks>
  std::uint64_t subscribe(Command cmd, Behavior behavior, Callbacks callbacks) {
    cmd.subscriber = rt.system().spawn(behavior, std::move(callbacks));
    auto actor = cmd.subscriber;
    ask(std::move(cmd));
    std::lock_guard<std::mutex> guard{mutex};
    subscriptions.emplace(++next_id, actor);
    return next_id;
  }

  runtime rt;
  std::chrono::milliseconds grace;
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

std::vector<session_info> engine::list() {
  auto sessions = impl_->rt.list();
  return sessions ? sessions->sessions : std::vector<session_info>{};
}

std::uint64_t engine::subscribe(const std::string& session_id, event_callbacks callbacks) {
  return impl_->subscribe(subscribe_command{session_id, {}, false, false, 0}, callback_actor,
                          std::move(callbacks));
}

std::uint64_t engine::subscribe_after(const std::string& session_id, std::uint64_t after_seq,
                                      event_callbacks callbacks) {
  return impl_->subscribe(subscribe_command{session_id, {}, false, true, after_seq}, callback_actor,
                          std::move(callbacks));
}

usage_totals engine::totals() {
  auto totals = impl_->rt.totals();
  return totals ? *totals : usage_totals{};
}

std::uint64_t engine::subscribe_totals(std::function<void(const usage_totals&)> on_totals) {
  return impl_->subscribe(totals_subscription{}, totals_callback_actor, std::move(on_totals));
}

command_result engine::subscribe(const std::string& session_id, caf::actor subscriber, bool raw) {
  return impl_->ask(subscribe_command{session_id, std::move(subscriber), raw});
}

caf::actor_system& engine::system() {
  return impl_->rt.system();
}

void engine::unsubscribe(std::uint64_t subscription) {
  caf::actor actor;
  {
    std::lock_guard<std::mutex> guard{impl_->mutex};
    auto it = impl_->subscriptions.find(subscription);
    if (it == impl_->subscriptions.end()) return;
    actor = it->second;
    impl_->subscriptions.erase(it);
  }
  caf::scoped_actor self{impl_->rt.system()};
  self->monitor(actor);
  caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
  self->receive([](const caf::down_msg&) {});  // its callbacks are over
}

}  // namespace agentrt
