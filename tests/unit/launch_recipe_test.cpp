#include "runtime/providers/launch_recipe.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace {

using agentrt::query_command;
using agentrt::providers::launch_config;
using agentrt::providers::launch_plan;
using agentrt::providers::plan_launch;

launch_config config() {
  launch_config cfg;
  cfg.host_env = agentrt::process::host_environment{
    {"PATH=/usr/bin:/bin", "HOME=/nonexistent-home", "ANTHROPIC_API_KEY=k", "OPENAI_API_KEY=o"}};
  cfg.running_as_root = false;
  return cfg;
}

launch_plan plan(const query_command& q, const launch_config& cfg = config()) {
  auto result = plan_launch(q, cfg);
  if (auto* error = std::get_if<std::string>(&result)) ADD_FAILURE() << *error;
  return std::get<launch_plan>(result);
}

TEST(LaunchRecipe, ClaudeArgvFollowsTheSeedAndEndsWithThePrompt) {
  query_command q;
  q.provider = "claude";
  q.prompt = "fix the tests";
  q.max_turns = 5;
  q.max_budget_usd = 0.5;
  q.resume_id = "3f1c2a9e";
  q.model = "sonnet";
  q.permission_mode = "acceptEdits";
  q.system_prompt = "be brief";
  q.additional_directories = {"/a", "/b"};
  q.cwd = "/work";
  auto p = plan(q);
  // Where claude is installed it is found by its usual paths; elsewhere PATH decides at spawn.
  EXPECT_TRUE(p.spec.executable == "claude" ||
              (p.spec.executable.front() == '/' && p.spec.executable.size() > 7 &&
               p.spec.executable.compare(p.spec.executable.size() - 7, 7, "/claude") == 0))
    << p.spec.executable;
  EXPECT_EQ(p.spec.args, (std::vector<std::string>{"-p",
                                                   "--output-format",
                                                   "stream-json",
                                                   "--verbose",
                                                   "--max-turns",
                                                   "5",
                                                   "--max-budget-usd",
                                                   "0.5",
                                                   "--resume",
                                                   "3f1c2a9e",
                                                   "--model",
                                                   "sonnet",
                                                   "--permission-mode",
                                                   "acceptEdits",
                                                   "--system-prompt",
                                                   "be brief",
                                                   "--add-dir",
                                                   "/a",
                                                   "--add-dir",
                                                   "/b",
                                                   "fix the tests"}));
  EXPECT_EQ(p.spec.cwd, "/work");
  auto has = [&](const std::string& e) {
    return std::find(p.spec.env.begin(), p.spec.env.end(), e) != p.spec.env.end();
  };
  EXPECT_TRUE(has("ANTHROPIC_API_KEY=k"));
  EXPECT_FALSE(has("OPENAI_API_KEY=o"));
}

TEST(LaunchRecipe, ClaudeMinimalQueryHasNoOptionalFlags) {
  query_command q;
  q.provider = "claude";
  q.prompt = "hi";
  EXPECT_EQ(plan(q).spec.args,
            (std::vector<std::string>{"-p", "--output-format", "stream-json", "--verbose", "hi"}));
}

TEST(LaunchRecipe, BypassPermissionsAsRootIsRefusedBeforeSpawning) {
  query_command q;
  q.provider = "claude";
  q.prompt = "hi";
  q.permission_mode = "bypassPermissions";
  auto cfg = config();
  cfg.running_as_root = true;
  auto result = plan_launch(q, cfg);
  ASSERT_TRUE(std::holds_alternative<std::string>(result));
  EXPECT_NE(std::get<std::string>(result).find("refused by claude when running as root"),
            std::string::npos);
  cfg.running_as_root = false;
  EXPECT_TRUE(std::holds_alternative<launch_plan>(plan_launch(q, cfg)));
}

TEST(LaunchRecipe, ConfiguredBinaryWins) {
  query_command q;
  q.provider = "claude";
  q.prompt = "hi";
  auto cfg = config();
  cfg.binaries["claude"] = "/opt/claude/bin/claude";
  EXPECT_EQ(plan(q, cfg).spec.executable, "/opt/claude/bin/claude");
}

