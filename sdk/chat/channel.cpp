// SPDX-License-Identifier: MIT
#include "chat/channel.h"

#include <algorithm>
#include <array>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "base/encoding.h"
#include "chat/autocrypt.h"
#include "chat/contacts.h"
#include "chat/envelope.h"
#include "chat/header_values.h"
#include "chat/invite.h"
#include "chat/schema.h"
#include "crypto/random.h"
#include "mime/builder.h"
#include "mime/date.h"
#include "mime/header.h"
#include "pgp/armor.h"
#include "pgp/message.h"
#include "store/contacts.h"
#include "store/messages.h"
#include "store/runtime_tables.h"

// PROTOCOL.md §4.4 (broadcast channels), §1.4 (the symmetric layer of posts), §5.1 (channel
// links), §5.2 step 5; core `chat.rs` create_broadcast / add_contact_to_chat_ext,
// `mimefactory.rs` (should_encrypt_with_broadcast_secret, must_have_only_one_recipient,
// Chat-List-ID, Chat-Broadcast-Secret), `receive_imf.rs` apply_{out,in}_broadcast_changes,
// `decrypt.rs` try_decrypt_with_broadcast_secret.
namespace dcbot::chat {
namespace {

constexpr std::string_view kVersionKey = "chat.channel_schema_version";

constexpr std::string_view kStep1 = R"sql(
CREATE TABLE chat_channel_secrets (
  chat_id INTEGER PRIMARY KEY,
  secret  TEXT NOT NULL
);
)sql";

// The last posts of our channels as signed-over inner MIME, resent to new subscribers.
constexpr std::string_view kStep2 = R"sql(
CREATE TABLE chat_channel_posts (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  chat_id    INTEGER NOT NULL,
  rfc724_mid TEXT NOT NULL,
  inner      BLOB NOT NULL,
  created    INTEGER NOT NULL
);
CREATE INDEX chat_channel_posts_chat ON chat_channel_posts(chat_id, id);
)sql";

// core create_broadcast_secret: 264 random bits, cut to 43 base64 characters.
constexpr std::size_t kSecretBytes = 33;
constexpr std::size_t kSecretMaxLength = 100;

