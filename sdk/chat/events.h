// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "base/bytes.h"

// What the chat engine hands back to the runtime: events to dispatch, mails to queue and, for a
// mail that is not shown, the reason it was dropped. Plain values; nothing here touches the store.
namespace dcbot::chat {

// A received file. `filename` is sanitised (no directories, no control characters, no leading
// dot, at most 128 bytes) but the runtime still decides where the bytes are written.
struct Attachment {
  std::string filename;
  std::string mime_type;
  Bytes data;
};

// A new chat message from a key contact.
struct MessageEvent {
  std::int64_t chat_id = 0;
  std::int64_t message_id = 0;  // The `messages` row.
  std::string rfc724_mid;
  std::string sender_fpr;
  std::string sender_addr;
  std::string sender_name;
  bool verified = false;  // The sender contact was verified by SecureJoin.
  bool is_bot = false;    // The sender marks its mail `Auto-Submitted: auto-generated`.
  std::string text;       // Without the `-- ` signature footer.
  std::vector<Attachment> attachments;
  std::int64_t timestamp = 0;  // min(Date, now + 60 s), PROTOCOL.md §3.4.
  std::string in_reply_to;
  // A reply (the body starts with a "> " quote and the mail has In-Reply-To): the quoted text,
  // taken off `text`, and the quoted message when it is known in this chat.
  bool has_quote = false;
  std::string quote_text;
  std::int64_t quote_message_id = 0;  // 0: unknown here.
  std::string quote_sender_fpr;       // Empty for the bot's own messages or when unknown.
  // `Chat-Disposition-Notification-To` equals From: the sender asks for a read receipt
  // (PROTOCOL.md §3.9; chat/mdn.h build_read_receipt).
  bool wants_read_receipt = false;
};

// A reaction (PROTOCOL.md §3.6). An empty emoji retracts the sender's reaction.
struct ReactionEvent {
  std::int64_t chat_id = 0;
  std::string rfc724_mid;  // Of the reaction mail itself.
  std::string target_mid;
  std::int64_t message_id = 0;  // The target's `messages` row; 0 if it is unknown here.
  std::string sender_fpr;
  std::string emoji;
  std::int64_t timestamp = 0;
};

// The sender replaced the text of one of its earlier messages (PROTOCOL.md §3.7).
struct EditEvent {
  std::int64_t chat_id = 0;
  std::int64_t message_id = 0;  // The edited row; 0 if the target is unknown here.
  std::string target_mid;
  std::string sender_fpr;
  std::string text;
  std::int64_t timestamp = 0;
};

// The sender deleted some of its earlier messages for everyone (PROTOCOL.md §3.7).
struct DeleteEvent {
  std::int64_t chat_id = 0;
  std::vector<std::string> target_mids;
  std::vector<std::int64_t> message_ids;  // Rows deleted here (targets known locally).
  std::string sender_fpr;
  std::int64_t timestamp = 0;
};

// A contact became verified (emitted by the SecureJoin hook).
struct ContactVerifiedEvent {
  std::string fingerprint;
  std::string addr;
  std::int64_t chat_id = 0;
};

// Group events (group.h, PROTOCOL.md §4). `actor_fpr` is the member whose mail made the change.

// We became a member of a group: it was created here by a member's first mail, or a member
// (or a SecureJoin inviter) added us.
struct GroupJoinedEvent {
  std::int64_t chat_id = 0;
  std::string grpid;
  std::string name;
  std::string actor_fpr;
  std::vector<std::string> member_fprs;  // Current members, ourselves excluded.
};

// Another contact became a member.
struct MemberAddedEvent {
  std::int64_t chat_id = 0;
  std::string fingerprint;
  std::string addr;
  std::string actor_fpr;
};

// A member was removed; `left` when it removed itself (Chat-Group-Member-Removed naming the
// sender, §4.3).
struct MemberRemovedEvent {
  std::int64_t chat_id = 0;
  std::string fingerprint;
  std::string addr;
  std::string actor_fpr;
  bool left = false;
};

// A member removed us: we no longer receive or send in this group.
struct GroupRemovedEvent {
  std::int64_t chat_id = 0;
  std::string actor_fpr;
};

// The group name changed (last writer wins by Chat-Group-Name-Timestamp, §3.5).
struct GroupRenamedEvent {
  std::int64_t chat_id = 0;
  std::string old_name;
  std::string new_name;
  std::string actor_fpr;
};

// The group avatar changed (`Chat-Content: group-avatar-changed`); an empty image: removed.
struct GroupAvatarEvent {
  std::int64_t chat_id = 0;
  std::string actor_fpr;
  Bytes image;
};

// A webxdc status update from a member of the instance's chat (PROTOCOL.md §6, chat/webxdc.h).
struct WebxdcUpdateEvent {
  std::int64_t chat_id = 0;
  std::int64_t instance_id = 0;  // The instance's `messages` row.
  std::string instance_mid;
  std::string sender_fpr;
  std::string payload;  // JSON text.
  std::string info;     // Optional texts, empty when absent.
  std::string summary;
  std::string document;
  std::string href;
  std::string uid;
  // The `notify` text meant for us (our selfAddr or "*"); empty when not addressed.
  std::string notify_text;
  std::int64_t serial = 0;  // Local serial (never on the wire).
  std::int64_t timestamp = 0;
};

// Broadcast channels (chat/channel.h, PROTOCOL.md §4.4).

// Owner side: a contact subscribed to one of our channels through its invite link
// (`subscribed`), or left it.
struct ChannelSubscriberEvent {
  std::int64_t chat_id = 0;
  std::string fingerprint;
  std::string addr;
  bool subscribed = true;
};

// Subscriber side: the owner's member-added arrived and we receive the channel's posts
// (`joined`), or the owner removed us.
struct ChannelJoinedEvent {
  std::int64_t chat_id = 0;
  std::string channel_id;
  std::string name;
  std::string owner_fpr;
  bool joined = true;
};

using Event =
    std::variant<MessageEvent, ReactionEvent, EditEvent, DeleteEvent, ContactVerifiedEvent,
                 GroupJoinedEvent, MemberAddedEvent, MemberRemovedEvent, GroupRemovedEvent,
                 GroupRenamedEvent, GroupAvatarEvent, WebxdcUpdateEvent, ChannelSubscriberEvent,
                 ChannelJoinedEvent>;

// A finished outgoing mail: what the outbox row and the SMTP transaction need.
struct OutgoingMail {
  std::int64_t chat_id = 0;
  std::int64_t message_id = 0;  // The `messages` row written for it; 0 for hidden mails.
  std::string envelope_from;
  std::vector<std::string> recipients;  // Relay addresses (RCPT TO).
  std::string rfc724_mid;
  Bytes raw;
  // Carries `Chat-Group-Member-Added` or a webxdc app: Account::queue holds the chat's next mails
  // back briefly, so that the relay cannot deliver them first.
  bool holds_chat = false;
};

// The result of processing one incoming mail. Rows are already written through the Db (see
// Account::receive for the transaction rule); the rest is for the runtime to perform.
struct Effects {
  std::string rfc724_mid;  // Empty when the mail could not be parsed.
  std::vector<Event> events;
  std::vector<OutgoingMail> outgoing;  // To queue (e.g. SecureJoin replies).
  // Why the mail is not shown; empty when it was accepted. Stable lower-case strings that
  // tests assert on, e.g. "not encrypted", "duplicate message-id".
  std::string dropped;
  // Non-fatal notes for the log ("keyupdate merged", "gossip ignored: ...").
  std::vector<std::string> notes;

  bool is_dropped() const { return !dropped.empty(); }
};

}  // namespace dcbot::chat
