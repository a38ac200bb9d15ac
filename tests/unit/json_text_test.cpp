#include "adapters/json_text.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

using nlohmann::json;

std::string reference(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

TEST(JsonText, WritesWhatNlohmannWrites) {
  std::string controls;
  for (int c = 0; c < 0x20; ++c) controls += static_cast<char>(c);
  const json values[] = {
    json::object(),
    json::array(),
    nullptr,
    true,
    -42,
    std::uint64_t{18446744073709551615ULL},
    0.1,
    1e300,
    "plain",
    "quote \" backslash \\ slash / del \x7f",
    controls,
    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",  // valid UTF-8
    "bad \xff\xfe utf8 \xc3",                     // invalid: replaced
    {{"z", 1}, {"a", {{"nested", json::array({1, "two", nullptr})}}}, {"text", "line\nbreak"}},
  };
  for (const auto& v : values) EXPECT_EQ(agentrt::adapters::to_json_text(v), reference(v)) << v;
}

// The scan goes eight bytes a step: every byte that matters is found at every offset of a word,
// and in the tail after the last whole word.
TEST(JsonText, QuotesEveryByteThatMattersAtEveryOffset) {
  const std::string specials[] = {
    "\"",   "\\",  std::string(1, '\0'), "\x1f", "\n", "\xc3\xa9", "\xff", "\x7f", " ", "\x21",
    "\x5b", "\x5d"};
  for (std::size_t length = 0; length <= 24; ++length)
    for (const auto& special : specials)
      for (std::size_t at = 0; at <= length; ++at) {
        std::string text(length, 'a');
        text.insert(at, special);
        std::string out = "<";
        agentrt::adapters::append_quoted(out, text);
        EXPECT_EQ(out, "<" + reference(json(text))) << length << " at " << at;
      }
}

TEST(JsonText, QuotesAppendToWhatIsThere) {
  std::string out = "x=";
  agentrt::adapters::append_quoted(out, "a\tb");
  EXPECT_EQ(out, "x=\"a\\tb\"");
}

}  // namespace

namespace {

std::string nested(int levels) {
  return std::string(static_cast<std::size_t>(levels), '[') +
         std::string(static_cast<std::size_t>(levels), ']');
}

TEST(JsonText, ParsesNestingUpToTheLimitAndRefusesDeeper) {
  using agentrt::adapters::max_json_depth;
  using agentrt::adapters::parse_json;
  std::string error;
  EXPECT_FALSE(parse_json(nested(max_json_depth), &error).is_discarded()) << error;
  EXPECT_TRUE(parse_json(nested(max_json_depth + 1), &error).is_discarded());
  EXPECT_EQ(error, "nested deeper than 1024 levels");
  // What a host sent in the attack: 60k levels in one line, refused without a stack overflow.
  EXPECT_TRUE(parse_json("{\"a\":" + nested(60000) + "}", &error).is_discarded());
  EXPECT_EQ(error, "nested deeper than 1024 levels");
  EXPECT_TRUE(parse_json("{\"a\":", &error).is_discarded());
  EXPECT_EQ(error, "not valid JSON");
}

TEST(JsonText, WriterRefusesWhatNoParseLetsThrough) {
  json deep = json::array();
  for (int i = 0; i < 3 * agentrt::adapters::max_json_depth; ++i) deep = json::array({deep});
  EXPECT_THROW(agentrt::adapters::to_json_text(deep), std::length_error);
  json parsed = agentrt::adapters::parse_json(nested(agentrt::adapters::max_json_depth));
  EXPECT_EQ(agentrt::adapters::to_json_text(parsed), reference(parsed));
}

}  // namespace
