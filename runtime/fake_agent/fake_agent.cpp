// agentrt-fake-agent: a stand-in for an agent CLI. Replays a transcript (any provider's NDJSON;
// the bundled ones are in claude's stream-json format) at a set pace, and misbehaves on request.
//
//   agentrt-fake-agent [--transcript NAME|PATH] [--delay-ms N] [--repeat K]
//                      [--misbehave MODE]... [--prompt TEXT]
//
// --repeat K replays the lines between the first and the last K times (uuids made unique).
// Misbehaviours (combinable):
//   crash            die by SIGSEGV halfway through
//   hang             write the first line, then wait forever
//   ignore-sigterm   ignore SIGTERM (and SIGINT)
//   fork-grandchild  fork a grandchild that keeps stdout/stderr open and sleeps; both pids go to
//                    stderr as "fake-agent: pid PID grandchild PID"
//   huge-line        write a 20 MiB line halfway through, then carry on
//   garbage          write lines that are not JSON halfway through
//   no-newline       end the last line without '\n'
//   no-result        leave out the last line (the result) and exit 0
// Exit status: 1 when the last line reports "is_error":true, else 0.

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "runtime/fake_agent/transcripts.hpp"

namespace {

struct options {
  std::string transcript = "hello";
  int delay_ms = 0;
  long repeat = 1;
  std::set<std::string> misbehave;
};

[[noreturn]] void usage_error(const std::string& what) {
  std::fprintf(stderr, "agentrt-fake-agent: %s\n", what.c_str());
  std::exit(2);
}

options parse(int argc, char** argv) {
  static const std::set<std::string> modes = {"crash",           "hang",      "ignore-sigterm",
                                              "fork-grandchild", "huge-line", "garbage",
                                              "no-newline",      "no-result"};
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage_error(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--transcript") {
      o.transcript = value();
    } else if (arg == "--delay-ms") {
      o.delay_ms = std::atoi(value().c_str());
    } else if (arg == "--repeat") {
      o.repeat = std::atol(value().c_str());
      if (o.repeat < 0) usage_error("--repeat must not be negative");
    } else if (arg == "--misbehave") {
      std::string mode = value();
      if (modes.count(mode) == 0) usage_error("unknown misbehaviour " + mode);
      o.misbehave.insert(mode);
    } else if (arg == "--prompt") {
      value();
    } else {
      usage_error("unknown argument " + arg);
    }
  }
  return o;
}

std::vector<std::string> load(const std::string& name) {
  std::string text;
  for (const auto& t : agentrt::fake::bundled_transcripts())
    if (t.name == name) text = t.text;
  if (text.empty()) {
    std::ifstream in{name};
    if (!in) usage_error("no bundled transcript or file named " + name);
    std::stringstream buf;
    buf << in.rdbuf();
    text = buf.str();
  }
  std::vector<std::string> lines;
  std::istringstream in{text};
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  if (lines.empty()) usage_error("transcript " + name + " is empty");
  return lines;
}

// The body line with its uuid made unique for repetition `round`.
std::string with_round(const std::string& line, long round) {
  if (round == 0) return line;
  const std::string key = "\"uuid\":\"";
  auto at = line.find(key);
  if (at == std::string::npos) return line;
  auto end = line.find('"', at + key.size());
  return line.substr(0, end) + "-r" + std::to_string(round) + line.substr(end);
}

void write_all(const std::string& data) {
  const char* p = data.data();
  std::size_t left = data.size();
  while (left > 0) {
    ssize_t n = write(STDOUT_FILENO, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) std::exit(3);  // the reader is gone
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

void pause_forever() {
  for (;;) pause();
}

}  // namespace

int main(int argc, char** argv) {
  options o = parse(argc, argv);
  auto has = [&](const char* mode) { return o.misbehave.count(mode) > 0; };
  auto lines = load(o.transcript);
  if (has("ignore-sigterm")) {
    signal(SIGTERM, SIG_IGN);
    signal(SIGINT, SIG_IGN);
  }
  if (has("fork-grandchild")) {
    pid_t pid = fork();
    if (pid == 0) pause_forever();  // inherits stdout/stderr and the signal dispositions
    std::fprintf(stderr, "fake-agent: pid %d grandchild %d\n", static_cast<int>(getpid()),
                 static_cast<int>(pid));
    std::fflush(stderr);
  }

  std::vector<std::string> out;
  out.push_back(lines.front());
  for (long round = 0; round < o.repeat && lines.size() > 2; ++round)
    for (std::size_t i = 1; i + 1 < lines.size(); ++i) out.push_back(with_round(lines[i], round));
  bool has_result = lines.size() > 1;
  if (has_result && !has("no-result")) out.push_back(lines.back());
  std::size_t middle = out.size() / 2;

  for (std::size_t i = 0; i < out.size(); ++i) {
    if (i > 0 && o.delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds{o.delay_ms});
    if (i == middle && i > 0) {
      if (has("crash")) {
        signal(SIGSEGV, SIG_DFL);  // a sanitizer's handler would turn the crash into an exit
        raise(SIGSEGV);
      }
      if (has("huge-line")) write_all(std::string(20 * 1024 * 1024, 'x') + "\n");
      if (has("garbage")) write_all("this is not json\n{\"unterminated\": \n\x01\x02\xff\xfe\n");
    }
    bool last = i + 1 == out.size();
    write_all(last && has("no-newline") ? out[i] : out[i] + "\n");
    if (i == 0 && has("hang")) pause_forever();
  }
  bool is_error =
    has_result && !has("no-result") && lines.back().find("\"is_error\":true") != std::string::npos;
  return is_error ? 1 : 0;
}
