// SPDX-License-Identifier: MIT
#include "store/db.h"

#include <cstdio>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

namespace dcbot::store {
namespace {

namespace fs = std::filesystem;

// A fresh database path in the build tree, removed (with its WAL files) before and after.
class TempDbPath {
 public:
  explicit TempDbPath(const std::string& name) {
    fs::path dir = fs::path(DCBOT_BINARY_DIR) / "test_tmp" / "store";
    fs::create_directories(dir);
    path_ = (dir / (name + ".sqlite")).string();
    remove();
  }

  ~TempDbPath() { remove(); }

  TempDbPath(const TempDbPath&) = delete;
  TempDbPath& operator=(const TempDbPath&) = delete;

  const std::string& path() const { return path_; }

 private:
  void remove() {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
      fs::remove(path_ + suffix);
    }
  }

  std::string path_;
};

Db open_memory() {
  auto db = Db::open(":memory:");
  EXPECT_TRUE(db) << db.error().to_string();
  return std::move(db).value();
}

std::int64_t count_rows(Db& db, std::string_view table) {
  auto stmt = db.prepare("SELECT count(*) FROM " + std::string(table));
  EXPECT_TRUE(stmt);
  EXPECT_EQ(*stmt->step(), Step::Row);
  return stmt->column_int64(0);
}

TEST(StoreDb, BindsAndReadsEveryType) {
  Db db = open_memory();
  ASSERT_TRUE(db.exec("CREATE TABLE t (i INTEGER, d REAL, s TEXT, b BLOB, n TEXT)"));
  auto ins = db.prepare("INSERT INTO t VALUES(?, ?, ?, ?, ?)");
  ASSERT_TRUE(ins);
  Bytes blob{0, 1, 2, 255};
  std::optional<std::string> none;
  ASSERT_TRUE(ins->bind_all(std::int64_t{-5}, 2.5, "h\xc3\xa9llo\0x", blob, none));
  ASSERT_EQ(*ins->step(), Step::Done);
  EXPECT_EQ(db.last_insert_rowid(), 1);
  EXPECT_EQ(db.changes(), 1);

  auto sel = db.prepare("SELECT i, d, s, b, n FROM t");
  ASSERT_TRUE(sel);
  ASSERT_EQ(*sel->step(), Step::Row);
  EXPECT_EQ(sel->column_count(), 5);
  EXPECT_EQ(sel->column_int64(0), -5);
  EXPECT_DOUBLE_EQ(sel->column_double(1), 2.5);
  EXPECT_EQ(sel->column_text(2), "h\xc3\xa9llo");
  EXPECT_EQ(sel->column_blob(3), blob);
  EXPECT_TRUE(sel->column_is_null(4));
  EXPECT_EQ(sel->column_optional_text(4), std::nullopt);
  EXPECT_EQ(sel->column_optional_int64(0), std::optional<std::int64_t>(-5));
  EXPECT_EQ(*sel->step(), Step::Done);
}

TEST(StoreDb, EmptyBlobAndTextAreNotNull) {
  Db db = open_memory();
  auto sel = db.prepare("SELECT ?1 IS NULL, ?2 IS NULL, length(?1), typeof(?1)");
  ASSERT_TRUE(sel);
  ASSERT_TRUE(sel->bind_all(Bytes{}, std::string()));
  ASSERT_EQ(*sel->step(), Step::Row);
  EXPECT_EQ(sel->column_int64(0), 0);
  EXPECT_EQ(sel->column_int64(1), 0);
  EXPECT_EQ(sel->column_int64(2), 0);
  EXPECT_EQ(sel->column_text(3), "blob");
}

TEST(StoreDb, DefaultStringViewBindsEmptyTextNotNull) {
  Db db = open_memory();
  auto sel = db.prepare("SELECT ? IS NULL, typeof(?1)");
  ASSERT_TRUE(sel);
  ASSERT_TRUE(sel->bind(1, std::string_view()));
  ASSERT_EQ(*sel->step(), Step::Row);
  EXPECT_EQ(sel->column_int64(0), 0);
  EXPECT_EQ(sel->column_text(1), "text");
}

TEST(StoreDb, ResetClearsBindingsAndRestarts) {
  Db db = open_memory();
  auto sel = db.prepare("SELECT ?");
  ASSERT_TRUE(sel);
  ASSERT_TRUE(sel->bind(1, 7));
  ASSERT_EQ(*sel->step(), Step::Row);
  EXPECT_EQ(sel->column_int64(0), 7);
  sel->reset();
  ASSERT_EQ(*sel->step(), Step::Row);
  EXPECT_TRUE(sel->column_is_null(0));
}

TEST(StoreDb, ErrorsAreIoWithSqliteMessage) {
  Db db = open_memory();
  auto bad = db.prepare("SELEC 1");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::Io);
  EXPECT_NE(bad.error().message.find("syntax error"), std::string::npos) << bad.error().message;

