#include "adapters/claude_adapter.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <regex>

#include "support/shared_dir.hpp"

namespace {

using agentrt::turn_event;
using agentrt::adapters::adapter_output;
using agentrt::adapters::claude_adapter;
using json = nlohmann::json;

adapter_output parse(const json& event) {
  claude_adapter adapter;
  adapter_output out;
  adapter.on_line(event.dump(), out);
  return out;
}

json content(const agentrt::agent_message& m) {
  return json::parse(m.content);
}

TEST(ClaudeAdapter, SystemInitBecomesInit) {
  auto out = parse({{"type", "system"},
                    {"subtype", "init"},
                    {"uuid", "sys-001"},
                    {"session_id", "sess-abc"},
                    {"model", "claude-sonnet-5"},
                    {"cwd", "/work"},
                    {"tools", {"Read", "Write", "Bash"}}});
  ASSERT_EQ(out.messages.size(), 1u);
  EXPECT_EQ(out.messages[0].id, "sys-001");
  EXPECT_EQ(out.messages[0].type, "init");
  EXPECT_EQ(content(out.messages[0]), json({{"sessionId", "sess-abc"},
                                            {"model", "claude-sonnet-5"},
                                            {"cwd", "/work"},
                                            {"tools", {"Read", "Write", "Bash"}}}));
  EXPECT_EQ(out.provider_session_id, "sess-abc");
  ASSERT_TRUE(out.turn);
  EXPECT_EQ(out.turn->kind, turn_event::started);
}

TEST(ClaudeAdapter, InitWithoutToolsHasAnEmptyToolList) {
  auto out = parse({{"type", "system"}, {"subtype", "init"}, {"uuid", "sys-002"}});
  ASSERT_EQ(out.messages.size(), 1u);
  EXPECT_EQ(content(out.messages[0])["tools"], json::array());
  EXPECT_EQ(content(out.messages[0])["sessionId"], "");
}

TEST(ClaudeAdapter, OtherSystemSubtypesBecomeStatus) {
  auto out =
    parse({{"type", "system"}, {"subtype", "api_key_check"}, {"status", "API key is valid"}});
  ASSERT_EQ(out.messages.size(), 1u);
  EXPECT_EQ(out.messages[0].type, "status");
  EXPECT_EQ(content(out.messages[0]),
            json({{"subtype", "api_key_check"}, {"message", "API key is valid"}}));

  auto bare = parse({{"type", "system"}, {"subtype", "api_key_check"}});
  EXPECT_EQ(content(bare.messages[0]), json({{"subtype", "api_key_check"}}));
}

// Each retry says at once what failed: claude gives up only after ten of them, minutes later.
TEST(ClaudeAdapter, EachApiRetryIsClassifiedAsItComes) {
  auto out = parse({{"type", "system"},
                    {"subtype", "api_retry"},
                    {"attempt", 2},
                    {"max_retries", 10},
                    {"retry_delay_ms", 1100},
                    {"error_status", 401},
                    {"error", "authentication_failed"}});
  ASSERT_EQ(out.messages.size(), 1u);
  EXPECT_EQ(content(out.messages[0]), json({{"subtype", "api_retry"},
                                            {"attempt", 2},
                                            {"maxRetries", 10},
                                            {"retryDelayMs", 1100},
                                            {"errorClass", "auth"},
                                            {"errorStatus", 401},
                                            {"error", "authentication_failed"}}));
  auto offline = parse({{"type", "system"},
                        {"subtype", "api_retry"},
                        {"attempt", 1},
                        {"error_status", nullptr},
                        {"error", "connect ECONNREFUSED 127.0.0.1:443"}});
  EXPECT_EQ(content(offline.messages[0])["errorClass"], "network");
  EXPECT_FALSE(content(offline.messages[0]).contains("errorStatus"));
}

TEST(ClaudeAdapter, CompactBoundaryBecomesCompaction) {
  auto out = parse({{"type", "system"},
                    {"subtype", "compact_boundary"},
                    {"uuid", "c-1"},
                    {"compact_metadata", {{"trigger", "manual"}, {"pre_tokens", 51234}}}});
  ASSERT_EQ(out.messages.size(), 1u);
  EXPECT_EQ(out.messages[0].type, "compaction");
  EXPECT_EQ(content(out.messages[0]), json({{"trigger", "manual"}, {"preTokens", 51234}}));

  auto defaulted = parse({{"type", "system"}, {"subtype", "compact_boundary"}});
  EXPECT_EQ(content(defaulted.messages[0]), json({{"trigger", "auto"}, {"preTokens", 0}}));
}

json assistant(const char* uuid, json blocks) {
  return {{"type", "assistant"},
          {"uuid", uuid},
          {"message", {{"id", "msg_1"}, {"content", std::move(blocks)}}}};
}

TEST(ClaudeAdapter, AssistantTextBlock) {
  auto out = parse(assistant("asst-001", {{{"type", "text"}, {"text", "Hello"}}}));
  ASSERT_EQ(out.messages.size(), 1u);
  EXPECT_EQ(out.messages[0].id, "asst-001-text-0");
  EXPECT_EQ(out.messages[0].type, "text");
  EXPECT_EQ(content(out.messages[0]), json({{"text", "Hello"}}));
  EXPECT_EQ(out.messages[0].parent_id, "");
}

TEST(ClaudeAdapter, EventsWithoutUuidGetFreshVersion4Ids) {
  json line = {{"type", "assistant"},
               {"message", {{"content", json::array({{{"type", "text"}, {"text", "hi"}}})}}}};
  auto first = parse(line), second = parse(line);
  ASSERT_EQ(first.messages.size(), 1u);
  ASSERT_EQ(second.messages.size(), 1u);
  const std::regex v4{"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}-text-0"};
  EXPECT_TRUE(std::regex_match(first.messages[0].id, v4)) << first.messages[0].id;
  EXPECT_NE(first.messages[0].id, second.messages[0].id);
}

TEST(ClaudeAdapter, ThinkingFallsBackToText) {
  auto out = parse(assistant("a", {{{"type", "thinking"}, {"text", "pondering"}}}));
  ASSERT_EQ(out.messages.size(), 1u);
  EXPECT_EQ(out.messages[0].type, "thinking");
  EXPECT_EQ(content(out.messages[0]), json({{"text", "pondering"}}));
}

TEST(ClaudeAdapter, BlocksAreNumberedInOrderAndSkippedBlocksUseNoNumber) {
  auto out = parse(assistant(
    "asst-002",
    {{{"type", "image"}, {"source", "x"}},
     {{"type", "thinking"}, {"thinking", "hmm"}},
     {{"type", "text"}, {"text", "Let me run it"}},
     {{"type", "tool_use"}, {"id", "toolu_1"}, {"name", "Bash"}, {"input", {{"command", "ls"}}}}}));
  ASSERT_EQ(out.messages.size(), 3u);
  EXPECT_EQ(out.messages[0].id, "asst-002-think-0");
  EXPECT_EQ(out.messages[1].id, "asst-002-text-1");
  EXPECT_EQ(out.messages[2].id, "asst-002-tool-2");
  EXPECT_EQ(out.messages[2].type, "tool_call");
  EXPECT_EQ(content(out.messages[2]),
            json({{"toolUseId", "toolu_1"}, {"name", "Bash"}, {"input", {{"command", "ls"}}}}));
}

TEST(ClaudeAdapter, ParentToolUseIdBecomesParentId) {
  auto event = assistant("sub-1", {{{"type", "text"}, {"text", "inside a sub-agent"}}});
  event["parent_tool_use_id"] = "toolu_parent";
  auto out = parse(event);
  ASSERT_EQ(out.messages.size(), 1u);
  EXPECT_EQ(out.messages[0].parent_id, "toolu_parent");
}

TEST(ClaudeAdapter, UserToolResult) {
  auto out = parse(json::parse(R"({"type":"user","uuid":"user-001","message":{"content":[
    {"type":"tool_result","tool_use_id":"toolu_1","content":"ok"},
    {"type":"text","text":"ignored"}]}})"));
  ASSERT_EQ(out.messages.size(), 1u);
  EXPECT_EQ(out.messages[0].id, "user-001-result-0");
  EXPECT_EQ(out.messages[0].type, "tool_result");
  EXPECT_EQ(content(out.messages[0]), json({{"toolUseId", "toolu_1"}, {"output", "ok"}}));
}

