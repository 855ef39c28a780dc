// SPDX-License-Identifier: MIT
#include "chat/webxdc.h"

#include <array>
#include <optional>
#include <utility>

#include <boost/json.hpp>

#include "base/encoding.h"
#include "chat/schema.h"
#include "chat/text.h"
#include "chat/xdc_archive.h"
#include "crypto/hash.h"
#include "crypto/random.h"
#include "mime/header.h"
#include "mime/parser.h"
#include "store/account.h"
#include "store/chats.h"
#include "store/messages.h"

// webxdc over email (PROTOCOL.md §6; core `webxdc.rs`): the instance is a message, status
// updates are hidden multipart/report mails replying to it with a status-update.json part.
namespace dcbot::chat {
namespace {

namespace json = boost::json;

constexpr std::string_view kVersionKey = "webxdc.schema_version";

// `uid` is empty for updates without one (old senders); those are never deduplicated.
constexpr std::string_view kStep1 = R"sql(
CREATE TABLE webxdc_updates (
  serial      INTEGER PRIMARY KEY AUTOINCREMENT,
  instance_id INTEGER NOT NULL,
  uid         TEXT NOT NULL DEFAULT '',
  sender_fpr  TEXT NOT NULL DEFAULT '',
  payload     TEXT NOT NULL,
  info        TEXT NOT NULL DEFAULT '',
  href        TEXT NOT NULL DEFAULT '',
  document    TEXT NOT NULL DEFAULT '',
  summary     TEXT NOT NULL DEFAULT '',
  notify      TEXT NOT NULL DEFAULT '',
  timestamp   INTEGER NOT NULL,
  pending     INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX webxdc_updates_uid ON webxdc_updates(instance_id, uid) WHERE uid != '';
CREATE INDEX webxdc_updates_pending ON webxdc_updates(pending) WHERE pending != 0;
)sql";

constexpr std::array<std::string_view, 1> kSteps = {kStep1};
constexpr int kMaxDepth = 64;

bool ends_with_xdc(std::string_view name) {
  return name.size() > 4 && mime::iequals(name.substr(name.size() - 4), ".xdc");
}

Result<json::value> parse_json(std::string_view text) {
  json::parse_options opt;
  opt.max_depth = kMaxDepth;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec, json::storage_ptr(), opt);
  if (ec) {
    return make_error(Errc::Parse, "webxdc: bad json: " + ec.message());
  }
  return v;
}

// An optional string field; false when present with another type or too long.
bool string_field(const json::object& o, std::string_view key, std::string& out) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) {
    return true;
  }
  const auto* s = v->if_string();
  if (s == nullptr || s->size() > kMaxUpdateFieldSize) {
    return false;
  }
  out.assign(s->data(), s->size());
  return true;
}

// §3.4 create_id: 18 random bytes as 24 URL-safe base64 characters.
std::string create_id() {
  std::array<std::uint8_t, 18> b{};
  crypto::fill_random(b);
  std::string id = base64_encode(b);
  for (auto& c : id) {
    c = c == '+' ? '-' : c == '/' ? '_' : c;
  }
  return id;
}

std::string notify_text_for(const std::string& notify, const std::string& self_addr) {
  if (notify.empty()) {
    return {};
  }
  auto v = parse_json(notify);
  if (!v || !v->is_object()) {
    return {};
  }
  const std::array<std::string_view, 2> keys = {self_addr, "*"};
  for (const std::string_view key : keys) {
    if (const auto* t = v->as_object().if_contains(key); t != nullptr && t->is_string()) {
      const json::string& text = t->as_string();
      return {text.data(), text.size()};
    }
  }
  return {};
}

// The instance row: Message-ID, chat, text (quoted in update mails), own or not.
Result<std::optional<store::Message>> instance_row(store::Db& db, std::int64_t instance_id) {
  store::Messages messages(db);
  DCBOT_TRY(auto row, messages.get(instance_id));
  if (!row || !ends_with_xdc(row->file_path)) {
    return std::optional<store::Message>();
  }
  return row;
}

