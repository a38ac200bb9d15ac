#include "adapters/json_text.hpp"

#include <simdjson.h>
#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <cstring>
#include <stdexcept>

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

// The first byte at or after `i` that must be escaped, or when `high` one of 0x80-0xff (UTF-8
// to validate); `n` when there is none. Eight bytes a step: most text has nothing to escape, and
// this scan was the largest part of writing a normalized line when it went byte by byte.
std::size_t next_special(const unsigned char* bytes, std::size_t i, std::size_t n, bool high) {
  constexpr std::uint64_t ones = 0x0101010101010101ULL, tops = 0x8080808080808080ULL;
  const std::uint64_t high_mask = high ? tops : 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, bytes + i, 8);
    // A byte below 0x20, or equal to '"' or '\\', sets its top bit in `hit`; bytes at or above
    // 0x80 set theirs through high_mask (and cannot pass the first test, which masks with ~w).
    auto zero_in = [&](std::uint64_t v) { return (v - ones) & ~v & tops; };
    std::uint64_t hit = ((w - ones * 0x20) & ~w & tops) | zero_in(w ^ (ones * '"')) |
                        zero_in(w ^ (ones * '\\')) | (w & high_mask);
    if (hit != 0) break;
  }
  for (; i < n; ++i)
    if (must_escape[bytes[i]] || (high && bytes[i] >= 0x80)) return i;
  return n;
}

}  // namespace

std::string json_object_problem(std::string_view text) {
  std::string why;
  auto value = parse_json(text, &why);
  if (value.is_discarded()) return why;
  return value.is_object() ? std::string{} : "not a JSON object";
}

void append_quoted(std::string& out, std::string_view text) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size(), start = out.size();
  out += '"';
  bool utf8_checked = false;
  std::size_t run = 0;  // start of the bytes not copied yet
  for (std::size_t i = next_special(bytes, 0, n, true); i < n;
       i = next_special(bytes, i, n, !utf8_checked)) {
    if (bytes[i] >= 0x80) {
      // Valid UTF-8 is written as it is, as nlohmann does; invalid UTF-8 (rare: provider JSON is
      // validated by its parse) is left to nlohmann's serializer, which replaces it.
      if (!simdjson::validate_utf8(text.data(), n)) {
        out.resize(start);
        out += dump(json(std::string{text}));
        return;
      }
      utf8_checked = true;
      continue;
    }
    out.append(text.data() + run, i - run);
    append_escape(out, bytes[i]);
    run = ++i;
  }
  out.append(text.data() + run, n - run);
  out += '"';
}

json parse_json(std::string_view text, std::string* error) {
  bool too_deep = false;
  // The parser itself is iterative; the depth is checked as it goes, so a deep line costs one pass.
  // `depth` counts the containers around the event's value.
  json::parser_callback_t check = [&too_deep](int depth, json::parse_event_t event, json&) {
    bool opens =
      event == json::parse_event_t::object_start || event == json::parse_event_t::array_start;
    if (opens && depth >= max_json_depth) too_deep = true;
    return !too_deep;
  };
  json value = json::parse(text.begin(), text.end(), check, false);
  if (too_deep) value = json(json::value_t::discarded);
  if (error != nullptr && value.is_discarded())
    *error = too_deep ? "nested deeper than " + std::to_string(max_json_depth) + " levels"
                      : "not valid JSON";
  return value;
}

namespace {

// Values parsed from outside hold at most max_json_depth levels; the adapters wrap them in a few
// of their own. Twice that is a bound no message reaches, and bounds this recursion's stack.
constexpr int max_write_depth = 2 * max_json_depth;

// `depth`: the containers around `value`.
void append_json_at(std::string& out, const json& value, int depth) {
  if (value.is_structured() && depth >= max_write_depth)
    throw std::length_error("JSON nested deeper than " + std::to_string(max_write_depth) +
                            " levels");
  switch (value.type()) {
    case json::value_t::object: {
      out += '{';
      bool first = true;
      for (const auto& [key, item] : value.get_ref<const json::object_t&>()) {
        if (!first) out += ',';
        first = false;
        append_quoted(out, key);
        out += ':';
        append_json_at(out, item, depth + 1);
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
        append_json_at(out, item, depth + 1);
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

}  // namespace

void append_json(std::string& out, const json& value) {
  append_json_at(out, value, 0);
}

std::string to_json_text(const json& value) {
  std::string out;
  append_json(out, value);
  return out;
}

}  // namespace agentrt::adapters
