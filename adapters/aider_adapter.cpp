#include "adapters/aider_adapter.hpp"

#include <array>
#include <cctype>
#include <cstdlib>
#include <optional>

#include "adapters/emit.hpp"

namespace agentrt::adapters {

namespace {

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// The length of a prompt at the start of `line` ("aider> "), or 0.
std::size_t prompt_prefix(std::string_view line) {
  std::size_t i = 0;
  while (i < line.size() && (std::isalnum(static_cast<unsigned char>(line[i])) || line[i] == '.' ||
                             line[i] == '_' || line[i] == '-'))
    ++i;
  return line.substr(i, 2) == "> " ? i + 2 : 0;
}

bool is_startup(std::string_view line) {
  for (std::string_view p :
       {"Aider v", "Main model:", "Weak model:", "Git repo:", "Repo-map:", "Use /help"})
    if (starts_with(line, p)) return true;
  return false;
}

bool is_dropped(std::string_view line) {
  return starts_with(line, "Applied edit to") || starts_with(line, "Fix any errors") ||
         starts_with(line, "Running: ");
}

// "► THINKING" / "> answer" ...: the marker's section, or empty.
std::string marker(std::string_view line) {
  for (std::string_view arrow : {"\u25BA", "\u25B6", "\u2BC8", "\u276F", ">"}) {
    if (!starts_with(line, arrow)) continue;
    std::string word{trim(line.substr(arrow.size()))};
    for (auto& c : word) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (word == "THINKING" || word == "ANSWER") return word;
  }
  return {};
}

bool known_command(std::string_view line) {
  static const std::array<std::string_view, 28> commands = {
    "git",  "ls",    "cat",   "grep",   "find",    "mkdir", "cd",    "cp",   "mv",   "rm",
    "npm",  "npx",   "pip",   "python", "python3", "node",  "bash",  "sh",   "curl", "wget",
    "make", "cmake", "cargo", "go",     "pytest",  "echo",  "touch", "chmod"};
  std::string_view word = line.substr(0, line.find(' '));
  for (auto c : commands)
    if (word == c) return true;
  return false;
}

double money(const std::string& text) {
  return std::strtod(text.c_str(), nullptr);
}

// "1.2k" -> 1200
std::uint64_t token_count(const std::string& number, bool thousands) {
  double n = std::strtod(number.c_str(), nullptr);
  return static_cast<std::uint64_t>(n * (thousands ? 1000 : 1) + 0.5);
}

// Reads aider's fixed summary formats left to right; each step is false when the text does not
// go on as expected.
struct scanner {
  std::string_view rest;

