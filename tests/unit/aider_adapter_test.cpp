#include "adapters/aider_adapter.hpp"

#include <gtest/gtest.h>

#include "support/adapter_run.hpp"

namespace {

using agentrt::turn_event;
using agentrt::adapters::aider_adapter;
using agentrt::adapters::is_aider_prompt;
using json = nlohmann::json;

TEST(AiderAdapter, PromptLineSeedVectors) {
  for (const char* yes : {"> ", "aider> ", "my-repo> ", "project.name> "})
    EXPECT_TRUE(is_aider_prompt(yes)) << yes;
  for (const char* no : {"> something", ">text", "", ">", "a b> "})
    EXPECT_FALSE(is_aider_prompt(no)) << no;
}

// Feeds console text as the reader would: whole lines, and the unterminated rest as a partial.
agentrt::test::adapter_run console(aider_adapter& adapter, const std::string& text) {
  agentrt::test::adapter_run run;
  agentrt::adapters::adapter_output out;
  auto take = [&] {
    run.messages.insert(run.messages.end(), out.messages.begin(), out.messages.end());
    if (out.turn) run.turns.push_back(*out.turn);
    if (out.cost) run.cost = out.cost;
  };
  std::size_t start = 0;
  for (std::size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
    out.clear();
    adapter.on_line(text.substr(start, nl - start), out);
    take();
  }
  out.clear();
  if (start < text.size()) adapter.on_partial(text.substr(start), out);
  take();
  return run;
}

const char* startup =
  "Aider v0.86.1\nMain model: openrouter/anthropic/claude-sonnet-4 with diff edit format\n"
  "Weak model: x\nGit repo: none\nRepo-map: disabled\nUse /help <question> for help\n\n> ";

TEST(AiderAdapter, StartupIsSuppressedAndGivesTheModel) {
  aider_adapter a;
  auto r = console(a, startup);
  ASSERT_EQ(r.types(), std::vector<std::string>{"init"});
  EXPECT_EQ(r.content(0)["model"], "openrouter/anthropic/claude-sonnet-4");
  EXPECT_TRUE(r.turns.empty()) << "the first prompt ends no turn";
}

TEST(AiderAdapter, ATurnWithMarkersFencesCostAndThePrompt) {
  aider_adapter a;
  console(a, startup);
  auto r =
    console(a,
            "\u25BA THINKING\n\nLet me think.\n\u25B6 answer\nHere it is.\n```bash\n"
            "$ git status\nls -la\nnot-a-command here\n```\n```python\nls = 1\n```\n"
            "Running pytest -q\nRunning: something\nApplied edit to main.py\n"
            "Fix any errors below, if possible.\n"
            "Tokens: 1.2k sent, 320 received. Cost: $0.0042 message, $0.0126 session.\n\n> ");
  EXPECT_EQ(r.types(), (std::vector<std::string>{"thinking", "text", "tool_call", "tool_call",
                                                 "text", "text", "tool_call", "cost"}));
  EXPECT_EQ(r.content(0), json({{"text", "Let me think.\n"}, {"delta", true}}));
  EXPECT_EQ(r.content(1)["text"], "Here it is.\n");
  EXPECT_EQ(r.content(2)["input"], json({{"command", "git status"}}));
  EXPECT_EQ(r.content(3)["input"], json({{"command", "ls -la"}}));
  EXPECT_EQ(r.content(4)["text"], "not-a-command here\n");
  EXPECT_EQ(r.content(5)["text"], "ls = 1\n") << "python fences hold no shell commands";
  EXPECT_EQ(r.content(6)["input"], json({{"command", "pytest -q"}}));
  auto c = r.content(7);
  EXPECT_DOUBLE_EQ(c["totalCostUsd"].get<double>(), 0.0126);
  EXPECT_DOUBLE_EQ(c["messageCostUsd"].get<double>(), 0.0042);
  EXPECT_EQ(c["inputTokens"], 1200);
  EXPECT_EQ(c["outputTokens"], 320);
  ASSERT_EQ(r.turns.size(), 2u);
  EXPECT_EQ(r.turns[0].kind, turn_event::started);
  EXPECT_EQ(r.turns[1].kind, turn_event::ended_ok);
}

TEST(AiderAdapter, SessionCostIsTakenNotAddedUp) {
  aider_adapter a;
  console(a, startup);
  console(a, "ok\nTokens: 100 sent, 10 received. Cost: $0.01 message, $0.01 session.\n\n> ");
  auto r =
    console(a, "ok\nTokens: 200 sent, 20 received. Cost: $0.02 message, $0.03 session.\n\n> ");
  ASSERT_TRUE(r.cost);
  EXPECT_DOUBLE_EQ(r.cost->total_cost_usd, 0.03);
  EXPECT_EQ(r.cost->input_tokens, 300u);
  EXPECT_EQ(r.cost->turns, 2u);
}

TEST(AiderAdapter, AnswerOnThePromptsLineIsStillParsed) {
  aider_adapter a;
  console(a, "Aider v0.86.1\n");
  // The prompt and the answer reached the reader in one read: "> " is not a partial line then.
  auto r = console(a, "> \u25BA ANSWER\nDone.\n");
  EXPECT_EQ(r.types(), std::vector<std::string>{"text"});
  EXPECT_EQ(r.content(0)["text"], "Done.\n");
}

}  // namespace
