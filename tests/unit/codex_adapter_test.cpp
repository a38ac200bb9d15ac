#include "adapters/codex_adapter.hpp"

#include <gtest/gtest.h>

#include "support/adapter_run.hpp"
#include "support/shared_dir.hpp"

namespace {

using agentrt::turn_event;
using agentrt::adapters::codex_adapter;
using agentrt::test::adapter_run;
using json = nlohmann::json;

adapter_run run(const std::vector<std::string>& lines) {
  codex_adapter adapter;
  return agentrt::test::run_adapter(adapter, lines);
}

TEST(CodexAdapter, ThreadStartedIsInitWithTheThreadAsSessionId) {
  auto r = run({R"({"type":"thread.started","thread_id":"th-1"})"});
  ASSERT_EQ(r.types(), std::vector<std::string>{"init"});
  EXPECT_EQ(r.content(0),
            json({{"sessionId", "th-1"}, {"model", ""}, {"cwd", ""}, {"tools", json::array()}}));
  EXPECT_EQ(r.provider_session_id, "th-1");
}

TEST(CodexAdapter, TurnStartedIsStatusAndStartsTheTurn) {
  auto r = run({R"({"type":"turn.started"})"});
  ASSERT_EQ(r.types(), std::vector<std::string>{"status"});
  EXPECT_EQ(r.content(0), json({{"subtype", "turn_started"}}));
  ASSERT_EQ(r.turns.size(), 1u);
  EXPECT_EQ(r.turns[0].kind, turn_event::started);
}

TEST(CodexAdapter, TurnCompletedIsCostWithoutDollars) {
  auto r = run(
    {R"({"type":"turn.completed","usage":{"input_tokens":1000,"cached_input_tokens":800,"output_tokens":200}})"});
  ASSERT_EQ(r.types(), std::vector<std::string>{"cost"});
  auto c = r.content(0);
  EXPECT_EQ(c["inputTokens"], 1000);
  EXPECT_EQ(c["outputTokens"], 200);
  EXPECT_EQ(c["cacheReadTokens"], 800);
  EXPECT_EQ(c["totalCostUsd"], 0);
  EXPECT_EQ(r.turns.back().kind, turn_event::ended_ok);
}

TEST(CodexAdapter, TokenTotalsOfTheThreadGiveDeltasPerTurn) {
  auto r = run({R"({"type":"turn.completed","usage":{"input_tokens":1000,"output_tokens":200}})",
                R"({"type":"turn.completed","usage":{"input_tokens":2500,"output_tokens":260}})"});
  ASSERT_EQ(r.messages.size(), 2u);
  EXPECT_EQ(r.content(1)["inputTokens"], 1500);
  EXPECT_EQ(r.content(1)["outputTokens"], 60);
  EXPECT_EQ(r.content(1)["totalInputTokens"], 2500);
  ASSERT_TRUE(r.cost);
  EXPECT_EQ(r.cost->input_tokens, 2500u) << "totals are the thread's, not a sum";
  EXPECT_EQ(r.cost->turns, 2u);
}

// Each follow-up is a new process (exec resume) whose totals include the earlier turns.
TEST(CodexAdapter, AResumedThreadCountsFromWhatItsEarlierRunsUsed) {
  agentrt::cost_update before;
  before.input_tokens = 1200;
  before.output_tokens = 100;
  codex_adapter adapter;
  adapter.resume_usage(before);
  auto r = agentrt::test::run_adapter(
    adapter, {R"({"type":"turn.completed","usage":{"input_tokens":2400,"output_tokens":200}})"});
  EXPECT_EQ(r.content(0)["inputTokens"], 1200) << "this turn's";
  EXPECT_EQ(r.content(0)["totalInputTokens"], 2400) << "the thread's";
  ASSERT_TRUE(r.cost);
  EXPECT_EQ(r.cost->input_tokens, 1200u) << "this run's: the session adds it to the first's";
  EXPECT_EQ(r.cost->output_tokens, 100u);
}

TEST(CodexAdapter, TurnFailedIsAnErrorThatEndsTheTurn) {
  auto r =
    run({R"({"type":"turn.failed","error":{"message":"unexpected status 401 Unauthorized"}})",
         R"({"type":"turn.failed"})"});
  ASSERT_EQ(r.types(), (std::vector<std::string>{"error", "error"}));
  EXPECT_EQ(r.content(0)["errorClass"], "auth");
  EXPECT_EQ(r.content(1)["message"], "Turn failed");
  EXPECT_EQ(r.turns[0].kind, turn_event::ended_error);
  EXPECT_EQ(r.turns[0].error, "unexpected status 401 Unauthorized");
}

TEST(CodexAdapter, TopLevelErrorIsAnErrorButReconnectingIsProgress) {
  auto r = run({R"({"type":"error","message":"stream disconnected"})",
                R"j({"type":"error","message":"Reconnecting... 2/5 (timeout)"})j"});
  ASSERT_EQ(r.types(), (std::vector<std::string>{"error", "status"}));
  EXPECT_EQ(r.content(1)["subtype"], "reconnecting");
  EXPECT_TRUE(r.turns.empty());
}

TEST(CodexAdapter, MessagesAndReasoningOnlyWhenCompleted) {
  auto r = run(
    {R"({"type":"item.started","item":{"id":"item_1","type":"agent_message","text":""}})",
     R"({"type":"item.completed","item":{"id":"item_1","type":"agent_message","text":"Done."}})",
     R"({"type":"item.started","item":{"id":"item_2","type":"reasoning","text":""}})",
     R"({"type":"item.completed","item":{"id":"item_2","type":"reasoning","text":"Plan"}})"});
  ASSERT_EQ(r.types(), (std::vector<std::string>{"text", "thinking"}));
  EXPECT_EQ(r.messages[0].id, "item_1-text-0");
  EXPECT_EQ(r.content(0), json({{"text", "Done."}}));
  EXPECT_EQ(r.content(1), json({{"text", "Plan"}}));
}

TEST(CodexAdapter, CommandExecutionIsOneToolCallAndItsResult) {
  auto r = run(
    {R"({"type":"item.started","item":{"id":"item_2","type":"command_execution","command":"ls","aggregated_output":"","status":"in_progress"}})",
     R"({"type":"item.updated","item":{"id":"item_2","type":"command_execution","command":"ls","aggregated_output":"a","status":"in_progress"}})",
     R"({"type":"item.completed","item":{"id":"item_2","type":"command_execution","command":"ls","aggregated_output":"a\nb\n","exit_code":0,"status":"completed"}})"});
  ASSERT_EQ(r.types(), (std::vector<std::string>{"tool_call", "tool_result"}));
  EXPECT_EQ(r.content(0),
            json({{"toolUseId", "item_2"}, {"name", "Bash"}, {"input", {{"command", "ls"}}}}));
  EXPECT_EQ(r.content(1), json({{"toolUseId", "item_2"}, {"output", "a\nb\n"}}));
}

TEST(CodexAdapter, CommandSeenOnlyCompletedStillHasItsToolCall) {
  auto r = run(
    {R"({"type":"item.completed","item":{"id":"i","type":"command_execution","command":"pwd","aggregated_output":"/"}})"});
  EXPECT_EQ(r.types(), (std::vector<std::string>{"tool_call", "tool_result"}));
}

TEST(CodexAdapter, FileChangesArePairsPerChange) {
  auto r =
    run({R"({"type":"item.completed","item":{"id":"item_5","type":"file_change","changes":[
      {"path":"a.cpp","kind":"update"},{"path":"b.cpp","kind":"add"},{"path":"c.cpp","kind":"delete"}],
      "status":"completed"}})",
         R"({"type":"item.completed","item":{"id":"item_6","type":"file_change","changes":[]}})"});
  ASSERT_EQ(r.types(), (std::vector<std::string>{"tool_call", "tool_result", "tool_call",
                                                 "tool_result", "tool_call", "tool_result"}));
  EXPECT_EQ(
    r.content(0),
    json({{"toolUseId", "item_5:0"}, {"name", "Edit"}, {"input", {{"file_path", "a.cpp"}}}}));
  EXPECT_EQ(r.content(1)["output"], "File update: a.cpp");
  EXPECT_EQ(r.content(2)["name"], "Write");
  EXPECT_EQ(r.content(4)["name"], "Bash");
  EXPECT_EQ(r.content(5)["output"], "File delete: c.cpp");
}

