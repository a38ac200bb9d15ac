#include "runtime/cli/watch.hpp"

#include <caf/all.hpp>

#include <atomic>
#include <csignal>
#include <iostream>

#include "messages/type_ids.hpp"
#include "runtime/event_format.hpp"

namespace agentrt::cli {

namespace {
std::atomic<bool> interrupt_flag{false};
extern "C" void on_interrupt(int) {
  interrupt_flag = true;
}
}  // namespace

void catch_interrupts() {
  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

bool interrupted() {
  return interrupt_flag.load();
}

std::map<std::string, session_outcome> watch_sessions(caf::scoped_actor& self,
                                                      const std::set<std::string>& ids, bool json,
                                                      const std::function<void()>& tick) {
  std::map<std::string, session_outcome> outcomes;
  std::size_t finished = 0;
  auto print = [json](const auto& event) {
    std::cout << (json ? to_json_line(event) : to_text(event)) << '\n' << std::flush;
  };
  auto next_tick = std::chrono::steady_clock::now();
  while (finished < ids.size()) {
    if (std::chrono::steady_clock::now() >= next_tick) {
      tick();
      next_tick = std::chrono::steady_clock::now() + std::chrono::milliseconds{100};
    }
    self->receive(
      [&](const agent_message& m) {
        ++outcomes[m.session_id].messages;
        print(m);
      },
      [&](const status_change& s) {
        print(s);
        if (ids.count(s.session_id) == 0 || !is_terminal(s.status)) return;
        if (!is_terminal(outcomes[s.session_id].status.status)) ++finished;
        outcomes[s.session_id].status = s;
      },
      [&](const cost_update& c) {
        outcomes[c.session_id].cost = c;
        if (json) print(c);
      },
      [&](const log_line& l) { print(l); }, caf::after(std::chrono::milliseconds{100}) >> [] {});
  }
  return outcomes;
}

int exit_status(const std::map<std::string, session_outcome>& outcomes) {
  for (const auto& [id, outcome] : outcomes)
    if (outcome.status.status != session_status::done) return 1;
  return 0;
}

}  // namespace agentrt::cli
