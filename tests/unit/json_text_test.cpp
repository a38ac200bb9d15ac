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

TEST(JsonText, QuotesAppendToWhatIsThere) {
  std::string out = "x=";
  agentrt::adapters::append_quoted(out, "a\tb");
  EXPECT_EQ(out, "x=\"a\\tb\"");
}

}  // namespace
