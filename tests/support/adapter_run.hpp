#pragma once
// Running an adapter over lines, for adapter tests.

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "adapters/adapter.hpp"

namespace agentrt::test {

struct adapter_run {
  std::vector<agent_message> messages;
  std::vector<turn_event> turns;
  std::optional<cost_update> cost;
  std::string provider_session_id;

  std::vector<std::string> types() const {
    std::vector<std::string> t;
    for (const auto& m : messages) t.push_back(m.type);
    return t;
  }
  nlohmann::json content(std::size_t i) const {
    return nlohmann::json::parse(messages.at(i).content);
  }
};

inline adapter_run run_adapter(adapters::provider_adapter& adapter,
                               const std::vector<std::string>& lines) {
  adapter_run run;
  adapters::adapter_output out;
  for (const auto& line : lines) {
    out.clear();
    adapter.on_line(line, out);
    run.messages.insert(run.messages.end(), out.messages.begin(), out.messages.end());
    if (out.turn) run.turns.push_back(*out.turn);
    if (out.cost) run.cost = out.cost;
    if (!out.provider_session_id.empty()) run.provider_session_id = out.provider_session_id;
  }
  return run;
}

}  // namespace agentrt::test
