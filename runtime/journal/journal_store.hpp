#pragma once
// The journal's SQLite file: sessions as records, and every numbered event of each session, kept
// in the batches they were published in (one row per batch: a row per event cost more than the
// rest of the event path). Knows SQL, not actors: batches and queries arrive serialized (blobs),
// so this file stays a leaf like runtime/process. A batch is LZ4-compressed before it is written
// (pack), and comes back from batches() as it was serialized.
//
// Shared: any number of runtimes (processes or engines in one) write one file at once (WAL, a
// busy timeout), each owning the sessions it started. A writer holds a lease for its life: a row
// in `runtimes` and an exclusive flock on DIR/leases/<its id>, which the kernel lets go when the
// process dies, however it dies. open() checks the file (PRAGMA quick_check; a damaged file is
// moved aside and a new one begun, which warnings() says), takes its lease, and marks
// `interrupted` the live sessions of every runtime whose lease is free (it died), never those of
// one that lives. A session record is written by its owner only. Readers (open_read_only) hold no
// lease, and show the live sessions of a dead owner as `interrupted` too.
// Not thread-safe: one owner (the journal actor, or a CLI command).

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "messages/commands.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace agentrt::journal {

// Events first_seq..last_seq of one session, published together.
struct stored_batch {
  std::string session_id;
  std::uint64_t first_seq = 0;
  std::uint64_t last_seq = 0;
  std::string blob;  // the batch, serialized
};

// A batch as it is written: the serialized events LZ4-compressed, or as they are when that is
// not smaller (raw_bytes 0; else their size before).
struct packed_batch {
  std::string session_id;
  std::uint64_t first_seq = 0;
  std::uint64_t last_seq = 0;
  std::string bytes;
  std::int64_t raw_bytes = 0;
};

// Compresses `events` (a serialized batch, read where it lies: the journal's serialization
// buffer, never copied whole) through `room`, the caller's working space kept from one call to
// the next, so that only the compressed bytes are allocated anew.
packed_batch pack(std::string session_id, std::uint64_t first_seq, std::uint64_t last_seq,
                  std::string_view events, std::string& room);

class store {
 public:
  // Opens (creating) DIR/journal.db for writing. Throws std::runtime_error with a readable text
  // when it cannot: the directory cannot be made, SQLite fails.
  static std::unique_ptr<store> open(const std::string& dir);
  // Opens an existing journal for reading; nullptr when there is none in `dir`. On a read-only
  // filesystem (no -shm file can be made) it reads the file as it is.
  static std::unique_ptr<store> open_read_only(const std::string& dir);
  ~store();

  store(const store&) = delete;
  store& operator=(const store&) = delete;

  // One transaction: the batches, the session records, the queries, then the sessions to forget
  // (record and events; one that is live stays). Throws std::runtime_error with SQLite's reason
  // (a full disk: "database or disk is full"); nothing of it is written then.
  void write(const std::vector<packed_batch>& batches, const std::vector<session_info>& records,
             const std::vector<std::pair<std::string, std::string>>& queries,
             const std::vector<std::string>& forgotten = {});

  // What open() had to do to the file (moved a damaged one aside), for the user to read.
  const std::vector<std::string>& warnings() const { return warnings_; }

  // Every session's record, or only the one named `only`, in the order they started.
  std::vector<session_info> sessions(const std::string& only = {}) const;
  // Whether the journal has a record of the session.
  bool knows(const std::string& session_id) const;
  // Why this runtime may not run the session now: it is live in another runtime that lives
  // ("Session s is live in another agentrt (pid N) since ..."); "" when it may.
  std::string owned_elsewhere(const std::string& session_id);
  // Takes session ids that no record holds yet for this writer, in one transaction (a commit per
  // id was most of a new session's cost to the journal): a `starting` record owned by it, which
  // the session's own record replaces. Element i is true when it took session_ids[i]; false when
  // a record was there (two writers claiming one id: the first wins, and owned_elsewhere() tells
  // the second). Throws std::runtime_error as write() does; then it took none.
  std::vector<bool> claim(const std::vector<std::string>& session_ids);
  // Forgets every ended session, record and events, but the `keep` newest by start, in one
  // transaction; how many it forgot. Throws as write() does.
  std::size_t forget_all_but_newest(std::size_t keep);
  // This writer's pid, as session_info::owner_pid names it.
  std::int32_t owner_pid() const;
  // The sequence number of the session's last journaled event (0: none).
  std::uint64_t last_seq(const std::string& session_id) const;
  // The session's latest query, serialized ("" if none).
  std::string query(const std::string& session_id) const;
  // The batches of a session holding events with after < seq <= up_to, in order (the first and
  // the last may hold events outside the range too). Throws std::runtime_error naming the batch
  // when one does not decompress (a damaged file).
  std::vector<stored_batch> batches(const std::string& session_id, std::uint64_t after,
                                    std::uint64_t up_to = UINT64_MAX) const;

 private:
  store(sqlite3* db, std::string dir, std::string path);
  void exec(const char* sql) const;
  // The statement for `sql`, prepared on its first use and kept until the store closes.
  sqlite3_stmt* prepare(const std::string& sql) const;
  [[noreturn]] void fail(const std::string& why) const;
  // Runs `body` inside BEGIN IMMEDIATE ... COMMIT; what it throws rolls the transaction back and
  // is thrown again as fail() throws.
  void in_transaction(const std::function<void()>& body);
  void take_lease();
  // Whether the runtime with this lease id lives (its lease file is locked).
  bool lease_held(const std::string& runtime_id) const;
  // Marks the live sessions of every runtime that died interrupted, and forgets those runtimes.
  void sweep_dead_runtimes();

  sqlite3* db_;
  mutable std::unordered_map<std::string, sqlite3_stmt*> statements_;
  std::string dir_;
  std::string path_;
  std::vector<std::string> warnings_;
  std::string runtime_id_;  // this writer's lease; "" for a reader
  int lease_fd_ = -1;
};

// $XDG_STATE_HOME/agentrt, or ~/.local/state/agentrt.
std::string default_dir();

}  // namespace agentrt::journal
