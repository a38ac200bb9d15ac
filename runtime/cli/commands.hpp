#pragma once
// The CLI's commands. Each returns the process exit status.

#include <string>
#include <vector>

#include "runtime/runtime.hpp"

namespace agentrt::cli {

struct run_options {
  std::string provider = "fake";
  bool json = false;
  std::string cwd;
  std::string model;
  std::string provider_config;
  int sessions = 1;  // each prompt runs in this many sessions
  std::vector<std::string> prompts;
  runtime_options runtime;  // with cluster.nodes, the sessions run there
};

int run_command(const run_options& opts);

struct demo_options {
  bool json = false;
};

int demo_command(const demo_options& opts);

struct parse_options {
  std::string provider = "claude";
  std::string input = "-";
  std::string session_id;
};

// Normalizes a recorded transcript to NDJSON on stdout.
int parse_command(const parse_options& opts);

}  // namespace agentrt::cli
