#pragma once
// Messages between the actors of one session; not part of the public vocabulary but typed and
// serializable like the rest, so that nothing in the chain is special.

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "messages/batch.hpp"
#include "messages/events.hpp"

namespace agentrt {

enum class output_stream : std::uint8_t { out, err };

// Bytes read from one of the child's pipes (I/O thread -> process reader). `charged`: what was
// counted against the child beyond the bytes, for what they will become in memory.
struct output_chunk {
  output_stream stream = output_stream::out;
  std::string bytes;
  std::uint64_t charged = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, output_chunk& x) {
  return f(caf::meta::type_name("output_chunk"), x.stream, x.bytes, x.charged);
}

// A pipe reached end of file, or was closed by the runtime (I/O thread -> process reader).
struct output_closed {
  output_stream stream = output_stream::out;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, output_closed& x) {
  return f(caf::meta::type_name("output_closed"), x.stream);
}

// Complete lines of one stream (process reader -> message adapter), with the pipe credit of the
// bytes they came from, which the adapter hands on with the events it makes of them.
struct output_lines {
  output_stream stream = output_stream::out;
  std::vector<std::string> lines;
  std::shared_ptr<const output_credit> credit;  // a pipe_credit (actors/child_bridge.hpp)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, output_lines& x) {
  return f(caf::meta::type_name("output_lines"), x.stream, x.lines);
}

// The unterminated rest of stdout after a read, when short (process reader -> message adapter):
// an input prompt is written without a newline. Not consumed; it comes again in the next line.
struct output_partial {
  std::string text;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, output_partial& x) {
  return f(caf::meta::type_name("output_partial"), x.text);
}

// A line longer than the limit was skipped (process reader -> message adapter), in its place
// between the batches before and after it.
struct oversize_line {
  output_stream stream = output_stream::out;
  std::uint64_t length = 0;
  std::uint64_t limit = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, oversize_line& x) {
  return f(caf::meta::type_name("oversize_line"), x.stream, x.length, x.limit);
}

// Both pipes are closed and every line was handed on (process reader -> message adapter), then
// published (message adapter -> session).
// last_stderr (added by the message adapter): the run's last stderr line, which says why an
// agent that ends without a result did.
struct output_drained {
  std::uint64_t generation = 0;
  std::string last_stderr;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, output_drained& x) {
  return f(caf::meta::type_name("output_drained"), x.generation, x.last_stderr);
}

// The agent's process was started (I/O layer -> session).
struct child_started {
  std::uint64_t generation = 0;
  std::int32_t pid = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, child_started& x) {
  return f(caf::meta::type_name("child_started"), x.generation, x.pid);
}

// The agent's process could not be started (I/O layer -> session).
struct child_spawn_failed {
  std::uint64_t generation = 0;
  std::string error;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, child_spawn_failed& x) {
  return f(caf::meta::type_name("child_spawn_failed"), x.generation, x.error);
}

// The agent's process exited and was reaped (I/O layer -> session). signal is 0 for a normal exit.
struct child_exited {
  std::uint64_t generation = 0;
  std::int32_t exit_code = -1;
  std::int32_t signal = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, child_exited& x) {
  return f(caf::meta::type_name("child_exited"), x.generation, x.exit_code, x.signal);
}

// What the stream says about the turn (message adapter -> session).
struct turn_event {
  enum kind_t : std::uint8_t { started, ended_ok, ended_error };
  kind_t kind = started;
  std::string error;
  std::string provider_session_id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, turn_event& x) {
  return f(caf::meta::type_name("turn_event"), x.kind, x.error, x.provider_session_id);
}

// The agent's own session id changed (message adapter -> session): the one to resume with.
struct provider_session_seen {
  std::string id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, provider_session_seen& x) {
  return f(caf::meta::type_name("provider_session_seen"), x.id);
}

// Timers. Each carries the generation (run) it was set for, so a timer that outlived its run is
// recognised and ignored.
struct cleanup_tick {
  std::string session_id;
  std::uint64_t generation = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cleanup_tick& x) {
  return f(caf::meta::type_name("cleanup_tick"), x.session_id, x.generation);
}

// The totals changed a while ago: time to tell their followers (supervisor -> itself).
struct totals_tick {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, totals_tick&) {
  return f(caf::meta::type_name("totals_tick"));
}

// The next step of a stop: send `signal` to the run's process group if it still runs.
struct kill_tick {
  std::uint64_t generation = 0;
  std::int32_t signal = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, kill_tick& x) {
  return f(caf::meta::type_name("kill_tick"), x.generation, x.signal);
}

// The output did not close within the drain grace after the process exited (a descendant that
// left the process group holds the pipe).
struct drain_tick {
  std::uint64_t generation = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, drain_tick& x) {
  return f(caf::meta::type_name("drain_tick"), x.generation);
}

// The delay before a failed run is restarted or retried is over (session -> itself). `token`
// tells a recovery that was cancelled (by a stop or a new run) since.
struct recovery_tick {
  std::uint64_t token = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, recovery_tick& x) {
  return f(caf::meta::type_name("recovery_tick"), x.token);
}

// The inactivity watchdog's next look at the run (session -> itself).
struct watchdog_tick {
  std::uint64_t generation = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, watchdog_tick& x) {
  return f(caf::meta::type_name("watchdog_tick"), x.generation);
}

// A stalled run wrote output again (I/O layer -> session).
struct output_resumed {
  std::uint64_t generation = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, output_resumed& x) {
  return f(caf::meta::type_name("output_resumed"), x.generation);
}

// A new run of the session begins (session -> message adapter): a fresh provider adapter.
// resumed_usage: what the earlier runs of the conversation the run resumes used (none: zeros).
struct run_started {
  std::uint64_t generation = 0;
  std::string provider;
  cost_update resumed_usage;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, run_started& x) {
  return f(caf::meta::type_name("run_started"), x.generation, x.provider, x.resumed_usage);
}

// A run of a session whose provider is limited asks the supervisor for a slot (session ->
// supervisor), and is answered with its place: 0 when it may start, else its place in the queue;
// a queued run is sent a 0 once its turn comes.
struct admission_request {
  std::string session_id;
  std::string provider;
  std::uint64_t generation = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, admission_request& x) {
  return f(caf::meta::type_name("admission_request"), x.session_id, x.provider, x.generation);
}

struct admission_reply {
  std::uint64_t generation = 0;
  std::uint32_t queue_position = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, admission_reply& x) {
  return f(caf::meta::type_name("admission_reply"), x.generation, x.queue_position);
}

// Front doors: a line the sidecar read from its host, and the request to stop every session,
// deliver their last events and answer once that is done. A line longer than the limit comes as
// its length alone (oversize_bytes > 0, text empty): its bytes were dropped as they came.
struct host_line {
  std::string text;
  std::uint64_t oversize_bytes = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, host_line& x) {
  return f(caf::meta::type_name("host_line"), x.text, x.oversize_bytes);
}

struct drain_request {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, drain_request&) {
  return f(caf::meta::type_name("drain_request"));
}

}  // namespace agentrt
