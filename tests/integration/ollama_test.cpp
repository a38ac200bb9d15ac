// Ollama over real HTTP on loopback: a small Ollama-compatible server plays each case.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/fake_ollama.hpp"
#include "support/runtime_harness.hpp"

namespace {

using namespace agentrt;
using namespace agentrt::test;
using namespace std::chrono_literals;
using json = nlohmann::json;

query_command ollama_query(const std::string& id, const std::string& host) {
  query_command q;
  q.session_id = id;
  q.provider = "ollama";
  q.prompt = "Say hello";
  q.system_prompt = "Be brief.";
  q.provider_config = json{{"host", host}}.dump();
  return q;
}

runtime_options fast_timeouts() {
  auto opts = test_options();
  opts.ollama.connect_timeout = 1000ms;
  opts.ollama.read_timeout = 1000ms;
  return opts;
}

TEST(Ollama, ChatStreamsChunksThenCostAndEndsDone) {
  fake_ollama server{fake_ollama::mode::chat};
  runtime rt{fast_timeouts()};
  event_collector events{rt};
  ASSERT_TRUE(rt.query(ollama_query("o", server.url())));
  ASSERT_TRUE(events.wait_terminal({"o"}, 10s));
  const auto& s = events.sessions["o"];
  EXPECT_EQ(s.last_status(), session_status::done) << s.statuses.back().error;
  std::vector<std::string> types;
  for (const auto& m : s.messages) types.push_back(m.type);
  EXPECT_EQ(types, (std::vector<std::string>{"init", "text", "text", "cost"}));
  EXPECT_EQ(json::parse(s.messages[0].content)["model"], "qwen3:8b");
  ASSERT_FALSE(s.costs.empty());
  EXPECT_EQ(s.costs.back().input_tokens, 500u);
  EXPECT_EQ(s.costs.back().output_tokens, 120u);
  auto body = json::parse(server.chat_bodies().at(0));
  EXPECT_EQ(body["stream"], true);
  EXPECT_EQ(body["think"], false);
  EXPECT_EQ(body["options"]["num_ctx"], 32768);
  EXPECT_EQ(body["messages"], json::parse(R"([{"role":"system","content":"Be brief."},
                                              {"role":"user","content":"Say hello"}])"));
}

TEST(Ollama, FollowUpSendsTheChatHistory) {
  fake_ollama server{fake_ollama::mode::chat};
  runtime rt{fast_timeouts()};
  event_collector events{rt};
  ASSERT_TRUE(rt.query(ollama_query("o", server.url())));
  ASSERT_TRUE(events.wait_terminal({"o"}, 10s));
  caf::scoped_actor self{rt.system()};
  bool acked = false;
  self->request(rt.supervisor(), 5s, prompt_command{"o", "And goodbye?"})
    .receive([&](command_ack&) { acked = true; }, [](caf::error&) {});
  ASSERT_TRUE(acked);
  ASSERT_TRUE(events.wait_until(
    [](auto& s) { return s["o"].terminal() && s["o"].statuses.back().generation == 2; }, 10s));
  auto bodies = server.chat_bodies();
  ASSERT_EQ(bodies.size(), 2u);
  EXPECT_EQ(json::parse(bodies[1])["messages"], json::parse(R"([
    {"role":"system","content":"Be brief."},
    {"role":"user","content":"Say hello"},
    {"role":"assistant","content":"Hello world"},
    {"role":"user","content":"And goodbye?"}])"));
}

void expect_error(fake_ollama::mode mode, const std::string& expected) {
  fake_ollama server{mode};
  runtime rt{fast_timeouts()};
  event_collector events{rt};
  ASSERT_TRUE(rt.query(ollama_query("o", server.url())));
  ASSERT_TRUE(events.wait_terminal({"o"}, 10s));
  const auto& s = events.sessions["o"];
  EXPECT_EQ(s.last_status(), session_status::error);
  EXPECT_NE(s.statuses.back().error.find(expected), std::string::npos) << s.statuses.back().error;
  bool error_message = false;
  for (const auto& m : s.messages) error_message |= m.type == "error";
  EXPECT_TRUE(error_message);
}

TEST(Ollama, ErrorLineInTheStreamIsAnError) {
  expect_error(fake_ollama::mode::error_line, "model ran out of memory");
}

TEST(Ollama, Http500IsAnErrorWithStatusAndBody) {
  expect_error(fake_ollama::mode::http_500,
               R"(Ollama error (500): {"error":"model 'nope' not found"})");
}

TEST(Ollama, ResetConnectionIsANetworkError) {
  expect_error(fake_ollama::mode::reset, "ECONNRESET");
}

TEST(Ollama, ServerThatNeverAnswersTimesOut) {
  expect_error(fake_ollama::mode::silent, "ETIMEDOUT");
}

TEST(Ollama, UnreachableHostIsNamed) {
  std::string url;
  {
    fake_ollama closed{fake_ollama::mode::chat};
    url = closed.url();
  }  // the port is free again: nobody listens
  runtime rt{fast_timeouts()};
  event_collector events{rt};
  ASSERT_TRUE(rt.query(ollama_query("o", url)));
  ASSERT_TRUE(events.wait_terminal({"o"}, 10s));
  const auto& error = events.sessions["o"].statuses.back().error;
  EXPECT_NE(error.find("ECONNREFUSED"), std::string::npos) << error;
  EXPECT_NE(error.find(url), std::string::npos) << error;
  bool classified = false;
  for (const auto& m : events.sessions["o"].messages)
    classified |= m.type == "error" && json::parse(m.content)["errorClass"] == "network";
  EXPECT_TRUE(classified);
}

TEST(Ollama, SlowDripStreamsAsItComesAndStopCancelsIt) {
  fake_ollama server{fake_ollama::mode::drip};
  runtime rt{fast_timeouts()};
  event_collector events{rt};
  ASSERT_TRUE(rt.query(ollama_query("o", server.url())));
  ASSERT_TRUE(events.wait_until([](auto& s) { return s["o"].messages.size() >= 3; }, 10s))
    << "chunks arrive one by one, long before the stream ends";
  auto asked = std::chrono::steady_clock::now();
  ASSERT_TRUE(rt.stop("o"));
  ASSERT_TRUE(events.wait_terminal({"o"}, 5s));
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 1s);
  EXPECT_EQ(events.sessions["o"].last_status(), session_status::stopped);
}

}  // namespace
