#include "messages/status.hpp"

#include <array>

namespace agentrt {

namespace {
constexpr std::array<std::string_view, 10> names{"starting", "running", "idle",   "done",
                                                 "error",    "stopped", "queued", "interrupted",
                                                 "stalled",  "retrying"};
}

std::string_view to_string(session_status s) {
  auto i = static_cast<std::size_t>(s);
  return i < names.size() ? names[i] : "unknown";
}

std::optional<session_status> status_from_string(std::string_view text) {
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == text) return static_cast<session_status>(i);
  return std::nullopt;
}

bool is_terminal(session_status s) {
  return s == session_status::done || s == session_status::error || s == session_status::stopped ||
         s == session_status::interrupted;
}

}  // namespace agentrt
