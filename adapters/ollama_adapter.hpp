#pragma once
// Ollama's `/api/chat` streaming response (provider-formats.md section 4), plus the synthetic
// events the runtime's HTTP client writes around it (seed-runtime.md section 3):
//   {"type":"system","subtype":"init","session_id","model","cwd"}  -> init, start of the turn
//   {"type":"system","subtype":"model_loaded",...}                 -> status
// Response lines: message.thinking -> thinking, message.content -> text (streamed pieces carry
// delta: true; empty pieces yield nothing); the done:true line -> cost (prompt_eval_count,
// eval_count, eval_duration) and the end of the turn, done_reason "error" is an error;
// {"error": "..."} -> error and the end of the turn.

#include "adapters/adapter.hpp"

namespace agentrt::adapters {

class ollama_adapter final : public provider_adapter {
 protected:
  void parse(std::string_view line, adapter_output& out) override;

 private:
  cost_update totals_;
};

}  // namespace agentrt::adapters
