#include "actors/coordinator.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "actors/forget_reply.hpp"
#include "actors/subscriber_set.hpp"
#include "actors/totals_followers.hpp"
#include "actors/unexpected.hpp"
#include "messages/errors.hpp"
#include "messages/type_ids.hpp"

namespace agentrt {

namespace {

using namespace std::chrono_literals;
constexpr auto first_backoff = 250ms;
constexpr auto last_backoff = 5000ms;

// A node's batch holds its agent's pipe there until its last holder here lets go of it: then its
// id goes back to the node's uplink, which keeps the credit until then. The ids are let go of on
// whichever thread held the batch last; they are gathered, and the first of them since the last
// flush asks the coordinator for one, so that a turn of the coordinator returns all that were
// let go of meanwhile in one message over the network, not one message per batch.
struct node_returns {
  caf::actor_addr coordinator;  // not a strong reference: the coordinator's state holds this
  std::size_t index = 0;
  std::mutex mutex;
  std::vector<std::uint64_t> ids;
};

struct node_link {
  node_address address;
  caf::node_id id;                        // of the process that answered last
  caf::actor gateway;                     // monitored; empty while not connected
  caf::actor supervisor;                  // takes the commands
  caf::actor uplink;                      // the node's subscriber for us: its batches come from it
  std::shared_ptr<node_returns> returns;  // of the batches from this uplink
  bool tried = false;                     // a first attempt to connect has ended
  std::chrono::milliseconds backoff{0};
  usage_totals totals;  // as the node reported last (kept when it is lost: that was spent)

  bool connected() const { return static_cast<bool>(supervisor); }
};

struct placed_session {
  std::size_t node = 0;
  std::uint64_t seq = 0;  // of the latest event
  std::uint64_t generation = 0;
  session_status status = session_status::starting;
  std::vector<subscribe_command> subscribers;  // to this session only
  // Reported "node unreachable": what its node sends later (it was only silent) is dropped, and
  // the run is stopped there, so that the error stays its last word.
  bool lost = false;
  bool stop_asked = false;
};

struct coordinator_state {
  coordinator_options opts;
  std::vector<node_link> nodes;
  std::unordered_map<std::string, placed_session> sessions;
  std::vector<subscribe_command> all_subscribers;  // with an empty session id
  // Whether the nodes send raw lines: only once a subscriber here asked for them (they are the
  // larger half of the traffic), and from then on.
  bool nodes_send_raw = false;
  std::vector<caf::typed_response_promise<command_ack>> awaiting_nodes;
  totals_followers followers;

  static inline const char* name = "coordinator";
};

using coordinator_actor = caf::stateful_actor<coordinator_state>;

caf::actor handle(coordinator_actor* self) {
  return caf::actor_cast<caf::actor>(self);
}

std::string unreachable_text(const node_link& n) {
  return "node unreachable: " + n.address.name();
}

caf::error unreachable(const node_link& n) {
  return make_error(errc::node_unreachable, unreachable_text(n));
}

caf::error not_found() {
  return make_error(errc::session_not_found, "Session not found");
}

// ---- events: from the nodes to the subscribers, in each session's order ---------------------

// The session's subscribers are everyone's and its own, each once.
void hand_on(coordinator_actor* self, const std::string& session_id, session_events batch) {
  auto& st = self->state;
  subscriber_set to;
  for (const auto& s : st.all_subscribers) to.add(s.subscriber, s.raw);
  if (auto it = st.sessions.find(session_id); it != st.sessions.end())
    for (const auto& s : it->second.subscribers) to.add(s.subscriber, s.raw);
  to.send(self, std::move(batch));
}

// What the coordinator keeps of an event: the latest sequence number and status.
struct track {
  placed_session& s;

