// SPDX-License-Identifier: MIT
#include "store/schema.h"

namespace dcbot::store {
namespace {

// Schema v1. Conventions: times are Unix seconds; enums are stored as the explicit integers of
// their C++ enum (never reordered); fingerprints are uppercase hex; lists of addresses are
// newline-separated text.
constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE config (
  key   TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL
);

CREATE TABLE own_keys (
  fingerprint    TEXT PRIMARY KEY NOT NULL,
  secret_armored TEXT NOT NULL,
  public_cert    BLOB NOT NULL,
  created        INTEGER NOT NULL,
  is_default     INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX own_keys_one_default ON own_keys(is_default) WHERE is_default = 1;

CREATE TABLE contacts (
  fingerprint          TEXT PRIMARY KEY NOT NULL,
  addr                 TEXT NOT NULL,
  display_name         TEXT NOT NULL DEFAULT '',
  public_cert          BLOB,
  verified             INTEGER NOT NULL DEFAULT 0,
  verifier_fingerprint TEXT,
  is_bot               INTEGER NOT NULL DEFAULT 0,
  blocked              INTEGER NOT NULL DEFAULT 0,
  last_seen            INTEGER NOT NULL DEFAULT 0,
  relay_addrs          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX contacts_addr ON contacts(addr COLLATE NOCASE);

CREATE TABLE chats (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  type            INTEGER NOT NULL,
  grpid           TEXT NOT NULL DEFAULT '',
  name            TEXT NOT NULL DEFAULT '',
  name_timestamp  INTEGER NOT NULL DEFAULT 0,
  ephemeral_timer INTEGER NOT NULL DEFAULT 0,
  blocked         INTEGER NOT NULL DEFAULT 0,
  has_left        INTEGER NOT NULL DEFAULT 0,
  created         INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX chats_grpid ON chats(grpid) WHERE grpid <> '';

-- The member timestamp CRDT of PROTOCOL.md §4.2: a contact is a member iff add_ts >= remove_ts.
CREATE TABLE chat_members (
  chat_id     INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
  contact_fpr TEXT NOT NULL,
  add_ts      INTEGER NOT NULL DEFAULT 0,
  remove_ts   INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (chat_id, contact_fpr)
);
CREATE INDEX chat_members_contact ON chat_members(contact_fpr);

CREATE TABLE messages (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  chat_id     INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
  sender_fpr  TEXT NOT NULL DEFAULT '',
  rfc724_mid  TEXT NOT NULL UNIQUE,
  in_reply_to TEXT NOT NULL DEFAULT '',
  timestamp   INTEGER NOT NULL,
  text        TEXT NOT NULL DEFAULT '',
  file_path   TEXT NOT NULL DEFAULT '',
  state       INTEGER NOT NULL
);
CREATE INDEX messages_chat ON messages(chat_id, timestamp, id);

CREATE TABLE imap_state (
  transport     TEXT NOT NULL,
  folder        TEXT NOT NULL,
  uidvalidity   INTEGER NOT NULL,
  last_seen_uid INTEGER NOT NULL,
  PRIMARY KEY (transport, folder)
);

-- Raw mails committed before the server copy is deleted (DESIGN.md data flow steps 1, 2, 5).
CREATE TABLE inbox (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  uidvalidity INTEGER NOT NULL,
  uid         INTEGER NOT NULL,
  raw         BLOB NOT NULL,
  received_at INTEGER NOT NULL,
  state       INTEGER NOT NULL DEFAULT 0,
  attempts    INTEGER NOT NULL DEFAULT 0,
  in_progress INTEGER NOT NULL DEFAULT 0,
  last_error  TEXT NOT NULL DEFAULT '',
  UNIQUE (uidvalidity, uid)
);
CREATE INDEX inbox_pending ON inbox(state, id);

-- Outgoing mails; sent in id order per chat (chat_id 0: not bound to a chat).
CREATE TABLE outbox (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  chat_id         INTEGER NOT NULL DEFAULT 0,
  rfc724_mid      TEXT NOT NULL,
  envelope_from   TEXT NOT NULL,
  recipients      TEXT NOT NULL,
  raw             BLOB NOT NULL,
  state           INTEGER NOT NULL DEFAULT 0,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL DEFAULT 0,
  last_error      TEXT NOT NULL DEFAULT '',
  created_at      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX outbox_queued ON outbox(state, chat_id, id);
CREATE INDEX outbox_mid ON outbox(rfc724_mid);

CREATE TABLE securejoin_tokens (
  id      INTEGER PRIMARY KEY AUTOINCREMENT,
  kind    INTEGER NOT NULL,
  token   TEXT NOT NULL,
  grpid   TEXT NOT NULL DEFAULT '',
  created INTEGER NOT NULL,
  UNIQUE (kind, token)
);
CREATE INDEX securejoin_tokens_grpid ON securejoin_tokens(kind, grpid);

CREATE TABLE seen_message_ids (
  rfc724_mid TEXT PRIMARY KEY NOT NULL,
  seen_at    INTEGER NOT NULL
);
CREATE INDEX seen_message_ids_time ON seen_message_ids(seen_at);

-- Persisted events: the handled flag commits together with the outbox rows the handlers queued.
CREATE TABLE events (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  kind       TEXT NOT NULL,
  payload    BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  handled    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX events_unhandled ON events(handled, id);

CREATE TABLE plugin_kv (
  plugin_id TEXT NOT NULL,
  key       TEXT NOT NULL,
  value     BLOB NOT NULL,
  PRIMARY KEY (plugin_id, key)
);

CREATE TABLE plugin_schema (
  plugin_id TEXT PRIMARY KEY NOT NULL,
  version   INTEGER NOT NULL
);
)sql";

}  // namespace

const Migrations& schema() {
  static const Migrations migrations({
      {1, kSchemaV1},
  });
  return migrations;
}

Result<Db> open_store(const std::string& path, OpenOptions options) {
  DCBOT_TRY(Db db, Db::open(path, options));
  DCBOT_TRY(schema().apply(db));
  return db;
}

}  // namespace dcbot::store
