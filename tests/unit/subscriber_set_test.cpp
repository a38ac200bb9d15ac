// actors/subscriber_set: who gets raw lines, and which subscribers share one message (one batch in
// memory, not a copy each).

#include <gtest/gtest.h>
#include <caf/all.hpp>

#include "actors/subscriber_set.hpp"
#include "messages/type_ids.hpp"
#include "support/vocabulary_system.hpp"

namespace {

using namespace agentrt;

struct SubscriberSet : test::VocabularySystem {
  static session_events batch() {
    return {{raw_line{"s", R"({"type":"assistant"})"},
             agent_message{"m1", "s", "text", "", R"({"text":"hi"})", 1, 1}},
            nullptr};
  }

  // What `who` was sent: the batch's address (the same for subscribers sharing one message) and
  // how many of its events are raw lines.
  struct received {
    const session_events* at = nullptr;
    std::size_t events = 0;
    std::size_t raw = 0;
  };
  static received receive(caf::scoped_actor& who) {
    received got;
    who->receive([&](const session_events& b) {
      got.at = &b;
      got.events = b.events.size();
      for (const auto& ev : b.events) got.raw += caf::holds_alternative<raw_line>(ev) ? 1 : 0;
    });
    return got;
  }
};

TEST_F(SubscriberSet, OneThatTakesEitherSharesTheBatchOfThoseThatAskedForRawLines) {
  caf::scoped_actor sender{*sys}, raw{*sys}, plain{*sys}, either{*sys};
  subscriber_set set;
  set.add(raw, raw_lines::with);
  set.add(plain, raw_lines::without);
  set.add(either, raw_lines::either);
  EXPECT_TRUE(set.wants_raw());
  EXPECT_TRUE(set.copies());
  set.send(sender.ptr(), batch());
  auto r = receive(raw), p = receive(plain), e = receive(either);
  EXPECT_EQ(r.raw, 1u);
  EXPECT_EQ(p.raw, 0u);
  EXPECT_EQ(p.events, 1u);
  EXPECT_EQ(e.at, r.at) << "the journal's batch is the raw subscriber's, not a copy";
  EXPECT_NE(p.at, r.at);
}

TEST_F(SubscriberSet, WithoutRawSubscribersEveryoneSharesOneBatchAndNothingIsCopied) {
  caf::scoped_actor sender{*sys}, plain{*sys}, either{*sys};
  subscriber_set set;
  set.add(plain, raw_lines::without);
  set.add(either, raw_lines::either);
  EXPECT_FALSE(set.wants_raw());
  EXPECT_FALSE(set.copies());
  set.send(sender.ptr(), session_events{{agent_message{"m1", "s", "text", "", "{}", 1, 1}}, {}});
  auto p = receive(plain), e = receive(either);
  EXPECT_EQ(p.events, 1u);
  EXPECT_EQ(e.at, p.at);
}

TEST_F(SubscriberSet, OneThatAskedForRawLinesOnceKeepsThemAndIsInTheSetOnce) {
  caf::scoped_actor sender{*sys}, who{*sys};
  subscriber_set set;
  EXPECT_TRUE(set.add(who, raw_lines::either));
  EXPECT_FALSE(set.add(who, raw_lines::with));
  EXPECT_FALSE(set.add(who, raw_lines::without));
  EXPECT_TRUE(set.wants_raw());
  set.send(sender.ptr(), batch());
  EXPECT_EQ(receive(who).raw, 1u);
  // Sent once: nothing more waits in its mailbox.
  bool more = false;
  who->receive([&](const session_events&) { more = true; },
               caf::after(std::chrono::seconds{0}) >> [] {});
  EXPECT_FALSE(more);
  set.remove(who.address());
  EXPECT_FALSE(set.wants_raw());
}

}  // namespace
