// SPDX-License-Identifier: MIT
#include "store/db.h"

#include <climits>

#include <sqlite3.h>

#include "dcbot/log.h"

#include <fmt/format.h>

namespace dcbot::store {
namespace {

Error sqlite_error(sqlite3* db, int rc, std::string_view what) {
  const char* msg = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  return make_error(Errc::Io, fmt::format("sqlite: {}: {} (code {})", what, msg, rc));
}

Result<void> exec_raw(sqlite3* db, const char* sql) {
  char* msg = nullptr;
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, &msg);
  if (rc != SQLITE_OK) {
    std::string text = msg != nullptr ? msg : sqlite3_errstr(rc);
    sqlite3_free(msg);
    return make_error(Errc::Io, fmt::format("sqlite: exec: {} (code {})", text, rc));
  }
  return {};
}

}  // namespace

// ---- Stmt

Stmt& Stmt::operator=(Stmt&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

Stmt::~Stmt() {
  sqlite3_finalize(stmt_);
}

Error Stmt::error(std::string_view what) const {
  sqlite3* db = sqlite3_db_handle(stmt_);
  return sqlite_error(db, sqlite3_extended_errcode(db), what);
}

Result<void> Stmt::bind_int64(int index, std::int64_t value) {
  if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) {
    return error("bind");
  }
  return {};
}

Result<void> Stmt::bind_double(int index, double value) {
  if (sqlite3_bind_double(stmt_, index, value) != SQLITE_OK) {
    return error("bind");
  }
  return {};
}

Result<void> Stmt::bind_text(int index, std::string_view value) {
  // SQLITE_TRANSIENT makes SQLite copy: the caller's buffer may die before step(). A null data
  // pointer (a default-constructed string_view) would bind NULL instead of ''.
  const char* data = value.data() != nullptr ? value.data() : "";
  if (sqlite3_bind_text64(stmt_, index, data, value.size(), SQLITE_TRANSIENT, SQLITE_UTF8)
      != SQLITE_OK) {
    return error("bind");
  }
  return {};
}

Result<void> Stmt::bind_blob(int index, ByteView value) {
  // A null data pointer would bind NULL, so an empty blob gets a valid one.
  static const std::uint8_t empty_byte = 0;
  const void* data = value.empty() ? &empty_byte : value.data();
  if (sqlite3_bind_blob64(stmt_, index, data, value.size(), SQLITE_TRANSIENT) != SQLITE_OK) {
    return error("bind");
  }
  return {};
}

Result<void> Stmt::bind_null(int index) {
  if (sqlite3_bind_null(stmt_, index) != SQLITE_OK) {
    return error("bind");
  }
  return {};
}

Result<Step> Stmt::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) {
    return Step::Row;
  }
  if (rc == SQLITE_DONE) {
    return Step::Done;
  }
  // Since 3.7.15 sqlite3_step() returns the specific error directly; the statement must be reset
  // before reuse.
  Error err = sqlite_error(sqlite3_db_handle(stmt_), rc, "step");
  sqlite3_reset(stmt_);
  return err;
}

Result<void> Stmt::run() {
  while (true) {
    DCBOT_TRY(Step s, step());
    if (s == Step::Done) {
      return {};
    }
  }
}

void Stmt::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int Stmt::column_count() const {
  return sqlite3_column_count(stmt_);
}

bool Stmt::column_is_null(int index) const {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

std::int64_t Stmt::column_int64(int index) const {
  return sqlite3_column_int64(stmt_, index);
}

double Stmt::column_double(int index) const {
  return sqlite3_column_double(stmt_, index);
}

std::string Stmt::column_text(int index) const {
  const unsigned char* p = sqlite3_column_text(stmt_, index);
  int n = sqlite3_column_bytes(stmt_, index);
  if (p == nullptr) {
    return {};
  }
  return {reinterpret_cast<const char*>(p), static_cast<std::size_t>(n)};
}

Bytes Stmt::column_blob(int index) const {
  const void* p = sqlite3_column_blob(stmt_, index);
  int n = sqlite3_column_bytes(stmt_, index);
  if (p == nullptr) {
    return {};
  }
  const auto* b = static_cast<const std::uint8_t*>(p);
  return {b, b + n};
}

std::optional<std::int64_t> Stmt::column_optional_int64(int index) const {
  if (column_is_null(index)) {
    return std::nullopt;
  }
  return column_int64(index);
}

std::optional<std::string> Stmt::column_optional_text(int index) const {
  if (column_is_null(index)) {
    return std::nullopt;
  }
  return column_text(index);
}

// ---- CachedStmt

CachedStmt::~CachedStmt() {
  if (stmt_ != nullptr) {
    stmt_->reset();
    *in_use_ = false;
  }
}

// ---- Db

Db::Db(Db&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)),
      path_(std::move(other.path_)),
      cache_(std::move(other.cache_)) {}

Db& Db::operator=(Db&& other) noexcept {
  if (this != &other) {
    close();
    db_ = std::exchange(other.db_, nullptr);
    path_ = std::move(other.path_);
    cache_ = std::move(other.cache_);
  }
  return *this;
}

Db::~Db() {
  close();
}

void Db::close() {
  // Cached statements are finalized first so that the connection really closes now;
  // sqlite3_close_v2 defers the close while a caller still holds a Stmt.
  cache_.clear();
  if (db_ != nullptr) {
    sqlite3_close_v2(db_);
    db_ = nullptr;
  }
}

