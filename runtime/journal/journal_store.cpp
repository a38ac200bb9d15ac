#include "runtime/journal/journal_store.hpp"

#include <fcntl.h>
#include <lz4.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <map>
#include <stdexcept>

namespace agentrt::journal {

namespace {

// 3: shared by several runtimes (the runtimes table, sessions.owner).
// 4: events compressed (batches.raw_bytes); those of schema 3 are read as they are.
constexpr int schema_version = 4;
// Events of an older schema than this are dropped: schema 2's lack status_change's retry fields.
constexpr int oldest_readable_events = 3;

constexpr const char* schema = R"(
CREATE TABLE IF NOT EXISTS sessions(
  session_id TEXT PRIMARY KEY, provider TEXT NOT NULL, status TEXT NOT NULL,
  generation INTEGER NOT NULL, pid INTEGER NOT NULL, provider_session_id TEXT NOT NULL,
  total_cost_usd REAL NOT NULL, input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL,
  started_at_ms INTEGER NOT NULL, node TEXT NOT NULL, query BLOB, owner TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS batches(
  session_id TEXT NOT NULL, first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL,
  events BLOB NOT NULL, raw_bytes INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(session_id, first_seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS runtimes(
  runtime_id TEXT PRIMARY KEY, pid INTEGER NOT NULL, started_at_ms INTEGER NOT NULL);
)";

constexpr const char* live_statuses = "status NOT IN ('done','error','stopped','interrupted')";

// One use of a statement of the store's cache: bound, stepped, then reset (its bindings
// cleared) when it goes out of scope, ready for the next use.
class statement {
 public:
  statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  ~statement() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;

  statement& bind(int i, const std::string& text) {
    sqlite3_bind_text(stmt_, i, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
    return *this;
  }
  statement& bind_blob(int i, const std::string& bytes) {
    sqlite3_bind_blob(stmt_, i, bytes.data(), static_cast<int>(bytes.size()), SQLITE_STATIC);
    return *this;
  }
  statement& bind(int i, std::int64_t n) {
    sqlite3_bind_int64(stmt_, i, n);
    return *this;
  }
  statement& bind(int i, double x) {
    sqlite3_bind_double(stmt_, i, x);
    return *this;
  }
  // True while there is a row to read.
  bool step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) throw std::runtime_error{std::string{"journal: "} + sqlite3_errmsg(db_)};
    return false;
  }
  void run() {
    step();
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  std::string text(int col) const {
    auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
    return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string{};
  }
  std::int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
  double real(int col) const { return sqlite3_column_double(stmt_, col); }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// The database at `path` (a file name, or a file: URI with SQLITE_OPEN_URI), or nullptr with
// SQLite's reason in `why`.
sqlite3* try_open_db(const std::string& path, int flags, std::string& why) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    why = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return nullptr;
  }
  sqlite3_busy_timeout(db, 5000);
  return db;
}

sqlite3* open_db(const std::string& path, int flags) {
  std::string why;
  sqlite3* db = try_open_db(path, flags, why);
  if (db == nullptr) throw std::runtime_error{"journal: cannot open " + path + ": " + why};
  return db;
}

// "ok", or what is wrong with the file: quick_check's first finding, or the error that stopped
// it (a bad header: "file is not a database").
std::string check_file(sqlite3* db) {
  sqlite3_stmt* stmt = nullptr;
  std::string result;
  if (sqlite3_prepare_v2(db, "PRAGMA quick_check(1)", -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW) {
    auto* text = sqlite3_column_text(stmt, 0);
    result = text ? reinterpret_cast<const char*>(text) : "";
  } else {
    result = sqlite3_errmsg(db);
  }
  sqlite3_finalize(stmt);
  return result;
}

// Moves a damaged journal (and its WAL) aside; the name it got.
std::string move_aside(const std::string& path) {
  std::string aside = path + ".damaged-" + std::to_string(::time(nullptr));
  std::rename(path.c_str(), aside.c_str());
  for (const char* suffix : {"-wal", "-shm"}) std::remove((path + suffix).c_str());
  return aside;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

// Adds a column an older schema lacks; its rows get the column's default.
void add_column(sqlite3* db, const std::string& table, const std::string& column,
                const std::string& definition) {
  sqlite3_stmt* stmt = nullptr;
  bool has = false;
  if (sqlite3_prepare_v2(db, ("PRAGMA table_info(" + table + ")").c_str(), -1, &stmt, nullptr) ==
      SQLITE_OK)
    while (sqlite3_step(stmt) == SQLITE_ROW)
      has = has || column == reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1));
  sqlite3_finalize(stmt);
  if (!has)
    sqlite3_exec(db, ("ALTER TABLE " + table + " ADD COLUMN " + column + " " + definition).c_str(),
                 nullptr, nullptr, nullptr);
}

// The batch as it was written; throws when the stored bytes do not decompress to its size. A size
// beyond what LZ4 can make of the stored bytes (at most 255 to 1, and one block's largest) is
// damage too, and is not allocated.
std::string decompress(std::string stored, std::int64_t raw_bytes, const std::string& what) {
  if (raw_bytes == 0) return stored;
  auto damaged = [&] { return std::runtime_error{"journal: " + what + " are damaged"}; };
  if (raw_bytes < 0 || raw_bytes > LZ4_MAX_INPUT_SIZE ||
      static_cast<std::uint64_t>(raw_bytes) > 255 * (stored.size() + 16))
    throw damaged();
  std::string out(static_cast<std::size_t>(raw_bytes), '\0');
  int got = LZ4_decompress_safe(stored.data(), out.data(), static_cast<int>(stored.size()),
                                static_cast<int>(raw_bytes));
  if (got != raw_bytes) throw damaged();
  return out;
}

}  // namespace

packed_batch pack(std::string session_id, std::uint64_t first_seq, std::uint64_t last_seq,
                  std::string_view events, std::string& room) {
  packed_batch out{std::move(session_id), first_seq, last_seq, {}, 0};
  auto size = static_cast<int>(events.size());
  auto bound = static_cast<std::size_t>(LZ4_compressBound(size));
  if (room.size() < bound) room.resize(bound);
  int packed =
    LZ4_compress_default(events.data(), room.data(), size, static_cast<int>(room.size()));
  if (packed <= 0 || packed >= size) {
    out.bytes.assign(events);
  } else {
    out.bytes.assign(room.data(), static_cast<std::size_t>(packed));
    out.raw_bytes = size;
  }
  return out;
}

std::string default_dir() {
  if (const char* state = std::getenv("XDG_STATE_HOME"); state && *state)
    return std::string{state} + "/agentrt";
  const char* home = std::getenv("HOME");
  return std::string{home && *home ? home : "."} + "/.local/state/agentrt";
}

store::store(sqlite3* db, std::string dir, std::string path)
    : db_(db), dir_(std::move(dir)), path_(std::move(path)) {}

store::~store() {
  if (!runtime_id_.empty()) {  // the lease goes; the sessions' records stay as last written
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, "DELETE FROM runtimes WHERE runtime_id=?", -1, &stmt, nullptr) ==
        SQLITE_OK) {
      sqlite3_bind_text(stmt, 1, runtime_id_.c_str(), -1, SQLITE_STATIC);
      sqlite3_step(stmt);
    }
    sqlite3_finalize(stmt);
    std::remove((dir_ + "/leases/" + runtime_id_).c_str());
  }
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
  if (lease_fd_ >= 0) close(lease_fd_);
}