TEST(ClaudeAdapter, ToolResultWithoutContentUsesToolUseResult) {
  auto out = parse(json::parse(R"({"type":"user","uuid":"user-002",
    "tool_use_result":{"stdout":"hi"},
    "message":{"content":[{"type":"tool_result","tool_use_id":"t"}]}})"));
  ASSERT_EQ(out.messages.size(), 1u);
  EXPECT_EQ(content(out.messages[0])["output"], json({{"stdout", "hi"}}));
}

TEST(ClaudeAdapter, ResultBecomesCostAndEndsTheTurn) {
  auto out = parse({{"type", "result"},
                    {"subtype", "success"},
                    {"uuid", "res-1"},
                    {"total_cost_usd", 0.0125},
                    {"duration_ms", 4500},
                    {"num_turns", 3},
                    {"result", "All done"},
                    {"usage", {{"input_tokens", 1000}, {"output_tokens", 500}}}});
  ASSERT_EQ(out.messages.size(), 1u);
  EXPECT_EQ(out.messages[0].type, "cost");
  auto c = content(out.messages[0]);
  EXPECT_DOUBLE_EQ(c["totalCostUsd"].get<double>(), 0.0125);
  EXPECT_EQ(c["durationMs"], 4500);
  EXPECT_EQ(c["inputTokens"], 1000);
  EXPECT_EQ(c["outputTokens"], 500);
  EXPECT_EQ(c["numTurns"], 3);
  EXPECT_EQ(c["isError"], false);
  EXPECT_EQ(c["result"], "All done");
  EXPECT_FALSE(c.contains("errors"));
  ASSERT_TRUE(out.turn);
  EXPECT_EQ(out.turn->kind, turn_event::ended_ok);
  ASSERT_TRUE(out.cost);
  EXPECT_DOUBLE_EQ(out.cost->total_cost_usd, 0.0125);
  EXPECT_EQ(out.cost->input_tokens, 1000u);
}

