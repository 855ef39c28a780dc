// SPDX-License-Identifier: MIT
#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "chat/account.h"
#include "chat/channel.h"
#include "chat/contacts.h"
#include "chat/envelope.h"
#include "chat/group.h"
#include "chat/text.h"
#include "mime/address.h"
#include "mime/builder.h"
#include "mime/date.h"
#include "mime/header.h"
#include "pgp/armor.h"
#include "pgp/message.h"
#include "store/chats.h"
#include "store/contacts.h"
#include "store/messages.h"

// The send path: the outer envelope of PROTOCOL.md §3.1 and the protected inner layout of §3.2,
// reactions (§3.6), edits and deletes (§3.7), the mirrored Ephemeral-Timer (§3.8), encrypted and
// signed as in §1.3.
namespace dcbot::chat {
namespace {

// A MIME type from the file name suffix (§3.3: application/octet-stream by default).
std::string guess_mime_type(std::string_view filename) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 14> kTypes = {{
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"webp", "image/webp"},
      {"txt", "text/plain"},
      {"pdf", "application/pdf"},
      {"xdc", "application/webxdc+zip"},
      {"zip", "application/zip"},
      {"mp3", "audio/mpeg"},
      {"ogg", "audio/ogg"},
      {"mp4", "video/mp4"},
      {"html", "text/html"},
      {"vcf", "text/vcard"},
  }};
  const auto dot = filename.rfind('.');
  if (dot != std::string_view::npos) {
    const std::string ext = mime::to_lower(filename.substr(dot + 1));
    for (const auto& [suffix, type] : kTypes) {
      if (ext == suffix) {
        return std::string(type);
      }
    }
  }
  return "application/octet-stream";
}

struct Meta {
  std::string subject;
  std::string refs;
};

Result<std::optional<Meta>> load_meta(store::Db& db, std::string_view mid) {
  DCBOT_TRY(auto stmt,
            db.cached("SELECT subject, refs FROM chat_message_meta WHERE rfc724_mid = ?"));
  DCBOT_TRY(stmt->bind_all(mid));
  DCBOT_TRY(auto step, stmt->step());
  if (step != store::Step::Row) {
    return std::optional<Meta>();
  }
  return std::optional<Meta>(Meta{stmt->column_text(0), stmt->column_text(1)});
}

Result<void> store_meta(store::Db& db, std::string_view mid, std::string_view subject,
                        std::string_view refs) {
  DCBOT_TRY(auto stmt, db.cached("INSERT OR REPLACE INTO chat_message_meta(rfc724_mid, subject, "
                                 "refs) VALUES(?, ?, ?)"));
  DCBOT_TRY(stmt->bind_all(mid, subject, refs));
  return stmt->run();
}

// Core `should_attach_profile_data`: SecureJoin mails carry profile data only from the step
// that proves the key on (§5.5); post-messages never (§8).
bool carries_profile_data(const Account::Draft& d) {
  if (!d.profile_data || d.post_message) {
    return false;
  }
  for (const auto& h : d.headers) {
    if (mime::iequals(h.name, "Secure-Join")) {
      const std::string step = mime::to_lower(h.value());
      return step == "vc-request-with-auth" || step == "vg-request-with-auth"
             || step == "vg-member-added" || step == "vc-contact-confirm";
    }
  }
  return true;
}

}  // namespace