// Whether `fpr` may send updates to the instance's chat: a current member (1:1 chats have their
// peer as the one member row; groups keep every member, chat/group.h).
Result<bool> may_send_updates(store::Db& db, std::int64_t chat_id, std::string_view fpr) {
  store::ChatMembers members(db);
  DCBOT_TRY(auto row, members.get(chat_id, fpr));
  return row && row->is_member();
}

Result<std::int64_t> insert_update(store::Db& db, std::int64_t instance_id,
                                   std::string_view sender_fpr, const WebxdcUpdate& u,
                                   std::int64_t timestamp, bool pending) {
  DCBOT_TRY(auto stmt,
            db.cached("INSERT INTO webxdc_updates(instance_id, uid, sender_fpr, payload, info, "
                      "href, document, summary, notify, timestamp, pending) "
                      "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  DCBOT_TRY(stmt->bind_all(instance_id, u.uid, sender_fpr, u.payload, u.info, u.href, u.document,
                           u.summary, u.notify, timestamp, std::int64_t{pending ? 1 : 0}));
  DCBOT_TRY(stmt->run());
  return db.last_insert_rowid();
}

Result<bool> uid_known(store::Db& db, std::int64_t instance_id, std::string_view uid) {
  if (uid.empty()) {
    return false;
  }
  DCBOT_TRY(auto stmt, db.cached("SELECT 1 FROM webxdc_updates WHERE instance_id = ? AND uid = ?"));
  DCBOT_TRY(stmt->bind_all(instance_id, uid));
  DCBOT_TRY(auto step, stmt->step());
  return step == store::Step::Row;
}

StoredWebxdcUpdate read_update(store::Stmt& s) {
  StoredWebxdcUpdate u;
  u.serial = s.column_int64(0);
  u.instance_id = s.column_int64(1);
  u.update.uid = s.column_text(2);
  u.sender_fpr = s.column_text(3);
  u.update.payload = s.column_text(4);
  u.update.info = s.column_text(5);
  u.update.href = s.column_text(6);
  u.update.document = s.column_text(7);
  u.update.summary = s.column_text(8);
  u.update.notify = s.column_text(9);
  u.timestamp = s.column_int64(10);
  return u;
}

constexpr std::string_view kUpdateColumns =
    "serial, instance_id, uid, sender_fpr, payload, info, href, document, summary, notify, "
    "timestamp";

}  // namespace

Result<std::vector<WebxdcUpdate>> parse_status_updates(std::string_view text) {
  if (text.size() > kStatusUpdateMaxSize) {
    return make_error(Errc::Parse, "webxdc: status-update.json larger than the limit");
  }
  DCBOT_TRY(auto doc, parse_json(text));
  const auto* obj = doc.if_object();
  const json::value* list = obj != nullptr ? obj->if_contains("updates") : nullptr;
  if (list == nullptr || !list->is_array()) {
    return make_error(Errc::Parse, "webxdc: no updates array");
  }
  std::vector<WebxdcUpdate> out;
  for (const auto& item : list->as_array()) {
    if (out.size() >= kMaxUpdatesPerMail) {
      break;
    }
    const auto* o = item.if_object();
    const json::value* payload = o != nullptr ? o->if_contains("payload") : nullptr;
    if (payload == nullptr) {
      continue;
    }
    WebxdcUpdate u;
    u.payload = json::serialize(*payload);
    if (!string_field(*o, "info", u.info) || !string_field(*o, "href", u.href)
        || !string_field(*o, "document", u.document) || !string_field(*o, "summary", u.summary)
        || !string_field(*o, "uid", u.uid)) {
      continue;
    }
    if (const auto* n = o->if_contains("notify"); n != nullptr && !n->is_null()) {
      if (!n->is_object()) {
        continue;
      }
      u.notify = json::serialize(*n);
    }
    out.push_back(std::move(u));
  }
  return out;
}