TEST(ClaudeAdapter, EmptyResultIsAllZeros) {
  auto out = parse({{"type", "result"}});
  ASSERT_EQ(out.messages.size(), 1u);
  auto c = content(out.messages[0]);
  EXPECT_EQ(c["totalCostUsd"], 0);
  EXPECT_EQ(c["durationMs"], 0);
  EXPECT_EQ(c["inputTokens"], 0);
  EXPECT_EQ(c["outputTokens"], 0);
  EXPECT_EQ(c["numTurns"], 0);
  EXPECT_EQ(c["isError"], false);
}

TEST(ClaudeAdapter, ErrorResultKeepsIsErrorAndErrorsAndAddsAClassifiedError) {
  auto out = parse({{"type", "result"},
                    {"subtype", "error_max_turns"},
                    {"uuid", "res-2"},
                    {"is_error", true},
                    {"errors", {"Reached maximum number of turns (3)"}}});
  ASSERT_EQ(out.messages.size(), 2u);
  EXPECT_EQ(out.messages[0].type, "error");
  EXPECT_EQ(out.messages[0].id, "res-2-error-0");
  EXPECT_EQ(content(out.messages[0]),
            json({{"message", "Reached maximum number of turns (3)"}, {"errorClass", "unknown"}}));
  EXPECT_EQ(out.messages[1].id, "res-2-cost-1");
  auto c = content(out.messages[1]);
  EXPECT_EQ(c["isError"], true);
  EXPECT_EQ(c["errors"], json({"Reached maximum number of turns (3)"}));
  ASSERT_TRUE(out.turn);
  EXPECT_EQ(out.turn->kind, turn_event::ended_error);
  EXPECT_EQ(out.turn->error, "Reached maximum number of turns (3)");
}

