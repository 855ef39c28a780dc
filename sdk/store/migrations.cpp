// SPDX-License-Identifier: MIT
#include "store/migrations.h"

#include <utility>

#include <fmt/format.h>

namespace dcbot::store {

Migrations::Migrations(std::vector<Migration> steps) : steps_(std::move(steps)) {
  int previous = 0;
  for (const Migration& m : steps_) {
    DCBOT_CHECK(m.version > previous, "store: migration versions must increase");
    previous = m.version;
  }
}

int Migrations::latest() const {
  return steps_.empty() ? 0 : steps_.back().version;
}

Result<int> Migrations::apply(Db& db) const {
  DCBOT_TRY(int current, db.user_version());
  if (current > latest()) {
    return make_error(Errc::Unsupported,
                      fmt::format("store: database schema version {} is newer than this dcbot's {}",
                                  current, latest()));
  }
  for (const Migration& m : steps_) {
    if (m.version <= current) {
      continue;
    }
    auto step = [&]() -> Result<void> {
      DCBOT_TRY(Txn txn, Txn::begin(db));
      DCBOT_TRY(db.exec(m.sql));
      DCBOT_TRY(db.set_user_version(m.version));
      return txn.commit();
    };
    if (auto r = step(); !r) {
      return r.error().with_context(fmt::format("store: migration {}", m.version));
    }
    current = m.version;
  }
  return current;
}

}  // namespace dcbot::store
