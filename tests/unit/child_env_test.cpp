#include "runtime/process/child_env.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace {

using agentrt::process::host_environment;

// What a child of `provider` gets from the host `host` (the runtime keeps one host_environment).
agentrt::process::child_env_result build_child_env(
  const std::vector<std::string>& host, const std::string& provider,
  const std::map<std::string, std::string>& extra_env) {
  return host_environment{host}.for_child(provider, extra_env);
}

const std::vector<std::string> host = {
  "HOME=/home/u",
  "PATH=/usr/bin:/bin",
  "USER=u",
  "SHELL=/bin/bash",
  "TERM=xterm",
  "XDG_DATA_HOME=/home/u/.local/share",
  "RUST_LOG=info",
  "BTMSG_AGENT_ID=a1",
  "CLAUDE_CONFIG_DIR=/home/u/.claude",
  "CLAUDECODE=1",
  "CLAUDE_API_KEY=ck",
  "CODEX_HOME=/home/u/.codex",
  "OLLAMA_HOST=http://x",
  "ANTHROPIC_API_KEY=ak",
  "OPENAI_API_KEY=ok",
  "GEMINI_API_KEY=gk",
  "GOOGLE_API_KEY=gg",
  "AIDER_MODEL=m",
  "OPENROUTER_API_KEY=rk",
  "CLAUDE_CODE_EXPERIMENTAL_AGENT_TEAMS=1",
  "GEMINI_CLI_NO_RELAUNCH=1",
};

bool has(const std::vector<std::string>& env, const std::string& name) {
  return std::any_of(env.begin(), env.end(),
                     [&](const std::string& e) { return e.rfind(name + "=", 0) == 0; });
}

TEST(ChildEnv, KeepsOrdinaryVariablesForEveryProvider) {
  for (const char* provider : {"claude", "codex", "gemini", "aider", "fake"}) {
    auto env = build_child_env(host, provider, {}).env;
    for (const char* name :
         {"HOME", "PATH", "USER", "SHELL", "TERM", "XDG_DATA_HOME", "RUST_LOG", "BTMSG_AGENT_ID"})
      EXPECT_TRUE(has(env, name)) << provider << " lost " << name;
  }
}

TEST(ChildEnv, ClaudeGetsItsOwnCredentialsAndNobodyElses) {
  auto env = build_child_env(host, "claude", {}).env;
  for (const char* name :
       {"ANTHROPIC_API_KEY", "CLAUDE_CONFIG_DIR", "CLAUDE_CODE_EXPERIMENTAL_AGENT_TEAMS"})
    EXPECT_TRUE(has(env, name)) << name;
  for (const char* name : {"CLAUDECODE", "CLAUDE_API_KEY", "CODEX_HOME", "OLLAMA_HOST",
                           "OPENAI_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY", "AIDER_MODEL",
                           "OPENROUTER_API_KEY", "GEMINI_CLI_NO_RELAUNCH"})
    EXPECT_FALSE(has(env, name)) << name;
}

TEST(ChildEnv, CodexAndGeminiAndAiderGetTheirOwn) {
  auto codex = build_child_env(host, "codex", {}).env;
  EXPECT_TRUE(has(codex, "OPENAI_API_KEY"));
  EXPECT_TRUE(has(codex, "CODEX_HOME"));
  EXPECT_FALSE(has(codex, "ANTHROPIC_API_KEY"));
  EXPECT_FALSE(has(codex, "GEMINI_API_KEY"));

  auto gemini = build_child_env(host, "gemini", {}).env;
  EXPECT_TRUE(has(gemini, "GEMINI_API_KEY"));
  EXPECT_TRUE(has(gemini, "GOOGLE_API_KEY"));
  EXPECT_TRUE(has(gemini, "GEMINI_CLI_NO_RELAUNCH"));
  EXPECT_FALSE(has(gemini, "OPENAI_API_KEY"));

  auto aider = build_child_env(host, "aider", {}).env;
  EXPECT_TRUE(has(aider, "OPENROUTER_API_KEY"));
  EXPECT_TRUE(has(aider, "OPENAI_API_KEY"));
  EXPECT_TRUE(has(aider, "ANTHROPIC_API_KEY"));
  EXPECT_FALSE(has(aider, "AIDER_MODEL"));
  EXPECT_FALSE(has(aider, "CLAUDE_CONFIG_DIR"));
}

TEST(ChildEnv, UnknownProviderGetsNoProviderVariables) {
  auto env = build_child_env(host, "fake", {}).env;
  for (const char* name : {"ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GEMINI_API_KEY",
                           "CLAUDE_CODE_EXPERIMENTAL_AGENT_TEAMS", "OLLAMA_HOST"})
    EXPECT_FALSE(has(env, name)) << name;
}