bool is_url_safe(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
         || c == '_';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

// core sanitize_single_line: line breaks become spaces, the ends are trimmed.
std::string single_line(std::string_view name) {
  std::string out;
  for (const char c : name) {
    out.push_back(c == '\r' || c == '\n' || c == '\t' ? ' ' : c);
  }
  return std::string(trim(out));
}

Result<void> store_secret(store::Db& db, std::int64_t chat_id, std::string_view secret) {
  DCBOT_TRY(auto stmt, db.cached("INSERT OR REPLACE INTO chat_channel_secrets(chat_id, secret) "
                                 "VALUES(?, ?)"));
  DCBOT_TRY(stmt->bind_all(chat_id, secret));
  return stmt->run();
}

Result<void> delete_secret(store::Db& db, std::int64_t chat_id) {
  DCBOT_TRY(auto stmt, db.cached("DELETE FROM chat_channel_secrets WHERE chat_id = ?"));
  DCBOT_TRY(stmt->bind_all(chat_id));
  return stmt->run();
}

// The secrets of the channels we subscribe to (core decrypt.rs tries every stored secret; the
// owner never needs its own to read anything).
Result<std::vector<std::string>> subscribed_secrets(store::Db& db) {
  DCBOT_TRY(auto stmt, db.cached("SELECT s.secret FROM chat_channel_secrets s JOIN chats c ON "
                                 "c.id = s.chat_id WHERE c.type = ? ORDER BY s.chat_id"));
  DCBOT_TRY(stmt->bind_all(store::ChatType::BroadcastIn));
  std::vector<std::string> out;
  for (;;) {
    DCBOT_TRY(auto step, stmt->step());
    if (step != store::Step::Row) {
      break;
    }
    out.push_back(stmt->column_text(0));
  }
  return out;
}

Result<store::Chat> load_owned(store::Db& db, std::int64_t chat_id) {
  store::Chats chats(db);
  DCBOT_TRY(auto chat, chats.get(chat_id));
  if (!chat || chat->type != store::ChatType::BroadcastOut) {
    return make_error(Errc::NotFound, "channel: no channel of ours with that id");
  }
  return *chat;
}

std::string list_id_value(const store::Chat& chat) {
  // core: `Chat-List-ID: <name> <<id>>`, an unstructured (encoded-word) header.
  return mime::encode_text(chat.name + " <" + chat.grpid + ">");
}

// Runs `fn` in the caller's transaction, or in its own.
template <class Fn>
auto in_txn(store::Db& db, Fn&& fn) -> decltype(fn()) {
  std::optional<store::Txn> txn;
  if (!db.in_transaction()) {
    DCBOT_TRY(auto t, store::Txn::begin(db));
    txn.emplace(std::move(t));
  }
  auto out = fn();
  if (!out) {
    return out;
  }
  if (txn) {
    DCBOT_TRY(txn->commit());
  }
  return out;
}

// A system message of the channel (§4.3 shape): plain text, no footer.
Account::Draft system_draft(std::int64_t chat_id, std::string text, std::string_view to_fpr,
                            std::int64_t now) {
  Account::Draft d;
  d.chat_id = chat_id;
  d.now = now;
  d.root = mime::text_part(text);
  d.text = std::move(text);
  d.group_first_fpr = std::string(to_fpr);
  return d;
}

// core add_contact_to_chat_ext -> resend_msgs_ext(to_fingerprint): the last posts go to the new
// subscriber only, asymmetric, under their original Message-ID and Date. Posts deleted since
// (no `messages` row any more) are skipped.
Result<void> resend_posts(Account& account, std::int64_t chat_id, const pgp::Certificate& cert,
                          const std::string& addr, std::int64_t now, Effects& fx) {
  store::Db& db = account.db();
  DCBOT_TRY(auto stmt, db.cached("SELECT rfc724_mid, inner FROM chat_channel_posts WHERE "
                                 "chat_id = ? ORDER BY id"));
  DCBOT_TRY(stmt->bind_all(chat_id));
  std::vector<std::pair<std::string, Bytes>> posts;
  for (;;) {
    DCBOT_TRY(auto step, stmt->step());
    if (step != store::Step::Row) {
      break;
    }
    posts.emplace_back(stmt->column_text(0), stmt->column_blob(1));
  }
  stmt->reset();
  store::Messages messages(db);
  const pgp::Certificate* keys[] = {&cert};
  for (auto& [mid, inner] : posts) {
    DCBOT_TRY(auto row, messages.find_by_mid(mid));
    if (!row) {
      continue;
    }
    pgp::EncryptOptions options;
    options.compress = true;
    options.now = static_cast<std::uint32_t>(now);
    DCBOT_TRY(auto encrypted, pgp::encrypt(inner, account.key(), keys, options));
    mime::OuterHeaders outer;
    outer.from_addr = account.profile().addr;
    outer.date = random_outer_date(now);
    outer.message_id = mid;
    OutgoingMail mail;
    mail.chat_id = chat_id;
    mail.envelope_from = account.profile().addr;
    mail.recipients = relay_addresses(cert, addr);
    mail.rfc724_mid = mid;
    mail.raw = to_bytes(mime::build_encrypted_message(
        outer, pgp::armor_encode(encrypted, pgp::ArmorKind::Message, pgp::LineEnding::Crlf),
        mime::make_boundary(random_fill)));
    fx.outgoing.push_back(std::move(mail));
  }
  return {};
}

// ---- Receiving

bool is_reaction(const mime::Part& inner) {
  auto reaction = [](const mime::Part& p) {
    return p.disposition && mime::iequals(p.disposition->kind, "reaction");
  };
  return reaction(inner)
         || (inner.is_multipart()
             && std::any_of(inner.children.begin(), inner.children.end(), reaction));
}

class Receiver {
 public:
  Receiver(Account& account, const IncomingMail& mail, Effects& fx)
      : account_(account), db_(account.db()), mail_(mail), fx_(fx), h_(*mail.headers) {}

  Result<std::int64_t> run();

 private:
  std::int64_t drop(std::string reason) {
    fx_.dropped = std::move(reason);
    return 0;
  }

  Result<std::int64_t> as_owner(store::Chat& chat);
  Result<std::int64_t> as_subscriber(store::Chat& chat);
  Result<void> apply_name(store::Chat& chat);

  Account& account_;
  store::Db& db_;
  const IncomingMail& mail_;
  Effects& fx_;
  const mime::Headers& h_;
  std::string own_;
  std::string sender_;
};

Result<std::int64_t> Receiver::run() {
  own_ = account_.fingerprint();
  sender_ = mail_.signer_fpr;
  if (sender_.empty()) {
    return drop("channel message not signed");
  }
  const std::string id = channel_list_id(h_.value("Chat-List-ID").value_or(""));
  if (!is_valid_token(id)) {
    return drop("channel message with invalid chat-list-id");
  }
  store::Chats chats(db_);
  DCBOT_TRY(auto chat, chats.find_by_grpid(id));
  if (!chat) {
    // We only know channels we own or started to join (prepare_channel_join).
    return drop("channel message for an unknown channel");
  }
  if (chat->type == store::ChatType::BroadcastOut) {
    return as_owner(*chat);
  }
  if (chat->type == store::ChatType::BroadcastIn) {
    return as_subscriber(*chat);
  }
  return drop("chat-list-id of a chat that is not a channel");
}

// core apply_out_broadcast_changes: subscribers only write to the owner (reactions, leaving).
Result<std::int64_t> Receiver::as_owner(store::Chat& chat) {
  if (mail_.symmetric) {
    return drop("channel: symmetric mail in our own channel");
  }
  store::ChatMembers members(db_);
  DCBOT_TRY(auto row, members.get(chat.id, sender_));
  if (!row || !row->is_member()) {
    return drop("channel message from a non-subscriber");
  }
  const std::string removed = upper_fpr(h_.value("Chat-Group-Member-Removed-Fpr").value_or(""));
  if (removed == sender_) {
    // The subscriber left (its leave goes to the owner only).
    row->remove_ts = std::max(mail_.now, row->add_ts + 1);
    DCBOT_TRY(members.set(*row));
    store::Contacts contacts(db_);
    DCBOT_TRY(auto contact, contacts.get(sender_));
    fx_.events.emplace_back(
        ChannelSubscriberEvent{chat.id, sender_, contact ? contact->addr : mail_.from.addr, false});
    return drop("channel system message: subscriber left");
  }
  if (h_.has("Chat-Group-Member-Removed") || h_.has("Chat-Group-Member-Added")
      || h_.has("Chat-Group-Member-Removed-Fpr") || h_.has("Chat-Group-Member-Added-Fpr")) {
    return drop("channel change from a subscriber ignored");
  }
  // Subscribers only react (§3.6: a text/plain with `Content-Disposition: reaction`). Anything
  // else would reach the bot's message handlers in the channel's chat, where a reply goes to
  // every subscriber: the core's apps cannot send it, so it is dropped.
  if (!is_reaction(*mail_.inner)) {
    return drop("channel: message from a subscriber ignored (channels are one-way)");
  }
  return chat.id;
}

// §3.5 last writer wins on Chat-Group-Name-Timestamp; ties broken by the name.
Result<void> Receiver::apply_name(store::Chat& chat) {
  const auto name = h_.value("Chat-Group-Name");
  const auto ts = parse_timestamp(h_.value("Chat-Group-Name-Timestamp").value_or(""));
  if (!name || name->empty() || !ts) {
    return {};
  }
  const std::int64_t clamped = std::min(*ts, mail_.now + 60);
  const std::string clean = single_line(*name);
  if (clean.empty()
      || !(clamped > chat.name_timestamp
           || (clamped == chat.name_timestamp && clean > chat.name))) {
    return {};
  }
  const std::string old = chat.name;
  chat.name = clean;
  chat.name_timestamp = clamped;
  store::Chats chats(db_);
  DCBOT_TRY(chats.update(chat));
  if (old != chat.name) {
    fx_.events.emplace_back(GroupRenamedEvent{chat.id, old, chat.name, sender_});
  }
  return {};
}

// core apply_in_broadcast_changes and decrypt.rs: only the owner writes; posts must be encrypted
// with this channel's secret (another channel's secret would be accepted by the engine).
Result<std::int64_t> Receiver::as_subscriber(store::Chat& chat) {
  store::ChatMembers members(db_);
  DCBOT_TRY(auto rows, members.all(chat.id));
  std::string owner;
  std::optional<store::ChatMember> self;
  for (const auto& r : rows) {
    if (r.contact_fpr == own_) {
      self = r;
    } else if (owner.empty()) {
      owner = r.contact_fpr;
    }
  }
  if (sender_ != owner) {
    return drop("channel message not from its owner");
  }
  const bool was_member = self && self->is_member();
  if (mail_.symmetric) {
    DCBOT_TRY(auto secret, channel_secret(db_, chat.id));
    if (!secret || !encrypted_with_password(mail_, *secret)) {
      return drop("channel post not encrypted with the channel secret");
    }
    DCBOT_TRY(apply_name(chat));
    return chat.id;
  }
  DCBOT_TRY(apply_name(chat));
  const std::string removed = upper_fpr(h_.value("Chat-Group-Member-Removed-Fpr").value_or(""));
  if (!removed.empty()) {
    if (removed != own_) {
      return drop("channel: removal of another subscriber ignored");
    }
    DCBOT_TRY(delete_secret(db_, chat.id));
    if (self) {
      self->remove_ts = std::max(mail_.now, self->add_ts + 1);
      DCBOT_TRY(members.set(*self));
    }
    chat.has_left = true;
    store::Chats chats(db_);
    DCBOT_TRY(chats.update(chat));
    if (was_member) {
      fx_.events.emplace_back(ChannelJoinedEvent{chat.id, chat.grpid, chat.name, owner, false});
    }
    return drop("channel system message: removed");
  }
  const std::string added_fpr = upper_fpr(h_.value("Chat-Group-Member-Added-Fpr").value_or(""));
  const std::string added = h_.value("Chat-Group-Member-Added").value_or("");
  if (added_fpr == own_ || (added_fpr.empty() && same_addr(added, account_.profile().addr))) {
    const std::string secret = h_.value("Chat-Broadcast-Secret").value_or("");
    if (!is_valid_channel_secret(secret)) {
      return drop("channel: member-added without a valid secret");
    }
    DCBOT_TRY(store_secret(db_, chat.id, secret));
    if (!was_member) {
      store::ChatMember me{chat.id, own_, mail_.now, self ? self->remove_ts : 0};
      me.add_ts = std::max(mail_.now, me.remove_ts);
      DCBOT_TRY(members.set(me));
      chat.has_left = false;
      store::Chats chats(db_);
      DCBOT_TRY(chats.update(chat));
      fx_.events.emplace_back(ChannelJoinedEvent{chat.id, chat.grpid, chat.name, owner, true});
    }
    return drop("channel system message: joined");
  }
  if (!added.empty() || !added_fpr.empty()) {
    return drop("channel: addition of another subscriber ignored");
  }
  // An asymmetric post: the owner resends its last posts to a new subscriber.
  return chat.id;
}

}  // namespace

