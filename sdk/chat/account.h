// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "chat/contacts.h"
#include "chat/events.h"
#include "dcbot/result.h"
#include "mime/address.h"
#include "mime/builder.h"
#include "mime/parser.h"
#include "pgp/key.h"
#include "store/chats.h"
#include "store/db.h"

// The per-account chat engine (DESIGN.md "chat"): sans-IO, no clock, no sockets. Input is a raw
// mail and `now`; output is Effects (rows written, events, mails to queue). One Account borrows
// one store::Db, which must outlive it; both live on the io thread.
namespace dcbot::chat {

class Account;

// A received mail after decryption and signature checking, handed to the extension hooks
// (SecureJoin, groups, webxdc). Pointers are valid during the hook call only.
struct IncomingMail {
  const mime::Part* outer = nullptr;  // The mail as fetched.
  const mime::Part* inner = nullptr;  // The decrypted root part; == outer for plaintext mails.
  // The effective header fields: the protected ones, plus the unprotected outer ones when the
  // root has no `hp` parameter (PROTOCOL.md §3.2).
  const mime::Headers* headers = nullptr;
  bool encrypted = false;
  bool symmetric = false;  // Decrypted with a password (SecureJoin v3, channels).
  std::string signer_fpr;  // The verified signing key; empty if unsigned.
  mime::Mailbox from;      // Inner From (wins when signed, §1.6).
  std::vector<mime::Mailbox> to;
  std::string rfc724_mid;
  std::int64_t timestamp = 0;
  std::int64_t now = 0;  // The receive time the engine was called with.
};

// Extension points. A hook returns true when it consumed the mail (its effects are in `effects`);
// false lets the engine drop it with its default reason. Errors abort processing of the mail.
using MailHook = std::function<Result<bool>(Account&, const IncomingMail&, Effects&)>;

// A hook that attributes a mail to a chat: returns the chat id the mail goes on in as an ordinary
// message (text, reaction, edit, ...), or 0 when it consumed the mail (fx.dropped says why, e.g.
// a group system message whose effects are events).
using ChatHook = std::function<Result<std::int64_t>(Account&, const IncomingMail&, Effects&)>;

struct Hooks {
  // SecureJoin steps: the unencrypted legacy `vc-request`/`vg-request` (unsigned, `encrypted`
  // false) and every encrypted mail with a `Secure-Join` header (signed, or symmetric unsigned
  // `vc-request-pubkey`).
  MailHook securejoin;
  // Signed mails with `Chat-Group-ID` or `Chat-List-ID` (group.h install_groups). Also
  // SecureJoin mails of a group that the securejoin hook left unconsumed without a reason
  // (`vg-member-added` is an ordinary group message, §5.4).
  ChatHook group;
  // Signed webxdc status updates (multipart/report; report-type=status-update).
  MailHook webxdc;
  // Passwords to try on symmetric (SKESK) mails: pending joins, channel secrets, own AUTH tokens.
  std::function<std::vector<std::string>()> symmetric_passwords;
};

struct SendOptions {
  std::string reply_to;  // Message-ID of the quoted message; empty: the chat's last message.
  std::vector<Attachment> attachments;
  std::int64_t now = 0;
  // The quoted message's text, shown on top of the body as "> " lines (§3.3) so that apps show
  // the quote; empty: no quote (reply_to then only threads).
  std::string quote{};
};

// Own settings (the store's `config` table).
struct Profile {
  std::string addr;
  std::string display_name;
  std::string status;  // Sent as the `-- ` footer of text messages.
  bool bot = true;     // `Auto-Submitted: auto-generated` on every mail.
};

class Account {
 public:
  // Opens the engine over a migrated store (store::open_store) and brings the chat tables up to
  // date. Loads the profile and the default own key if there is one.
  static Result<Account> open(store::Db& db);

  Account(Account&&) noexcept;
  Account& operator=(Account&&) noexcept;
  ~Account();

  // Profile. set_profile() writes all fields; the address must be set before a key is made.
  const Profile& profile() const { return profile_; }

  Result<void> set_profile(const Profile& profile);

  // The own key: generated for profile().addr on first call (PROTOCOL.md §1.1 shape, the address
  // as the only relay), else the stored default. Errc::InvalidArgument without an address.
  Result<void> ensure_key(std::int64_t now);
  // Stores an existing secret key (tests, imports) and makes it the default.
  Result<void> import_key(const pgp::SecretKey& key, std::int64_t now);

  bool has_key() const { return key_ != nullptr; }

  // Precondition: has_key().
  const pgp::SecretKey& key() const;
  std::string fingerprint() const;

  // The own avatar (`profile.avatar`), sent as `Chat-User-Avatar` like the core does (PROTOCOL.md
  // §3.5, core `mimefactory.rs`): on the first mail to a contact and again every
  // kResendAvatarDays; `Chat-User-Avatar: 0` while there is none. Not kept in the store (the
  // runtime sets it on every start); only its hash is, so that a changed image goes out to every
  // contact again.
  Result<void> set_avatar(Bytes image);

  const Bytes& avatar() const { return avatar_; }

  // The `Chat-User-Avatar` field for a mail to the contacts `fprs` at `now`, or nullopt when each
  // of them got it within kResendAvatarDays. Records them as sent (call it only for a mail that
  // is built). Errors are store failures.
  Result<std::optional<mime::HeaderField>> user_avatar_header(const std::vector<std::string>& fprs,
                                                              std::int64_t now);

  static constexpr std::int64_t kResendAvatarDays = 14;  // Core DC_RESEND_USER_AVATAR_DAYS.

