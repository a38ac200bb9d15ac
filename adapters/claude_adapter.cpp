#include "adapters/claude_adapter.hpp"

#include <algorithm>

#include "adapters/emit.hpp"
#include "adapters/error_class.hpp"

namespace agentrt::adapters {

namespace {

void on_system(element ev, emitter& e) {
  std::string_view subtype = str_field(ev, "subtype");
  if (subtype == "init") {
    e.emit(e.event_id, "init",
           {{"sessionId", str_field(ev, "session_id")},
            {"model", str_field(ev, "model")},
            {"cwd", str_field(ev, "cwd")},
            {"tools", string_array(field(ev, "tools"))}});
  } else if (subtype == "compact_boundary") {
    auto meta = field(ev, "compact_metadata");
    std::string_view trigger = str_field(meta, "trigger");
    e.emit(e.event_id, "compaction",
           {{"trigger", trigger.empty() ? "auto" : trigger},
            {"preTokens", count_field(meta, "pre_tokens")}});
  } else if (subtype == "api_retry") {
    // Classified as it comes, so that a host tells "retrying after an auth failure" at once
    // (claude gives up only after ten of them, minutes later).
    std::string error{str_field(ev, "error")};
    auto status = count_field(ev, "error_status");
    auto cls = classify_error(status > 0 ? error + " " + std::to_string(status) : error);
    json content = {{"subtype", subtype},
                    {"attempt", count_field(ev, "attempt")},
                    {"maxRetries", count_field(ev, "max_retries")},
                    {"retryDelayMs", count_field(ev, "retry_delay_ms")},
                    {"errorClass", to_string(cls.cls)}};
    if (status > 0) content["errorStatus"] = status;
    if (!error.empty()) content["error"] = error;
    e.emit(e.event_id, "status", content);
  } else {
    json content = {{"subtype", subtype}};
    if (auto status = field(ev, "status"); status && status->is_string())
      content["message"] = std::string_view(*status);
    e.emit(e.event_id, "status", content);
  }
}

// The `content` blocks of the event's message, if it has an array of them.
std::optional<simdjson::dom::array> content_blocks(element ev) {
  auto blocks = field(field(ev, "message"), "content");
  if (!is_array(blocks)) return std::nullopt;
  return simdjson::dom::array(*blocks);
}

void on_assistant(element ev, emitter& e) {
  auto blocks = content_blocks(ev);
  if (!blocks) return;
  for (element block : *blocks) {
    std::string_view type = str_field(block, "type");
    if (type == "text") {
      e.emit_text(e.block_id("text"), "text", str_field(block, "text"));
    } else if (type == "thinking") {
      auto thinking = field(block, "thinking");
      std::string_view text =
        thinking && thinking->is_string() ? std::string_view(*thinking) : str_field(block, "text");
      e.emit_text(e.block_id("think"), "thinking", text);
    } else if (type == "tool_use") {
      auto input = field(block, "input");
      e.emit_block("tool", "tool_call",
                   {{"toolUseId", str_field(block, "id")},
                    {"name", str_field(block, "name")},
                    {"input", input ? to_json(*input) : json::object()}});
    }
  }
}

void on_user(element ev, emitter& e) {
  auto blocks = content_blocks(ev);
  if (!blocks) return;
  for (element block : *blocks) {
    if (str_field(block, "type") != "tool_result") continue;
    auto output = field(block, "content");
    if (!output) output = field(ev, "tool_use_result");
    e.emit_block("result", "tool_result",
                 {{"toolUseId", str_field(block, "tool_use_id")},
                  {"output", output ? to_json(*output) : json{}}});
  }
}

std::string result_error_text(element ev) {
  std::string text{str_field(ev, "result")};
  if (text.empty())
    for (const auto& err : string_array(field(ev, "errors")))
      text += (text.empty() ? "" : "; ") + err.get<std::string>();
  if (text.empty())
    text = "the agent reported an error (" + std::string{str_field(ev, "subtype")} + ")";
  return text;
}

void on_result(element ev, emitter& e, cost_update& totals) {
  auto u = field(ev, "usage");
  bool is_error = bool_field(ev, "is_error");
  json content = {{"totalCostUsd", num_field(ev, "total_cost_usd")},
                  {"durationMs", num_field(ev, "duration_ms")},
                  {"inputTokens", count_field(u, "input_tokens")},
                  {"outputTokens", count_field(u, "output_tokens")},
                  {"cacheReadTokens", count_field(u, "cache_read_input_tokens")},
                  {"cacheCreationTokens", count_field(u, "cache_creation_input_tokens")},
                  {"numTurns", count_field(ev, "num_turns")},
                  {"isError", is_error}};
  if (auto result = field(ev, "result"); result && result->is_string())
    content["result"] = std::string_view(*result);
  if (auto errors = field(ev, "errors"); is_array(errors)) content["errors"] = string_array(errors);
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
void on_stream_event(element ev, emitter& e) {
  auto inner = field(ev, "event");
  if (!inner) return;
  std::string_view kind = str_field(inner, "type");
  auto delta = field(inner, "delta");
  std::string_view delta_type = str_field(delta, "type");
  if (delta_type == "text_delta")
    e.emit_text(e.block_id("text"), "text", str_field(delta, "text"), true);
  else if (delta_type == "thinking_delta")
    e.emit_text(e.block_id("think"), "thinking", str_field(delta, "thinking"), true);
  else if (delta_type != "input_json_delta" && delta_type != "signature_delta")
    e.emit(e.event_id, "status", {{"subtype", "stream_event"}, {"event", kind}});
}

// Documented top-level types that carry no conversation content of their own.
bool is_control_type(std::string_view type) {
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
  element ev = *parsed;
  std::string_view uuid = str_field(ev, "uuid");
  emitter e{out, uuid.empty() ? random_uuid() : std::string{uuid},
            std::string{str_field(ev, "parent_tool_use_id")}};
  out.provider_session_id = str_field(ev, "session_id");
  std::string_view type = str_field(ev, "type");
  if (type == "system") {
    on_system(ev, e);
    if (str_field(ev, "subtype") == "init") out.turn = turn_event{turn_event::started, {}, {}};
  } else if (type == "assistant") {
    on_assistant(ev, e);
    auto msg = field(ev, "message");
    if (auto u = field(msg, "usage"); is_object(u))
      track_usage(
        str_field(msg, "id"),
        {count_field(u, "input_tokens"), count_field(u, "output_tokens"),
         count_field(u, "cache_read_input_tokens"), count_field(u, "cache_creation_input_tokens")},
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
    e.emit_verbatim(e.event_id, "unknown", std::string{line});
  }
}

void claude_adapter::track_usage(std::string_view message_id, const usage& u, adapter_output& out) {
  if (message_id.empty()) return;
  auto found = std::find_if(turn_usage_.begin(), turn_usage_.end(),
                            [&](const auto& r) { return r.first == message_id; });
  if (found == turn_usage_.end()) {
    // The oldest one's figures stay in the sum; it is only not updated any more.
    if (turn_usage_.size() == recent_responses) turn_usage_.erase(turn_usage_.begin());
    turn_usage_.emplace_back(std::string{message_id}, usage{});
    found = turn_usage_.end() - 1;
  }
  auto& latest = found->second;
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
