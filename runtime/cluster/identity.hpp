#pragma once
// The per-user TLS identity that nodes and coordinators use when no certificates are given: a CA
// and one certificate it signed (for both sides: serverAuth and clientAuth), made on first use
// in a directory only this user can read. A node accepts only peers whose certificate chains to
// its CA, so the same user's coordinators get in with no set-up and another local user, who can
// read neither key, cannot (docs/distributed.md). No CAF; thread-safe (a lock file serialises
// processes making the identity at once).

#include <string>

namespace agentrt::cluster {

struct identity_files {
  std::string certificate, key, ca;  // PEM files
  std::string error;                 // why there are none; empty on success
};

// The identity in `dir` (made with mode 0700, files 0600, when missing). Refuses a directory
// that another user owns or that others may read.
identity_files user_identity(const std::string& dir);

// Keeps runtime/cluster/openssl_error_queue.cpp (and its fix of CAF's TLS sessions) linked.
void use_clean_openssl_error_queue();

}  // namespace agentrt::cluster
