#pragma once
// Locating ../shared (fixtures of the real CLIs). Tests that need it skip when it is absent.

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace agentrt::test {

inline std::filesystem::path shared_dir() {
  return AGENTRT_SHARED_DIR;
}

inline std::filesystem::path fixtures_dir() {
  return shared_dir() / "fixtures" / "real-cli";
}

inline std::vector<std::string> read_lines(const std::filesystem::path& file) {
  std::ifstream in{file};
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

// The fixture files of one provider's captures in its streaming format: <provider>-*.stdout,
// sorted. The JSON-RPC dialogues (codex app-server, ACP) are another protocol and are left out.
inline std::vector<std::filesystem::path> captures(const std::string& provider) {
  std::vector<std::filesystem::path> files;
  if (!std::filesystem::is_directory(fixtures_dir())) return files;
  for (const auto& entry : std::filesystem::directory_iterator{fixtures_dir()}) {
    auto name = entry.path().filename().string();
    bool json_rpc =
      name.find("-app-server-") != std::string::npos || name.find("-acp-") != std::string::npos;
    if (name.rfind(provider + "-", 0) == 0 && entry.path().extension() == ".stdout" && !json_rpc)
      files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace agentrt::test

#define AGENTRT_REQUIRE_SHARED()                                                         \
  do {                                                                                   \
    if (!std::filesystem::is_directory(::agentrt::test::fixtures_dir()))                 \
      GTEST_SKIP() << "../shared is absent (" << ::agentrt::test::fixtures_dir() << ")"; \
  } while (false)
