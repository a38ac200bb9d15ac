// libFuzzer target: every provider adapter on arbitrary lines. Adapters must never crash or
// throw, and every message they make must carry a JSON object as its content.

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "adapters/adapter.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const char* const providers[] = {"claude", "codex", "gemini", "ollama", "aider"};
  std::string_view input{reinterpret_cast<const char*>(data), size};
  for (const char* provider : providers) {
    auto adapter = agentrt::adapters::make_adapter(provider);
    agentrt::adapters::adapter_output out;
    std::string_view rest = input;
    while (!rest.empty()) {
      auto end = rest.find('\n');
      std::string_view line = rest.substr(0, end);
      rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
      out.clear();
      adapter->on_line(line, out);
      adapter->on_partial(line, out);
      for (const auto& m : out.messages) {
        auto content = nlohmann::json::parse(m.content, nullptr, false);
        if (!content.is_object() || m.type.empty() || m.id.empty()) std::abort();
      }
    }
  }
  return 0;
}
