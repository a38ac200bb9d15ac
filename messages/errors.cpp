#include "messages/errors.hpp"

#include <caf/atom.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>

namespace agentrt {

namespace {
constexpr caf::atom_value error_category = caf::atom("agentrt");
}

const char* to_string(errc e) {
  switch (e) {
    case errc::duplicate_session:
      return "duplicate_session";
    case errc::session_not_found:
      return "session_not_found";
    case errc::session_not_running:
      return "session_not_running";
    case errc::invalid_command:
      return "invalid_command";
    case errc::session_busy:
      return "session_busy";
    case errc::node_unreachable:
      return "node_unreachable";
  }
  return "unknown";
}

caf::error make_error(errc e, std::string text) {
  return caf::error{static_cast<std::uint8_t>(e), error_category,
                    caf::make_message(std::move(text))};
}

caf::error no_journal_error(const std::string& what) {
  return make_error(errc::invalid_command,
                    what + ": a replay needs the journal, and this runtime runs without one");
}

bool is(const caf::error& e, errc code) {
  return e.category() == error_category && e.code() == static_cast<std::uint8_t>(code);
}

std::string error_text(const caf::error& e) {
  if (!e) return "no error";  // CAF 0.17's category() of an empty error reads a null pointer
  if (e.category() == error_category && e.context().match_elements<std::string>())
    return e.context().get_as<std::string>(0);
  return caf::to_string(e);
}

}  // namespace agentrt
