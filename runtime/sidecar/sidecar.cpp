#include "runtime/sidecar/sidecar.hpp"

#include <caf/all.hpp>

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "actors/unexpected.hpp"
#include "messages/errors.hpp"
#include "messages/type_ids.hpp"
#include "runtime/event_format.hpp"
#include "runtime/process/line_splitter.hpp"
#include "runtime/sidecar/protocol.hpp"
#include "runtime/stop_signals.hpp"

namespace agentrt::sidecar {

namespace {

constexpr auto command_timeout = std::chrono::seconds{30};

// False once the host closed stdout (EPIPE; SIGPIPE is ignored) or it failed otherwise.
bool write_all(const std::string& bytes) {
  const char* p = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    ssize_t n = ::write(STDOUT_FILENO, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  return true;
}

struct session_view {
  std::uint64_t started_generation = 0;  // agent_started was written for it
  std::uint64_t ended_generation = 0;    // agent_stopped (or agent_error) was written for it
  bool live = false;
  std::optional<bool> raw;  // its query's choice; unset: the connection's
  // A replay wrote its normalized events up to this number: a live one up to it is a duplicate.
  std::uint64_t replayed_up_to = 0;
  int replays_pending = 0;
  std::vector<session_event> held;  // normalized events that came while a replay was pending
};

struct protocol_state {
  caf::actor supervisor;
  bool normalized_all = false;
  bool raw_all = true;
  // Looked up for every event: hashed (ordered, they were 5% of this thread's time at N=500).
  std::unordered_set<std::string> normalized;  // sessions that asked for normalized events
  std::unordered_map<std::string, session_view> sessions;
  caf::typed_response_promise<command_ack> drained;  // answered once no session is live
  bool draining = false;
  std::size_t in_flight = 0;  // commands sent and not answered yet
  std::size_t max_line_bytes = 0;
  std::string output;  // lines not written yet
  // The credit of the batches whose lines are in `output`: the agents wait for the host to read.
  std::vector<std::shared_ptr<const output_credit>> credit_held;
  bool flush_queued = false;
  bool output_closed = false;  // the host closed stdout: nothing more is kept for it

  ~protocol_state() {
    if (!output_closed) write_all(output);
  }

  static inline const char* name = "sidecar";
};

using protocol_actor = caf::stateful_actor<protocol_state>;

// Lines are collected and written once the messages queued before them are handled: one
// write(2) per burst instead of one per line. Replies to the host's control commands (pong)
// are written at once.
using flush_atom = caf::atom_constant<caf::atom("flush")>;
enum class flush { when_idle, now };

void write_output(protocol_actor* self) {
  auto& st = self->state;
  if (!st.output_closed && !write_all(st.output)) st.output_closed = true;
  st.output.clear();
  st.credit_held.clear();
}

// `append_line` writes one line, without its newline, at the end of the buffer it is given.
template <class AppendLine>
void emit_with(protocol_actor* self, AppendLine append_line, flush when = flush::when_idle) {
  constexpr std::size_t flush_at = 64 * 1024;
  auto& st = self->state;
  if (st.output_closed) return;  // the reading loop saw it too, and drains
  append_line(st.output);
  st.output += '\n';
  if (when == flush::now || st.output.size() >= flush_at || self->mailbox().empty()) {
    write_output(self);
  } else if (!st.flush_queued) {
    st.flush_queued = true;
    self->send(self, flush_atom::value);
  }
}

void emit(protocol_actor* self, const std::string& line, flush when = flush::when_idle) {
  emit_with(
    self, [&](std::string& out) { out += line; }, when);
}

bool wants_normalized(protocol_actor* self, const std::string& session_id) {
  return self->state.normalized_all || self->state.normalized.count(session_id) > 0;
}

// The error line answering a command, with its id.
void refuse(protocol_actor* self, const std::string& session_id, const std::string& message,
            const std::string& id) {
  emit(self, with_id(error_line(session_id, message), id));
}

void write_normalized(protocol_actor* self, const agent_message& m) {
  emit_with(self, [&](std::string& out) { append_agent_message_line(out, m); });
}
void write_normalized(protocol_actor* self, const status_change& s) {
  emit(self, status_line(s));
}
void write_normalized(protocol_actor* self, const cost_update& c) {
  emit(self, cost_line(c));
}
template <class Event>
void write_normalized(protocol_actor*, const Event&) {}  // not normalized events

// A normalized event as it comes live: held while a replay of its session is pending, dropped
// when a replay wrote it already.
template <class Event>
void normalized(protocol_actor* self, const Event& e) {
  auto& view = self->state.sessions[e.session_id];
  if (view.replays_pending > 0) {
    view.held.emplace_back(e);
    return;
  }
  if (e.seq > view.replayed_up_to && wants_normalized(self, e.session_id))
    write_normalized(self, e);
}

void check_drained(protocol_actor* self) {
  auto& st = self->state;
  if (!st.draining || !st.drained.pending() || st.in_flight > 0) return;
  for (const auto& [id, view] : st.sessions)
    if (view.live) return;
  st.drained.deliver(command_ack{});
}

// Sends a command; an error reply becomes an error line for the host, an accepted command with
// an id (`id`, JSON text) an ok line. The drain waits for the commands in flight: a query read
// just before the end of stdin still runs (and is stopped).
template <class Command, class OnAck>
void command(protocol_actor* self, Command cmd, std::string session_id, std::string id,
             OnAck on_ack) {
  ++self->state.in_flight;
  self->request(self->state.supervisor, command_timeout, std::move(cmd))
    .then(
      [self, on_ack, session_id, id](const command_ack&) mutable {
        --self->state.in_flight;
        on_ack();
        if (!id.empty()) emit(self, ok_line(id, session_id));
        check_drained(self);
      },
      [self, session_id, id](const caf::error& err) {
        --self->state.in_flight;
        refuse(self, session_id, error_text(err), id);
        check_drained(self);
      });
}

template <class Command>
void command(protocol_actor* self, Command cmd, std::string session_id, std::string id = {}) {
  command(self, std::move(cmd), std::move(session_id), std::move(id), [] {});
}

// What came live while the last pending replay of a session ran, now that it is written.
void release_held(protocol_actor* self, const std::string& session_id) {
  auto& view = self->state.sessions[session_id];
  if (--view.replays_pending > 0) return;
  for (auto& ev : std::exchange(view.held, {}))
    caf::visit(
      [self](const auto& e) {
        if constexpr (!std::is_same_v<std::decay_t<decltype(e)>, raw_line>) normalized(self, e);
      },
      ev);
}

// The journaled events, the ok line that ends them, then the live ones: the session's normalized
// events are on from now.
void replay(protocol_actor* self, const replay_since_request& r, const std::string& id) {
  auto& st = self->state;
  ++st.in_flight;
  ++st.sessions[r.session_id].replays_pending;
  st.normalized.insert(r.session_id);
  self->request(st.supervisor, command_timeout, replay_command{r.session_id, r.after_seq})
    .then(
      [self, r, id](const session_events& past) {
        --self->state.in_flight;
        std::uint64_t last = r.after_seq;
        for (const auto& ev : past.events) {
          caf::visit([self](const auto& e) { write_normalized(self, e); }, ev);
          last = std::max(last, seq_of(ev));
        }
        emit(self, ok_line(id, r.session_id, last));
        auto& view = self->state.sessions[r.session_id];
        view.replayed_up_to = std::max(view.replayed_up_to, last);
        release_held(self, r.session_id);
        check_drained(self);
      },
      [self, r, id](const caf::error& err) {
        --self->state.in_flight;
        refuse(self, r.session_id, error_text(err), id);
        release_held(self, r.session_id);
        check_drained(self);
      });
}

// A session is live from the moment its query is accepted (its first status may come later), or
// from the first live status of it; one accepted while the sidecar drains is stopped at once.
void track(protocol_actor* self, const std::string& id) {
  self->state.sessions[id].live = true;
  if (self->state.draining) command(self, stop_command{id}, id);
}

void on_event(protocol_actor* self, const status_change& s) {
  normalized(self, s);
  auto& view = self->state.sessions[s.session_id];
  if (!is_terminal(s.status) && s.status != session_status::retrying && !view.live)
    track(self, s.session_id);
  if (s.status == session_status::running && view.started_generation != s.generation) {
    view.started_generation = s.generation;
    emit(self, agent_started_line(s.session_id));
  }
  // A run that will be retried stopped all the same; the session stays live.
  bool retrying = s.status == session_status::retrying;
  if (!is_terminal(s.status) && !retrying) return;
  view.live = retrying;
  // A run that never started failed to spawn: the seed reports that as agent_error. A retry
  // called off ends a run that was reported ended already.
  if (view.ended_generation != s.generation) {
    view.ended_generation = s.generation;
    if (view.started_generation == s.generation)
      emit(self, agent_stopped_line(s));
    else
      emit(self, agent_error_line(s.session_id, s.error));
  }
  check_drained(self);
}

void on_event(protocol_actor* self, const raw_line& raw) {
  auto& st = self->state;
  auto it = st.sessions.find(raw.session_id);
  bool wanted = it != st.sessions.end() && it->second.raw ? *it->second.raw : st.raw_all;
  if (wanted) emit_with(self, [&](std::string& out) { append_agent_event_line(out, raw); });
}

void on_event(protocol_actor* self, const log_line& log) {
  emit(self, agent_log_line(log));
}

void on_event(protocol_actor* self, const agent_message& m) {
  normalized(self, m);
}

void on_event(protocol_actor* self, const cost_update& c) {
  normalized(self, c);
}

// A question whose answer is its own line (sessions, totals), with the command's id.
template <class Reply, class Question, class Format>
void ask(protocol_actor* self, Question question, Format format, std::string id) {
  self->request(self->state.supervisor, command_timeout, std::move(question))
    .then([self, format, id](const Reply& reply) { emit(self, with_id(format(reply), id)); },
          [self, id](const caf::error& err) { refuse(self, {}, error_text(err), id); });
}

void set_options(protocol_actor* self, const options_request& r, const std::string& id) {
  auto& st = self->state;
  if (r.normalized) st.normalized_all = *r.normalized;
  if (r.raw) st.raw_all = *r.raw;
  if (!r.totals) {
    if (!id.empty()) emit(self, ok_line(id, {}));
    return;
  }
  self
    ->request(st.supervisor, command_timeout,
              totals_subscription{caf::actor_cast<caf::actor>(self), *r.totals})
    .then(
      [self, id](const command_ack&) {
        if (!id.empty()) emit(self, ok_line(id, {}));
      },
      [self, id](const caf::error& err) { refuse(self, {}, error_text(err), id); });
}

// `id`: the line's id as JSON text ("" for none); every reply to the line carries it.
template <class Request>
void handle(protocol_actor* self, Request& r, const std::string& id) {
  auto& st = self->state;
  if constexpr (std::is_same_v<Request, ping_request>) {
    emit(self, with_id(pong_line(), id), flush::now);
  } else if constexpr (std::is_same_v<Request, list_request>) {
    ask<session_list>(self, list_command{}, sessions_line, id);
  } else if constexpr (std::is_same_v<Request, totals_request>) {
    ask<usage_totals>(self, totals_command{}, totals_line, id);
  } else if constexpr (std::is_same_v<Request, options_request>) {
    set_options(self, r, id);
  } else if constexpr (std::is_same_v<Request, query_request>) {
    auto session = r.query.session_id;
    if (st.draining) return refuse(self, session, "the sidecar is shutting down", id);
    if (r.normalized) st.normalized.insert(session);
    st.sessions[session].raw = r.raw;
    command(self, std::move(r.query), session, id, [self, session] { track(self, session); });
  } else if constexpr (std::is_same_v<Request, stop_request>) {
    command(self, stop_command{r.session_id}, r.session_id, id);
  } else if constexpr (std::is_same_v<Request, prompt_request>) {
    command(self, prompt_command{r.session_id, r.prompt}, r.session_id, id);
  } else if constexpr (std::is_same_v<Request, interrupt_request>) {
    command(self, interrupt_command{r.session_id}, r.session_id, id);
  } else if constexpr (std::is_same_v<Request, resume_request>) {
    auto session = r.session_id;
    if (st.draining) return refuse(self, session, "the sidecar is shutting down", id);
    command(self, resume_command{session, r.prompt}, session, id,
            [self, session] { track(self, session); });
  } else if constexpr (std::is_same_v<Request, replay_since_request>) {
    replay(self, r, id);
  } else {
    refuse(self, r.session_id, r.message, id);
  }
}

void on_host_line(protocol_actor* self, const host_line& line) {
  if (line.oversize_bytes > 0)
    return emit(self, error_line({}, "Line too long: " + std::to_string(line.oversize_bytes) +
                                       " bytes (the limit is " +
                                       std::to_string(self->state.max_line_bytes) + ")"));
  std::string id;
  auto req = parse_request(line.text, &id);
  std::visit([&](auto& r) { handle(self, r, id); }, req);
}

caf::behavior protocol(protocol_actor* self, caf::actor supervisor, const sidecar_options& opts) {
  report_unexpected_on_stderr(self);
  self->state.supervisor = std::move(supervisor);
  self->state.normalized_all = opts.normalized;
  self->state.max_line_bytes = opts.max_line_bytes;
  return {
    [self](const host_line& line) { on_host_line(self, line); },
    [self](const usage_totals& totals) { emit(self, totals_line(totals)); },
    [self](const journal_status& status) {
      // The seed's hosts know error lines; the journal line says it again, and when it is over.
      if (!status.ok) emit(self, error_line({}, journal_status_text(status)));
      emit(self, journal_line(status));
    },
    [self](flush_atom) {
      self->state.flush_queued = false;
      write_output(self);
    },
    [self](const session_events& batch) {
      for (const auto& ev : batch.events)
        caf::visit([self](const auto& e) { on_event(self, e); }, ev);
      if (batch.credit && !self->state.output.empty())
        self->state.credit_held.push_back(batch.credit);
    },
    [self](const drain_request&) -> caf::result<command_ack> {
      auto& st = self->state;
      st.draining = true;
      st.drained = self->make_response_promise<command_ack>();
      for (const auto& [id, view] : st.sessions)
        if (view.live) command(self, stop_command{id}, id);
      check_drained(self);
      return st.drained;
    },
  };
}

// Why the reading loop ended.
enum class ending { input_closed, stop_signal, output_closed };

// Reads the host's lines until the end of stdin, a stop signal, or a closed stdout (a pipe's
// write end reports POLLERR once its reader is gone, whether or not a write is pending). Lines
// are framed as the agents' are: an oversize line costs at most the limit and is reported.
ending read_host(const stop_signals& signals, const caf::actor& actor, std::size_t max_line) {
  process::line_splitter lines{max_line};
  auto on_line = [&actor](std::string_view line) {
    caf::anon_send<caf::message_priority::high>(actor, host_line{std::string{line}, 0});
  };
  auto on_oversize = [&actor](std::size_t bytes) {
    caf::anon_send<caf::message_priority::high>(actor, host_line{{}, bytes});
  };
  std::vector<char> buf(64 * 1024);
  for (;;) {
    pollfd fds[3] = {{STDIN_FILENO, POLLIN, 0}, {signals.fd(), POLLIN, 0}, {STDOUT_FILENO, 0, 0}};
    if (poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      return ending::input_closed;
    }
    if (fds[1].revents & POLLIN) return ending::stop_signal;
    if (fds[2].revents & (POLLERR | POLLHUP)) return ending::output_closed;
    if (!(fds[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    ssize_t n = read(STDIN_FILENO, buf.data(), buf.size());
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) {
      lines.finish(on_line, on_oversize);
      return ending::input_closed;
    }
    lines.feed({buf.data(), static_cast<std::size_t>(n)}, on_line, on_oversize);
  }
}

}  // namespace

int run_sidecar(const sidecar_options& opts) {
  stop_signals signals;
  std::unique_ptr<runtime> rt;
  try {
    rt = std::make_unique<runtime>(opts.runtime);
  } catch (const std::exception& e) {
    // The host reads stdout: an EOF alone would not say why.
    write_all(error_line({}, std::string{"the runtime cannot start: "} + e.what()) + "\n");
    std::cerr << "agentrt sidecar: " << e.what() << '\n';
    return 2;
  }
  // Detached: its own thread, so host commands and pongs never queue behind the sessions'
  // actors on the scheduler, and its blocking writes to stdout hold up no worker.
  auto actor = rt->system().spawn<caf::detached>(protocol, rt->supervisor(), opts);
  {
    caf::scoped_actor self{rt->system()};
    self->request(rt->supervisor(), command_timeout, subscribe_command{"", actor, true})
      .receive([](const command_ack&) {}, [](const caf::error&) {});
  }
  write_all(ready_line() + "\n");
  for (const auto& warning : rt->start_warnings()) write_all(error_line({}, warning) + "\n");

  auto end = read_host(signals, actor, opts.max_line_bytes);
  if (end == ending::stop_signal)
    std::cerr << "agentrt sidecar: " << strsignal(signals.take()) << ": stopping every session\n";
  if (end == ending::output_closed)
    std::cerr << "agentrt sidecar: the host closed stdout: stopping every session\n";

  caf::scoped_actor self{rt->system()};
  self->request(actor, opts.runtime.policy.stop_grace + std::chrono::seconds{5}, drain_request{})
    .receive([](const command_ack&) {}, [](const caf::error&) {});
  caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
  return end == ending::output_closed ? 1 : 0;
}

}  // namespace agentrt::sidecar