  auto two = db.prepare("SELECT 1; SELECT 2");
  ASSERT_FALSE(two);
  EXPECT_EQ(two.error().code, Errc::Io);

  ASSERT_TRUE(db.exec("CREATE TABLE u (k TEXT PRIMARY KEY)"));
  ASSERT_TRUE(db.exec("INSERT INTO u VALUES('a')"));
  auto dup = db.prepare("INSERT INTO u VALUES('a')");
  ASSERT_TRUE(dup);
  auto step = dup->step();
  ASSERT_FALSE(step);
  EXPECT_EQ(step.error().code, Errc::Io);
  EXPECT_NE(step.error().message.find("UNIQUE constraint failed"), std::string::npos)
      << step.error().message;

  auto exec = db.exec("DROP TABLE nope");
  ASSERT_FALSE(exec);
  EXPECT_EQ(exec.error().code, Errc::Io);
  EXPECT_NE(exec.error().message.find("no such table"), std::string::npos);
}

TEST(StoreDb, OpenFailsOnMissingDirectoryAndOnGarbageFile) {
  auto missing = Db::open(std::string(DCBOT_BINARY_DIR) + "/no/such/dir/x.sqlite");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::Io);

  TempDbPath tmp("garbage");
  {
    std::FILE* f = std::fopen(tmp.path().c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::string junk(4096, 'x');
    ASSERT_EQ(std::fwrite(junk.data(), 1, junk.size(), f), junk.size());
    ASSERT_EQ(std::fclose(f), 0);
  }
  auto garbage = Db::open(tmp.path());
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().code, Errc::Io);
  EXPECT_NE(garbage.error().message.find("not a database"), std::string::npos)
      << garbage.error().message;
}

