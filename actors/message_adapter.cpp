#include "actors/message_adapter.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <utility>

#include "actors/child_bridge.hpp"
#include "actors/subscriber_set.hpp"
#include "actors/unexpected.hpp"
#include "adapters/adapter.hpp"
#include "messages/errors.hpp"
#include "messages/type_ids.hpp"

namespace agentrt {

namespace {

// A subscriber waiting for its replay, and what was published meanwhile.
struct replaying_subscriber {
  caf::actor who;
  bool raw = false;
  std::vector<session_events> held;
};

struct message_adapter_state {
  std::string session_id;
  caf::actor session;
  caf::actor journal;
  std::vector<replaying_subscriber> replaying;
  std::unique_ptr<adapters::provider_adapter> adapter;
  subscriber_set subscribers;
  std::vector<session_event> batch;                   // published, not sent yet
  std::shared_ptr<const output_credit> batch_credit;  // of the lines `batch` was made of
  std::uint64_t seq = 0;
  std::string provider_session_id;          // the latest one told to the session
  adapters::adapter_output out;             // reused across lines
  std::optional<cost_update> pending_cost;  // the latest totals, not published yet
  std::string last_stderr;                  // of the current run

  static inline const char* name = "message_adapter";
};

using adapter_actor = caf::stateful_actor<message_adapter_state>;

template <class Event>
void publish(adapter_actor* self, Event ev) {
  auto& st = self->state;
  ev.session_id = st.session_id;
  ev.seq = ++st.seq;
  st.batch.emplace_back(std::move(ev));
}

std::size_t heap_bytes(const std::string& s) {
  return s.capacity() > 15 ? s.capacity() + 1 : 0;  // beyond the short-string buffer
}

// What an event holds on the heap beyond its slot in the batch.
std::size_t heap_bytes(const agent_message& m) {
  return heap_bytes(m.id) + heap_bytes(m.session_id) + heap_bytes(m.type) +
         heap_bytes(m.parent_id) + heap_bytes(m.content);
}
std::size_t heap_bytes(const status_change& s) {
  return heap_bytes(s.session_id) + heap_bytes(s.error);
}
std::size_t heap_bytes(const cost_update& c) {
  return heap_bytes(c.session_id);
}
std::size_t heap_bytes(const log_line& l) {
  return heap_bytes(l.session_id) + heap_bytes(l.text);
}
std::size_t heap_bytes(const raw_line& r) {
  return heap_bytes(r.session_id) + heap_bytes(r.line);
}

// The batch's credit counts what the batch holds in memory, and the subscribers' copy without
// raw lines, instead of the estimate made at the read: the budget bounds the heap.
void charge_memory(adapter_actor* self, const std::shared_ptr<const output_credit>& credit) {
  auto& st = self->state;
  auto* pipe = const_cast<pipe_credit*>(dynamic_cast<const pipe_credit*>(credit.get()));
  if (pipe == nullptr) return;
  std::size_t all = st.batch.capacity() * sizeof(session_event), numbered = 0;
  for (const auto& ev : st.batch) {
    auto bytes = caf::visit([](const auto& e) { return heap_bytes(e); }, ev);
    all += bytes;
    if (!caf::holds_alternative<raw_line>(ev)) numbered += bytes + sizeof(session_event);
  }
  pipe->settle(all + (st.subscribers.copies() ? numbered : 0));
}

// Sends what was published since the last call, as one message to each subscriber.
void send_batch(adapter_actor* self) {
  auto& st = self->state;
  if (st.batch.empty()) return;
  session_events events{std::exchange(st.batch, {}), std::move(st.batch_credit)};
  for (auto& r : st.replaying) r.held.push_back(events);
  st.subscribers.send(self, std::move(events));
}

// Cost totals are cumulative, so only the latest of a batch of lines is worth telling: it is
// published (and told to the session) once per batch, and before a turn event, so that a finished
// turn is never reported with older figures.
void publish_pending_cost(adapter_actor* self) {
  auto& st = self->state;
  if (!st.pending_cost) return;
  self->send(st.session, *st.pending_cost);
  publish(self, std::move(*st.pending_cost));
  st.pending_cost.reset();
}

// Publishes what the adapter made of one line (or partial line).
void publish_output(adapter_actor* self) {
  auto& st = self->state;
  for (auto& msg : st.out.messages) publish(self, std::move(msg));
  if (st.out.cost) st.pending_cost = std::move(st.out.cost);
  if (const auto& id = st.out.provider_session_id; !id.empty() && id != st.provider_session_id) {
    st.provider_session_id = id;
    self->send(st.session, provider_session_seen{id});
  }
  if (st.out.turn) {
    publish_pending_cost(self);
    self->send(st.session, *st.out.turn);
  }
}

// The line is moved to the raw subscribers once the adapter is done with it.
void normalize_line(adapter_actor* self, std::string& line) {
  auto& st = self->state;
  st.out.clear();
  st.adapter->on_line(line, st.out);
  if (st.subscribers.wants_raw())
    st.batch.emplace_back(raw_line{st.session_id, std::move(line), st.out.json_line});
  publish_output(self);
}

// The journal keeps the numbered events only: it shares whichever batch goes out, and so needs
// no copy of it without the raw lines.
void add_live(adapter_actor* self, const caf::actor& who, bool raw) {
  auto& st = self->state;
  auto wants = who == st.journal ? raw_lines::either : raw ? raw_lines::with : raw_lines::without;
  if (st.subscribers.add(who, wants)) self->monitor(who);
}

// The replay (events up to `last`), its end, then what was held back, then the live stream.
void finish_replay(adapter_actor* self, const caf::actor& who, session_events past,
                   std::uint64_t last) {
  auto& waiting = self->state.replaying;
  auto it = std::find_if(waiting.begin(), waiting.end(), [&](auto& r) { return r.who == who; });
  if (it == waiting.end()) return;
  if (!past.events.empty()) self->send(who, std::move(past));
  self->send(who, replay_end{self->state.session_id, last});
  for (auto& batch : it->held) {
    auto events = it->raw ? std::move(batch) : subscriber_set::without_raw_lines(batch);
    if (!events.events.empty()) self->send(who, std::move(events));
  }
  bool raw = it->raw;
  waiting.erase(it);
  add_live(self, who, raw);
}

void add_subscriber(adapter_actor* self, const subscribe_command& cmd) {
  auto& st = self->state;
  if (!cmd.replay || !st.journal) return add_live(self, cmd.subscriber, cmd.raw);
  st.replaying.push_back({cmd.subscriber, cmd.raw, {}});
  auto who = cmd.subscriber;
  auto last = std::max(cmd.after_seq, st.seq);
  self->request(st.journal, caf::infinite, replay_request{st.session_id, cmd.after_seq, st.seq})
    .then(
      [self, who, last](session_events& past) { finish_replay(self, who, std::move(past), last); },
      [self, who, last](const caf::error& err) {
        auto failure = adapters::make_error_message("replay failed: " + error_text(err));
        failure.session_id = self->state.session_id;
        finish_replay(self, who, session_events{{std::move(failure)}, nullptr}, last);
      });
}

// The journal has every event published before this request (it is sent them first, and
// messages between two actors keep their order).
caf::result<session_events> replay_for(adapter_actor* self, const replay_command& cmd) {
  auto& st = self->state;
  if (!st.journal) return no_journal_error("replay");
  auto promise = self->make_response_promise<session_events>();
  self->request(st.journal, caf::infinite, replay_request{st.session_id, cmd.after_seq, st.seq})
    .then([promise](session_events& past) mutable { promise.deliver(std::move(past)); },
          [promise](caf::error& err) mutable { promise.deliver(std::move(err)); });
  return promise;
}

caf::behavior message_adapter(adapter_actor* self, std::string session_id, caf::actor session,
                              std::vector<subscribe_command> subscribers, caf::actor journal,
                              bool continue_seq, std::uint64_t after_seq) {
  report_unexpected_on_stderr(self);
  auto& st = self->state;
  st.seq = after_seq;
  st.session_id = std::move(session_id);
  st.session = std::move(session);
  st.journal = std::move(journal);
  if (continue_seq && st.journal)  // nothing is published before the answer
    self->request(st.journal, caf::infinite, last_seq_request{st.session_id})
      .await([self](std::uint64_t last) { self->state.seq = std::max(self->state.seq, last); },
             [](const caf::error&) {});
  for (const auto& sub : subscribers) add_subscriber(self, sub);
  // A replaying subscriber that dies is monitored once live, and so removed then.
  self->set_down_handler(
    [self](const caf::down_msg& down) { self->state.subscribers.remove(down.source); });
  return {
    [self](run_started& run) {
      self->state.adapter = adapters::make_adapter(run.provider);
      self->state.adapter->resume_usage(run.resumed_usage);
    },
    [self](output_lines& read) {
      self->state.batch.reserve(2 * read.lines.size() + 1);  // a raw line and a message each
      if (read.stream == output_stream::out)
        for (auto& line : read.lines) normalize_line(self, line);
      else
        for (auto& line : read.lines) {
          self->state.last_stderr = line.substr(0, 300);
          publish(self, log_line{{}, std::move(line), 0});
        }
      publish_pending_cost(self);
      charge_memory(self, read.credit);
      self->state.batch_credit = std::move(read.credit);
      send_batch(self);
    },
    [self](const oversize_line& skipped) {
      publish(self,
              adapters::make_error_message("skipped a line of " + std::to_string(skipped.length) +
                                           " bytes: longer than the limit of " +
                                           std::to_string(skipped.limit) + " bytes"));
      send_batch(self);
    },
    [self](const output_partial& partial) {
      self->state.out.clear();
      self->state.adapter->on_partial(partial.text, self->state.out);
      publish_output(self);
      publish_pending_cost(self);
      send_batch(self);
    },
    [self](output_drained& drained) {
      drained.last_stderr = std::exchange(self->state.last_stderr, {});
      self->send(self->state.session, std::move(drained));
    },
    [self](status_change& change) {
      publish(self, std::move(change));
      send_batch(self);
    },
    [self](const subscribe_command& cmd) { add_subscriber(self, cmd); },
    [self](const replay_command& cmd) { return replay_for(self, cmd); },
    [self](const unsubscribe_command& cmd) {
      self->state.subscribers.remove(cmd.subscriber.address());
    },
  };
}

}  // namespace

caf::actor spawn_message_adapter(caf::local_actor* session, std::string session_id,
                                 std::vector<subscribe_command> subscribers, caf::actor journal,
                                 bool continue_seq, std::uint64_t after_seq) {
  return session->spawn<caf::linked>(message_adapter, std::move(session_id),
                                     caf::actor_cast<caf::actor>(session), std::move(subscribers),
                                     std::move(journal), continue_seq, after_seq);
}

}  // namespace agentrt