Result<Db> Db::open(const std::string& path, OpenOptions options) {
  sqlite3* handle = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &handle, flags, nullptr);
  if (rc != SQLITE_OK) {
    Error err = sqlite_error(handle, rc, "open " + path);
    sqlite3_close_v2(handle);  // SQLite allocates a handle even when opening fails.
    return err;
  }
  Db db(handle, path);
  sqlite3_extended_result_codes(handle, 1);
  sqlite3_busy_timeout(handle, options.busy_timeout_ms);
  // WAL lets readers (e.g. `dcbot check` while the bot runs) proceed beside the writer.
  // synchronous=FULL also fsyncs the WAL on every commit: NORMAL would be consistent but may lose
  // the last commits on power loss, and the inbox contract ("committed before the server copy is
  // deleted", DESIGN.md data flow step 1) needs a commit to be on disk when it returns.
  // journal_mode returns a row, so it goes through prepare(); it also is the first statement to
  // read the file, which turns "not a database" into an error here.
  DCBOT_TRY(Stmt mode, db.prepare("PRAGMA journal_mode=WAL"));
  if (auto r = mode.run(); !r) {
    return r.error().with_context("open " + path);
  }
  DCBOT_TRY(db.exec("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON"));
  if (options.cache_kib > 0) {
    // PRAGMA takes no parameters; the value is an int, so formatting it is safe. Negative: KiB.
    DCBOT_TRY(db.exec(fmt::format("PRAGMA cache_size = -{}", options.cache_kib)));
  }
  return db;
}

Result<void> Db::exec(std::string_view sql) {
  std::string text(sql);
  return exec_raw(db_, text.c_str());
}

Result<Stmt> Db::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const char* tail = nullptr;
  if (sql.size() > static_cast<std::size_t>(INT_MAX)) {
    return make_error(Errc::InvalidArgument, "sqlite: prepare: statement too long");
  }
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, &tail);
  if (rc != SQLITE_OK) {
    return sqlite_error(db_, rc, "prepare");
  }
  Stmt result(stmt);
  if (stmt == nullptr) {
    return make_error(Errc::Io, "sqlite: prepare: empty statement");
  }
  std::string_view rest(tail, static_cast<std::size_t>(sql.data() + sql.size() - tail));
  if (rest.find_first_not_of(" \t\r\n;") != std::string_view::npos) {
    return make_error(Errc::Io, "sqlite: prepare: more than one statement");
  }
  return result;
}

Result<CachedStmt> Db::cached(std::string_view sql) {
  auto it = cache_.find(std::string(sql));
  if (it == cache_.end()) {
    DCBOT_TRY(Stmt stmt, prepare(sql));
    auto entry = std::make_unique<Cached>();
    entry->stmt = std::move(stmt);
    it = cache_.emplace(std::string(sql), std::move(entry)).first;
  }
  Cached& c = *it->second;
  DCBOT_CHECK(!c.in_use, "store: cached statement leased twice");
  c.in_use = true;
  return CachedStmt(&c.stmt, &c.in_use);
}

std::int64_t Db::last_insert_rowid() const {
  return sqlite3_last_insert_rowid(db_);
}

int Db::changes() const {
  return sqlite3_changes(db_);
}

Result<void> Db::backup_to(const std::string& path) {
  if (in_transaction()) {
    return make_error(Errc::Io, "store: backup inside a transaction");
  }
  auto stmt = prepare("VACUUM INTO ?1");
  if (!stmt) {
    return stmt.error();
  }
  DCBOT_TRY(stmt->bind_text(1, path));
  DCBOT_TRY(stmt->step());
  return {};
}

Result<int> Db::user_version() {
  DCBOT_TRY(Stmt stmt, prepare("PRAGMA user_version"));
  DCBOT_TRY(Step s, stmt.step());
  if (s != Step::Row) {
    return make_error(Errc::Io, "sqlite: user_version: no row");
  }
  return static_cast<int>(stmt.column_int64(0));
}

Result<void> Db::set_user_version(int version) {
  // PRAGMA takes no parameters; the value is an int, so formatting it is safe.
  return exec(fmt::format("PRAGMA user_version = {}", version));
}

bool Db::in_transaction() const {
  return sqlite3_get_autocommit(db_) == 0;
}

// ---- UnsyncedWrites

UnsyncedWrites::UnsyncedWrites(Db& db) {
  if (!db.in_transaction() && db.exec("PRAGMA synchronous=NORMAL")) {
    db_ = &db;
  }
}

UnsyncedWrites::~UnsyncedWrites() {
  if (db_ != nullptr) {
    if (auto restored = db_->exec("PRAGMA synchronous=FULL"); !restored) {
      log::error("store: {}: could not restore synchronous=FULL: {}", db_->path(),
                 restored.error().message);
    }
  }
}

// ---- Txn

Result<Txn> Txn::begin(Db& db) {
  DCBOT_TRY(exec_raw(db.db_, "BEGIN IMMEDIATE"));
  return Txn(db.db_);
}

Result<void> Txn::commit() {
  if (db_ == nullptr) {
    return make_error(Errc::InvalidArgument, "sqlite: commit: transaction is not active");
  }
  DCBOT_TRY(exec_raw(db_, "COMMIT"));
  db_ = nullptr;
  return {};
}

void Txn::rollback() {
  if (db_ == nullptr) {
    return;
  }
  // SQLite may already have rolled back on its own (e.g. after SQLITE_FULL); then there is nothing
  // left to undo.
  if (sqlite3_get_autocommit(db_) == 0) {
    if (auto r = exec_raw(db_, "ROLLBACK"); !r) {
      log::error("store: rollback: {}", r.error().message);
    }
  }
  db_ = nullptr;
}

Txn::~Txn() {
  rollback();
}

}  // namespace dcbot::store
