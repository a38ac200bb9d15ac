#pragma once
// agentrt's embedding API: run AI coding-agent sessions inside your program.
//
//   agentrt::engine engine;
//   engine.subscribe("s1", {.on_message = [](const agentrt::agent_message& m) { ... }});
//   agentrt::query_command q;
//   q.session_id = "s1"; q.provider = "claude"; q.prompt = "fix the tests";
//   if (auto r = engine.start(q); !r) std::cerr << r.error << '\n';
//   auto end = engine.wait("s1", std::chrono::minutes{10});
//
// Failure: every call that can fail returns a command_result (or a value_result with its value),
// false with the reason in `error`; nothing is thrown but by the constructor.
//
// The vocabulary (query_command, agent_message, status_change, cost_update, log_line,
// session_info) is in messages/: plain structs and std types; docs/messages.md describes it. No
// CAF header comes with this one; agentrt/caf.hpp adds the actor-level API.
//
// Thread-safety: every member function may be called from any thread. From inside a callback a
// call would wait for the thread it runs on: it fails at once instead ("called from inside a
// callback ..."; do the work on a thread of your own). Callbacks of one
// subscription run one at a time, on a thread of the subscription's own, in each session's order.
// One that takes long holds back the agents of the sessions it follows (their output waits for
// it, and they wait on their pipes, as on a slow terminal: engine_options::max_buffered_bytes),
// and nothing else. Lifetime: the destructor stops every session (SIGTERM, SIGKILL after the
// grace), delivers their last events, and joins every thread; no agent process outlives the engine,
// even when the host process is killed.
//
// Environment: agents get the process's environment as it was when the engine was constructed,
// less every provider's variables but their own (docs/providers.md); a setenv afterwards reaches
// none of them (it would race with their spawns) and a query's extra_env does.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "messages/commands.hpp"
#include "messages/events.hpp"

namespace agentrt {

struct engine_options {
  std::chrono::milliseconds stop_grace{5000};      // SIGTERM, then SIGKILL after this
  std::chrono::milliseconds cleanup_grace{60000};  // an ended session stays listed this long
  std::map<std::string, std::string> binaries;     // provider -> executable (default: PATH)
  std::size_t threads = 0;  // actor scheduler threads; 0: one per core but one, at least one
  // Run every session on these `agentrt node`s (HOST:PORT) instead of in this process
  // (docs/distributed.md); session_info::node then says where each runs.
  std::vector<std::string> nodes;
  std::string tls_certificate, tls_key, tls_ca;  // TLS to the nodes: all three, or none
  // Keep the journal of sessions here (docs/reliability.md); empty: none. Shared: other engines
  // and agentrt processes may use the same directory at once, each owning the sessions it
  // started; a session live in another one that lives is refused here. The constructor throws
  // std::runtime_error when the journal cannot be opened.
  std::string journal_dir;
  // Ended sessions the journal keeps (record and events), the newest by start: older ones are
  // forgotten at the constructor and as sessions end, no longer listed, resumable or replayable.
  // 0: all, the journal then grows with every session.
  std::size_t journal_keep_sessions = 10000;
  // Admission control (docs/reliability.md): agents running at once, in all (0: no limit) and
  // per provider (a provider not named: no limit of its own; unset: the runtime's default,
  // claude 3); the rest wait, queued.
  std::size_t max_sessions = 0;
  std::optional<std::map<std::string, std::size_t>> max_per_provider;
  // For all sessions together, in USD (0: none): once crossed, every session is stopped (status
  // error "global budget exceeded: ...") and no run starts any more. Not with nodes: each node
  // has its own (agentrt node --max-total-usd).
  double max_total_usd = 0;
  // The inactivity watchdog: an agent silent this long is `stalled`, silent as long again it is
  // stopped (status error "stalled: ...") or, with restart_stalled, restarted resuming its
  // conversation (3 times per session at most). 0: no watchdog. query.stall_timeout_ms overrides.
  std::chrono::milliseconds stall_timeout{300000};
  bool restart_stalled = false;
  // Recovery (docs/reliability.md): a crash (killed, or gone without a final result) is
  // restarted resuming the conversation up to max_restarts times a minute (query.max_restarts
  // overrides); a rate_limit or overloaded error is retried after its class's delay (at most 60
  // s) up to max_retries times per session. While one waits the session is `retrying`; 0 turns
  // either off.
  int max_restarts = 0;
  int max_retries = 3;
  // Agents' output read and not yet handed to the subscribers' callbacks (and, with a journal,
  // committed), of all sessions together. Beyond it the agents' pipes are not read until the
  // callbacks return: a slow callback slows the agents instead of growing the heap.
  std::size_t max_buffered_bytes = std::size_t{32} << 20;
};

// What a subscription is told. Unset members are not called.
struct event_callbacks {
  std::function<void(const agent_message&)> on_message;
  std::function<void(const status_change&)> on_status;
  std::function<void(const cost_update&)> on_cost;
  std::function<void(const log_line&)> on_log;
  // Subscriptions to every session only: the journal cannot write (a full disk: `error` says
  // so; the sessions keep running and what waits is written once it can), or can again.
  std::function<void(const journal_status&)> on_journal;
  // A replay (subscribe with a journal, subscribe_after) is over: the events up to `last_seq`
  // were the journaled ones; what follows is live.
  std::function<void(const std::string& session_id, std::uint64_t last_seq)> on_replayed;
};

// The outcome of a command: ok, or the runtime's reason ("Session already running", ...).
struct command_result {
  bool ok = false;
  std::string error;
  explicit operator bool() const { return ok; }
};

// The same with the answer, meaningful when ok.
template <class T>
struct value_result : command_result {
  T value{};
};

class engine {
 public:
  // Throws std::invalid_argument for a node address that is not HOST:PORT, or bad TLS files.
  explicit engine(engine_options opts = {});
  ~engine();

  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;

