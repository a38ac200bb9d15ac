#pragma once
// The journal actor: writes every numbered event of every session (it subscribes to all of them)
// and every session record to the journal store, in one SQLite transaction per batch, on a thread
// of its own so that the disk never holds up the event path. Pending writes go out every
// `flush_interval`, sooner when many pile up, and when the actor ends.
//
// Receives: session_events (as a subscriber), session_info (records, from the supervisor),
// query_recorded, replay_request, last_seq_request, stored_query_request, journal_flush,
// journal_watch. A write that fails (a full disk) loses nothing at once: what waits stays in
// memory (events up to 64 MiB; beyond, the oldest batches are given up and counted) and is tried
// again every second; the watcher gets a journal_status at each change of health. Only what
// still cannot be written when the actor ends is lost, and said on stderr.

#include <caf/fwd.hpp>

#include <chrono>
#include <memory>

#include "runtime/journal/journal_store.hpp"

namespace agentrt {

// Detached and hidden: the runtime flushes it after every other actor is done, then ends it.
caf::actor spawn_journal(caf::actor_system& sys, std::shared_ptr<journal::store> store,
                         std::chrono::milliseconds flush_interval = std::chrono::milliseconds{50});

}  // namespace agentrt
