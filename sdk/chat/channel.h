// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chat/account.h"
#include "chat/events.h"
#include "chat/group.h"
#include "chat/securejoin.h"
#include "dcbot/result.h"
#include "store/chats.h"
#include "store/db.h"

// Broadcast channels (PROTOCOL.md §4.4; core `chat.rs` create_broadcast, `mimefactory.rs`,
// `receive_imf.rs` apply_{out,in}_broadcast_changes, `decrypt.rs`): one owner posts, subscribers
// read. Both roles:
//
//   owner (chat type BroadcastOut)             subscriber (chat type BroadcastIn)
//   create_channel() makes the id + secret     start_join() on a channel link (`x=`, `j=`, `b=`)
//   make_channel_invite_link()                 vc-request-pubkey / vg-request (SecureJoin)
//   vg-request-with-auth -> member-added to    member-added naming us: secret stored, we are in
//     the new subscriber only, asymmetric,
//     with `Chat-Broadcast-Secret`
//   posts: SKESK v6 + SEIPD v2 with the        posts are accepted only if decryptable with the
//     secret, ZLIB, signed; To is hidden;        channel's secret, signed by its owner and
//     subscribers only in the SMTP envelope       naming the channel in `Chat-List-ID`
//
// A channel is identified by `Chat-List-ID: <name> <<id>>` (there is no Chat-Group-ID); its id
// is the store's `chats.grpid`. Subscribers are the owner's `chat_members` rows (add_ts/
// remove_ts, no timestamps on the wire: the core does not use the member CRDT for channels); on
// the subscriber side the owner is the chat's only member besides ourselves. The secret lives in
// `chat_channel_secrets` (own schema track).
namespace dcbot::chat {

// core `create_broadcast_secret`: 43 URL-safe base64 characters (258 bits).
inline constexpr std::size_t kChannelSecretLength = 43;

// Creates `chat_channel_secrets` if needed (idempotent, own version key in `config`).
Result<void> ensure_channel_schema(store::Db& db);

// Wraps hooks.group so that signed mails with `Chat-List-ID` and no `Chat-Group-ID` go to
// handle_channel_mail, and adds the secrets of the channels we subscribe to to
// hooks.symmetric_passwords. Call after install_securejoin() and install_groups() (it keeps
// their hooks), with ensure_channel_schema() done; `db` must outlive the hooks.
void install_channels(Hooks& hooks, store::Db& db);

// The hook: a signed mail with `Chat-List-ID`. Returns the chat id the mail continues in as a
// message (a post, a resent post, a subscriber's reaction), or 0 when it was consumed or refused
// (fx.dropped says why).
Result<std::int64_t> handle_channel_mail(Account& account, const IncomingMail& mail, Effects& fx);

// The channel id in a `Chat-List-ID` value: `name <id>`, `<id>` or `id` (core
// mailinglist_header_listid). Not validated; callers check is_valid_token().
std::string channel_list_id(std::string_view value);

// A fresh secret (core create_broadcast_secret); 43 characters.
std::string generate_channel_secret();
// 43..100 characters of the URL-safe base64 alphabet (core validate_broadcast_secret).
bool is_valid_channel_secret(std::string_view secret);

// ---- Owner

// Creates a channel we own: a fresh id (create_id), a fresh secret, no subscribers yet. No mail
// is sent. Errc::InvalidArgument for an empty name (after dropping line breaks) or no own key.
Result<std::int64_t> create_channel(Account& account, std::string_view name, std::int64_t now);

// The invite link of a channel we own (§5.1: `x=<id>`, `j=<INVITENUMBER>`, `b=<name>`, inviter
// name cut to 16 characters): the INVITENUMBER is reused, the AUTH is new unless reuse_auth.
// Errc::NotFound if `chat_id` is not a channel we own.
Result<std::string> make_channel_invite_link(Account& account, std::int64_t chat_id,
                                             std::int64_t now, InviteLinkOptions options = {});

// The current subscribers by fingerprint, ordered by fingerprint. Errc::NotFound if `chat_id`
// is not a channel we own.
Result<std::vector<std::string>> channel_subscribers(Account& account, std::int64_t chat_id);

// The owner's last SecureJoin step (§4.4, §5.2 step 5): makes the verified joiner `fpr` a
// subscriber of the channel `channel_id` and puts the member-added mail (to the joiner only, with
// the secret and gossip of the joiner's key) into fx.outgoing, followed by the channel's last
// posts (remember_channel_post), plus a ChannelSubscriberEvent. Like the core, a repeated join
// sends the member-added mail and the posts again. Returns the chat id.
// Errc::NotFound if we own no such channel.
Result<std::int64_t> add_channel_subscriber(Account& account, std::string_view channel_id,
                                            std::string_view fpr, std::int64_t now, Effects& fx);

// Removes a subscriber: `Member <addr> was removed.` with `Chat-Group-Member-Removed(-Fpr)`, sent
// to that subscriber only (it deletes the secret). Errc::NotFound for an unknown channel,
// Errc::InvalidArgument if `fpr` is not a subscriber.
Result<OutgoingMail> build_remove_subscriber(Account& account, std::int64_t chat_id,
                                             std::string_view fpr, std::int64_t now);

// What Account::build needs for a channel mail. A post (draft.group_first_fpr empty): inner To
// `"hidden-recipients": ;`, symmetric with the secret, every subscriber in the SMTP envelope. A
// mail for one subscriber (group_first_fpr set: member added/removed, a post resent to a new
// subscriber): asymmetric to that subscriber only, who is in To and gossiped. Both carry
// `Chat-List-ID`, `Chat-Group-Name` and `-Name-Timestamp`; the subject is the channel name.
// Errc::InvalidArgument when the channel has no subscriber (or the one named has no key),
// Errc::Unsupported for a channel we subscribe to (read-only).
Result<GroupEnvelope> channel_envelope(Account& account, const store::Chat& chat,
                                       const Account::Draft& draft);

// core N_MSGS_TO_NEW_BROADCAST_MEMBER: a new subscriber gets the last 10 posts again (asymmetric,
// to them only, original Message-ID). Posts larger than kResendMaxBytes are not kept for that.
inline constexpr std::size_t kResendPosts = 10;
inline constexpr std::size_t kResendMaxBytes = 8u * 1024u * 1024u;

// Keeps a post's signed-over inner MIME (Account::build calls it for every channel post) for
// resending to new subscribers; only the newest kResendPosts per channel are kept.
Result<void> remember_channel_post(store::Db& db, std::int64_t chat_id, std::string_view rfc724_mid,
                                   ByteView inner, std::int64_t now);

// ---- Subscriber

// Records a channel join we started from `invite` (kind Channel): creates the BroadcastIn chat
// (named from the link, the inviter as its owner, ourselves not yet a member) unless it exists.
// Returns its chat id. Called by start_join().
Result<std::int64_t> prepare_channel_join(Account& account, const Invite& invite, std::int64_t now);

// The secret of a channel (either role); nullopt if none is stored.
Result<std::optional<std::string>> channel_secret(store::Db& db, std::int64_t chat_id);

}  // namespace dcbot::chat