TEST(ClaudeAdapter, ApiErrorResultIsClassified) {
  auto out = parse({{"type", "result"},
                    {"is_error", true},
                    {"result", "API Error: 429 rate limit exceeded, retry later"}});
  ASSERT_EQ(out.messages.size(), 2u);
  auto c = content(out.messages[0]);
  EXPECT_EQ(c["errorClass"], "rate_limit");
  EXPECT_EQ(c["retryAfterMs"], 30000);
}

TEST(ClaudeAdapter, UnknownTypeKeepsTheRawEvent) {
  json event = {{"type", "some_future_event"}, {"uuid", "u-1"}, {"limit", 5}};
  auto out = parse(event);
  ASSERT_EQ(out.messages.size(), 1u);
  EXPECT_EQ(out.messages[0].type, "unknown");
  EXPECT_EQ(content(out.messages[0]), event);
}

TEST(ClaudeAdapter, ARepeatedKeyReadsAsItsLastValue) {
  // As JSON.parse reads it, so that the agentrt and the seed see one event alike.
  claude_adapter adapter;
  adapter_output out;
  adapter.on_line(R"({"type":"bogus","uuid":"d-1","type":"assistant","message":{"content":[)"
                  R"({"type":"text","text":"first","text":"second"}]}})",
                  out);
  ASSERT_EQ(out.messages.size(), 1u);
  EXPECT_EQ(out.messages[0].type, "text");
  EXPECT_EQ(content(out.messages[0]), json({{"text", "second"}}));
}

TEST(ClaudeAdapter, StreamEventDeltasStreamTextAndThinking) {
  auto text = parse(json::parse(R"({"type":"stream_event","uuid":"s-1","event":{
    "type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Count"}}})"));
  ASSERT_EQ(text.messages.size(), 1u);
  EXPECT_EQ(text.messages[0].type, "text");
  EXPECT_EQ(content(text.messages[0]), json({{"text", "Count"}, {"delta", true}}));
  auto start = parse(json::parse(R"({"type":"stream_event","event":{"type":"message_start"}})"));
  ASSERT_EQ(start.messages.size(), 1u);
  EXPECT_EQ(content(start.messages[0]),
            json({{"subtype", "stream_event"}, {"event", "message_start"}}));
  auto tool_input = parse(json::parse(R"({"type":"stream_event","event":{
    "type":"content_block_delta","delta":{"type":"input_json_delta","partial_json":"{"}}})"));
  EXPECT_TRUE(tool_input.messages.empty()) << "the tool_use block follows complete";
}

TEST(ClaudeAdapter, ControlEventsBecomeStatus) {
  auto out = parse({{"type", "control_response"}, {"response", {{"subtype", "success"}}}});
  ASSERT_EQ(out.messages.size(), 1u);
  EXPECT_EQ(content(out.messages[0]), json({{"subtype", "control_response"}}));
}

TEST(ClaudeAdapter, MissingMessageOrNonArrayContentYieldsNothing) {
  EXPECT_TRUE(parse({{"type", "assistant"}, {"uuid", "a"}}).messages.empty());
  EXPECT_TRUE(parse({{"type", "assistant"}, {"message", {{"content", "text"}}}}).messages.empty());
  EXPECT_TRUE(
    parse(json::parse(R"({"type":"user","message":{"content":[{"type":"text","text":"hi"}]}})"))
      .messages.empty());
}

TEST(ClaudeAdapter, WronglyTypedFieldsReadAsEmpty) {
  auto out =
    parse({{"type", "system"}, {"subtype", "init"}, {"uuid", 42}, {"model", 7}, {"tools", "Read"}});
  ASSERT_EQ(out.messages.size(), 1u);
  EXPECT_EQ(out.messages[0].id.size(), 36u) << "a random uuid replaces a non-string one";
  EXPECT_EQ(content(out.messages[0])["model"], "");
  EXPECT_EQ(content(out.messages[0])["tools"], json::array());
}

TEST(ClaudeAdapter, InvalidJsonBecomesAnErrorMessage) {
  claude_adapter adapter;
  adapter_output out;
  adapter.on_line("{\"type\": \"assist", out);
  ASSERT_EQ(out.messages.size(), 1u);
  EXPECT_EQ(out.messages[0].type, "error");
  EXPECT_EQ(content(out.messages[0])["message"], "invalid JSON from the agent");
  out.clear();
  adapter.on_line("[1,2]", out);
  ASSERT_EQ(out.messages.size(), 1u);
  EXPECT_EQ(out.messages[0].type, "error");
}

