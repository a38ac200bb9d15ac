#include "adapters/emit.hpp"

#include <cstdio>
#include <random>

#include "adapters/error_class.hpp"

namespace agentrt::adapters {

std::string random_uuid() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uint64_t hi = rng(), lo = rng();
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0xffff),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return buf;
}

void emitter::emit(std::string id, const char* type, const json& content) {
  agent_message m;
  m.id = std::move(id);
  m.type = type;
  m.parent_id = parent_id;
  m.content = content.dump(-1, ' ', false, json::error_handler_t::replace);
  m.timestamp_ms = timestamp;
  out.messages.push_back(std::move(m));
}

void emitter::emit_block(const char* suffix, const char* type, const json& content) {
  emit(event_id + "-" + suffix + "-" + std::to_string(out.messages.size()), type, content);
}

void emitter::emit_error(const std::string& text) {
  emit_block("error", "error", error_content(text));
}

json error_content(const std::string& text) {
  auto classified = classify_error(text);
  json content = {{"message", text}, {"errorClass", to_string(classified.cls)}};
  if (classified.retry_after_ms > 0) content["retryAfterMs"] = classified.retry_after_ms;
  return content;
}

json string_array(const json& v) {
  json arr = json::array();
  if (v.is_array())
    for (const auto& item : v)
      if (item.is_string()) arr.push_back(item);
  return arr;
}

std::optional<json> parse_event(std::string_view line, adapter_output& out) {
  json ev = json::parse(line.begin(), line.end(), nullptr, false);
  if (!ev.is_discarded() && ev.is_object()) {
    out.json_line = true;
    return ev;
  }
  emitter e{out, random_uuid(), {}};
  constexpr std::size_t shown = 200;
  json content = error_content(ev.is_discarded() ? "invalid JSON from the agent"
                                                 : "a line that is not a JSON object");
  content["line"] = std::string{line.substr(0, shown)} + (line.size() > shown ? "..." : "");
  e.emit(e.event_id, "error", content);
  return std::nullopt;
}

}  // namespace agentrt::adapters
