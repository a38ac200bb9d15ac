#include "runtime/cli/watch.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <iostream>
#include <optional>

#include "messages/type_ids.hpp"
#include "runtime/cli/table.hpp"
#include "runtime/event_format.hpp"

namespace agentrt::cli {

namespace {

std::vector<session_row> rows(const std::map<std::string, std::string>& sessions,
                              const std::map<std::string, session_outcome>& outcomes) {
  std::vector<session_row> result;
  auto now = std::chrono::steady_clock::now();
  for (const auto& [id, provider] : sessions) {
    session_row row{id, provider, "starting"};
    if (auto it = outcomes.find(id); it != outcomes.end()) {
      const auto& o = it->second;
      row.status = std::string{to_string(o.status.status)};
      auto end = is_terminal(o.status.status) ? o.last_event : now;
      row.elapsed_s = std::chrono::duration<double>(end - o.first_event).count();
      row.messages = o.messages;
      row.input_tokens = o.cost.input_tokens;
      row.output_tokens = o.cost.output_tokens;
      row.cost_usd = o.cost.total_cost_usd;
    }
    result.push_back(std::move(row));
  }
  std::sort(result.begin(), result.end(),
            [](const auto& a, const auto& b) { return natural_less(a.session_id, b.session_id); });
  return result;
}

// One callable made of several lambdas, for caf::visit.
template <class... Fs>
struct overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
overloaded(Fs...) -> overloaded<Fs...>;

}  // namespace

std::map<std::string, session_outcome> watch_sessions(
  caf::scoped_actor& self, const caf::actor& supervisor,
  const std::map<std::string, std::string>& sessions, output_mode mode,
  const std::function<void()>& tick) {
  std::map<std::string, session_outcome> outcomes;
  std::size_t finished = 0;
  std::size_t drawn = 0;  // table lines on screen
  text_stream text;
  auto print = [mode, &text](const auto& event) {
    if (mode == output_mode::table) return;
    std::cout << (mode == output_mode::json ? to_json_line(event) + "\n" : text.on(event))
              << std::flush;
  };
  std::optional<usage_totals> totals;  // the runtime's, followed while the table is drawn
  if (mode == output_mode::table) self->send(supervisor, totals_subscription{caf::actor{self}});
  auto draw = [&] {
    auto table_rows = rows(sessions, outcomes);
    session_row total{"TOTAL", "", ""};
    if (totals) {
      for (const auto& r : table_rows) total.messages += r.messages;
      total.input_tokens = totals->input_tokens;
      total.output_tokens = totals->output_tokens;
      total.cost_usd = totals->total_cost_usd;
    }
    std::cout << rewind_lines(drawn) << render_table(table_rows, totals ? &total : nullptr)
              << std::flush;
    drawn = table_rows.size() + 1 + (totals ? 1 : 0);
  };
  auto seen = [&](const std::string& id) -> session_outcome& {
    auto& o = outcomes[id];
    o.last_event = std::chrono::steady_clock::now();
    if (o.first_event.time_since_epoch().count() == 0) o.first_event = o.last_event;
    return o;
  };
  auto next_tick = std::chrono::steady_clock::now();
  while (finished < sessions.size()) {
    if (std::chrono::steady_clock::now() >= next_tick) {
      tick();
      if (mode == output_mode::table) draw();
      next_tick = std::chrono::steady_clock::now() + std::chrono::milliseconds{100};
    }
    auto on_event = overloaded{
      [&](const agent_message& m) {
        ++seen(m.session_id).messages;
        print(m);
      },
      [&](const status_change& s) {
        print(s);
        // The CLI has no more prompts: an interactive agent ends once its turn is idle.
        if (s.status == session_status::idle && sessions.count(s.session_id) > 0)
          self->send(supervisor, end_input_command{s.session_id});
        auto& o = seen(s.session_id);
        if (sessions.count(s.session_id) == 0 || !is_terminal(s.status)) {
          o.status = s;
          return;
        }
        if (!is_terminal(o.status.status)) ++finished;
        o.status = s;
      },
      [&](const cost_update& c) {
        seen(c.session_id).cost = c;
        if (mode == output_mode::json) print(c);
      },
      [&](const log_line& l) { print(l); },
      [](const raw_line&) {},  // not subscribed to
    };
    self->receive(
      [&](const session_events& batch) {
        for (const auto& ev : batch.events) caf::visit(on_event, ev);
      },
      [&](const usage_totals& now) { totals = now; },
      [](const command_ack&) {},  // the totals subscription's
      [](const journal_status& j) { std::cerr << journal_status_text(j) << '\n'; },
      caf::after(std::chrono::milliseconds{100}) >> [] {});
  }
  if (mode == output_mode::table) {  // with the totals as they are now, not 100 ms ago
    self->request(supervisor, std::chrono::seconds{5}, totals_command{})
      .receive([&](const usage_totals& now) { totals = now; }, [](const caf::error&) {});
    draw();
  }
  std::cout << text.close() << std::flush;
  return outcomes;
}

int exit_status(const std::map<std::string, session_outcome>& outcomes) {
  for (const auto& [id, outcome] : outcomes)
    if (outcome.status.status != session_status::done) return 1;
  return 0;
}

}  // namespace agentrt::cli
