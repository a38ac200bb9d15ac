#include <caf/all.hpp>

#include <iostream>

#include "messages/errors.hpp"
#include "messages/type_ids.hpp"
#include "runtime/cli/commands.hpp"
#include "runtime/cli/watch.hpp"

namespace agentrt::cli {

int run_command(const run_options& opts) {
  catch_interrupts();
  runtime rt;
  caf::scoped_actor self{rt.system()};
  self->send(rt.supervisor(), subscribe_command{"", caf::actor{self}});
  std::set<std::string> ids;
  for (std::size_t i = 0; i < opts.prompts.size(); ++i) {
    query_command q;
    q.session_id = opts.prompts.size() == 1 ? "run" : "run-" + std::to_string(i + 1);
    q.provider = opts.provider;
    q.prompt = opts.prompts[i];
    q.cwd = opts.cwd;
    q.model = opts.model;
    q.provider_config = opts.provider_config;
    if (auto ack = rt.query(q); !ack) {
      std::cerr << "agentrt: " << q.session_id << ": " << error_text(ack.error()) << '\n';
      continue;
    }
    ids.insert(q.session_id);
  }
  if (ids.empty()) return 1;
  bool stopping = false;
  auto outcomes = watch_sessions(self, ids, opts.json, [&] {
    if (!interrupted() || stopping) return;
    stopping = true;
    for (const auto& id : ids) (void)rt.stop(id);
  });
  return exit_status(outcomes);
}

}  // namespace agentrt::cli