TEST(LaunchRecipe, CodexExecJsonWithSandboxFromThePermissionMode) {
  query_command q;
  q.provider = "codex";
  q.prompt = "add a test";
  q.model = "gpt-5.4";
  q.cwd = "/work";
  auto p = plan(q);
  EXPECT_EQ(p.spec.executable, "codex");
  EXPECT_EQ(p.spec.args,
            (std::vector<std::string>{"exec", "--json", "--skip-git-repo-check", "-m", "gpt-5.4",
                                      "-C", "/work", "-s", "workspace-write", "-c",
                                      "approval_policy=\"on-request\"", "add a test"}));
  auto has = [&](const std::string& e) {
    return std::find(p.spec.env.begin(), p.spec.env.end(), e) != p.spec.env.end();
  };
  EXPECT_TRUE(has("OPENAI_API_KEY=o"));
  EXPECT_FALSE(has("ANTHROPIC_API_KEY=k"));

  q.permission_mode = "bypassPermissions";
  q.resume_id = "th-1";
  q.model.clear();
  q.cwd.clear();
  EXPECT_EQ(
    plan(q).spec.args,
    (std::vector<std::string>{"exec", "--json", "--skip-git-repo-check", "-s", "danger-full-access",
                              "-c", "approval_policy=\"never\"", "resume", "th-1", "add a test"}));
  q.provider_config = R"({"sandbox":"read-only"})";
  auto args = plan(q).spec.args;
  EXPECT_EQ(args[4], "read-only");
}

TEST(LaunchRecipe, GeminiHeadlessStreamJsonInOneProcess) {
  query_command q;
  q.provider = "gemini";
  q.prompt = "explain";
  q.permission_mode = "bypassPermissions";
  q.resume_id = "g-1";
  auto p = plan(q);
  EXPECT_EQ(p.spec.executable, "gemini");
  EXPECT_EQ(p.spec.args, (std::vector<std::string>{"-p", "explain", "--output-format",
                                                   "stream-json", "--skip-trust", "--approval-mode",
                                                   "yolo", "--resume", "g-1"}));
  EXPECT_NE(std::find(p.spec.env.begin(), p.spec.env.end(), "GEMINI_CLI_NO_RELAUNCH=1"),
            p.spec.env.end());
}

TEST(LaunchRecipe, MissingBinaryNamesWhatToInstall) {
  query_command q;
  q.provider = "gemini";
  q.prompt = "p";
  EXPECT_EQ(plan(q).spec.install_hint, "npm install -g @google/gemini-cli");
}

TEST(LaunchRecipe, FakeTakesItsOptionsFromProviderConfig) {
  query_command q;
  q.provider = "fake";
  q.prompt = "p";
  q.provider_config =
    R"({"transcript":"tool","delayMs":10,"repeat":3,"misbehave":["hang","garbage"]})";
  auto cfg = config();
  cfg.binaries["fake"] = "/bin/fake";
  auto p = plan(q, cfg);
  EXPECT_EQ(p.spec.executable, "/bin/fake");
  EXPECT_EQ(p.spec.args, (std::vector<std::string>{"--transcript", "tool", "--delay-ms", "10",
                                                   "--repeat", "3", "--misbehave", "hang",
                                                   "--misbehave", "garbage", "--prompt", "p"}));
}

TEST(LaunchRecipe, BadProviderConfigIsAClearError) {
  query_command q;
  q.provider = "fake";
  q.prompt = "p";
  for (const char* bad : {"not json", "[1]", R"({"delayMs":"soon"})", R"({"misbehave":[1]})"}) {
    q.provider_config = bad;
    auto result = plan_launch(q, config());
    ASSERT_TRUE(std::holds_alternative<std::string>(result)) << bad;
    EXPECT_NE(std::get<std::string>(result).find("providerConfig"), std::string::npos);
  }
}

}  // namespace