TEST(CodexAdapter, McpToolCallNamesServerAndToolAndPicksItsOutput) {
  auto r = run(
    {R"({"type":"item.started","item":{"id":"m1","type":"mcp_tool_call","server":"fs","tool":"read","arguments":{"path":"/x"}}})",
     R"({"type":"item.completed","item":{"id":"m1","type":"mcp_tool_call","server":"fs","tool":"read","arguments":{"path":"/x"},"result":{"content":[{"type":"text","text":"hi"}]}}})",
     R"({"type":"item.completed","item":{"id":"m2","type":"mcp_tool_call","server":"fs","tool":"w","error":{"message":"denied"}}})",
     R"({"type":"item.completed","item":{"id":"m3","type":"mcp_tool_call","server":"s","tool":"t","result":{"structured_content":{"ok":1}}}})",
     R"({"type":"item.completed","item":{"id":"m4","type":"mcp_tool_call","server":"s","tool":"t"}})"});
  ASSERT_EQ(r.types(),
            (std::vector<std::string>{"tool_call", "tool_result", "tool_call", "tool_result",
                                      "tool_call", "tool_result", "tool_call", "tool_result"}));
  EXPECT_EQ(r.content(0),
            json({{"toolUseId", "m1"}, {"name", "fs:read"}, {"input", {{"path", "/x"}}}}));
  EXPECT_EQ(r.content(1)["output"], json::parse(R"([{"type":"text","text":"hi"}])"));
  EXPECT_EQ(r.content(3)["output"], "denied");
  EXPECT_EQ(r.content(5)["output"], json({{"ok", 1}}));
  EXPECT_EQ(r.content(7)["output"], "OK");
}