TEST(ClaudeAdapter, CostIsTheLatestTotalAndTokensAddUpPerResult) {
  claude_adapter adapter;
  adapter_output out;
  auto result = [](double total, int in, int outp) {
    return json(
             {{"type", "result"},
              {"total_cost_usd", total},
              {"num_turns", 1},
              {"usage",
               {{"input_tokens", in}, {"output_tokens", outp}, {"cache_read_input_tokens", 40}}}})
      .dump();
  };
  adapter.on_line(result(0.002, 100, 10), out);
  out.clear();
  adapter.on_line(result(0.005, 200, 20), out);
  ASSERT_TRUE(out.cost);
  EXPECT_DOUBLE_EQ(out.cost->total_cost_usd, 0.005) << "cumulative in the process: not summed";
  EXPECT_EQ(out.cost->input_tokens, 300u);
  EXPECT_EQ(out.cost->output_tokens, 30u);
  EXPECT_EQ(out.cost->cache_read_tokens, 80u);
  EXPECT_EQ(out.cost->turns, 2u);
}

TEST(ClaudeAdapter, UsageOfOneResponseCountsOnceWhateverTheNumberOfLines) {
  claude_adapter adapter;
  adapter_output out;
  auto line = [](const char* uuid, const char* msg_id, int in, int outp) {
    return json({{"type", "assistant"},
                 {"uuid", uuid},
                 {"message",
                  {{"id", msg_id},
                   {"content", {{{"type", "text"}, {"text", "x"}}}},
                   {"usage", {{"input_tokens", in}, {"output_tokens", outp}}}}}})
      .dump();
  };
  adapter.on_line(line("a1", "msg_1", 120, 1), out);
  out.clear();
  adapter.on_line(line("a2", "msg_1", 120, 9), out);  // same response, second block
  ASSERT_TRUE(out.cost);
  EXPECT_EQ(out.cost->input_tokens, 120u) << "not 240: one response, one usage";
  EXPECT_EQ(out.cost->output_tokens, 9u) << "its latest figures, not 1 + 9";
  out.clear();
  adapter.on_line(line("a3", "msg_2", 130, 5), out);
  ASSERT_TRUE(out.cost);
  EXPECT_EQ(out.cost->input_tokens, 250u);
  EXPECT_EQ(out.cost->output_tokens, 14u);
  out.clear();
  adapter.on_line(json({{"type", "result"},
                        {"total_cost_usd", 0.01},
                        {"usage", {{"input_tokens", 250}, {"output_tokens", 40}}}})
                    .dump(),
                  out);
  ASSERT_TRUE(out.cost);
  EXPECT_EQ(out.cost->input_tokens, 250u) << "the result replaces the progress figures";
  EXPECT_EQ(out.cost->output_tokens, 40u);
}

// A turn that never ends (an agent writing for hours): every response counts once, however
// many came before, and the adapter keeps only the latest ones.
TEST(ClaudeAdapter, AnEndlessTurnCountsEveryResponseOnce) {
  claude_adapter adapter;
  adapter_output out;
  auto line = [](int response, int output_tokens) {
    return json({{"type", "assistant"},
                 {"uuid", "u" + std::to_string(response) + "-" + std::to_string(output_tokens)},
                 {"message",
                  {{"id", "msg_" + std::to_string(response)},
                   {"content", {{{"type", "text"}, {"text", "x"}}}},
                   {"usage", {{"input_tokens", 10}, {"output_tokens", output_tokens}}}}}})
      .dump();
  };
  constexpr int responses = 5000;
  for (int r = 0; r < responses; ++r) {
    out.clear();
    adapter.on_line(line(r, 1), out);
    adapter.on_line(line(r, 2), out);  // the same response's second block: its latest figures
  }
  ASSERT_TRUE(out.cost);
  EXPECT_EQ(out.cost->input_tokens, 10u * responses);
  EXPECT_EQ(out.cost->output_tokens, 2u * responses);
}

