#pragma once
// The journal's SQLite file: sessions as records, and every numbered event of each session, kept
// in the batches they were published in (one row per batch: a row per event cost more than the
// rest of the event path). Knows SQL, not actors: batches and queries arrive serialized (blobs),
// so this file stays a leaf like runtime/process.
//
// One writer per file: open() takes an exclusive lock on DIR/journal.lock for the store's life,
// checks the file (PRAGMA quick_check; a damaged file is moved aside and a new one begun, which
// warnings() says), and marks the sessions that were live when the last writer died as
// `interrupted`. Readers
// (open_read_only) hold no lock and may run beside the writer (WAL); when no writer holds the
// journal, they too show its live sessions as `interrupted`.
// Not thread-safe: one owner (the journal actor, or a CLI command).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "messages/commands.hpp"

struct sqlite3;

namespace agentrt::journal {

// Events first_seq..last_seq of one session, published together.
struct stored_batch {
  std::string session_id;
  std::uint64_t first_seq = 0;
  std::uint64_t last_seq = 0;
  std::string blob;  // the batch, serialized
};

class store {
 public:
  // Opens (creating) DIR/journal.db for writing. Throws std::runtime_error with a readable text
  // when it cannot: the directory cannot be made, another runtime holds it, SQLite fails.
  static std::unique_ptr<store> open(const std::string& dir);
  // Opens an existing journal for reading; nullptr when there is none in `dir`. On a read-only
  // filesystem (no -shm file can be made) it reads the file as it is.
  static std::unique_ptr<store> open_read_only(const std::string& dir);
  ~store();

  store(const store&) = delete;
  store& operator=(const store&) = delete;

  // One transaction: the batches, the session records, the queries. Throws std::runtime_error
  // with SQLite's reason (a full disk: "database or disk is full"); nothing of it is written then.
  void write(const std::vector<stored_batch>& batches, const std::vector<session_info>& records,
             const std::vector<std::pair<std::string, std::string>>& queries);

  // What open() had to do to the file (moved a damaged one aside), for the user to read.
  const std::vector<std::string>& warnings() const { return warnings_; }

  std::vector<session_info> sessions() const;
  // Whether the journal has a record of the session.
  bool knows(const std::string& session_id) const;
  // The sequence number of the session's last journaled event (0: none).
  std::uint64_t last_seq(const std::string& session_id) const;
  // The session's latest query, serialized ("" if none).
  std::string query(const std::string& session_id) const;
  // The batches of a session holding events with after < seq <= up_to, in order (the first and
  // the last may hold events outside the range too).
  std::vector<stored_batch> batches(const std::string& session_id, std::uint64_t after,
                                    std::uint64_t up_to = UINT64_MAX) const;

 private:
  store(sqlite3* db, std::string path, int lock_fd, bool writer_gone);
  void exec(const char* sql) const;
  [[noreturn]] void fail(const std::string& why) const;

  sqlite3* db_;
  std::string path_;
  std::vector<std::string> warnings_;
  int lock_fd_;
  bool writer_gone_;  // read-only, and no runtime writes the journal
};

// $XDG_STATE_HOME/agentrt, or ~/.local/state/agentrt.
std::string default_dir();

}  // namespace agentrt::journal