TEST(CodexAdapter, WebSearchTodoListErrorItemAndUnknown) {
  auto r = run(
    {R"({"type":"item.completed","item":{"id":"w","type":"web_search","query":"caf actors"}})",
     R"({"type":"item.completed","item":{"id":"t","type":"todo_list","items":[{"text":"a","completed":false}]}})",
     R"({"type":"item.completed","item":{"id":"e","type":"error","message":"Model metadata not found"}})",
     R"({"type":"item.completed","item":{"id":"x","type":"hologram"}})",
     R"({"type":"session.configured"})"});
  ASSERT_EQ(r.types(),
            (std::vector<std::string>{"tool_call", "status", "status", "unknown", "unknown"}));
  EXPECT_EQ(
    r.content(0),
    json({{"toolUseId", "w"}, {"name", "WebSearch"}, {"input", {{"query", "caf actors"}}}}));
  EXPECT_EQ(r.content(1)["subtype"], "todo_list");
  // codex goes on after an error item: a warning, not an error.
  EXPECT_EQ(r.content(2), json({{"subtype", "warning"}, {"message", "Model metadata not found"}}));
}

TEST(CodexAdapter, RealCliCaptures) {
  AGENTRT_REQUIRE_SHARED();
  auto files = agentrt::test::captures("codex");
  ASSERT_EQ(files.size(), 3u);
  for (const auto& file : files) {
    SCOPED_TRACE(file.filename().string());
    auto r = run(agentrt::test::read_lines(file));
    for (const auto& t : r.types()) EXPECT_NE(t, "unknown");
    EXPECT_EQ(r.types().front(), "init");
    EXPECT_FALSE(r.provider_session_id.empty());
  }
  auto tool = run(
    agentrt::test::read_lines(agentrt::test::fixtures_dir() / "codex-mock-exec-json-tool.stdout"));
  EXPECT_EQ(tool.types(),
            (std::vector<std::string>{"init", "status", "status", "thinking", "tool_call",
                                      "tool_result", "thinking", "text", "cost"}));
  for (const auto& m : tool.messages) EXPECT_NE(m.type, "error") << "a successful run";
  EXPECT_EQ(tool.turns.back().kind, turn_event::ended_ok);
  ASSERT_TRUE(tool.cost);
  EXPECT_EQ(tool.cost->input_tokens, 2400u);
  EXPECT_EQ(tool.cost->output_tokens, 84u);
  EXPECT_EQ(tool.cost->cache_read_tokens, 600u);

  auto auth = run(
    agentrt::test::read_lines(agentrt::test::fixtures_dir() / "codex-mock-exec-json-401.stdout"));
  EXPECT_EQ(auth.turns.back().kind, turn_event::ended_error);
  EXPECT_EQ(auth.content(auth.messages.size() - 1)["errorClass"], "auth");
  int errors = 0;
  for (const auto& m : auth.messages) errors += m.type == "error";
  EXPECT_EQ(errors, 1) << "one failure, one error";

  auto killed = run(agentrt::test::read_lines(agentrt::test::fixtures_dir() /
                                              "codex-mock-sigterm-mid-stream.stdout"));
  EXPECT_EQ(killed.turns.back().kind, turn_event::started) << "no turn end: killed mid-stream";
}

}  // namespace