Result<std::string> serialize_status_update(const WebxdcUpdate& u) {
  auto payload = parse_json(u.payload);
  if (!payload) {
    return make_error(Errc::InvalidArgument, "webxdc: payload is not json");
  }
  json::object o;
  o["payload"] = std::move(*payload);
  for (const auto& [key, value] : {std::pair<std::string_view, const std::string*>{"info", &u.info},
                                   {"href", &u.href},
                                   {"document", &u.document},
                                   {"summary", &u.summary},
                                   {"uid", &u.uid}}) {
    if (!value->empty()) {
      o[key] = *value;
    }
  }
  if (!u.notify.empty()) {
    auto notify = parse_json(u.notify);
    if (!notify || !notify->is_object()) {
      return make_error(Errc::InvalidArgument, "webxdc: notify is not a json object");
    }
    o["notify"] = std::move(*notify);
  }
  return json::serialize(o);
}

std::string webxdc_self_addr(std::string_view own_fpr_hex, std::string_view instance_mid) {
  const std::string input = std::string(own_fpr_hex) + "-" + std::string(instance_mid);
  return hex_encode(crypto::hash(crypto::HashAlgo::Sha256, as_bytes(input)));
}

std::string make_gossip_topic(const mime::RandomFn& random) {
  // RFC 4648 §6 base32, lower case, no padding: 256 bits -> 52 characters.
  static constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyz234567";
  std::array<std::uint8_t, 32> bytes{};
  random(bytes);
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const auto b : bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += kAlphabet[(buffer >> (bits - 5)) & 0x1f];
      bits -= 5;
    }
  }
  if (bits > 0) {
    out += kAlphabet[(buffer << (5 - bits)) & 0x1f];
  }
  return out;
}

Result<void> ensure_webxdc_schema(store::Db& db) {
  return apply_schema_steps(db, kVersionKey, kSteps, "webxdc");
}

void install_webxdc(Hooks& hooks) {
  hooks.webxdc = receive_status_update;
}

Result<std::int64_t> find_webxdc_instance(Account& account, std::string_view rfc724_mid) {
  store::Messages messages(account.db());
  DCBOT_TRY(auto row, messages.find_by_mid(rfc724_mid));
  if (!row || !ends_with_xdc(row->file_path)) {
    return std::int64_t{0};
  }
  return row->id;
}

Result<bool> receive_status_update(Account& account, const IncomingMail& mail, Effects& fx) {
  store::Db& db = account.db();
  std::string target;
  if (const auto raw = mail.headers->raw("In-Reply-To")) {
    const auto ids = mime::parse_message_ids(*raw);
    if (!ids.empty()) {
      target = ids.front();
    }
  }
  DCBOT_TRY(const std::int64_t instance_id, find_webxdc_instance(account, target));
  if (instance_id == 0) {
    fx.dropped = "webxdc status update for an unknown instance";
    return true;
  }
  DCBOT_TRY(auto instance, instance_row(db, instance_id));
  if (!instance) {
    fx.dropped = "webxdc status update for an unknown instance";
    return true;
  }
  DCBOT_TRY(const bool member, may_send_updates(db, instance->chat_id, mail.signer_fpr));
  if (!member) {
    fx.dropped = "webxdc status update from a non-member";
    return true;
  }
  const mime::Part* part = nullptr;
  for (const auto& child : mail.inner->children) {
    if (child.mime_type() == "application/json" || child.filename == "status-update.json") {
      part = &child;
      break;
    }
  }
  if (part == nullptr) {
    fx.dropped = "webxdc status update without status-update.json";
    return true;
  }
  DCBOT_TRY(const std::size_t stored,
            apply_status_updates(account, instance_id, mail.signer_fpr, to_string(part->body),
                                 mail.timestamp, fx));
  if (fx.dropped.empty()) {
    fx.dropped = stored == 0 ? "webxdc status update: nothing new" : "webxdc status update applied";
  }
  return true;
}

