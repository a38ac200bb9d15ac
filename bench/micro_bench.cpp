// Micro benchmarks of the hot path's pure parts: line splitting, each adapter with a real
// capture, and CAF's binary serialization of a normalized message (what crosses a node link).
//   ./build/agentrt_micro_bench [--benchmark_format=json]
// Each reports bytes/s (MB/s) and items/s (lines/s, messages/s). The adapters run on the real
// CLI captures in ../shared/fixtures/real-cli (claude, codex, gemini; there is no capture of
// ollama or aider); claude falls back to the fake agent's bundled transcript without them.

#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

#include "adapters/adapter.hpp"
#include "adapters/error_class.hpp"
#include "adapters/json_text.hpp"
#include "messages/inspect.hpp"
#include "runtime/process/line_splitter.hpp"

namespace {

std::vector<std::string> capture_lines(const std::string& provider) {
  std::vector<std::string> lines;
  std::filesystem::path dir = std::filesystem::path{AGENTRT_SHARED_DIR} / "fixtures" / "real-cli";
  std::vector<std::filesystem::path> files;
  if (std::filesystem::is_directory(dir))
    for (const auto& e : std::filesystem::directory_iterator{dir})
      if (e.path().filename().string().rfind(provider + "-", 0) == 0 &&
          e.path().extension() == ".stdout")
        files.push_back(e.path());
  if (provider == "claude") files.push_back(AGENTRT_TRANSCRIPT);
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
  while (stream.size() < (4u << 20)) stream += joined(capture_lines("claude"));
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

// One provider's adapter over `lines`, fresh per pass (its state starts empty).
void adapter_passes(benchmark::State& state, const std::string& provider,
                    const std::vector<std::string>& lines) {
  std::size_t bytes = 0;
  for (const auto& l : lines) bytes += l.size();
  agentrt::adapters::adapter_output out;
  for (auto _ : state) {
    auto adapter = agentrt::adapters::make_adapter(provider);
    for (const auto& l : lines) {
      out.clear();
      adapter->on_line(l, out);
      benchmark::DoNotOptimize(out.messages.data());
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * lines.size()));
}

// Over the provider's real CLI captures.
void BM_Adapter(benchmark::State& state, const std::string& provider) {
  adapter_passes(state, provider, capture_lines(provider));
}
BENCHMARK_CAPTURE(BM_Adapter, claude, std::string{"claude"});
BENCHMARK_CAPTURE(BM_Adapter, codex, std::string{"codex"});
BENCHMARK_CAPTURE(BM_Adapter, gemini, std::string{"gemini"});

// An error-heavy stream: each agent's error text is classified (rate limit, auth, ...) to decide
// on a retry; these are the kinds of texts the CLIs print.
void BM_ClassifyError(benchmark::State& state) {
  const std::vector<std::string> texts = {
    "API Error: 429 {\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\"}}",
    "API Error: 529 {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\"}}",
    "Invalid API key · Please run /login",
    "stream error: stream disconnected before completion: error sending request for url "
    "(https://api.openai.com/v1/responses): connection closed before message completed",
    "Ollama at http://127.0.0.1:34291 is not reachable: ECONNREFUSED",
    "You exceeded your current quota, please check your plan and billing details.",
    "Tool execution failed: command exited with status 1: No such file or directory",
    std::string(2000, 'x') + " something else broke after a long tool output"};
  std::size_t bytes = 0;
  for (const auto& t : texts) bytes += t.size();
  for (auto _ : state)
    for (const auto& t : texts) benchmark::DoNotOptimize(agentrt::adapters::classify_error(t));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * texts.size()));
}
BENCHMARK(BM_ClassifyError);

// aider's console, answer and summary lines (it has no capture): the summary line is parsed for
// tokens and cost.
void BM_AiderConsole(benchmark::State& state) {
  const std::vector<std::string> lines = {
    "I'll add the function to utils.py.",
    "```python",
    "def add(a, b):",
    "    return a + b",
    "```",
    "Applied edit to utils.py",
    "Tokens: 1.2k sent, 320 received. Cost: $0.0042 message, $0.0126 session."};
  adapter_passes(state, "aider", lines);
}
BENCHMARK(BM_AiderConsole);

// A JSON string literal of an agent's text (what the adapters and the sidecar write for every
// message): plain text, and text with a newline every 80 bytes and some non-ASCII.
void BM_AppendQuoted(benchmark::State& state) {
  std::string text;
  for (int i = 0; i < 10; ++i)
    text += state.range(0) == 0 ? std::string(80, 'x') : std::string(76, 'x') + "\xc3\xa9\n";
  std::string out;
  for (auto _ : state) {
    out.clear();
    agentrt::adapters::append_quoted(out, text);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_AppendQuoted)->Arg(0)->Arg(1);

// A text message as the claude adapter makes it from a ~600-byte line, to bytes and back.
void BM_CafSerializeMessage(benchmark::State& state) {
  agentrt::agent_message m;
  m.id = "0b7c3f9e-5d1a-4c2b-9e8f-2a6d4b1c3e5f-text-0";
  m.session_id = "bench-42";
  m.type = "text";
  m.content = R"({"text":")" + std::string(450, 'x') + R"("})";
  m.timestamp_ms = 1763700000000;
  m.seq = 7;
  std::vector<char> buf;
  std::size_t bytes = 0;
  for (auto _ : state) {
    buf.clear();
    caf::binary_serializer sink{nullptr, buf};
    if (auto err = sink(m)) state.SkipWithError("serialize");
    agentrt::agent_message back;
    caf::binary_deserializer source{nullptr, buf};
    if (auto err = source(back)) state.SkipWithError("deserialize");
    benchmark::DoNotOptimize(back.content.data());
    bytes += buf.size();
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_CafSerializeMessage);

}  // namespace

BENCHMARK_MAIN();
