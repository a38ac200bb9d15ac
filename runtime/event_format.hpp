#pragma once
// Session events as text: JSON objects (docs/messages.md) or one readable line each. The CLI's
// NDJSON and the sidecar's normalized events share the JSON fields made here.

#include <nlohmann/json_fwd.hpp>

#include <string>

#include "messages/events.hpp"
#include "messages/journal.hpp"

namespace agentrt {

// The fields of each event, without the session id and the line's kind or type.
// Appends "content":…,"id":…,"parentId":…,"seq":…,"timestamp":…,"type":… (no braces).
void append_message_fields(std::string& out, const agent_message& m);

// {key: tag, "sessionId": id, "status": ..., "generation", "seq", and what else the change
// holds}, in the order of the names; written directly, as two or more come with every session.
std::string status_json_line(const char* key, const char* tag, const status_change& s);

// {key: tag, "sessionId": id, "totalCostUsd": ..., token counts, "turns", "seq"}; written
// directly, without a JSON object: a cost update comes with every assistant line.
std::string cost_json_line(const char* key, const char* tag, const cost_update& c);

// One NDJSON line: {key: tag, "sessionId": id} followed by the fields. The CLI tags with
// "kind", the sidecar with "type".
std::string tagged_line(const char* key, const char* tag, const std::string& session_id,
                        nlohmann::json fields);

// "SIGTERM" for 15; empty for 0 and below.
std::string signal_name(int sig);

// What a person reads of the journal's health.
std::string journal_status_text(const journal_status& j);

std::string to_json_line(const agent_message& m);
std::string to_json_line(const status_change& s);
std::string to_json_line(const cost_update& c);
std::string to_json_line(const log_line& l);

std::string to_text(const agent_message& m);
std::string to_text(const status_change& s);
std::string to_text(const cost_update& c);
std::string to_text(const log_line& l);

// The readable output of a stream of events, as written: consecutive streamed pieces (`delta`) of
// one session's text or thinking join into one paragraph (gemini streams its answer so) instead
// of a line each; any other event closes the paragraph first. Not thread-safe.
class text_stream {
 public:
  template <class Event>
  std::string on(const Event& e) {
    return close() + to_text(e) + "\n";
  }
  std::string on(const agent_message& m);
  // What ends an open paragraph (a newline), or "".
  std::string close();

 private:
  std::string open_;  // "<session> <type>" of the paragraph being written
};

}  // namespace agentrt
