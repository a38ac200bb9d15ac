// The sidecar's contract with its host (docs/protocol.md): one answer per command that carries an
// id, replay after a restart, the raw copy of each line only when wanted.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "support/sidecar_client.hpp"
#include "support/temp_dir.hpp"

namespace {

using agentrt::test::cli_options;
using agentrt::test::fake_query;
using agentrt::test::sidecar;
using json = nlohmann::json;

bool is_reply(const json& j) {
  return j.contains("id");
}

// Sends each line and reads until as many lines with an id came back; returns them by id.
std::map<std::string, std::vector<json>> replies_to(sidecar& sc, const std::vector<json>& lines) {
  for (const auto& line : lines) sc.send(line);
  std::map<std::string, std::vector<json>> by_id;
  std::size_t seen = 0;
  sc.until([&](const json& j) {
    if (is_reply(j)) {
      by_id[j["id"].dump()].push_back(j);
      ++seen;
    }
    return seen == lines.size();
  });
  return by_id;
}

TEST(HostContract, EveryCommandWithAnIdGetsExactlyOneReplyCarryingIt) {
  sidecar sc;
  json query = fake_query("a");
  query["id"] = "q1";
  json bad_query = fake_query("b");
  bad_query["maxTurns"] = -1;
  bad_query["id"] = 7;
  auto replies =
    replies_to(sc, {{{"type", "ping"}, {"id", 1}},
                    query,
                    bad_query,
                    {{"type", "list"}, {"id", "l"}},
                    {{"type", "totals"}, {"id", 2.5}},
                    {{"type", "options"}, {"normalized", false}, {"id", "o"}},
                    {{"type", "nonsense"}, {"id", "n"}},
                    {{"type", "stop"}, {"sessionId", "ghost"}, {"id", "s"}},
                    {{"type", "prompt"}, {"sessionId", "ghost"}, {"prompt", "x"}, {"id", "p"}},
                    {{"type", "interrupt"}, {"sessionId", "ghost"}, {"id", "i"}}});
  auto only = [&](const std::string& id) {
    EXPECT_EQ(replies[id].size(), 1u) << id;
    return replies[id].empty() ? json{} : replies[id][0];
  };
  EXPECT_EQ(only("1")["type"], "pong");
  EXPECT_EQ(only("\"q1\"")["type"], "ok");
  EXPECT_EQ(only("\"q1\"")["sessionId"], "a");
  EXPECT_EQ(only("7")["type"], "error");
  EXPECT_EQ(only("7")["sessionId"], "b");
  EXPECT_EQ(only("\"l\"")["type"], "sessions");
  EXPECT_EQ(only("2.5")["type"], "totals");
  EXPECT_EQ(only("\"o\"")["type"], "ok");
  EXPECT_EQ(only("\"n\"")["message"], "Unknown message type: nonsense");
  for (const char* id : {"\"s\"", "\"p\"", "\"i\""}) {
    EXPECT_EQ(only(id)["type"], "error");
    EXPECT_EQ(only(id)["message"], "Session not found");
  }
  // The query ran; nothing else carries an id.
  auto rest = sc.until([](const json& j) { return j["type"] == "agent_stopped"; });
  for (const auto& j : rest) EXPECT_FALSE(is_reply(j)) << j.dump();
}

TEST(HostContract, WithoutAnIdTheSeedsRepliesAreUnchanged) {
  sidecar sc;
  sc.send(json{{"type", "ping"}});
  EXPECT_EQ(sc.next(), json::parse(R"({"type":"pong"})"));
  sc.send(fake_query("a"));
  auto lines = sc.until([](const json& j) { return j["type"] == "agent_stopped"; });
  for (const auto& j : lines) EXPECT_NE(j["type"], "ok") << j.dump();
}

TEST(HostContract, AnIdThatIsNeitherStringNorNumberIsRefused) {
  sidecar sc;
  sc.send(json{{"type", "ping"}, {"id", json::array({1})}});
  auto line = sc.next();
  EXPECT_EQ(line["type"], "error");
  EXPECT_EQ(line["message"], "Invalid message: id must be a string or a number");
}

TEST(HostContract, RawFalseDropsTheRawCopyPerQueryAndForTheConnection) {
  sidecar sc;
  json plain = fake_query("plain", {{"transcript", "tool"}});
  plain["normalized"] = true;
  plain["raw"] = false;
  sc.send(plain);
  sc.send(fake_query("both"));
  std::map<std::string, int> events, messages;
  int stopped = 0;
  sc.until([&](const json& j) {
    if (j["type"] == "agent_event") ++events[j["sessionId"]];
    if (j["type"] == "agent_message") ++messages[j["sessionId"]];
    stopped += j["type"] == "agent_stopped";
    return stopped == 2;
  });
  EXPECT_EQ(events.count("plain"), 0u);
  EXPECT_EQ(messages["plain"], 7);
  EXPECT_GT(events["both"], 0);

  sc.send(json{{"type", "options"}, {"raw", false}, {"normalized", true}});
  sc.send(fake_query("later"));
  events.clear();
  messages.clear();
  sc.until([&](const json& j) {
    if (j["type"] == "agent_event") ++events[j["sessionId"]];
    if (j["type"] == "agent_message") ++messages[j["sessionId"]];
    return j["type"] == "agent_stopped";
  });
  EXPECT_EQ(events.count("later"), 0u);
  EXPECT_GT(messages["later"], 0);
}

TEST(HostContract, ProviderConfigMayBeJsonText) {
  sidecar sc;
  json q = fake_query("t");
  q["providerConfig"] = R"({"transcript":"tool"})";
  q["normalized"] = true;
  sc.send(q);
  int messages = 0;
  sc.until([&](const json& j) {
    messages += j["type"] == "agent_message";
    return j["type"] == "agent_stopped";
  });
  EXPECT_EQ(messages, 7) << "the tool transcript ran";
  json bad = fake_query("u");
  bad["providerConfig"] = "{not json";
  bad["id"] = 1;
  sc.send(bad);
  auto reply = sc.until(is_reply).back();
  EXPECT_EQ(reply["type"], "error");
  EXPECT_EQ(reply["message"], "query: providerConfig is not valid JSON");
}

TEST(HostContract, AScheduledRestartIsRetryingAndOnlyTheLastEndIsAnError) {
  sidecar sc;
  json q = fake_query("again", {{"misbehave", "crash"}});
  q["maxRestarts"] = 1;
  q["normalized"] = true;
  sc.send(q);
  std::vector<json> statuses;
  int stopped = 0;
  sc.until([&](const json& j) {
    if (j["type"] == "status") statuses.push_back(j);
    stopped += j["type"] == "agent_stopped";
    return j["type"] == "status" && j["status"] == "error";
  });
  std::vector<std::string> names;
  for (const auto& s : statuses) names.push_back(s["status"]);
  EXPECT_EQ(names, (std::vector<std::string>{"starting", "running", "retrying", "starting",
                                             "running", "error"}));
  const auto& retrying = statuses[2];
  EXPECT_EQ(retrying["attempt"], 1);
  EXPECT_EQ(retrying["maxAttempts"], 1);
  EXPECT_GT(retrying["retryAt"].get<std::int64_t>(), 0);
  EXPECT_EQ(retrying["generation"], 1);
  EXPECT_NE(statuses.back()["error"].get<std::string>().find("gave up after 1 restart"),
            std::string::npos);
  EXPECT_EQ(stopped, 1) << "the first run's agent_stopped, before the second's end";
  auto last = sc.until([&](const json& j) { return j["type"] == "agent_stopped"; });
  EXPECT_EQ(last.back()["type"], "agent_stopped") << "the second run's";
}

// The normalized events of one session as the host saw them, by seq.
std::map<std::uint64_t, json> by_seq(const std::vector<json>& lines, const std::string& id) {
  std::map<std::uint64_t, json> out;
  for (const auto& j : lines) {
    if (j.value("sessionId", "") != id) continue;
    std::uint64_t seq = 0;
    if (j["type"] == "agent_message") seq = j["message"]["seq"];
    if (j["type"] == "status" || j["type"] == "cost") seq = j["seq"];
    if (seq > 0) {
      EXPECT_EQ(out.count(seq), 0u) << "seq " << seq << " twice: " << j.dump();
      out[seq] = j;
    }
  }
  return out;
}

TEST(HostContract, AReplayAfterARestartCatchesUpWithoutGapOrDuplicate) {
  agentrt::test::temp_dir state;
  cli_options with_state;
  with_state.state_home = state.path();
  std::map<std::uint64_t, json> first_run;
  {
    sidecar sc{{}, with_state};
    json q = fake_query("r", {{"transcript", "tool"}});
    q["normalized"] = true;
    sc.send(q);
    first_run = by_seq(sc.until([](const json& j) { return j["type"] == "agent_stopped"; }), "r");
    sc.proc.close_stdin();  // the host goes; the sidecar ends as it does
    EXPECT_EQ(sc.proc.wait_exit(), 0);
  }
  ASSERT_GT(first_run.size(), 8u);
  sidecar sc{{}, with_state};
  sc.send(json{{"type", "replay"}, {"sessionId", "r"}, {"afterSeq", 3}, {"id", "c"}});
  auto lines = sc.until(is_reply);
  EXPECT_EQ(lines.back()["type"], "ok") << lines.back().dump();
  EXPECT_EQ(lines.back()["lastSeq"], first_run.rbegin()->first);
  auto replayed = by_seq(lines, "r");
  ASSERT_EQ(replayed.size(), first_run.size() - 3);
  for (const auto& [seq, j] : replayed) EXPECT_EQ(j, first_run[seq]) << seq;
  // Unknown: an error with the id.
  sc.send(json{{"type", "replay"}, {"sessionId", "nope"}, {"id", "d"}});
  EXPECT_EQ(sc.until(is_reply).back()["message"], "Session not found");
}

TEST(HostContract, AReplayOfALiveSessionIsFollowedByItsLiveEventsWithoutGapOrDuplicate) {
  sidecar sc;
  // Slow enough that the replay comes in the middle of the run.
  sc.send(fake_query("live", {{"transcript", "tool"}, {"delayMs", 40}}));
  sc.until([](const json& j) { return j["type"] == "agent_event"; });
  sc.send(json{{"type", "replay"}, {"sessionId", "live"}, {"afterSeq", 0}, {"id", 1}});
  auto lines = sc.until([](const json& j) { return j["type"] == "agent_stopped"; });
  auto ok = std::find_if(lines.begin(), lines.end(), is_reply);
  ASSERT_NE(ok, lines.end());
  EXPECT_EQ((*ok)["type"], "ok");
  std::uint64_t last = (*ok)["lastSeq"];
  EXPECT_GT(last, 0u);
  auto events = by_seq(lines, "live");
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.begin()->first, 1u);
  EXPECT_EQ(events.rbegin()->first, events.size()) << "no gap";
  EXPECT_EQ(events.rbegin()->second["status"], "done");
  // Every event up to lastSeq came before the ok, every later one after it.
  auto ok_at = ok - lines.begin();
  for (auto it = lines.begin(); it != lines.end(); ++it) {
    auto one = by_seq({*it}, "live");
    if (one.empty()) continue;
    EXPECT_EQ(one.begin()->first <= last, it - lines.begin() < ok_at) << it->dump();
  }
}

