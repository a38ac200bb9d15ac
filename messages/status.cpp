#include "messages/status.hpp"

namespace agentrt {

std::string_view to_string(session_status s) {
  switch (s) {
    case session_status::starting:
      return "starting";
    case session_status::running:
      return "running";
    case session_status::idle:
      return "idle";
    case session_status::done:
      return "done";
    case session_status::error:
      return "error";
    case session_status::stopped:
      return "stopped";
  }
  return "unknown";
}

bool is_terminal(session_status s) {
  return s == session_status::done || s == session_status::error || s == session_status::stopped;
}

}  // namespace agentrt
