#pragma once
// Claude Code's `--output-format stream-json` (docs/messages.md; provider-formats.md section 1).
//
// system/init -> init; system/compact_boundary -> compaction; other system subtypes -> status;
// assistant content blocks -> text / thinking / tool_call; user tool_result blocks -> tool_result;
// result -> cost and the end of the turn (an error result -> error first); stream_event text and
// thinking deltas -> text / thinking with delta: true, other stream and control events -> status;
// anything else -> unknown. Cost: total_cost_usd of the
// latest result is authoritative (cumulative within one process); tokens add up per result.

#include <cstdint>

#include "adapters/adapter.hpp"

namespace agentrt::adapters {

class claude_adapter final : public provider_adapter {
 protected:
  void parse(std::string_view line, adapter_output& out) override;

 private:
  cost_update totals_;
};

}  // namespace agentrt::adapters
