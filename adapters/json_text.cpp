#include "adapters/json_text.hpp"

#include <simdjson.h>
#include <nlohmann/json.hpp>

#include <array>

namespace agentrt::adapters {

namespace {

using json = nlohmann::json;

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// The bytes a JSON string literal cannot hold as they are: control characters, '"' and '\\'.
constexpr auto must_escape = [] {
  std::array<bool, 256> table{};
  for (int c = 0; c < 0x20; ++c) table[c] = true;
  table['"'] = table['\\'] = true;
  return table;
}();

// The escape nlohmann writes for one of those bytes.
void append_escape(std::string& out, unsigned char c) {
  switch (c) {
    case '"':
      out += "\\\"";
      return;
    case '\\':
      out += "\\\\";
      return;
    case '\b':
      out += "\\b";
      return;
    case '\f':
      out += "\\f";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    case '\t':
      out += "\\t";
      return;
    default:
      break;
  }
  static const char hex[] = "0123456789abcdef";
  const char escaped[] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf]};
  out.append(escaped, sizeof escaped);
}

}  // namespace

void append_quoted(std::string& out, std::string_view text) {
  // Valid UTF-8 is written as it is, as nlohmann does; invalid UTF-8 (rare: provider JSON is
  // validated by its parse) is left to nlohmann's serializer, which replaces it.
  if (!simdjson::validate_utf8(text.data(), text.size())) {
    out += dump(json(std::string{text}));
    return;
  }
  out += '"';
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  std::size_t run = 0;  // start of the bytes not copied yet
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!must_escape[bytes[i]]) continue;
    out.append(text.data() + run, i - run);
    append_escape(out, bytes[i]);
    run = i + 1;
  }
  out.append(text.data() + run, text.size() - run);
  out += '"';
}

void append_json(std::string& out, const json& value) {
  switch (value.type()) {
    case json::value_t::object: {
      out += '{';
      bool first = true;
      for (const auto& [key, item] : value.get_ref<const json::object_t&>()) {
        if (!first) out += ',';
        first = false;
        append_quoted(out, key);
        out += ':';
        append_json(out, item);
      }
      out += '}';
      return;
    }
    case json::value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& item : value) {
        if (!first) out += ',';
        first = false;
        append_json(out, item);
      }
      out += ']';
      return;
    }
    case json::value_t::string:
      append_quoted(out, value.get_ref<const std::string&>());
      return;
    default:
      out += dump(value);
      return;
  }
}

std::string to_json_text(const json& value) {
  std::string out;
  append_json(out, value);
  return out;
}

}  // namespace agentrt::adapters
