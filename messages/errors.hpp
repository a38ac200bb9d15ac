#pragma once
// The runtime's error codes, carried by caf::error replies with a human-readable context text.

#include <caf/error.hpp>

#include <cstdint>
#include <string>

namespace agentrt {

enum class errc : std::uint8_t {
  duplicate_session = 1,  // a query for a session id that is running
  session_not_found,      // a command for an unknown session id
  session_not_running,    // stop or prompt for a session that has ended
  invalid_command,        // a command with missing or ill-formed fields
  session_busy,           // a prompt for a session in the middle of a turn that cannot queue it
  node_unreachable,       // through a coordinator: the session's node (or every node) is gone
};

const char* to_string(errc e);

// A caf::error in the "agentrt" category whose context is `text`.
caf::error make_error(errc e, std::string text);

// `what` ("replay", "subscribe") refused by a runtime that runs without a journal.
caf::error no_journal_error(const std::string& what);

// Whether `e` is the runtime's error `code` (whatever its text).
bool is(const caf::error& e, errc code);

// The text of an error made by make_error, or CAF's rendering of any other error.
std::string error_text(const caf::error& e);

}  // namespace agentrt
