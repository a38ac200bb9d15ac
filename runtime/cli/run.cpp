#include <caf/all.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <random>

#include "messages/errors.hpp"
#include "messages/type_ids.hpp"
#include "runtime/cli/commands.hpp"
#include "runtime/cli/watch.hpp"
#include "runtime/stop_signals.hpp"

namespace agentrt::cli {

std::string fresh_session_id() {
  std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &utc);
  std::random_device random;
  char suffix[8];
  std::snprintf(suffix, sizeof suffix, "%04x", random() & 0xffffu);
  return std::string{"run-"} + stamp + "-" + suffix;
}

int run_command(const run_options& opts) {
  stop_signals signals;  // before the runtime's threads, which inherit its mask
  runtime rt{opts.runtime};
  caf::scoped_actor self{rt.system()};
  self->send(rt.supervisor(), subscribe_command{"", caf::actor{self}});
  std::map<std::string, std::string> ids;  // session -> provider
  std::size_t total = opts.prompts.size() * static_cast<std::size_t>(std::max(opts.sessions, 1));
  std::string base = opts.session_id.empty() ? fresh_session_id() : opts.session_id;
  for (std::size_t i = 0; i < total; ++i) {
    query_command q;
    q.session_id = total == 1 ? base : base + "-" + std::to_string(i + 1);
    q.provider = opts.provider;
    q.prompt = opts.prompts[i % opts.prompts.size()];
    q.cwd = opts.cwd;
    q.model = opts.model;
    q.provider_config = opts.provider_config;
    q.permission_mode = opts.permission_mode;
    if (auto ack = rt.query(q); !ack) {
      std::cerr << "agentrt: " << q.session_id << ": " << error_text(ack.error()) << '\n';
      continue;
    }
    ids.emplace(q.session_id, q.provider);
  }
  if (ids.empty()) return 1;
  // A table for several sessions on a terminal; plain lines otherwise (pipes, files, --json).
  auto mode = opts.json                                 ? output_mode::json
              : ids.size() > 1 && isatty(STDOUT_FILENO) ? output_mode::table
                                                        : output_mode::text;
  bool stopping = false;
  auto outcomes = watch_sessions(self, rt.supervisor(), ids, mode, [&] {
    if (stopping || signals.take() == 0) return;
    stopping = true;
    for (const auto& [id, provider] : ids) (void)rt.stop(id);
  });
  return exit_status(outcomes);
}

}  // namespace agentrt::cli