// Prepared once per store: parsing the same few statements again for every batch and every
// claim was a quarter of the journal thread's time.
sqlite3_stmt* store::prepare(const std::string& sql) const {
  if (auto it = statements_.find(sql); it != statements_.end()) return it->second;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) !=
      SQLITE_OK)
    throw std::runtime_error{"journal: " + path_ + ": " + sqlite3_errmsg(db_)};
  statements_.emplace(sql, stmt);
  return stmt;
}

bool store::lease_held(const std::string& runtime_id) const {
  if (runtime_id.empty()) return false;
  if (runtime_id == runtime_id_) return true;
  int fd = ::open((dir_ + "/leases/" + runtime_id).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;  // gone with its runtime's end
  // A lock we can take is one no runtime holds; it is let go at once.
  bool held = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  close(fd);
  return held;
}

// The lease is locked before its row is visible, so that no other runtime sees the row of a
// runtime that lives with its lease free.
void store::take_lease() {
  std::string leases = dir_ + "/leases";
  std::error_code ec;
  std::filesystem::create_directories(leases, ec);
  if (ec) throw std::runtime_error{"journal: cannot create " + leases + ": " + ec.message()};
  auto started = now_ms();
  std::string id = std::to_string(::getpid()) + "-" + std::to_string(started);
  for (int n = 1; lease_fd_ < 0; ++n) {
    std::string candidate = n == 1 ? id : id + "-" + std::to_string(n);  // engines of one process
    int fd =
      ::open((leases + "/" + candidate).c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST) continue;
    if (fd < 0)
      throw std::runtime_error{"journal: cannot create a lease in " + leases + ": " +
                               std::strerror(errno)};
    flock(fd, LOCK_EX);  // a new file: no one else holds it
    lease_fd_ = fd;
    runtime_id_ = candidate;
  }
  statement insert{db_, prepare("INSERT OR REPLACE INTO runtimes VALUES(?,?,?)")};
  insert.bind(1, runtime_id_).bind(2, std::int64_t{::getpid()}).bind(3, started).run();
}

void store::sweep_dead_runtimes() {
  std::vector<std::string> dead;
  {
    statement select{db_, prepare("SELECT runtime_id FROM runtimes")};
    while (select.step())
      if (auto id = select.text(0); !lease_held(id)) dead.push_back(id);
  }
  statement forget{db_, prepare("DELETE FROM runtimes WHERE runtime_id=?")};
  for (const auto& id : dead) {
    forget.bind(1, id).run();
    std::remove((dir_ + "/leases/" + id).c_str());
  }
  // What is live and owned by no runtime in the table was left by one that died (or by a
  // journal of schema 2).
  exec((std::string{"UPDATE sessions SET status='interrupted', pid=0 WHERE "} + live_statuses +
        " AND owner NOT IN (SELECT runtime_id FROM runtimes);")
         .c_str());
}

std::vector<bool> store::claim(const std::vector<std::string>& session_ids) {
  std::vector<bool> taken;
  taken.reserve(session_ids.size());
  in_transaction([&] {
    statement insert{
      db_,
      prepare("INSERT OR IGNORE INTO sessions VALUES(?,'','starting',0,0,'',0,0,0,?,'',NULL,?)")};
    for (const auto& id : session_ids) {
      insert.bind(1, id).bind(2, now_ms()).bind(3, runtime_id_).run();
      taken.push_back(sqlite3_changes(db_) == 1);
    }
  });
  return taken;
}

void store::in_transaction(const std::function<void()>& body) {
  if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK)
    fail(sqlite3_errmsg(db_));
  try {
    body();
  } catch (const std::exception& e) {
    std::string why = e.what();
    if (why.rfind("journal: ", 0) == 0) why.erase(0, 9);
    fail(why);
  }
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK)
    fail(sqlite3_errmsg(db_));
}

