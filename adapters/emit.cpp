#include "adapters/emit.hpp"

#include <simdjson.h>

#include <random>

#include "adapters/error_class.hpp"
#include "adapters/json_text.hpp"

namespace agentrt::adapters {

std::string random_uuid() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uint64_t hi = rng(), lo = rng();
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  static const char hex[] = "0123456789abcdef";
  std::string id(36, '-');
  int at = 0;
  for (int nibble = 0; nibble < 32; ++nibble, ++at) {
    if (at == 8 || at == 13 || at == 18 || at == 23) ++at;
    std::uint64_t word = nibble < 16 ? hi : lo;
    id[at] = hex[(word >> (60 - 4 * (nibble % 16))) & 0xf];
  }
  return id;
}

void emitter::emit(std::string id, const char* type, const json& content) {
  emit_verbatim(std::move(id), type, to_json_text(content));
}

void emitter::emit_verbatim(std::string id, const char* type, std::string content) {
  agent_message m;
  m.id = std::move(id);
  m.type = type;
  m.parent_id = parent_id;
  m.content = std::move(content);
  m.timestamp_ms = timestamp;
  out.messages.push_back(std::move(m));
}

std::string emitter::block_id(const char* suffix) const {
  std::string id;
  id.reserve(event_id.size() + 16);
  ((id += event_id) += '-') += suffix;
  (id += '-') += std::to_string(out.messages.size());
  return id;
}

void emitter::emit_block(const char* suffix, const char* type, const json& content) {
  emit(block_id(suffix), type, content);
}

void emitter::emit_text(std::string id, const char* type, std::string_view text, bool delta) {
  std::string content;
  // Room for the text and its frame up front: grown by appends, the string would end at twice its
  // size (it is held as long as its batch waits for the host, and counts against the budget).
  content.reserve(text.size() + text.size() / 16 + 32);
  content = R"({"text":)";
  append_quoted(content, text);
  if (delta) content += R"(,"delta":true)";
  content += '}';
  emit_verbatim(std::move(id), type, std::move(content));
}

void emitter::emit_error(std::string_view text) {
  emit_block("error", "error", error_content(text));
}

json error_content(std::string_view text) {
  auto classified = classify_error(text);
  json content = {{"message", text}, {"errorClass", to_string(classified.cls)}};
  if (classified.retry_after_ms > 0) content["retryAfterMs"] = classified.retry_after_ms;
  return content;
}

json string_array(const maybe_element& v) {
  json arr = json::array();
  if (is_array(v))
    for (auto item : simdjson::dom::array(*v))
      if (item.is_string()) arr.push_back(std::string_view(item));
  return arr;
}

json to_json(element e) {
  using type = simdjson::dom::element_type;
  switch (e.type()) {
    case type::OBJECT: {
      json obj = json::object();
      auto& fields = obj.get_ref<json::object_t&>();
      for (auto [key, value] : simdjson::dom::object(e))
        fields.insert_or_assign(std::string{key}, to_json(value));  // the last duplicate wins
      return obj;
    }
    case type::ARRAY: {
      json arr = json::array();
      auto& items = arr.get_ref<json::array_t&>();
      for (auto item : simdjson::dom::array(e)) items.push_back(to_json(item));
      return arr;
    }
    case type::STRING:
      return std::string{std::string_view(e)};
    case type::INT64:
      return std::int64_t(e);
    case type::UINT64:
      return std::uint64_t(e);
    case type::DOUBLE:
      return double(e);
    case type::BOOL:
      return bool(e);
    case type::NULL_VALUE:
      return nullptr;
  }
  return nullptr;
}

namespace {

// simdjson parses a line about 30 times faster than nlohmann's parser (bench/micro_bench), and the
// adapters read its DOM in place. One parser per thread: its buffers fit the longest line seen,
// so after a line above `reuse_limit` they are cut back to it on the next shorter line.
simdjson::error_code parse_into(std::string_view line, element& root) {
  constexpr std::size_t reuse_limit = 1 << 20;
  thread_local simdjson::dom::parser parser;
  if (line.size() <= reuse_limit && parser.capacity() > reuse_limit)
    if (auto err = parser.allocate(reuse_limit)) return err;
  return parser.parse(line.data(), line.size()).get(root);
}

}  // namespace

std::optional<element> parse_event(std::string_view line, adapter_output& out) {
  element ev;
  bool valid = parse_into(line, ev) == simdjson::SUCCESS;
  if (valid && ev.type() == simdjson::dom::element_type::OBJECT) {
    out.json_line = true;
    return ev;
  }
  emitter e{out, random_uuid(), {}};
  constexpr std::size_t shown = 200;
  json content =
    error_content(valid ? "a line that is not a JSON object" : "invalid JSON from the agent");
  content["line"] = std::string{line.substr(0, shown)} + (line.size() > shown ? "..." : "");
  e.emit(e.event_id, "error", content);
  return std::nullopt;
}

}  // namespace agentrt::adapters
