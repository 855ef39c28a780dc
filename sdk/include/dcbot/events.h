// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dcbot/result.h"

// The events a bot's handlers receive (DESIGN.md "Public API shapes"). Plain values: a handler
// may copy and keep them. Every event is already decrypted and signature-checked; nothing here
// is raw network input any more.
namespace dcbot {

class Bot;
class NextMessage;

// A chat of the bot's account (the store's chat id). Stable for the lifetime of the data dir.
using ChatId = std::int64_t;

// Who sent a message. Contacts are identified by their key's fingerprint; the address is only
// where mail to them is routed.
struct Sender {
  std::string fingerprint{};  // Upper-case hex OpenPGP fingerprint.
  std::string addr{};
  std::string name{};     // The display name the sender chose; may be empty.
  bool verified = false;  // Verified by SecureJoin (scanned invite link, either direction).
  bool is_bot = false;    // The sender marks its mail as automatic (another bot).
  bool is_admin = false;  // One of the bot's admins (Bot::set_admins / set_admin_check).
};

// A received file, already written below the bot's data dir (`files/`).
struct Attachment {
  std::string filename{};  // As the sender named it (sanitised).
  std::string mime_type{};
  std::filesystem::path path{};  // Where the bytes are on disk.
  std::uint64_t size = 0;
};

// What a reply quotes: Delta Chat's "Reply" puts the quoted text on top of the message.
struct Quote {
  std::string text{};           // The quoted text (without the "> " markers).
  std::string rfc724_mid{};     // The quoted message's Message-ID (the mail's In-Reply-To).
  std::int64_t message_id = 0;  // The bot's row of the quoted message; 0 if the bot never saw it.
  // Who wrote the quoted message: its sender's fingerprint; empty for the bot's own messages and
  // for messages the bot never saw.
  std::string sender_fingerprint{};
  bool quotes_bot = false;  // The quoted message is one of the bot's own.
};

// The fields of a received message, without the bot it belongs to.
struct MessageData {
  ChatId chat = 0;
  std::int64_t message_id = 0;  // The bot's own message row.
  std::string rfc724_mid{};     // The Message-ID on the wire.
  Sender sender{};
  std::string text{};
  std::vector<Attachment> attachments{};
  std::int64_t timestamp = 0;    // Unix seconds (the sender's Date, at most slightly ahead).
  std::optional<Quote> quote{};  // Set when the message is a reply; `text` is without the quote.
};

// A new text or file message in a chat. reply() and reply_file() queue the answer in the same
// transaction that marks the received mail handled: a crash never loses or duplicates it.
// The Bot must outlive the event (it always does inside a handler).
class MessageEvent {
 public:
  MessageEvent(Bot& bot, MessageData data) : bot_(&bot), data_(std::move(data)) {}

  [[nodiscard]] const std::string& text() const { return data_.text; }

  [[nodiscard]] ChatId chat() const { return data_.chat; }

  [[nodiscard]] const Sender& sender() const { return data_.sender; }

  [[nodiscard]] const std::vector<Attachment>& attachments() const { return data_.attachments; }

  [[nodiscard]] std::int64_t message_id() const { return data_.message_id; }

  [[nodiscard]] const std::string& rfc724_mid() const { return data_.rfc724_mid; }

  [[nodiscard]] std::int64_t timestamp() const { return data_.timestamp; }

  // What this message replies to (Delta Chat's "Reply"); std::nullopt for a plain message.
  [[nodiscard]] const std::optional<Quote>& quote() const { return data_.quote; }

  [[nodiscard]] const MessageData& data() const { return data_; }

  [[nodiscard]] Bot& bot() const { return *bot_; }

  // Sends `text` to the same chat, quoting this message. Failures are logged as well as returned,
  // so a handler may ignore the result.
  Result<> reply(std::string_view text) const;
  // Sends the file at `path` (with an optional caption) to the same chat, quoting this message.
  Result<> reply_file(const std::filesystem::path& path, std::string_view text = {}) const;
  // Reacts to this message with `emoji` (empty: retracts the bot's reaction). Logged on failure.
  Result<> react(std::string_view emoji) const;

  // In a conversation handler (dcbot/conversation.h): `co_await ev.next_message(timeout)` is
  // the same sender's next message in this chat, or std::nullopt after `timeout`.
  [[nodiscard]] NextMessage next_message(std::chrono::milliseconds timeout) const;

 private:
  Bot* bot_;
  MessageData data_;
};

// A message that starts with a registered command: `/name args` or `/name@botaddr args`.
class CommandEvent : public MessageEvent {
 public:
  CommandEvent(Bot& bot, MessageData data, std::string command, std::string args)
      : MessageEvent(bot, std::move(data)), command_(std::move(command)), args_(std::move(args)) {}

  // The command as registered, with its slash ("/help").
  [[nodiscard]] const std::string& command() const { return command_; }

  // Everything after the command and the whitespace behind it; may be empty.
  [[nodiscard]] const std::string& args() const { return args_; }

