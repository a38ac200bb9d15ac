#pragma once
// Gemini CLI's `--output-format stream-json` (docs/messages.md; provider-formats.md section 3).
//
// init -> init (session_id is the provider session id) and the start of a turn; assistant
// message -> text (streamed pieces carry delta: true); the echoed user message -> nothing;
// tool_use -> tool_call; tool_result -> tool_result; error -> status "warning" or error by its
// severity; result -> cost (from stats) and the end of the turn, an error result -> error too.

#include "adapters/adapter.hpp"

namespace agentrt::adapters {

class gemini_adapter final : public provider_adapter {
 protected:
  void parse(std::string_view line, adapter_output& out) override;

 private:
  cost_update totals_;
};

}  // namespace agentrt::adapters
