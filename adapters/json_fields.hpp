#pragma once
// Lenient field access for provider JSON: a missing or wrongly typed field reads as "" or 0,
// never an exception (docs/messages.md). Internal to adapters/.

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <string>

namespace agentrt::adapters {

using json = nlohmann::json;

inline const json* field(const json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

inline std::string str_field(const json& obj, const char* key) {
  const json* v = field(obj, key);
  return v != nullptr && v->is_string() ? v->get<std::string>() : std::string{};
}

inline double num_field(const json& obj, const char* key) {
  const json* v = field(obj, key);
  return v != nullptr && v->is_number() ? v->get<double>() : 0.0;
}

inline std::uint64_t count_field(const json& obj, const char* key) {
  const json* v = field(obj, key);
  if (v == nullptr || !v->is_number()) return 0;
  double d = v->get<double>();
  return d > 0 ? static_cast<std::uint64_t>(d) : 0;
}

inline bool bool_field(const json& obj, const char* key) {
  const json* v = field(obj, key);
  return v != nullptr && v->is_boolean() && v->get<bool>();
}

inline std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// A random RFC 4122 version-4 id, for events that carry no uuid.
std::string random_uuid();

}  // namespace agentrt::adapters
