#pragma once
// The provider adapter contract: one line of a provider's stdout in, normalized messages out.
//
// Adapters are small state machines (ids, cost totals) with no I/O and no actors: testable with a
// string. They never throw; malformed input becomes an `error` message. One instance per agent
// process; not thread-safe.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "messages/events.hpp"
#include "messages/internal.hpp"

namespace agentrt::adapters {

// What one line produced. Messages carry id, type, parent_id, content and timestamp; the caller
// fills session_id and seq.
struct adapter_output {
  std::vector<agent_message> messages;
  std::optional<turn_event> turn;   // the stream says a turn started or ended
  std::optional<cost_update> cost;  // cumulative totals, when they changed
  std::string provider_session_id;  // when the line carried one
  bool json_line = false;           // the line was a JSON object

  void clear() {
    json_line = false;
    messages.clear();
    turn.reset();
    cost.reset();
    provider_session_id.clear();
  }
};

class provider_adapter {
 public:
  virtual ~provider_adapter() = default;

  // Normalizes one line; a turn event carries the latest provider session id seen so far.
  void on_line(std::string_view line, adapter_output& out) {
    parse(line, out);
    if (!out.provider_session_id.empty()) session_id_ = out.provider_session_id;
    if (out.turn) out.turn->provider_session_id = session_id_;
  }

  // The unterminated rest of stdout after a read (say, an input prompt written without a
  // newline). It is not consumed: it arrives again as the start of the next line.
  virtual void on_partial(std::string_view /*pending*/, adapter_output& /*out*/) {}

  // The run resumes a conversation whose earlier runs used `before` (their cost updates, summed).
  // An agent that reports running totals for the whole conversation (codex's thread) counts from
  // there; the others ignore it.
  virtual void resume_usage(const cost_update& /*before*/) {}

 protected:
  virtual void parse(std::string_view line, adapter_output& out) = 0;

 private:
  std::string session_id_;
};

// A normalized `error` message {message: text} with a fresh id, for errors the runtime itself
// reports in a session's stream (e.g. a skipped oversize line).
agent_message make_error_message(const std::string& text);

// The adapter for a provider's stream format, or nullptr for an unknown provider.
// "fake" speaks claude's format.
std::unique_ptr<provider_adapter> make_adapter(const std::string& provider);

}  // namespace agentrt::adapters
