#pragma once
// Lenient field access for provider JSON: a missing or wrongly typed field reads as "" or 0,
// never an exception (docs/messages.md). Provider lines are read where simdjson parsed them
// (no copy into another DOM); the content of normalized messages is built as `json`.
// Internal to adapters/.

#include <simdjson.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace agentrt::adapters {

using json = nlohmann::json;
// A value of a parsed provider line; valid until the next line is parsed on this thread.
using element = simdjson::dom::element;

// A value that may be absent: every accessor below takes one, so lookups chain leniently.
using maybe_element = std::optional<element>;

// The value of `key` (the last one, if the key repeats); nullopt if `obj` is no object or lacks it.
inline maybe_element field(const maybe_element& obj, std::string_view key) {
  maybe_element found;
  if (!obj || obj->type() != simdjson::dom::element_type::OBJECT) return found;
  for (auto [k, v] : simdjson::dom::object(*obj))
    if (k == key) found = v;
  return found;
}

inline std::string_view str_field(const maybe_element& obj, std::string_view key) {
  auto v = field(obj, key);
  return v && v->is_string() ? std::string_view(*v) : std::string_view{};
}

inline double num_field(const maybe_element& obj, std::string_view key) {
  auto v = field(obj, key);
  return v && v->is_number() ? double(v->get_double()) : 0.0;
}

inline std::uint64_t count_field(const maybe_element& obj, std::string_view key) {
  double d = num_field(obj, key);
  return d > 0 ? static_cast<std::uint64_t>(d) : 0;
}

inline bool bool_field(const maybe_element& obj, std::string_view key) {
  auto v = field(obj, key);
  return v && v->is_bool() && bool(*v);
}

inline bool is_object(const maybe_element& v) {
  return v && v->type() == simdjson::dom::element_type::OBJECT;
}

inline bool is_array(const maybe_element& v) {
  return v && v->type() == simdjson::dom::element_type::ARRAY;
}

// A copy of a provider value, for content that passes it on (a tool's input, say).
json to_json(element e);

inline std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// A random RFC 4122 version-4 id, for events that carry no uuid.
std::string random_uuid();

}  // namespace agentrt::adapters
