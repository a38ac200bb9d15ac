#pragma once
// Ollama's /api/chat as an agent (seed-runtime.md section 3): no child process, an HTTP stream.
//
// One thread runs every chat with Boost.Beast: GET /api/version (the health check), then a
// streaming POST /api/chat whose NDJSON lines are the agent's stdout, after a synthetic
// {"type":"system","subtype":"init"} line. Failures become an {"error": ...} line and exit code 1:
// an unreachable host (named, with ECONNREFUSED / ECONNRESET / ETIMEDOUT), a non-2xx answer
// ("Ollama error (STATUS): BODY"), a stream that ends without its done line. Any signal cancels a
// chat. A conversation keeps the messages of earlier runs, so a follow-up continues it.
// Knows nothing of actors. Thread-safe.

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "runtime/process/running_agent.hpp"

namespace agentrt::http {

// The messages of one chat, shared by the runs of a session.
class conversation {
 public:
  void add(std::string role, std::string content) {
    std::lock_guard<std::mutex> guard{mutex_};
    messages_.emplace_back(std::move(role), std::move(content));
  }
  std::vector<std::pair<std::string, std::string>> messages() const {
    std::lock_guard<std::mutex> guard{mutex_};
    return messages_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::pair<std::string, std::string>> messages_;
};

struct chat_request {
  std::string host;  // http://HOST[:PORT]
  std::string model;
  std::string session_id;  // for the synthetic init
  std::string cwd;
  std::string system_prompt;
  std::string prompt;
  std::shared_ptr<conversation> history;  // the user prompt and the reply are added to it
};

struct ollama_options {
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds read_timeout{300000};  // silence on the stream before giving up
  std::size_t flow_window_bytes = 1024 * 1024;
};

class ollama_host {
 public:
  explicit ollama_host(ollama_options opts = {});
  // Cancels every chat (their observers get on_exited) and joins the thread.
  ~ollama_host();

  ollama_host(const ollama_host&) = delete;
  ollama_host& operator=(const ollama_host&) = delete;

  void start(chat_request request, std::shared_ptr<process::agent_observer> observer);

 private:
  class impl;
  std::unique_ptr<impl> impl_;
};

// The host for a query: providerConfig.host, else OLLAMA_HOST, else http://127.0.0.1:11434.
std::string ollama_host_for(const std::string& configured, const std::string& env_value);

}  // namespace agentrt::http