Result<void> ensure_channel_schema(store::Db& db) {
  constexpr std::string_view kSteps[] = {kStep1, kStep2};
  return apply_schema_steps(db, kVersionKey, kSteps, "channel");
}

void install_channels(Hooks& hooks, store::Db& db) {
  ChatHook group = std::move(hooks.group);
  hooks.group = [group](Account& account, const IncomingMail& mail,
                        Effects& fx) -> Result<std::int64_t> {
    if (mail.headers != nullptr && !mail.headers->has("Chat-Group-ID")
        && mail.headers->has("Chat-List-ID")) {
      return handle_channel_mail(account, mail, fx);
    }
    if (group) {
      return group(account, mail, fx);
    }
    fx.dropped = "group message: no group handler";
    return std::int64_t{0};
  };
  auto previous = std::move(hooks.symmetric_passwords);
  store::Db* dbp = &db;
  hooks.symmetric_passwords = [previous, dbp]() {
    std::vector<std::string> out = previous ? previous() : std::vector<std::string>();
    auto secrets = subscribed_secrets(*dbp);
    if (secrets) {
      out.insert(out.end(), secrets->begin(), secrets->end());
    }
    return out;
  };
}

Result<std::int64_t> handle_channel_mail(Account& account, const IncomingMail& mail, Effects& fx) {
  if (mail.headers == nullptr || mail.inner == nullptr) {
    fx.dropped = "incomplete mail";
    return 0;
  }
  Receiver r(account, mail, fx);
  return r.run();
}

