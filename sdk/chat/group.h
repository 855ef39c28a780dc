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
#include "mime/address.h"
#include "mime/header.h"
#include "pgp/key.h"
#include "store/chats.h"
#include "store/db.h"

// Groups (PROTOCOL.md §4): attributing signed mails with `Chat-Group-ID` to their group, the
// member timestamp CRDT of §4.2 (with the legacy explicit Added/Removed path), renames by last
// writer wins, and the group side of sending (To, member timestamps and fingerprints, gossip).
//
// Membership lives in the store's `chat_members` rows, ourselves included under our own
// fingerprint: a member iff add_ts >= remove_ts; removed rows stay as past members and are
// announced in `Chat-Group-Past-Members` for 60 days. Sans-IO like the rest of `chat`: builders
// return mails, the receive hook returns events in Effects.
namespace dcbot::chat {

// §4.2: removed members are listed as past members this long.
inline constexpr std::int64_t kPastMemberKeep = 60 * 24 * 3600;
// §2: a chat's keys are gossiped again after this long.
inline constexpr std::int64_t kGossipPeriod = 2 * 24 * 3600;

// Creates the `chat_group_gossip` table if needed (idempotent, own version key in `config`).
// Errc::Io on SQL errors.
Result<void> ensure_group_schema(store::Db& db);

// Sets hooks.group to handle_group_mail. Call ensure_group_schema() first.
void install_groups(Hooks& hooks);

// The hook: applies the group changes of one signed mail with `Chat-Group-ID` (creating the
// group when it is unknown and the mail may create it, §4.1) and returns the chat id the mail
// continues in as a message, or 0 when it was consumed: a system message (member added or
// removed, rename, avatar) whose effects are events, or an ignored mail (fx.dropped says why).
Result<std::int64_t> handle_group_mail(Account& account, const IncomingMail& mail, Effects& fx);

// Creates a group with the given members (key contacts with stored keys) and ourselves; the
// group id is fresh (core `create_id`, §3.4). No mail is sent: the first message announces the
// group to its members. Errc::InvalidArgument for an unknown member key or an empty name.
Result<std::int64_t> create_group(Account& account, std::string_view name,
                                  const std::vector<std::string>& member_fprs, std::int64_t now);

// The current members of a group by fingerprint, ourselves excluded, ordered by fingerprint.
Result<std::vector<std::string>> group_members(Account& account, std::int64_t chat_id);

// True if we are a current member of the group.
Result<bool> is_group_member(Account& account, std::int64_t chat_id);

// System messages (§4.3). Each updates the local member list and returns the mail to queue.
// Errc::NotFound for an unknown group, Errc::InvalidArgument when we are not a member, the
// contact has no key, or (add) is already a member / (remove) is not one.
//
// Add: `Member <addr> was added.`, To = every member with the new one first, gossip for all.
Result<OutgoingMail> build_add_member(Account& account, std::int64_t chat_id, std::string_view fpr,
                                      std::int64_t now,
                                      std::vector<mime::HeaderField> extra_headers = {});
// Remove: `Member <addr> was removed.`; the removed member still gets this one mail.
Result<OutgoingMail> build_remove_member(Account& account, std::int64_t chat_id,
                                         std::string_view fpr, std::int64_t now);
// Leave: the removal of ourselves; we stop being a member.
Result<OutgoingMail> build_leave(Account& account, std::int64_t chat_id, std::int64_t now);
// Rename: `Chat name changed.` with `Chat-Group-Name-Changed: <old name>`.
Result<OutgoingMail> build_rename(Account& account, std::int64_t chat_id, std::string_view name,
                                  std::int64_t now);

// Avatar (§3.5): `Chat-Content: group-avatar-changed` with `Chat-Group-Avatar: base64:<image>`
// (spaces every 78 characters, so the header folds), or `0` for an empty `image` (removed).
// Errc::InvalidArgument for an image over kMaxGroupAvatarSize.
inline constexpr std::size_t kMaxGroupAvatarSize = std::size_t{1} << 20;
Result<OutgoingMail> build_set_avatar(Account& account, std::int64_t chat_id, ByteView image,
                                      std::int64_t now);

// What Account::build needs to address a group mail: the inner To, the keys to encrypt to, the
// SMTP recipients (relay addresses, first member first) and the group headers.
struct GroupEnvelope {
  std::vector<mime::Mailbox> to;
  std::vector<const pgp::Certificate*> certs;
  std::vector<std::string> recipients;
  std::vector<mime::HeaderField> after_to;  // Past members, member timestamps, fingerprints.
  std::vector<mime::HeaderField> headers;   // Chat-Group-ID, -Name, -Name-Timestamp.
  std::vector<mime::HeaderField> trailing;  // Autocrypt-Gossip.
  std::string subject;                      // The group name.
  // Channel posts (channel.h): encrypt symmetrically with this secret instead of to `certs`.
  std::string password;
};

// Errc::InvalidArgument when we are not a member (except for our own leave mail) or the mail
// would reach nobody (no other member with a key, and no removed member to tell).
Result<GroupEnvelope> group_envelope(Account& account, const store::Chat& chat,
                                     const Account::Draft& draft);

}  // namespace dcbot::chat
