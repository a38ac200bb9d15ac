#include "runtime/stop_signals.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <initializer_list>
#include <stdexcept>
#include <string>

namespace agentrt {

namespace {

sigset_t stop_set() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGQUIT}) sigaddset(&set, sig);
  return set;
}

}  // namespace

stop_signals::stop_signals() {
  for (int sig : {SIGPIPE, SIGUSR1, SIGUSR2}) signal(sig, SIG_IGN);
  sigset_t set = stop_set();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  fd_ = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (fd_ < 0)
    throw std::runtime_error(std::string{"cannot watch for stop signals: "} + std::strerror(errno));
}

stop_signals::~stop_signals() {
  if (fd_ >= 0) close(fd_);
}

int stop_signals::take() {
  signalfd_siginfo info{};
  ssize_t n;
  while ((n = read(fd_, &info, sizeof info)) < 0 && errno == EINTR) {
  }
  return n == static_cast<ssize_t>(sizeof info) ? static_cast<int>(info.ssi_signo) : 0;
}

int stop_signals::wait() {
  for (;;) {
    if (int sig = take(); sig != 0) return sig;
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, -1) < 0 && errno != EINTR) return SIGTERM;  // cannot wait: stop now
  }
}

}  // namespace agentrt