 private:
  std::string command_;
  std::string args_;
};

// A contact was verified by SecureJoin: they scanned the bot's invite link, or the bot joined
// theirs. `chat` is the 1:1 chat with them.
struct ContactVerifiedEvent {
  std::string fingerprint{};
  std::string addr{};
  ChatId chat = 0;
};

// A reaction to a message; an empty emoji retracts the sender's earlier reaction.
struct ReactionEvent {
  ChatId chat = 0;
  std::string target_mid{};  // The Message-ID reacted to.
  std::string sender_fingerprint{};
  std::string emoji{};
  std::int64_t timestamp = 0;
};

// The sender edited one of its earlier messages.
struct EditEvent {
  ChatId chat = 0;
  std::int64_t message_id = 0;  // The edited message row; 0 if unknown here.
  std::string target_mid{};
  std::string sender_fingerprint{};
  std::string text{};
  std::int64_t timestamp = 0;
};

// The sender deleted some of its earlier messages for everyone.
struct DeleteEvent {
  ChatId chat = 0;
  std::vector<std::string> target_mids{};
  std::string sender_fingerprint{};
  std::int64_t timestamp = 0;
};

// One of the bot's own mails reached the relay (Delta Chat's "delivered": sent, not read).
struct DeliveredEvent {
  ChatId chat = 0;
  std::string rfc724_mid{};
};

// One of the bot's own mails failed for good (a permanent SMTP error), for some or all of its
// recipients. It is not retried.
struct DeliveryFailedEvent {
  ChatId chat = 0;
  std::string rfc724_mid{};
  std::vector<std::string> recipients{};  // The addresses that failed.
  std::string error{};                    // The relay's answer.
};

// ---- Groups and webxdc (issue #7; docs/groups-webxdc.md) ----------------------------------
// Group events come from the members' system messages (PROTOCOL.md §4.3). Every member of a
// Delta Chat group has equal rights: `actor_fingerprint` is whoever made the change.

// The bot became a member of a group: a member's first message created it here, a member added
// the bot, or the bot joined by a group invite link (the inviter then is the actor).
struct GroupJoinedEvent {
  ChatId chat = 0;
  std::string name{};
  std::string actor_fingerprint{};
  std::vector<std::string> member_fingerprints{};  // The other current members.
};

// Another contact became a member of one of the bot's groups.
struct MemberAddedEvent {
  ChatId chat = 0;
  std::string fingerprint{};
  std::string addr{};
  std::string actor_fingerprint{};
};

// A member was removed, or left (`left`: the member removed itself, actor == fingerprint).
struct MemberRemovedEvent {
  ChatId chat = 0;
  std::string fingerprint{};
  std::string addr{};
  std::string actor_fingerprint{};
  bool left = false;
};

// A member removed the bot: it no longer receives or sends in the group (sending fails with
// Errc::InvalidArgument).
struct GroupRemovedEvent {
  ChatId chat = 0;
  std::string actor_fingerprint{};
};

// The group name changed.
struct GroupRenamedEvent {
  ChatId chat = 0;
  std::string old_name{};
  std::string new_name{};
  std::string actor_fingerprint{};
};

// The group avatar changed. The image is written below the data dir (`files/`); an empty path:
// the avatar was removed.
struct GroupAvatarEvent {
  ChatId chat = 0;
  std::string actor_fingerprint{};
  std::filesystem::path image{};
};

// A webxdc status update from a member of the instance's chat (PROTOCOL.md §6). Updates are
// deduplicated: each one is delivered once.
struct WebxdcUpdateEvent {
  ChatId chat = 0;
  std::int64_t instance = 0;   // The instance message (what send_webxdc returned).
  std::string instance_mid{};  // Its Message-ID.
  Sender sender{};
  std::string payload{};  // JSON text (any JSON value).
  std::string info{};     // The optional fields; empty when absent.
  std::string summary{};
  std::string document{};
  std::string href{};
  // The `notify` text addressed to the bot (its selfAddr, or "*"); empty when not addressed.
  std::string notify_text{};
  std::int64_t serial = 0;  // Local serial of the update (never on the wire).
  std::int64_t timestamp = 0;
};

// A message the bot sent (Bot::send): what react, edit_message and delete_message name.
struct SentMessage {
  ChatId chat = 0;
  std::int64_t message_id = 0;  // The bot's own message row.
  std::string rfc724_mid{};
};

// One member of a group, as Bot::group_members lists them.
struct GroupMember {
  std::string fingerprint{};
  std::string addr{};
  std::string name{};
  bool verified = false;
};

// ---- Broadcast channels (Bot::create_channel) ----

// Someone subscribed to one of the bot's channels through its invite link (`subscribed`), or
// left it.
struct ChannelSubscriberEvent {
  ChatId chat = 0;  // The channel.
  std::string fingerprint{};
  std::string addr{};
  bool subscribed = true;
};

// ---- end of broadcast channels ----

}  // namespace dcbot
