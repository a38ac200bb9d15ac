#pragma once
// Claude Code's `--output-format stream-json` (docs/messages.md; provider-formats.md section 1).
//
// system/init -> init; system/compact_boundary -> compaction; other system subtypes -> status;
// assistant content blocks -> text / thinking / tool_call; user tool_result blocks -> tool_result;
// result -> cost and the end of the turn (an error result -> error first); stream_event text and
// thinking deltas -> text / thinking with delta: true, other stream and control events -> status;
// anything else -> unknown.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "adapters/adapter.hpp"

namespace agentrt::adapters {

class claude_adapter final : public provider_adapter {
 protected:
  void parse(std::string_view line, adapter_output& out) override;

 private:
  struct usage {
    std::uint64_t input = 0, output = 0, cache_read = 0, cache_creation = 0;
    usage& operator+=(const usage& u);
    usage& operator-=(const usage& u);
  };
  // Token progress during a turn: the assistant lines of one response share its message.id and
  // its usage, so each id counts once (its latest figures), never once per line. A response's
  // lines come together: only the latest responses are kept, so that a turn that never ends
  // (an agent that runs for hours) costs no more memory than a short one.
  void track_usage(std::string_view message_id, const usage& u, adapter_output& out);
  static constexpr std::size_t recent_responses = 16;

  cost_update totals_;                                     // confirmed by results
  std::vector<std::pair<std::string, usage>> turn_usage_;  // the latest responses, by message.id
  usage turn_sum_;                                         // of every response of the running turn
};

}  // namespace agentrt::adapters
