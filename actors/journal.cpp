#include "actors/journal.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <thread>
#include <unordered_map>
#include <utility>

#include "actors/unexpected.hpp"
#include "messages/errors.hpp"
#include "messages/type_ids.hpp"

namespace agentrt {

namespace {

// More batches than this waiting for the next tick are written at once.
constexpr std::size_t max_pending_batches = 2048;
// While writes fail (a full disk), they are tried again this often ...
constexpr auto retry_interval = std::chrono::seconds{1};
// ... and events up to this many bytes wait in memory; beyond, the oldest batches are given up.
// Session records and queries (one each per session) always wait.
constexpr std::size_t max_waiting_bytes = std::size_t{64} << 20;
// After a batch, with nothing else queued, the journal's thread sleeps this long before it looks
// at its mailbox again: batches sent meanwhile queue without waking it (a send to a blocked
// detached actor is a futex wake on both threads, once per batch at N=500), and it takes them
// all at once. Replays and sequence questions wait for the nap at most; an idle journal blocks.
constexpr auto nap_after_batch = std::chrono::milliseconds{2};

// What waits to be written. Whatever is left when the actor ends is written by the destructor.
struct pending_writes {
  std::shared_ptr<journal::store> store;
  // The subscribers' messages (session_events) as they came, shared with the other subscribers
  // and holding their credit: the agents wait for the disk as they wait for the host. Serialized
  // at the write, one row per session and write instead of one per batch.
  std::vector<caf::message> arrived;
  // Serialized, compressed and not written yet: what failed to be written waits here, without
  // credit (a full disk must not stop the agents), up to max_waiting_bytes of it.
  std::vector<journal::packed_batch> batches;
  std::size_t batch_bytes = 0;
  std::unordered_map<std::string, session_info> records;
  std::vector<std::pair<std::string, std::string>> queries;
  // Ended sessions the supervisor no longer remembers (past_sessions' bound): deleted with the
  // next write, unless one runs again first.
  std::vector<std::string> forgotten;
  journal_status status;
  // Where each batch is serialized, then compressed: kept with their capacity from one batch to
  // the next rather than grown afresh for each, and the serialized bytes never copied whole
  // (that copy and its fresh pages were a tenth of the journal's thread at N=500).
  std::vector<char> scratch;
  std::string room;

  ~pending_writes() {
    if (!write())
      std::fprintf(stderr,
                   "agentrt: %s: %zu batches of events and %zu session records were not "
                   "journaled\n",
                   status.error.c_str(), batches.size(), records.size());
  }
  // False when the write failed (status says why); what failed waits for the next one.
  bool write();
  // Serializes what arrived into batches, and lets go of the messages and their credit.
  void seal();
  void add(journal::packed_batch batch);
};

struct journal_state {
  pending_writes pending;
  std::chrono::milliseconds flush_interval{};
  bool tick_pending = false;
  caf::actor watcher;  // told of every change of pending.status
  // New session ids waiting to be claimed, with the promise of each one's answer.
  std::vector<std::pair<std::string, caf::typed_response_promise<stored_session>>> claims;
  // A session was started since the last write: no nap after a batch then, for a query waits for
  // its claim, and a claim sent during the nap waited it out (through two nodes, whose starts
  // come one at a time, the nap cost 12% of the events per second).
  bool claimed_since_flush = false;

