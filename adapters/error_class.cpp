#include "adapters/error_class.hpp"

#include <cctype>
#include <string>

namespace agentrt::adapters {

namespace {

// Matches `pattern` against the start of `text`: '?' is any one character or none, '*' any run
// of characters, everything else itself. Enough for the phrases below, and unlike std::regex it
// costs nothing to build and little to run (the adapters look at every error an agent prints).
bool matches_at(std::string_view pattern, std::string_view text) {
  if (pattern.empty()) return true;
  if (pattern[0] == '*') {
    for (std::size_t skip = 0; skip <= text.size(); ++skip)
      if (matches_at(pattern.substr(1), text.substr(skip))) return true;
    return false;
  }
  if (pattern[0] == '?')
    return (!text.empty() && matches_at(pattern.substr(1), text.substr(1))) ||
           matches_at(pattern.substr(1), text);
  return !text.empty() && text[0] == pattern[0] && matches_at(pattern.substr(1), text.substr(1));
}

bool word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

// A phrase of a rule, in lower case; a whole word is not part of a longer one ("429" is not in a
// port 34291).
struct phrase {
  std::string_view pattern;
  bool whole_word = false;
};

// Candidates are found by the phrase's literal start (a plain search), then matched in full.
bool contains(std::string_view lower_text, const phrase& p) {
  auto literal = p.pattern.substr(0, p.pattern.find_first_of("?*"));
  for (auto at = lower_text.find(literal); at != std::string_view::npos;
       at = lower_text.find(literal, at + 1)) {
    if (!p.whole_word) {
      if (matches_at(p.pattern, lower_text.substr(at))) return true;
      continue;
    }
    std::size_t end = at + p.pattern.size();
    if ((at == 0 || !word_char(lower_text[at - 1])) &&
        (end == lower_text.size() || !word_char(lower_text[end])))
      return true;
  }
  return false;
}

}  // namespace

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
    std::initializer_list<phrase> phrases;
  };
  static const rule rules[] = {
    {error_class::rate_limit,
     30000,
     {{"rate?limit"}, {"429", true}, {"too many requests"}, {"throttl"}}},
    {error_class::auth,
     0,
     {{"401", true}, {"invalid?api?key"}, {"authentication"}, {"unauthorized"}}},
    {error_class::quota,
     0,
     {{"insufficient?quota"},
      {"billing"},
      {"payment"},
      {"exceeded*quota"},
      {"credit"},
      {"usage?limit"}}},
    {error_class::overloaded,
     15000,
     {{"overloaded"}, {"503", true}, {"529", true}, {"service?unavailable"}, {"capacity"}}},
    {error_class::network,
     5000,
     {{"econnrefused"}, {"econnreset"}, {"etimedout"}, {"network"}, {"fetch?failed"}, {"dns"}}},
  };
  std::string lower{text};
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const auto& r : rules)
    for (const auto& p : r.phrases)
      if (contains(lower, p)) return {r.cls, r.retry_after_ms};
  return {};
}

}  // namespace agentrt::adapters
