// agentrt-fake-agent: a stand-in for an agent CLI. Replays a transcript (any provider's NDJSON;
// the bundled ones are in claude's stream-json format) at a set pace, and misbehaves on request.
//
//   agentrt-fake-agent [--transcript NAME|PATH] [--delay-ms N] [--repeat K] [--resume ID]
//                      [--misbehave MODE]... [--prompt TEXT | --input-format stream-json]
//
// --repeat K replays the lines between the first and the last K times (uuids made unique).
// --resume ID puts ID as the session_id of every line (as a resumed conversation keeps its id).
// --input-format stream-json: like claude, reads NDJSON from stdin; each user message replays the
// transcript as one turn (queued messages run one after the other), a control_request interrupt
// is answered with a control_response and ends the running turn with an error_during_execution
// result; at end of input the process exits once the running turn is over.
// Misbehaviours (combinable):
//   crash            die by SIGSEGV halfway through
//   hang             write the first line, then wait forever
//   linger           write every line, the result too, then wait forever instead of exiting
//   ignore-sigterm   ignore SIGTERM (and SIGINT)
//   fork-grandchild  fork a grandchild that keeps stdout/stderr open and sleeps; both pids go to
//                    stderr as "fake-agent: pid PID grandchild PID"
//   escape-grandchild  the same, but the grandchild calls setsid() (it leaves the agent's
//                    process group and session, as a daemonizing tool does), closes stdout and
//                    stderr and ignores SIGTERM and SIGHUP
//   huge-line        write a 20 MiB line halfway through, then carry on
//   garbage          write lines that are not JSON halfway through
//   no-newline       end the last line without '\n'
//   no-result        leave out the last line (the result) and exit 0
//   burst            hold every line back and write them all with one write(2) at the end, as a
//                    block-buffered stdout does (one read then sees several lines)
// Exit status: 1 when the last line reports "is_error":true, else 0.
//
// Run under the name "aider" (a link), it plays aider's console instead, whatever its arguments:
// startup lines, then for each stdin line an answer with THINKING/ANSWER sections, a shell
// command in a fence, a dropped "Applied edit" line and a Tokens/Cost line whose session figure
// adds up, each followed by the prompt "> " without a newline; "/exit" or end of input quits.

#include <fcntl.h>
#include <poll.h>
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
#include <utility>
#include <vector>

#include "runtime/fake_agent/transcripts.hpp"

