// libFuzzer target: the sidecar's request parser on arbitrary lines. It must never crash or
// throw: anything that is not a valid request is a bad_request naming its problem.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "runtime/sidecar/protocol.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto request = agentrt::sidecar::parse_request({reinterpret_cast<const char*>(data), size});
  if (auto* bad = std::get_if<agentrt::sidecar::bad_request>(&request); bad && bad->message.empty())
    std::abort();
  return 0;
}