std::int32_t store::owner_pid() const {
  return static_cast<std::int32_t>(::getpid());
}

std::string store::owned_elsewhere(const std::string& session_id) {
  statement select{
    db_, prepare(std::string{"SELECT s.owner, r.pid, s.started_at_ms FROM sessions s JOIN "
                             "runtimes r ON r.runtime_id=s.owner WHERE s.session_id=? AND "} +
                 live_statuses)};
  select.bind(1, session_id);
  if (!select.step()) return {};
  std::string owner = select.text(0);
  auto pid = select.integer(1);
  auto since = static_cast<std::time_t>(select.integer(2) / 1000);
  if (owner == runtime_id_) return {};
  if (!lease_held(owner)) {
    sweep_dead_runtimes();
    return {};
  }
  char when[32] = "";
  std::tm tm{};
  if (localtime_r(&since, &tm) != nullptr) std::strftime(when, sizeof when, "%F %T", &tm);
  return "Session " + session_id + " is live in another agentrt (pid " + std::to_string(pid) +
         ") since " + when + ": stop it there first";
}

void store::exec(const char* sql) const {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string why = message ? message : "unknown error";
    sqlite3_free(message);
    throw std::runtime_error{"journal: " + path_ + ": " + why};
  }
}

void store::fail(const std::string& why) const {
  // SQLite ends the transaction itself on some errors (SQLITE_FULL): only one still open is
  // rolled back, so that the real reason is the one reported.
  if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  throw std::runtime_error{"journal: " + path_ + ": " + why};
}

