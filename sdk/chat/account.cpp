// SPDX-License-Identifier: MIT
#include "chat/account.h"

#include <algorithm>
#include <utility>

#include "base/encoding.h"
#include "chat/contacts.h"
#include "chat/schema.h"
#include "crypto/hash.h"
#include "store/account.h"
#include "store/contacts.h"
#include "store/mailbox.h"

namespace dcbot::chat {
namespace {

constexpr std::string_view kAddrKey = "addr";
constexpr std::string_view kNameKey = "displayname";
constexpr std::string_view kStatusKey = "selfstatus";
constexpr std::string_view kBotKey = "bot";
constexpr std::string_view kAvatarHashKey = "selfavatar_sha256";
constexpr std::int64_t kDay = 24 * 60 * 60;

}  // namespace

Account::Account(Account&&) noexcept = default;
Account& Account::operator=(Account&&) noexcept = default;
Account::~Account() = default;

Result<Account> Account::open(store::Db& db) {
  DCBOT_TRY(ensure_schema(db));
  Account account(db);
  DCBOT_TRY(account.load());
  return account;
}

Result<void> Account::load() {
  store::Settings settings(*db_);
  DCBOT_TRY(auto addr, settings.get(kAddrKey));
  DCBOT_TRY(auto name, settings.get(kNameKey));
  DCBOT_TRY(auto status, settings.get(kStatusKey));
  DCBOT_TRY(auto bot, settings.get_int(kBotKey));
  profile_.addr = addr.value_or("");
  profile_.display_name = name.value_or("");
  profile_.status = status.value_or("");
  profile_.bot = bot.value_or(1) != 0;
  store::OwnKeys keys(*db_);
  DCBOT_TRY(auto own, keys.list());
  for (const auto& row : own) {
    DCBOT_TRY(auto key, pgp::SecretKey::from_armored(row.secret_armored));
    if (row.is_default) {
      key_ = std::make_unique<pgp::SecretKey>(key);
    }
    decrypt_keys_.push_back(std::make_unique<pgp::SecretKey>(std::move(key)));
  }
  return {};
}

Result<void> Account::set_profile(const Profile& profile) {
  store::Settings settings(*db_);
  DCBOT_TRY(settings.set(kAddrKey, profile.addr));
  DCBOT_TRY(settings.set(kNameKey, profile.display_name));
  DCBOT_TRY(settings.set(kStatusKey, profile.status));
  DCBOT_TRY(settings.set_int(kBotKey, profile.bot ? 1 : 0));
  profile_ = profile;
  return {};
}

Result<void> Account::set_avatar(Bytes image) {
  const std::string hash =
      image.empty() ? std::string() : hex_encode(crypto::hash(crypto::HashAlgo::Sha256, image));
  store::Settings settings(*db_);
  DCBOT_TRY(auto stored, settings.get(kAvatarHashKey));
  if (stored.value_or("") != hash) {
    // Core `Config::Selfavatar`: a new image is sent to every contact again.
    std::optional<store::Txn> txn;
    if (!db_->in_transaction()) {
      DCBOT_TRY(auto t, store::Txn::begin(*db_));
      txn.emplace(std::move(t));
    }
    DCBOT_TRY(db_->exec("DELETE FROM chat_selfavatar_sent"));
    DCBOT_TRY(settings.set(kAvatarHashKey, hash));
    if (txn) {
      DCBOT_TRY(txn->commit());
    }
  }
  avatar_ = std::move(image);
  return {};
}

Result<std::optional<mime::HeaderField>> Account::user_avatar_header(
    const std::vector<std::string>& fprs, std::int64_t now) {
  const std::int64_t due_before = now - kResendAvatarDays * kDay;
  bool due = false;
  {
    DCBOT_TRY(auto stmt,
              db_->cached("SELECT sent_at FROM chat_selfavatar_sent WHERE contact_fpr = ?"));
    for (const auto& fpr : fprs) {
      DCBOT_TRY(stmt->bind_all(fpr));
      DCBOT_TRY(auto step, stmt->step());
      const bool sent_recently = step == store::Step::Row && stmt->column_int64(0) >= due_before;
      stmt->reset();
      if (!sent_recently) {
        due = true;
        break;
      }
    }
  }
  if (!due) {
    return std::optional<mime::HeaderField>();
  }
  DCBOT_TRY(auto mark, db_->cached("INSERT OR REPLACE INTO chat_selfavatar_sent(contact_fpr, "
                                   "sent_at) VALUES(?, ?)"));
  for (const auto& fpr : fprs) {
    DCBOT_TRY(mark->bind_all(fpr, now));
    DCBOT_TRY(mark->run());
    mark->reset();
  }
  if (avatar_.empty()) {
    return std::optional<mime::HeaderField>(mime::HeaderField{"Chat-User-Avatar", "0"});
  }
  // `base64:` and the image with a space after every 77th character of a 78 run (core
  // build_avatar_file), so that the field folds.
  const std::string b64 = base64_encode(avatar_);
  std::string value = "base64:";
  value.reserve(value.size() + b64.size() + b64.size() / 78 + 1);
  for (std::size_t i = 0; i < b64.size(); ++i) {
    if (i % 78 == 77) {
      value += ' ';
    }
    value += b64[i];
  }
  return std::optional<mime::HeaderField>(mime::HeaderField{"Chat-User-Avatar", value});
}

Result<void> Account::ensure_key(std::int64_t now) {
  if (key_) {
    return {};
  }
  if (profile_.addr.empty()) {
    return make_error(Errc::InvalidArgument, "chat: no address configured for key generation");
  }
  DCBOT_TRY(auto key, pgp::SecretKey::generate(profile_.addr, {profile_.addr},
                                               static_cast<std::uint32_t>(now)));
  return import_key(key, now);
}

Result<void> Account::import_key(const pgp::SecretKey& key, std::int64_t now) {
  store::OwnKey row;
  row.fingerprint = key.certificate().fingerprint_hex();
  row.secret_armored = key.to_armored();
  row.public_cert = key.certificate().serialize();
  row.created = now;
  row.is_default = true;
  store::OwnKeys keys(*db_);
  DCBOT_TRY(auto existing, keys.get(row.fingerprint));
  if (existing) {
    DCBOT_TRY(keys.set_default(row.fingerprint));
  } else {
    std::optional<store::Txn> txn;
    if (!db_->in_transaction()) {
      DCBOT_TRY(auto t, store::Txn::begin(*db_));
      txn.emplace(std::move(t));
    }
    DCBOT_TRY(keys.add(row));
    if (txn) {
      DCBOT_TRY(txn->commit());
    }
  }
  key_ = std::make_unique<pgp::SecretKey>(key);
  if (!existing) {
    decrypt_keys_.push_back(std::make_unique<pgp::SecretKey>(key));
  }
  return {};
}

const pgp::SecretKey& Account::key() const {
  DCBOT_CHECK(key_ != nullptr, "chat: account has no key (call ensure_key first)");
  return *key_;
}

std::string Account::fingerprint() const {
  return key().certificate().fingerprint_hex();
}

Result<std::int64_t> Account::single_chat(std::string_view contact_fpr, std::int64_t now) {
  store::Chats chats(*db_);
  DCBOT_TRY(auto found, chats.find_single(contact_fpr));
  if (found) {
    return found->id;
  }
  store::Chat chat;
  chat.type = store::ChatType::Single;
  chat.created = now;
  DCBOT_TRY(auto id, chats.add(chat));
  store::ChatMembers members(*db_);
  store::ChatMember member;
  member.chat_id = id;
  member.contact_fpr = std::string(contact_fpr);
  member.add_ts = now;
  DCBOT_TRY(members.set(member));
  return id;
}

Result<std::int64_t> Account::queue(const OutgoingMail& mail, std::int64_t now) {
  store::Outbox outbox(*db_);
  store::NewOutboxItem item;
  item.chat_id = mail.chat_id;
  item.rfc724_mid = mail.rfc724_mid;
  item.envelope_from = mail.envelope_from;
  item.recipients = mail.recipients;
  item.raw = mail.raw;
  item.created_at = now;
  // A mail queued right after a member-added mail or a webxdc app of the same chat waits: both
  // would leave at once and the relay may deliver the later one first. A Delta Chat core that gets
  // a group message from us before the mail adding us keeps a member list without us, and drops
  // status updates that arrive before their app (both seen with 2.62).
  if (auto it = held_since_.find(mail.chat_id); it != held_since_.end()) {
    if (now < it->second + kHoldSeconds) {
      item.not_before = it->second + kHoldSeconds;
    } else {
      held_since_.erase(it);
    }
  }
  if (mail.holds_chat) {
    // From when it can leave: a held member-added mail holds what follows it from then on.
    held_since_[mail.chat_id] = std::max(now, item.not_before);
  }
  return outbox.enqueue(item);
}

Result<ImportResult> Account::import_contact_key(const pgp::Certificate& cert,
                                                 std::string_view addr, std::string_view name,
                                                 KeySource source, std::int64_t now) {
  DCBOT_TRY(auto result, chat::import_key(*db_, cert, addr, name, source, now));
  return result;
}

const pgp::Certificate* Account::contact_certificate(const std::string& fpr) {
  store::Contacts contacts(*db_);
  auto contact = contacts.get(fpr);
  if (!contact || !*contact || !(*contact)->public_cert) {
    return nullptr;
  }
  const Bytes& stored = *(*contact)->public_cert;
  auto it = cert_cache_.find(fpr);
  if (it != cert_cache_.end() && it->second.stored == stored) {
    return &it->second.cert;
  }
  auto cert = pgp::Certificate::parse(stored);
  if (!cert) {
    return nullptr;
  }
  cert_cache_.insert_or_assign(fpr, CachedCert{stored, std::move(*cert)});
  return &cert_cache_.at(fpr).cert;
}

}  // namespace dcbot::chat