std::string channel_list_id(std::string_view value) {
  std::string_view v = trim(value);
  // core LIST_ID_REGEX `^(.+)<(.+)>$`: the id is inside the last <...> at the end.
  if (!v.empty() && v.back() == '>') {
    const auto open = v.rfind('<', v.size() - 1);
    if (open != std::string_view::npos && open > 0 && open + 2 < v.size()) {
      return std::string(trim(v.substr(open + 1, v.size() - open - 2)));
    }
  }
  while (!v.empty() && v.front() == '<') {
    v.remove_prefix(1);
  }
  while (!v.empty() && v.back() == '>') {
    v.remove_suffix(1);
  }
  return std::string(v);
}

std::string generate_channel_secret() {
  std::array<std::uint8_t, kSecretBytes> bytes{};
  crypto::fill_random(bytes);
  std::string out = base64url_encode(ByteView(bytes.data(), bytes.size()));
  out.resize(kChannelSecretLength);
  return out;
}

bool is_valid_channel_secret(std::string_view secret) {
  return secret.size() >= kChannelSecretLength && secret.size() <= kSecretMaxLength
         && std::all_of(secret.begin(), secret.end(), is_url_safe);
}

Result<std::int64_t> create_channel(Account& account, std::string_view name, std::int64_t now) {
  const std::string clean = single_line(name);
  if (clean.empty() || !account.has_key()) {
    return make_error(Errc::InvalidArgument, "channel: create: empty name or no own key");
  }
  store::Db& db = account.db();
  return in_txn(db, [&]() -> Result<std::int64_t> {
    store::Chat chat;
    chat.type = store::ChatType::BroadcastOut;
    chat.grpid = generate_token();  // core create_id.
    chat.name = clean;
    chat.name_timestamp = now;
    chat.created = now;
    store::Chats chats(db);
    DCBOT_TRY(chat.id, chats.add(chat));
    DCBOT_TRY(store_secret(db, chat.id, generate_channel_secret()));
    return chat.id;
  });
}

