#include "adapters/gemini_adapter.hpp"

#include "adapters/emit.hpp"

namespace agentrt::adapters {

void gemini_adapter::parse(std::string_view line, adapter_output& out) {
  auto ev = parse_event(line, out);
  if (!ev) return;
  std::string_view type = str_field(ev, "type");
  emitter e{out, random_uuid(), {}};
  if (type == "init") {
    out.provider_session_id = str_field(ev, "session_id");
    e.emit(e.event_id, "init",
           {{"sessionId", out.provider_session_id},
            {"model", str_field(ev, "model")},
            {"cwd", ""},
            {"tools", json::array()}});
    out.turn = turn_event{turn_event::started, {}, {}};
  } else if (type == "message") {
    if (str_field(ev, "role") != "assistant") return;  // the echo of the prompt
    e.emit_text(e.event_id, "text", str_field(ev, "content"), bool_field(ev, "delta"));
  } else if (type == "tool_use") {
    auto params = field(ev, "parameters");
    e.emit(e.event_id, "tool_call",
           {{"toolUseId", str_field(ev, "tool_id")},
            {"name", str_field(ev, "tool_name")},
            {"input", params ? to_json(*params) : json::object()}});
  } else if (type == "tool_result") {
    bool failed = str_field(ev, "status") == "error";
    auto error = field(ev, "error");
    json output =
      failed && error ? json(str_field(error, "message")) : json(str_field(ev, "output"));
    json content = {{"toolUseId", str_field(ev, "tool_id")}, {"output", output}};
    if (failed) content["isError"] = true;
    e.emit(e.event_id, "tool_result", content);
  } else if (type == "error") {
    std::string_view text = str_field(ev, "message");
    if (str_field(ev, "severity") == "warning")
      e.emit(e.event_id, "status", {{"subtype", "warning"}, {"message", text}});
    else
      e.emit_error(text);
  } else if (type == "result") {
    auto stats = field(ev, "stats");
    bool failed = str_field(ev, "status") == "error";
    std::string text{str_field(field(ev, "error"), "message")};
    if (failed && text.empty()) text = "the agent reported an error";
    json content = {{"totalCostUsd", 0},
                    {"durationMs", num_field(stats, "duration_ms")},
                    {"inputTokens", count_field(stats, "input_tokens")},
                    {"outputTokens", count_field(stats, "output_tokens")},
                    {"cacheReadTokens", count_field(stats, "cached")},
                    {"cacheCreationTokens", 0},
                    {"numTurns", 1},
                    {"isError", failed}};
    if (failed) {
      content["errors"] = json::array({text});
      e.emit_error(text);
    }
    e.emit_block("cost", "cost", content);
    totals_.input_tokens += count_field(stats, "input_tokens");
    totals_.output_tokens += count_field(stats, "output_tokens");
    totals_.cache_read_tokens += count_field(stats, "cached");
    ++totals_.turns;
    out.cost = totals_;
    out.turn = failed ? turn_event{turn_event::ended_error, text, {}}
                      : turn_event{turn_event::ended_ok, {}, {}};
  } else {
    e.emit_verbatim(e.event_id, "unknown", std::string{line});
  }
}

}  // namespace agentrt::adapters