Result<std::size_t> apply_status_updates(Account& account, std::int64_t instance_id,
                                         std::string_view sender_fpr, std::string_view json_text,
                                         std::int64_t timestamp, Effects& fx) {
  store::Db& db = account.db();
  DCBOT_TRY(auto instance, instance_row(db, instance_id));
  if (!instance) {
    return std::size_t{0};
  }
  auto updates = parse_status_updates(json_text);
  if (!updates) {
    fx.dropped = "webxdc status update: " + updates.error().message;
    return std::size_t{0};
  }
  const std::string self_addr = webxdc_self_addr(account.fingerprint(), instance->rfc724_mid);
  std::size_t duplicates = 0;
  std::size_t stored = 0;
  for (auto& u : *updates) {
    DCBOT_TRY(const bool known, uid_known(db, instance_id, u.uid));
    if (known) {
      ++duplicates;
      continue;
    }
    DCBOT_TRY(const std::int64_t serial,
              insert_update(db, instance_id, sender_fpr, u, timestamp, false));
    WebxdcUpdateEvent ev;
    ev.chat_id = instance->chat_id;
    ev.instance_id = instance_id;
    ev.instance_mid = instance->rfc724_mid;
    ev.sender_fpr = std::string(sender_fpr);
    ev.notify_text = notify_text_for(u.notify, self_addr);
    ev.payload = std::move(u.payload);
    ev.info = std::move(u.info);
    ev.summary = std::move(u.summary);
    ev.document = std::move(u.document);
    ev.href = std::move(u.href);
    ev.uid = std::move(u.uid);
    ev.serial = serial;
    ev.timestamp = timestamp;
    fx.events.emplace_back(std::move(ev));
    ++stored;
  }
  if (duplicates > 0) {
    fx.notes.push_back("webxdc: " + std::to_string(duplicates) + " known uid(s) skipped");
  }
  return stored;
}

Result<OutgoingMail> build_webxdc_instance(Account& account, std::int64_t chat_id,
                                           std::string_view filename, ByteView xdc,
                                           const InstanceOptions& options) {
  if (!ends_with_xdc(filename)) {
    return make_error(Errc::InvalidArgument, "webxdc: the file name must end in .xdc");
  }
  auto archive = XdcArchive::open(xdc);
  if (!archive) {
    return make_error(Errc::InvalidArgument, archive.error().message);
  }
  auto random = [](std::span<std::uint8_t> out) {
    crypto::fill_random(out);
  };
  // §3.3 and §6: multipart/mixed, the caption first, then the app.
  Account::Draft d;
  d.chat_id = chat_id;
  d.now = options.now;
  d.text = options.text;
  d.file_name = std::string(filename);
  std::vector<mime::Entity> children;
  children.push_back(mime::text_part(compose_body(options.text, account.profile().status)));
  children.push_back(mime::attachment_part("application/webxdc+zip", filename, xdc));
  d.root = mime::multipart("mixed", std::move(children), mime::make_boundary(random));
  if (options.gossip_topic) {
    d.headers.push_back({"iroh-gossip-topic", make_gossip_topic(random)});
  }
  return account.build(d);
}

Result<std::int64_t> queue_webxdc_update(Account& account, std::int64_t instance_id,
                                         WebxdcUpdate update, std::int64_t now) {
  store::Db& db = account.db();
  DCBOT_TRY(auto instance, instance_row(db, instance_id));
  if (!instance) {
    return make_error(Errc::NotFound, "webxdc: no such instance");
  }
  if (update.uid.empty()) {
    update.uid = create_id();
  }
  DCBOT_TRY(const bool known, uid_known(db, instance_id, update.uid));
  if (known) {
    return make_error(Errc::InvalidArgument, "webxdc: uid already used for this instance");
  }
  DCBOT_TRY(auto item, serialize_status_update(update));
  if (item.size() > kStatusUpdateMaxSize) {
    return make_error(Errc::InvalidArgument, "webxdc: update larger than the limit");
  }
  // Store the canonical JSON, as a receiver would.
  DCBOT_TRY(auto payload, parse_json(update.payload));
  update.payload = json::serialize(payload);
  return insert_update(db, instance_id, "", update, now, true);
}

