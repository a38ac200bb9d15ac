#include <gtest/gtest.h>

#include "adapters/gemini_adapter.hpp"
#include "adapters/ollama_adapter.hpp"
#include "support/adapter_run.hpp"
#include "support/shared_dir.hpp"

namespace {

using agentrt::turn_event;
using agentrt::test::adapter_run;
using json = nlohmann::json;

adapter_run gemini(const std::vector<std::string>& lines) {
  agentrt::adapters::gemini_adapter adapter;
  return agentrt::test::run_adapter(adapter, lines);
}

adapter_run ollama(const std::vector<std::string>& lines) {
  agentrt::adapters::ollama_adapter adapter;
  return agentrt::test::run_adapter(adapter, lines);
}

TEST(GeminiAdapter, ToolRunEndToEnd) {
  auto r = gemini({
    R"({"type":"init","session_id":"g-1","model":"auto"})",
    R"({"type":"message","role":"user","content":"run echo"})",
    R"({"type":"message","role":"assistant","content":"Let me ","delta":true})",
    R"({"type":"tool_use","tool_name":"run_shell_command","tool_id":"t1","parameters":{"command":"echo hi"}})",
    R"({"type":"tool_result","tool_id":"t1","status":"success","output":"hi"})",
    R"({"type":"result","status":"success","stats":{"input_tokens":2700,"output_tokens":36,"cached":300,"duration_ms":255}})",
  });
  EXPECT_EQ(r.types(),
            (std::vector<std::string>{"init", "text", "tool_call", "tool_result", "cost"}));
  EXPECT_EQ(r.provider_session_id, "g-1");
  EXPECT_EQ(r.content(0)["model"], "auto");
  EXPECT_EQ(r.content(1), json({{"text", "Let me "}, {"delta", true}}));
  EXPECT_EQ(r.content(2), json({{"toolUseId", "t1"},
                                {"name", "run_shell_command"},
                                {"input", {{"command", "echo hi"}}}}));
  EXPECT_EQ(r.content(3), json({{"toolUseId", "t1"}, {"output", "hi"}}));
  auto c = r.content(4);
  EXPECT_EQ(c["inputTokens"], 2700);
  EXPECT_EQ(c["outputTokens"], 36);
  EXPECT_EQ(c["cacheReadTokens"], 300);
  EXPECT_EQ(c["durationMs"], 255);
  EXPECT_EQ(r.turns.front().kind, turn_event::started);
  EXPECT_EQ(r.turns.back().kind, turn_event::ended_ok);
  EXPECT_EQ(r.turns.back().provider_session_id, "g-1");
}

TEST(GeminiAdapter, FailedToolWarningsAndErrors) {
  auto r = gemini({
    R"({"type":"tool_result","tool_id":"t2","status":"error","error":{"type":"tool_not_registered","message":"no such tool"}})",
    R"({"type":"error","severity":"warning","message":"Loop detected"})",
    R"({"type":"error","severity":"error","message":"invalid stream"})",
    R"({"type":"result","status":"error","error":{"type":"unknown","message":"[API Error: 401 API key not valid]"},"stats":{}})",
  });
  EXPECT_EQ(r.types(),
            (std::vector<std::string>{"tool_result", "status", "error", "error", "cost"}));
  EXPECT_EQ(r.content(0),
            json({{"toolUseId", "t2"}, {"output", "no such tool"}, {"isError", true}}));
  EXPECT_EQ(r.content(1), json({{"subtype", "warning"}, {"message", "Loop detected"}}));
  EXPECT_EQ(r.content(3)["errorClass"], "auth");
  EXPECT_EQ(r.content(4)["isError"], true);
  EXPECT_EQ(r.turns.back().kind, turn_event::ended_error);
  EXPECT_EQ(r.turns.back().error, "[API Error: 401 API key not valid]");
}

TEST(GeminiAdapter, RealCliCaptures) {
  AGENTRT_REQUIRE_SHARED();
  auto files = agentrt::test::captures("gemini");
  ASSERT_EQ(files.size(), 3u);
  for (const auto& file : files) {
    SCOPED_TRACE(file.filename().string());
    auto r = gemini(agentrt::test::read_lines(file));
    for (const auto& t : r.types()) EXPECT_NE(t, "unknown");
    EXPECT_EQ(r.types().front(), "init");
    EXPECT_FALSE(r.provider_session_id.empty());
  }
  auto tool = gemini(agentrt::test::read_lines(agentrt::test::fixtures_dir() /
                                               "gemini-mock-stream-json-tool-yolo.stdout"));
  EXPECT_EQ(tool.types(), (std::vector<std::string>{"init", "text", "tool_call", "tool_result",
                                                    "text", "text", "text", "text", "cost"}));
  std::string answer;
  for (std::size_t i = 4; i < 8; ++i) answer += tool.content(i)["text"].get<std::string>();
  EXPECT_EQ(answer, "The command printed hi-from-tool. Done.");
  ASSERT_TRUE(tool.cost);
  EXPECT_EQ(tool.cost->input_tokens, 2700u);
  EXPECT_EQ(tool.turns.back().kind, turn_event::ended_ok);

  auto auth = gemini(agentrt::test::read_lines(agentrt::test::fixtures_dir() /
                                               "gemini-mock-stream-json-401.stdout"));
  EXPECT_EQ(auth.turns.back().kind, turn_event::ended_error);

  auto killed = gemini(agentrt::test::read_lines(
    agentrt::test::fixtures_dir() / "gemini-mock-no-relaunch-sigterm-mid-stream.stdout"));
  EXPECT_EQ(killed.turns.back().kind, turn_event::started);
}

TEST(OllamaAdapter, SyntheticInitAndModelLoaded) {
  auto r = ollama(
    {R"({"type":"system","subtype":"init","session_id":"o-1","model":"qwen3:8b","cwd":"/w"})",
     R"({"type":"system","subtype":"model_loaded","status":"ready"})"});
  EXPECT_EQ(r.types(), (std::vector<std::string>{"init", "status"}));
  EXPECT_EQ(
    r.content(0),
    json({{"sessionId", "o-1"}, {"model", "qwen3:8b"}, {"cwd", "/w"}, {"tools", json::array()}}));
  EXPECT_EQ(r.content(1), json({{"subtype", "model_loaded"}, {"message", "ready"}}));
  EXPECT_EQ(r.turns.front().kind, turn_event::started);
}

TEST(OllamaAdapter, ChunksSeedVectors) {
  EXPECT_EQ(
    ollama({R"({"message":{"role":"assistant","content":"Hello world"},"done":false})"}).types(),
    std::vector<std::string>{"text"});
  EXPECT_TRUE(
    ollama({R"({"message":{"role":"assistant","content":""},"done":false})"}).messages.empty());
  EXPECT_EQ(
    ollama({R"({"message":{"role":"assistant","content":"","thinking":"hmm"},"done":false})"})
      .types(),
    std::vector<std::string>{"thinking"});
  EXPECT_EQ(
    ollama({R"({"message":{"role":"assistant","content":"A","thinking":"hmm"},"done":false})"})
      .types(),
    (std::vector<std::string>{"thinking", "text"}));
}

TEST(OllamaAdapter, DoneChunkIsCost) {
  auto r = ollama(
    {R"({"message":{"role":"assistant","content":"."},"done":true,"done_reason":"stop","prompt_eval_count":500,"eval_count":120,"eval_duration":2000000000})"});
  ASSERT_EQ(r.types(), (std::vector<std::string>{"text", "cost"}));
  auto c = r.content(1);
  EXPECT_EQ(c["inputTokens"], 500);
  EXPECT_EQ(c["outputTokens"], 120);
  EXPECT_EQ(c["durationMs"], 2000);
  EXPECT_EQ(c["totalCostUsd"], 0);
  EXPECT_EQ(c["isError"], false);
  EXPECT_EQ(r.turns.back().kind, turn_event::ended_ok);

  auto failed = ollama({R"({"message":{"content":""},"done":true,"done_reason":"error"})"});
  EXPECT_EQ(failed.content(0)["isError"], true);
  EXPECT_EQ(failed.turns.back().kind, turn_event::ended_error);
}

TEST(OllamaAdapter, ErrorLineEndsTheTurn) {
  auto r = ollama({R"({"error":"model 'nope' not found"})"});
  ASSERT_EQ(r.types(), std::vector<std::string>{"error"});
  EXPECT_EQ(r.content(0)["message"], "model 'nope' not found");
  EXPECT_EQ(r.turns.back().kind, turn_event::ended_error);
}

}  // namespace
