#include "adapters/json_text.hpp"

#include <nlohmann/json.hpp>

namespace agentrt::adapters {

namespace {

using json = nlohmann::json;

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

// The escape nlohmann writes for an ASCII byte, or nullptr when the byte stands for itself.
const char* ascii_escape(unsigned char c, char (&buf)[7]) {
  switch (c) {
    case '"':
      return "\\\"";
    case '\\':
      return "\\\\";
    case '\b':
      return "\\b";
    case '\f':
      return "\\f";
    case '\n':
      return "\\n";
    case '\r':
      return "\\r";
    case '\t':
      return "\\t";
    default:
      break;
  }
  if (c >= 0x20) return nullptr;
  static const char hex[] = "0123456789abcdef";
  buf[0] = '\\', buf[1] = 'u', buf[2] = '0', buf[3] = '0';
  buf[4] = hex[c >> 4], buf[5] = hex[c & 0xf], buf[6] = '\0';
  return buf;
}

}  // namespace

void append_quoted(std::string& out, std::string_view text) {
  for (unsigned char c : text)
    if (c >= 0x80) {  // UTF-8 to check: nlohmann's own serializer does it
      out += dump(json(std::string{text}));
      return;
    }
  out += '"';
  std::size_t run = 0;  // start of the bytes not copied yet
  char buf[7];
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char* escaped = ascii_escape(static_cast<unsigned char>(text[i]), buf);
    if (escaped == nullptr) continue;
    out.append(text.data() + run, i - run);
    out += escaped;
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
