#include "runtime/cli/table.hpp"

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

std::string rewind_lines(std::size_t lines) {
  std::string out;
  for (std::size_t i = 0; i < lines; ++i) out += "\x1b[1A\x1b[2K";
  return out;
}

}  // namespace agentrt::cli
