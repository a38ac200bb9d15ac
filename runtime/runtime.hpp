#pragma once
// The runtime: an actor system, a process host and a supervisor, started and shut down together.
// The front doors (CLI, sidecar, embedding API) are built on it.
//
// With a journal, the runtime opens it first (std::runtime_error when it cannot: another runtime
// holds it, say) and writes it last, after every session ended.
//
// Thread-safety: every member may be called from any thread except from inside an actor of this
// runtime (the blocking calls would wait on themselves). The destructor stops every session
// (SIGTERM, SIGKILL after the stop grace), delivers their last events, and joins all threads.

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/expected.hpp>

#include <chrono>
#include <memory>
#include <vector>

#include "actors/admission.hpp"
#include "actors/coordinator.hpp"
#include "actors/session_policy.hpp"
#include "messages/commands.hpp"
#include "runtime/http/ollama_host.hpp"
#include "runtime/process/process_host.hpp"
#include "runtime/providers/launch_recipe.hpp"

namespace agentrt {

// CAF networking (docs/distributed.md). With nodes, the runtime's supervisor() is a coordinator
// that runs every session on one of them; with serve, the runtime is a node (agentrt node).
struct cluster_options {
  std::vector<node_address> nodes;
  bool serve = false;
  // TLS with peer verification both ways: each side presents `certificate` (with `key`) and
  // accepts only peers whose certificate chains to `ca`. All three, or none: then the per-user
  // identity in identity_dir (runtime/cluster/identity.hpp), unless `insecure`.
  struct tls_files {
    std::string certificate, key, ca;
    bool enabled() const { return !certificate.empty() || !key.empty() || !ca.empty(); }
  } tls;
  // Where the per-user identity is kept ("": <journal::default_dir()>/tls).
  std::string identity_dir;
  // Plain TCP, with no authentication at all: anyone who reaches a node runs programs as its
  // user (docs/distributed.md). Only when asked for.
  bool insecure = false;
  // The heartbeat interval: a peer that is gone or silent is noticed within 1.5 × this (BASP
  // heartbeats go out every half interval; one interval of silence drops the connection).
  std::chrono::milliseconds heartbeat{2000};
  // A coordinator waits this long at start for the first attempt on every node.
  std::chrono::milliseconds connect_timeout{5000};
};

// The durable journal (docs/reliability.md): every numbered event and every session record in
// DIR/journal.db. Empty dir: no journal. Not used by a coordinator (its nodes keep theirs).
struct journal_options {
  std::string dir;
  std::chrono::milliseconds flush_interval{50};
  // Ended sessions kept (record and events), the newest by start; the older ones are forgotten,
  // at start and as sessions end, so that neither the file nor the memory of past sessions grows
  // with every session ever run. 0: all.
  std::size_t keep_sessions = 10000;
};

struct runtime_options {
  session_policy policy;
  providers::launch_config launch;
  process::process_host_options host;
  http::ollama_options ollama;
  std::size_t scheduler_threads = 0;  // 0: one per core but one, at least one
  cluster_options cluster;
  journal_options journal;
  admission_policy admission;    // how many agents run at once; the rest wait, queued
  double global_budget_usd = 0;  // for all sessions together (0: none); docs/reliability.md
};

// What is wrong with the cluster options (an unreadable TLS file, say), or "" when nothing is.
std::string cluster_problem(const cluster_options& opts);

class runtime {
 public:
  // Throws std::invalid_argument when cluster_problem() names a problem.
  explicit runtime(runtime_options opts = {});
  ~runtime();

  runtime(const runtime&) = delete;
  runtime& operator=(const runtime&) = delete;

  caf::actor_system& system() { return *system_; }
  const caf::actor& supervisor() const { return supervisor_; }
  const process::process_host& host() const { return *host_; }
  // With CAF networking: whether it runs over TLS (configured, or the per-user identity).
  bool tls() const { return opts_.cluster.tls.enabled(); }
  // What the start had to repair (a damaged journal moved aside), also said on stderr.
  const std::vector<std::string>& start_warnings() const { return warnings_; }

  // Blocking conveniences over the supervisor's commands.
  caf::expected<command_ack> query(query_command q);
  caf::expected<command_ack> stop(const std::string& session_id);
  caf::expected<session_list> list();
  caf::expected<usage_totals> totals();

  // Stops every running session and waits until all are terminal or `timeout` passed.
  // Returns true when all sessions ended.
  bool stop_all(std::chrono::milliseconds timeout);

 private:
  template <class Reply, class Command>
  caf::expected<Reply> ask(Command cmd);

  runtime_options opts_;
  std::vector<std::string> warnings_;
  std::unique_ptr<process::process_host> host_;  // outlives the actor system
  std::unique_ptr<http::ollama_host> ollama_;
  std::unique_ptr<caf::actor_system_config> config_;
  std::unique_ptr<caf::actor_system> system_;
  caf::actor journal_;
  caf::actor supervisor_;
};

}  // namespace agentrt
