#pragma once
// The journal actor: writes every numbered event of every session (it subscribes to all of them)
// and every session record to the journal store, in one SQLite transaction per batch, on a thread
// of its own so that the disk never holds up the event path. Pending writes go out every
// `flush_interval`, sooner when many pile up, and when the actor ends.
//
// Receives: session_events (as a subscriber), session_info (records, from the supervisor),
// query_recorded, replay_request, last_seq_request, stored_query_request, journal_flush.
// A write that fails is reported on stderr once per distinct error; the runtime goes on.

#include <caf/fwd.hpp>

#include <chrono>
#include <memory>

#include "runtime/journal/journal_store.hpp"

namespace agentrt {

// Detached and hidden: the runtime flushes it after every other actor is done, then ends it.
caf::actor spawn_journal(caf::actor_system& sys, std::shared_ptr<journal::store> store,
                         std::chrono::milliseconds flush_interval = std::chrono::milliseconds{50});

}  // namespace agentrt
