#include "adapters/adapter.hpp"

#include "adapters/aider_adapter.hpp"
#include "adapters/claude_adapter.hpp"
#include "adapters/codex_adapter.hpp"
#include "adapters/emit.hpp"
#include "adapters/gemini_adapter.hpp"
#include "adapters/json_text.hpp"
#include "adapters/ollama_adapter.hpp"

namespace agentrt::adapters {

std::unique_ptr<provider_adapter> make_adapter(const std::string& provider) {
  if (provider == "claude" || provider == "fake") return std::make_unique<claude_adapter>();
  if (provider == "codex") return std::make_unique<codex_adapter>();
  if (provider == "gemini") return std::make_unique<gemini_adapter>();
  if (provider == "ollama") return std::make_unique<ollama_adapter>();
  if (provider == "aider") return std::make_unique<aider_adapter>();
  return nullptr;
}

agent_message make_error_message(const std::string& text) {
  agent_message msg;
  msg.id = random_uuid();
  msg.type = "error";
  msg.content = to_json_text(error_content(text));
  msg.timestamp_ms = now_ms();
  return msg;
}

}  // namespace agentrt::adapters
