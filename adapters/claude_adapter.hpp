#pragma once
// Claude Code's `--output-format stream-json` (docs/messages.md; provider-formats.md section 1).
//
// system/init -> init; system/compact_boundary -> compaction; other system subtypes -> status;
// assistant content blocks -> text / thinking / tool_call; user tool_result blocks -> tool_result;
// result -> cost and the end of the turn; anything else -> unknown. Cost: total_cost_usd of the
// latest result is authoritative (cumulative within one process); tokens add up per result.

#include <cstdint>

#include "adapters/adapter.hpp"

namespace agentrt::adapters {

class claude_adapter final : public provider_adapter {
 public:
  void on_line(std::string_view line, adapter_output& out) override;

 private:
  cost_update totals_;
};

}  // namespace agentrt::adapters