// A host restarted beside its node catches up with a session its new coordinator never saw.
TEST(HostContract, ASidecarReplaysASessionItsCoordinatorHasNotSeen) {
  agentrt::test::temp_dir home, node_journal;  // one home: one user's TLS identity
  cli_options opts;
  opts.state_home = home.path();
  agentrt::test::cli_process node{
    {"node", "--listen", "127.0.0.1:0", "--state-dir", node_journal.path()}, opts};
  std::string line;
  const std::string prefix = "agentrt node: listening on ";
  ASSERT_TRUE(node.read_line(line) && line.rfind(prefix, 0) == 0) << line;
  std::string address = line.substr(prefix.size(), line.size() - prefix.size() - 1);
  std::size_t events = 0;
  {
    sidecar sc{{"--node", address}, opts};
    auto q = fake_query("far", {{"transcript", "tool"}});
    q["normalized"] = true;
    sc.send(q);
    auto lines = sc.until([](const json& j) { return j["type"] == "agent_stopped"; });
    for (const auto& j : lines)
      events += j["type"] == "agent_message" || j["type"] == "status" || j["type"] == "cost";
  }
  ASSERT_GT(events, 8u);
  sidecar sc{{"--node", address}, opts};
  sc.send({{"type", "replay"}, {"sessionId", "far"}, {"afterSeq", 0}, {"id", 1}});
  auto lines = sc.until(is_reply);
  EXPECT_EQ(lines.back()["type"], "ok") << lines.back().dump();
  EXPECT_EQ(lines.back()["lastSeq"], events);
  EXPECT_EQ(lines.size(), events + 1);
}

}  // namespace
