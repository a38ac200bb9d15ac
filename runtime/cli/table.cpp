#include "runtime/cli/table.hpp"

#include <algorithm>
#include <cstdio>

namespace agentrt::cli {

std::string render_table(const std::vector<session_row>& rows, const session_row* total) {
  char line[256];
  std::snprintf(line, sizeof line, "%-16s %-8s %-8s %8s %8s %10s %10s %10s\n", "SESSION",
                "PROVIDER", "STATUS", "ELAPSED", "MESSAGES", "TOKENS IN", "TOKENS OUT", "COST");
  std::string out = line;
  for (const auto& r : rows) {
    std::snprintf(line, sizeof line, "%-16.16s %-8.8s %-8.8s %7.1fs %8zu %10llu %10llu %10.4f\n",
                  r.session_id.c_str(), r.provider.c_str(), r.status.c_str(), r.elapsed_s,
                  r.messages, static_cast<unsigned long long>(r.input_tokens),
                  static_cast<unsigned long long>(r.output_tokens), r.cost_usd);
    out += line;
  }
  if (total != nullptr) {
    std::snprintf(line, sizeof line, "%-16s %-8s %-8s %8s %8zu %10llu %10llu %10.4f\n", "TOTAL", "",
                  "", "", total->messages, static_cast<unsigned long long>(total->input_tokens),
                  static_cast<unsigned long long>(total->output_tokens), total->cost_usd);
    out += line;
  }
  return out;
}

bool natural_less(const std::string& a, const std::string& b) {
  std::size_t i = 0, j = 0;
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  while (i < a.size() && j < b.size()) {
    if (digit(a[i]) && digit(b[j])) {
      auto end_a = a.find_first_not_of("0123456789", i),
           end_b = b.find_first_not_of("0123456789", j);
      if (end_a == std::string::npos) end_a = a.size();
      if (end_b == std::string::npos) end_b = b.size();
      // Without leading zeros, the longer run of digits is the larger number.
      auto from_a = a.find_first_not_of('0', i), from_b = b.find_first_not_of('0', j);
      from_a = std::min(from_a, end_a);
      from_b = std::min(from_b, end_b);
      if (end_a - from_a != end_b - from_b) return end_a - from_a < end_b - from_b;
      if (int c = a.compare(from_a, end_a - from_a, b, from_b, end_b - from_b); c != 0)
        return c < 0;
      i = end_a;
      j = end_b;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i;
      ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

std::string rewind_lines(std::size_t lines) {
  std::string out;
  for (std::size_t i = 0; i < lines; ++i) out += "\x1b[1A\x1b[2K";
  return out;
}

}  // namespace agentrt::cli
