#include "adapters/claude_adapter.hpp"

#include <cstdio>
#include <random>

#include "adapters/json_fields.hpp"

namespace agentrt::adapters {

std::string random_uuid() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uint64_t hi = rng(), lo = rng();
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0xffff),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return buf;
}

namespace {

struct emitter {
  adapter_output& out;
  std::string event_id;
  std::string parent_id;
  std::int64_t timestamp = now_ms();

  void emit(std::string id, const char* type, const json& content) {
    agent_message m;
    m.id = std::move(id);
    m.type = type;
    m.parent_id = parent_id;
    m.content = content.dump(-1, ' ', false, json::error_handler_t::replace);
    m.timestamp_ms = timestamp;
    out.messages.push_back(std::move(m));
  }

  // Events that yield several messages number them: <uuid>-text-0, <uuid>-tool-1, ...
  void emit_block(const char* suffix, const char* type, const json& content) {
    emit(event_id + "-" + suffix + "-" + std::to_string(out.messages.size()), type, content);
  }
};

json string_array(const json& v) {
  json arr = json::array();
  if (v.is_array())
    for (const auto& item : v)
      if (item.is_string()) arr.push_back(item);
  return arr;
}

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
  e.emit(e.event_id, "cost", content);

  // total_cost_usd is cumulative within one process: the latest is the total, never a sum.
  totals.total_cost_usd = num_field(ev, "total_cost_usd");
  totals.input_tokens += count_field(u, "input_tokens");
  totals.output_tokens += count_field(u, "output_tokens");
  totals.cache_read_tokens += count_field(u, "cache_read_input_tokens");
  totals.cache_creation_tokens += count_field(u, "cache_creation_input_tokens");
  totals.turns += count_field(ev, "num_turns");
  e.out.cost = totals;
  e.out.turn = is_error ? turn_event{turn_event::ended_error, result_error_text(ev), {}}
                        : turn_event{turn_event::ended_ok, {}, {}};
}

}  // namespace

void claude_adapter::on_line(std::string_view line, adapter_output& out) {
  json ev = json::parse(line.begin(), line.end(), nullptr, false);
  if (ev.is_discarded() || !ev.is_object()) {
    emitter e{out, random_uuid(), {}};
    constexpr std::size_t shown = 200;
    std::string excerpt{line.substr(0, shown)};
    e.emit(e.event_id, "error",
           {{"message", ev.is_discarded() ? "invalid JSON from the agent" : "not a JSON object"},
            {"line", excerpt + (line.size() > shown ? "..." : "")}});
    return;
  }
  std::string uuid = str_field(ev, "uuid");
  emitter e{out, uuid.empty() ? random_uuid() : uuid, str_field(ev, "parent_tool_use_id")};
  out.provider_session_id = str_field(ev, "session_id");
  std::string type = str_field(ev, "type");
  if (type == "system") {
    on_system(ev, e);
    if (str_field(ev, "subtype") == "init") out.turn = turn_event{turn_event::started, {}, {}};
  } else if (type == "assistant") {
    on_assistant(ev, e);
  } else if (type == "user") {
    on_user(ev, e);
  } else if (type == "result") {
    on_result(ev, e, totals_);
  } else {
    e.emit(e.event_id, "unknown", ev);
  }
  if (out.turn) out.turn->provider_session_id = out.provider_session_id;
}

}  // namespace agentrt::adapters
