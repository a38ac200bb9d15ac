#pragma once
// Building normalized messages from provider events; shared by the adapters (internal).

#include <optional>
#include <string>
#include <string_view>

#include "adapters/adapter.hpp"
#include "adapters/json_fields.hpp"

namespace agentrt::adapters {

// Appends the messages of one provider event to `out`.
struct emitter {
  adapter_output& out;
  std::string event_id;   // the event's uuid, or a made-up one
  std::string parent_id;  // the sub-agent's tool use, if any
  std::int64_t timestamp = now_ms();

  void emit(std::string id, const char* type, const json& content);
  // A message whose content is JSON object text already (the provider's own event, say).
  void emit_verbatim(std::string id, const char* type, std::string content);
  // Events that yield several messages number them: <id>-text-0, <id>-tool-1, ...
  std::string block_id(const char* suffix) const;
  void emit_block(const char* suffix, const char* type, const json& content);
  // {text, delta?} (text and thinking): the most frequent content, written without a json.
  void emit_text(std::string id, const char* type, std::string_view text, bool delta = false);
  // An `error` message with its class and suggested retry delay.
  void emit_error(std::string_view text);
};

// {message, errorClass, retryAfterMs?} for an error text.
json error_content(std::string_view text);

// The string items of a JSON array (anything else: an empty array).
json string_array(const maybe_element& v);

// The line as a JSON object; otherwise an `error` message is appended and nullopt returned.
// The element is valid until the next call on this thread.
std::optional<element> parse_event(std::string_view line, adapter_output& out);

}  // namespace agentrt::adapters
