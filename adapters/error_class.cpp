#include "adapters/error_class.hpp"

#include <regex>
#include <string>

namespace agentrt::adapters {

const char* to_string(error_class c) {
  switch (c) {
    case error_class::rate_limit:
      return "rate_limit";
    case error_class::auth:
      return "auth";
    case error_class::quota:
      return "quota";
    case error_class::overloaded:
      return "overloaded";
    case error_class::network:
      return "network";
    case error_class::unknown:
      return "unknown";
  }
  return "unknown";
}

classified_error classify_error(std::string_view text) {
  struct rule {
    error_class cls;
    std::int64_t retry_after_ms;
    std::regex pattern;
  };
  constexpr auto icase = std::regex::icase | std::regex::optimize;
  static const rule rules[] = {
    {error_class::rate_limit, 30000,
     std::regex{R"(rate.?limit|\b429\b|too many requests|throttl)", icase}},
    {error_class::auth, 0,
     std::regex{R"(\b401\b|invalid.?api.?key|authentication|unauthorized)", icase}},
    {error_class::quota, 0,
     std::regex{"insufficient.?quota|billing|payment|exceeded.*quota|credit|usage.?limit", icase}},
    {error_class::overloaded, 15000,
     std::regex{R"(overloaded|\b503\b|\b529\b|service.?unavailable|capacity)", icase}},
    {error_class::network, 5000,
     std::regex{"ECONNREFUSED|ECONNRESET|ETIMEDOUT|network|fetch.?failed|dns", icase}},
  };
  std::string s{text};
  for (const auto& r : rules)
    if (std::regex_search(s, r.pattern)) return {r.cls, r.retry_after_ms};
  return {};
}

}  // namespace agentrt::adapters
