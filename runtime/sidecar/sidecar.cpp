#include "runtime/sidecar/sidecar.hpp"

#include <caf/all.hpp>

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <set>

#include "actors/unexpected.hpp"
#include "messages/errors.hpp"
#include "messages/type_ids.hpp"
#include "runtime/sidecar/protocol.hpp"

namespace agentrt::sidecar {

namespace {

constexpr auto command_timeout = std::chrono::seconds{30};

void write_all(const std::string& bytes) {
  const char* p = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    ssize_t n = ::write(STDOUT_FILENO, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the host is gone; there is nobody to tell
    p += n;
    left -= static_cast<std::size_t>(n);
  }
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
  std::string output;  // lines not written yet
  bool flush_queued = false;

  ~protocol_state() { write_all(output); }

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
  write_all(st.output);
  st.output.clear();
}

// `append_line` writes one line, without its newline, at the end of the buffer it is given.
template <class AppendLine>
void emit_with(protocol_actor* self, AppendLine append_line, flush when = flush::when_idle) {
  constexpr std::size_t flush_at = 64 * 1024;
  auto& st = self->state;
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
  if (!st.draining || !st.drained.pending()) return;
  for (const auto& [id, view] : st.sessions)
    if (view.live) return;
  st.drained.deliver(command_ack{});
}

// Sends a command; an error reply becomes an error line for the host.
template <class Command, class OnAck>
void command(protocol_actor* self, Command cmd, std::string session_id, OnAck on_ack) {
  self->request(self->state.supervisor, command_timeout, std::move(cmd))
    .then([on_ack](const command_ack&) mutable { on_ack(); },
          [self, session_id](const caf::error& err) {
            emit(self, error_line(session_id, error_text(err)));
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

void on_host_line(protocol_actor* self, const std::string& text) {
  auto req = parse_request(text);
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

caf::behavior protocol(protocol_actor* self, caf::actor supervisor, bool normalized_all) {
  report_unexpected_on_stderr(self);
  self->state.supervisor = std::move(supervisor);
  self->state.normalized_all = normalized_all;
  return {
    [self](const host_line& line) { on_host_line(self, line.text); },
    [self](const usage_totals& totals) { emit(self, totals_line(totals)); },
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

// Blocks SIGTERM/SIGINT in every thread (the runtime's are created after) and returns a
// signalfd that reports them.
int signal_fd() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return signalfd(-1, &set, SFD_CLOEXEC);
}

}  // namespace

int run_sidecar(const sidecar_options& opts) {
  signal(SIGPIPE, SIG_IGN);  // a host that closed stdout makes writes fail, not the runtime die
  int signals = signal_fd();
  runtime rt{opts.runtime};
  // Detached: its own thread, so host commands and pongs never queue behind the sessions'
  // actors on the scheduler, and its blocking writes to stdout hold up no worker.
  auto actor = rt.system().spawn<caf::detached>(protocol, rt.supervisor(), opts.normalized);
  {
    caf::scoped_actor self{rt.system()};
    self->request(rt.supervisor(), command_timeout, subscribe_command{"", actor, true})
      .receive([](const command_ack&) {}, [](const caf::error&) {});
  }
  write_all(ready_line() + "\n");

  std::string pending;
  char buf[65536];
  for (bool done = false; !done;) {
    pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {signals, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[1].revents & POLLIN) break;  // SIGTERM or SIGINT
    if (!(fds[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      done = true;
      if (!pending.empty()) n = 0;
    } else {
      pending.append(buf, static_cast<std::size_t>(n));
    }
    std::size_t start = 0;
    for (std::size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
      std::string line = pending.substr(start, nl - start);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!line.empty()) caf::anon_send<caf::message_priority::high>(actor, host_line{line});
    }
    pending.erase(0, start);
    if (done && !pending.empty())
      caf::anon_send<caf::message_priority::high>(actor, host_line{pending});
  }

  caf::scoped_actor self{rt.system()};
  self->request(actor, opts.runtime.policy.stop_grace + std::chrono::seconds{5}, drain_request{})
    .receive([](const command_ack&) {}, [](const caf::error&) {});
  caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
  close(signals);
  return 0;
}

}  // namespace agentrt::sidecar
