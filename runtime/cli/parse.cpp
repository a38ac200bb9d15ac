#include <fstream>
#include <iostream>

#include "adapters/adapter.hpp"
#include "runtime/cli/commands.hpp"
#include "runtime/event_format.hpp"
#include "runtime/process/line_splitter.hpp"

namespace agentrt::cli {

int parse_command(const parse_options& opts) {
  auto adapter = adapters::make_adapter(opts.provider);
  if (!adapter) {
    std::cerr << "agentrt parse: unknown provider \"" << opts.provider << "\"\n";
    return 2;
  }
  std::ifstream file;
  if (opts.input != "-") {
    file.open(opts.input, std::ios::binary);
    if (!file) {
      std::cerr << "agentrt parse: cannot open " << opts.input << '\n';
      return 2;
    }
  }
  std::istream& in = opts.input == "-" ? std::cin : file;
  constexpr std::size_t max_line = 10 * 1024 * 1024;
  process::line_splitter splitter{max_line};
  adapters::adapter_output out;
  std::uint64_t seq = 0;
  auto print = [&](agent_message m) {
    m.session_id = opts.session_id;
    m.seq = ++seq;
    std::cout << to_json_line(m) << '\n';
  };
  auto on_line = [&](std::string_view line) {
    out.clear();
    adapter->on_line(line, out);
    for (auto& m : out.messages) print(std::move(m));
  };
  auto on_oversize = [&](std::size_t length) {
    print(adapters::make_error_message("skipped a line of " + std::to_string(length) +
                                       " bytes: longer than the limit of " +
                                       std::to_string(max_line) + " bytes"));
  };
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0)
    splitter.feed({buf, static_cast<std::size_t>(in.gcount())}, on_line, on_oversize);
  splitter.finish(on_line, on_oversize);
  return 0;
}

}  // namespace agentrt::cli
