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

// Appends `text` as a JSON string literal; invalid UTF-8 becomes U+FFFD.
void append_quoted(std::string& out, std::string_view text);

// Appends `value` as compact JSON text (object keys in nlohmann's order).
void append_json(std::string& out, const nlohmann::json& value);

std::string to_json_text(const nlohmann::json& value);

}  // namespace agentrt::adapters
