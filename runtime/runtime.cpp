#include "runtime/runtime.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <caf/openssl/all.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <system_error>

#include <iostream>
#include <set>
#include <stdexcept>
#include <thread>

#include "actors/journal.hpp"
#include "actors/supervisor.hpp"
#include "messages/errors.hpp"
#include "messages/type_ids.hpp"
#include "runtime/cluster/identity.hpp"
#include "runtime/journal/journal_store.hpp"

namespace agentrt {

namespace {

constexpr auto command_timeout = std::chrono::seconds{30};

// Threads a runtime starts beside its scheduler's: the spawner and I/O threads, the guardian (a
// process), the Ollama thread, CAF's timer and middleman, the journal and the front door's
// detached actors; and some room for the first agents.
constexpr std::size_t threads_beside_the_scheduler = 12;

// Starts `n` threads that wait for each other, then ends them: a process limit too low for the
// runtime (ulimit -u counts threads) is found here, with a clear error, and not inside CAF,
// which aborted ("terminate called without an active exception") or hung before `ready`.
void check_room_for_threads(std::size_t n) {
  std::mutex m;
  std::condition_variable cv;
  bool release = false;
  std::vector<std::thread> threads;
  std::string failure;
  try {
    for (std::size_t i = 0; i < n; ++i)
      threads.emplace_back([&] {
        std::unique_lock<std::mutex> lock{m};
        cv.wait(lock, [&] { return release; });
      });
  } catch (const std::system_error& e) {
    failure = e.what();
  }
  {
    std::lock_guard<std::mutex> lock{m};
    release = true;
  }
  cv.notify_all();
  for (auto& t : threads) t.join();
  if (failure.empty()) return;
  rlimit limit{};
  getrlimit(RLIMIT_NPROC, &limit);
  std::string cap = limit.rlim_cur == RLIM_INFINITY ? "unlimited" : std::to_string(limit.rlim_cur);
  throw std::runtime_error{"cannot start " + std::to_string(n) + " threads (" + failure +
                           "): the process limit (ulimit -u: " + cap +
                           ", counting every thread of this user) leaves too little room; "
                           "raise it"};
}

// Before the records are loaded: the ended sessions beyond `keep` are deleted from the journal.
// That is said on stderr, not warned of: the bound at work is no fault for the host to see. A
// failure is a warning; they are forgotten at a later start.
void forget_old_sessions(journal::store& store, std::size_t keep,
                         std::vector<std::string>& warnings) {
  try {
    if (auto n = store.forget_all_but_newest(keep); n > 0)
      std::cerr << "agentrt: journal: forgot the " << n << " oldest ended sessions, beyond the "
                << keep << " kept\n";
  } catch (const std::exception& e) {
    warnings.push_back(std::string{e.what()} + " (the oldest sessions were kept)");
  }
}

}  // namespace

std::string cluster_problem(const cluster_options& opts) {
  const auto& tls = opts.tls;
  if (!tls.enabled()) return {};
  if (opts.insecure) return "--insecure (plain TCP) and TLS files exclude each other";
  if (tls.certificate.empty() || tls.key.empty() || tls.ca.empty())
    return "TLS needs a certificate, its key and a CA certificate, all three";
  for (const auto* file : {&tls.certificate, &tls.key, &tls.ca})
    if (access(file->c_str(), R_OK) != 0) return "cannot read " + *file;
  return {};
}

runtime::runtime(runtime_options opts) : opts_(std::move(opts)) {
  if (auto problem = cluster_problem(opts_.cluster); !problem.empty())
    throw std::invalid_argument{problem};
  std::size_t threads = opts_.scheduler_threads;
  // One core is left to the I/O thread and the agents: measured on 2 cores, one scheduler
  // thread spent half the CPU per event of two (BENCHMARKS.md).
  if (threads == 0) threads = std::max(2u, std::thread::hardware_concurrency()) - 1;
  check_room_for_threads(threads + threads_beside_the_scheduler);
  // The process host (and its guardian, forked) comes first, before the scheduler's threads.
  host_ = std::make_unique<process::process_host>(opts_.host);
  ollama_ = std::make_unique<http::ollama_host>(opts_.ollama);
  config_ = std::make_unique<caf::actor_system_config>();
  add_message_types(*config_);
  config_->set("scheduler.max-threads", threads);
  // A worker out of work spins briefly, then (CAF's default) sleeps 50 us at a time 500 times
  // before it waits to be woken: each nap a context switch, on every lull between bursts of
  // output. Without the naps it waits at once, and an enqueue wakes it: two nodes and their
  // coordinator at N=1000 spent 3.0 s of CPU with them, 2.25 s without (BENCHMARKS.md).
  config_->set("work-stealing.moderate-poll-attempts", std::size_t{0});
  config_->set("logger.verbosity", caf::atom("quiet"));
  auto& cluster = opts_.cluster;
  bool networked = cluster.serve || !cluster.nodes.empty();
  if (networked && !cluster.tls.enabled() && !cluster.insecure) {
    auto dir =
      cluster.identity_dir.empty() ? journal::default_dir() + "/tls" : cluster.identity_dir;
    auto id = cluster::user_identity(dir);
    if (!id.error.empty())
      throw std::invalid_argument{"no TLS identity for the nodes: " + id.error +
                                  " (give --tls-cert, --tls-key and --tls-ca, or --insecure)"};
    cluster.tls = {id.certificate, id.key, id.ca};
  }
  if (networked) {
    cluster::use_clean_openssl_error_queue();
    config_->load<caf::io::middleman>();
    // Heartbeats go out twice per interval and a peer silent for one interval is dropped at the
    // next tick: a lost peer is noticed within 1.5 intervals, and one late beat is no loss.
    config_->set("middleman.heartbeat-interval", caf::timespan{cluster.heartbeat / 2});
    config_->set("middleman.connection-timeout", caf::timespan{cluster.heartbeat});
    if (cluster.tls.enabled()) {
      config_->load<caf::openssl::manager>();
      config_->openssl_certificate = cluster.tls.certificate;
      config_->openssl_key = cluster.tls.key;
      config_->openssl_cafile = cluster.tls.ca;
    }
  }
  std::shared_ptr<journal::store> store;
  past_sessions past{opts_.journal.keep_sessions};
  if (cluster.nodes.empty() && !opts_.journal.dir.empty()) {
    store = journal::store::open(opts_.journal.dir);
    warnings_ = store->warnings();
    if (opts_.journal.keep_sessions > 0)
      forget_old_sessions(*store, opts_.journal.keep_sessions, warnings_);
    for (auto& info : store->sessions()) past.remember(std::move(info));
    for (const auto& w : warnings_) std::cerr << "agentrt: " << w << '\n';
  }
  system_ = std::make_unique<caf::actor_system>(*config_);
  if (cluster.nodes.empty()) {
    if (store) journal_ = spawn_journal(*system_, std::move(store), opts_.journal.flush_interval);
    supervisor_ = spawn_supervisor(*system_,
                                   session_env{host_.get(), ollama_.get(), &opts_.launch,
                                               opts_.policy, journal_, &opts_.admission},
                                   std::move(past), opts_.global_budget_usd);
    return;
  }
  coordinator_options co;
  co.nodes = cluster.nodes;
  co.connector =
    caf::actor_cast<caf::actor>(cluster.tls.enabled() ? system_->openssl_manager().actor_handle()
                                                      : system_->middleman().actor_handle());
  co.command_timeout = command_timeout;
  co.cleanup_grace = opts_.policy.cleanup_grace;
  supervisor_ = spawn_coordinator(*system_, std::move(co));
  caf::scoped_actor self{*system_};
  self->request(supervisor_, cluster.connect_timeout, await_nodes{})
    .receive([](const command_ack&) {}, [](const caf::error&) {});
}

runtime::~runtime() {
  stop_all(opts_.policy.stop_grace + std::chrono::seconds{1});
  // Agents first (observers dropped), then the actors, then the threads of the actor system.
  host_->shutdown();
  ollama_.reset();
  caf::anon_send_exit(supervisor_, caf::exit_reason::user_shutdown);
  supervisor_ = nullptr;
  system_->await_all_actors_done();
  if (journal_) {  // every session's last events are in its mailbox by now
    caf::scoped_actor self{*system_};
    self->request(journal_, command_timeout, journal_flush{})
      .receive([](const command_ack&) {}, [](const caf::error&) {});
    self->send_exit(journal_, caf::exit_reason::user_shutdown);
    journal_ = nullptr;
  }
  system_.reset();
  config_.reset();
  host_.reset();
}

template <class Reply, class Command>
caf::expected<Reply> runtime::ask(Command cmd) {
  caf::scoped_actor self{*system_};
  caf::expected<Reply> result{Reply{}};
  self->request(supervisor_, command_timeout, std::move(cmd))
    .receive([&](Reply& reply) { result = std::move(reply); },
             [&](caf::error& err) { result = std::move(err); });
  return result;
}

caf::expected<command_ack> runtime::query(query_command q) {
  return ask<command_ack>(std::move(q));
}

caf::expected<command_ack> runtime::stop(const std::string& session_id) {
  return ask<command_ack>(stop_command{session_id});
}

caf::expected<session_list> runtime::list() {
  return ask<session_list>(list_command{});
}

caf::expected<usage_totals> runtime::totals() {
  return ask<usage_totals>(totals_command{});
}

bool runtime::stop_all(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::set<std::pair<std::string, std::uint64_t>> asked;  // (session, generation)
  // One actor asks them all, then takes the answers: a blocking actor and a round trip per
  // session, one after the other, were 10 ms of the main thread for 500 ended sessions.
  caf::scoped_actor self{*system_};
  using answer = decltype(self->request(supervisor_, command_timeout, stop_command{}));
  for (;;) {
    auto sessions = list();
    if (!sessions) return false;
    bool live = false;
    std::vector<answer> answers;
    for (const auto& s : sessions->sessions) {
      // Ended sessions too: one may have a restart scheduled, which the stop calls off.
      if (asked.emplace(s.session_id, s.generation).second)
        answers.push_back(self->request(supervisor_, command_timeout, stop_command{s.session_id}));
      live = live || !is_terminal(s.status);
    }
    // An error (the session is gone) changes nothing here: the next list tells what is left.
    for (auto& a : answers) a.receive([](const command_ack&) {}, [](const caf::error&) {});
    if (!live) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
}

}  // namespace agentrt
