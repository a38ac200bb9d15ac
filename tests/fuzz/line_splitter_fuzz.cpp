// libFuzzer target: the line splitter on arbitrary bytes in arbitrary chunks. Checks that no line
// holds a newline or exceeds the limit, and that every byte is accounted for, in a line or in an
// oversize report.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "runtime/process/line_splitter.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  // The first byte picks the limit, the second the chunk size; the rest is the stream.
  std::size_t limit = 1 + data[0] % 64;
  std::size_t chunk = 1 + data[1] % 32;
  std::string_view stream{reinterpret_cast<const char*>(data + 2), size - 2};
  agentrt::process::line_splitter splitter{limit};
  std::size_t accounted = 0;
  auto on_line = [&](std::string_view line) {
    if (line.find('\n') != std::string_view::npos || line.size() > limit) std::abort();
    accounted += line.size();
  };
  auto on_oversize = [&](std::size_t length) {
    if (length <= limit) std::abort();
    accounted += length;
  };
  for (std::size_t at = 0; at < stream.size(); at += chunk)
    splitter.feed(stream.substr(at, chunk), on_line, on_oversize);
  splitter.finish(on_line, on_oversize);
  // Every byte is in a line or an oversize report, except newlines and the '\r' a line may end
  // with; none is made up.
  std::size_t newlines = 0, returns = 0;
  for (char c : stream) newlines += c == '\n', returns += c == '\r';
  if (accounted + newlines > stream.size() || accounted + newlines + returns < stream.size())
    std::abort();
  return 0;
}