// Every claude capture of the real CLI in ../shared parses without an error message, and the
// turn-end and cost figures match what the capture's result lines say.
TEST(ClaudeAdapter, RealCliCaptures) {
  AGENTRT_REQUIRE_SHARED();
  auto files = agentrt::test::captures("claude");
  ASSERT_FALSE(files.empty());
  for (const auto& file : files) {
    SCOPED_TRACE(file.filename().string());
    claude_adapter adapter;
    adapter_output out;
    double last_total = 0;
    std::uint64_t input_tokens = 0;
    int results = 0, messages = 0;
    std::optional<turn_event> last_turn;
    for (const auto& line : agentrt::test::read_lines(file)) {
      out.clear();
      adapter.on_line(line, out);
      json raw = json::parse(line);
      bool error_result = raw["type"] == "result" && raw["is_error"] == true;
      for (const auto& m : out.messages) {
        ++messages;
        EXPECT_TRUE(m.type != "error" || error_result) << line;
        EXPECT_NE(m.type, "unknown") << line;
        EXPECT_FALSE(m.id.empty());
        EXPECT_TRUE(json::accept(m.content));
      }
      if (raw["type"] == "result") {
        ++results;
        last_total = raw["total_cost_usd"].get<double>();
        input_tokens += raw["usage"]["input_tokens"].get<std::uint64_t>();
        ASSERT_TRUE(out.turn);
        EXPECT_EQ(out.turn->kind,
                  raw["is_error"].get<bool>() ? turn_event::ended_error : turn_event::ended_ok);
        ASSERT_TRUE(out.cost);
        EXPECT_DOUBLE_EQ(out.cost->total_cost_usd, last_total);
        EXPECT_EQ(out.cost->input_tokens, input_tokens);
      }
      if (raw.contains("session_id")) {
        EXPECT_EQ(out.provider_session_id, raw["session_id"]);
      }
      if (out.turn) last_turn = out.turn;
    }
    EXPECT_GT(messages, 0);
    if (results == 0) {
      EXPECT_TRUE(!last_turn || last_turn->kind == turn_event::started);
    }
  }
}

TEST(ClaudeAdapter, RealCliToolCaptureKeepsTheToolUseIdChain) {
  AGENTRT_REQUIRE_SHARED();
  claude_adapter adapter;
  std::vector<agentrt::agent_message> all;
  for (const auto& line : agentrt::test::read_lines(
         agentrt::test::fixtures_dir() / "claude-mock-stream-json-thinking-tool.stdout")) {
    adapter_output out;
    adapter.on_line(line, out);
    all.insert(all.end(), out.messages.begin(), out.messages.end());
  }
  std::vector<std::string> types;
  for (const auto& m : all) types.push_back(m.type);
  EXPECT_EQ(types, (std::vector<std::string>{"init", "status", "thinking", "text", "tool_call",
                                             "tool_result", "text", "cost"}));
  EXPECT_EQ(content(all[4])["toolUseId"], "toolu_mock_4");
  EXPECT_EQ(content(all[5])["toolUseId"], "toolu_mock_4");
  EXPECT_EQ(content(all[5])["output"], "hi-from-tool");
}

TEST(ClaudeAdapter, RealCliErrorCapturesEndTheTurnWithTheirText) {
  AGENTRT_REQUIRE_SHARED();
  auto last_turn = [](const char* name) {
    claude_adapter adapter;
    std::optional<turn_event> turn;
    for (const auto& line : agentrt::test::read_lines(agentrt::test::fixtures_dir() / name)) {
      adapter_output out;
      adapter.on_line(line, out);
      if (out.turn) turn = out.turn;
    }
    return turn;
  };
  auto no_key = last_turn("claude-no-api-key.stdout");
  ASSERT_TRUE(no_key);
  EXPECT_EQ(no_key->kind, turn_event::ended_error);
  EXPECT_NE(no_key->error.find("Not logged in"), std::string::npos);
  auto unknown = last_turn("claude-resume-unknown-session.stdout");
  ASSERT_TRUE(unknown);
  EXPECT_NE(unknown->error.find("No conversation found"), std::string::npos);
}

}  // namespace
