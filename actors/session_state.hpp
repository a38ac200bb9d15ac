#pragma once
// The state machine of one session run, without actors: what the process and the stream report
// goes in, the session's status comes out. Not thread-safe (owned by the session actor).
//
//   [starting --queued--> queued --admitted--> starting]
//   starting --spawned--> running --turn ended--> idle --turn started--> running
//   any live state --exited and output drained--> done | error | stopped
//   starting --spawn failed--> error
//   starting | running | idle --silent (watchdog)--> stalled --output--> what it was
//
// The terminal status is decided only once the process has exited AND its output was drained,
// so it always follows the last message. The stream decides first, the exit status second:
//   stop requested                 -> stopped (error, with the reason, when it had one: a budget)
//   its turn was interrupted       -> done (an interrupt ends the turn, not as an error)
//   last turn ended with an error  -> error (the stream's error text)
//   last turn ended successfully   -> done
//   the watchdog gave up on it     -> error ("stalled: ...")
//   no final result                -> error ("exited with code N / killed by signal S without a
//                                     final result", and ": <its last stderr line>" if it wrote)

#include <optional>
#include <string>

#include "messages/internal.hpp"
#include "messages/status.hpp"

namespace agentrt {

class session_state {
 public:
  session_status status() const { return status_; }
  const std::string& error() const { return error_; }
  int exit_code() const { return exit_code_; }
  int signal() const { return signal_; }
  bool exited() const { return exited_; }
  bool stop_requested() const { return stop_requested_; }
  bool stall_timed_out() const { return !stall_error_.empty(); }
  // Ended as an error with no stop asked and no error result from the agent: killed, stalled, or
  // gone without a final result (what a supervisor restarts). A spawn failure is no crash.
  bool crashed() const {
    return status_ == session_status::error && !stop_requested_ && !spawn_failed_ &&
           last_turn_ != turn_outcome::failed;
  }

  // Each input returns the new status when it changed.
  std::optional<session_status> on_queued();    // starting -> queued: waits for a slot
  std::optional<session_status> on_admitted();  // queued -> starting
  // A stop before any process was started: the run ends at once (as a stop would).
  std::optional<session_status> on_withdrawn();
  std::optional<session_status> on_spawned();
  std::optional<session_status> on_spawn_failed(std::string error);
  std::optional<session_status> on_turn(const turn_event& turn);
  // An interrupt of the current turn: however the turn or the process ends after it, that is
  // no error (until a new turn starts).
  void on_interrupt_requested() { interrupted_ = true; }
  // A reason makes the end an error with that text instead of `stopped`.
  void on_stop_requested(std::string reason = {}) {
    stop_requested_ = true;
    if (stop_reason_.empty()) stop_reason_ = std::move(reason);
  }
  std::optional<session_status> on_exited(int exit_code, int signal);
  // The watchdog saw no output for its time; output came again.
  std::optional<session_status> on_stalled();
  std::optional<session_status> on_output_resumed();
  // The watchdog gives up on the stalled run (which is then killed): it ends as an error `why`,
  // unless its final result was in.
  void on_stall_timeout(std::string why) { stall_error_ = std::move(why); }
  // Adds to the error of an ended run (why nothing follows it).
  void amend_error(const std::string& more) { error_ += more; }
  // `last_stderr`: the agent's last stderr line, added to the error of a run without a result.
  std::optional<session_status> on_drained(const std::string& last_stderr = {});

 private:
  std::optional<session_status> set(session_status s);
  std::optional<session_status> settle();

  enum class turn_outcome { none, open, ok, failed };

  session_status status_ = session_status::starting;
  turn_outcome last_turn_ = turn_outcome::none;
  std::string turn_error_;
  std::string error_;
  bool exited_ = false;
  bool drained_ = false;
  bool stop_requested_ = false;
  bool interrupted_ = false;
  bool spawn_failed_ = false;
  std::string stop_reason_;
  std::string stall_error_;
  session_status before_stall_ = session_status::running;
  int exit_code_ = -1;
  int signal_ = -1;
  std::string last_stderr_;
};

}  // namespace agentrt
