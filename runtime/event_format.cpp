#include "runtime/event_format.hpp"

#include <nlohmann/json.hpp>

#include "adapters/json_text.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <vector>

namespace agentrt {

namespace {

using json = nlohmann::json;

using adapters::append_json;
using adapters::append_quoted;
using adapters::to_json_text;

json parse_content(const std::string& text) {
  json j = adapters::parse_json(text);
  return j.is_discarded() ? json(text) : j;
}

std::string shorten(std::string s, std::size_t max) {
  for (auto& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  if (s.size() > max) s = s.substr(0, max) + "...";
  return s;
}

std::string money(double usd) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "$%.4f", usd);
  return buf;
}

}  // namespace

std::string journal_status_text(const journal_status& j) {
  std::string text = j.ok ? "journal: writing again"
                          : j.error + "; " + std::to_string(j.waiting_batches) +
                              " batches of events wait in memory (the sessions keep running)";
  if (j.dropped_batches > 0)
    text += "; " + std::to_string(j.dropped_batches) + " batches given up since the start";
  return text;
}

std::string signal_name(int sig) {
  if (sig <= 0) return {};
  const char* abbrev = sigabbrev_np(sig);
  return abbrev != nullptr ? std::string{"SIG"} + abbrev : "SIG" + std::to_string(sig);
}

void append_message_fields(std::string& out, const agent_message& m) {
  // The content is spliced in as the adapter wrote it: parsing it again to embed it cost more
  // than everything else on the path of a normalized line.
  out += "\"content\":";
  if (!m.content.empty() && m.content.front() == '{')
    out += m.content;
  else
    append_quoted(out, m.content);
  out += ",\"id\":";
  append_quoted(out, m.id);
  if (!m.parent_id.empty()) {
    out += ",\"parentId\":";
    append_quoted(out, m.parent_id);
  }
  out += ",\"seq\":" + std::to_string(m.seq);
  out += ",\"timestamp\":" + std::to_string(m.timestamp_ms);
  out += ",\"type\":";
  append_quoted(out, m.type);
}

std::string status_json_line(const char* key, const char* tag, const status_change& s) {
  std::vector<std::pair<const char*, std::string>> fields;
  auto text = [&](const char* name, std::string_view value) {
    std::string quoted;
    append_quoted(quoted, value);
    fields.emplace_back(name, std::move(quoted));
  };
  auto number = [&](const char* name, auto value) {
    fields.emplace_back(name, std::to_string(value));
  };
  text(key, tag);
  text("sessionId", s.session_id);
  text("status", to_string(s.status));
  number("generation", s.generation);
  number("seq", s.seq);
  if (s.exit_code >= 0) number("exitCode", s.exit_code);
  if (s.signal > 0) text("signal", signal_name(s.signal));
  if (!s.error.empty()) text("error", s.error);
  if (s.queue_position > 0) number("queuePosition", s.queue_position);
  if (s.status == session_status::retrying) {
    number("attempt", s.attempt);
    number("maxAttempts", s.max_attempts);
    number("retryAt", s.retry_at_ms);
  }
  // In the order a JSON object of them was written (by name), so the lines stay as they were.
  std::sort(fields.begin(), fields.end(),
            [](const auto& a, const auto& b) { return std::strcmp(a.first, b.first) < 0; });
  std::string line = "{";
  for (const auto& [name, value] : fields) {
    if (line.size() > 1) line += ',';
    append_quoted(line, name);
    (line += ':') += value;
  }
  line += '}';
  return line;
}

std::string cost_json_line(const char* key, const char* tag, const cost_update& c) {
  std::string line = "{";
  append_quoted(line, key);
  line += ':';
  append_quoted(line, tag);
  line += ",\"sessionId\":";
  append_quoted(line, c.session_id);
  char usd[32];
  auto end = std::to_chars(usd, usd + sizeof usd, c.total_cost_usd).ptr;
  line += ",\"totalCostUsd\":" + std::string{usd, end};
  const std::pair<const char*, std::uint64_t> counts[] = {
    {"inputTokens", c.input_tokens},
    {"outputTokens", c.output_tokens},
    {"cacheReadTokens", c.cache_read_tokens},
    {"cacheCreationTokens", c.cache_creation_tokens},
    {"turns", c.turns},
    {"seq", c.seq}};
  for (const auto& [name, value] : counts)
    line += ",\"" + std::string{name} + "\":" + std::to_string(value);
  line += '}';
  return line;
}

