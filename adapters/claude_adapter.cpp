#include "adapters/claude_adapter.hpp"

#include "adapters/emit.hpp"

namespace agentrt::adapters {

namespace {

void on_system(const json& ev, emitter& e) {
  std::string subtype = str_field(ev, "subtype");
  if (subtype == "init") {
    const json* tools = field(ev, "tools");
    e.emit(e.event_id, "init",
           {{"sessionId", str_field(ev, "session_id")},
            {"model", str_field(ev, "model")},
            {"cwd", str_field(ev, "cwd")},
            {"tools", tools != nullptr ? string_array(*tools) : json::array()}});
  } else if (subtype == "compact_boundary") {
    const json* meta = field(ev, "compact_metadata");
    std::string trigger = meta != nullptr ? str_field(*meta, "trigger") : "";
    e.emit(e.event_id, "compaction",
           {{"trigger", trigger.empty() ? "auto" : trigger},
            {"preTokens", meta != nullptr ? count_field(*meta, "pre_tokens") : 0}});
  } else {
    json content = {{"subtype", subtype}};
    if (const json* status = field(ev, "status"); status != nullptr && status->is_string())
      content["message"] = *status;
    e.emit(e.event_id, "status", content);
  }
}

void on_assistant(const json& ev, emitter& e) {
  const json* msg = field(ev, "message");
  const json* blocks = msg != nullptr ? field(*msg, "content") : nullptr;
  if (blocks == nullptr || !blocks->is_array()) return;
  for (const auto& block : *blocks) {
    std::string type = str_field(block, "type");
    if (type == "text") {
      e.emit_block("text", "text", {{"text", str_field(block, "text")}});
    } else if (type == "thinking") {
      const json* thinking = field(block, "thinking");
      std::string text = thinking != nullptr && thinking->is_string() ? thinking->get<std::string>()
                                                                      : str_field(block, "text");
      e.emit_block("think", "thinking", {{"text", text}});
    } else if (type == "tool_use") {
      const json* input = field(block, "input");
      e.emit_block("tool", "tool_call",
                   {{"toolUseId", str_field(block, "id")},
                    {"name", str_field(block, "name")},
                    {"input", input != nullptr ? *input : json::object()}});
    }
  }
}

void on_user(const json& ev, emitter& e) {
  const json* msg = field(ev, "message");
  const json* blocks = msg != nullptr ? field(*msg, "content") : nullptr;
  if (blocks == nullptr || !blocks->is_array()) return;
  for (const auto& block : *blocks) {
    if (str_field(block, "type") != "tool_result") continue;
    const json* output = field(block, "content");
    if (output == nullptr) output = field(ev, "tool_use_result");
    e.emit_block("result", "tool_result",
                 {{"toolUseId", str_field(block, "tool_use_id")},
                  {"output", output != nullptr ? *output : json{}}});
  }
}

std::string result_error_text(const json& ev) {
  std::string text = str_field(ev, "result");
  if (const json* errors = field(ev, "errors"); text.empty() && errors != nullptr)
    for (const auto& err : string_array(*errors))
      text += (text.empty() ? "" : "; ") + err.get<std::string>();
  if (text.empty()) text = "the agent reported an error (" + str_field(ev, "subtype") + ")";
  return text;
}

void on_result(const json& ev, emitter& e, cost_update& totals) {
  const json* usage = field(ev, "usage");
  const json none = json::object();
  const json& u = usage != nullptr ? *usage : none;
  bool is_error = bool_field(ev, "is_error");
  json content = {{"totalCostUsd", num_field(ev, "total_cost_usd")},
                  {"durationMs", num_field(ev, "duration_ms")},
                  {"inputTokens", count_field(u, "input_tokens")},
                  {"outputTokens", count_field(u, "output_tokens")},
                  {"cacheReadTokens", count_field(u, "cache_read_input_tokens")},
                  {"cacheCreationTokens", count_field(u, "cache_creation_input_tokens")},
                  {"numTurns", count_field(ev, "num_turns")},
                  {"isError", is_error}};
  if (const json* result = field(ev, "result"); result != nullptr && result->is_string())
    content["result"] = *result;
  if (const json* errors = field(ev, "errors"); errors != nullptr && errors->is_array())
    content["errors"] = string_array(*errors);
  std::string error_text = is_error ? result_error_text(ev) : std::string{};
  if (is_error) {
    e.emit_error(error_text);
    e.emit_block("cost", "cost", content);
  } else {
    e.emit(e.event_id, "cost", content);
  }

  // total_cost_usd is cumulative within one process: the latest is the total, never a sum.
  totals.total_cost_usd = num_field(ev, "total_cost_usd");
  totals.input_tokens += count_field(u, "input_tokens");
  totals.output_tokens += count_field(u, "output_tokens");
  totals.cache_read_tokens += count_field(u, "cache_read_input_tokens");
  totals.cache_creation_tokens += count_field(u, "cache_creation_input_tokens");
  totals.turns += count_field(ev, "num_turns");
  e.out.cost = totals;
  e.out.turn = is_error ? turn_event{turn_event::ended_error, error_text, {}}
                        : turn_event{turn_event::ended_ok, {}, {}};
}

// --include-partial-messages: raw Messages-API stream events. Text and thinking pieces stream as
// deltas; the complete blocks follow in `assistant` lines, tool input included.
void on_stream_event(const json& ev, emitter& e) {
  const json* inner = field(ev, "event");
  if (inner == nullptr) return;
  std::string kind = str_field(*inner, "type");
  const json* delta = field(*inner, "delta");
  std::string delta_type = delta != nullptr ? str_field(*delta, "type") : "";
  if (delta_type == "text_delta")
    e.emit_block("text", "text", {{"text", str_field(*delta, "text")}, {"delta", true}});
  else if (delta_type == "thinking_delta")
    e.emit_block("think", "thinking", {{"text", str_field(*delta, "thinking")}, {"delta", true}});
  else if (delta_type != "input_json_delta" && delta_type != "signature_delta")
    e.emit(e.event_id, "status", {{"subtype", "stream_event"}, {"event", kind}});
}

// Documented top-level types that carry no conversation content of their own.
bool is_control_type(const std::string& type) {
  static const char* const types[] = {"tool_progress",    "tool_use_summary",  "auth_status",
                                      "rate_limit_event", "prompt_suggestion", "control_request",
                                      "control_response"};
  for (const char* t : types)
    if (type == t) return true;
  return false;
}

}  // namespace

void claude_adapter::parse(std::string_view line, adapter_output& out) {
  auto parsed = parse_event(line, out);
  if (!parsed) return;
  const json& ev = *parsed;
  std::string uuid = str_field(ev, "uuid");
  emitter e{out, uuid.empty() ? random_uuid() : uuid, str_field(ev, "parent_tool_use_id")};
  out.provider_session_id = str_field(ev, "session_id");
  std::string type = str_field(ev, "type");
  if (type == "system") {
    on_system(ev, e);
    if (str_field(ev, "subtype") == "init") out.turn = turn_event{turn_event::started, {}, {}};
  } else if (type == "assistant") {
    on_assistant(ev, e);
    if (const json* msg = field(ev, "message"); msg != nullptr)
      if (const json* u = field(*msg, "usage"); u != nullptr && u->is_object())
        track_usage(str_field(*msg, "id"),
                    {count_field(*u, "input_tokens"), count_field(*u, "output_tokens"),
                     count_field(*u, "cache_read_input_tokens"),
                     count_field(*u, "cache_creation_input_tokens")},
                    out);
  } else if (type == "user") {
    on_user(ev, e);
  } else if (type == "result") {
    on_result(ev, e, totals_);
    turn_usage_.clear();  // the result's usage covers the turn
    turn_sum_ = {};
  } else if (type == "stream_event") {
    on_stream_event(ev, e);
  } else if (is_control_type(type)) {
    e.emit(e.event_id, "status", {{"subtype", type}});
  } else {
    e.emit(e.event_id, "unknown", ev);
  }
}

void claude_adapter::track_usage(const std::string& message_id, const usage& u,
                                 adapter_output& out) {
  if (message_id.empty()) return;
  auto& latest = turn_usage_[message_id];
  (turn_sum_ -= latest) += u;
  latest = u;
  cost_update progress = totals_;
  progress.input_tokens += turn_sum_.input;
  progress.output_tokens += turn_sum_.output;
  progress.cache_read_tokens += turn_sum_.cache_read;
  progress.cache_creation_tokens += turn_sum_.cache_creation;
  out.cost = progress;
}

claude_adapter::usage& claude_adapter::usage::operator+=(const usage& u) {
  input += u.input, output += u.output, cache_read += u.cache_read;
  cache_creation += u.cache_creation;
  return *this;
}

claude_adapter::usage& claude_adapter::usage::operator-=(const usage& u) {
  input -= u.input, output -= u.output, cache_read -= u.cache_read;
  cache_creation -= u.cache_creation;
  return *this;
}

}  // namespace agentrt::adapters