  void operator()(const status_change& e) const {
    s.seq = e.seq;
    s.status = e.status;
    s.generation = e.generation;
  }
  void operator()(const raw_line&) const {}  // not numbered
  template <class Event>
  void operator()(const Event& e) const {
    s.seq = e.seq;
  }
};

std::optional<std::size_t> node_of(coordinator_actor* self, const caf::node_id& id) {
  auto& nodes = self->state.nodes;
  for (std::size_t i = 0; i < nodes.size(); ++i)
    if (nodes[i].connected() && nodes[i].id == id) return i;
  return std::nullopt;
}

void stop_lost_run(coordinator_actor* self, const std::string& id, placed_session& s) {
  const auto& n = self->state.nodes[s.node];
  if (s.stop_asked || !n.connected()) return;
  s.stop_asked = true;
  request_forgetting_reply(self, n.supervisor, self->state.opts.command_timeout, stop_command{id});
}

// A node's journal cannot write, or can again: its own file, so its address goes with the news.
void on_node_journal(coordinator_actor* self, journal_status& status) {
  auto sender = self->current_sender();
  if (auto node = sender ? node_of(self, sender->node()) : std::nullopt; node && !status.ok)
    status.error = self->state.nodes[*node].address.name() + ": " + status.error;
  for (const auto& sub : self->state.all_subscribers) self->send(sub.subscriber, status);
}

void on_events(coordinator_actor* self, session_events& batch) {
  if (batch.events.empty()) return;
  auto& st = self->state;
  std::string id = caf::visit([](const auto& e) { return e.session_id; }, batch.events.front());
  auto it = st.sessions.find(id);
  if (it == st.sessions.end()) {
    // Started by another coordinator (or before this one connected): adopted where it runs.
    auto sender = self->current_sender();
    auto node = sender ? node_of(self, sender->node()) : std::nullopt;
    if (!node) return hand_on(self, id, std::move(batch));
    it = st.sessions.emplace(id, placed_session{*node, 0, 0, session_status::starting, {}}).first;
  }
  auto& s = it->second;
  if (s.lost) return stop_lost_run(self, id, s);
  bool was_terminal = is_terminal(s.status);
  for (const auto& ev : batch.events) caf::visit(track{s}, ev);
  if (!was_terminal && is_terminal(s.status))
    self->delayed_send(self, st.opts.cleanup_grace, cleanup_tick{id, s.generation});
  hand_on(self, id, std::move(batch));
}

class node_credit final : public output_credit {
 public:
  node_credit(std::shared_ptr<node_returns> returns, std::uint64_t id)
      : returns_(std::move(returns)), id_(id) {}
  ~node_credit() override {
    bool first = false;
    {
      std::lock_guard<std::mutex> guard{returns_->mutex};
      first = returns_->ids.empty();
      returns_->ids.push_back(id_);
    }
    if (auto coordinator = caf::actor_cast<caf::actor>(returns_->coordinator); first && coordinator)
      caf::anon_send(coordinator, credit_flush{returns_->index});
  }