TEST(StoreDb, FileDatabaseUsesWalFullSyncAndForeignKeys) {
  TempDbPath tmp("pragmas");
  auto db = Db::open(tmp.path());
  ASSERT_TRUE(db) << db.error().to_string();
  auto pragma = [&](const char* sql) {
    auto s = db->prepare(sql);
    EXPECT_TRUE(s);
    EXPECT_EQ(*s->step(), Step::Row);
    return s->column_text(0);
  };
  EXPECT_EQ(pragma("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(pragma("PRAGMA synchronous"), "2");  // FULL
  EXPECT_EQ(pragma("PRAGMA foreign_keys"), "1");
  EXPECT_EQ(pragma("PRAGMA busy_timeout"), "5000");
  EXPECT_EQ(pragma("PRAGMA cache_size"), "-256");  // KiB (OpenOptions::cache_kib)
}

TEST(StoreDb, UnsyncedWritesRelaxSyncOnlyForTheirScopeAndOnlyOutsideATransaction) {
  TempDbPath tmp("unsynced");
  auto db = Db::open(tmp.path());
  ASSERT_TRUE(db) << db.error().to_string();
  auto synchronous = [&] {
    auto s = db->prepare("PRAGMA synchronous");
    EXPECT_TRUE(s);
    EXPECT_EQ(*s->step(), Step::Row);
    return s->column_text(0);
  };
  ASSERT_TRUE(db->exec("CREATE TABLE t(x)"));
  {
    UnsyncedWrites unsynced(*db);
    EXPECT_EQ(synchronous(), "1");  // NORMAL
    ASSERT_TRUE(db->exec("INSERT INTO t VALUES(1)"));
  }
  EXPECT_EQ(synchronous(), "2");  // FULL again
  {
    auto txn = Txn::begin(*db);
    ASSERT_TRUE(txn);
    UnsyncedWrites unsynced(*db);  // a no-op: the transaction's commit syncs
    EXPECT_EQ(synchronous(), "2");
    ASSERT_TRUE(db->exec("INSERT INTO t VALUES(2)"));
    ASSERT_TRUE(txn->commit());
  }
  EXPECT_EQ(synchronous(), "2");
  auto count = db->prepare("SELECT count(*) FROM t");
  ASSERT_TRUE(count);
  EXPECT_EQ(*count->step(), Step::Row);
  EXPECT_EQ(count->column_int64(0), 2);
}

TEST(StoreDb, CacheSizeIsAnOptionAndZeroKeepsSqlitesDefault) {
  TempDbPath tmp("cache");
  for (auto [kib, want] : {std::pair{1024, "-1024"}, std::pair{0, "-2000"}}) {
    OpenOptions options;
    options.cache_kib = kib;
    auto db = Db::open(tmp.path(), options);
    ASSERT_TRUE(db) << db.error().to_string();
    auto s = db->prepare("PRAGMA cache_size");
    ASSERT_TRUE(s);
    EXPECT_EQ(*s->step(), Step::Row);
    EXPECT_EQ(s->column_text(0), want);
  }
}

TEST(StoreDb, BackupToWritesAConsistentCopyAndNeverOverwrites) {
  TempDbPath tmp("backup-source");
  TempDbPath copy("backup-copy");
  auto db = Db::open(tmp.path());
  ASSERT_TRUE(db) << db.error().to_string();
  ASSERT_TRUE(db->exec("CREATE TABLE t(x TEXT); INSERT INTO t VALUES ('kept');"));
  ASSERT_TRUE(db->set_user_version(7));
  {
    auto txn = Txn::begin(*db);
    ASSERT_TRUE(txn);
    EXPECT_FALSE(db->backup_to(copy.path()));  // Not inside a transaction.
  }
  ASSERT_TRUE(db->backup_to(copy.path()));
  auto again = db->backup_to(copy.path());
  ASSERT_FALSE(again);  // The target exists.
  EXPECT_EQ(again.error().code, Errc::Io);

  auto restored = Db::open(copy.path());
  ASSERT_TRUE(restored) << restored.error().to_string();
  EXPECT_EQ(*restored->user_version(), 7);
  auto s = restored->prepare("SELECT x FROM t");
  ASSERT_TRUE(s);
  EXPECT_EQ(*s->step(), Step::Row);
  EXPECT_EQ(s->column_text(0), "kept");
}

TEST(StoreDb, CachedStatementIsReusedAndResetAfterLease) {
  Db db = open_memory();
  ASSERT_TRUE(db.exec("CREATE TABLE t (v INTEGER); INSERT INTO t VALUES (1), (2), (3)"));
  for (int round = 0; round < 3; ++round) {
    auto stmt = db.cached("SELECT v FROM t ORDER BY v");
    ASSERT_TRUE(stmt);
    // Only the first row is read: the lease's end must close the cursor.
    ASSERT_EQ(*(*stmt)->step(), Step::Row);
    EXPECT_EQ((*stmt)->column_int64(0), 1);
  }
  EXPECT_FALSE(db.in_transaction());
}

TEST(StoreDb, UserVersionRoundTrip) {
  Db db = open_memory();
  EXPECT_EQ(*db.user_version(), 0);
  ASSERT_TRUE(db.set_user_version(42));
  EXPECT_EQ(*db.user_version(), 42);
}

TEST(StoreTxn, RollsBackOnDestruction) {
  Db db = open_memory();
  ASSERT_TRUE(db.exec("CREATE TABLE t (v INTEGER)"));
  {
    auto txn = Txn::begin(db);
    ASSERT_TRUE(txn);
    EXPECT_TRUE(db.in_transaction());
    ASSERT_TRUE(db.exec("INSERT INTO t VALUES (1)"));
    EXPECT_EQ(count_rows(db, "t"), 1);
  }
  EXPECT_FALSE(db.in_transaction());
  EXPECT_EQ(count_rows(db, "t"), 0);
}

TEST(StoreTxn, CommitKeepsAndExplicitRollbackDiscards) {
  Db db = open_memory();
  ASSERT_TRUE(db.exec("CREATE TABLE t (v INTEGER)"));
  {
    auto txn = Txn::begin(db);
    ASSERT_TRUE(txn);
    ASSERT_TRUE(db.exec("INSERT INTO t VALUES (1)"));
    ASSERT_TRUE(txn->commit());
    EXPECT_FALSE(txn->is_active());
    EXPECT_FALSE(txn->commit());  // Not active any more.
  }
  {
    auto txn = Txn::begin(db);
    ASSERT_TRUE(txn);
    ASSERT_TRUE(db.exec("INSERT INTO t VALUES (2)"));
    txn->rollback();
    EXPECT_FALSE(db.in_transaction());
  }
  EXPECT_EQ(count_rows(db, "t"), 1);
}

TEST(StoreTxn, NestedBeginFails) {
  Db db = open_memory();
  auto outer = Txn::begin(db);
  ASSERT_TRUE(outer);
  auto inner = Txn::begin(db);
  ASSERT_FALSE(inner);
  EXPECT_EQ(inner.error().code, Errc::Io);
  EXPECT_TRUE(db.in_transaction());
}

TEST(StoreTxn, SurvivesMovingTheDb) {
  Db db = open_memory();
  ASSERT_TRUE(db.exec("CREATE TABLE t (v INTEGER)"));
  auto txn = Txn::begin(db);
  ASSERT_TRUE(txn);
  Db moved = std::move(db);
  ASSERT_TRUE(moved.exec("INSERT INTO t VALUES (1)"));
  ASSERT_TRUE(txn->commit());
  EXPECT_EQ(count_rows(moved, "t"), 1);
}

// Runs `body` in a child process that then dies without any cleanup (no destructors, no
// rollback, no close), as a crash or kill -9 would.
void crash_after(const std::function<void()>& body) {
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    body();
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
}

TEST(StoreCrashSafety, UncommittedTxnIsAbsentAndCommittedSurvivesReopen) {
  TempDbPath tmp("crash");
  {
    auto db = Db::open(tmp.path());
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->exec("CREATE TABLE t (v TEXT)"));
  }
  crash_after([&] {
    auto db = Db::open(tmp.path());
    if (!db) {
      _exit(1);
    }
    auto committed = Txn::begin(*db);
    if (!committed || !db->exec("INSERT INTO t VALUES ('committed')") || !committed->commit()) {
      _exit(2);
    }
    auto open_txn = Txn::begin(*db);
    if (!open_txn || !db->exec("INSERT INTO t VALUES ('lost')")) {
      _exit(3);
    }
    _exit(0);  // Crash with the second transaction open.
  });
  auto db = Db::open(tmp.path());
  ASSERT_TRUE(db) << db.error().to_string();
  auto sel = db->prepare("SELECT v FROM t");
  ASSERT_TRUE(sel);
  ASSERT_EQ(*sel->step(), Step::Row);
  EXPECT_EQ(sel->column_text(0), "committed");
  EXPECT_EQ(*sel->step(), Step::Done);
}

}  // namespace
}  // namespace dcbot::store
