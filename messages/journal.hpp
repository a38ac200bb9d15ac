#pragma once
// Messages to the journal actor (actors/journal.hpp), which writes every numbered event and every
// session record to the journal's SQLite file and reads them back.

#include <caf/actor.hpp>
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "messages/commands.hpp"
#include "messages/events.hpp"

namespace agentrt {

// Remember the latest query of a session, to resume it after a restart (supervisor -> journal).
struct query_recorded {
  query_command query;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, query_recorded& x) {
  return f(caf::meta::type_name("query_recorded"), x.query);
}

// Ask for a session's journaled events with after_seq < seq <= up_to_seq, as one session_events
// reply. Everything the journal received before is written first.
// With known_only, a session the journal has no record of is session_not_found.
struct replay_request {
  std::string session_id;
  std::uint64_t after_seq = 0;
  std::uint64_t up_to_seq = UINT64_MAX;
  bool known_only = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, replay_request& x) {
  return f(caf::meta::type_name("replay_request"), x.session_id, x.after_seq, x.up_to_seq,
           x.known_only);
}

// Ask for the sequence number of a session's last journaled event (a std::uint64_t reply, 0 for
// none): a session that runs again under a journaled id numbers on from there.
struct last_seq_request {
  std::string session_id;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, last_seq_request& x) {
  return f(caf::meta::type_name("last_seq_request"), x.session_id);
}

// Ask for a session's journaled record and latest query (a stored_session reply):
// invalid_command when another runtime that lives runs it now; for a session the journal does
// not know, session_not_found, or with `new_ok` an empty stored_session.
struct stored_query_request {
  std::string session_id;
  bool new_ok = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stored_query_request& x) {
  return f(caf::meta::type_name("stored_query_request"), x.session_id, x.new_ok);
}

struct stored_session {
  session_info info;
  query_command query;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, stored_session& x) {
  return f(caf::meta::type_name("stored_session"), x.info, x.query);
}

// Tell `watcher` of every change of the journal's health (journal_status).
struct journal_watch {
  caf::actor watcher;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, journal_watch& x) {
  return f(caf::meta::type_name("journal_watch"), x.watcher);
}

// Forget these ended sessions, record and events (supervisor -> journal): past_sessions' bound.
// One that is live, or runs again before the journal writes, stays.
struct journal_forget {
  std::vector<std::string> session_ids;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, journal_forget& x) {
  return f(caf::meta::type_name("journal_forget"), x.session_ids);
}

// Write what is pending now; answered with command_ack once it is on disk.
struct journal_flush {};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, journal_flush&) {
  return f(caf::meta::type_name("journal_flush"));
}

// Continue a past session (one in the journal, or a finished live one) with the provider's
// resume: its latest query again, with `prompt` (or "Continue." when empty) and the provider
// session id it last had.
struct resume_command {
  std::string session_id;
  std::string prompt;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, resume_command& x) {
  return f(caf::meta::type_name("resume_command"), x.session_id, x.prompt);
}

// A front door's catch-up: the session's journaled events numbered after `after_seq` (agent
// messages, statuses, costs; not raw lines), as one session_events reply. For a live session the
// reply holds every event published before the command reached it, so that a subscriber of all
// sessions that drops the live events numbered up to the reply's last has neither gap nor
// duplicate. session_not_found when the journal does not know the session; invalid_command
// without a journal.
struct replay_command {
  std::string session_id;
  std::uint64_t after_seq = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, replay_command& x) {
  return f(caf::meta::type_name("replay_command"), x.session_id, x.after_seq);
}

}  // namespace agentrt
