#include "runtime/process/line_splitter.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using agentrt::process::line_splitter;

// Records lines and oversize notices in one sequence, so their relative order is checked too.
struct recorder {
  std::vector<std::string> items;
  void feed(line_splitter& s, std::string_view data) {
    s.feed(
      data, [&](std::string_view l) { items.emplace_back(l); },
      [&](std::size_t n) { items.push_back("<oversize " + std::to_string(n) + ">"); });
  }
  void finish(line_splitter& s) {
    s.finish([&](std::string_view l) { items.emplace_back(l); },
             [&](std::size_t n) { items.push_back("<oversize " + std::to_string(n) + ">"); });
  }
};

TEST(LineSplitter, SplitsLinesWithinOneRead) {
  line_splitter s{100};
  recorder r;
  r.feed(s, "a\nbb\nccc\n");
  EXPECT_EQ(r.items, (std::vector<std::string>{"a", "bb", "ccc"}));
  EXPECT_EQ(s.buffered(), 0u);
}

TEST(LineSplitter, JoinsALineSplitAcrossReads) {
  line_splitter s{100};
  recorder r;
  r.feed(s, "{\"type\":");
  EXPECT_TRUE(r.items.empty());
  r.feed(s, "\"assis");
  r.feed(s, "tant\"}\n{\"x\"");
  r.feed(s, ":1}\n");
  EXPECT_EQ(r.items, (std::vector<std::string>{"{\"type\":\"assistant\"}", "{\"x\":1}"}));
}

TEST(LineSplitter, FeedsByteByByte) {
  line_splitter s{100};
  recorder r;
  for (char c : std::string{"one\ntwo\n"}) r.feed(s, std::string_view{&c, 1});
  EXPECT_EQ(r.items, (std::vector<std::string>{"one", "two"}));
}

TEST(LineSplitter, SkipsEmptyLines) {
  line_splitter s{100};
  recorder r;
  r.feed(s, "\n\na\n\n\r\nb\n");
  EXPECT_EQ(r.items, (std::vector<std::string>{"a", "b"}));
}

TEST(LineSplitter, StripsCarriageReturnOfCrlf) {
  line_splitter s{100};
  recorder r;
  r.feed(s, "a\r\nb\r");
  r.feed(s, "\nc\rd\n");
  EXPECT_EQ(r.items, (std::vector<std::string>{"a", "b", "c\rd"}));
}

TEST(LineSplitter, ResidueAtEndOfStreamIsTheLastLine) {
  line_splitter s{100};
  recorder r;
  r.feed(s, "a\n{\"type\":\"result\"}");
  EXPECT_EQ(r.items.size(), 1u);
  r.finish(s);
  EXPECT_EQ(r.items, (std::vector<std::string>{"a", "{\"type\":\"result\"}"}));
  r.finish(s);  // a second end of stream adds nothing
  EXPECT_EQ(r.items.size(), 2u);
}

TEST(LineSplitter, LineAtTheLimitPassesAndOneByteMoreIsSkipped) {
  line_splitter s{10};
  recorder r;
  r.feed(s, std::string(10, 'a') + "\n" + std::string(11, 'b') + "\nok\n");
  EXPECT_EQ(r.items, (std::vector<std::string>{std::string(10, 'a'), "<oversize 11>", "ok"}));
}

TEST(LineSplitter, OversizeLineAcrossManyReadsIsReportedOnceWithItsLength) {
  line_splitter s{1000};
  recorder r;
  r.feed(s, "before\nxx");
  for (int i = 0; i < 100; ++i) r.feed(s, std::string(500, 'x'));
  EXPECT_LE(s.buffered(), 1000u) << "the oversize line must not be buffered";
  r.feed(s, "xx\nafter\n");
  EXPECT_EQ(r.items, (std::vector<std::string>{"before", "<oversize " + std::to_string(50004) + ">",
                                               "after"}));
}

TEST(LineSplitter, OversizeResidueAtEndOfStreamIsReported) {
  line_splitter s{4};
  recorder r;
  r.feed(s, "abc\nabcdefgh");
  r.finish(s);
  EXPECT_EQ(r.items, (std::vector<std::string>{"abc", "<oversize 8>"}));
}

}  // namespace