std::unique_ptr<store> store::open(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw std::runtime_error{"journal: cannot create " + dir + ": " + ec.message()};
  std::string path = dir + "/journal.db";
  std::string damage;
  constexpr int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
  sqlite3* db = open_db(path, flags);
  // Damage in the middle of the file went unnoticed before: the runtime ran on it.
  if (damage = check_file(db); damage != "ok") {
    sqlite3_close(db);
    db = open_db((move_aside(path), path), flags);
  }
  std::unique_ptr<store> s{new store{db, dir, path}};
  if (damage != "ok")
    s->warnings_.push_back("journal: " + path + " was damaged (" + damage +
                           "): it was moved aside (journal.db.damaged-*) and a new journal was "
                           "begun; the sessions it held are no longer listed or resumable");
  // WAL: readers (agentrt list) do not block the writer. NORMAL: a crash of the process loses
  // nothing committed; only a power loss may take the last transactions.
  s->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
  s->exec("BEGIN IMMEDIATE");  // one runtime at a time sets up and sweeps
  try {
    statement version{s->db_, s->prepare("PRAGMA user_version")};
    auto was = version.step() ? version.integer(0) : 0;
    s->exec(schema);
    // A journal of schema 2 has no owner column: its sessions belong to no runtime that lives.
    add_column(s->db_, "sessions", "owner", "TEXT NOT NULL DEFAULT ''");
    add_column(s->db_, "batches", "raw_bytes", "INTEGER NOT NULL DEFAULT 0");
    // Events are serialized messages: an older schema's are read as they were not written.
    if (was > 0 && was < oldest_readable_events) {
      s->exec("DELETE FROM batches;");
      s->warnings_.push_back("journal: " + path + " was written by an older agentrt (schema " +
                             std::to_string(was) +
                             "): its events were dropped; its sessions stay listed and resumable");
    }
    s->exec(("PRAGMA user_version=" + std::to_string(schema_version) + ";").c_str());
    s->take_lease();
    s->sweep_dead_runtimes();
  } catch (const std::exception& e) {
    s->fail(e.what());
  }
  s->exec("COMMIT");
  return s;
}

std::unique_ptr<store> store::open_read_only(const std::string& dir) {
  std::string path = dir + "/journal.db";
  if (access(path.c_str(), R_OK) != 0) return nullptr;
  std::string why;
  sqlite3* db = try_open_db(path, SQLITE_OPEN_READONLY, why);
  if (db == nullptr || sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", nullptr, nullptr,
                                    nullptr) == SQLITE_CANTOPEN) {
    // A reader of a WAL file needs its -shm, which a read-only filesystem cannot hold; no one
    // writes there, so the file is read as it is.
    sqlite3_close(db);
    db = open_db("file:" + path + "?immutable=1", SQLITE_OPEN_READONLY | SQLITE_OPEN_URI);
  }
  return std::unique_ptr<store>{new store{db, dir, path}};
}

