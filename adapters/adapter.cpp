#include "adapters/adapter.hpp"

#include "adapters/claude_adapter.hpp"
#include "adapters/json_fields.hpp"

namespace agentrt::adapters {

std::unique_ptr<provider_adapter> make_adapter(const std::string& provider) {
  if (provider == "claude" || provider == "fake") return std::make_unique<claude_adapter>();
  return nullptr;
}

agent_message make_error_message(const std::string& text) {
  agent_message msg;
  msg.id = random_uuid();
  msg.type = "error";
  msg.content = json{{"message", text}}.dump(-1, ' ', false, json::error_handler_t::replace);
  msg.timestamp_ms = now_ms();
  return msg;
}

const std::vector<std::string>& known_providers() {
  static const std::vector<std::string> all = {"claude", "fake"};
  return all;
}

}  // namespace agentrt::adapters