 private:
  std::shared_ptr<node_returns> returns_;
  std::uint64_t id_;
};

void flush_returns(coordinator_actor* self, std::size_t index) {
  if (index >= self->state.nodes.size()) return;
  auto& n = self->state.nodes[index];
  if (!n.returns) return;
  credit_return back;
  {
    std::lock_guard<std::mutex> guard{n.returns->mutex};
    back.ids.swap(n.returns->ids);
  }
  if (n.uplink && !back.ids.empty()) self->send(n.uplink, std::move(back));
}

void on_node_batch(coordinator_actor* self, credited_events& from_node) {
  auto sender = self->current_sender();
  auto node = sender ? node_of(self, sender->node()) : std::nullopt;
  if (from_node.id != 0 && node && self->state.nodes[*node].returns)
    from_node.batch.credit =
      std::make_shared<node_credit>(self->state.nodes[*node].returns, from_node.id);
  on_events(self, from_node.batch);
}

// ---- nodes: connecting, losing, dialling again ------------------------------------------------

bool every_node_tried(const coordinator_state& st) {
  return std::all_of(st.nodes.begin(), st.nodes.end(), [](const auto& n) { return n.tried; });
}

void first_attempt_over(coordinator_actor* self, std::size_t index) {
  auto& st = self->state;
  st.nodes[index].tried = true;
  if (every_node_tried(st)) {
    for (auto& promise : st.awaiting_nodes) promise.deliver(command_ack{});
    st.awaiting_nodes.clear();
  }
}

void dial_later(coordinator_actor* self, std::size_t index) {
  auto& n = self->state.nodes[index];
  n.backoff = n.backoff.count() == 0 ? first_backoff : std::min(n.backoff * 2, last_backoff);
  self->delayed_send(self, n.backoff, connect_tick{index});
}

void attempt_failed(coordinator_actor* self, std::size_t index) {
  first_attempt_over(self, index);
  dial_later(self, index);
}

void joined(coordinator_actor* self, std::size_t index, caf::node_id id, caf::actor gateway,
            node_welcome welcome) {
  auto& n = self->state.nodes[index];
  n.id = std::move(id);
  n.gateway = std::move(gateway);
  n.supervisor = std::move(welcome.supervisor);
  n.uplink = std::move(welcome.uplink);
  n.returns = std::make_shared<node_returns>();
  n.returns->coordinator = self->address();
  n.returns->index = index;
  n.backoff = {};
  self->monitor(n.gateway);
  // Sent before any command of ours, so it is in place before the first session starts there.
  request_forgetting_reply(self, n.supervisor, self->state.opts.command_timeout,
                           subscribe_command{"", n.uplink, self->state.nodes_send_raw});
  request_forgetting_reply(self, n.supervisor, self->state.opts.command_timeout,
                           totals_subscription{handle(self)});
  first_attempt_over(self, index);
}

void dial(coordinator_actor* self, std::size_t index) {
  auto& st = self->state;
  if (st.nodes[index].connected()) return;
  auto address = st.nodes[index].address;
  auto timeout = st.opts.command_timeout;
  self->request(st.opts.connector, timeout, caf::connect_atom::value, address.host, address.port)
    .then(
      [self, index, timeout](caf::node_id& id, caf::strong_actor_ptr& ptr, std::set<std::string>&) {
        auto gateway = caf::actor_cast<caf::actor>(ptr);
        if (!gateway) return attempt_failed(self, index);
        self->request(gateway, timeout, coordinator_hello{handle(self)})
          .then(
            [self, index, id, gateway](node_welcome& welcome) {
              if (!welcome.supervisor || !welcome.uplink) return attempt_failed(self, index);
              joined(self, index, id, gateway, std::move(welcome));
            },
            [self, index](const caf::error&) { attempt_failed(self, index); });
      },
      [self, index](const caf::error&) { attempt_failed(self, index); });
}

// Each live session of the node ends with an error, as its last event.
void node_lost(coordinator_actor* self, std::size_t index) {
  auto& st = self->state;
  auto& n = st.nodes[index];
  n.gateway = nullptr;
  n.supervisor = nullptr;
  n.uplink = nullptr;
  n.returns = nullptr;
  std::string reason = unreachable_text(n);
  for (auto& [id, s] : st.sessions) {
    if (s.node != index || is_terminal(s.status)) continue;
    s.status = session_status::error;
    s.lost = true;
    session_events batch;
    batch.events.emplace_back(
      status_change{id, session_status::error, -1, -1, reason, s.generation, ++s.seq});
    hand_on(self, id, std::move(batch));
    self->delayed_send(self, st.opts.cleanup_grace, cleanup_tick{id, s.generation});
  }
  dial_later(self, index);
}

void on_down(coordinator_actor* self, const caf::down_msg& down) {
  auto& st = self->state;
  for (std::size_t i = 0; i < st.nodes.size(); ++i)
    if (st.nodes[i].gateway && st.nodes[i].gateway.address() == down.source)
      return node_lost(self, i);
  auto gone = [&](const subscribe_command& s) { return s.subscriber.address() == down.source; };
  auto drop = [&](std::vector<subscribe_command>& v) {
    v.erase(std::remove_if(v.begin(), v.end(), gone), v.end());
  };
  drop(st.all_subscribers);
  for (auto& [id, s] : st.sessions) drop(s.subscribers);
  st.followers.forget(down.source);
}

// ---- commands ---------------------------------------------------------------------------------

// Asks `to`; its answer, or the error (a timeout included), goes to the original sender.
template <class Reply, class Command>
caf::result<Reply> relay(coordinator_actor* self, const caf::actor& to, Command cmd) {
  auto promise = self->make_response_promise<Reply>();
  self->request(to, self->state.opts.command_timeout, std::move(cmd))
    .then([promise](Reply& reply) mutable { promise.deliver(std::move(reply)); },
          [promise](caf::error& err) mutable { promise.deliver(std::move(err)); });
  return promise;
}

template <class Command>
caf::result<command_ack> route(coordinator_actor* self, Command& cmd) {
  auto& st = self->state;
  auto it = st.sessions.find(cmd.session_id);
  if (it == st.sessions.end()) return not_found();
  const auto& n = st.nodes[it->second.node];
  if (!n.connected()) return unreachable(n);
  if constexpr (std::is_same_v<Command, query_command> || std::is_same_v<Command, prompt_command> ||
                std::is_same_v<Command, resume_command>)
    it->second.lost = it->second.stop_asked = false;  // a new run: its events count again
  return relay<command_ack>(self, n.supervisor, std::move(cmd));
}

caf::expected<std::size_t> choose_node(coordinator_actor* self, const std::string& wanted) {
  auto& st = self->state;
  if (!wanted.empty()) {
    for (std::size_t i = 0; i < st.nodes.size(); ++i)
      if (st.nodes[i].address.name() == wanted)
        return st.nodes[i].connected() ? caf::expected<std::size_t>{i} : unreachable(st.nodes[i]);
    return make_error(errc::invalid_command, "query: unknown node \"" + wanted + "\"");
  }
  std::vector<std::size_t> live(st.nodes.size(), 0);
  for (const auto& [id, s] : st.sessions)
    if (!is_terminal(s.status)) ++live[s.node];
  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < st.nodes.size(); ++i)
    if (st.nodes[i].connected() && (!best || live[i] < live[*best])) best = i;
  if (!best) return make_error(errc::node_unreachable, "no node is reachable");
  return *best;
}

caf::result<command_ack> place(coordinator_actor* self, query_command& q) {
  auto& st = self->state;
  if (q.session_id.empty())
    return make_error(errc::invalid_command, "query: sessionId is required");
  // A session runs again where it ran, unless that node is gone: then it goes on on another, as a
  // new run numbered on from where it stood.
  continued_query placed{std::move(q), 0, 0};
  if (auto it = st.sessions.find(placed.query.session_id); it != st.sessions.end()) {
    if (st.nodes[it->second.node].connected() || !is_terminal(it->second.status))
      return route(self, placed.query);
    placed.after_generation = it->second.generation;
    placed.after_seq = it->second.seq;
    st.sessions.erase(it);
  }
  auto index = choose_node(self, placed.query.node);
  if (!index) return std::move(index.error());
  std::string id = placed.query.session_id;
  st.sessions[id].node = *index;
  auto promise = self->make_response_promise<command_ack>();
  self->request(st.nodes[*index].supervisor, st.opts.command_timeout, std::move(placed))
    .then([promise](command_ack& ack) mutable { promise.deliver(std::move(ack)); },
          [self, promise, id](caf::error& err) mutable {
            auto it = self->state.sessions.find(id);
            if (it != self->state.sessions.end() && it->second.seq == 0)
              self->state.sessions.erase(it);  // it never started there
            promise.deliver(std::move(err));
          });
  return promise;
}

// Asks the nodes from `index` on, one after the other, to resume a session this coordinator does
// not know (each node keeps its own journal), until one has it; `last` is the answer when none
// does.
void resume_on_next_node(coordinator_actor* self, resume_command cmd, std::size_t index,
                         caf::typed_response_promise<command_ack> promise, caf::error last) {
  auto& st = self->state;
  while (index < st.nodes.size() && !st.nodes[index].connected()) ++index;
  if (index == st.nodes.size()) {
    promise.deliver(std::move(last));
    return;
  }
  auto id = cmd.session_id;
  st.sessions[id].node = index;  // its events route from the start
  self->request(st.nodes[index].supervisor, st.opts.command_timeout, cmd)
    .then([promise](command_ack& ack) mutable { promise.deliver(std::move(ack)); },
          [self, cmd, index, promise, id](caf::error& err) mutable {
            auto it = self->state.sessions.find(id);
            if (it != self->state.sessions.end() && it->second.seq == 0)
              self->state.sessions.erase(it);
            if (is(err, errc::session_not_found))
              resume_on_next_node(self, std::move(cmd), index + 1, std::move(promise),
                                  std::move(err));
            else
              promise.deliver(std::move(err));
          });
}

caf::result<command_ack> resume(coordinator_actor* self, resume_command& cmd) {
  if (self->state.sessions.count(cmd.session_id) > 0) return route(self, cmd);
  auto promise = self->make_response_promise<command_ack>();
  resume_on_next_node(self, std::move(cmd), 0, promise, not_found());
  return promise;
}

// A session this coordinator does not know (it ran before the coordinator came, or ended long
// ago) is asked of the nodes one after the other, each with its own journal, until one has it.
void replay_on_next_node(coordinator_actor* self, replay_command cmd, std::size_t index,
                         caf::typed_response_promise<session_events> promise) {
  auto& st = self->state;
  while (index < st.nodes.size() && !st.nodes[index].connected()) ++index;
  if (index == st.nodes.size()) {
    promise.deliver(not_found());
    return;
  }
  self->request(st.nodes[index].supervisor, st.opts.command_timeout, cmd)
    .then([promise](session_events& events) mutable { promise.deliver(std::move(events)); },
          [self, cmd, index, promise](caf::error& err) mutable {
            if (is(err, errc::session_not_found))
              replay_on_next_node(self, std::move(cmd), index + 1, std::move(promise));
            else
              promise.deliver(std::move(err));
          });
}

caf::result<session_events> replay(coordinator_actor* self, replay_command& cmd) {
  auto& st = self->state;
  if (auto it = st.sessions.find(cmd.session_id); it != st.sessions.end()) {
    const auto& n = st.nodes[it->second.node];
    if (!n.connected()) return unreachable(n);
    return relay<session_events>(self, n.supervisor, std::move(cmd));
  }
  auto promise = self->make_response_promise<session_events>();
  replay_on_next_node(self, std::move(cmd), 0, promise);
  return promise;
}

// The sessions of every node, each named with its node; those of a lost node as last known.
caf::result<session_list> list(coordinator_actor* self) {
  auto& st = self->state;
  struct gathering {
    session_list list;
    std::size_t pending = 1;  // released below, after every request is out
    caf::typed_response_promise<session_list> promise;
  };
  auto g = std::make_shared<gathering>();
  g->promise = self->make_response_promise<session_list>();
  auto one_done = [g] {
    if (--g->pending > 0) return;
    std::sort(g->list.sessions.begin(), g->list.sessions.end(),
              [](const auto& a, const auto& b) { return a.started_at_ms < b.started_at_ms; });
    g->promise.deliver(std::move(g->list));
  };
  for (const auto& [id, s] : st.sessions) {
    const auto& n = st.nodes[s.node];
    if (n.connected()) continue;
    session_info info;
    info.session_id = id;
    info.status = s.status;
    info.generation = s.generation;
    info.node = n.address.name();
    g->list.sessions.push_back(std::move(info));
  }
  for (const auto& n : st.nodes) {
    if (!n.connected()) continue;
    ++g->pending;
    self->request(n.supervisor, st.opts.command_timeout, list_command{})
      .then(
        [g, one_done, name = n.address.name()](session_list& part) {
          for (auto& info : part.sessions) {
            info.node = name;
            g->list.sessions.push_back(std::move(info));
          }
          if (!part.journal_error.empty() && g->list.journal_error.empty())
            g->list.journal_error = name + ": " + part.journal_error;
          one_done();
        },
        [one_done](const caf::error&) { one_done(); });
  }
  one_done();
  return g->promise;
}

// The first subscriber here that wants raw lines: every node sends them from now on (a node
// keeps a subscriber's raw lines once asked, and so does a node that joins later).
void ask_nodes_for_raw_lines(coordinator_actor* self) {
  auto& st = self->state;
  if (st.nodes_send_raw) return;
  st.nodes_send_raw = true;
  for (const auto& n : st.nodes)
    if (n.connected())
      request_forgetting_reply(self, n.supervisor, st.opts.command_timeout,
                               subscribe_command{"", n.uplink, true});
}

std::vector<subscribe_command>* subscribers_of(coordinator_actor* self, const std::string& id) {
  auto& st = self->state;
  if (id.empty()) return &st.all_subscribers;
  auto it = st.sessions.find(id);
  return it == st.sessions.end() ? nullptr : &it->second.subscribers;
}

template <class Command>
caf::result<command_ack> subscription(coordinator_actor* self, const Command& cmd) {
  if (!cmd.subscriber) return make_error(errc::invalid_command, "subscribe: no subscriber");
  auto* list = subscribers_of(self, cmd.session_id);
  if (list == nullptr) return not_found();
  list->erase(std::remove_if(list->begin(), list->end(),
                             [&](const auto& s) { return s.subscriber == cmd.subscriber; }),
              list->end());
  if constexpr (std::is_same_v<Command, subscribe_command>) {
    list->push_back(cmd);
    self->monitor(cmd.subscriber);
    if (cmd.raw) ask_nodes_for_raw_lines(self);
  }
  return command_ack{cmd.session_id};
}

// The sum of what every node reported: spending and budgets (each node keeps its own).
usage_totals totals(const coordinator_state& st) {
  usage_totals sum;
  for (const auto& n : st.nodes) {
    sum.total_cost_usd += n.totals.total_cost_usd;
    sum.input_tokens += n.totals.input_tokens;
    sum.output_tokens += n.totals.output_tokens;
    sum.budget_usd += n.totals.budget_usd;
  }
  return sum;
}

void on_node_totals(coordinator_actor* self, const usage_totals& reported) {
  auto& st = self->state;
  auto sender = self->current_sender();
  for (auto& n : st.nodes)
    if (n.connected() && sender == n.supervisor.address()) {
      n.totals = reported;
      st.followers.changed(self);
    }
}

void clean_up(coordinator_actor* self, const cleanup_tick& tick) {
  auto& sessions = self->state.sessions;
  auto it = sessions.find(tick.session_id);
  if (it != sessions.end() && it->second.generation == tick.generation &&
      is_terminal(it->second.status))
    sessions.erase(it);
}

caf::behavior coordinator(coordinator_actor* self, coordinator_options opts) {
  report_unexpected_on_stderr(self);
  auto& st = self->state;
  for (auto& address : opts.nodes) st.nodes.emplace_back().address = address;
  st.opts = std::move(opts);
  self->set_down_handler([self](const caf::down_msg& down) { on_down(self, down); });
  for (std::size_t i = 0; i < st.nodes.size(); ++i) dial(self, i);
  return {
    [self](query_command& q) { return place(self, q); },
    [self](prompt_command& cmd) { return route(self, cmd); },
    [self](stop_command& cmd) { return route(self, cmd); },
    [self](interrupt_command& cmd) { return route(self, cmd); },
    [self](end_input_command& cmd) { return route(self, cmd); },
    [self](resume_command& cmd) { return resume(self, cmd); },
    [self](replay_command& cmd) { return replay(self, cmd); },
    [self](const list_command&) { return list(self); },
    [self](const subscribe_command& cmd) { return subscription(self, cmd); },
    [self](const unsubscribe_command& cmd) { return subscription(self, cmd); },
    [self](credited_events& from_node) { on_node_batch(self, from_node); },
    [self](const credit_flush& flush) { flush_returns(self, flush.index); },
    [self](journal_status& status) { on_node_journal(self, status); },
    [self](const totals_command&) { return totals(self->state); },
    [self](const totals_subscription& sub) {
      return self->state.followers.update(self, sub, totals(self->state));
    },
    [self](const usage_totals& reported) { on_node_totals(self, reported); },
    [self](const totals_tick&) { self->state.followers.on_tick(self, totals(self->state)); },
    [self](const connect_tick& tick) { dial(self, tick.index); },
    [self](const cleanup_tick& tick) { clean_up(self, tick); },
    [self](const await_nodes&) -> caf::result<command_ack> {
      if (every_node_tried(self->state)) return command_ack{};
      auto promise = self->make_response_promise<command_ack>();
      self->state.awaiting_nodes.push_back(promise);
      return promise;
    },
  };
}

}  // namespace

std::optional<node_address> parse_node_address(const std::string& text) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) return std::nullopt;
  std::string host = text.substr(0, colon);
  if (host.front() == '[') {
    if (host.back() != ']' || host.size() < 3) return std::nullopt;
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string::npos) {
    return std::nullopt;  // an IPv6 address needs brackets
  }
  std::string digits = text.substr(colon + 1);
  if (digits.size() > 5 || !std::all_of(digits.begin(), digits.end(), ::isdigit))
    return std::nullopt;
  unsigned long port = std::stoul(digits);
  if (port > 65535) return std::nullopt;
  return node_address{host, static_cast<std::uint16_t>(port)};
}

caf::actor spawn_coordinator(caf::actor_system& sys, coordinator_options opts) {
  return sys.spawn(coordinator, std::move(opts));
}

}  // namespace agentrt