void store::write(const std::vector<packed_batch>& batches,
                  const std::vector<session_info>& records,
                  const std::vector<std::pair<std::string, std::string>>& queries,
                  const std::vector<std::string>& forgotten) {
  in_transaction([&] {
    statement insert{
      db_, prepare("INSERT OR IGNORE INTO batches(session_id, first_seq, last_seq, events, "
                   "raw_bytes) VALUES(?,?,?,?,?)")};
    for (const auto& b : batches) {
      insert.bind(1, b.session_id)
        .bind(2, static_cast<std::int64_t>(b.first_seq))
        .bind(3, static_cast<std::int64_t>(b.last_seq))
        .bind_blob(4, b.bytes)
        .bind(5, b.raw_bytes)
        .run();
    }
    // Another runtime's record is not overwritten while that runtime lives.
    statement upsert{
      db_, prepare("INSERT INTO sessions VALUES(?,?,?,?,?,?,?,?,?,?,?,NULL,?) "
                   "ON CONFLICT(session_id) DO UPDATE SET provider=excluded.provider, "
                   "status=excluded.status, generation=excluded.generation, pid=excluded.pid, "
                   "provider_session_id=excluded.provider_session_id, "
                   "total_cost_usd=excluded.total_cost_usd, input_tokens=excluded.input_tokens, "
                   "output_tokens=excluded.output_tokens, started_at_ms=excluded.started_at_ms, "
                   "node=excluded.node, owner=excluded.owner WHERE sessions.owner=excluded.owner "
                   "OR sessions.owner NOT IN (SELECT runtime_id FROM runtimes)")};
    for (const auto& r : records) {
      std::string status{to_string(r.status)};
      upsert.bind(1, r.session_id)
        .bind(2, r.provider)
        .bind(3, status)
        .bind(4, static_cast<std::int64_t>(r.generation))
        .bind(5, static_cast<std::int64_t>(r.pid))
        .bind(6, r.provider_session_id)
        .bind(7, r.total_cost_usd)
        .bind(8, static_cast<std::int64_t>(r.input_tokens))
        .bind(9, static_cast<std::int64_t>(r.output_tokens))
        .bind(10, r.started_at_ms)
        .bind(11, r.node)
        .bind(12, runtime_id_)
        .run();
    }
    statement set_query{db_, prepare("UPDATE sessions SET query=? WHERE session_id=?")};
    for (const auto& [id, query] : queries) set_query.bind_blob(1, query).bind(2, id).run();
    if (forgotten.empty()) return;
    const std::string ended = std::string{"session_id=? AND NOT ("} + live_statuses + ")";
    statement events{db_, prepare("DELETE FROM batches WHERE session_id IN (SELECT session_id "
                                  "FROM sessions WHERE " +
                                  ended + ")")};
    statement record{db_, prepare("DELETE FROM sessions WHERE " + ended)};
    for (const auto& id : forgotten) {
      events.bind(1, id).run();
      record.bind(1, id).run();
    }
  });
}

std::size_t store::forget_all_but_newest(std::size_t keep) {
  const std::string older = std::string{"SELECT session_id FROM sessions WHERE NOT ("} +
                            live_statuses + ") ORDER BY started_at_ms DESC LIMIT -1 OFFSET " +
                            std::to_string(keep);
  std::size_t forgotten = 0;
  in_transaction([&] {
    exec(("DELETE FROM batches WHERE session_id IN (" + older + ");").c_str());
    exec(("DELETE FROM sessions WHERE session_id IN (" + older + ");").c_str());
    forgotten = static_cast<std::size_t>(sqlite3_changes(db_));
  });
  return forgotten;
}

