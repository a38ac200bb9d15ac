#pragma once
// Codex CLI's `codex exec --json` (docs/messages.md; provider-formats.md section 2).
//
// thread.started -> init (the thread id is the provider session id); turn.started -> status;
// items: agent_message -> text, reasoning -> thinking, command_execution -> tool_call "Bash" and
// tool_result, file_change -> tool_call + tool_result per change, mcp_tool_call -> tool_call
// "server:tool" and tool_result, web_search -> tool_call "WebSearch", todo_list -> status,
// error items -> status "warning" (codex goes on after them: "Model metadata ... not found");
// turn.completed -> cost and the end of the turn; turn.failed -> error and the end of the turn; a
// top-level error -> error, except "Reconnecting..." -> status (transient); the turn.failed that
// repeats the top-level error just before it adds no second error message.
// A tool call seen at item.started is not repeated at item.completed. Token counts of
// turn.completed are thread totals, reloaded on resume: the cost message gives this turn's delta
// and the totals, and the run's cost (out.cost) what this run used, from resume_usage() on.

#include <cstdint>
#include <set>
#include <string>

#include "adapters/adapter.hpp"
#include "adapters/json_fields.hpp"

namespace agentrt::adapters {

struct emitter;

class codex_adapter final : public provider_adapter {
 protected:
  void parse(std::string_view line, adapter_output& out) override;

 public:
  void resume_usage(const cost_update& before) override;

 private:
 private:
  // Handles an item event; false for an item type it does not know.
  bool on_item(std::string_view phase, const maybe_element& item, emitter& e);
  void announce_tool(emitter& e, std::string_view item_id, const std::string& name,
                     const json& input);

  std::set<std::string, std::less<>> announced_tools_;  // item ids whose tool_call was emitted
  cost_update thread_;      // the thread's totals as last reported (from the resumed runs' on)
  cost_update before_;      // what the thread had used when this run began
  cost_update totals_;      // this run's, as the session counts it
  std::string last_error_;  // the last top-level error's text
};

}  // namespace agentrt::adapters
