#include "runtime/sidecar/protocol.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

using namespace agentrt;
using namespace agentrt::sidecar;
using json = nlohmann::json;

std::string bad(std::string_view line) {
  auto r = parse_request(line);
  if (auto* b = std::get_if<bad_request>(&r)) return b->message;
  return "(valid)";
}

TEST(SidecarProtocol, TheSeedsQueryWithEveryKeyNullOrSet) {
  auto r = parse_request(R"({"type":"query","sessionId":"s1","prompt":"fix it","provider":null,
    "cwd":"/w","maxTurns":50,"maxBudgetUsd":1.5,"resumeSessionId":null,"permissionMode":"plan",
    "settingSources":["user","project"],"systemPrompt":null,"model":"sonnet",
    "claudeConfigDir":"/cfg","additionalDirectories":["/a"],"worktreeName":null,
    "providerConfig":{"x":1},"extraEnv":{"K":"V"}})");
  auto* q = std::get_if<query_request>(&r);
  ASSERT_NE(q, nullptr) << bad("");
  EXPECT_EQ(q->query.session_id, "s1");
  EXPECT_EQ(q->query.provider, "claude") << "null means the default, claude";
  EXPECT_EQ(q->query.max_turns, 50);
  EXPECT_DOUBLE_EQ(q->query.max_budget_usd, 1.5);
  EXPECT_EQ(q->query.additional_directories, std::vector<std::string>{"/a"});
  EXPECT_EQ(q->query.extra_env.at("K"), "V");
  EXPECT_EQ(q->query.extra_env.at("CLAUDE_CONFIG_DIR"), "/cfg");
  EXPECT_EQ(json::parse(q->query.provider_config), json({{"x", 1}}));
  EXPECT_FALSE(q->normalized);
  EXPECT_EQ(q->query.max_restarts, -1) << "absent: the runtime's policy";
  EXPECT_EQ(q->query.stall_timeout_ms, -1) << "absent: the runtime's policy";
}

TEST(SidecarProtocol, TheSupervisionKeysOfAQuery) {
  auto r = parse_request(
    R"({"type":"query","sessionId":"s","prompt":"p","maxRestarts":2,"stallTimeoutMs":0})");
  auto* q = std::get_if<query_request>(&r);
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->query.max_restarts, 2);
  EXPECT_EQ(q->query.stall_timeout_ms, 0) << "0: no watchdog for this session";
  EXPECT_EQ(bad(R"({"type":"query","sessionId":"s","prompt":"p","stallTimeoutMs":-5})"),
            "query: stallTimeoutMs is out of range");
}

// Both were taken before: 1.5 turns became 1, and a negative budget was passed on.
TEST(SidecarProtocol, AFractionOfATurnAndANegativeBudgetAreRefused) {
  EXPECT_EQ(bad(R"({"type":"query","sessionId":"s","prompt":"p","maxTurns":1.5})"),
            "query: maxTurns must be a whole number");
  EXPECT_EQ(bad(R"({"type":"query","sessionId":"s","prompt":"p","maxBudgetUsd":-5})"),
            "query: maxBudgetUsd must not be negative");
  EXPECT_EQ(bad(R"({"type":"query","sessionId":"s","prompt":"p","maxTurns":2.0})"), "(valid)");
  EXPECT_EQ(bad(R"({"type":"query","sessionId":"s","prompt":"p","maxBudgetUsd":0})"), "(valid)");
}

TEST(SidecarProtocol, BadLinesNameTheirProblem) {
  EXPECT_EQ(bad("not json"), "Invalid JSON: not json");
  EXPECT_EQ(bad("[1]"), "Invalid message: not a JSON object");
  EXPECT_EQ(bad(R"({"sessionId":"x"})"), "Invalid message: type is required and must be a string");
  EXPECT_EQ(bad(R"({"type":"bogus"})"), "Unknown message type: bogus");
  EXPECT_EQ(bad(R"({"type":"query","prompt":"p"})"), "query: sessionId is required");
  EXPECT_EQ(bad(R"({"type":"query","sessionId":"s"})"), "query: prompt is required");
  EXPECT_EQ(bad(R"({"type":"query","sessionId":"s","prompt":"p","maxTurns":"5"})"),
            "query: maxTurns must be a number");
  // Found by the fuzzer: a number beyond int's range was converted before being refused.
  EXPECT_EQ(bad(R"({"type":"query","sessionId":"s","prompt":"p","maxTurns":1e12})"),
            "query: maxTurns is out of range");
  EXPECT_EQ(bad(R"({"type":"query","sessionId":"s","prompt":"p","maxRestarts":-1})"),
            "query: maxRestarts is out of range");
  EXPECT_EQ(bad(R"({"type":"query","sessionId":"s","prompt":"p","extraEnv":{"K":1}})"),
            "query: extraEnv values must be strings");
  EXPECT_EQ(bad(R"({"type":"stop","sessionId":7})"), "stop: sessionId must be a string");
  EXPECT_EQ(bad(R"({"type":"prompt","sessionId":"s"})"), "prompt: prompt is required");
  auto r = parse_request(R"({"type":"query","sessionId":"s","prompt":"p","cwd":3})");
  EXPECT_EQ(std::get<bad_request>(r).session_id, "s") << "the error names the session";
}