  void set_hooks(Hooks hooks) { hooks_ = std::move(hooks); }

  store::Db& db() { return *db_; }

  // contacts.h import_key() that also refreshes the certificate cache.
  Result<ImportResult> import_contact_key(const pgp::Certificate& cert, std::string_view addr,
                                          std::string_view name, KeySource source,
                                          std::int64_t now);
  // The stored certificate of a contact (cached); nullptr if unknown.
  const pgp::Certificate* contact_certificate(const std::string& fpr);

  // Processes one raw mail (PROTOCOL.md §1.6, §9). Rows are written through the Db: if the caller
  // holds a transaction they join it (the runtime wraps receive, storing the events and
  // Inbox::mark_processed in one Txn); otherwise receive opens and commits its own. A mail that is
  // not shown yields Effects::dropped with the reason, never an error; errors are store failures
  // (or hook failures) and leave the caller's transaction to be rolled back.
  Result<Effects> receive(ByteView raw, std::int64_t now);

  // The 1:1 chat with a key contact, created if needed.
  Result<std::int64_t> single_chat(std::string_view contact_fpr, std::int64_t now);

  // Builders (PROTOCOL.md §3.1, §3.2). Each writes the `messages` row (state OutPending; none for
  // hidden reactions/deletes) and returns the finished mail; queue() puts it in the outbox.
  // Errc::NotFound for an unknown chat or target, Errc::InvalidArgument for a chat without a
  // member key (or a group we are not a member of, or a channel without subscribers),
  // Errc::Unsupported for a channel we subscribe to (read-only).
  Result<OutgoingMail> build_text(std::int64_t chat_id, std::string_view text, SendOptions options);
  Result<OutgoingMail> build_reaction(std::int64_t chat_id, std::string_view target_mid,
                                      std::string_view emoji, std::int64_t now);
  // Edits our own earlier message `target_mid` (its row gets the new text).
  Result<OutgoingMail> build_edit(std::int64_t chat_id, std::string_view target_mid,
                                  std::string_view new_text, std::int64_t now);
  // Deletes our own earlier message for everyone (its row is removed).
  Result<OutgoingMail> build_delete(std::int64_t chat_id, std::string_view target_mid,
                                    std::int64_t now);
  // Enqueues an outbox row; returns its id. A mail queued within kHoldSeconds after a member-added
  // mail or a webxdc app of its chat is held until then (and the chat's later mails behind it).
  Result<std::int64_t> queue(const OutgoingMail& mail, std::int64_t now);

  // Low-level builder shared by the above and by hooks (SecureJoin replies): an encrypted,
  // signed chat mail to `chat_id`'s member with the given root entity and extra protected headers.
  struct Draft;
  Result<OutgoingMail> build(const Draft& draft);

 private:
  explicit Account(store::Db& db) : db_(&db) {}

  Result<void> load();
  Result<Effects> receive_in_txn(ByteView raw, std::int64_t now);

  store::Db* db_;
  // When a mail that holds its chat (OutgoingMail::holds_chat) was last queued, per chat: queue()
  // holds the chat's next mails back for kHoldSeconds. In memory: after a restart nothing is held.
  static constexpr std::int64_t kHoldSeconds = 3;
  std::map<std::int64_t, std::int64_t> held_since_;
  Profile profile_;
  Bytes avatar_;
  std::unique_ptr<pgp::SecretKey> key_;  // The default key: signs and is published.
  // Every own key, the default included: all of them decrypt (keys may have been rotated).
  std::vector<std::unique_ptr<pgp::SecretKey>> decrypt_keys_;
  Hooks hooks_;

  // Parsed contact certificates (parsing verifies every binding, so it is worth keeping), with
  // the stored bytes they came from: a hit is used only while the row still holds those bytes.
  struct CachedCert {
    Bytes stored;
    pgp::Certificate cert;
  };

  std::map<std::string, CachedCert> cert_cache_;
};

// One outgoing 1:1 chat mail before encryption.
struct Account::Draft {
  std::int64_t chat_id = 0;
  std::int64_t now = 0;
  mime::Entity root;  // The body (text_part, multipart/mixed, ...).
  // Extra protected headers, rendered after Chat-Version (Chat-Edit, Secure-Join, ...).
  std::vector<mime::HeaderField> headers;
  // Rendered right after the Content-Type (Content-Disposition: reaction).
  std::vector<mime::HeaderField> leading_headers;
  std::string in_reply_to;  // Parent Message-ID; empty: none.
  bool hidden = false;      // No `messages` row (reactions, edits, deletes, SecureJoin steps).
  std::string text;         // Stored in the `messages` row.
  std::string file_name;    // Stored as the row's file_path (first attachment).
  bool compress = true;     // ZLIB layer; never for SecureJoin (anti-CRIME, §5.5).
  std::string rfc724_mid;   // Empty: a new `<uuid>@localhost`.
  // A post-message (§8): `Chat-Is-Post-Message: 1` inside and outside.
  bool post_message = false;
  // Group mails (group.cpp): a member listed first in To (the added member, §4.3), members that
  // get the mail without being in To (the removed member), and gossip of every member's key.
  std::string group_first_fpr;
  std::vector<std::string> group_extra_fprs;
  bool group_gossip = false;
  // `Chat-User-Avatar` when due (Account::user_avatar_header); off for MDNs. Post-messages and
  // the SecureJoin steps before verification never carry it (core should_attach_profile_data).
  bool profile_data = true;
};

}  // namespace dcbot::chat
