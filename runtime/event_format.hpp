#pragma once
// Session events as text: NDJSON objects (docs/messages.md) or one readable line each.

#include <string>

#include "messages/events.hpp"

namespace agentrt {

std::string to_json_line(const agent_message& m);
std::string to_json_line(const status_change& s);
std::string to_json_line(const cost_update& c);
std::string to_json_line(const log_line& l);

std::string to_text(const agent_message& m);
std::string to_text(const status_change& s);
std::string to_text(const cost_update& c);
std::string to_text(const log_line& l);

}  // namespace agentrt
