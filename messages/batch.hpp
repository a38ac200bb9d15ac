#pragma once
// The batch a subscriber actor receives: a session's events in publishing order (actor-level; the
// embedding API hands them to callbacks one by one instead).

#include <caf/variant.hpp>

#include <cstdint>
#include <memory>
#include <type_traits>
#include <vector>

#include "events.hpp"

namespace agentrt {

using session_event = caf::variant<agent_message, status_change, cost_update, log_line, raw_line>;

// Pipe credit: while any copy of a batch holds it, the bytes the batch came from count against
// its agent's share of the runtime's output budget, and the agent's pipes are not read beyond it
// (docs/architecture.md, "Flow control"). The last copy to go returns it. A subscriber that keeps
// a batch to hand it on later (a writer, the journal until its commit) keeps the credit with it,
// and so pauses the agents instead of growing. Not serialized.
class output_credit {
 public:
  virtual ~output_credit() = default;
};

// What a session published at one time, in order: the events of one batch of lines read from its
// agent (a raw_line, if asked for, then that line's messages; one cost_update at the end), or one
// status change. One message per batch, not per event: an agent's burst of lines costs its
// subscribers one mailbox round trip. Visit each event with caf::visit.
struct session_events {
  std::vector<session_event> events;
  std::shared_ptr<const output_credit> credit;  // null for events not read from a pipe
};

// An event's sequence number; 0 for a raw line, which has none.
inline std::uint64_t seq_of(const session_event& ev) {
  return caf::visit(
    [](const auto& e) -> std::uint64_t {
      if constexpr (std::is_same_v<std::decay_t<decltype(e)>, raw_line>)
        return 0;
      else
        return e.seq;
    },
    ev);
}

}  // namespace agentrt
