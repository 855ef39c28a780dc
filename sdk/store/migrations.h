// SPDX-License-Identifier: MIT
#pragma once

#include <string_view>
#include <vector>

#include "dcbot/result.h"
#include "store/db.h"

namespace dcbot::store {

// One schema step: after it runs, PRAGMA user_version is `version`.
struct Migration {
  int version = 0;
  std::string_view sql;
};

// An ordered list of schema steps (tdlib's habit). The database's PRAGMA user_version is the
// version it has reached; apply() runs every later step, each in its own transaction together with
// the version bump, so a crash leaves the database at a step boundary. Steps are never edited once
// released: the chat engine extends the schema by appending migrations.
class Migrations {
 public:
  // Versions must be positive and strictly increasing (checked: a programming error otherwise).
  explicit Migrations(std::vector<Migration> steps);

  // The version the code knows, 0 for an empty list.
  [[nodiscard]] int latest() const;

  // Brings `db` to latest() and returns the version reached. Errc::Unsupported if the database is
  // newer than the code (written by a later dcbot); Errc::Io on SQL errors, with the failing step
  // rolled back and earlier steps kept.
  Result<int> apply(Db& db) const;

  [[nodiscard]] const std::vector<Migration>& steps() const { return steps_; }

 private:
  std::vector<Migration> steps_;
};

}  // namespace dcbot::store
