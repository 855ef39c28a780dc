// SPDX-License-Identifier: MIT
#include <optional>
#include <string_view>
#include <utility>

#include "chat/securejoin.h"
#include "store/account.h"

// The joiner's state (core `bobstate`): one row per join we started, kept until the inviter
// confirms. Versioned on its own `config` key like chat/schema.cpp, so neither the store's
// numbered migrations nor the chat tables have to know about it.
namespace dcbot::chat {
namespace {

constexpr std::string_view kVersionKey = "securejoin.schema_version";

// `link` is the invite as scanned (parsed again on load); `fingerprint` and `auth` are copied out
// of it for the lookups of the receive path; `state` is a PendingState.
constexpr std::string_view kStep1 = R"sql(
CREATE TABLE securejoin_pending (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  link        TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  auth        TEXT NOT NULL,
  state       INTEGER NOT NULL DEFAULT 0,
  chat_id     INTEGER NOT NULL DEFAULT 0,
  created     INTEGER NOT NULL
);
CREATE INDEX securejoin_pending_fpr ON securejoin_pending(fingerprint);
)sql";

constexpr std::string_view kSteps[] = {kStep1};
constexpr std::int64_t kVersion = 1;

}  // namespace

Result<void> ensure_securejoin_schema(store::Db& db) {
  store::Settings settings(db);
  DCBOT_TRY(auto stored, settings.get_int(kVersionKey));
  const std::int64_t have = stored.value_or(0);
  if (have > kVersion) {
    return make_error(Errc::Unsupported, "securejoin: schema: database written by a newer dcbot");
  }
  for (std::int64_t version = have + 1; version <= kVersion; ++version) {
    std::optional<store::Txn> txn;
    if (!db.in_transaction()) {
      DCBOT_TRY(auto t, store::Txn::begin(db));
      txn.emplace(std::move(t));
    }
    DCBOT_TRY(db.exec(kSteps[version - 1]));
    DCBOT_TRY(settings.set_int(kVersionKey, version));
    if (txn) {
      DCBOT_TRY(txn->commit());
    }
  }
  return {};
}

}  // namespace dcbot::chat
