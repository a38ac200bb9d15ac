#include "actors/session_state.hpp"

namespace agentrt {

std::optional<session_status> session_state::set(session_status s) {
  if (s == status_) return std::nullopt;
  status_ = s;
  return s;
}

std::optional<session_status> session_state::on_queued() {
  return status_ == session_status::starting ? set(session_status::queued) : std::nullopt;
}

std::optional<session_status> session_state::on_admitted() {
  return status_ == session_status::queued ? set(session_status::starting) : std::nullopt;
}

std::optional<session_status> session_state::on_withdrawn() {
  if (is_terminal(status_)) return std::nullopt;
  exited_ = drained_ = true;
  return settle();
}

std::optional<session_status> session_state::on_spawned() {
  bool stalled_starting =
    status_ == session_status::stalled && before_stall_ == session_status::starting;
  if (status_ != session_status::starting && !stalled_starting) return std::nullopt;
  return set(session_status::running);
}

std::optional<session_status> session_state::on_spawn_failed(std::string error) {
  if (is_terminal(status_)) return std::nullopt;
  spawn_failed_ = true;
  error_ = std::move(error);
  return set(session_status::error);
}

std::optional<session_status> session_state::on_turn(const turn_event& turn) {
  if (is_terminal(status_)) return std::nullopt;
  switch (turn.kind) {
    case turn_event::started:
      last_turn_ = turn_outcome::open;
      turn_error_.clear();
      interrupted_ = false;
      return exited_ ? std::nullopt : set(session_status::running);
    case turn_event::ended_ok:
      last_turn_ = turn_outcome::ok;
      break;
    case turn_event::ended_error:
      last_turn_ = turn_outcome::failed;
      turn_error_ = turn.error;
      break;
  }
  return exited_ ? std::nullopt : set(session_status::idle);
}

std::optional<session_status> session_state::on_exited(int exit_code, int signal) {
  exited_ = true;
  exit_code_ = exit_code;
  signal_ = signal;
  return settle();
}

std::optional<session_status> session_state::on_stalled() {
  if (status_ != session_status::starting && status_ != session_status::running &&
      status_ != session_status::idle)
    return std::nullopt;
  before_stall_ = status_;
  return set(session_status::stalled);
}

std::optional<session_status> session_state::on_output_resumed() {
  return status_ == session_status::stalled ? set(before_stall_) : std::nullopt;
}

std::optional<session_status> session_state::on_drained(const std::string& last_stderr) {
  drained_ = true;
  last_stderr_ = last_stderr;
  return settle();
}

std::optional<session_status> session_state::settle() {
  if (!exited_ || !drained_ || is_terminal(status_)) return std::nullopt;
  if (stop_requested_ && stop_reason_.empty()) return set(session_status::stopped);
  if (stop_requested_) {
    error_ = stop_reason_;
    return set(session_status::error);
  }
  if (interrupted_) return set(session_status::done);
  if (last_turn_ == turn_outcome::failed) {
    error_ = turn_error_;
    return set(session_status::error);
  }
  if (last_turn_ == turn_outcome::ok) return set(session_status::done);
  if (stall_timed_out()) {
    error_ = stall_error_;
    return set(session_status::error);
  }
  error_ =
    signal_ > 0
      ? "the agent was killed by signal " + std::to_string(signal_) + " before its final result"
      : "the agent exited with code " + std::to_string(exit_code_) + " without a final result";
  if (!last_stderr_.empty()) error_ += ": " + last_stderr_;
  return set(session_status::error);
}

}  // namespace agentrt
