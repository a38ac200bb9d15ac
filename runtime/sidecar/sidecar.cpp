#include "runtime/sidecar/sidecar.hpp"

#include <caf/all.hpp>

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <set>
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
  bool live = true;
};

struct protocol_state {
  caf::actor supervisor;
  bool normalized_all = false;
  std::set<std::string> normalized;  // sessions that asked for normalized events
  std::map<std::string, session_view> sessions;
  caf::typed_response_promise<command_ack> drained;  // answered once no session is live
  bool draining = false;
  std::size_t in_flight = 0;  // commands sent and not answered yet
  std::size_t max_line_bytes = 0;
  std::string output;  // lines not written yet
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

void check_drained(protocol_actor* self) {
  auto& st = self->state;
  if (!st.draining || !st.drained.pending() || st.in_flight > 0) return;
  for (const auto& [id, view] : st.sessions)
    if (view.live) return;
  st.drained.deliver(command_ack{});
}

// Sends a command; an error reply becomes an error line for the host. The drain waits for the
// commands in flight: a query read just before the end of stdin still runs (and is stopped).
template <class Command, class OnAck>
void command(protocol_actor* self, Command cmd, std::string session_id, OnAck on_ack) {
  ++self->state.in_flight;
  self->request(self->state.supervisor, command_timeout, std::move(cmd))
    .then(
      [self, on_ack](const command_ack&) mutable {
        --self->state.in_flight;
        on_ack();
        check_drained(self);
      },
      [self, session_id](const caf::error& err) {
        --self->state.in_flight;
        emit(self, error_line(session_id, error_text(err)));
        check_drained(self);
      });
}

template <class Command>
void command(protocol_actor* self, Command cmd, std::string session_id) {
  command(self, std::move(cmd), std::move(session_id), [] {});
}

// A session is live from the moment its query is accepted (its first status may come later);
// one accepted while the sidecar drains is stopped at once.
void track(protocol_actor* self, const std::string& id) {
  self->state.sessions[id].live = true;
  if (self->state.draining) command(self, stop_command{id}, id);
}

void on_event(protocol_actor* self, const status_change& s) {
  auto& view = self->state.sessions[s.session_id];
  if (wants_normalized(self, s.session_id)) emit(self, status_line(s));
  if ((s.status == session_status::starting || s.status == session_status::queued) && !view.live)
    track(self, s.session_id);
  if (s.status == session_status::running && view.started_generation != s.generation) {
    view.started_generation = s.generation;
    emit(self, agent_started_line(s.session_id));
  }
  if (!is_terminal(s.status)) return;
  view.live = false;
  // A run that never started failed to spawn: the seed reports that as agent_error.
  if (view.started_generation == s.generation)
    emit(self, agent_stopped_line(s));
  else
    emit(self, agent_error_line(s.session_id, s.error));
  check_drained(self);
}

void on_event(protocol_actor* self, const raw_line& raw) {
  emit_with(self, [&](std::string& out) { append_agent_event_line(out, raw); });
}

void on_event(protocol_actor* self, const log_line& log) {
  emit(self, agent_log_line(log));
}

void on_event(protocol_actor* self, const agent_message& m) {
  if (wants_normalized(self, m.session_id))
    emit_with(self, [&](std::string& out) { append_agent_message_line(out, m); });
}

void on_event(protocol_actor* self, const cost_update& c) {
  if (wants_normalized(self, c.session_id)) emit(self, cost_line(c));
}

void on_host_line(protocol_actor* self, const host_line& line) {
  if (line.oversize_bytes > 0)
    return emit(self, error_line({}, "Line too long: " + std::to_string(line.oversize_bytes) +
                                       " bytes (the limit is " +
                                       std::to_string(self->state.max_line_bytes) + ")"));
  auto req = parse_request(line.text);
  std::visit(
    [&](auto& r) {
      using T = std::decay_t<decltype(r)>;
      if constexpr (std::is_same_v<T, ping_request>) {
        emit(self, pong_line(), flush::now);
      } else if constexpr (std::is_same_v<T, list_request>) {
        self->request(self->state.supervisor, command_timeout, list_command{})
          .then([self](const session_list& list) { emit(self, sessions_line(list)); },
                [self](const caf::error& err) { emit(self, error_line({}, error_text(err))); });
      } else if constexpr (std::is_same_v<T, totals_request>) {
        self->request(self->state.supervisor, command_timeout, totals_command{})
          .then([self](const usage_totals& totals) { emit(self, totals_line(totals)); },
                [self](const caf::error& err) { emit(self, error_line({}, error_text(err))); });
      } else if constexpr (std::is_same_v<T, options_request>) {
        if (r.normalized) self->state.normalized_all = *r.normalized;
        if (r.totals)
          self
            ->request(self->state.supervisor, command_timeout,
                      totals_subscription{caf::actor_cast<caf::actor>(self), *r.totals})
            .then([](const command_ack&) {},
                  [self](const caf::error& err) { emit(self, error_line({}, error_text(err))); });
      } else if constexpr (std::is_same_v<T, query_request>) {
        if (self->state.draining)
          return emit(self, error_line(r.query.session_id, "the sidecar is shutting down"));
        if (r.normalized) self->state.normalized.insert(r.query.session_id);
        auto id = r.query.session_id;
        command(self, std::move(r.query), id, [self, id] { track(self, id); });
      } else if constexpr (std::is_same_v<T, stop_request>) {
        command(self, stop_command{r.session_id}, r.session_id);
      } else if constexpr (std::is_same_v<T, prompt_request>) {
        command(self, prompt_command{r.session_id, r.prompt}, r.session_id);
      } else if constexpr (std::is_same_v<T, interrupt_request>) {
        command(self, interrupt_command{r.session_id}, r.session_id);
      } else if constexpr (std::is_same_v<T, resume_request>) {
        if (self->state.draining)
          return emit(self, error_line(r.session_id, "the sidecar is shutting down"));
        auto id = r.session_id;
        command(self, resume_command{id, r.prompt}, id, [self, id] { track(self, id); });
      } else {
        emit(self, error_line(r.session_id, r.message));
      }
    },
    req);
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
