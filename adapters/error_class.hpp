#pragma once
// Classifying an agent's error text, so that a caller can tell a rate limit (retry later) from a
// bad key (do not). First match wins, case-insensitive (seed-runtime.md section 4). Status codes
// match as whole numbers only: a port like :34291 in a URL is not a 429.

#include <cstdint>
#include <string_view>

namespace agentrt::adapters {

enum class error_class { rate_limit, auth, quota, overloaded, network, unknown };

const char* to_string(error_class c);

struct classified_error {
  error_class cls = error_class::unknown;
  std::int64_t retry_after_ms = 0;  // the suggested delay before a retry; 0: do not retry
};

classified_error classify_error(std::string_view text);

}  // namespace agentrt::adapters