namespace {

struct options {
  std::string transcript = "hello";
  int delay_ms = 0;
  long repeat = 1;
  std::string resume;
  bool stream_input = false;
  std::set<std::string> misbehave;
};

[[noreturn]] void usage_error(const std::string& what) {
  std::fprintf(stderr, "agentrt-fake-agent: %s\n", what.c_str());
  std::exit(2);
}

options parse(int argc, char** argv) {
  static const std::set<std::string> modes = {"crash",
                                              "hang",
                                              "linger",
                                              "ignore-sigterm",
                                              "fork-grandchild",
                                              "escape-grandchild",
                                              "huge-line",
                                              "garbage",
                                              "no-newline",
                                              "no-result",
                                              "burst"};
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
    } else if (arg == "--resume") {
      o.resume = value();
    } else if (arg == "--input-format") {
      if (value() != "stream-json") usage_error("--input-format takes stream-json");
      o.stream_input = true;
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

// The line with `tag` appended to its uuid (repeated lines must not share ids).
std::string with_uuid_tag(const std::string& line, const std::string& tag) {
  const std::string key = "\"uuid\":\"";
  auto at = line.find(key);
  if (at == std::string::npos) return line;
  auto end = line.find('"', at + key.size());
  return line.substr(0, end) + tag + line.substr(end);
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

// `line` with the value of its first "key":"..." replaced.
std::string with_field(const std::string& line, const std::string& key, const std::string& value) {
  const std::string prefix = "\"" + key + "\":\"";
  auto at = line.find(prefix);
  if (at == std::string::npos) return line;
  auto start = at + prefix.size();
  auto end = line.find('"', start);
  return line.substr(0, start) + value + line.substr(end);
}

// Reads stdin line by line with a timeout (stream-json input mode).
class stdin_lines {
 public:
  // A complete line, or false after timeout_ms (-1: no timeout) or at end of input.
  bool next(std::string& line, int timeout_ms) {
    for (;;) {
      if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
        line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return true;
      }
      if (eof_) return false;
      pollfd p{STDIN_FILENO, POLLIN, 0};
      int ready = poll(&p, 1, timeout_ms);
      if (ready < 0 && errno == EINTR) continue;
      if (ready <= 0) return false;
      char buf[65536];
      ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0)
        eof_ = true;
      else
        buffer_.append(buf, static_cast<std::size_t>(n));
    }
  }
  bool eof() const { return eof_ && buffer_.find('\n') == std::string::npos; }

 private:
  std::string buffer_;
  bool eof_ = false;
};

// The lines a stream-json input turn writes when interrupted.
std::vector<std::string> interrupted_turn(const std::string& session_id) {
  return {
    R"({"type":"user","message":{"role":"user","content":[{"type":"text","text":"[Request interrupted by user]"}]},"parent_tool_use_id":null,"session_id":")" +
      session_id + R"(","uuid":"fa0000ff-0000-4000-8000-000000000001"})",
    R"({"type":"result","subtype":"error_during_execution","is_error":true,"duration_ms":0,"num_turns":0,"session_id":")" +
      session_id +
      R"(","total_cost_usd":0,"usage":{"input_tokens":0,"output_tokens":0},"terminal_reason":"aborted_streaming","errors":["Request interrupted by user"],"uuid":"fa0000ff-0000-4000-8000-000000000002"})"};
}

std::string session_id_of(const std::string& line) {
  const std::string prefix = "\"session_id\":\"";
  auto at = line.find(prefix);
  if (at == std::string::npos) return {};
  auto start = at + prefix.size();
  return line.substr(start, line.find('"', start) - start);
}

// Stream-json input mode: one turn per user message, until end of input. Returns the exit code.
int serve_stdin_turns(const std::vector<std::string>& turn, int delay_ms) {
  stdin_lines in;
  int pending_turns = 0;
  bool last_failed = false;
  auto handle = [&](const std::string& line, bool in_turn) -> bool {  // true: interrupt the turn
    if (line.find("\"type\":\"user\"") != std::string::npos) {
      ++pending_turns;
      return false;
    }
    if (line.find("\"type\":\"control_request\"") != std::string::npos) {
      const std::string key = "\"request_id\":\"";
      auto at = line.find(key);
      std::string id =
        at == std::string::npos
          ? ""
          : line.substr(at + key.size(), line.find('"', at + key.size()) - at - key.size());
      write_all(R"({"type":"control_response","response":{"subtype":"success","request_id":")" +
                id + "\"}}\n");
      return in_turn;
    }
    std::fprintf(stderr, "Error parsing streaming input line: %s\n", line.c_str());
    std::exit(1);
  };
  std::string line;
  for (int turns = 0;; ++turns) {
    while (pending_turns == 0) {
      if (!in.next(line, -1)) return last_failed ? 1 : 0;
      handle(line, false);
    }
    --pending_turns;
    bool interrupted = false;
    for (std::size_t i = 0; i < turn.size() && !interrupted; ++i) {
      if (i > 0)
        while (!interrupted && in.next(line, delay_ms)) interrupted = handle(line, true);
      if (interrupted) break;
      write_all((turns == 0 ? turn[i] : with_uuid_tag(turn[i], "-t" + std::to_string(turns))) +
                "\n");
    }
    if (interrupted)
      for (const auto& l : interrupted_turn(session_id_of(turn.front()))) write_all(l + "\n");
    last_failed = interrupted || turn.back().find("\"is_error\":true") != std::string::npos;
    while (in.next(line, 0)) handle(line, false);
  }
}

