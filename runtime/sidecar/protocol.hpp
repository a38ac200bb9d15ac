#pragma once
// The stdio NDJSON protocol of the seed's sidecar (docs/protocol.md): parsing the host's lines
// and formatting the runtime's. Pure functions; no actors, no I/O.

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "messages/commands.hpp"
#include "messages/events.hpp"
#include "messages/journal.hpp"

namespace agentrt::sidecar {

constexpr int protocol_version = 1;

struct ping_request {};
struct list_request {};
struct totals_request {};
// Each option the line names is set; the others stay as they were.
struct options_request {
  std::optional<bool> normalized;  // agent_message, status and cost events for every session
  std::optional<bool> totals;      // a totals event whenever the usage totals changed
  std::optional<bool> raw;         // agent_event lines (the agents' own); on unless turned off
};
struct query_request {
  query_command query;
  bool normalized = false;  // the same, for this session
  std::optional<bool> raw;  // agent_event lines for this session; unset: as the options say
};
struct stop_request {
  std::string session_id;
};
struct prompt_request {
  std::string session_id;
  std::string prompt;
};
struct interrupt_request {
  std::string session_id;
};
// Continue an ended or journaled session with the provider's resume (prompt: "Continue." if none).
struct resume_request {
  std::string session_id;
  std::string prompt;
};
// The session's journaled normalized events after `after_seq`, then its live ones.
struct replay_since_request {
  std::string session_id;
  std::uint64_t after_seq = 0;
};
// A line that is not a valid request; answered with an error line.
struct bad_request {
  std::string session_id;  // when the line named one
  std::string message;
};

using request = std::variant<ping_request, list_request, totals_request, options_request,
                             query_request, stop_request, prompt_request, interrupt_request,
                             resume_request, replay_since_request, bad_request>;

// Never throws: anything that is not a valid request is a bad_request naming the problem.
// `id`, when given, receives the line's "id" (a string or a number) as JSON text, "" for none:
// every reply to the line carries it (with_id).
request parse_request(std::string_view line, std::string* id = nullptr);

// Output lines, each a JSON object without the trailing newline. The two written for every line
// of an agent's output are appended to the caller's buffer instead of returned.
std::string ready_line();
std::string pong_line();
// `line` with "id":<id> added (id: JSON text); `line` itself when id is "".
std::string with_id(std::string line, const std::string& id);
// The answer to a command with an id that was accepted; a replay's also says up to where.
std::string ok_line(const std::string& id, const std::string& session_id,
                    std::optional<std::uint64_t> last_seq = std::nullopt);
std::string error_line(const std::string& session_id, const std::string& message);
std::string agent_started_line(const std::string& session_id);
void append_agent_event_line(std::string& out, const raw_line& raw);
std::string agent_log_line(const log_line& log);
std::string agent_error_line(const std::string& session_id, const std::string& message);
std::string agent_stopped_line(const status_change& status);
void append_agent_message_line(std::string& out, const agent_message& m);
std::string status_line(const status_change& s);
std::string cost_line(const cost_update& c);
std::string sessions_line(const session_list& list);
std::string totals_line(const usage_totals& totals);
std::string journal_line(const journal_status& status);

}  // namespace agentrt::sidecar