Result<void> remember_channel_post(store::Db& db, std::int64_t chat_id, std::string_view rfc724_mid,
                                   ByteView inner, std::int64_t now) {
  if (inner.size() > kResendMaxBytes) {
    return {};
  }
  DCBOT_TRY(auto add, db.cached("INSERT INTO chat_channel_posts(chat_id, rfc724_mid, inner, "
                                "created) VALUES(?, ?, ?, ?)"));
  DCBOT_TRY(add->bind_all(chat_id, rfc724_mid, inner, now));
  DCBOT_TRY(add->run());
  DCBOT_TRY(auto prune,
            db.cached("DELETE FROM chat_channel_posts WHERE chat_id = ? AND id NOT IN (SELECT id "
                      "FROM chat_channel_posts WHERE chat_id = ? ORDER BY id DESC LIMIT ?)"));
  DCBOT_TRY(prune->bind_all(chat_id, chat_id, static_cast<std::int64_t>(kResendPosts)));
  return prune->run();
}

Result<std::optional<std::string>> channel_secret(store::Db& db, std::int64_t chat_id) {
  DCBOT_TRY(auto stmt, db.cached("SELECT secret FROM chat_channel_secrets WHERE chat_id = ?"));
  DCBOT_TRY(stmt->bind_all(chat_id));
  DCBOT_TRY(auto step, stmt->step());
  if (step != store::Step::Row) {
    return std::optional<std::string>();
  }
  return std::optional<std::string>(stmt->column_text(0));
}

Result<std::string> make_channel_invite_link(Account& account, std::int64_t chat_id,
                                             std::int64_t now, InviteLinkOptions options) {
  if (!account.has_key() || account.profile().addr.empty()) {
    return make_error(Errc::InvalidArgument, "channel: invite: no key or address");
  }
  DCBOT_TRY(auto chat, load_owned(account.db(), chat_id));
  DCBOT_TRY(auto invite, new_invite(account, InviteKind::Channel, chat.grpid, now, options));
  // format_invite cuts the inviter name to 16 characters.
  invite.grpid = chat.grpid;
  invite.group_name = chat.name;
  return format_invite(invite);
}

