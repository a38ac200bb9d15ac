#include "actors/admission.hpp"

#include <gtest/gtest.h>

namespace {

using agentrt::admission_control;
using agentrt::admission_policy;
using strings = std::vector<std::string>;

admission_policy per_provider(std::map<std::string, std::size_t> limits, std::size_t total = 0) {
  admission_policy p;
  p.max_per_provider = std::move(limits);
  p.max_sessions = total;
  return p;
}

TEST(Admission, ClaudeIsLimitedToThreeByDefaultAndOthersAreNot) {
  admission_policy defaults;
  EXPECT_TRUE(defaults.limits("claude"));
  EXPECT_FALSE(defaults.limits("codex"));
  admission_control a{defaults};
  for (auto id : {"a", "b", "c"}) EXPECT_EQ(a.request(id, "claude"), 0u);
  EXPECT_EQ(a.request("d", "claude"), 1u);
  EXPECT_EQ(a.request("x", "codex"), 0u);
}

TEST(Admission, WaitingRunsStartInTheOrderTheyCame) {
  admission_control a{per_provider({{"p", 1}})};
  EXPECT_EQ(a.request("1", "p"), 0u);
  EXPECT_EQ(a.request("2", "p"), 1u);
  EXPECT_EQ(a.request("3", "p"), 2u);
  EXPECT_EQ(a.release("1"), strings{"2"});
  EXPECT_EQ(a.places().at("3"), 1u);
  EXPECT_EQ(a.release("2"), strings{"3"});
  EXPECT_EQ(a.release("3"), strings{});
}

TEST(Admission, AFullProviderDoesNotHoldUpAnotherBehindIt) {
  admission_control a{per_provider({{"p", 1}}, 3)};
  EXPECT_EQ(a.request("p1", "p"), 0u);
  EXPECT_EQ(a.request("p2", "p"), 1u);
  EXPECT_EQ(a.request("q1", "q"), 0u);  // p2 waits for p, not for the node
  EXPECT_EQ(a.request("q2", "q"), 0u);
  EXPECT_EQ(a.request("q3", "q"), 2u);        // the node is full now
  EXPECT_EQ(a.release("q1"), strings{"q3"});  // p2's provider is still full
  EXPECT_EQ(a.request("q4", "q"), 2u);
  EXPECT_EQ(a.release("p1"), strings{"p2"});  // first come, first served: p2 before q4
  EXPECT_EQ(a.release("q2"), strings{"q4"});
}

TEST(Admission, AWaitingRunThatIsWithdrawnGivesUpItsPlace) {
  admission_control a{per_provider({{"p", 1}})};
  a.request("1", "p");
  a.request("2", "p");
  a.request("3", "p");
  EXPECT_EQ(a.release("2"), strings{});
  EXPECT_EQ(a.places().at("3"), 1u);
  EXPECT_EQ(a.release("1"), strings{"3"});
}

TEST(Admission, ASessionAsksAgainForItsNextRunAndHoldsOneSlotAtMost) {
  admission_control a{per_provider({{"p", 1}})};
  EXPECT_EQ(a.request("1", "p"), 0u);
  EXPECT_EQ(a.request("1", "p"), 0u);  // its next run, the slot given back first
  EXPECT_EQ(a.request("2", "p"), 1u);
}

}  // namespace