std::vector<session_info> store::sessions(const std::string& only) const {
  statement select{
    db_, prepare(std::string{"SELECT s.session_id, s.provider, s.status, s.generation, s.pid, "
                             "s.provider_session_id, s.total_cost_usd, s.input_tokens, "
                             "s.output_tokens, s.started_at_ms, s.node, s.owner, r.pid FROM "
                             "sessions s LEFT JOIN runtimes r ON r.runtime_id=s.owner "} +
                 (only.empty() ? "" : "WHERE s.session_id=? ") + "ORDER BY s.started_at_ms")};
  if (!only.empty()) select.bind(1, only);
  std::vector<session_info> out;
  std::map<std::string, bool> alive;  // owner -> its lease is held
  while (select.step()) {
    session_info i;
    i.session_id = select.text(0);
    i.provider = select.text(1);
    i.status = status_from_string(select.text(2)).value_or(session_status::interrupted);
    auto owner = select.text(11);
    auto known = alive.find(owner);
    if (known == alive.end()) known = alive.emplace(owner, lease_held(owner)).first;
    if (known->second) i.owner_pid = static_cast<std::int32_t>(select.integer(12));
    if (!known->second && !is_terminal(i.status)) {  // its runtime died
      i.status = session_status::interrupted;
      i.pid = 0;
    } else {
      i.pid = static_cast<std::int32_t>(select.integer(4));
    }
    i.generation = static_cast<std::uint64_t>(select.integer(3));
    i.provider_session_id = select.text(5);
    i.total_cost_usd = select.real(6);
    i.input_tokens = static_cast<std::uint64_t>(select.integer(7));
    i.output_tokens = static_cast<std::uint64_t>(select.integer(8));
    i.started_at_ms = select.integer(9);
    i.node = select.text(10);
    out.push_back(std::move(i));
  }
  return out;
}

bool store::knows(const std::string& session_id) const {
  statement select{db_, prepare("SELECT 1 FROM sessions WHERE session_id=?")};
  select.bind(1, session_id);
  return select.step();
}

std::uint64_t store::last_seq(const std::string& session_id) const {
  // A session's batches hold consecutive ranges: the last one by first_seq (the key's order, a
  // lookup) ends with the highest; MAX(last_seq) read every row of the session.
  statement select{
    db_,
    prepare("SELECT last_seq FROM batches WHERE session_id=? ORDER BY first_seq DESC LIMIT 1")};
  select.bind(1, session_id);
  return select.step() ? static_cast<std::uint64_t>(select.integer(0)) : 0;
}

std::string store::query(const std::string& session_id) const {
  statement select{db_, prepare("SELECT query FROM sessions WHERE session_id=?")};
  select.bind(1, session_id);
  return select.step() ? select.text(0) : std::string{};
}

std::vector<stored_batch> store::batches(const std::string& session_id, std::uint64_t after,
                                         std::uint64_t up_to) const {
  statement select{db_, prepare("SELECT first_seq, last_seq, events, raw_bytes FROM batches WHERE "
                                "session_id=? AND "
                                "last_seq>? AND first_seq<=? ORDER BY first_seq")};
  auto clamp = [](std::uint64_t n) {
    return static_cast<std::int64_t>(std::min<std::uint64_t>(n, INT64_MAX));
  };
  select.bind(1, session_id).bind(2, clamp(after)).bind(3, clamp(up_to));
  std::vector<stored_batch> out;
  while (select.step()) {
    auto first = static_cast<std::uint64_t>(select.integer(0));
    auto what = "events " + std::to_string(first) + " of " + session_id;
    out.push_back({session_id, first, static_cast<std::uint64_t>(select.integer(1)),
                   decompress(select.text(2), select.integer(3), what)});
  }
  return out;
}

}  // namespace agentrt::journal
