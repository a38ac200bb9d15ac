#pragma once
// `agentrt sidecar` as a host runs it: a child process spoken to in NDJSON on stdin and stdout.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "support/cli_process.hpp"

namespace agentrt::test {

// A sidecar whose fake provider binary is the build's; reads its ready line.
struct sidecar {
  explicit sidecar(std::vector<std::string> extra = {}, cli_options opts = {})
      : proc(args(std::move(extra)), with_stdin(opts)) {
    nlohmann::json ready = next();
    EXPECT_EQ(ready["type"], "ready");
  }
  static std::vector<std::string> args(std::vector<std::string> extra) {
    std::vector<std::string> a = {"sidecar"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
  static cli_options with_stdin(cli_options o) {
    o.stdin_pipe = true;
    return o;
  }
  void send(const nlohmann::json& j) { proc.write(j.dump() + "\n"); }
  void send_raw(const std::string& line) { proc.write(line + "\n"); }
  nlohmann::json next() {
    std::string line;
    if (!proc.read_line(line)) return nlohmann::json{{"type", "<eof>"}};
    return nlohmann::json::parse(line);
  }
  // Reads until `done` holds for a line; returns every line read.
  template <class Pred>
  std::vector<nlohmann::json> until(Pred done) {
    std::vector<nlohmann::json> seen;
    for (;;) {
      nlohmann::json j = next();
      seen.push_back(j);
      if (j["type"] == "<eof>" || done(j)) return seen;
    }
  }
  cli_process proc;
};

inline nlohmann::json fake_query(const std::string& id,
                                 nlohmann::json config = nlohmann::json::object()) {
  return {{"type", "query"},
          {"sessionId", id},
          {"prompt", "p"},
          {"provider", "fake"},
          {"providerConfig", config}};
}

}  // namespace agentrt::test
