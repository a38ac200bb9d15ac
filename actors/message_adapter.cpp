#include "actors/message_adapter.hpp"

#include <caf/all.hpp>

#include <utility>

#include "actors/subscriber_set.hpp"
#include "actors/unexpected.hpp"
#include "adapters/adapter.hpp"
#include "messages/type_ids.hpp"

namespace agentrt {

namespace {

struct message_adapter_state {
  std::string session_id;
  caf::actor session;
  std::unique_ptr<adapters::provider_adapter> adapter;
  subscriber_set subscribers;
  std::vector<session_event> batch;  // published, not sent yet
  std::uint64_t seq = 0;
  std::string provider_session_id;          // the latest one told to the session
  adapters::adapter_output out;             // reused across lines
  std::optional<cost_update> pending_cost;  // the latest totals, not published yet

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

// Sends what was published since the last call, as one message to each subscriber.
void send_batch(adapter_actor* self) {
  auto& st = self->state;
  if (st.batch.empty()) return;
  st.subscribers.send(self, session_events{std::exchange(st.batch, {})});
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

void add_subscriber(adapter_actor* self, const subscribe_command& cmd) {
  if (self->state.subscribers.add(cmd.subscriber, cmd.raw)) self->monitor(cmd.subscriber);
}

caf::behavior message_adapter(adapter_actor* self, std::string session_id, caf::actor session,
                              std::vector<subscribe_command> subscribers) {
  report_unexpected_on_stderr(self);
  auto& st = self->state;
  st.session_id = std::move(session_id);
  st.session = std::move(session);
  for (const auto& sub : subscribers) add_subscriber(self, sub);
  self->set_down_handler(
    [self](const caf::down_msg& down) { self->state.subscribers.remove(down.source); });
  return {
    [self](run_started& run) { self->state.adapter = adapters::make_adapter(run.provider); },
    [self](output_lines& read) {
      self->state.batch.reserve(2 * read.lines.size() + 1);  // a raw line and a message each
      if (read.stream == output_stream::out)
        for (auto& line : read.lines) normalize_line(self, line);
      else
        for (auto& line : read.lines) publish(self, log_line{{}, std::move(line), 0});
      publish_pending_cost(self);
      send_batch(self);
      return lines_consumed{read.bytes};
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
    [self](const output_drained& drained) { self->send(self->state.session, drained); },
    [self](status_change& change) {
      publish(self, std::move(change));
      send_batch(self);
    },
    [self](const subscribe_command& cmd) { add_subscriber(self, cmd); },
    [self](const unsubscribe_command& cmd) {
      self->state.subscribers.remove(cmd.subscriber.address());
    },
  };
}

}  // namespace

caf::actor spawn_message_adapter(caf::local_actor* session, std::string session_id,
                                 std::vector<subscribe_command> subscribers) {
  return session->spawn<caf::linked>(message_adapter, std::move(session_id),
                                     caf::actor_cast<caf::actor>(session), std::move(subscribers));
}

}  // namespace agentrt
