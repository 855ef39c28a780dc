// SPDX-License-Identifier: MIT
#include <optional>
#include <string_view>
#include <utility>

#include "chat/schema.h"
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

}  // namespace

Result<void> ensure_securejoin_schema(store::Db& db) {
  return apply_schema_steps(db, kVersionKey, kSteps, "securejoin");
}

}  // namespace dcbot::chat
