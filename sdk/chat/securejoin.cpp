// SPDX-License-Identifier: MIT
#include "chat/securejoin.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "chat/autocrypt.h"
#include "chat/channel.h"
#include "chat/contacts.h"
#include "chat/envelope.h"
#include "chat/header_values.h"
#include "mime/address.h"
#include "mime/builder.h"
#include "mime/date.h"
#include "mime/header.h"
#include "mime/parser.h"
#include "pgp/armor.h"
#include "pgp/message.h"
#include "store/account.h"
#include "store/chats.h"
#include "store/contacts.h"
#include "store/runtime_tables.h"

// PROTOCOL.md §5.2 (v3 flow), §5.3 (legacy flow), §5.5 (verification rules), §5.6 (bot), the
// wire shapes of Appendix A1/A2 and the recorded core-2.62 mails 01-04 and 13-19; SECURITY.md
// "The ETH Zurich analysis and the SecureJoin hardening".
namespace dcbot::chat {
namespace {

// §1.4: the v3 shared secret, domain-separated from channel secrets (core issue #7981).
std::string v3_password(std::string_view inviter_fpr, std::string_view auth) {
  return "securejoin/" + std::string(inviter_fpr) + "/" + std::string(auth);
}

Result<bool> ignore(Effects& fx, std::string_view reason) {
  fx.dropped = "securejoin: " + std::string(reason);
  return false;
}

Result<bool> handled(Effects& fx, std::string_view step) {
  fx.dropped = "securejoin: " + std::string(step) + " handled";
  return true;
}

// ---- Outgoing steps

// The symmetric steps vc-request-pubkey / vc-pubkey (§1.4, §5.2, Appendix A1): no Chat-Version,
// no display name, `Subject: Secure-Join`, body "Secure-Join", never compressed. vc-pubkey is
// signed and carries our Autocrypt header; vc-request-pubkey is neither.
Result<OutgoingMail> build_symmetric_step(Account& account, std::string_view step,
                                          std::string_view auth, std::string_view password,
                                          bool sign, std::vector<std::string> recipients,
                                          std::int64_t now) {
  const Profile& me = account.profile();
  OutgoingMail mail;
  mail.envelope_from = me.addr;
  mail.recipients = std::move(recipients);
  mail.rfc724_mid = mime::make_message_id(random_fill);
  const std::string mid = mime::format_message_id(mail.rfc724_mid);
  const std::int64_t outer_date = random_outer_date(now);
  const std::string own = mime::format_mailbox(mime::Mailbox{{}, me.addr, {}});
  const std::string hidden = mime::format_address_list({});
  std::vector<mime::HeaderField> prefix = {
      {"From", own},
      {"HP-Outer", "From: " + own},
      {"HP-Outer", "Date: " + mime::format_date(outer_date)},
      {"Message-ID", mid},
      {"HP-Outer", "Message-ID: " + mid},
  };
  if (sign) {
    prefix.push_back({"Autocrypt", mime::autocrypt_value(mime::to_lower(me.addr),
                                                         account.key().certificate().serialize())});
  }
  prefix.push_back({"HP-Outer", "To: " + hidden});
  prefix.push_back({"HP-Outer", "Subject: [...]"});
  std::vector<mime::HeaderField> protected_headers = {
      {"To", hidden},
      {"Date", mime::format_date(now)},
      {"Subject", "Secure-Join"},
  };
  if (me.bot) {
    // §5.6: the only bot difference, also in the symmetric steps (recorded mail 15).
    protected_headers.push_back({"Auto-Submitted", "auto-generated"});
  }
  protected_headers.push_back({"Secure-Join", std::string(step)});
  protected_headers.push_back({"Secure-Join-Auth", std::string(auth)});
  const std::string inner =
      mime::render_protected(mime::text_part("Secure-Join"), prefix, protected_headers);
  pgp::EncryptOptions options;
  options.compress = false;  // §5.5: SecureJoin is never compressed (anti-CRIME).
  options.now = static_cast<std::uint32_t>(now);
  DCBOT_TRY(auto encrypted, pgp::encrypt_symmetric(as_bytes(inner), password,
                                                   sign ? &account.key() : nullptr, options));
  mime::OuterHeaders outer;
  outer.from_addr = me.addr;
  outer.date = outer_date;
  outer.message_id = mail.rfc724_mid;
  outer.chat_version = false;  // §3.1: omitted for the symmetric SecureJoin steps.
  mail.raw = to_bytes(mime::build_encrypted_message(
      outer, pgp::armor_encode(encrypted, pgp::ArmorKind::Message, pgp::LineEnding::Crlf),
      mime::make_boundary(random_fill)));
  return mail;
}

// The peer of an asymmetric step.
struct Peer {
  const pgp::Certificate* cert = nullptr;
  std::string addr;
  std::string name;
};

// The asymmetric steps (vc-auth-required, vc-request-with-auth, vc-contact-confirm): an ordinary
// hidden chat mail (recorded mails 03, 04, 17, 19) with `Secure-Join` headers and
// `Autocrypt-Gossip` of the peer's key, which the peer's self-gossip check needs (§5.5).
// vc-auth-required goes out before any profile data may be shown: no display names (§5.3).
Result<OutgoingMail> build_asymmetric_step(Account& account, std::int64_t chat_id,
                                           std::string_view step, const Peer& peer,
                                           std::vector<mime::HeaderField> extra, bool with_names,
                                           std::vector<std::string> recipients, std::int64_t now) {
  const Profile& me = account.profile();
  OutgoingMail mail;
  mail.chat_id = chat_id;
  mail.envelope_from = me.addr;
  mail.recipients = std::move(recipients);
  mail.rfc724_mid = mime::make_message_id(random_fill);
  const std::string mid = mime::format_message_id(mail.rfc724_mid);
  const std::int64_t outer_date = random_outer_date(now);
  const std::string own = mime::format_mailbox(mime::Mailbox{{}, me.addr, {}});
  const std::string self_name = with_names && !me.display_name.empty() ? me.display_name : me.addr;
  std::vector<mime::HeaderField> prefix = {
      {"From", mime::format_mailbox(
                   mime::Mailbox{with_names ? me.display_name : std::string(), me.addr, {}})},
      {"HP-Outer", "From: " + own},
      {"HP-Outer", "Date: " + mime::format_date(outer_date)},
      {"Message-ID", mid},
      {"HP-Outer", "Message-ID: " + mid},
      {"Autocrypt",
       mime::autocrypt_value(mime::to_lower(me.addr), account.key().certificate().serialize())},
      {"HP-Outer", "To: " + mime::format_address_list({})},
      {"HP-Outer", "Subject: [...]"},
      {"HP-Outer", "Chat-Version: 1.0"},
  };
  std::vector<mime::HeaderField> protected_headers = {
      {"Date", mime::format_date(now)},
      {"To", mime::format_address_list(
                 {mime::Mailbox{with_names ? peer.name : std::string(), peer.addr, {}}})},
      {"Subject", mime::encode_text("Message from " + self_name)},
      {"References", mid},
  };
  if (me.bot) {
    protected_headers.push_back({"Auto-Submitted", "auto-generated"});  // §5.6, mail 17.
  }
  protected_headers.push_back({"Chat-Version", "1.0"});
  protected_headers.push_back({"Secure-Join", std::string(step)});
  protected_headers.insert(protected_headers.end(), extra.begin(), extra.end());
  if (step == "vc-request-with-auth" || step == "vc-contact-confirm") {
    // Profile data from the step that proves the key on (core should_attach_profile_data).
    DCBOT_TRY(auto avatar, account.user_avatar_header({peer.cert->fingerprint_hex()}, now));
    if (avatar) {
      protected_headers.push_back(std::move(*avatar));
    }
  }
  protected_headers.push_back(
      {"Autocrypt-Gossip",
       mime::autocrypt_value(mime::to_lower(peer.addr), peer.cert->serialize(), true)});
  const std::string inner = mime::render_protected(
      mime::text_part("Secure-Join: " + std::string(step)), prefix, protected_headers);
  const pgp::Certificate* keys[] = {peer.cert};
  pgp::EncryptOptions options;
  options.compress = false;  // §5.5.
  options.now = static_cast<std::uint32_t>(now);
  DCBOT_TRY(auto encrypted, pgp::encrypt(as_bytes(inner), account.key(), keys, options));
  mime::OuterHeaders outer;
  outer.from_addr = me.addr;
  outer.date = outer_date;
  outer.message_id = mail.rfc724_mid;
  mail.raw = to_bytes(mime::build_encrypted_message(
      outer, pgp::armor_encode(encrypted, pgp::ArmorKind::Message, pgp::LineEnding::Crlf),
      mime::make_boundary(random_fill)));
  return mail;
}

// The legacy unencrypted `vc-request` (§5.3, Appendix A2): everything in the outer header, our key
// in an outer Autocrypt header, a multipart/mixed with one text/plain part — the only plaintext
// shape chatmail relays let through (§7.3).
OutgoingMail build_legacy_request(Account& account, const Invite& invite, std::int64_t now) {
  const Profile& me = account.profile();
  OutgoingMail mail;
  mail.envelope_from = me.addr;
  mail.recipients = invite.addrs();
  mail.rfc724_mid = mime::make_message_id(random_fill);
  const std::string mid = mime::format_message_id(mail.rfc724_mid);
  std::vector<mime::HeaderField> prefix = {
      {"From", mime::format_mailbox(mime::Mailbox{{}, me.addr, {}})},
      {"Message-ID", mid},
      {"MIME-Version", "1.0"},
      {"Autocrypt",
       mime::autocrypt_value(mime::to_lower(me.addr), account.key().certificate().serialize())},
  };
  // §5.3: vg-request for a group or channel link (core bob.rs), same shape.
  const std::string step = invite.kind != InviteKind::Contact ? "vg-request" : "vc-request";
  std::vector<mime::Entity> children;
  children.push_back(mime::text_part("Secure-Join: " + step));
  mime::Entity root =
      mime::multipart("mixed", std::move(children), mime::make_boundary(random_fill));
  root.add_header("Date", mime::format_date(now));
  root.add_header("To", mime::format_address_list({mime::Mailbox{{}, invite.addr, {}}}));
  root.add_header("Subject", mime::encode_text("Message from " + me.addr));
  root.add_header("References", mid);
  if (me.bot) {
    root.add_header("Auto-Submitted", "auto-generated");
  }
  root.add_header("Chat-Version", "1.0");
  root.add_header("Secure-Join", step);
  root.add_header("Secure-Join-Invitenumber", invite.invitenumber);
  mail.raw = to_bytes(mime::render(root, prefix));
  return mail;
}

// ---- State

Result<std::vector<PendingJoin>> load_pending(store::Db& db, std::string_view where_fpr) {
  DCBOT_TRY(auto stmt, db.cached("SELECT id, link, state, chat_id, created FROM "
                                 "securejoin_pending WHERE ? = '' OR fingerprint = ? ORDER BY id"));
  DCBOT_TRY(stmt->bind_all(where_fpr, where_fpr));
  std::vector<PendingJoin> out;
  for (;;) {
    DCBOT_TRY(auto step, stmt->step());
    if (step != store::Step::Row) {
      break;
    }
    auto invite = parse_invite(stmt->column_text(1));
    if (!invite) {
      continue;  // Stored by us after parsing: cannot happen.
    }
    PendingJoin p;
    p.id = stmt->column_int64(0);
    p.invite = std::move(*invite);
    p.state = static_cast<PendingState>(stmt->column_int64(2));
    p.chat_id = stmt->column_int64(3);
    p.created = stmt->column_int64(4);
    out.push_back(std::move(p));
  }
  return out;
}

Result<void> set_pending_state(store::Db& db, std::int64_t id, PendingState state) {
  DCBOT_TRY(auto stmt, db.cached("UPDATE securejoin_pending SET state = ? WHERE id = ?"));
  DCBOT_TRY(stmt->bind_all(state, id));
  return stmt->run();
}

// The 1:1 chat with `fpr`. A chat created for a join we did not start stays blocked (hidden)
// until the join completes, as the core's ChatIdBlocked::get_for_contact(.., Blocked::Yes).
Result<std::int64_t> ensure_single_chat(store::Db& db, std::string_view fpr, std::int64_t now,
                                        bool visible) {
  store::Chats chats(db);
  DCBOT_TRY(auto found, chats.find_single(fpr));
  if (found) {
    if (visible && found->blocked) {
      found->blocked = false;
      DCBOT_TRY(chats.update(*found));
    }
    return found->id;
  }
  store::Chat chat;
  chat.type = store::ChatType::Single;
  chat.blocked = !visible;
  chat.created = now;
  DCBOT_TRY(auto id, chats.add(chat));
  store::ChatMembers members(db);
  store::ChatMember member;
  member.chat_id = id;
  member.contact_fpr = std::string(fpr);
  member.add_ts = now;
  DCBOT_TRY(members.set(member));
  return id;
}

// Verified directly by us (verifier = own fingerprint, §5.5; core mark_contact_id_as_verified).
Result<void> mark_verified(Account& account, std::string_view fpr) {
  store::Contacts contacts(account.db());
  return contacts.set_verified(fpr, store::VerifiedState::Verified, account.fingerprint());
}

// §5.5 identity misbinding: the mail must gossip our own key back (core compares fingerprints).
bool has_self_gossip(Account& account, const IncomingMail& mail) {
  const std::string own = account.fingerprint();
  for (const auto raw : mail.inner->headers.all_raw("Autocrypt-Gossip")) {
    auto header = parse_autocrypt(raw);
    if (!header) {
      continue;
    }
    auto cert = pgp::Certificate::parse(header->keydata);
    if (cert && cert->fingerprint_hex() == own) {
      return true;
    }
  }
  return false;
}

std::string header(const IncomingMail& mail, std::string_view name) {
  return mail.headers->value(name).value_or("");
}

// The time the engine received the mail. Hooks get no `now`, but the engine marks the Message-ID
// seen at `now` before calling them; the Date header is the sender's claim and could be
// backdated to make an old AUTH look fresh.
Result<std::int64_t> receive_time(store::Db& db, const IncomingMail& mail) {
  DCBOT_TRY(auto stmt, db.cached("SELECT seen_at FROM seen_message_ids WHERE rfc724_mid = ?"));
  DCBOT_TRY(stmt->bind_all(mail.rfc724_mid));
  DCBOT_TRY(auto step, stmt->step());
  return step == store::Step::Row ? std::max(stmt->column_int64(0), mail.timestamp)
                                  : mail.timestamp;
}

Result<bool> is_blocked(store::Db& db, std::string_view fpr) {
  store::Contacts contacts(db);
  DCBOT_TRY(auto contact, contacts.get(fpr));
  return contact && contact->blocked;
}

// ---- Inviter (Alice)

// §5.3 step 1 -> 2: legacy request, recognised by Secure-Join-Invitenumber (not by the step).
Result<bool> on_request(Account& account, const IncomingMail& mail, Effects& fx) {
  store::Db& db = account.db();
  const std::string number = header(mail, "Secure-Join-Invitenumber");
  store::SecureJoinTokens tokens(db);
  DCBOT_TRY(auto token, tokens.lookup(store::TokenKind::InviteNumber, number));
  if (!token) {
    return ignore(fx, "vc-request: unknown invitenumber");
  }
  if (!token->grpid.empty()) {
    DCBOT_TRY(auto ok, can_invite_to_group(account, token->grpid));
    if (!ok) {
      return ignore(fx, "vg-request: not a member of the group any more");
    }
  }
  const bool group = !token->grpid.empty();
  // The joiner's key: its signature when the request came encrypted, else the outer Autocrypt
  // header whose addr is From (the only header an unencrypted mail may contribute).
  std::optional<pgp::Certificate> cert;
  if (mail.encrypted) {
    if (mail.signer_fpr.empty()) {
      return ignore(fx, "vc-request: encrypted but unsigned");
    }
    if (const auto* known = account.contact_certificate(mail.signer_fpr)) {
      cert = *known;
    }
  } else {
    for (const auto raw : mail.outer->headers.all_raw("Autocrypt")) {
      auto parsed = parse_autocrypt(raw);
      if (!parsed || !same_addr(parsed->addr, mail.from.addr)) {
        continue;
      }
      auto c = pgp::Certificate::parse(parsed->keydata);
      if (c) {
        cert = std::move(*c);
      }
    }
  }
  if (!cert) {
    return ignore(fx, "vc-request: no usable key of the joiner");
  }
  const std::string fpr = cert->fingerprint_hex();
  if (fpr == account.fingerprint()) {
    return ignore(fx, "vc-request: our own key");
  }
  DCBOT_TRY(auto blocked, is_blocked(db, fpr));
  if (blocked) {
    return ignore(fx, "vc-request: blocked contact");
  }
  if (!mail.encrypted) {
    // No display name: profile data only from request-with-auth on (§5.5).
    DCBOT_TRY(account.import_contact_key(*cert, mail.from.addr, {}, KeySource::Autocrypt,
                                         mail.timestamp));
  }
  const pgp::Certificate* stored = account.contact_certificate(fpr);
  if (stored == nullptr) {
    return ignore(fx, "vc-request: joiner key not stored");
  }
  DCBOT_TRY(auto chat_id, ensure_single_chat(db, fpr, mail.timestamp, false));
  DCBOT_TRY(auto reply,
            build_asymmetric_step(account, chat_id, group ? "vg-auth-required" : "vc-auth-required",
                                  Peer{stored, mail.from.addr, {}}, {}, false, {mail.from.addr},
                                  mail.timestamp));
  fx.outgoing.push_back(std::move(reply));
  return handled(fx, group ? "vg-request" : "vc-request");
}

// §5.2 step 2 -> 3: the v3 request, symmetric with our AUTH, unsigned on purpose.
Result<bool> on_request_pubkey(Account& account, const IncomingMail& mail, Effects& fx) {
  if (!mail.symmetric || !mail.signer_fpr.empty()) {
    return ignore(fx, "vc-request-pubkey: not symmetric and unsigned");
  }
  const std::string auth = header(mail, "Secure-Join-Auth");
  store::SecureJoinTokens tokens(account.db());
  DCBOT_TRY(auto token, tokens.lookup(store::TokenKind::Auth, auth));
  if (!token) {
    return ignore(fx, "vc-request-pubkey: unknown auth");
  }
  const std::string password = v3_password(account.fingerprint(), auth);
  if (!encrypted_with_password(mail, password)) {
    return ignore(fx, "vc-request-pubkey: not encrypted with its auth token");
  }
  store::Contacts contacts(account.db());
  DCBOT_TRY(auto known, contacts.find_by_addr(mail.from.addr));
  for (const auto& c : known) {
    if (c.blocked) {
      return ignore(fx, "vc-request-pubkey: blocked sender address");
    }
  }
  // vc-pubkey goes to the joiner's From address only (core insert_into_smtp).
  DCBOT_TRY(auto reply, build_symmetric_step(account, "vc-pubkey", auth, password, true,
                                             {mail.from.addr}, mail.timestamp));
  fx.outgoing.push_back(std::move(reply));
  return handled(fx, "vc-request-pubkey");
}

// §5.2 step 5: the joiner proves it scanned our link; it becomes verified.
Result<bool> on_request_with_auth(Account& account, const IncomingMail& mail, Effects& fx,
                                  const SecureJoinOptions& options) {
  store::Db& db = account.db();
  if (mail.symmetric || mail.signer_fpr.empty()) {
    return ignore(fx, "vc-request-with-auth: not signed");
  }
  const std::string fpr = upper_fpr(header(mail, "Secure-Join-Fingerprint"));
  if (fpr.empty()) {
    return ignore(fx, "vc-request-with-auth: no secure-join-fingerprint");
  }
  if (fpr != mail.signer_fpr) {
    return ignore(fx, "vc-request-with-auth: not signed by secure-join-fingerprint");
  }
  const std::string auth = header(mail, "Secure-Join-Auth");
  store::SecureJoinTokens tokens(db);
  DCBOT_TRY(auto token, tokens.lookup(store::TokenKind::Auth, auth));
  if (!token) {
    return ignore(fx, "vc-request-with-auth: unknown auth");
  }
  if (!token->grpid.empty()) {
    DCBOT_TRY(auto ok, can_invite_to_group(account, token->grpid));
    if (!ok) {
      return ignore(fx, "vg-request-with-auth: not a member of the group any more");
    }
  }
  store::Contacts contacts(db);
  DCBOT_TRY(auto contact, contacts.get(fpr));
  const pgp::Certificate* cert = account.contact_certificate(fpr);
  if (!contact || cert == nullptr) {
    return ignore(fx, "vc-request-with-auth: unknown joiner key");
  }
  if (contact->blocked) {
    return ignore(fx, "vc-request-with-auth: blocked contact");
  }
  // §5.1: an old AUTH still completes the join but no longer verifies.
  DCBOT_TRY(auto received, receive_time(db, mail));
  const bool verify =
      options.verification_timeout == 0 || received < token->created + options.verification_timeout;
  if (verify) {
    DCBOT_TRY(mark_verified(account, fpr));
  }
  if (!token->grpid.empty()) {
    // §5.2 step 5: the joiner becomes a member; vg-member-added goes to every member.
    DCBOT_TRY(auto group_chat, add_joined_member(account, token->grpid, fpr, mail.timestamp, fx));
    if (verify) {
      fx.events.emplace_back(ContactVerifiedEvent{fpr, contact->addr, group_chat});
    }
    return handled(fx, "vg-request-with-auth");
  }
  DCBOT_TRY(auto chat_id, ensure_single_chat(db, fpr, mail.timestamp, true));
  const std::string name = !mail.from.name.empty() ? mail.from.name : contact->display_name;
  DCBOT_TRY(auto reply, build_asymmetric_step(
                            account, chat_id, "vc-contact-confirm", Peer{cert, contact->addr, name},
                            {}, true, relay_addresses(*cert, contact->addr), mail.timestamp));
  fx.outgoing.push_back(std::move(reply));
  if (verify) {
    fx.events.emplace_back(ContactVerifiedEvent{fpr, contact->addr, chat_id});
  } else {
    fx.notes.push_back("securejoin: auth token too old, joiner not verified");
  }
  return handled(fx, "vc-request-with-auth");
}

// ---- Joiner (Bob)

Result<OutgoingMail> build_request_with_auth(Account& account, const PendingJoin& join,
                                             const pgp::Certificate& inviter,
                                             const store::Contact& contact, std::int64_t now) {
  std::vector<mime::HeaderField> extra = {
      {"Secure-Join-Auth", join.invite.auth},
      {"Secure-Join-Fingerprint", account.fingerprint()},
  };
  // Channel joins use the group step names too, without Secure-Join-Group (core bob.rs).
  const bool group = join.invite.kind != InviteKind::Contact;
  if (join.invite.kind == InviteKind::Group) {
    extra.push_back({"Secure-Join-Group", join.invite.grpid});  // Deprecated, still sent (§5.2).
  }
  const std::string name = contact.display_name.empty() ? join.invite.name : contact.display_name;
  return build_asymmetric_step(account, join.chat_id,
                               group ? "vg-request-with-auth" : "vc-request-with-auth",
                               Peer{&inviter, contact.addr, name}, std::move(extra), true,
                               relay_addresses(inviter, contact.addr), now);
}

// The inviter's contact, named from the link if it has no name yet.
Result<std::optional<store::Contact>> inviter_contact(store::Db& db, const Invite& invite) {
  store::Contacts contacts(db);
  DCBOT_TRY(auto contact, contacts.get(invite.fingerprint));
  if (contact && contact->display_name.empty() && !invite.name.empty()) {
    contact->display_name = invite.name;
    DCBOT_TRY(contacts.upsert(*contact));
  }
  return contact;
}

// §5.2 step 3 -> 4 and §5.3 step 2 -> 3: the inviter's key arrived, signed by the link's
// fingerprint; the inviter is verified and we send our AUTH.
Result<bool> on_pubkey_or_auth_required(Account& account, const IncomingMail& mail,
                                        std::string_view step, Effects& fx) {
  store::Db& db = account.db();
  const bool v3 = step == "vc-pubkey";
  if (mail.signer_fpr.empty()) {
    return ignore(fx, std::string(step) + ": not signed");
  }
  if (v3 != mail.symmetric) {
    return ignore(fx, std::string(step) + ": wrong encryption");
  }
  if (!v3 && !has_self_gossip(account, mail)) {
    return ignore(fx, std::string(step) + ": no gossip of our own key");
  }
  DCBOT_TRY(auto joins, load_pending(db, mail.signer_fpr));
  bool sent = false;
  for (auto& join : joins) {
    if (join.state != PendingState::RequestSent) {
      continue;
    }
    if (v3
        && (header(mail, "Secure-Join-Auth") != join.invite.auth
            || !encrypted_with_password(mail,
                                        v3_password(join.invite.fingerprint, join.invite.auth)))) {
      continue;
    }
    DCBOT_TRY(auto contact, inviter_contact(db, join.invite));
    const pgp::Certificate* cert = account.contact_certificate(join.invite.fingerprint);
    if (!contact || cert == nullptr) {
      continue;
    }
    if (contact->blocked) {
      return ignore(fx, std::string(step) + ": blocked contact");
    }
    DCBOT_TRY(mark_verified(account, join.invite.fingerprint));
    DCBOT_TRY(join.chat_id, ensure_single_chat(db, join.invite.fingerprint, mail.timestamp, true));
    DCBOT_TRY(auto reply, build_request_with_auth(account, join, *cert, *contact, mail.timestamp));
    fx.outgoing.push_back(std::move(reply));
    DCBOT_TRY(set_pending_state(db, join.id, PendingState::AuthSent));
    sent = true;
  }
  if (!sent) {
    return ignore(fx, std::string(step) + ": no pending join for this key");
  }
  return handled(fx, step);
}

// §5.2 step 6: the inviter confirmed; the join is done.
Result<bool> on_contact_confirm(Account& account, const IncomingMail& mail, Effects& fx) {
  store::Db& db = account.db();
  if (mail.symmetric || mail.signer_fpr.empty()) {
    return ignore(fx, "vc-contact-confirm: not signed");
  }
  if (!has_self_gossip(account, mail)) {
    return ignore(fx, "vc-contact-confirm: no gossip of our own key");
  }
  DCBOT_TRY(auto joins, load_pending(db, mail.signer_fpr));
  const auto it = std::find_if(joins.begin(), joins.end(), [](const PendingJoin& j) {
    return j.state == PendingState::AuthSent;
  });
  if (it == joins.end()) {
    return ignore(fx, "vc-contact-confirm: no pending join for this key");
  }
  DCBOT_TRY(auto blocked, is_blocked(db, mail.signer_fpr));
  if (blocked) {
    return ignore(fx, "vc-contact-confirm: blocked contact");
  }
  DCBOT_TRY(mark_verified(account, mail.signer_fpr));
  DCBOT_TRY(auto chat_id, ensure_single_chat(db, mail.signer_fpr, mail.timestamp, true));
  DCBOT_TRY(auto del, db.cached("DELETE FROM securejoin_pending WHERE fingerprint = ? AND "
                                "state = ?"));
  DCBOT_TRY(del->bind_all(mail.signer_fpr, PendingState::AuthSent));
  DCBOT_TRY(del->run());
  store::Contacts contacts(db);
  DCBOT_TRY(auto contact, contacts.get(mail.signer_fpr));
  fx.events.emplace_back(
      ContactVerifiedEvent{mail.signer_fpr, contact ? contact->addr : mail.from.addr, chat_id});
  return handled(fx, "vc-contact-confirm");
}

// §5.2 step 6 for groups: vg-member-added naming us from the inviter of a pending group join
// finishes the join (the inviter is verified); the group hook then applies the membership.
Result<void> on_group_member_added(Account& account, const IncomingMail& mail, Effects& fx) {
  store::Db& db = account.db();
  if (mail.symmetric || mail.signer_fpr.empty()) {
    return {};
  }
  const std::string added = header(mail, "Chat-Group-Member-Added");
  if (!same_addr(added, account.profile().addr)) {
    return {};  // Someone else joined: only a group message for us.
  }
  DCBOT_TRY(auto joins, load_pending(db, mail.signer_fpr));
  // A channel names itself in Chat-List-ID (§4.4), a group in Chat-Group-ID.
  const bool channel = !mail.headers->has("Chat-Group-ID");
  const std::string grpid =
      channel ? channel_list_id(header(mail, "Chat-List-ID")) : header(mail, "Chat-Group-ID");
  const InviteKind kind = channel ? InviteKind::Channel : InviteKind::Group;
  const auto it = std::find_if(joins.begin(), joins.end(), [&](const PendingJoin& j) {
    return j.state == PendingState::AuthSent && j.invite.kind == kind && j.invite.grpid == grpid;
  });
  if (it == joins.end()) {
    return {};
  }
  if (!has_self_gossip(account, mail)) {
    fx.notes.push_back("vg-member-added: no gossip of our own key");
    return {};
  }
  DCBOT_TRY(mark_verified(account, mail.signer_fpr));
  DCBOT_TRY(auto del, db.cached("DELETE FROM securejoin_pending WHERE id = ?"));
  DCBOT_TRY(del->bind_all(it->id));
  DCBOT_TRY(del->run());
  store::Contacts contacts(db);
  DCBOT_TRY(auto contact, contacts.get(mail.signer_fpr));
  fx.events.emplace_back(
      ContactVerifiedEvent{mail.signer_fpr, contact ? contact->addr : mail.from.addr, it->chat_id});
  return {};
}

}  // namespace

// ---- Public API

bool encrypted_with_password(const IncomingMail& mail, const std::string& password) {
  if (!mail.symmetric || mail.outer == nullptr) {
    return false;
  }
  auto enc = mime::encrypted_parts(*mail.outer);
  if (!enc) {
    return false;
  }
  auto armored = pgp::armor_decode(to_string(enc->payload->body));
  if (!armored || armored->kind != pgp::ArmorKind::Message) {
    return false;
  }
  const std::string passwords[] = {password};
  auto decrypted = pgp::decrypt(armored->data, std::span<const pgp::SecretKey* const>(), passwords,
                                std::span<const pgp::Certificate* const>());
  return decrypted && decrypted->was_symmetric;
}

void install_securejoin(Hooks& hooks, store::Db& db, SecureJoinOptions options) {
  hooks.securejoin = [options](Account& account, const IncomingMail& mail, Effects& fx) {
    return handle_securejoin(account, mail, fx, options);
  };
  store::Db* dbp = &db;
  hooks.symmetric_passwords = [dbp]() {
    auto passwords = securejoin_passwords(*dbp);
    return passwords ? std::move(*passwords) : std::vector<std::string>();
  };
}

Result<std::vector<std::string>> securejoin_passwords(store::Db& db) {
  std::vector<std::string> out;
  // §1.4 trial order: pending joins first, then our own AUTH tokens, newest first.
  DCBOT_TRY(auto joins, load_pending(db, ""));
  for (const auto& j : joins) {
    if (j.state == PendingState::RequestSent) {
      out.push_back(v3_password(j.invite.fingerprint, j.invite.auth));
    }
  }
  store::OwnKeys keys(db);
  DCBOT_TRY(auto own, keys.default_key());
  if (!own) {
    return out;
  }
  DCBOT_TRY(auto stmt, db.cached("SELECT token FROM securejoin_tokens WHERE kind = ? "
                                 "ORDER BY created DESC, id DESC"));
  DCBOT_TRY(stmt->bind_all(store::TokenKind::Auth));
  for (;;) {
    DCBOT_TRY(auto step, stmt->step());
    if (step != store::Step::Row) {
      break;
    }
    out.push_back(v3_password(own->fingerprint, stmt->column_text(0)));
  }
  return out;
}

Result<std::vector<PendingJoin>> pending_joins(store::Db& db) {
  return load_pending(db, "");
}

Result<Invite> new_invite(Account& account, InviteKind kind, const std::string& grpid,
                          std::int64_t now, InviteLinkOptions options) {
  store::SecureJoinTokens tokens(account.db());
  // §5.1: one INVITENUMBER per chat (reused), a new AUTH per generated link.
  DCBOT_TRY(auto number, tokens.latest(store::TokenKind::InviteNumber, grpid));
  if (!number) {
    store::SecureJoinToken t{store::TokenKind::InviteNumber, generate_token(), grpid, now};
    DCBOT_TRY(tokens.add(t));
    number = t;
  }
  std::optional<store::SecureJoinToken> auth;
  if (options.reuse_auth) {
    DCBOT_TRY(auth, tokens.latest(store::TokenKind::Auth, grpid));
  }
  if (!auth) {
    store::SecureJoinToken t{store::TokenKind::Auth, generate_token(), grpid, now};
    DCBOT_TRY(tokens.add(t));
    auth = t;
  }
  const Profile& me = account.profile();
  Invite invite;
  invite.kind = kind;
  invite.fingerprint = account.fingerprint();
  invite.invitenumber = number->token;
  invite.auth = auth->token;
  invite.addr = me.addr;
  for (const auto& relay : account.key().certificate().relays()) {
    if (!same_addr(relay, me.addr)) {
      invite.relays.push_back(relay);
    }
  }
  invite.name = me.display_name;
  invite.v3 = !options.legacy;
  return invite;
}

Result<std::string> make_invite_link(Account& account, std::int64_t now,
                                     InviteLinkOptions options) {
  if (!account.has_key() || account.profile().addr.empty()) {
    return make_error(Errc::InvalidArgument, "securejoin: invite: account has no key or address");
  }
  DCBOT_TRY(auto invite, new_invite(account, InviteKind::Contact, "", now, options));
  return format_invite(invite);
}

Result<JoinStart> start_join(Account& account, std::string_view link, std::int64_t now) {
  DCBOT_TRY(auto invite, parse_invite(link));
  if (!account.has_key()) {
    return make_error(Errc::InvalidArgument, "securejoin: join: account has no key");
  }
  if (invite.fingerprint == account.fingerprint()) {
    return make_error(Errc::InvalidArgument, "securejoin: join: this is our own invite");
  }
  if (!invite.v3 && invite.invitenumber.empty()) {
    return make_error(Errc::Parse, "securejoin: join: legacy invite without invitenumber");
  }
  store::Db& db = account.db();
  std::optional<store::Txn> txn;
  if (!db.in_transaction()) {
    DCBOT_TRY(auto t, store::Txn::begin(db));
    txn.emplace(std::move(t));
  }
  JoinStart out;
  DCBOT_TRY(out.chat_id, ensure_single_chat(db, invite.fingerprint, now, true));
  PendingJoin join;
  join.invite = invite;
  join.chat_id = out.chat_id;
  if (invite.kind == InviteKind::Channel) {
    // The channel chat exists from now on (core bob.rs joining_chat_id), the inviter as owner.
    DCBOT_TRY(out.chat_id, prepare_channel_join(account, invite, now));
  }
  join.created = now;
  // §5.2 step 1: a known key whose relay notation lists every address of the link lets us skip
  // straight to vc-request-with-auth.
  const pgp::Certificate* cert = account.contact_certificate(invite.fingerprint);
  if (cert != nullptr) {
    const auto relays = cert->relays();
    const auto addrs = invite.addrs();
    out.shortcut = std::all_of(addrs.begin(), addrs.end(), [&](const std::string& a) {
      return std::any_of(relays.begin(), relays.end(),
                         [&](const std::string& r) { return same_addr(a, r); });
    });
  }
  if (out.shortcut) {
    DCBOT_TRY(auto contact, inviter_contact(db, invite));
    if (!contact) {
      return make_error(Errc::Internal, "securejoin: join: key without contact");
    }
    DCBOT_TRY(mark_verified(account, invite.fingerprint));
    DCBOT_TRY(auto mail, build_request_with_auth(account, join, *cert, *contact, now));
    out.effects.outgoing.push_back(std::move(mail));
    join.state = PendingState::AuthSent;
  } else if (invite.v3) {
    DCBOT_TRY(auto mail, build_symmetric_step(account, "vc-request-pubkey", invite.auth,
                                              v3_password(invite.fingerprint, invite.auth), false,
                                              invite.addrs(), now));
    mail.chat_id = out.chat_id;
    out.effects.outgoing.push_back(std::move(mail));
  } else {
    OutgoingMail mail = build_legacy_request(account, invite, now);
    mail.chat_id = out.chat_id;
    out.effects.outgoing.push_back(std::move(mail));
  }
  DCBOT_TRY(auto stmt, db.cached("INSERT INTO securejoin_pending(link, fingerprint, auth, state, "
                                 "chat_id, created) VALUES(?, ?, ?, ?, ?, ?)"));
  DCBOT_TRY(stmt->bind_all(std::string(link), invite.fingerprint, invite.auth, join.state,
                           out.chat_id, now));
  DCBOT_TRY(stmt->run());
  if (txn) {
    DCBOT_TRY(txn->commit());
  }
  return out;
}

Result<bool> handle_securejoin(Account& account, const IncomingMail& mail, Effects& fx,
                               const SecureJoinOptions& options) {
  if (mail.headers == nullptr || mail.outer == nullptr || mail.inner == nullptr) {
    return ignore(fx, "incomplete mail");
  }
  // Core get_secure_join_step: a request is recognised by Secure-Join-Invitenumber (§5.3).
  if (mail.headers->has("Secure-Join-Invitenumber")) {
    return on_request(account, mail, fx);
  }
  const std::string step = mime::to_lower(header(mail, "Secure-Join"));
  if (!mail.encrypted) {
    // §5.3: outside encryption only the request itself counts.
    return ignore(fx, step + " outside encryption");
  }
  if (step == "vc-request-pubkey") {
    return on_request_pubkey(account, mail, fx);
  }
  if (step == "vc-pubkey" || step == "vc-auth-required" || step == "vg-auth-required") {
    return on_pubkey_or_auth_required(account, mail, step, fx);
  }
  if (step == "vc-request-with-auth" || step == "vg-request-with-auth") {
    if (!has_self_gossip(account, mail)) {
      return ignore(fx, step + ": no gossip of our own key");
    }
    return on_request_with_auth(account, mail, fx, options);
  }
  if (step == "vc-contact-confirm") {
    return on_contact_confirm(account, mail, fx);
  }
  if (step == "vg-member-added") {
    DCBOT_TRY(on_group_member_added(account, mail, fx));
    // §5.4: an ordinary group message for the group hook (group.cpp).
    return false;
  }
  if (step == "vg-member-added-received" || step == "vc-contact-confirm-received") {
    return handled(fx, step);  // §5.4: deprecated steps are deleted.
  }
  return ignore(fx, "unknown step " + step);
}

}  // namespace dcbot::chat