Result<OutgoingMail> Account::build(const Draft& d) {
  if (!key_) {
    return make_error(Errc::InvalidArgument, "chat: send: account has no key");
  }
  store::Chats chats(*db_);
  DCBOT_TRY(auto chat, chats.get(d.chat_id));
  if (!chat) {
    return make_error(Errc::NotFound, "chat: send: no such chat");
  }
  // The recipients: the 1:1 member, or the group's (group.cpp, PROTOCOL.md §4.3).
  GroupEnvelope env;
  if (chat->type == store::ChatType::Group) {
    DCBOT_TRY(env, group_envelope(*this, *chat, d));
  } else if (chat->type == store::ChatType::Single) {
    store::ChatMembers members(*db_);
    DCBOT_TRY(auto list, members.members(d.chat_id));
    if (list.empty()) {
      return make_error(Errc::InvalidArgument, "chat: send: chat has no member");
    }
    store::Contacts contacts(*db_);
    DCBOT_TRY(auto contact, contacts.get(list.front().contact_fpr));
    const pgp::Certificate* cert = contact_certificate(list.front().contact_fpr);
    if (!contact || cert == nullptr) {
      return make_error(Errc::InvalidArgument, "chat: send: no key for the chat member");
    }
    env.to.push_back(mime::Mailbox{contact->display_name, contact->addr, {}});
    env.certs.push_back(cert);
    env.recipients = relay_addresses(*cert, contact->addr);
  } else {
    // Broadcast channels (channel.cpp, PROTOCOL.md §4.4).
    DCBOT_TRY(env, channel_envelope(*this, *chat, d));
  }

  OutgoingMail mail;
  mail.chat_id = d.chat_id;
  mail.envelope_from = profile_.addr;
  mail.recipients = env.recipients;
  mail.rfc724_mid = d.rfc724_mid.empty() ? mime::make_message_id(random_fill) : d.rfc724_mid;
  const bool webxdc_app =
      d.file_name.size() > 4
      && mime::iequals(std::string_view(d.file_name).substr(d.file_name.size() - 4), ".xdc");
  mail.holds_chat =
      webxdc_app || std::any_of(d.headers.begin(), d.headers.end(), [](const auto& h) {
        return mime::iequals(h.name, "Chat-Group-Member-Added");
      });
  const std::string mid_header = mime::format_message_id(mail.rfc724_mid);
  const std::int64_t outer_date = random_outer_date(d.now);

  // §3.4 threading: the parent is the quoted message, else the chat's last message.
  std::string parent = d.in_reply_to;
  store::Messages messages(*db_);
  if (parent.empty() && !d.hidden) {
    DCBOT_TRY(auto last, messages.list(d.chat_id, 1));
    if (!last.empty()) {
      parent = last.back().rfc724_mid;
    }
  }
  std::string subject;
  std::vector<std::string> refs;
  if (!parent.empty()) {
    DCBOT_TRY(auto meta, load_meta(*db_, parent));
    if (meta) {
      auto ids = mime::parse_message_ids(meta->refs);
      const std::size_t keep = std::min<std::size_t>(ids.size(), 2);
      refs.assign(ids.end() - static_cast<std::ptrdiff_t>(keep), ids.end());
      subject = meta->subject;
    }
    refs.push_back(parent);
  } else {
    refs.push_back(mail.rfc724_mid);
  }
  const std::string self_name =
      profile_.display_name.empty() ? profile_.addr : profile_.display_name;
  if (!env.subject.empty()) {
    subject = env.subject;  // §3.4: group mails use the group name.
  }
  if (subject.empty()) {
    subject = "Message from " + self_name;
  }
  if (!parent.empty() && subject.rfind("Re: ", 0) != 0) {
    subject = "Re: " + subject;
  }
  std::string refs_value;
  for (const auto& id : refs) {
    if (!refs_value.empty()) {
      refs_value += ' ';
    }
    refs_value += mime::format_message_id(id);
  }

  // §3.2: the RFC 9788 block prepended to the inner part; HP-Outer copies of the outer fields.
  const std::string own_addr = mime::format_mailbox(mime::Mailbox{{}, profile_.addr, {}});
  const std::string hidden = mime::format_address_list({});
  std::vector<mime::HeaderField> prefix = {
      {"From", mime::format_mailbox(mime::Mailbox{profile_.display_name, profile_.addr, {}})},
      {"HP-Outer", "From: " + own_addr},
      {"HP-Outer", "Date: " + mime::format_date(outer_date)},
      {"Message-ID", mid_header},
      {"HP-Outer", "Message-ID: " + mid_header},
      {"Autocrypt",
       mime::autocrypt_value(mime::to_lower(profile_.addr), key_->certificate().serialize())},
      {"HP-Outer", "To: " + hidden},
      {"HP-Outer", "Subject: [...]"},
      {"HP-Outer", "Chat-Version: 1.0"},
  };
  std::vector<mime::HeaderField> protected_headers = d.leading_headers;
  protected_headers.push_back({"Date", mime::format_date(d.now)});
  protected_headers.push_back({"To", mime::format_address_list(env.to)});
  protected_headers.insert(protected_headers.end(), env.after_to.begin(), env.after_to.end());
  protected_headers.push_back({"Subject", mime::encode_text(subject)});
  if (!parent.empty()) {
    protected_headers.push_back({"In-Reply-To", mime::format_message_id(parent)});
  }
  protected_headers.push_back({"References", refs_value});
  if (profile_.bot) {
    // §3.5: marks every mail of a bot account (RFC 3834).
    protected_headers.push_back({"Auto-Submitted", "auto-generated"});
  }
  protected_headers.push_back({"Chat-Version", "1.0"});
  if (d.post_message) {
    protected_headers.push_back({"Chat-Is-Post-Message", "1"});
  }
  protected_headers.insert(protected_headers.end(), env.headers.begin(), env.headers.end());
  protected_headers.insert(protected_headers.end(), d.headers.begin(), d.headers.end());
  if (carries_profile_data(d)) {
    std::vector<std::string> fprs;
    for (const auto* cert : env.certs) {
      fprs.push_back(cert->fingerprint_hex());
    }
    DCBOT_TRY(auto avatar, user_avatar_header(fprs, d.now));
    if (avatar) {
      protected_headers.push_back(std::move(*avatar));
    }
  }
  if (chat->ephemeral_timer > 0) {
    // §3.8: mirror the chat's timer, or the peer's timer is switched off.
    protected_headers.push_back({"Ephemeral-Timer", std::to_string(chat->ephemeral_timer)});
  }
  protected_headers.insert(protected_headers.end(), env.trailing.begin(), env.trailing.end());
  const std::string inner = mime::render_protected(d.root, prefix, protected_headers);

  // §1.3: own key first (pgp::encrypt adds it), SEIPDv2 when every key supports it, signed by the
  // primary key with intended-recipient fingerprints; armored without headers (§9.6).
  // Channel posts: SKESK v6 + SEIPD v2 with the channel secret, signed without recipients (§1.4).
  const std::vector<const pgp::Certificate*>& recipients = env.certs;
  pgp::EncryptOptions options;
  options.compress = d.compress;
  options.now = static_cast<std::uint32_t>(d.now);
  auto encrypted = env.password.empty()
                       ? pgp::encrypt(as_bytes(inner), *key_, recipients, options)
                       : pgp::encrypt_symmetric(as_bytes(inner), env.password, key_.get(), options);
  if (!encrypted) {
    return encrypted.error();
  }
  const std::string armored =
      pgp::armor_encode(*encrypted, pgp::ArmorKind::Message, pgp::LineEnding::Crlf);
  mime::OuterHeaders outer;
  outer.from_addr = profile_.addr;
  outer.date = outer_date;
  outer.message_id = mail.rfc724_mid;
  outer.post_message = d.post_message;
  const std::string raw =
      mime::build_encrypted_message(outer, armored, mime::make_boundary(random_fill));
  mail.raw = to_bytes(raw);

  if (!env.password.empty() && !d.hidden) {
    // A channel post: kept for resending to new subscribers (channel.cpp, core 2.50).
    DCBOT_TRY(remember_channel_post(*db_, d.chat_id, mail.rfc724_mid, as_bytes(inner), d.now));
  }
  if (!d.hidden) {
    store::Message row;
    row.chat_id = d.chat_id;
    row.rfc724_mid = mail.rfc724_mid;
    row.in_reply_to = parent;
    row.timestamp = d.now;
    row.text = d.text;
    row.file_path = d.file_name;
    row.state = store::MessageState::OutPending;
    DCBOT_TRY(mail.message_id, messages.add(row));
  }
  DCBOT_TRY(store_meta(*db_, mail.rfc724_mid, subject, refs_value));
  return mail;
}