  // Starts a session (or runs an ended one again). A query that can be checked at once (an
  // unknown provider, a providerConfig that is not a JSON object or names no bundled fake
  // transcript, ...) is refused here with the reason.
  command_result start(query_command query);
  // A follow-up; an interrupt of the current turn; a stop.
  command_result prompt(const std::string& session_id, const std::string& text);
  command_result interrupt(const std::string& session_id);
  command_result stop(const std::string& session_id);
  // Continues an ended session (also one journaled by an earlier engine) with the provider's
  // resume; an empty text says "Continue.".
  command_result resume(const std::string& session_id, const std::string& text = {});
  // Live sessions, and with a journal the past ones (`interrupted`: live when their runtime died).
  value_result<std::vector<session_info>> list();
  // What all sessions spent since the engine started (through nodes: the sum of theirs).
  value_result<usage_totals> totals();
  // Waits until the session's run ends (done, error, stopped; `retrying` is not an end) and
  // returns its last status; an error when it is unknown or `timeout` passed first.
  value_result<status_change> wait(const std::string& session_id,
                                   std::chrono::milliseconds timeout);

  // Calls `callbacks` for the events of one session, or of every session (present and future)
  // for an empty id; the value is the subscription's id. A session id need not have started:
  // the subscription sees every event of it from its first (seq 1). One that has started is
  // replayed from the journal first (on_replayed marks the end) when the engine keeps one;
  // without a journal it is followed from now.
  value_result<std::uint64_t> subscribe(const std::string& session_id, event_callbacks callbacks);
  // With a journal: the session's events numbered after `after_seq`, then its live ones, with no
  // gap and no duplicate (a past session: the journaled ones only); on_replayed between them.
  // Refused without a journal.
  value_result<std::uint64_t> subscribe_after(const std::string& session_id,
                                              std::uint64_t after_seq, event_callbacks callbacks);
  // Calls `on_totals` with the totals now, then whenever they changed (at most every 100 ms).
  value_result<std::uint64_t> subscribe_totals(std::function<void(const usage_totals&)> on_totals);
  // No callback of the subscription runs once this returns.
  command_result unsubscribe(std::uint64_t subscription);

 private:
  friend struct engine_access;  // agentrt/caf.hpp
  class impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace agentrt
