#pragma once
// Checks that a journal holds exactly the events the subscribers saw, session by session, in
// order and byte for byte as serialized.

#include <gtest/gtest.h>

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

#include <map>
#include <string>

#include "messages/type_ids.hpp"
#include "runtime/journal/journal_store.hpp"
#include "support/runtime_harness.hpp"

namespace agentrt::test {

inline std::string serialized(session_event ev) {
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  EXPECT_FALSE(sink(ev));
  return {buf.begin(), buf.end()};
}

// `dir` must no longer be written (its runtime is gone).
inline void expect_journal_holds(const std::string& dir,
                                 const std::map<std::string, session_record>& seen) {
  auto store = journal::store::open_read_only(dir);
  ASSERT_TRUE(store);
  for (const auto& [id, record] : seen) {
    std::vector<session_event> stored;
    for (auto& batch : store->batches(id, 0)) {
      session_events events;
      caf::binary_deserializer source{nullptr, batch.blob.data(), batch.blob.size()};
      ASSERT_FALSE(source(events)) << id;
      stored.insert(stored.end(), events.events.begin(), events.events.end());
    }
    const auto& saw = record.events;
    ASSERT_EQ(stored.size(), saw.size()) << id;
    for (std::size_t k = 0; k < saw.size(); ++k)
      ASSERT_EQ(serialized(stored[k]), serialized(saw[k])) << id << " event " << k;
  }
}

}  // namespace agentrt::test