int fake_aider() {
  write_all(
    "Aider v0.86.1\nMain model: openrouter/anthropic/claude-sonnet-4 with diff edit format\n"
    "Weak model: openrouter/anthropic/claude-3-5-haiku\nGit repo: none\nRepo-map: disabled\n"
    "Use /help <question> for help, run \"aider --help\" to see cmd line args\n\n> ");
  stdin_lines in;
  std::string line;
  for (int turn = 1; in.next(line, -1); ++turn) {
    if (line == "/exit") return 0;
    char cost[160];
    std::snprintf(cost, sizeof cost,
                  "Tokens: 1.2k sent, 320 received. Cost: $0.0042 message, $%.4f session.\n",
                  0.0042 * turn);
    write_all("\u25BA THINKING\n\nThe user asked: " + line +
              "\n\n\u25BA ANSWER\n\nI will list the files first.\n\n```bash\nls -la\n```\n\n"
              "Applied edit to main.py\n" +
              cost + "\n> ");
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string name = argv[0];
  if (name.substr(name.rfind('/') + 1) == "aider") return fake_aider();
  options o = parse(argc, argv);
  auto has = [&](const char* mode) { return o.misbehave.count(mode) > 0; };
  auto lines = load(o.transcript);
  if (has("ignore-sigterm")) {
    signal(SIGTERM, SIG_IGN);
    signal(SIGINT, SIG_IGN);
  }
  if (has("fork-grandchild") || has("escape-grandchild")) {
    int escaped[2];  // the grandchild says when it has left: the pids are reported after that
    if (pipe(escaped) != 0) return 1;
    pid_t pid = fork();
    if (pid == 0 && has("escape-grandchild")) {
      setsid();
      signal(SIGTERM, SIG_IGN);
      signal(SIGHUP, SIG_IGN);
      int devnull = open("/dev/null", O_WRONLY);
      dup2(devnull, STDOUT_FILENO);
      dup2(devnull, STDERR_FILENO);
    }
    if (pid == 0) {
      close(escaped[0]);
      close(escaped[1]);  // the parent's read ends
      pause_forever();    // inherits stdout/stderr and the signal dispositions
    }
    close(escaped[1]);
    char byte;
    while (read(escaped[0], &byte, 1) < 0 && errno == EINTR) {
    }
    close(escaped[0]);
    std::fprintf(stderr, "fake-agent: pid %d grandchild %d\n", static_cast<int>(getpid()),
                 static_cast<int>(pid));
    std::fflush(stderr);
  }

  std::vector<std::string> out;
  out.push_back(lines.front());
  for (long round = 0; round < o.repeat && lines.size() > 2; ++round)
    for (std::size_t i = 1; i + 1 < lines.size(); ++i)
      out.push_back(round == 0 ? lines[i] : with_uuid_tag(lines[i], "-r" + std::to_string(round)));
  bool has_result = lines.size() > 1;
  if (has_result && !has("no-result")) out.push_back(lines.back());
  if (!o.resume.empty()) {
    std::fprintf(stderr, "fake-agent: resume %s\n", o.resume.c_str());
    std::fflush(stderr);
    for (auto& line : out) line = with_field(line, "session_id", o.resume);
  }
  if (o.stream_input) return serve_stdin_turns(out, o.delay_ms);
  std::size_t middle = out.size() / 2;
  std::string held;  // lines not written yet

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
    held += last && has("no-newline") ? out[i] : out[i] + "\n";
    if (!has("burst") || last) write_all(std::exchange(held, {}));
    if (i == 0 && has("hang")) pause_forever();
  }
  if (has("linger")) pause_forever();
  bool is_error =
    has_result && !has("no-result") && lines.back().find("\"is_error\":true") != std::string::npos;
  return is_error ? 1 : 0;
}