Result<OutgoingMail> Account::build_text(std::int64_t chat_id, std::string_view text,
                                         SendOptions options) {
  Draft d;
  d.chat_id = chat_id;
  d.now = options.now;
  d.in_reply_to = options.reply_to;
  d.text = std::string(text);
  std::string body_text = compose_body(text, profile_.status);
  if (!options.quote.empty()) {
    body_text.insert(0, compose_quote(options.quote));
  }
  mime::Entity body = mime::text_part(body_text);
  if (options.attachments.empty()) {
    d.root = std::move(body);
  } else {
    // §3.3: multipart/mixed, the text part always first.
    std::vector<mime::Entity> children;
    children.push_back(std::move(body));
    for (const auto& a : options.attachments) {
      const std::string type = a.mime_type.empty() ? guess_mime_type(a.filename) : a.mime_type;
      children.push_back(mime::attachment_part(type, a.filename, a.data));
    }
    d.file_name = options.attachments.front().filename;
    d.root = mime::multipart("mixed", std::move(children), mime::make_boundary(random_fill));
  }
  return build(d);
}

Result<OutgoingMail> Account::build_reaction(std::int64_t chat_id, std::string_view target_mid,
                                             std::string_view emoji, std::int64_t now) {
  // §3.6: a hidden text/plain part with `Content-Disposition: reaction`, no footer.
  Draft d;
  d.chat_id = chat_id;
  d.now = now;
  d.hidden = true;
  d.in_reply_to = std::string(target_mid);
  d.root = mime::text_part(emoji);
  d.leading_headers.push_back({"Content-Disposition", "reaction"});
  return build(d);
}

