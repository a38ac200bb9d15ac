#include "runtime/cli/table.hpp"

#include <gtest/gtest.h>

namespace {

using agentrt::cli::natural_less;
using agentrt::cli::render_table;
using agentrt::cli::rewind_lines;
using agentrt::cli::session_row;

TEST(Table, OneAlignedLinePerSessionUnderAHeader) {
  std::string t =
    render_table({session_row{"run-1", "fake", "running", 1.25, 3, 120, 7, 0.0021},
                  session_row{"a-very-long-session-id", "claude", "done", 12, 9, 5, 6, 0.5}});
  EXPECT_EQ(
    t,
    "SESSION          PROVIDER STATUS    ELAPSED MESSAGES  TOKENS IN TOKENS OUT       COST\n"
    "run-1            fake     running      1.2s        3        120          7     0.0021\n"
    "a-very-long-sess claude   done        12.0s        9          5          6     0.5000\n");
}

TEST(Table, TheTotalsComeLast) {
  session_row total{"TOTAL", "", ""};
  total.messages = 12;
  total.input_tokens = 125;
  total.output_tokens = 13;
  total.cost_usd = 0.5021;
  std::string t =
    render_table({session_row{"run-1", "fake", "done", 1.25, 3, 120, 7, 0.0021}}, &total);
  EXPECT_EQ(
    t,
    "SESSION          PROVIDER STATUS    ELAPSED MESSAGES  TOKENS IN TOKENS OUT       COST\n"
    "run-1            fake     done         1.2s        3        120          7     0.0021\n"
    "TOTAL                                             12        125         13     0.5021\n");
}

TEST(Table, RewindMovesUpAndClearsEachLine) {
  EXPECT_EQ(rewind_lines(0), "");
  EXPECT_EQ(rewind_lines(2), "\x1b[1A\x1b[2K\x1b[1A\x1b[2K");
}

TEST(Table, SessionIdsSortNaturally) {
  EXPECT_TRUE(natural_less("run-2", "run-10"));
  EXPECT_FALSE(natural_less("run-10", "run-2"));
  EXPECT_TRUE(natural_less("run-02", "run-3"));
  EXPECT_TRUE(natural_less("a", "b"));
  EXPECT_TRUE(natural_less("run", "run-1"));
  EXPECT_FALSE(natural_less("run-1", "run-1"));
  EXPECT_TRUE(natural_less("x9y", "x10"));
}

}  // namespace