  static inline const char* name = "journal";
};

using flush_tick = caf::atom_constant<caf::atom("flush")>;
using claim_tick = caf::atom_constant<caf::atom("claim")>;

using journal_actor = caf::stateful_actor<journal_state>;

template <class T>
std::string serialize(const T& value) {
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  (void)sink(const_cast<T&>(value));
  return {buf.begin(), buf.end()};
}

template <class T>
bool deserialize(const std::string& blob, T& value) {
  caf::binary_deserializer source{nullptr, blob.data(), blob.size()};
  return !source(value);
}

bool pending_writes::write() {
  seal();
  if (!store || (batches.empty() && records.empty() && queries.empty() && forgotten.empty()))
    return true;
  std::vector<session_info> rows;
  rows.reserve(records.size());
  for (const auto& [id, info] : records) rows.push_back(info);
  try {
    store->write(batches, rows, queries, forgotten);
  } catch (const std::exception& e) {
    status.ok = false;
    status.error = e.what();
    status.waiting_batches = batches.size();
    return false;
  }
  status = journal_status{true, {}, 0, status.dropped_batches};
  batches.clear();
  batch_bytes = 0;
  records.clear();
  queries.clear();
  forgotten.clear();
  return true;
}

void pending_writes::add(journal::packed_batch batch) {
  batch_bytes += batch.bytes.size();
  batches.push_back(std::move(batch));
  std::size_t drop = 0;
  while (batch_bytes > max_waiting_bytes && drop < batches.size())
    batch_bytes -= batches[drop++].bytes.size();
  batches.erase(batches.begin(), batches.begin() + static_cast<std::ptrdiff_t>(drop));
  status.dropped_batches += drop;
}

void schedule_tick(journal_actor* self, caf::timespan after) {
  auto& st = self->state;
  if (st.tick_pending) return;
  st.tick_pending = true;
  self->delayed_send(self, after, flush_tick::value);
}

// Writes what waits; a change of health goes to the watcher (the supervisor), and while writes
// fail they are tried again every retry_interval, new events or not.
void flush(journal_actor* self) {
  auto& st = self->state;
  st.claimed_since_flush = false;
  bool was_ok = st.pending.status.ok;
  bool ok = st.pending.write();
  if (ok != was_ok && st.watcher) self->send(st.watcher, st.pending.status);
  if (!ok) schedule_tick(self, retry_interval);
}

void schedule_flush(journal_actor* self) {
  auto& st = self->state;
  if (!st.pending.status.ok) return;  // the retry tick is set
  if (st.pending.arrived.size() >= max_pending_batches) return flush(self);
  schedule_tick(self, st.flush_interval);
}

// The numbered events (not raw lines) of one session's batches, in order, as one session_events
// blob: a replay reads it as it would one batch.
journal::packed_batch serialize_numbered(const std::string& session_id,
                                         const std::vector<const session_events*>& batches,
                                         std::vector<char>& buf, std::string& room) {
  std::uint64_t first_seq = 0;
  std::uint64_t last_seq = 0;
  std::size_t count = 0;
  for (const auto* batch : batches)
    for (const auto& ev : batch->events)
      if (auto seq = seq_of(ev); seq != 0) {
        first_seq = first_seq != 0 ? first_seq : seq;
        last_seq = seq;
        ++count;
      }
  buf.clear();
  caf::binary_serializer sink{nullptr, buf};
  (void)sink.begin_sequence(count);
  for (const auto* batch : batches)
    for (const auto& ev : batch->events)
      if (seq_of(ev) != 0) (void)sink(const_cast<session_event&>(ev));
  (void)sink.end_sequence();
  return journal::pack(session_id, first_seq, last_seq, {buf.data(), buf.size()}, room);
}

void pending_writes::seal() {
  // A batch is one session's (the message adapter publishes them), in the session's order.
  std::map<std::string, std::vector<const session_events*>> by_session;
  for (const auto& msg : arrived) {
    const auto& batch = msg.get_as<session_events>(0);
    auto numbered = std::find_if(batch.events.begin(), batch.events.end(),
                                 [](const auto& ev) { return seq_of(ev) != 0; });
    if (numbered == batch.events.end()) continue;
    auto id = caf::visit([](const auto& e) { return e.session_id; }, *numbered);
    by_session[id].push_back(&batch);
  }
  for (const auto& [id, batches] : by_session) add(serialize_numbered(id, batches, scratch, room));
  arrived.clear();
}

// Kept as it came, the subscribers' shared message; while writes fail, serialized at once.
void record(journal_actor* self, const session_events& batch) {
  if (batch.events.empty()) return;
  auto& pending = self->state.pending;
  pending.arrived.push_back(self->current_mailbox_element()->copy_content_to_message());
  if (!pending.status.ok) pending.seal();
  schedule_flush(self);
  if (self->mailbox().empty() && !self->state.claimed_since_flush)
    std::this_thread::sleep_for(nap_after_batch);
}

caf::result<session_events> replay(journal_actor* self, const replay_request& req) {
  flush(self);
  session_events out;
  try {
    auto& store = *self->state.pending.store;
    if (req.known_only && !store.knows(req.session_id))
      return make_error(errc::session_not_found, "Session not found");
    for (auto& stored : store.batches(req.session_id, req.after_seq, req.up_to_seq)) {
      session_events batch;
      if (!deserialize(stored.blob, batch))
        return make_error(errc::invalid_command, "journal: events " +
                                                   std::to_string(stored.first_seq) + " of " +
                                                   req.session_id + " are unreadable");
      for (auto& ev : batch.events)
        if (auto seq = seq_of(ev); seq > req.after_seq && seq <= req.up_to_seq)
          out.events.push_back(std::move(ev));
    }
  } catch (const std::exception& e) {
    return make_error(errc::invalid_command, e.what());
  }
  return out;
}

// What a session id with a record (or none, when new_ok) is to this runtime: another runtime's
// that lives, one whose owner died, or this runtime's own.
caf::expected<stored_session> recorded_session(journal_actor* self, const std::string& id,
                                               bool new_ok) {
  try {
    auto& store = *self->state.pending.store;
    if (auto why = store.owned_elsewhere(id); !why.empty())
      return make_error(errc::invalid_command, std::move(why));
    auto records = store.sessions(id);  // as a sweep of its dead owner left it
    if (records.empty() && new_ok) return stored_session{};
    if (records.empty()) return make_error(errc::session_not_found, "Session not found");
    stored_session out{std::move(records.front()), {}};
    if (new_ok) return out;
    if (auto blob = store.query(id); !blob.empty() && deserialize(blob, out.query)) return out;
  } catch (const std::exception& e) {
    return make_error(errc::invalid_command, e.what());
  }
  return make_error(errc::session_not_found, "No query journaled for session " + id);
}

void deliver(caf::typed_response_promise<stored_session>& promise,
             caf::expected<stored_session> answer) {
  if (answer)
    promise.deliver(std::move(*answer));
  else
    promise.deliver(std::move(answer.error()));
}

// A session that runs again is not forgotten, even if the supervisor said so before (a write
// that failed left it waiting).
void remember_again(pending_writes& pending, const std::string& id) {
  auto& ids = pending.forgotten;
  ids.erase(std::remove(ids.begin(), ids.end(), id), ids.end());
}

// Written at once: a claim of one of these ids that comes next must find it gone.
void forget(journal_actor* self, journal_forget& msg) {
  auto& ids = self->state.pending.forgotten;
  ids.insert(ids.end(), msg.session_ids.begin(), msg.session_ids.end());
  flush(self);
}

// A new id is claimed before it is answered, so that another runtime starting the same id now is
// refused; the claims that queue meanwhile are taken in one transaction, when claim_tick (sent
// behind the first of them) comes.
caf::result<stored_session> claim_later(journal_actor* self, const std::string& id) {
  auto& st = self->state;
  remember_again(st.pending, id);
  st.claimed_since_flush = true;
  if (st.claims.empty()) self->send(self, claim_tick::value);
  st.claims.emplace_back(id, self->make_response_promise<stored_session>());
  return st.claims.back().second;
}

void claim_waiting(journal_actor* self) {
  if (self->state.claims.empty()) return;  // taken before a question about a known id
  auto claims = std::exchange(self->state.claims, {});
  std::vector<std::string> ids;
  ids.reserve(claims.size());
  for (const auto& c : claims) ids.push_back(c.first);
  std::vector<bool> taken;
  try {
    taken = self->state.pending.store->claim(ids);
  } catch (const std::exception& e) {
    for (auto& c : claims) c.second.deliver(make_error(errc::invalid_command, e.what()));
    return;
  }
  // One that had a record is looked at.
  for (std::size_t i = 0; i < claims.size(); ++i)
    deliver(claims[i].second,
            taken[i] ? stored_session{} : recorded_session(self, claims[i].first, true));
}

// A new session needs no flush: what this runtime has not written yet is not another's.
caf::result<stored_session> stored_query(journal_actor* self, const stored_query_request& req) {
  if (req.new_ok) return claim_later(self, req.session_id);
  remember_again(self->state.pending, req.session_id);
  claim_waiting(self);  // answers in the order asked: sessions start in the order of their queries
  flush(self);
  return recorded_session(self, req.session_id, false);
}

caf::result<std::uint64_t> last_seq(journal_actor* self, const std::string& id) {
  flush(self);
  try {
    return self->state.pending.store->last_seq(id);
  } catch (const std::exception& e) {
    return make_error(errc::invalid_command, e.what());
  }
}

caf::behavior journal_writer(journal_actor* self, std::shared_ptr<journal::store> store,
                             std::chrono::milliseconds flush_interval) {
  report_unexpected_on_stderr(self);
  auto& st = self->state;
  st.pending.store = std::move(store);
  st.flush_interval = flush_interval;
  return {
    [self](const session_events& batch) { record(self, batch); },
    [self](session_info& info) {
      auto id = info.session_id;
      self->state.pending.records[id] = std::move(info);
      schedule_flush(self);
    },
    [self](query_recorded& q) {
      self->state.pending.queries.emplace_back(q.query.session_id, serialize(q.query));
      schedule_flush(self);
    },
    [self](flush_tick) {
      self->state.tick_pending = false;
      flush(self);
    },
    [self](claim_tick) { claim_waiting(self); },
    [self](journal_flush&) {
      flush(self);
      return command_ack{};
    },
    [self](journal_watch& w) {
      self->state.watcher = std::move(w.watcher);
      if (!self->state.pending.status.ok)
        self->send(self->state.watcher, self->state.pending.status);
    },
    [self](const replay_request& req) { return replay(self, req); },
    [self](const last_seq_request& req) { return last_seq(self, req.session_id); },
    [self](const stored_query_request& req) { return stored_query(self, req); },
    [self](journal_forget& msg) { forget(self, msg); },
  };
}

}  // namespace

caf::actor spawn_journal(caf::actor_system& sys, std::shared_ptr<journal::store> store,
                         std::chrono::milliseconds flush_interval) {
  return sys.spawn<caf::detached + caf::hidden>(journal_writer, std::move(store), flush_interval);
}

}  // namespace agentrt