Result<OutgoingMail> Account::build_edit(std::int64_t chat_id, std::string_view target_mid,
                                         std::string_view new_text, std::int64_t now) {
  store::Messages messages(*db_);
  DCBOT_TRY(auto original, messages.find_by_mid(target_mid));
  if (!original || original->chat_id != chat_id || !original->sender_fpr.empty()) {
    return make_error(Errc::NotFound, "chat: edit: no own message with that id in the chat");
  }
  Draft d;
  d.chat_id = chat_id;
  d.now = now;
  d.hidden = true;
  d.in_reply_to = std::string(target_mid);
  d.root = mime::text_part(compose_edit(original->text, new_text));
  d.headers.push_back({"Chat-Edit", mime::format_message_id(target_mid)});
  DCBOT_TRY(auto mail, build(d));
  DCBOT_TRY(auto stmt, db_->cached("UPDATE messages SET text = ? WHERE id = ?"));
  DCBOT_TRY(stmt->bind_all(new_text, original->id));
  DCBOT_TRY(stmt->run());
  return mail;
}

Result<OutgoingMail> Account::build_delete(std::int64_t chat_id, std::string_view target_mid,
                                           std::int64_t now) {
  store::Messages messages(*db_);
  DCBOT_TRY(auto original, messages.find_by_mid(target_mid));
  if (!original || original->chat_id != chat_id || !original->sender_fpr.empty()) {
    return make_error(Errc::NotFound, "chat: delete: no own message with that id in the chat");
  }
  Draft d;
  d.chat_id = chat_id;
  d.now = now;
  d.hidden = true;
  d.in_reply_to = std::string(target_mid);
  d.root = mime::text_part("\U0001F6AE");  // 🚮, as the core sends (§3.7).
  d.headers.push_back({"Chat-Delete", mime::format_message_id(target_mid)});
  DCBOT_TRY(auto mail, build(d));
  DCBOT_TRY(auto stmt, db_->cached("DELETE FROM messages WHERE id = ?"));
  DCBOT_TRY(stmt->bind_all(original->id));
  DCBOT_TRY(stmt->run());
  return mail;
}

}  // namespace dcbot::chat
