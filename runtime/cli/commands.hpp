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
  std::string permission_mode;
  // The sessions' id: ID for one, ID-1 ... ID-N for several; empty: a new unique one
  // (run-YYYYMMDD-HHMMSS-XXXX), so that each invocation is a session of its own in the journal.
  std::string session_id;
  int sessions = 1;  // each prompt runs in this many sessions
  std::vector<std::string> prompts;
  runtime_options runtime;  // with cluster.nodes, the sessions run there
};

int run_command(const run_options& opts);

// run-YYYYMMDD-HHMMSS-XXXX: the time (UTC) and 16 random bits.
std::string fresh_session_id();

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

// Prints the sessions the journal in state_dir remembers (agentrt list).
struct list_options {
  std::string state_dir;
  bool json = false;
};

int list_sessions_command(const list_options& opts);

// Continues a journaled session with the provider's resume (agentrt resume).
struct resume_options {
  std::string session_id;
  std::string prompt;  // empty: "Continue."
  bool json = false;
  runtime_options runtime;
};

int resume_session_command(const resume_options& opts);

}  // namespace agentrt::cli