TEST(ChildEnv, ExtraEnvIsAppliedLastButCannotSetAnotherProvidersVariable) {
  auto result = build_child_env(host, "claude",
                                {{"MY_FLAG", "1"},
                                 {"HOME", "/tmp/h"},
                                 {"OPENAI_API_KEY", "stolen"},
                                 {"CLAUDECODE", "1"},
                                 {"CLAUDE_CODE_EXPERIMENTAL_X", "on"},
                                 {"ANTHROPIC_BASE_URL", "http://127.0.0.1:9"}});
  const auto& env = result.env;
  EXPECT_TRUE(has(env, "MY_FLAG"));
  EXPECT_NE(std::find(env.begin(), env.end(), "HOME=/tmp/h"), env.end());
  EXPECT_FALSE(has(env, "OPENAI_API_KEY"));
  EXPECT_FALSE(has(env, "CLAUDECODE"));
  // The whitelist the seed forgot: managers need CLAUDE_CODE_EXPERIMENTAL_* through extraEnv.
  EXPECT_TRUE(has(env, "CLAUDE_CODE_EXPERIMENTAL_X"));
  EXPECT_TRUE(has(env, "ANTHROPIC_BASE_URL"));
  ASSERT_EQ(result.warnings.size(), 2u);  // extraEnv is a map: in name order
  EXPECT_NE(result.warnings[0].find(
              "\"CLAUDECODE\" rejected: a provider variable that is not claude's own"),
            std::string::npos)
    << result.warnings[0];
  EXPECT_NE(result.warnings[1].find("\"OPENAI_API_KEY\" rejected"), std::string::npos)
    << result.warnings[1];
}

TEST(ChildEnv, TheLoadersVariablesAreRefusedFromAQuery) {
  using agentrt::process::refused_env_name;
  EXPECT_EQ(refused_env_name({{"PATH", "/x"}, {"HOME", "/h"}}), "");
  EXPECT_EQ(refused_env_name({{"A", "1"}, {"LD_PRELOAD", "/tmp/x.so"}}), "LD_PRELOAD");
  EXPECT_EQ(refused_env_name({{"LD_LIBRARY_PATH", "/tmp"}}), "LD_LIBRARY_PATH");
  EXPECT_EQ(refused_env_name({{"LD_AUDIT", "/tmp/a.so"}}), "LD_AUDIT");
  EXPECT_EQ(refused_env_name({{"GCONV_PATH", "/tmp"}}), "GCONV_PATH");
  EXPECT_EQ(refused_env_name({{"GLIBC_TUNABLES", "x"}}), "GLIBC_TUNABLES");
  EXPECT_EQ(refused_env_name({{"OLD_PWD", "/"}}), "") << "LD_ is a prefix, not a substring";
}

TEST(ChildEnv, PatternMatching) {
  using agentrt::process::env_name_matches;
  EXPECT_TRUE(env_name_matches("CLAUDE*", "CLAUDECODE"));
  EXPECT_TRUE(env_name_matches("GEMINI_CLI_*", "GEMINI_CLI_NO_RELAUNCH"));
  EXPECT_FALSE(env_name_matches("GEMINI_CLI_*", "GEMINI_API_KEY"));
  EXPECT_TRUE(env_name_matches("GOOGLE_API_KEY", "GOOGLE_API_KEY"));
  EXPECT_FALSE(env_name_matches("GOOGLE_API_KEY", "GOOGLE_API_KEY_2"));
}

// One host_environment serves every session: what a child gets does not depend on what was
// asked of it before, nor does a query's extra variable reach the next query's child.
TEST(ChildEnv, OneHostEnvironmentAnswersEveryQueryAlike) {
  host_environment envs{host};
  auto first = envs.for_child("claude", {{"MY_FLAG", "1"}, {"HOME", "/tmp/h"}}).env;
  EXPECT_TRUE(has(first, "MY_FLAG"));
  auto codex = envs.for_child("codex", {}).env;
  auto second = envs.for_child("claude", {}).env;
  EXPECT_FALSE(has(second, "MY_FLAG"));
  EXPECT_NE(std::find(second.begin(), second.end(), "HOME=/home/u"), second.end());
  EXPECT_TRUE(has(codex, "CODEX_HOME"));
  EXPECT_FALSE(has(codex, "ANTHROPIC_API_KEY"));
  EXPECT_EQ(envs.value("PATH"), "/usr/bin:/bin");
  EXPECT_EQ(envs.value("PAT"), "");
  EXPECT_EQ(envs.value("NOPE"), "");
}

}  // namespace