Result<std::vector<OutgoingMail>> flush_webxdc_updates(Account& account, std::int64_t now) {
  store::Db& db = account.db();
  std::vector<StoredWebxdcUpdate> pending;
  {
    DCBOT_TRY(auto stmt, db.cached("SELECT " + std::string(kUpdateColumns)
                                   + " FROM webxdc_updates WHERE pending != 0 ORDER BY serial"));
    for (;;) {
      DCBOT_TRY(auto step, stmt->step());
      if (step != store::Step::Row) {
        break;
      }
      pending.push_back(read_update(*stmt));
    }
  }
  std::vector<OutgoingMail> mails;
  std::size_t i = 0;
  while (i < pending.size()) {
    const std::int64_t instance_id = pending[i].instance_id;
    std::string body;
    std::vector<std::int64_t> batch;
    for (; i < pending.size() && pending[i].instance_id == instance_id; ++i) {
      DCBOT_TRY(auto item, serialize_status_update(pending[i].update));
      // §6: batch with ",\n" up to the soft limit; one oversized update still goes alone.
      if (!batch.empty() && body.size() + 2 + item.size() > kStatusUpdateSoftLimit) {
        break;
      }
      if (!batch.empty()) {
        body += ",\n";
      }
      body += item;
      batch.push_back(pending[i].serial);
    }
    DCBOT_TRY(auto instance, instance_row(db, instance_id));
    if (instance) {
      Account::Draft d;
      d.chat_id = instance->chat_id;
      d.now = now;
      d.hidden = true;
      d.in_reply_to = instance->rfc724_mid;
      // The text part as the core writes it: the quoted instance text, then the marker.
      std::string text;
      if (!instance->text.empty()) {
        text = "> " + instance->text + "\n\n";
      }
      text += "Webxdc Status Update";
      d.root = mime::status_update_report(
          text, "{\"updates\":[" + body + "]}",
          mime::make_boundary([](std::span<std::uint8_t> out) { crypto::fill_random(out); }));
      if (!account.profile().bot) {
        // §3.5, §6: bots send it on every mail already (Account::build).
        d.headers.push_back({"Auto-Submitted", "auto-generated"});
      }
      auto mail = account.build(d);
      if (mail) {
        mails.push_back(std::move(*mail));
      } else if (mail.error().code != Errc::InvalidArgument
                 && mail.error().code != Errc::NotFound) {
        return std::move(mail).error().with_context("webxdc: flush");
      }
      // A chat we can no longer send to (left, no member keys, gone): the updates stay stored
      // but are not retried, so they cannot block the other instances' updates.
    }
    for (const auto serial : batch) {
      DCBOT_TRY(auto stmt, db.cached("UPDATE webxdc_updates SET pending = 0 WHERE serial = ?"));
      DCBOT_TRY(stmt->bind_all(serial));
      DCBOT_TRY(stmt->run());
    }
  }
  return mails;
}

Result<std::vector<StoredWebxdcUpdate>> webxdc_updates(Account& account, std::int64_t instance_id,
                                                       std::int64_t since) {
  DCBOT_TRY(auto stmt, account.db().cached("SELECT " + std::string(kUpdateColumns)
                                           + " FROM webxdc_updates WHERE instance_id = ? AND "
                                             "serial > ? ORDER BY serial"));
  DCBOT_TRY(stmt->bind_all(instance_id, since));
  std::vector<StoredWebxdcUpdate> out;
  for (;;) {
    DCBOT_TRY(auto step, stmt->step());
    if (step != store::Step::Row) {
      break;
    }
    out.push_back(read_update(*stmt));
  }
  return out;
}

}  // namespace dcbot::chat
