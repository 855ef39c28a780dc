// SPDX-License-Identifier: MIT
#include "chat/schema.h"

#include <optional>
#include <string_view>

#include "store/account.h"

namespace dcbot::chat {
namespace {

constexpr std::string_view kVersionKey = "chat.schema_version";

// Step 1. Message-IDs are stored without angle brackets, fingerprints as upper-case hex.
constexpr std::string_view kStep1 = R"sql(
CREATE TABLE chat_contact_status (
  fingerprint TEXT PRIMARY KEY NOT NULL,
  status      TEXT NOT NULL DEFAULT '',
  updated     INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE chat_message_meta (
  rfc724_mid TEXT PRIMARY KEY NOT NULL,
  subject    TEXT NOT NULL DEFAULT '',
  refs       TEXT NOT NULL DEFAULT ''
);
CREATE TABLE chat_reactions (
  target_mid  TEXT NOT NULL,
  contact_fpr TEXT NOT NULL,
  emoji       TEXT NOT NULL,
  timestamp   INTEGER NOT NULL,
  PRIMARY KEY (target_mid, contact_fpr)
);
CREATE TABLE chat_pre_messages (
  post_mid   TEXT PRIMARY KEY NOT NULL,
  pre_mid    TEXT NOT NULL,
  chat_id    INTEGER NOT NULL,
  sender_fpr TEXT NOT NULL,
  text       TEXT NOT NULL DEFAULT '',
  metadata   TEXT NOT NULL DEFAULT '',
  timestamp  INTEGER NOT NULL
);
CREATE TABLE chat_deleted_mids (
  rfc724_mid TEXT PRIMARY KEY NOT NULL,
  sender_fpr TEXT NOT NULL,
  deleted_at INTEGER NOT NULL
);
)sql";

// Step 2. When the own avatar (Chat-User-Avatar) last went to a contact (core
// `contacts.selfavatar_sent`).
constexpr std::string_view kStep2 = R"sql(
CREATE TABLE chat_selfavatar_sent (
  contact_fpr TEXT PRIMARY KEY NOT NULL,
  sent_at     INTEGER NOT NULL
);
)sql";

constexpr std::string_view kSteps[] = {kStep1, kStep2};

}  // namespace

Result<void> apply_schema_steps(store::Db& db, std::string_view version_key,
                                std::span<const std::string_view> steps, std::string_view owner) {
  store::Settings settings(db);
  DCBOT_TRY(auto stored, settings.get_int(version_key));
  const std::int64_t have = stored.value_or(0);
  const auto latest = static_cast<std::int64_t>(steps.size());
  if (have > latest) {
    return make_error(Errc::Unsupported,
                      std::string(owner) + ": schema: database written by a newer dcbot");
  }
  for (std::int64_t version = have + 1; version <= latest; ++version) {
    std::optional<store::Txn> txn;
    if (!db.in_transaction()) {
      DCBOT_TRY(auto t, store::Txn::begin(db));
      txn.emplace(std::move(t));
    }
    DCBOT_TRY(db.exec(steps[static_cast<std::size_t>(version - 1)]));
    DCBOT_TRY(settings.set_int(version_key, version));
    if (txn) {
      DCBOT_TRY(txn->commit());
    }
  }
  return {};
}

Result<void> ensure_schema(store::Db& db) {
  static_assert(std::size(kSteps) == kChatSchemaVersion);
  return apply_schema_steps(db, kVersionKey, kSteps, "chat");
}

}  // namespace dcbot::chat
