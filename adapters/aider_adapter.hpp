#pragma once
// Aider's plain-text console output (`--no-pretty --no-fancy-input --no-stream`), parsed line by
// line (seed-runtime.md section 4).
//
// The prompt ("> ", "aider> ", "my-repo> ": `^[a-zA-Z0-9._-]*> $`, written without a newline)
// ends a turn; the next output starts one. Startup lines give the init (model); blank and other
// startup lines are suppressed. "► THINKING" / "► ANSWER" (after any of ► ▶ ⯈ ❯ >)
// switch between thinking and text; commands in bash/sh/shell/untagged fences, and lines starting
// "$ " or "Running ", become tool calls "Bash"; "Tokens: ... Cost: $a message, $b session." is the
// cost (the session figure is cumulative: taken, never added up); "Applied edit to", "Fix any
// errors" and "Running: " lines are dropped.

#include <string>
#include <string_view>

#include "adapters/adapter.hpp"

namespace agentrt::adapters {

// Whether `line` is aider's input prompt.
bool is_aider_prompt(std::string_view line);

class aider_adapter final : public provider_adapter {
 public:
  void on_partial(std::string_view pending, adapter_output& out) override;

 protected:
  void parse(std::string_view line, adapter_output& out) override;

 private:
  void content_line(std::string_view line, adapter_output& out);
  void end_turn(adapter_output& out);

  bool turn_open_ = false;
  bool after_prompt_ = false;   // a prompt was seen as a partial line: the next line extends it
  bool expect_prompt_ = false;  // a prompt is due (after startup, after a Tokens line)
  bool thinking_ = false;
  bool in_fence_ = false;
  bool shell_fence_ = false;
  cost_update totals_;
};

}  // namespace agentrt::adapters
