#include "runtime/sidecar/protocol.hpp"

#include "adapters/json_text.hpp"
#include "runtime/event_format.hpp"

#include <nlohmann/json.hpp>

#include <cmath>

namespace agentrt::sidecar {

namespace {

using json = nlohmann::json;

using adapters::to_json_text;

// Reads optional fields of a request; the first wrongly typed one becomes the error.
class fields {
 public:
  fields(const json& obj, std::string type) : obj_(obj), type_(std::move(type)) {}

  // A required string.
  std::string required(const char* key) {
    auto it = obj_.find(key);
    if (it == obj_.end() || it->is_null()) {
      fail(std::string{key} + " is required");
      return {};
    }
    if (!it->is_string()) fail(std::string{key} + " must be a string");
    return it->is_string() ? it->get<std::string>() : std::string{};
  }
  // null or missing: the default.
  std::string text(const char* key) {
    const json* v = get(key, &json::is_string, "a string");
    return v ? v->get<std::string>() : std::string{};
  }
  // A number >= 0; 0 when null or missing.
  double amount(const char* key) {
    const json* v = get(key, &json::is_number, "a number");
    if (!v) return 0;
    double n = v->get<double>();
    if (!(n >= 0)) fail(std::string{key} + " must not be negative");
    return n >= 0 ? n : 0;
  }
  // A whole number in 0..max; `absent` when null or missing. A fraction or out of range fails
  // (and is never converted: a double beyond int's range has no int value).
  std::int32_t count(const char* key, std::int32_t max, std::int32_t absent) {
    const json* v = get(key, &json::is_number, "a number");
    if (!v) return absent;
    double n = v->get<double>();
    if (!(n >= 0 && n <= max)) {
      fail(std::string{key} + " is out of range");
      return absent;
    }
    if (n != std::floor(n)) {
      fail(std::string{key} + " must be a whole number");
      return absent;
    }
    return static_cast<std::int32_t>(n);
  }
  bool flag(const char* key) { return optional_flag(key).value_or(false); }
  std::optional<bool> optional_flag(const char* key) {
    const json* v = get(key, &json::is_boolean, "true or false");
    return v ? std::optional<bool>{v->get<bool>()} : std::nullopt;
  }
  const json* object(const char* key) { return get(key, &json::is_object, "an object"); }
  const json* array(const char* key) { return get(key, &json::is_array, "an array"); }

  const std::string& error() const { return error_; }
  void fail(const std::string& what) {
    if (error_.empty()) error_ = type_ + ": " + what;
  }

 private:
  const json* get(const char* key, bool (json::*is)() const noexcept, const char* kind) {
    auto it = obj_.find(key);
    if (it == obj_.end() || it->is_null()) return nullptr;
    if (!((*it).*is)()) {
      fail(std::string{key} + " must be " + kind);
      return nullptr;
    }
    return &*it;
  }

