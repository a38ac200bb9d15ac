// The supervisor's bounded memory of ended sessions (actors/past_sessions.hpp).

#include "actors/past_sessions.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace agentrt {
namespace {

session_info ended(const std::string& id, std::int64_t started_at_ms, std::uint64_t gen = 1) {
  session_info info;
  info.session_id = id;
  info.status = session_status::done;
  info.started_at_ms = started_at_ms;
  info.generation = gen;
  return info;
}

std::vector<std::string> ids(const past_sessions& past) {
  std::vector<std::string> out;
  past.for_each([&](const session_info& info) { out.push_back(info.session_id); });
  std::sort(out.begin(), out.end());
  return out;
}

TEST(PastSessions, WithinItsBoundNothingIsForgotten) {
  past_sessions past{3};
  past.remember(ended("a", 1));
  past.remember(ended("b", 2));
  past.remember(ended("c", 3));
  EXPECT_TRUE(past.overflow().empty());
  EXPECT_EQ(ids(past), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(PastSessions, BeyondItsBoundTheOldestByStartAreForgotten) {
  past_sessions past{2};
  past.remember(ended("late", 30));
  past.remember(ended("early", 10));
  past.remember(ended("middle", 20));
  EXPECT_EQ(past.overflow(), (std::vector<std::string>{"early"}));
  EXPECT_EQ(ids(past), (std::vector<std::string>{"late", "middle"}));
  EXPECT_FALSE(past.contains("early"));
}

TEST(PastSessions, ASixteenthOfTheBoundGoesAtOnce) {
  past_sessions past{32};
  for (int i = 0; i < 33; ++i) past.remember(ended("s" + std::to_string(100 + i), i));
  auto gone = past.overflow();
  EXPECT_EQ(gone, (std::vector<std::string>{"s100", "s101", "s102"}));
  EXPECT_EQ(past.size(), 30u);
  past.remember(ended("s200", 200));
  EXPECT_TRUE(past.overflow().empty()) << "room was left for more";
}

TEST(PastSessions, ARecordRememberedAgainReplacesTheOldOneAndItsPlace) {
  past_sessions past{2};
  past.remember(ended("a", 1, 1));
  past.remember(ended("b", 2));
  past.remember(ended("a", 3, 2));  // it ran again, later
  past.remember(ended("c", 4));
  EXPECT_EQ(past.overflow(), (std::vector<std::string>{"b"}));
  auto a = past.take("a");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->generation, 2u);
  EXPECT_EQ(past.size(), 1u);
}

TEST(PastSessions, ATakenSessionIsNoLongerPastAndNotForgottenLater) {
  past_sessions past{1};
  past.remember(ended("a", 1));
  ASSERT_TRUE(past.take("a").has_value());
  EXPECT_FALSE(past.take("a").has_value());
  past.remember(ended("b", 2));
  EXPECT_TRUE(past.overflow().empty());
  EXPECT_EQ(ids(past), (std::vector<std::string>{"b"}));
}

TEST(PastSessions, WithoutABoundAllAreKept) {
  past_sessions past;
  for (int i = 0; i < 1000; ++i) past.remember(ended(std::to_string(i), i));
  EXPECT_TRUE(past.overflow().empty());
  EXPECT_EQ(past.size(), 1000u);
}

}  // namespace
}  // namespace agentrt
