#include "adapters/ollama_adapter.hpp"

#include "adapters/emit.hpp"

namespace agentrt::adapters {

void ollama_adapter::parse(std::string_view line, adapter_output& out) {
  auto parsed = parse_event(line, out);
  if (!parsed) return;
  const json& ev = *parsed;
  emitter e{out, random_uuid(), {}};
  if (str_field(ev, "type") == "system") {
    std::string subtype = str_field(ev, "subtype");
    if (subtype == "init") {
      out.provider_session_id = str_field(ev, "session_id");
      e.emit(e.event_id, "init",
             {{"sessionId", out.provider_session_id},
              {"model", str_field(ev, "model")},
              {"cwd", str_field(ev, "cwd")},
              {"tools", json::array()}});
      out.turn = turn_event{turn_event::started, {}, {}};
    } else {
      json content = {{"subtype", subtype}};
      if (auto status = str_field(ev, "status"); !status.empty()) content["message"] = status;
      e.emit(e.event_id, "status", content);
    }
    return;
  }
  if (const json* error = field(ev, "error"); error != nullptr) {
    std::string text = error->is_string() ? error->get<std::string>() : error->dump();
    e.emit_error(text);
    out.turn = turn_event{turn_event::ended_error, text, {}};
    return;
  }
  const json* message = field(ev, "message");
  if (message != nullptr) {
    std::string thinking = str_field(*message, "thinking");
    std::string text = str_field(*message, "content");
    if (!thinking.empty()) e.emit_block("think", "thinking", {{"text", thinking}, {"delta", true}});
    if (!text.empty()) e.emit_block("text", "text", {{"text", text}, {"delta", true}});
  }
  if (!bool_field(ev, "done")) {
    if (message == nullptr) e.emit(e.event_id, "unknown", ev);
    return;
  }
  bool failed = str_field(ev, "done_reason") == "error";
  std::uint64_t input = count_field(ev, "prompt_eval_count");
  std::uint64_t output = count_field(ev, "eval_count");
  e.emit_block("cost", "cost",
               {{"totalCostUsd", 0},
                {"durationMs", num_field(ev, "eval_duration") / 1e6},
                {"inputTokens", input},
                {"outputTokens", output},
                {"cacheReadTokens", 0},
                {"cacheCreationTokens", 0},
                {"numTurns", 1},
                {"isError", failed}});
  totals_.input_tokens += input;
  totals_.output_tokens += output;
  ++totals_.turns;
  out.cost = totals_;
  out.turn = failed ? turn_event{turn_event::ended_error, "the model stopped with an error", {}}
                    : turn_event{turn_event::ended_ok, {}, {}};
}

}  // namespace agentrt::adapters