Result<std::vector<std::string>> channel_subscribers(Account& account, std::int64_t chat_id) {
  DCBOT_TRY(auto chat, load_owned(account.db(), chat_id));
  store::ChatMembers members(account.db());
  DCBOT_TRY(auto list, members.members(chat.id));
  std::vector<std::string> out;
  for (const auto& m : list) {
    if (m.contact_fpr != account.fingerprint()) {
      out.push_back(m.contact_fpr);
    }
  }
  return out;
}

Result<std::int64_t> add_channel_subscriber(Account& account, std::string_view channel_id,
                                            std::string_view fpr, std::int64_t now, Effects& fx) {
  store::Db& db = account.db();
  store::Chats chats(db);
  DCBOT_TRY(auto chat, chats.find_by_grpid(channel_id));
  if (!chat || chat->type != store::ChatType::BroadcastOut) {
    return make_error(Errc::NotFound, "channel: join: no channel of ours with that id");
  }
  store::Contacts contacts(db);
  DCBOT_TRY(auto contact, contacts.get(fpr));
  if (!contact || account.contact_certificate(std::string(fpr)) == nullptr
      || fpr == account.fingerprint()) {
    return make_error(Errc::InvalidArgument, "channel: join: no key for the subscriber");
  }
  DCBOT_TRY(auto secret, channel_secret(db, chat->id));
  if (!secret) {
    return make_error(Errc::Internal, "channel: join: the channel has no secret");
  }
  store::ChatMembers members(db);
  DCBOT_TRY(auto row, members.get(chat->id, fpr));
  const bool fresh = !row || !row->is_member();
  if (fresh) {
    store::ChatMember m{chat->id, std::string(fpr), now, row ? row->remove_ts : 0};
    m.add_ts = std::max(now, m.remove_ts);
    DCBOT_TRY(members.set(m));
  }
  // core add_contact_to_chat_ext(from_handshake): the member-added mail goes to the joiner only
  // (must_have_only_one_recipient), asymmetric, with the secret; a repeated join gets it again.
  auto d = system_draft(chat->id, "Member " + contact->addr + " was added.", fpr, now);
  d.headers.push_back({"Chat-Group-Member-Added", contact->addr});
  d.headers.push_back({"Chat-Group-Member-Added-Fpr", std::string(fpr)});
  d.headers.push_back({"Secure-Join", "vg-member-added"});
  d.headers.push_back({"Chat-Broadcast-Secret", *secret});
  DCBOT_TRY(auto mail, account.build(d));
  fx.outgoing.push_back(std::move(mail));
  DCBOT_TRY(resend_posts(account, chat->id, *account.contact_certificate(std::string(fpr)),
                         contact->addr, now, fx));
  if (fresh) {
    fx.events.emplace_back(ChannelSubscriberEvent{chat->id, std::string(fpr), contact->addr, true});
  }
  return chat->id;
}

Result<OutgoingMail> build_remove_subscriber(Account& account, std::int64_t chat_id,
                                             std::string_view fpr, std::int64_t now) {
  DCBOT_TRY(auto chat, load_owned(account.db(), chat_id));
  store::ChatMembers members(account.db());
  DCBOT_TRY(auto row, members.get(chat.id, fpr));
  if (!row || !row->is_member()) {
    return make_error(Errc::InvalidArgument, "channel: remove: not a subscriber");
  }
  store::Contacts contacts(account.db());
  DCBOT_TRY(auto contact, contacts.get(fpr));
  const std::string addr = contact ? contact->addr : std::string();
  row->remove_ts = std::max(now, row->add_ts + 1);
  DCBOT_TRY(members.set(*row));
  auto d = system_draft(chat.id, "Member " + addr + " was removed.", fpr, now);
  d.headers.push_back({"Chat-Group-Member-Removed", addr});
  d.headers.push_back({"Chat-Group-Member-Removed-Fpr", std::string(fpr)});
  return account.build(d);
}

