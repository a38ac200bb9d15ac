#pragma once
// The live session table of `agentrt run` on a terminal. Pure: rows in, text out.

#include <cstdint>
#include <string>
#include <vector>

namespace agentrt::cli {

struct session_row {
  std::string session_id;
  std::string provider;
  std::string status;
  double elapsed_s = 0;
  std::size_t messages = 0;
  std::uint64_t input_tokens = 0;
  std::uint64_t output_tokens = 0;
  double cost_usd = 0;
};

// A header line and one line per row, each ending in '\n', columns aligned; then, when given,
// the runtime's totals under the heading TOTAL (provider, status and elapsed time left blank).
std::string render_table(const std::vector<session_row>& rows, const session_row* total = nullptr);

// Natural order: runs of digits compare as numbers (run-2 before run-10).
bool natural_less(const std::string& a, const std::string& b);

// What redraws `lines` lines printed before in place: cursor up and clear (ANSI).
std::string rewind_lines(std::size_t lines);

}  // namespace agentrt::cli
