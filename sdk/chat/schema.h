// SPDX-License-Identifier: MIT
#pragma once

#include <span>
#include <string_view>

#include "dcbot/result.h"
#include "store/db.h"

// The chat engine's own tables, beside the store's schema v1. They are versioned on their own
// track (the `config` key "chat.schema_version") rather than as store migrations, so the store can
// keep appending its own numbered steps without clashing with ours.
namespace dcbot::chat {

// The version ensure_schema() brings the database to.
inline constexpr int kChatSchemaVersion = 2;

// Creates or upgrades the chat tables: chat_contact_status (the `-- ` footer of each contact),
// chat_message_meta (Subject and References of each message, for replies), chat_reactions,
// chat_pre_messages (pre-messages waiting for their post-message, PROTOCOL.md §8) and
// chat_deleted_mids (delete requests that arrived before their target). Each step runs in its
// own transaction unless the caller already holds one. Errc::Unsupported if the database was
// written by a newer engine; Errc::Io on SQL errors.
Result<void> ensure_schema(store::Db& db);

// Brings one versioned track of tables (the chat engine's, SecureJoin's, groups', webxdc's) up to
// date: the `config` key `version_key` holds how many of `steps` ran; each missing step runs in its
// own transaction unless the caller already holds one. Errc::Unsupported ("<owner>: schema:
// database written by a newer dcbot") if the stored version exceeds steps.size().
Result<void> apply_schema_steps(store::Db& db, std::string_view version_key,
                                std::span<const std::string_view> steps, std::string_view owner);

}  // namespace dcbot::chat
