// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "chat/account.h"
#include "chat/events.h"
#include "dcbot/result.h"
#include "mime/builder.h"
#include "store/db.h"

// webxdc (PROTOCOL.md §6): sending app instances, and status updates both ways.
//
// An instance is an ordinary chat message whose file name ends in `.xdc`; its `messages` row is
// the instance, found by Message-ID (status updates reply to it with In-Reply-To). Updates are
// kept in `webxdc_updates` (own schema track, like chat/schema.cpp): one row per update, its
// rowid the local serial (serials never travel, §6), deduplicated by `uid` per instance. Our own
// updates wait there (`pending`) until flush_webxdc_updates() batches them into status update
// mails. Sans-IO like the rest of `chat`.
namespace dcbot::chat {

// §6: several updates share one mail up to this size of status-update.json.
inline constexpr std::size_t kStatusUpdateSoftLimit = std::size_t{100} * 1024;
// §6 `sendUpdateMaxSize`: larger status-update.json parts are refused.
inline constexpr std::size_t kStatusUpdateMaxSize = 18874368;
// Items in one received status-update.json beyond this are ignored.
inline constexpr std::size_t kMaxUpdatesPerMail = 10000;
// info, summary, document, href and uid longer than this make an item invalid.
inline constexpr std::size_t kMaxUpdateFieldSize = std::size_t{64} * 1024;

// One item of status-update.json.
struct WebxdcUpdate {
  std::string payload{};  // JSON text (any JSON value); required.
  std::string info{};     // Optional texts; empty when absent.
  std::string href{};
  std::string document{};
  std::string summary{};
  std::string uid{};     // Dedup id (§3.4 id format); empty when the sender sent none.
  std::string notify{};  // JSON object text (selfAddr or "*" -> text); empty when absent.
};

// Parses `{"updates":[...]}`. Items that are not objects, lack `payload` or carry fields of the
// wrong type or size are skipped (as the core skips them); Errc::Parse if the document is not
// JSON, has no `updates` array, nests deeper than 64 or exceeds kStatusUpdateMaxSize.
Result<std::vector<WebxdcUpdate>> parse_status_updates(std::string_view json);

// One item as JSON (keys payload, info, href, document, summary, uid, notify; empty ones left
// out). Errc::InvalidArgument if `payload` or `notify` is not valid JSON.
Result<std::string> serialize_status_update(const WebxdcUpdate& update);

// The selfAddr an app sees (§6): lower-case hex SHA-256 of "<OWN_FPR_HEX>-<instance mid>".
std::string webxdc_self_addr(std::string_view own_fpr_hex, std::string_view instance_mid);

// `iroh-gossip-topic` (§3.5): 32 random bytes as lower-case base32 without padding (52 chars).
std::string make_gossip_topic(const mime::RandomFn& random);

// Creates or upgrades `webxdc_updates` (own version key in `config`). Errc::Io on SQL errors,
// Errc::Unsupported for a database from a newer dcbot.
Result<void> ensure_webxdc_schema(store::Db& db);

// Sets hooks.webxdc to receive_status_update. Call ensure_webxdc_schema() first.
void install_webxdc(Hooks& hooks);

// The hook: a signed multipart/report; report-type=status-update. Finds the instance by
// In-Reply-To, refuses senders that are not members of the instance's chat, stores each new
// update (a known uid is skipped) and emits one WebxdcUpdateEvent per stored update. Always
// consumes the mail (status-update-only mails are never shown); fx.dropped says what happened.
Result<bool> receive_status_update(Account& account, const IncomingMail& mail, Effects& fx);

// Stores the new items of a status-update.json for an instance (skipping known uids) and emits
// a WebxdcUpdateEvent for each; returns how many were stored. The caller has checked that the
// sender may send updates. A document that does not parse sets fx.dropped and stores nothing.
// The engine also calls this for a status-update.json that rides along with an instance (§6).
Result<std::size_t> apply_status_updates(Account& account, std::int64_t instance_id,
                                         std::string_view sender_fpr, std::string_view json_text,
                                         std::int64_t timestamp, Effects& fx);

// The `messages` row id of the instance with this Message-ID, or 0 if that message is unknown
// or not a webxdc instance.
Result<std::int64_t> find_webxdc_instance(Account& account, std::string_view rfc724_mid);

struct InstanceOptions {
  std::string text;  // The caption (text part).
  // Send an `iroh-gossip-topic` header (§3.5). Off by default: an email-only peer needs none.
  bool gossip_topic = false;
  std::int64_t now = 0;
};

// An instance message (§6): `filename` (must end in `.xdc`) as `application/webxdc+zip`. The
// bytes are opened with XdcArchive first, so a broken app is refused (Errc::InvalidArgument)
// before anything is written. Otherwise as Account::build_text.
Result<OutgoingMail> build_webxdc_instance(Account& account, std::int64_t chat_id,
                                           std::string_view filename, ByteView xdc,
                                           const InstanceOptions& options);

// Stores our own update for the instance (a fresh uid when `update.uid` is empty) and marks it
// pending. Returns its serial. Errc::NotFound for an unknown instance, Errc::InvalidArgument for
// a payload or notify that is not JSON, a uid already stored for the instance, or an update
// larger than kStatusUpdateMaxSize.
Result<std::int64_t> queue_webxdc_update(Account& account, std::int64_t instance_id,
                                         WebxdcUpdate update, std::int64_t now);

// Builds the status update mails for every pending update, oldest first, one mail per instance
// and batch (items joined with ",\n" up to kStatusUpdateSoftLimit; a larger single update goes
// alone). The updates stop being pending; the caller queues the mails. Hidden, `Auto-Submitted:
// auto-generated`, In-Reply-To the instance (§6). Updates for a chat that can no longer be sent
// to (Account::build fails with InvalidArgument or NotFound, e.g. we left the group) stop being
// pending without a mail. The caller paces flushes (§6 `sendUpdateInterval` is 1 s).
Result<std::vector<OutgoingMail>> flush_webxdc_updates(Account& account, std::int64_t now);

// A stored update with its local serial.
struct StoredWebxdcUpdate {
  std::int64_t serial = 0;
  std::int64_t instance_id = 0;
  std::string sender_fpr;  // Empty for our own updates.
  WebxdcUpdate update;
  std::int64_t timestamp = 0;
};

// The updates of an instance with serial > `since`, in serial order (the JS API's
// getStatusUpdates / setUpdateListener(serial)).
Result<std::vector<StoredWebxdcUpdate>> webxdc_updates(Account& account, std::int64_t instance_id,
                                                       std::int64_t since = 0);

}  // namespace dcbot::chat
