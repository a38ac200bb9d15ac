// Every message of the vocabulary survives CAF's binary serialization: they can cross the network.

#include <gtest/gtest.h>
#include <caf/all.hpp>

#include "messages/errors.hpp"
#include "messages/type_ids.hpp"
#include "support/vocabulary_system.hpp"

namespace {

using namespace agentrt;

template <class T>
T roundtrip(caf::actor_system& sys, T value) {
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  EXPECT_FALSE(sink(value));
  T copy;
  caf::binary_deserializer source{sys, buf};
  EXPECT_FALSE(source(copy));
  return copy;
}

using MessagesTest = test::VocabularySystem;

TEST_F(MessagesTest, QueryCommandRoundTrips) {
  query_command q;
  q.session_id = "s1";
  q.provider = "claude";
  q.prompt = "fix the tests";
  q.cwd = "/work";
  q.model = "sonnet";
  q.max_turns = 7;
  q.max_budget_usd = 1.5;
  q.resume_id = "r";
  q.permission_mode = "plan";
  q.system_prompt = "be brief";
  q.additional_directories = {"/a", "/b"};
  q.extra_env = {{"K", "V"}};
  q.provider_config = R"({"x":1})";
  auto c = roundtrip(*sys, q);
  EXPECT_EQ(c.session_id, "s1");
  EXPECT_EQ(c.max_turns, 7);
  EXPECT_DOUBLE_EQ(c.max_budget_usd, 1.5);
  EXPECT_EQ(c.additional_directories, q.additional_directories);
  EXPECT_EQ(c.extra_env, q.extra_env);
  EXPECT_EQ(c.provider_config, q.provider_config);
  EXPECT_EQ(c.system_prompt, "be brief");
}

TEST_F(MessagesTest, EventsRoundTrip) {
  agent_message m{"id-1", "s1", "text", "p", R"({"text":"hi"})", 1234, 9};
  auto mc = roundtrip(*sys, m);
  EXPECT_EQ(mc.id, "id-1");
  EXPECT_EQ(mc.parent_id, "p");
  EXPECT_EQ(mc.content, m.content);
  EXPECT_EQ(mc.seq, 9u);

  status_change s{"s1", session_status::stopped, 143, 15, "bye", 3, 10};
  auto sc = roundtrip(*sys, s);
  EXPECT_EQ(sc.status, session_status::stopped);
  EXPECT_EQ(sc.exit_code, 143);
  EXPECT_EQ(sc.signal, 15);
  EXPECT_EQ(sc.error, "bye");
  EXPECT_EQ(sc.generation, 3u);

  cost_update c{"s1", 0.25, 1, 2, 3, 4, 5, 11};
  auto cc = roundtrip(*sys, c);
  EXPECT_DOUBLE_EQ(cc.total_cost_usd, 0.25);
  EXPECT_EQ(cc.cache_creation_tokens, 4u);
  EXPECT_EQ(cc.turns, 5u);

  session_list l;
  l.sessions.push_back(
    session_info{"s1", "fake", session_status::idle, 2, 77, "ps-1", 0.5, 10, 20, 99, "n1:7"});
  auto lc = roundtrip(*sys, l);
  ASSERT_EQ(lc.sessions.size(), 1u);
  EXPECT_EQ(lc.sessions[0].status, session_status::idle);
  EXPECT_EQ(lc.sessions[0].pid, 77);
  EXPECT_EQ(lc.sessions[0].provider_session_id, "ps-1");
  EXPECT_EQ(lc.sessions[0].node, "n1:7");
}

TEST_F(MessagesTest, ABatchOfEventsRoundTripsInOrder) {
  session_events batch;
  batch.events.emplace_back(raw_line{"s1", R"({"type":"assistant"})", true});
  batch.events.emplace_back(agent_message{"id-1", "s1", "text", "", R"({"text":"hi"})", 1, 1});
  batch.events.emplace_back(cost_update{"s1", 0.5, 1, 2, 0, 0, 1, 2});
  batch.events.emplace_back(status_change{"s1", session_status::idle, -1, -1, "", 1, 3});
  auto copy = roundtrip(*sys, batch);
  ASSERT_EQ(copy.events.size(), 4u);
  EXPECT_EQ(caf::get<raw_line>(copy.events[0]).line, R"({"type":"assistant"})");
  EXPECT_EQ(caf::get<agent_message>(copy.events[1]).content, R"({"text":"hi"})");
  EXPECT_DOUBLE_EQ(caf::get<cost_update>(copy.events[2]).total_cost_usd, 0.5);
  EXPECT_EQ(caf::get<status_change>(copy.events[3]).status, session_status::idle);
}

TEST_F(MessagesTest, ErrorsCarryTheirText) {
  auto err = make_error(errc::duplicate_session, "Session already running");
  EXPECT_EQ(error_text(err), "Session already running");
  EXPECT_EQ(err.code(), static_cast<std::uint8_t>(errc::duplicate_session));
}

TEST(SessionStatus, Names) {
  EXPECT_EQ(to_string(session_status::idle), "idle");
  EXPECT_TRUE(is_terminal(session_status::stopped));
  EXPECT_FALSE(is_terminal(session_status::idle));
}

}  // namespace
