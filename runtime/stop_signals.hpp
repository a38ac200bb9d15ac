#pragma once
// The signals that ask a front door to stop, taken one way by all of them (sidecar, node, run,
// demo, resume).
//
// SIGTERM, SIGINT, SIGHUP (the terminal closed) and SIGQUIT each stop the sessions as SIGTERM
// always did: with the grace, and their last events written. SIGPIPE is ignored (a write to a
// closed pipe fails with EPIPE where it is made), and so are SIGUSR1 and SIGUSR2, which would
// otherwise end the process with no clean-up. The stop signals are blocked in the constructing
// thread, so every thread the runtime starts afterwards inherits the mask and none is ended by
// them; they arrive through a signalfd, which a front door polls beside its other fds. Children
// get a cleared mask and default dispositions (runtime/process/launch.cpp).
//
// Construct one on the main thread before the runtime (it throws std::runtime_error when no
// signalfd can be made). Not thread-safe.

namespace agentrt {

class stop_signals {
 public:
  stop_signals();
  ~stop_signals();
  stop_signals(const stop_signals&) = delete;
  stop_signals& operator=(const stop_signals&) = delete;

  // Readable while a stop signal is pending.
  int fd() const { return fd_; }
  // The pending stop signal's number, taken; 0 at once when none is pending.
  int take();
  // Blocks until a stop signal arrives; its number.
  int wait();

 private:
  int fd_ = -1;
};

}  // namespace agentrt
