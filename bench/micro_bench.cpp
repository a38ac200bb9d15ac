// Micro benchmarks of the hot path's pure parts: line splitting and the claude adapter.
//   ./build/bench/agentrt_micro_bench [--benchmark_format=json]
// Each reports bytes/s (MB/s) and items/s (lines/s). The adapter runs on the real claude captures
// in ../shared/fixtures/real-cli when present, else on the fake agent's bundled transcript.

#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "adapters/claude_adapter.hpp"
#include "runtime/process/line_splitter.hpp"

namespace {

std::vector<std::string> claude_lines() {
  std::vector<std::string> lines;
  std::filesystem::path dir = std::filesystem::path{AGENTRT_SHARED_DIR} / "fixtures" / "real-cli";
  std::vector<std::filesystem::path> files;
  if (std::filesystem::is_directory(dir))
    for (const auto& e : std::filesystem::directory_iterator{dir})
      if (e.path().filename().string().rfind("claude-", 0) == 0 &&
          e.path().extension() == ".stdout")
        files.push_back(e.path());
  files.push_back(AGENTRT_TRANSCRIPT);
  for (const auto& f : files) {
    std::ifstream in{f};
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string all;
  for (const auto& l : lines) all += l + "\n";
  return all;
}

// Splits the captures' bytes fed in reads of state.range(0) bytes.
void BM_LineSplitter(benchmark::State& state) {
  std::string stream;
  while (stream.size() < (4u << 20)) stream += joined(claude_lines());
  const auto read_size = static_cast<std::size_t>(state.range(0));
  std::size_t lines = 0;
  for (auto _ : state) {
    agentrt::process::line_splitter splitter{10 << 20};
    for (std::size_t at = 0; at < stream.size(); at += read_size)
      splitter.feed(
        std::string_view{stream}.substr(at, read_size),
        [&](std::string_view l) { benchmark::DoNotOptimize(l.data()), ++lines; },
        [](std::size_t) {});
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * stream.size()));
  state.SetItemsProcessed(static_cast<int64_t>(lines));
}
BENCHMARK(BM_LineSplitter)->Arg(4096)->Arg(65536);

void BM_ClaudeAdapter(benchmark::State& state) {
  auto lines = claude_lines();
  std::size_t bytes = 0;
  for (const auto& l : lines) bytes += l.size();
  agentrt::adapters::adapter_output out;
  for (auto _ : state) {
    agentrt::adapters::claude_adapter adapter;
    for (const auto& l : lines) {
      out.clear();
      adapter.on_line(l, out);
      benchmark::DoNotOptimize(out.messages.data());
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * lines.size()));
}
BENCHMARK(BM_ClaudeAdapter);

}  // namespace

BENCHMARK_MAIN();
