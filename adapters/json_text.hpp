#pragma once
// JSON values as compact text, byte for byte what nlohmann's
// dump(-1, ' ', false, error_handler_t::replace) writes, but strings of printable ASCII are
// copied in bulk instead of escaped byte by byte: the serializer was the largest cost left on
// the event path (BENCHMARKS.md). Used by the adapters and by the front doors' line formats.
// Pure functions; thread-safe.

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <string_view>

namespace agentrt::adapters {

// The deepest nesting the runtime accepts in JSON from outside (host lines, provider configs,
// agent lines): simdjson's default, which bounds the agents' lines already. Every nlohmann parse
// of outside text goes through parse_json, so the recursive writers below stay within it.
constexpr int max_json_depth = 1024;

// Parses `text`; on invalid JSON or nesting deeper than max_json_depth, returns a discarded value
// and, when `error` is given, says which.
nlohmann::json parse_json(std::string_view text, std::string* error = nullptr);

// "" when `text` is a JSON object; else what it is instead ("not valid JSON", "not a JSON
// object", ...).
std::string json_object_problem(std::string_view text);

// Appends `text` as a JSON string literal; invalid UTF-8 becomes U+FFFD.
void append_quoted(std::string& out, std::string_view text);

// Appends `value` as compact JSON text (object keys in nlohmann's order). Throws
// std::length_error for nesting deeper than 2 * max_json_depth, which nothing parsed from
// outside (with a few levels of the adapters' around it) reaches.
void append_json(std::string& out, const nlohmann::json& value);

std::string to_json_text(const nlohmann::json& value);

}  // namespace agentrt::adapters
