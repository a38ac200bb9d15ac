// agentrt list and agentrt resume: the sessions the journal remembers.

#include <caf/all.hpp>

#include <cstdio>
#include <ctime>
#include <iostream>

#include "messages/errors.hpp"
#include "messages/type_ids.hpp"
#include "runtime/cli/commands.hpp"
#include "runtime/cli/watch.hpp"
#include "runtime/journal/journal_store.hpp"
#include "runtime/sidecar/protocol.hpp"
#include "runtime/stop_signals.hpp"

namespace agentrt::cli {

namespace {

// Local time, to the second.
std::string started_at(std::int64_t ms) {
  auto seconds = static_cast<std::time_t>(ms / 1000);
  std::tm local{};
  char text[32] = "";
  if (ms > 0 && localtime_r(&seconds, &local) != nullptr)
    std::strftime(text, sizeof text, "%F %T", &local);
  return text;
}

// Oldest first (the journal's order); OWNER: the pid of the agentrt that runs it now.
std::string render_sessions(const std::vector<session_info>& sessions) {
  char line[400];
  std::snprintf(line, sizeof line, "%-28s %-8s %-11s %-19s %8s %4s %-38s %10s %10s %10s\n",
                "SESSION", "PROVIDER", "STATUS", "STARTED", "OWNER", "RUNS", "PROVIDER SESSION",
                "TOKENS IN", "TOKENS OUT", "COST");
  std::string out = line;
  for (const auto& s : sessions) {
    std::string owner =
      s.owner_pid > 0 && !is_terminal(s.status) ? std::to_string(s.owner_pid) : "";
    std::snprintf(line, sizeof line,
                  "%-28.28s %-8.8s %-11.11s %-19.19s %8s %4llu %-38.38s %10llu %10llu %10.4f\n",
                  s.session_id.c_str(), s.provider.c_str(),
                  std::string{to_string(s.status)}.c_str(), started_at(s.started_at_ms).c_str(),
                  owner.c_str(), static_cast<unsigned long long>(s.generation),
                  s.provider_session_id.c_str(), static_cast<unsigned long long>(s.input_tokens),
                  static_cast<unsigned long long>(s.output_tokens), s.total_cost_usd);
    out += line;
  }
  return out;
}

}  // namespace

int list_sessions_command(const list_options& opts) {
  std::vector<session_info> sessions;
  try {
    // Read-only and without a lease: runtimes may be writing beside us.
    if (auto store = journal::store::open_read_only(opts.state_dir)) sessions = store->sessions();
  } catch (const std::exception& e) {
    std::cerr << "agentrt list: " << e.what() << '\n';
    return 1;
  }
  if (opts.json)
    std::cout << sidecar::sessions_line(session_list{sessions, {}}) << '\n';
  else
    std::cout << render_sessions(sessions);
  return 0;
}

int resume_session_command(const resume_options& opts) {
  stop_signals signals;  // before the runtime's threads, which inherit its mask
  runtime rt{opts.runtime};
  auto sessions = rt.list();
  if (!sessions) {
    std::cerr << "agentrt resume: " << error_text(sessions.error()) << '\n';
    return 1;
  }
  std::string provider;
  for (const auto& s : sessions->sessions)
    if (s.session_id == opts.session_id) provider = s.provider;
  caf::scoped_actor self{rt.system()};
  // Every session: the resumed one may be only in the journal, with no actor to subscribe to yet.
  self->send(rt.supervisor(), subscribe_command{"", caf::actor{self}});
  caf::expected<command_ack> ack = caf::error{};
  self
    ->request(rt.supervisor(), std::chrono::seconds{30},
              resume_command{opts.session_id, opts.prompt})
    .receive([&](command_ack& a) { ack = std::move(a); },
             [&](caf::error& err) { ack = std::move(err); });
  if (!ack) {
    std::cerr << "agentrt resume: " << opts.session_id << ": " << error_text(ack.error()) << '\n';
    return 1;
  }
  bool stopping = false;
  auto outcomes = watch_sessions(self, rt.supervisor(), {{opts.session_id, provider}},
                                 opts.json ? output_mode::json : output_mode::text, [&] {
                                   if (stopping || signals.take() == 0) return;
                                   stopping = true;
                                   (void)rt.stop(opts.session_id);
                                 });
  return exit_status(outcomes);
}

}  // namespace agentrt::cli
