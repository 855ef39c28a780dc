// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chat/account.h"
#include "chat/events.h"
#include "chat/invite.h"
#include "dcbot/result.h"
#include "store/db.h"

// SecureJoin for 1:1 contacts, both roles (PROTOCOL.md §5; SECURITY.md "SecureJoin hardening"):
//
//   inviter (we publish a link)            joiner (we scanned a link)
//   v3:     vc-request-pubkey  -> vc-pubkey         (symmetric, password securejoin/<FPR>/<AUTH>)
//   legacy: vc-request         -> vc-auth-required  (plaintext request, asymmetric reply)
//   both:   vc-request-with-auth -> vc-contact-confirm  (asymmetric, signed, gossip of the peer)
//
// It plugs into chat::Account through Hooks (install_securejoin) and keeps its state in the store:
// the tokens we handed out (`securejoin_tokens`) and the joins we started
// (`securejoin_pending`, securejoin_schema.cpp). Sans-IO like the rest of `chat`: replies come
// back as Effects::outgoing for the runtime to queue. Group and channel joins (`vg-*`, both
// roles) share these steps and end with the group's member-added mail (securejoin_group.cpp) or
// the channel's member-added mail to the new subscriber only (channel.cpp).
namespace dcbot::chat {

// PROTOCOL.md §5.1: an AUTH older than this still completes a join but no longer verifies.
inline constexpr std::int64_t kVerificationTimeout = 7 * 24 * 3600;

struct SecureJoinOptions {
  // Seconds an AUTH token verifies the joiner (core VERIFICATION_TIMEOUT_SECONDS); 0: forever
  // (a bot publishing one fixed link that should keep verifying).
  std::int64_t verification_timeout = kVerificationTimeout;
};

// Creates the `securejoin_pending` table if needed (idempotent; own version key in `config`).
// Errc::Io on SQL errors, Errc::Unsupported for a database from a newer dcbot.
Result<void> ensure_securejoin_schema(store::Db& db);

// Sets hooks.securejoin and hooks.symmetric_passwords (own AUTH tokens, newest first, then the
// pending joins) for `db`, which must outlive the hooks. Call ensure_securejoin_schema() first.
void install_securejoin(Hooks& hooks, store::Db& db, SecureJoinOptions options = {});

// How to make an inviter link.
struct InviteLinkOptions {
  // Omit `v=3`: scanners use the legacy flow (§5.3, §5.6).
  bool legacy = false;
  // Reuse the newest AUTH instead of issuing a new one: a fixed link a bot can publish.
  bool reuse_auth = false;
};

// The inviter's part of a new invite link of `kind` for the chat `grpid` ("" for a 1:1 link), the
// shared part of make_invite_link, make_group_invite_link and make_channel_invite_link: §5.1's one
// INVITENUMBER per chat (reused) and a new AUTH per link (unless options.reuse_auth finds one),
// both kept in `securejoin_tokens`; the account's fingerprint, address, other relays and display
// name; v3 unless options.legacy. The caller checks the account and chat first, then sets the
// chat's fields and formats the link.
Result<Invite> new_invite(Account& account, InviteKind kind, const std::string& grpid,
                          std::int64_t now, InviteLinkOptions options);

// The account's 1:1 invite link (§5.1): the INVITENUMBER is reused, the AUTH is new (unless
// reuse_auth and one exists); both persist in `securejoin_tokens`. The account needs a key and
// an address (Errc::InvalidArgument otherwise).
Result<std::string> make_invite_link(Account& account, std::int64_t now,
                                     InviteLinkOptions options = {});

// The result of starting a join.
struct JoinStart {
  // The 1:1 chat with the inviter; for a channel link the channel's chat (chat/channel.h).
  std::int64_t chat_id = 0;
  // True if the inviter's key was already known with all the link's relays (§5.2 step 1): the
  // inviter is verified now and vc-request-with-auth is in `effects`.
  bool shortcut = false;
  Effects effects;  // The first mail to queue.
};

// Starts joining a 1:1 invite `link` (the bot scanned someone's link): records the pending join
// and builds vc-request-pubkey (v3), vc-request (legacy) or, with the shortcut, the
// vc-request-with-auth; group and channel links use the vg- step names. Errc::Parse for a bad
// link, Errc::InvalidArgument for our own link or an account without key.
Result<JoinStart> start_join(Account& account, std::string_view link, std::int64_t now);

// The hook itself (install_securejoin binds it): handles one SecureJoin mail. Returns true when
// the step was handled (its replies and events are in `fx`, fx.dropped says which step); false
// with fx.dropped set to the reason when the mail is ignored (§5.5).
Result<bool> handle_securejoin(Account& account, const IncomingMail& mail, Effects& fx,
                               const SecureJoinOptions& options);

// §1.4: the engine tried every password it knows on a symmetric mail; this decrypts it once more
// with only `password`, to check it was encrypted with the secret its content claims (a
// SecureJoin step's AUTH, a channel's secret). False for asymmetric mails.
bool encrypted_with_password(const IncomingMail& mail, const std::string& password);

// The symmetric passwords for Account::receive (hooks.symmetric_passwords).
Result<std::vector<std::string>> securejoin_passwords(store::Db& db);

// A join we started and have not finished.
enum class PendingState : std::int64_t {
  RequestSent = 0,  // vc-request(-pubkey) sent; waiting for vc-pubkey / vc-auth-required.
  AuthSent = 1,     // vc-request-with-auth sent; waiting for vc-contact-confirm.
};

struct PendingJoin {
  std::int64_t id = 0;
  Invite invite;
  PendingState state = PendingState::RequestSent;
  std::int64_t chat_id = 0;
  std::int64_t created = 0;
};

// The pending joins, oldest first.
Result<std::vector<PendingJoin>> pending_joins(store::Db& db);

// ---- Group joins (securejoin_group.cpp; start_join() and the hook handle group links too)

// The invite link of a group we are a member of (§5.1: `x=<grpid>`, `g=<name>`, the inviter name
// cut to 16 characters): its INVITENUMBER is reused, the AUTH is new unless reuse_auth.
// Errc::NotFound for an unknown group, Errc::InvalidArgument when we are not a member.
Result<std::string> make_group_invite_link(Account& account, std::int64_t chat_id, std::int64_t now,
                                           InviteLinkOptions options = {});

// True if the group `grpid` exists and we are still a member, or `grpid` is a channel we own (so
// we may add joiners).
Result<bool> can_invite_to_group(Account& account, std::string_view grpid);

// The inviter's last step (§5.2 step 5): adds the verified joiner `fpr` to the group and puts
// the member-added mail with `Secure-Join: vg-member-added` for every member into fx.outgoing,
// plus a MemberAddedEvent; for a channel we own, channel.h add_channel_subscriber. Returns the
// chat id. Errc::NotFound for an unknown group.
Result<std::int64_t> add_joined_member(Account& account, std::string_view grpid,
                                       std::string_view fpr, std::int64_t now, Effects& fx);

}  // namespace dcbot::chat
