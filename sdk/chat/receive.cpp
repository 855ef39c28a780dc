// SPDX-License-Identifier: MIT
#include <algorithm>
#include <array>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/encoding.h"
#include "chat/account.h"
#include "chat/autocrypt.h"
#include "chat/contacts.h"
#include "chat/mdn.h"
#include "chat/text.h"
#include "chat/webxdc.h"
#include "crypto/hash.h"
#include "mime/address.h"
#include "mime/date.h"
#include "mime/header.h"
#include "mime/parser.h"
#include "pgp/armor.h"
#include "pgp/message.h"
#include "store/chats.h"
#include "store/contacts.h"
#include "store/messages.h"

// The receive path: PROTOCOL.md §1.6 (what counts as encrypted and signed), §1.8 (keyupdates),
// §2 (Autocrypt, gossip), §3 (message layout), §8 (pre-/post-messages) and §9 (the checklist).
namespace dcbot::chat {
namespace {

// §3.4: receivers clamp the sent time to at most 60 s after reception.
constexpr std::int64_t kTimestampSentTolerance = 60;

// Header names that never come from the unprotected outer header (§3.2, core `is_protected`).
bool is_protected(std::string_view name) {
  static constexpr std::array<std::string_view, 15> kNames = {"return-path",
                                                              "auto-submitted",
                                                              "date",
                                                              "from",
                                                              "sender",
                                                              "reply-to",
                                                              "to",
                                                              "cc",
                                                              "bcc",
                                                              "message-id",
                                                              "in-reply-to",
                                                              "references",
                                                              "secure-join",
                                                              "autocrypt",
                                                              "autocrypt-gossip"};
  if (name.size() >= 5 && mime::iequals(name.substr(0, 5), "chat-")) {
    return true;
  }
  return std::any_of(kNames.begin(), kNames.end(),
                     [&](std::string_view n) { return mime::iequals(n, name); });
}

std::string first_mid(const mime::Headers& headers, std::string_view name) {
  const auto raw = headers.raw(name);
  if (!raw) {
    return {};
  }
  auto ids = mime::parse_message_ids(*raw);
  return ids.empty() ? std::string() : ids.front();
}

std::optional<mime::Mailbox> mailbox(const mime::Headers& headers, std::string_view name) {
  const auto raw = headers.raw(name);
  if (!raw) {
    return std::nullopt;
  }
  auto box = mime::parse_mailbox(*raw);
  if (!box) {
    return std::nullopt;
  }
  return *box;
}

// An address list; empty when absent or malformed.
std::vector<mime::Mailbox> address_list(const mime::Headers& headers, std::string_view name) {
  auto list = mime::parse_address_list(headers.raw(name).value_or(""));
  if (!list) {
    return {};
  }
  return std::move(*list);
}

// The text part and the file parts of a chat message body (§3.3): a single text/plain root, or a
// multipart/mixed whose first text/plain is the text; multipart/alternative contributes its
// text/plain only.
void collect_parts(const mime::Part& part, const mime::Part*& text,
                   std::vector<const mime::Part*>& files) {
  if (part.is_multipart()) {
    if (part.content_type.subtype == "alternative") {
      for (const auto& child : part.children) {
        if (child.mime_type() == "text/plain" && !child.is_attachment()) {
          if (text == nullptr) {
            text = &child;
          }
          return;
        }
      }
    }
    for (const auto& child : part.children) {
      collect_parts(child, text, files);
    }
    return;
  }
  if (part.mime_type() == "text/plain" && !part.is_attachment() && text == nullptr) {
    text = &part;
    return;
  }
  if (part.mime_type() == "text/html" && !part.is_attachment()) {
    return;  // Delta Chat never shows HTML (SECURITY.md EFAIL rules).
  }
  files.push_back(&part);
}

std::string hex_upper(const pgp::Fingerprint& fpr) {
  return pgp::fingerprint_hex(fpr);
}

// A keyupdate (§1.8): a disposition-notification report that names no original message.
bool is_keyupdate(const mime::Part& inner) {
  if (!mime::is_report(inner, "disposition-notification")) {
    return false;
  }
  const mime::Part* mdn = inner.find("message/disposition-notification");
  if (mdn == nullptr) {
    return true;
  }
  return to_string(mdn->body).find("Original-Message-ID") == std::string::npos;
}

Result<void> update_message_text(store::Db& db, std::int64_t id, std::string_view text) {
  DCBOT_TRY(auto stmt, db.cached("UPDATE messages SET text = ? WHERE id = ?"));
  DCBOT_TRY(stmt->bind_all(text, id));
  return stmt->run();
}

Result<void> delete_message(store::Db& db, std::int64_t id) {
  DCBOT_TRY(auto stmt, db.cached("DELETE FROM messages WHERE id = ?"));
  DCBOT_TRY(stmt->bind_all(id));
  return stmt->run();
}

Result<void> save_meta(store::Db& db, std::string_view mid, std::string_view subject,
                       std::string_view refs) {
  DCBOT_TRY(auto stmt, db.cached("INSERT OR REPLACE INTO chat_message_meta(rfc724_mid, subject, "
                                 "refs) VALUES(?, ?, ?)"));
  DCBOT_TRY(stmt->bind_all(mid, subject, refs));
  return stmt->run();
}

// A mail past decryption: everything the handlers below need.
struct Context {
  Effects& fx;
  const mime::Part& outer;
  const mime::Part& inner;
  mime::Headers headers;  // Effective headers.
  std::string signer;
  mime::Mailbox from;
  std::vector<mime::Mailbox> to;
  std::string mid;
  std::int64_t timestamp = 0;
  std::int64_t now = 0;
  std::int64_t chat_id = 0;
};

Result<void> handle_reaction(store::Db& db, Context& c, const mime::Part& part) {
  const std::string target = first_mid(c.headers, "In-Reply-To");
  if (target.empty()) {
    c.fx.dropped = "reaction without in-reply-to";
    return {};
  }
  const std::string emoji = reaction_emoji(part.text());
  if (emoji.empty()) {
    DCBOT_TRY(auto stmt,
              db.cached("DELETE FROM chat_reactions WHERE target_mid = ? AND contact_fpr = ?"));
    DCBOT_TRY(stmt->bind_all(target, c.signer));
    DCBOT_TRY(stmt->run());
  } else {
    // §3.6: one reaction per sender per message; the latest replaces earlier ones.
    DCBOT_TRY(auto stmt, db.cached("INSERT OR REPLACE INTO chat_reactions(target_mid, "
                                   "contact_fpr, emoji, timestamp) VALUES(?, ?, ?, ?)"));
    DCBOT_TRY(stmt->bind_all(target, c.signer, emoji, c.timestamp));
    DCBOT_TRY(stmt->run());
  }
  store::Messages messages(db);
  DCBOT_TRY(auto target_row, messages.find_by_mid(target));
  c.fx.events.emplace_back(ReactionEvent{c.chat_id, c.mid, target,
                                         target_row ? target_row->id : std::int64_t{0}, c.signer,
                                         emoji, c.timestamp});
  return {};
}

Result<void> handle_edit(store::Db& db, Context& c, const mime::Part* text_part) {
  const std::string target = first_mid(c.headers, "Chat-Edit");
  const std::string new_text = text_part != nullptr ? edit_text(text_part->text()) : std::string();
  store::Messages messages(db);
  DCBOT_TRY(auto original, messages.find_by_mid(target));
  EditEvent ev{c.chat_id, 0, target, c.signer, new_text, c.timestamp};
  if (original) {
    // §3.7: only the original sender may edit.
    if (original->sender_fpr != c.signer) {
      c.fx.dropped = "edit of another sender's message";
      return {};
    }
    DCBOT_TRY(update_message_text(db, original->id, new_text));
    ev.message_id = original->id;
    ev.chat_id = original->chat_id;
  }
  c.fx.events.emplace_back(std::move(ev));
  return {};
}

Result<void> handle_delete(store::Db& db, Context& c) {
  const auto raw = c.headers.raw("Chat-Delete");
  DeleteEvent ev{c.chat_id, {}, {}, c.signer, c.timestamp};
  store::Messages messages(db);
  for (const auto& target : mime::parse_message_ids(raw.value_or(""))) {
    DCBOT_TRY(auto original, messages.find_by_mid(target));
    if (original && original->sender_fpr != c.signer) {
      c.fx.notes.push_back("delete of another sender's message ignored: " + target);
      continue;
    }
    if (original) {
      DCBOT_TRY(delete_message(db, original->id));
      ev.message_ids.push_back(original->id);
    } else {
      // The target has not arrived yet: keep a tombstone so it is dropped when it does.
      DCBOT_TRY(auto stmt, db.cached("INSERT OR REPLACE INTO chat_deleted_mids(rfc724_mid, "
                                     "sender_fpr, deleted_at) VALUES(?, ?, ?)"));
      DCBOT_TRY(stmt->bind_all(target, c.signer, c.now));
      DCBOT_TRY(stmt->run());
    }
    ev.target_mids.push_back(target);
  }
  if (ev.target_mids.empty()) {
    c.fx.dropped = "delete request without valid targets";
    return {};
  }
  c.fx.events.emplace_back(std::move(ev));
  return {};
}

}  // namespace

Result<Effects> Account::receive(ByteView raw, std::int64_t now) {
  if (!key_) {
    return make_error(Errc::InvalidArgument, "chat: receive: account has no key");
  }
  std::optional<store::Txn> txn;
  if (!db_->in_transaction()) {
    DCBOT_TRY(auto t, store::Txn::begin(*db_));
    txn.emplace(std::move(t));
  }
  auto effects = receive_in_txn(raw, now);
  if (!effects) {
    return std::move(effects).error().with_context("chat: receive");
  }
  if (txn) {
    DCBOT_TRY(txn->commit());
  }
  return effects;
}

Result<Effects> Account::receive_in_txn(ByteView raw, std::int64_t now) {
  Effects fx;
  auto parsed = mime::parse(raw);
  if (!parsed) {
    fx.dropped = "mime parse failed";
    return fx;
  }
  const mime::Part& outer = *parsed;
  const std::string outer_mid = first_mid(outer.headers, "Message-ID");
  fx.rfc724_mid = outer_mid;
  const auto outer_from = mailbox(outer.headers, "From");
  store::SeenMessageIds seen(*db_);

  auto enc = mime::encrypted_parts(outer);
  if (!enc) {
    // §5.3 / §9.1: the only plaintext that may matter is the legacy SecureJoin request. Its
    // remaining checks (Secure-Join-Invitenumber, the outer Autocrypt key) are the hook's.
    const auto step = outer.headers.value("Secure-Join");
    if (step && (*step == "vc-request" || *step == "vg-request") && outer_from) {
      if (!outer_mid.empty()) {
        DCBOT_TRY(auto fresh, seen.mark_seen(outer_mid, now));
        if (!fresh) {
          fx.dropped = "duplicate message-id";
          return fx;
        }
      }
      if (!hooks_.securejoin) {
        fx.dropped = "securejoin request: no securejoin handler";
        return fx;
      }
      IncomingMail in;
      in.outer = &outer;
      in.inner = &outer;
      in.headers = &outer.headers;
      in.from = *outer_from;
      in.to = address_list(outer.headers, "To");
      in.rfc724_mid = outer_mid;
      in.timestamp = now;
      in.now = now;
      DCBOT_TRY(auto consumed, hooks_.securejoin(*this, in, fx));
      if (!consumed && fx.dropped.empty()) {
        fx.dropped = "securejoin request ignored";
      }
      return fx;
    }
    fx.dropped = "not encrypted";
    return fx;
  }
  // Multi-relay copies carry the same Message-ID outside; skip them before any crypto (§9.14).
  if (!outer_mid.empty()) {
    DCBOT_TRY(auto dup, seen.is_seen(outer_mid));
    if (dup) {
      fx.dropped = "duplicate message-id";
      return fx;
    }
  }
  auto armored = pgp::armor_decode(to_string(enc->payload->body));
  if (!armored || armored->kind != pgp::ArmorKind::Message) {
    fx.dropped = "bad armor";
    return fx;
  }

  // Verification keyring, first try: the known keys of the outer From address. The issuer or the
  // protected Autocrypt header may name another key; then a second pass verifies with that key.
  std::vector<const pgp::Certificate*> verifiers;
  if (outer_from) {
    store::Contacts contacts(*db_);
    DCBOT_TRY(auto known, contacts.find_by_addr(outer_from->addr));
    for (const auto& c : known) {
      if (const auto* cert = contact_certificate(c.fingerprint)) {
        verifiers.push_back(cert);
      }
    }
  }
  const std::vector<std::string> passwords =
      hooks_.symmetric_passwords ? hooks_.symmetric_passwords() : std::vector<std::string>{};
  std::vector<const pgp::SecretKey*> keys;
  for (const auto& k : decrypt_keys_) {
    keys.push_back(k.get());
  }
  auto decrypted = pgp::decrypt(armored->data, keys, passwords, verifiers);
  if (!decrypted) {
    fx.dropped = "decryption failed";
    return fx;
  }
  auto inner_parsed = mime::parse(decrypted->plaintext);
  if (!inner_parsed) {
    fx.dropped = "inner mime parse failed";
    return fx;
  }
  const mime::Part& inner = *inner_parsed;

  // §3.2: with `hp` on the decrypted root every outer header is discarded; without it, outer
  // headers survive unless protected. The outer Subject is never used for encrypted mail.
  mime::Headers headers = inner.headers;
  if (!inner.content_type.param("hp")) {
    for (const auto& f : outer.headers.fields()) {
      if (!is_protected(f.name) && !mime::iequals(f.name, "Subject") && !headers.has(f.name)
          && !mime::iequals(f.name, "Content-Type")) {
        headers.add(f.name, f.raw);
      }
    }
  }
  const auto inner_from = mailbox(inner.headers, "From");
  const mime::Mailbox from = inner_from ? *inner_from : outer_from.value_or(mime::Mailbox{});

  // The protected Autocrypt header for From: the last one whose addr matches (§2).
  std::optional<pgp::Certificate> autocrypt_cert;
  std::string autocrypt_addr;
  if (!same_addr(from.addr, profile_.addr)) {
    for (const auto raw_value : inner.headers.all_raw("Autocrypt")) {
      auto header = parse_autocrypt(raw_value);
      if (!header || !same_addr(header->addr, from.addr)) {
        continue;
      }
      auto cert = pgp::Certificate::parse(header->keydata);
      if (cert) {
        autocrypt_cert = std::move(*cert);
        autocrypt_addr = header->addr;
      } else {
        fx.notes.push_back("autocrypt key ignored: " + cert.error().message);
      }
    }
  }

  auto valid_sig = [&]() -> const pgp::SignatureInfo* {
    for (const auto& s : decrypted->signatures) {
      if (s.valid) {
        return &s;
      }
    }
    return nullptr;
  };
  if (valid_sig() == nullptr && !decrypted->signatures.empty()) {
    // §1.6: the keyring is the Autocrypt key of From plus stored keys named by the issuer.
    const std::string issuer = hex_upper(decrypted->signatures.front().signer);
    const pgp::Certificate* second = contact_certificate(issuer);
    if (second == nullptr && autocrypt_cert && autocrypt_cert->fingerprint_hex() == issuer) {
      second = &*autocrypt_cert;
    }
    if (second != nullptr) {
      const pgp::Certificate* again[] = {second};
      auto retry = pgp::decrypt(armored->data, keys, passwords, again);
      if (retry) {
        decrypted = std::move(retry);
      }
    }
  }
  const pgp::SignatureInfo* sig = valid_sig();

  auto make_incoming = [&](const mime::Headers& h) {
    IncomingMail in;
    in.outer = &outer;
    in.inner = &inner;
    in.headers = &h;
    in.encrypted = true;
    in.symmetric = decrypted->was_symmetric;
    in.signer_fpr = sig != nullptr ? hex_upper(sig->signer) : std::string();
    in.from = from;
    in.to = address_list(h, "To");
    in.rfc724_mid = first_mid(h, "Message-ID");
    if (in.rfc724_mid.empty()) {
      in.rfc724_mid = outer_mid;
    }
    const auto date = mime::parse_date(h.raw("Date").value_or(""));
    in.timestamp = date ? std::min(*date, now + kTimestampSentTolerance) : now;
    in.now = now;
    return in;
  };

  if (sig == nullptr) {
    if (!decrypted->was_symmetric && is_keyupdate(inner)) {
      // §1.8: unsigned, so it may only refresh a key we already have under that fingerprint.
      if (autocrypt_cert) {
        auto merged = import_contact_key(*autocrypt_cert, autocrypt_addr, from.name,
                                         KeySource::Keyupdate, now);
        fx.notes.push_back(merged ? "keyupdate merged" : "keyupdate for an unknown key ignored");
      }
      fx.dropped = "keyupdate";
      return fx;
    }
    if (decrypted->was_symmetric && headers.has("Secure-Join") && hooks_.securejoin) {
      // SecureJoin v3 `vc-request-pubkey` is unsigned on purpose (§1.4, §5.2).
      IncomingMail in = make_incoming(headers);
      fx.rfc724_mid = in.rfc724_mid;
      DCBOT_TRY(auto fresh, seen.mark_seen(in.rfc724_mid, now));
      if (!fresh) {
        fx.dropped = "duplicate message-id";
        return fx;
      }
      DCBOT_TRY(auto consumed, hooks_.securejoin(*this, in, fx));
      if (!consumed && fx.dropped.empty()) {
        fx.dropped = "securejoin step ignored";
      }
      return fx;
    }
    if (outer_from && inner_from && !same_addr(outer_from->addr, inner_from->addr)) {
      fx.dropped = "forged from: unsigned mail with differing outer from";
      return fx;
    }
    fx.dropped = decrypted->signatures.empty() ? "unsigned" : "signed by unknown key";
    return fx;
  }

  const std::string signer = hex_upper(sig->signer);
  const bool own_signer =
      std::any_of(decrypt_keys_.begin(), decrypt_keys_.end(),
                  [&](const auto& k) { return k->fingerprint() == sig->signer; });
  if (own_signer) {
    fx.dropped = "sent by ourselves";
    return fx;
  }
  // §1.6, SECURITY.md "identity misbinding": IRFs that do not name us mean "not for us".
  const bool for_us =
      std::any_of(sig->intended_recipients.begin(), sig->intended_recipients.end(),
                  [&](const pgp::Fingerprint& f) {
                    return std::any_of(decrypt_keys_.begin(), decrypt_keys_.end(),
                                       [&](const auto& k) { return k->fingerprint() == f; });
                  });
  if (!sig->intended_recipients.empty() && !for_us) {
    fx.dropped = "not intended for us";
    return fx;
  }
  IncomingMail in = make_incoming(headers);
  if (in.rfc724_mid.empty()) {
    // Core gives mails without Message-ID a local id; ours is derived from the bytes so a
    // refetch still deduplicates.
    in.rfc724_mid = "GEN_" + hex_encode(crypto::hash(crypto::HashAlgo::Sha256, raw)).substr(0, 32);
  }
  fx.rfc724_mid = in.rfc724_mid;
  DCBOT_TRY(auto fresh, seen.mark_seen(in.rfc724_mid, now));
  if (!fresh) {
    fx.dropped = "duplicate message-id";
    return fx;
  }
  if (!outer_mid.empty() && outer_mid != in.rfc724_mid) {
    DCBOT_TRY(seen.mark_seen(outer_mid, now));
  }

  // §2: the signer's own Autocrypt header updates its key contact; only after the signature
  // verified and only for the signing key itself.
  store::Contacts contacts(*db_);
  if (autocrypt_cert && autocrypt_cert->fingerprint_hex() == signer) {
    DCBOT_TRY(
        import_contact_key(*autocrypt_cert, autocrypt_addr, from.name, KeySource::Autocrypt, now));
  }
  DCBOT_TRY(auto contact, contacts.get(signer));
  if (!contact) {
    // Verified against a certificate that is not stored (cannot happen: verifiers come from the
    // store or from the Autocrypt header imported just above).
    fx.dropped = "signer is not a known contact";
    return fx;
  }
  // §3.5: `Chat-Version` + `Auto-Submitted: auto-generated` marks a bot.
  const auto auto_submitted = headers.value("Auto-Submitted");
  contact->is_bot = headers.has("Chat-Version") && auto_submitted
                    && mime::to_lower(*auto_submitted) == "auto-generated";
  if (!from.name.empty() && !headers.has("Sender")) {
    contact->display_name = from.name;
  }
  contact->last_seen = now;
  DCBOT_TRY(contacts.upsert(*contact));

  // §2: gossip only from signed mail, only for addresses in To, never for From or ourselves.
  for (const auto raw_value : inner.headers.all_raw("Autocrypt-Gossip")) {
    auto header = parse_autocrypt(raw_value);
    if (!header) {
      fx.notes.push_back("gossip ignored: unparsable");
      continue;
    }
    const bool listed = std::any_of(in.to.begin(), in.to.end(), [&](const mime::Mailbox& m) {
      return same_addr(m.addr, header->addr);
    });
    if (!listed || same_addr(header->addr, from.addr) || same_addr(header->addr, profile_.addr)) {
      continue;
    }
    auto cert = pgp::Certificate::parse(header->keydata);
    if (!cert) {
      fx.notes.push_back("gossip ignored: " + cert.error().message);
      continue;
    }
    DCBOT_TRY(import_contact_key(*cert, header->addr, {}, KeySource::Gossip, now));
  }

  // Extension points first: these mails are not 1:1 chat messages.
  const bool group_mail = headers.has("Chat-Group-ID") || headers.has("Chat-List-ID");
  if (headers.has("Secure-Join")) {
    bool consumed = false;
    if (hooks_.securejoin) {
      DCBOT_TRY(consumed, hooks_.securejoin(*this, in, fx));
    }
    // §5.4: `vg-member-added` goes on as an ordinary group message when the hook lets it.
    if (consumed || !fx.dropped.empty() || !hooks_.securejoin || !group_mail) {
      if (fx.dropped.empty() && !consumed) {
        fx.dropped = "securejoin step: no securejoin handler";
      }
      return fx;
    }
  }
  std::int64_t group_chat = 0;
  if (group_mail) {
    if (!hooks_.group) {
      fx.dropped = "group message: no group handler";
      return fx;
    }
    DCBOT_TRY(group_chat, hooks_.group(*this, in, fx));
    if (group_chat == 0) {
      if (fx.dropped.empty()) {
        fx.dropped = "group message ignored";
      }
      return fx;
    }
  }
  if (mime::is_report(inner, "disposition-notification")) {
    // §3.9: marks our messages read; nothing is shown or emitted.
    DCBOT_TRY(auto marked, apply_read_receipt(*db_, inner, headers, signer));
    fx.notes.push_back("read receipt: " + std::to_string(marked) + " message(s) marked read");
    fx.dropped = "read receipt (mdn)";
    return fx;
  }
  if (mime::is_report(inner, "status-update")) {
    if (hooks_.webxdc) {
      DCBOT_TRY(auto consumed, hooks_.webxdc(*this, in, fx));
      if (consumed || !fx.dropped.empty()) {
        return fx;
      }
    }
    fx.dropped = "webxdc status update: webxdc not supported yet";
    return fx;
  }
  // §1.6: more than one non-sender IRF (or, without IRFs, more than one To) is a group.
  const auto others =
      std::count_if(sig->intended_recipients.begin(), sig->intended_recipients.end(),
                    [&](const pgp::Fingerprint& f) { return f != sig->signer; });
  if (group_chat == 0 && (others > 1 || (sig->intended_recipients.empty() && in.to.size() > 1))) {
    fx.dropped = "ad-hoc group message: groups not supported yet";
    return fx;
  }

  Context c{fx, outer, inner, headers, signer, from, in.to, in.rfc724_mid, in.timestamp, now, 0};
  if (group_chat != 0) {
    c.chat_id = group_chat;
  } else {
    DCBOT_TRY(c.chat_id, single_chat(signer, now));
  }

  // §3.8: every message carries the timer while it is on; absence switches it off.
  store::Chats chats(*db_);
  DCBOT_TRY(auto chat, chats.get(c.chat_id));
  if (chat) {
    std::int64_t timer = 0;
    if (const auto t = headers.value("Ephemeral-Timer")) {
      timer = std::strtoll(t->c_str(), nullptr, 10);
      timer = std::max<std::int64_t>(timer, 0);
    }
    if (chat->ephemeral_timer != timer) {
      chat->ephemeral_timer = timer;
      DCBOT_TRY(chats.update(*chat));
    }
  }

  const mime::Part* text_part = nullptr;
  std::vector<const mime::Part*> files;
  collect_parts(inner, text_part, files);

  if (headers.has("Chat-Edit")) {
    DCBOT_TRY(handle_edit(*db_, c, text_part));
    if (fx.dropped.empty()) {
      fx.dropped = "edit request applied";
    }
    return fx;
  }
  if (headers.has("Chat-Delete")) {
    DCBOT_TRY(handle_delete(*db_, c));
    if (fx.dropped.empty()) {
      fx.dropped = "delete request applied";
    }
    return fx;
  }
  const mime::Part* reaction = nullptr;
  if (inner.disposition && inner.disposition->kind == "reaction") {
    reaction = &inner;
  } else if (text_part != nullptr && text_part->disposition
             && text_part->disposition->kind == "reaction") {
    reaction = text_part;
  }
  if (reaction != nullptr) {
    DCBOT_TRY(handle_reaction(*db_, c, *reaction));
    if (fx.dropped.empty()) {
      fx.dropped = "reaction applied";
    }
    return fx;
  }

  store::Messages messages(*db_);
  {
    DCBOT_TRY(auto stmt, db_->cached("SELECT sender_fpr FROM chat_deleted_mids WHERE "
                                     "rfc724_mid = ?"));
    DCBOT_TRY(stmt->bind_all(in.rfc724_mid));
    DCBOT_TRY(auto step, stmt->step());
    if (step == store::Step::Row && stmt->column_text(0) == signer) {
      fx.dropped = "deleted by its sender before arrival";
      return fx;
    }
  }

  SplitText split = split_footer(text_part != nullptr ? text_part->text() : std::string());
  if (split.has_footer) {
    DCBOT_TRY(set_contact_status(*db_, signer, split.footer, now));
  }

  // §8: a pre-message announces a large post-message; a bot waits for the post.
  if (const auto post = headers.raw("Chat-Post-Message-ID")) {
    const auto ids = mime::parse_message_ids(*post);
    if (ids.empty()) {
      fx.dropped = "pre-message without post-message id";
      return fx;
    }
    DCBOT_TRY(auto existing, messages.find_by_mid(ids.front()));
    if (existing) {
      fx.dropped = "pre-message after its post-message";
      return fx;
    }
    DCBOT_TRY(auto stmt, db_->cached("INSERT OR REPLACE INTO chat_pre_messages(post_mid, pre_mid, "
                                     "chat_id, sender_fpr, text, metadata, timestamp) "
                                     "VALUES(?, ?, ?, ?, ?, ?, ?)"));
    DCBOT_TRY(stmt->bind_all(ids.front(), in.rfc724_mid, c.chat_id, signer, split.text,
                             headers.value("Chat-Post-Message-Metadata").value_or(""),
                             c.timestamp));
    DCBOT_TRY(stmt->run());
    fx.dropped = "pre-message: waiting for post-message";
    return fx;
  }
  std::int64_t timestamp = c.timestamp;
  if (headers.has("Chat-Is-Post-Message")) {
    DCBOT_TRY(auto stmt, db_->cached("SELECT text, timestamp FROM chat_pre_messages WHERE "
                                     "post_mid = ? AND sender_fpr = ?"));
    DCBOT_TRY(stmt->bind_all(in.rfc724_mid, signer));
    DCBOT_TRY(auto step, stmt->step());
    if (step == store::Step::Row) {
      if (split.text.empty()) {
        split.text = stmt->column_text(0);
      }
      timestamp = std::min(timestamp, stmt->column_int64(1));
    }
    stmt->reset();
    DCBOT_TRY(auto del, db_->cached("DELETE FROM chat_pre_messages WHERE post_mid = ?"));
    DCBOT_TRY(del->bind_all(in.rfc724_mid));
    DCBOT_TRY(del->run());
  }

  MessageEvent ev;
  ev.chat_id = c.chat_id;
  ev.rfc724_mid = in.rfc724_mid;
  ev.sender_fpr = signer;
  ev.sender_addr = contact->addr;
  ev.sender_name = from.name.empty() ? contact->display_name : from.name;
  ev.verified = contact->verified == store::VerifiedState::Verified;
  ev.is_bot = contact->is_bot;
  ev.text = split.text;
  ev.timestamp = timestamp;
  ev.in_reply_to = first_mid(headers, "In-Reply-To");
  if (!ev.in_reply_to.empty()) {
    SplitQuote quote = split_quote(ev.text);
    if (quote.has_quote) {
      ev.has_quote = true;
      ev.text = std::move(quote.text);
      ev.quote_text = std::move(quote.quote);
      DCBOT_TRY(auto quoted, messages.find_by_mid(ev.in_reply_to));
      if (quoted && quoted->chat_id == c.chat_id) {
        ev.quote_message_id = quoted->id;
        ev.quote_sender_fpr = quoted->sender_fpr;
      }
    }
  }
  if (const auto mdn_to = mailbox(headers, "Chat-Disposition-Notification-To")) {
    ev.wants_read_receipt = same_addr(mdn_to->addr, from.addr);
  }
  // §6: status updates queued before an instance was sent ride along with it as
  // status-update.json; they are applied to the new instance, not shown as a file.
  const mime::Part* riding_updates = nullptr;
  const bool has_app = std::any_of(files.begin(), files.end(), [](const mime::Part* p) {
    return p->filename.size() > 4
           && mime::iequals(std::string_view(p->filename).substr(p->filename.size() - 4), ".xdc");
  });
  for (const mime::Part* part : files) {
    if (has_app && hooks_.webxdc && riding_updates == nullptr
        && part->filename == "status-update.json") {
      riding_updates = part;
      continue;
    }
    Attachment a;
    a.mime_type = part->mime_type();
    a.filename = sanitize_filename(part->filename, a.mime_type);
    a.data = part->body;
    ev.attachments.push_back(std::move(a));
  }
  if (ev.text.empty() && ev.attachments.empty()) {
    fx.dropped = "empty message";
    return fx;
  }
  store::Message row;
  row.chat_id = c.chat_id;
  row.sender_fpr = signer;
  row.rfc724_mid = in.rfc724_mid;
  row.in_reply_to = ev.in_reply_to;
  row.timestamp = timestamp;
  row.text = ev.text;
  row.file_path = ev.attachments.empty() ? std::string() : ev.attachments.front().filename;
  row.state = store::MessageState::Incoming;
  DCBOT_TRY(ev.message_id, messages.add(row));
  DCBOT_TRY(save_meta(*db_, in.rfc724_mid, headers.value("Subject").value_or(""),
                      headers.raw("References").value_or("")));
  const std::int64_t message_id = ev.message_id;
  fx.events.emplace_back(std::move(ev));
  if (riding_updates != nullptr) {
    // The instance is shown whatever its updates hold: their problems are notes only.
    Effects updates;
    DCBOT_TRY(apply_status_updates(*this, message_id, signer, to_string(riding_updates->body),
                                   timestamp, updates));
    std::move(updates.events.begin(), updates.events.end(), std::back_inserter(fx.events));
    fx.notes.insert(fx.notes.end(), updates.notes.begin(), updates.notes.end());
    if (updates.is_dropped()) {
      fx.notes.push_back(updates.dropped);
    }
  }
  return fx;
}

}  // namespace dcbot::chat