  bool word(std::string_view w) {
    if (rest.substr(0, w.size()) != w) return false;
    rest.remove_prefix(w.size());
    return true;
  }
  // At least `least` blanks.
  bool blanks(std::size_t least = 0) {
    std::size_t n = 0;
    while (n < rest.size() && std::isspace(static_cast<unsigned char>(rest[n])) != 0) ++n;
    rest.remove_prefix(n);
    return n >= least;
  }
  bool number(std::string& out) {
    std::size_t n = rest.find_first_not_of("0123456789.");
    out = std::string{rest.substr(0, n)};
    rest.remove_prefix(out.size());
    return !out.empty();
  }
};

struct token_summary {
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
};

// "Tokens: 1.2k sent, 320 received." at the start of the line.
std::optional<token_summary> parse_tokens(std::string_view line) {
  scanner s{line};
  std::string sent, received;
  if (!s.word("Tokens:") || !s.blanks() || !s.number(sent)) return std::nullopt;
  bool sent_k = s.word("k");
  if (!s.blanks(1) || !s.word("sent,") || !s.blanks() || !s.number(received)) return std::nullopt;
  bool received_k = s.word("k");
  if (!s.blanks(1) || !s.word("received")) return std::nullopt;
  return token_summary{token_count(sent, sent_k), token_count(received, received_k)};
}

struct cost_summary {
  double message = 0;
  double session = 0;
};

// "Cost: $0.0042 message, $0.0126 session" anywhere in the line.
std::optional<cost_summary> parse_cost(std::string_view line) {
  for (auto at = line.find("Cost:"); at != std::string_view::npos;
       at = line.find("Cost:", at + 1)) {
    scanner s{line.substr(at + 5)};
    std::string message, session;
    if (s.blanks() && s.word("$") && s.number(message) && s.blanks(1) && s.word("message,") &&
        s.blanks() && s.word("$") && s.number(session) && s.blanks(1) && s.word("session"))
      return cost_summary{money(message), money(session)};
  }
  return std::nullopt;
}

}  // namespace

bool is_aider_prompt(std::string_view line) {
  return !line.empty() && prompt_prefix(line) == line.size();
}

void aider_adapter::on_partial(std::string_view pending, adapter_output& out) {
  // The prompt is written without a newline: it shows only as the unterminated rest of a read.
  auto last =
    pending.substr(pending.rfind('\n') == std::string_view::npos ? 0 : pending.rfind('\n') + 1);
  if (!is_aider_prompt(last)) return;
  after_prompt_ = true;
  if (turn_open_) end_turn(out);
}

void aider_adapter::end_turn(adapter_output& out) {
  turn_open_ = false;
  expect_prompt_ = false;
  thinking_ = in_fence_ = false;
  out.turn = turn_event{turn_event::ended_ok, {}, {}};
}

void aider_adapter::parse(std::string_view line, adapter_output& out) {
  // Input typed at the prompt is not echoed, so the output that answers it continues the prompt's
  // line: "> ► THINKING". A prompt is due after startup and after a turn's Tokens line.
  if (std::size_t p = prompt_prefix(line); p > 0 && (after_prompt_ || expect_prompt_)) {
    line.remove_prefix(p);
    turn_open_ = false;  // missed as a partial: the turn that ended is folded into the next
    expect_prompt_ = false;
  }
  after_prompt_ = false;
  if (line.empty()) return;
  emitter e{out, random_uuid(), {}};
  if (starts_with(line, "Aider v")) expect_prompt_ = true;
  if (starts_with(line, "Main model:")) {
    std::string_view model = trim(line.substr(11));
    e.emit(e.event_id, "init",
           {{"sessionId", ""},
            {"model", std::string{model.substr(0, model.find(' '))}},
            {"cwd", ""},
            {"tools", json::array()}});
    return;
  }
  if (trim(line).empty() || is_startup(line) || is_dropped(line)) return;
  content_line(line, out);
}

void aider_adapter::content_line(std::string_view line, adapter_output& out) {
  emitter e{out, random_uuid(), {}};
  if (!turn_open_) {
    turn_open_ = true;
    out.turn = turn_event{turn_event::started, {}, {}};
  }
  if (auto tokens = parse_tokens(line)) {
    expect_prompt_ = true;
    auto cost = parse_cost(line);
    // The session figure is aider's running total: taken as it is, never added up again.
    if (cost) totals_.total_cost_usd = cost->session;
    totals_.input_tokens += tokens->sent;
    totals_.output_tokens += tokens->received;
    ++totals_.turns;
    e.emit(e.event_id, "cost",
           {{"totalCostUsd", totals_.total_cost_usd},
            {"messageCostUsd", cost ? cost->message : 0.0},
            {"durationMs", 0},
            {"inputTokens", tokens->sent},
            {"outputTokens", tokens->received},
            {"numTurns", 1},
            {"isError", false}});
    out.cost = totals_;
    return;
  }
  if (auto section = marker(line); !section.empty()) {
    thinking_ = section == "THINKING";
    return;
  }
  std::string_view t = trim(line);
  if (starts_with(t, "```")) {
    if (in_fence_) {
      in_fence_ = false;
    } else {
      std::string_view lang = trim(t.substr(3));
      in_fence_ = true;
      shell_fence_ = lang.empty() || lang == "bash" || lang == "sh" || lang == "shell";
    }
    return;
  }
  std::string_view command;
  if (starts_with(t, "$ "))
    command = trim(t.substr(2));
  else if (starts_with(t, "Running "))
    command = trim(t.substr(8));
  else if (in_fence_ && shell_fence_ && known_command(t))
    command = t;
  if (!command.empty()) {
    e.emit(e.event_id, "tool_call",
           {{"toolUseId", e.event_id}, {"name", "Bash"}, {"input", {{"command", command}}}});
    return;
  }
  e.emit_text(e.event_id, thinking_ ? "thinking" : "text", std::string{line} + "\n", true);
}

}  // namespace agentrt::adapters
