// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>

#include "base/bytes.h"
#include "dcbot/result.h"

struct sqlite3;
struct sqlite3_stmt;

// The SQLite wrapper: the only place in the SDK that includes sqlite3.h (DESIGN.md). Everything
// lives on the io thread (STYLE.md §2), so nothing here is synchronised. Every SQLite failure is
// returned as Errc::Io carrying SQLite's own message.
namespace dcbot::store {

// What Stmt::step() found.
enum class Step { Row, Done };

namespace detail {
template <class T>
struct IsOptional : std::false_type {};

template <class T>
struct IsOptional<std::optional<T>> : std::true_type {};

template <class>
inline constexpr bool kAlwaysFalse = false;
}  // namespace detail

// A prepared statement. Move-only; finalized on destruction. Parameters and columns are indexed as
// in SQLite: bind() from 1, column getters from 0. A Stmt may outlive its Db (SQLite then closes
// the connection when the last statement is finalized), but must not be used after that.
class Stmt {
 public:
  Stmt() = default;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt(Stmt&& other) noexcept : stmt_(std::exchange(other.stmt_, nullptr)) {}

  Stmt& operator=(Stmt&& other) noexcept;
  ~Stmt();

  Result<void> bind_int64(int index, std::int64_t value);
  Result<void> bind_double(int index, double value);
  // Text and blobs are copied into SQLite.
  Result<void> bind_text(int index, std::string_view value);
  Result<void> bind_blob(int index, ByteView value);
  Result<void> bind_null(int index);

  // Binds by the C++ type: integers, bools and enums as INTEGER, floating point as REAL, anything
  // convertible to std::string_view as TEXT, to ByteView as BLOB, std::nullopt and empty
  // std::optional as NULL.
  template <class T>
  Result<void> bind(int index, const T& value);

  // Binds the arguments to parameters 1..N in order.
  template <class... Args>
  Result<void> bind_all(const Args&... args);

  // Runs one step. After Done, the next step() starts the statement again.
  Result<Step> step();

  // Steps until Done, for statements that return no rows.
  Result<void> run();

  // Makes the statement runnable again and clears all bindings.
  void reset();

  [[nodiscard]] int column_count() const;
  [[nodiscard]] bool column_is_null(int index) const;
  [[nodiscard]] std::int64_t column_int64(int index) const;
  [[nodiscard]] double column_double(int index) const;
  [[nodiscard]] std::string column_text(int index) const;
  [[nodiscard]] Bytes column_blob(int index) const;
  // Empty when the column is NULL.
  [[nodiscard]] std::optional<std::int64_t> column_optional_int64(int index) const;
  [[nodiscard]] std::optional<std::string> column_optional_text(int index) const;

  [[nodiscard]] bool is_valid() const { return stmt_ != nullptr; }

 private:
  friend class Db;

  explicit Stmt(sqlite3_stmt* stmt) : stmt_(stmt) {}

  Error error(std::string_view what) const;

  sqlite3_stmt* stmt_ = nullptr;
};

// A statement borrowed from the Db's cache. Reset (bindings cleared, read cursor closed) when the
// lease ends, so an unfinished SELECT never keeps a read snapshot open.
class CachedStmt {
 public:
  CachedStmt(const CachedStmt&) = delete;
  CachedStmt& operator=(const CachedStmt&) = delete;

  CachedStmt(CachedStmt&& other) noexcept
      : stmt_(std::exchange(other.stmt_, nullptr)),
        in_use_(std::exchange(other.in_use_, nullptr)) {}

  CachedStmt& operator=(CachedStmt&&) = delete;
  ~CachedStmt();

  Stmt& operator*() const { return *stmt_; }

  Stmt* operator->() const { return stmt_; }

 private:
  friend class Db;

  CachedStmt(Stmt* stmt, bool* in_use) : stmt_(stmt), in_use_(in_use) {}

  Stmt* stmt_;
  bool* in_use_;
};

// Options of Db::open.
struct OpenOptions {
  // How long a write waits for another connection's lock before failing with Errc::Io.
  int busy_timeout_ms = 5000;
  // The connection's page cache (PRAGMA cache_size, in KiB). SQLite's default of 2,000 KiB is
  // filled as the database grows and stays in the heap: a bot's database reaches ~1 MiB within
  // a hundred messages, and the cache then held ~650 KiB more than this limit does (bench/README.md
  // "bench/echo"). A bot's statements touch a few B-tree paths per message; pages beyond the cache
  // are read again from the OS page cache (one pread each). 0 keeps SQLite's default.
  int cache_kib = 256;
};

// One SQLite connection. Move-only; closed on destruction. Opening sets WAL journaling (files
// only), synchronous=FULL, foreign keys on, the busy timeout and the page cache size.
class Db {
 public:
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  Db(Db&& other) noexcept;
  Db& operator=(Db&& other) noexcept;
  ~Db();