std::string tagged_line(const char* key, const char* tag, const std::string& session_id,
                        json fields) {
  json j = {{key, tag}, {"sessionId", session_id}};
  j.update(fields);
  return to_json_text(j);
}

std::string to_json_line(const agent_message& m) {
  std::string line = "{\"kind\":\"message\",\"sessionId\":";
  append_quoted(line, m.session_id);
  line += ',';
  append_message_fields(line, m);
  line += '}';
  return line;
}

std::string to_json_line(const status_change& s) {
  return status_json_line("kind", "status", s);
}

std::string to_json_line(const cost_update& c) {
  return cost_json_line("kind", "cost", c);
}

std::string to_json_line(const log_line& l) {
  return tagged_line("kind", "log", l.session_id, {{"text", l.text}, {"seq", l.seq}});
}

std::string to_text(const agent_message& m) {
  json c = parse_content(m.content);
  std::string body;
  auto str = [&](const char* key) {
    auto it = c.find(key);
    return it != c.end() && it->is_string() ? it->get<std::string>() : std::string{};
  };
  if (m.type == "text" || m.type == "thinking")
    body = str("text");
  else if (m.type == "tool_call")
    body = str("name") + " " + (c.contains("input") ? to_json_text(c["input"]) : "");
  else if (m.type == "tool_result")
    body = c.contains("output") && c["output"].is_string()
             ? c["output"].get<std::string>()
             : to_json_text(c.value("output", json()));
  else if (m.type == "init")
    body = "model " + str("model") + ", cwd " + str("cwd");
  else if (m.type == "error" || m.type == "status")
    body = str("message").empty() ? str("subtype") : str("message");
  else if (m.type == "cost")
    body = money(c.value("totalCostUsd", 0.0)) + (c.value("isError", false) ? " (error)" : "");
  else
    body = to_json_text(c);
  return "[" + m.session_id + "] " + m.type + ": " + shorten(body, 200);
}

std::string text_stream::on(const agent_message& m) {
  json c = parse_content(m.content);
  bool piece = (m.type == "text" || m.type == "thinking") && c.value("delta", false);
  if (!piece) return close() + to_text(m) + "\n";
  auto text = c.value("text", std::string{});
  auto key = m.session_id + " " + m.type;
  if (key == open_) return text;
  std::string out = close() + "[" + m.session_id + "] " + m.type + ": " + text;
  open_ = std::move(key);
  return out;
}

std::string text_stream::close() {
  if (open_.empty()) return {};
  open_.clear();
  return "\n";
}

std::string to_text(const status_change& s) {
  std::string text = "[" + s.session_id + "] status " + std::string{to_string(s.status)};
  if (s.exit_code >= 0) text += " (exit " + std::to_string(s.exit_code) + ")";
  if (s.signal > 0) text += " (signal " + std::to_string(s.signal) + ")";
  if (!s.error.empty()) text += ": " + s.error;
  if (s.queue_position > 0) text += " (place " + std::to_string(s.queue_position) + ")";
  if (s.status == session_status::retrying) {
    auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
    char when[64];
    std::snprintf(when, sizeof when, " (attempt %u of %u, in %.1f s)", s.attempt, s.max_attempts,
                  std::max<std::int64_t>(0, s.retry_at_ms - now) / 1000.0);
    text += when;
  }
  return text;
}

std::string to_text(const cost_update& c) {
  return "[" + c.session_id + "] cost " + money(c.total_cost_usd) + ", " +
         std::to_string(c.input_tokens) + " in / " + std::to_string(c.output_tokens) +
         " out tokens";
}

std::string to_text(const log_line& l) {
  return "[" + l.session_id + "] stderr: " + shorten(l.text, 200);
}

}  // namespace agentrt