TEST(SidecarProtocol, OtherRequests) {
  EXPECT_TRUE(std::holds_alternative<ping_request>(parse_request(R"({"type":"ping"})")));
  EXPECT_TRUE(std::holds_alternative<list_request>(parse_request(R"({"type":"list"})")));
  EXPECT_TRUE(
    std::get<options_request>(parse_request(R"({"type":"options","normalized":true})")).normalized);
  EXPECT_EQ(
    std::get<prompt_request>(parse_request(R"({"type":"prompt","sessionId":"s","prompt":"more"})"))
      .prompt,
    "more");
}

// A line appended after what the buffer holds already, which stays as it was.
template <class Event>
json appended(void (*append)(std::string&, const Event&), const Event& event) {
  std::string out = "earlier\n";
  append(out, event);
  EXPECT_EQ(out.rfind("earlier\n", 0), 0u);
  return json::parse(out.substr(8));
}

TEST(SidecarProtocol, OutputLinesUseTheSeedsFieldNames) {
  EXPECT_EQ(json::parse(ready_line())["type"], "ready");
  EXPECT_EQ(json::parse(ready_line())["protocol"], protocol_version);
  EXPECT_EQ(json::parse(pong_line()), json({{"type", "pong"}}));
  EXPECT_EQ(json::parse(error_line("", "Unknown message type: x")),
            json({{"type", "error"}, {"message", "Unknown message type: x"}}));
  EXPECT_EQ(json::parse(error_line("s", "Session not found")),
            json({{"type", "error"}, {"sessionId", "s"}, {"message", "Session not found"}}));
  EXPECT_EQ(
    appended(append_agent_event_line, raw_line{"s", R"({"type":"assistant","x":[1]})", true}),
    json::parse(R"({"type":"agent_event","sessionId":"s","event":{"type":"assistant","x":[1]}})"));
  EXPECT_EQ(appended(append_agent_event_line, raw_line{"s", "plain text", false})["event"],
            json({{"type", "raw"}, {"text", "plain text"}}));
  agent_message text{"m-1", "s", "text", "", R"({"text":"hi"})", 1700000000000, 4};
  EXPECT_EQ(appended(append_agent_message_line, text),
            json::parse(R"({"type":"agent_message","sessionId":"s","message":{"id":"m-1",)"
                        R"("type":"text","content":{"text":"hi"},"timestamp":1700000000000,)"
                        R"("seq":4}})"));
  status_change killed{"s", session_status::stopped, -1, 15, "", 1, 9};
  EXPECT_EQ(json::parse(agent_stopped_line(killed)), json({{"type", "agent_stopped"},
                                                           {"sessionId", "s"},
                                                           {"exitCode", nullptr},
                                                           {"signal", "SIGTERM"}}));
  status_change exited{"s", session_status::done, 0, 0, "", 1, 9};
  EXPECT_EQ(
    json::parse(agent_stopped_line(exited)),
    json({{"type", "agent_stopped"}, {"sessionId", "s"}, {"exitCode", 0}, {"signal", nullptr}}));
  EXPECT_EQ(json::parse(agent_log_line(log_line{"s", "warning", 3})),
            json({{"type", "agent_log"}, {"sessionId", "s"}, {"message", "warning"}}));
}

// Written without a JSON object now: the same fields, in the order of their names, as before.
TEST(SidecarProtocol, AStatusLineHoldsWhatItsChangeHolds) {
  status_change queued{"s", session_status::queued, -1, -1, "", 2, 5};
  queued.queue_position = 3;
  EXPECT_EQ(status_line(queued),
            R"({"generation":2,"queuePosition":3,"seq":5,"sessionId":"s","status":"queued",)"
            R"("type":"status"})");
  status_change retrying{"s\"q", session_status::retrying, 1, 9, "rate \"limited\"\n", 3, 8};
  retrying.attempt = 2;
  retrying.max_attempts = 5;
  retrying.retry_at_ms = 1700000000123;
  EXPECT_EQ(json::parse(status_line(retrying)), json({{"type", "status"},
                                                      {"sessionId", "s\"q"},
                                                      {"status", "retrying"},
                                                      {"generation", 3},
                                                      {"seq", 8},
                                                      {"exitCode", 1},
                                                      {"signal", "SIGKILL"},
                                                      {"error", "rate \"limited\"\n"},
                                                      {"attempt", 2},
                                                      {"maxAttempts", 5},
                                                      {"retryAt", 1700000000123}}));
  EXPECT_EQ(status_line(retrying), json::parse(status_line(retrying)).dump());
}

}  // namespace
