#include "actors/message_adapter.hpp"

#include <caf/all.hpp>

#include <algorithm>

#include "adapters/adapter.hpp"
#include "messages/type_ids.hpp"

namespace agentrt {

namespace {

struct message_adapter_state {
  std::string session_id;
  caf::actor session;
  std::unique_ptr<adapters::provider_adapter> adapter;
  std::vector<caf::actor> subscribers;
  std::uint64_t seq = 0;
  std::string provider_session_id;  // the latest one told to the session
  adapters::adapter_output out;     // reused across lines

  static inline const char* name = "message_adapter";
};

using adapter_actor = caf::stateful_actor<message_adapter_state>;

template <class Event>
void publish(adapter_actor* self, Event ev) {
  auto& st = self->state;
  ev.session_id = st.session_id;
  ev.seq = ++st.seq;
  for (const auto& sub : st.subscribers) self->send(sub, ev);
}

// Publishes what the adapter made of one line (or partial line).
void publish_output(adapter_actor* self) {
  auto& st = self->state;
  for (auto& msg : st.out.messages) publish(self, std::move(msg));
  if (st.out.cost) {
    publish(self, *st.out.cost);
    self->send(st.session, *st.out.cost);
  }
  if (const auto& id = st.out.provider_session_id; !id.empty() && id != st.provider_session_id) {
    st.provider_session_id = id;
    self->send(st.session, provider_session_seen{id});
  }
  if (st.out.turn) self->send(st.session, *st.out.turn);
}

void normalize_line(adapter_actor* self, std::string_view line) {
  self->state.out.clear();
  self->state.adapter->on_line(line, self->state.out);
  publish_output(self);
}

caf::behavior message_adapter(adapter_actor* self, std::string session_id, caf::actor session,
                              std::vector<caf::actor> subscribers) {
  auto& st = self->state;
  st.session_id = std::move(session_id);
  st.session = std::move(session);
  for (const auto& sub : subscribers) self->monitor(sub);
  st.subscribers = std::move(subscribers);
  self->set_down_handler([self](const caf::down_msg& down) {
    auto& subs = self->state.subscribers;
    subs.erase(std::remove(subs.begin(), subs.end(), down.source), subs.end());
  });
  return {
    [self](run_started& run) { self->state.adapter = adapters::make_adapter(run.provider); },
    [self](output_lines& batch) {
      if (batch.stream == output_stream::out)
        for (const auto& line : batch.lines) normalize_line(self, line);
      else
        for (auto& line : batch.lines) publish(self, log_line{{}, std::move(line), 0});
      return lines_consumed{batch.bytes};
    },
    [self](const oversize_line& skipped) {
      publish(self,
              adapters::make_error_message("skipped a line of " + std::to_string(skipped.length) +
                                           " bytes: longer than the limit of " +
                                           std::to_string(skipped.limit) + " bytes"));
    },
    [self](const output_partial& partial) {
      self->state.out.clear();
      self->state.adapter->on_partial(partial.text, self->state.out);
      publish_output(self);
    },
    [self](const output_drained& drained) { self->send(self->state.session, drained); },
    [self](status_change& change) { publish(self, std::move(change)); },
    [self](subscribe_command& cmd) {
      auto& subs = self->state.subscribers;
      if (std::find(subs.begin(), subs.end(), cmd.subscriber) != subs.end()) return;
      self->monitor(cmd.subscriber);
      subs.push_back(std::move(cmd.subscriber));
    },
    [self](const unsubscribe_command& cmd) {
      auto& subs = self->state.subscribers;
      subs.erase(std::remove(subs.begin(), subs.end(), cmd.subscriber), subs.end());
    },
  };
}

}  // namespace

caf::actor spawn_message_adapter(caf::local_actor* session, std::string session_id,
                                 std::vector<caf::actor> subscribers) {
  return session->spawn<caf::linked>(message_adapter, std::move(session_id),
                                     caf::actor_cast<caf::actor>(session), std::move(subscribers));
}

}  // namespace agentrt
