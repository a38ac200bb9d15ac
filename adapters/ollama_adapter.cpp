#include "adapters/ollama_adapter.hpp"

#include "adapters/emit.hpp"

namespace agentrt::adapters {

void ollama_adapter::parse(std::string_view line, adapter_output& out) {
  auto ev = parse_event(line, out);
  if (!ev) return;
  emitter e{out, random_uuid(), {}};
  if (str_field(ev, "type") == "system") {
    std::string_view subtype = str_field(ev, "subtype");
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
  if (auto error = field(ev, "error")) {
    std::string text =
      error->is_string() ? std::string{std::string_view(*error)} : simdjson::minify(*error);
    e.emit_error(text);
    out.turn = turn_event{turn_event::ended_error, text, {}};
    return;
  }
  auto message = field(ev, "message");
  if (message) {
    std::string_view thinking = str_field(message, "thinking");
    std::string_view text = str_field(message, "content");
    if (!thinking.empty()) e.emit_text(e.block_id("think"), "thinking", thinking, true);
    if (!text.empty()) e.emit_text(e.block_id("text"), "text", text, true);
  }
  if (!bool_field(ev, "done")) {
    if (!message) e.emit_verbatim(e.event_id, "unknown", std::string{line});
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
