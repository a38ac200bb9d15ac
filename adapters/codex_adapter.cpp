#include "adapters/codex_adapter.hpp"

#include "adapters/emit.hpp"

namespace agentrt::adapters {

namespace {

const char* file_change_tool(std::string_view kind) {
  if (kind == "add") return "Write";
  if (kind == "delete") return "Bash";
  return "Edit";
}

json mcp_output(const maybe_element& item) {
  if (auto error = field(item, "error"); is_object(error)) return str_field(error, "message");
  if (auto result = field(item, "result"); is_object(result)) {
    if (auto content = field(result, "content"); content && !content->is_null())
      return to_json(*content);
    if (auto structured = field(result, "structured_content"); structured && !structured->is_null())
      return to_json(*structured);
  }
  return "OK";
}

}  // namespace

void codex_adapter::announce_tool(emitter& e, std::string_view item_id, const std::string& name,
                                  const json& input) {
  if (!announced_tools_.emplace(item_id).second) return;
  e.emit_block("tool", "tool_call", {{"toolUseId", item_id}, {"name", name}, {"input", input}});
}

bool codex_adapter::on_item(std::string_view phase, const maybe_element& item, emitter& e) {
  bool completed = phase == "item.completed";
  bool updated = phase == "item.updated";
  std::string_view kind = str_field(item, "type");
  std::string_view id = str_field(item, "id");
  if (kind == "agent_message") {
    if (completed) e.emit_text(e.block_id("text"), "text", str_field(item, "text"));
  } else if (kind == "reasoning") {
    if (completed) e.emit_text(e.block_id("think"), "thinking", str_field(item, "text"));
  } else if (kind == "command_execution") {
    if (updated) return true;
    announce_tool(e, id, "Bash", {{"command", str_field(item, "command")}});
    if (completed)
      e.emit_block("result", "tool_result",
                   {{"toolUseId", id}, {"output", str_field(item, "aggregated_output")}});
  } else if (kind == "mcp_tool_call") {
    if (updated) return true;
    auto args = field(item, "arguments");
    announce_tool(
      e, id, std::string{str_field(item, "server")} + ":" + std::string{str_field(item, "tool")},
      args ? to_json(*args) : json::object());
    if (completed)
      e.emit_block("result", "tool_result", {{"toolUseId", id}, {"output", mcp_output(item)}});
  } else if (kind == "file_change") {
    auto changes = field(item, "changes");
    if (!completed || !is_array(changes)) return true;
    int index = 0;
    for (element change : simdjson::dom::array(*changes)) {
      std::string change_id = std::string{id} + ":" + std::to_string(index++);
      std::string change_kind{str_field(change, "kind")};
      std::string path{str_field(change, "path")};
      e.emit_block("tool", "tool_call",
                   {{"toolUseId", change_id},
                    {"name", file_change_tool(change_kind)},
                    {"input", {{"file_path", path}}}});
      e.emit_block("result", "tool_result",
                   {{"toolUseId", change_id}, {"output", "File " + change_kind + ": " + path}});
    }
  } else if (kind == "web_search") {
    if (completed) announce_tool(e, id, "WebSearch", {{"query", str_field(item, "query")}});
  } else if (kind == "todo_list") {
    auto items = field(item, "items");
    if (completed)
      e.emit_block(
        "todo", "status",
        {{"subtype", "todo_list"}, {"items", is_array(items) ? to_json(*items) : json::array()}});
  } else if (kind == "error") {
    if (completed)
      e.emit(e.event_id, "status",
             {{"subtype", "warning"}, {"message", str_field(item, "message")}});
  } else {
    return false;
  }
  return true;
}

void codex_adapter::resume_usage(const cost_update& before) {
  thread_ = before_ = before;
}

void codex_adapter::parse(std::string_view line, adapter_output& out) {
  auto ev = parse_event(line, out);
  if (!ev) return;
  std::string_view type = str_field(ev, "type");
  auto item = field(ev, "item");
  if (!is_object(item)) item.reset();
  std::string_view item_id = str_field(item, "id");
  emitter e{out, item_id.empty() ? random_uuid() : std::string{item_id}, {}};

  if (type == "thread.started") {
    out.provider_session_id = str_field(ev, "thread_id");
    e.emit(e.event_id, "init",
           {{"sessionId", out.provider_session_id},
            {"model", ""},
            {"cwd", ""},
            {"tools", json::array()}});
  } else if (type == "turn.started") {
    e.emit(e.event_id, "status", {{"subtype", "turn_started"}});
    out.turn = turn_event{turn_event::started, {}, {}};
  } else if (type == "turn.completed") {
    auto u = field(ev, "usage");
    std::uint64_t input = count_field(u, "input_tokens");
    std::uint64_t output = count_field(u, "output_tokens");
    std::uint64_t cached = count_field(u, "cached_input_tokens");
    std::uint64_t cache_write = count_field(u, "cache_write_input_tokens");
    auto delta = [](std::uint64_t now, std::uint64_t before) {
      return now >= before ? now - before : now;
    };
    e.emit(e.event_id, "cost",
           {{"totalCostUsd", 0},
            {"durationMs", 0},
            {"inputTokens", delta(input, thread_.input_tokens)},
            {"outputTokens", delta(output, thread_.output_tokens)},
            {"cacheReadTokens", delta(cached, thread_.cache_read_tokens)},
            {"cacheCreationTokens", delta(cache_write, thread_.cache_creation_tokens)},
            {"totalInputTokens", input},
            {"totalOutputTokens", output},
            {"numTurns", 1},
            {"isError", false}});
    thread_.input_tokens = input;
    thread_.output_tokens = output;
    thread_.cache_read_tokens = cached;
    thread_.cache_creation_tokens = cache_write;
    totals_.input_tokens = delta(input, before_.input_tokens);
    totals_.output_tokens = delta(output, before_.output_tokens);
    totals_.cache_read_tokens = delta(cached, before_.cache_read_tokens);
    totals_.cache_creation_tokens = delta(cache_write, before_.cache_creation_tokens);
    ++totals_.turns;
    out.cost = totals_;
    out.turn = turn_event{turn_event::ended_ok, {}, {}};
  } else if (type == "turn.failed") {
    std::string text{str_field(field(ev, "error"), "message")};
    if (text.empty()) text = "Turn failed";
    if (text != last_error_) e.emit_error(text);  // one failure, one error message
    out.turn = turn_event{turn_event::ended_error, text, {}};
  } else if (type == "error") {
    std::string text{str_field(ev, "message")};
    if (text.rfind("Reconnecting...", 0) == 0) {
      e.emit(e.event_id, "status", {{"subtype", "reconnecting"}, {"message", text}});
    } else {
      e.emit_error(text);
      last_error_ = std::move(text);
    }
  } else if (type == "item.started" || type == "item.updated" || type == "item.completed") {
    if (!on_item(type, item, e) && type == "item.completed")
      e.emit_verbatim(e.event_id, "unknown", std::string{line});
  } else {
    e.emit_verbatim(e.event_id, "unknown", std::string{line});
  }
}

}  // namespace agentrt::adapters
