// The CLI's readable output (runtime/event_format.hpp): streamed pieces join into a paragraph.

#include <gtest/gtest.h>

#include "runtime/event_format.hpp"

namespace {

using agentrt::agent_message;
using agentrt::text_stream;

agent_message piece(const std::string& session, const std::string& text) {
  agent_message m;
  m.session_id = session;
  m.type = "text";
  m.content = R"({"delta":true,"text":")" + text + R"("})";
  return m;
}

TEST(TextStream, StreamedPiecesOfOneSessionJoinIntoOneParagraph) {
  text_stream out;
  std::string all = out.on(piece("g", "The tests "));
  all += out.on(piece("g", "pass."));
  all += out.on(piece("h", "Other"));
  all += out.close();
  EXPECT_EQ(all, "[g] text: The tests pass.\n[h] text: Other\n");
}

TEST(TextStream, AnyOtherEventClosesTheParagraphFirst) {
  text_stream out;
  agentrt::status_change s;
  s.session_id = "g";
  s.status = agentrt::session_status::done;
  agent_message whole;
  whole.session_id = "g";
  whole.type = "text";
  whole.content = R"({"text":"all at once"})";
  std::string all = out.on(piece("g", "Hello"));
  all += out.on(whole);
  all += out.on(s);
  all += out.close();
  EXPECT_EQ(all, "[g] text: Hello\n[g] text: all at once\n[g] status done\n");
  EXPECT_EQ(out.close(), "") << "nothing open";
}

}  // namespace