  // Opens (creating if needed) the database file at `path`, or a private in-memory database for
  // ":memory:". Errc::Io if the file cannot be opened or is not a database.
  static Result<Db> open(const std::string& path, OpenOptions options = {});

  // Runs one or more SQL statements that return no rows.
  Result<void> exec(std::string_view sql);

  // Prepares one statement; trailing text after the first statement is an error.
  Result<Stmt> prepare(std::string_view sql);

  // Like prepare(), but keeps the statement for reuse; the same SQL must not be leased twice at
  // once (a programming error, checked).
  Result<CachedStmt> cached(std::string_view sql);

  // The rowid of the last successful INSERT on this connection.
  [[nodiscard]] std::int64_t last_insert_rowid() const;

  // Rows changed by the last INSERT, UPDATE or DELETE.
  [[nodiscard]] int changes() const;

  // Writes a consistent, compacted copy of the whole database to the new file `path` (VACUUM
  // INTO). Errc::Io if `path` exists or can't be written, or inside a transaction.
  Result<void> backup_to(const std::string& path);

  // PRAGMA user_version: the schema version (store::Migrations).
  Result<int> user_version();
  Result<void> set_user_version(int version);

  // True while a transaction (Txn or explicit BEGIN) is open.
  [[nodiscard]] bool in_transaction() const;

  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  friend class Txn;

  struct Cached {
    Stmt stmt;
    bool in_use = false;
  };

  Db(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  void close();

  sqlite3* db_ = nullptr;
  std::string path_;
  std::unordered_map<std::string, std::unique_ptr<Cached>> cache_;
};

// A write transaction: BEGIN IMMEDIATE on creation (so the write lock is taken up front and a
// busy database fails here, not at the first write), ROLLBACK on destruction unless committed.
// The Db must outlive the Txn; the Db may be moved meanwhile.
class Txn {
 public:
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;

  Txn(Txn&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

  Txn& operator=(Txn&&) = delete;
  ~Txn();

  // Errc::Io if another transaction is open on this connection or the lock is not obtained.
  static Result<Txn> begin(Db& db);

  // Commits. On failure the transaction stays open and is rolled back on destruction.
  Result<void> commit();

  // Rolls back now; a no-op once committed or rolled back.
  void rollback();

  [[nodiscard]] bool is_active() const { return db_ != nullptr; }

 private:
  explicit Txn(sqlite3* db) : db_(db) {}

  sqlite3* db_;
};

// Within its scope, statements run outside a transaction commit without an fsync (PRAGMA
// synchronous=NORMAL, WAL): a killed process keeps them (the WAL is written before the commit
// returns), only a power loss or kernel crash may undo them, and the next synced commit (every
// other commit: synchronous=FULL) makes them durable with it. For writes whose loss is harmless:
// a counter that then counts one attempt less, a mark whose loss repeats idempotent work. Inside a
// transaction it changes nothing (the transaction's commit syncs).
class UnsyncedWrites {
 public:
  explicit UnsyncedWrites(Db& db);
  UnsyncedWrites(const UnsyncedWrites&) = delete;
  UnsyncedWrites& operator=(const UnsyncedWrites&) = delete;
  ~UnsyncedWrites();

 private:
  Db* db_ = nullptr;  // null when nothing was changed
};

template <class T>
Result<void> Stmt::bind(int index, const T& value) {
  if constexpr (std::is_same_v<T, std::nullopt_t>) {
    return bind_null(index);
  } else if constexpr (detail::IsOptional<T>::value) {
    if (value) {
      return bind(index, *value);
    }
    return bind_null(index);
  } else if constexpr (std::is_enum_v<T> || std::is_integral_v<T>) {
    return bind_int64(index, static_cast<std::int64_t>(value));
  } else if constexpr (std::is_floating_point_v<T>) {
    return bind_double(index, static_cast<double>(value));
  } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    return bind_text(index, static_cast<std::string_view>(value));
  } else if constexpr (std::is_convertible_v<const T&, ByteView>) {
    return bind_blob(index, static_cast<ByteView>(value));
  } else {
    static_assert(detail::kAlwaysFalse<T>, "store::Stmt::bind: unsupported type");
  }
}

template <class... Args>
Result<void> Stmt::bind_all(const Args&... args) {
  Result<void> result;
  int index = 1;
  ((result = result ? bind(index++, args) : result), ...);
  return result;
}

}  // namespace dcbot::store
