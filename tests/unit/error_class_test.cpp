#include "adapters/error_class.hpp"

#include <gtest/gtest.h>

namespace {

using agentrt::adapters::classify_error;
using agentrt::adapters::error_class;

void expect_class(const char* text, error_class cls, std::int64_t retry_ms) {
  auto c = classify_error(text);
  EXPECT_EQ(c.cls, cls) << text;
  EXPECT_EQ(c.retry_after_ms, retry_ms) << text;
}

TEST(ErrorClass, SeedVectors) {
  expect_class("Rate limit reached for requests", error_class::rate_limit, 30000);
  expect_class("ratelimit", error_class::rate_limit, 30000);
  expect_class("HTTP 429", error_class::rate_limit, 30000);
  expect_class("Too Many Requests", error_class::rate_limit, 30000);
  expect_class("request throttled", error_class::rate_limit, 30000);
  expect_class("unexpected status 401 Unauthorized", error_class::auth, 0);
  expect_class("Invalid API key", error_class::auth, 0);
  expect_class("authentication_failed", error_class::auth, 0);
  expect_class("insufficient_quota", error_class::quota, 0);
  expect_class("Your credit balance is too low", error_class::quota, 0);
  expect_class("billing hard limit", error_class::quota, 0);
  expect_class("You exceeded your current quota", error_class::quota, 0);
  expect_class("usage limit reached", error_class::quota, 0);
  expect_class("Overloaded", error_class::overloaded, 15000);
  expect_class("HTTP 529", error_class::overloaded, 15000);
  expect_class("503 Service Unavailable", error_class::overloaded, 15000);
  expect_class("at capacity", error_class::overloaded, 15000);
  expect_class("connect ECONNREFUSED 127.0.0.1:11434", error_class::network, 5000);
  expect_class("read ECONNRESET", error_class::network, 5000);
  expect_class("fetch failed", error_class::network, 5000);
  expect_class("DNS lookup failed", error_class::network, 5000);
  expect_class("something else broke", error_class::unknown, 0);
  expect_class("", error_class::unknown, 0);
}

TEST(ErrorClass, StatusCodesMatchAsWholeNumbersNotInsidePorts) {
  expect_class("Ollama at http://127.0.0.1:34291 is not reachable: ECONNREFUSED",
               error_class::network, 5000);
  expect_class("http://host:4010/v1 said 401", error_class::auth, 0);
  expect_class("status=429", error_class::rate_limit, 30000);
}

TEST(ErrorClass, FirstMatchWins) {
  // Both a rate limit and a 401 are named: rate_limit comes first.
  expect_class("429 after 401", error_class::rate_limit, 30000);
  expect_class("network said 401", error_class::auth, 0);
}

}  // namespace