Result<GroupEnvelope> channel_envelope(Account& account, const store::Chat& chat,
                                       const Account::Draft& draft) {
  if (chat.type == store::ChatType::BroadcastIn) {
    return make_error(Errc::Unsupported, "channel: send: channels we subscribe to are read-only");
  }
  if (chat.type != store::ChatType::BroadcastOut) {
    return make_error(Errc::InvalidArgument, "channel: send: not a channel");
  }
  GroupEnvelope env;
  store::Db& db = account.db();
  store::Contacts contacts(db);
  if (!draft.group_first_fpr.empty()) {
    // One subscriber (core must_have_only_one_recipient): in To, gossiped (its self-gossip
    // check, §5.5), asymmetric.
    DCBOT_TRY(auto contact, contacts.get(draft.group_first_fpr));
    const pgp::Certificate* cert = account.contact_certificate(draft.group_first_fpr);
    if (!contact || cert == nullptr) {
      return make_error(Errc::InvalidArgument, "channel: send: no key for the subscriber");
    }
    env.to.push_back(mime::Mailbox{contact->display_name, contact->addr, {}});
    env.certs.push_back(cert);
    env.recipients = relay_addresses(*cert, contact->addr);
    env.trailing.push_back({"Autocrypt-Gossip", mime::autocrypt_value(mime::to_lower(contact->addr),
                                                                      cert->serialize(), true)});
  } else {
    // A post: hidden recipients, the secret, every subscriber's relays in the envelope only.
    DCBOT_TRY(auto secret, channel_secret(db, chat.id));
    if (!secret) {
      return make_error(Errc::Internal, "channel: send: the channel has no secret");
    }
    store::ChatMembers members(db);
    DCBOT_TRY(auto list, members.members(chat.id));
    for (const auto& m : list) {
      if (m.contact_fpr == account.fingerprint()) {
        continue;
      }
      DCBOT_TRY(auto contact, contacts.get(m.contact_fpr));
      const pgp::Certificate* cert = account.contact_certificate(m.contact_fpr);
      if (!contact || cert == nullptr) {
        continue;
      }
      for (auto& r : relay_addresses(*cert, contact->addr)) {
        if (std::none_of(env.recipients.begin(), env.recipients.end(),
                         [&](const std::string& x) { return same_addr(x, r); })) {
          env.recipients.push_back(std::move(r));
        }
      }
    }
    if (env.recipients.empty()) {
      return make_error(Errc::InvalidArgument, "channel: send: no subscribers yet");
    }
    env.password = std::move(*secret);
  }
  env.headers.push_back({"Chat-List-ID", list_id_value(chat)});
  env.headers.push_back({"Chat-Group-Name", mime::encode_text(chat.name)});
  env.headers.push_back({"Chat-Group-Name-Timestamp", std::to_string(chat.name_timestamp)});
  env.subject = chat.name;
  return env;
}

Result<std::int64_t> prepare_channel_join(Account& account, const Invite& invite,
                                          std::int64_t now) {
  if (invite.kind != InviteKind::Channel || !is_valid_token(invite.grpid)) {
    return make_error(Errc::InvalidArgument, "channel: join: not a channel invite");
  }
  store::Db& db = account.db();
  store::Chats chats(db);
  DCBOT_TRY(auto chat, chats.find_by_grpid(invite.grpid));
  std::int64_t id = 0;
  if (chat) {
    if (chat->type != store::ChatType::BroadcastIn) {
      return make_error(Errc::InvalidArgument, "channel: join: the id belongs to another chat");
    }
    id = chat->id;
  } else {
    store::Chat c;
    c.type = store::ChatType::BroadcastIn;
    c.grpid = invite.grpid;
    c.name = single_line(invite.group_name);
    if (c.name.empty()) {
      c.name = "Channel";
    }
    c.created = now;
    c.has_left = true;  // Until the owner's member-added arrives.
    DCBOT_TRY(id, chats.add(c));
  }
  // The inviter is the owner: the only one whose posts count (core bob.rs).
  store::ChatMembers members(db);
  DCBOT_TRY(auto rows, members.all(id));
  const bool has_owner = std::any_of(rows.begin(), rows.end(), [&](const store::ChatMember& m) {
    return m.contact_fpr == invite.fingerprint;
  });
  if (!has_owner) {
    if (rows.size() > 1
        || (rows.size() == 1 && rows.front().contact_fpr != account.fingerprint())) {
      return make_error(Errc::InvalidArgument, "channel: join: the channel has another owner");
    }
    DCBOT_TRY(members.set(store::ChatMember{id, invite.fingerprint, now, 0}));
  }
  return id;
}

}  // namespace dcbot::chat