  const json& obj_;
  std::string type_;
  std::string error_;
};

request parse_query(const json& obj) {
  fields f{obj, "query"};
  query_request r;
  auto& q = r.query;
  q.session_id = f.required("sessionId");
  q.prompt = f.required("prompt");
  q.provider = f.text("provider");
  if (q.provider.empty()) q.provider = "claude";  // the seed's sidecar runs claude
  q.cwd = f.text("cwd");
  q.model = f.text("model");
  q.max_turns = f.count("maxTurns", 1000000, 0);
  q.max_restarts = f.count("maxRestarts", 1000, -1);
  q.stall_timeout_ms = f.count("stallTimeoutMs", 1000000000, -1);
  q.max_budget_usd = f.amount("maxBudgetUsd");
  q.resume_id = f.text("resumeSessionId");
  q.permission_mode = f.text("permissionMode");
  q.system_prompt = f.text("systemPrompt");
  if (const json* dirs = f.array("additionalDirectories"))
    for (const auto& d : *dirs) {
      if (!d.is_string()) f.fail("additionalDirectories must hold strings");
      if (d.is_string()) q.additional_directories.push_back(d.get<std::string>());
    }
  if (const json* env = f.object("extraEnv"))
    for (const auto& [k, v] : env->items()) {
      if (!v.is_string()) f.fail("extraEnv values must be strings");
      if (v.is_string()) q.extra_env[k] = v.get<std::string>();
    }
  if (auto dir = f.text("claudeConfigDir"); !dir.empty()) q.extra_env["CLAUDE_CONFIG_DIR"] = dir;
  // An object, or its JSON text (as the seed's hosts that pass it through send it); the text is
  // checked with the rest of the query, by the runtime.
  if (auto it = obj.find("providerConfig"); it != obj.end() && it->is_string())
    q.provider_config = it->get<std::string>();
  else if (const json* config = f.object("providerConfig"))
    q.provider_config = to_json_text(*config);
  f.array("settingSources");  // claude's default (user, project) is what the seed sent
  f.text("worktreeName");     // accepted; worktrees are not created by agentrt
  q.node = f.text("node");    // through a coordinator (agentrt sidecar --node): where to run
  r.normalized = f.flag("normalized");
  r.raw = f.optional_flag("raw");
  if (!f.error().empty()) return bad_request{q.session_id, f.error()};
  return r;
}

template <class Request>
request parse_session_command(const json& obj, const std::string& type) {
  fields f{obj, type};
  Request r;
  r.session_id = f.required("sessionId");
  if constexpr (std::is_same_v<Request, prompt_request>) r.prompt = f.required("prompt");
  if constexpr (std::is_same_v<Request, resume_request>) r.prompt = f.text("prompt");
  if constexpr (std::is_same_v<Request, replay_since_request>)
    r.after_seq = static_cast<std::uint64_t>(f.count("afterSeq", INT32_MAX, 0));
  if (!f.error().empty()) return bad_request{r.session_id, f.error()};
  return r;
}

// The line's id as JSON text; "" when it has none, and `error` set when it is not an id.
std::string command_id(const json& obj, std::string& error) {
  auto it = obj.find("id");
  if (it == obj.end() || it->is_null()) return {};
  if (it->is_string() || it->is_number()) return to_json_text(*it);
  error = "Invalid message: id must be a string or a number";
  return {};
}

json exit_code(const status_change& s) {
  return s.exit_code >= 0 ? json(s.exit_code) : json();
}

}  // namespace

request parse_request(std::string_view line, std::string* id) {
  std::string error;
  json obj = adapters::parse_json(line, &error);
  if (obj.is_discarded() && error == "not valid JSON")
    return bad_request{{}, "Invalid JSON: " + std::string{line.substr(0, 200)}};
  if (obj.is_discarded()) return bad_request{{}, "Invalid message: " + error};
  if (!obj.is_object()) return bad_request{{}, "Invalid message: not a JSON object"};
  auto type_it = obj.find("type");
  if (type_it == obj.end() || !type_it->is_string())
    return bad_request{{}, "Invalid message: type is required and must be a string"};
  std::string id_error;
  std::string id_text = command_id(obj, id_error);
  if (id) *id = id_text;
  if (!id_error.empty()) return bad_request{{}, id_error};
  std::string type = type_it->get<std::string>();
  if (type == "ping") return ping_request{};
  if (type == "list") return list_request{};
  if (type == "totals") return totals_request{};
  if (type == "query") return parse_query(obj);
  if (type == "stop") return parse_session_command<stop_request>(obj, type);
  if (type == "prompt") return parse_session_command<prompt_request>(obj, type);
  if (type == "interrupt") return parse_session_command<interrupt_request>(obj, type);
  if (type == "resume") return parse_session_command<resume_request>(obj, type);
  if (type == "replay") return parse_session_command<replay_since_request>(obj, type);
  if (type == "options") {
    fields f{obj, type};
    options_request r{f.optional_flag("normalized"), f.optional_flag("totals"),
                      f.optional_flag("raw")};
    if (!f.error().empty()) return bad_request{{}, f.error()};
    return r;
  }
  return bad_request{{}, "Unknown message type: " + type};
}

std::string ready_line() {
  return to_json_text({{"type", "ready"}, {"protocol", protocol_version}, {"runtime", "agentrt"}});
}

std::string pong_line() {
  return R"({"type":"pong"})";
}

std::string with_id(std::string line, const std::string& id) {
  if (!id.empty() && !line.empty() && line.back() == '}')
    line.insert(line.size() - 1, R"(,"id":)" + id);
  return line;
}

std::string ok_line(const std::string& id, const std::string& session_id,
                    std::optional<std::uint64_t> last_seq) {
  json j = {{"type", "ok"}};
  if (!session_id.empty()) j["sessionId"] = session_id;
  if (last_seq) j["lastSeq"] = *last_seq;
  return with_id(to_json_text(j), id);
}

std::string error_line(const std::string& session_id, const std::string& message) {
  json j = {{"type", "error"}, {"message", message}};
  if (!session_id.empty()) j["sessionId"] = session_id;
  return to_json_text(j);
}

std::string agent_started_line(const std::string& session_id) {
  return to_json_text({{"type", "agent_started"}, {"sessionId", session_id}});
}

void append_agent_event_line(std::string& out, const raw_line& raw) {
  // A JSON line is embedded as it is, without a parse: the event is the provider's own.
  out += R"({"type":"agent_event","sessionId":)";
  adapters::append_quoted(out, raw.session_id);
  out += R"(,"event":)";
  if (raw.json) {
    out += raw.line;
  } else {
    out += R"({"type":"raw","text":)";
    adapters::append_quoted(out, raw.line);
    out += '}';
  }
  out += '}';
}

std::string agent_log_line(const log_line& log) {
  return to_json_text(
    {{"type", "agent_log"}, {"sessionId", log.session_id}, {"message", log.text}});
}

std::string agent_error_line(const std::string& session_id, const std::string& message) {
  return to_json_text({{"type", "agent_error"}, {"sessionId", session_id}, {"message", message}});
}

std::string agent_stopped_line(const status_change& s) {
  std::string sig = signal_name(s.signal);
  return to_json_text({{"type", "agent_stopped"},
                       {"sessionId", s.session_id},
                       {"exitCode", exit_code(s)},
                       {"signal", sig.empty() ? json() : json(sig)}});
}

void append_agent_message_line(std::string& out, const agent_message& m) {
  out += R"({"type":"agent_message","sessionId":)";
  adapters::append_quoted(out, m.session_id);
  out += R"(,"message":{)";
  append_message_fields(out, m);
  out += "}}";
}

std::string status_line(const status_change& s) {
  return status_json_line("type", "status", s);
}

std::string cost_line(const cost_update& c) {
  return cost_json_line("type", "cost", c);
}

std::string totals_line(const usage_totals& t) {
  json line = {{"type", "totals"},
               {"totalCostUsd", t.total_cost_usd},
               {"inputTokens", t.input_tokens},
               {"outputTokens", t.output_tokens}};
  if (t.budget_usd > 0) line["budgetUsd"] = t.budget_usd;
  return to_json_text(line);
}

std::string journal_line(const journal_status& j) {
  json line = {{"type", "journal"},
               {"ok", j.ok},
               {"waitingBatches", j.waiting_batches},
               {"droppedBatches", j.dropped_batches}};
  if (!j.ok) line["error"] = j.error;
  return to_json_text(line);
}

std::string sessions_line(const session_list& list) {
  json sessions = json::array();
  for (const auto& s : list.sessions) {
    json row = {{"sessionId", s.session_id},
                {"provider", s.provider},
                {"status", std::string{to_string(s.status)}},
                {"generation", s.generation},
                {"pid", s.pid},
                {"providerSessionId", s.provider_session_id},
                {"totalCostUsd", s.total_cost_usd},
                {"inputTokens", s.input_tokens},
                {"outputTokens", s.output_tokens},
                {"startedAt", s.started_at_ms}};
    if (!s.node.empty()) row["node"] = s.node;
    if (s.queue_position > 0) row["queuePosition"] = s.queue_position;
    if (s.owner_pid > 0) row["ownerPid"] = s.owner_pid;
    sessions.push_back(std::move(row));
  }
  json line = {{"type", "sessions"}, {"sessions", sessions}};
  if (!list.journal_error.empty()) line["journalError"] = list.journal_error;
  return to_json_text(line);
}

}  // namespace agentrt::sidecar
