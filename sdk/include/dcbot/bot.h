// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <coroutine>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dcbot/conversation.h"
#include "dcbot/events.h"
#include "dcbot/result.h"
#include "dcbot/storage.h"

// The public face of one bot account (DESIGN.md "Public API shapes"):
//
//   int main(int argc, char** argv) {
//     return dcbot::run(argc, argv, [](dcbot::Bot& bot) {
//       bot.on_message([](dcbot::MessageEvent ev) { ev.reply(ev.text()); });
//       bot.on_command("/help", "what I do", [](dcbot::CommandEvent ev) { ev.reply("I echo."); });
//     });
//   }
//
// Handlers run synchronously on the bot's io thread, inside the transaction that processes the
// received mail: what they send commits together with the mail's "handled" mark. They must not
// block. An exception thrown by a handler is caught and logged; the bot keeps running.
namespace dcbot {

using MessageHandler = std::function<void(MessageEvent)>;
using CommandHandler = std::function<void(CommandEvent)>;
using ContactVerifiedHandler = std::function<void(ContactVerifiedEvent)>;
using ReactionHandler = std::function<void(ReactionEvent)>;
using EditHandler = std::function<void(EditEvent)>;
using DeleteHandler = std::function<void(DeleteEvent)>;
using TimerHandler = std::function<void()>;
using DeliveredHandler = std::function<void(DeliveredEvent)>;
using DeliveryFailedHandler = std::function<void(DeliveryFailedEvent)>;
// on_start / on_stop.
using LifecycleHandler = std::function<void()>;
// Names a timer for cancel_timer(); never 0.
using TimerId = std::uint64_t;
// Groups and webxdc (issue #7).
using GroupJoinedHandler = std::function<void(GroupJoinedEvent)>;
using MemberAddedHandler = std::function<void(MemberAddedEvent)>;
using MemberRemovedHandler = std::function<void(MemberRemovedEvent)>;
using GroupRemovedHandler = std::function<void(GroupRemovedEvent)>;
using GroupRenamedHandler = std::function<void(GroupRenamedEvent)>;
using GroupAvatarHandler = std::function<void(GroupAvatarEvent)>;
using WebxdcUpdateHandler = std::function<void(WebxdcUpdateEvent)>;
using ChannelSubscriberHandler = std::function<void(ChannelSubscriberEvent)>;  // Channels.

// A registered command, as /help lists it.
struct CommandInfo {
  std::string name{};  // With the slash: "/roll".
  std::string description{};
  bool admin_only = false;
};

struct CommandOptions {
  // Only the bot's admins (set_admins) may use it; /help shows it only to them. Others get a
  // short refusal (at most one a minute per sender) and the handler does not run.
  bool admin_only = false;
};

// One bot account: its store, keys, chat engine and handlers. Created by dcbot::run (or the
// runtime); lives on one io thread, and every method must be called from it (handlers are).
class Bot {
 public:
  struct Impl;

  explicit Bot(std::unique_ptr<Impl> impl);
  Bot(const Bot&) = delete;
  Bot& operator=(const Bot&) = delete;
  ~Bot();

  // Every message that is not a command of this bot. Several handlers run in registration order.
  // Messages from other bots are not delivered (loop protection) unless set_ignore_bots(false).
  void on_message(MessageHandler handler);
  // `/name args` and `/name@<own addr> args` (commands for other bots are ignored). `name` may be
  // given with or without the slash. A `/help` that is not registered explicitly lists every
  // command with its description.
  void on_command(std::string name, std::string description, CommandHandler handler);
  void on_command(std::string name, std::string description, CommandHandler handler,
                  CommandOptions options);
  void on_contact_verified(ContactVerifiedHandler handler);
  void on_reaction(ReactionHandler handler);
  void on_edit(EditHandler handler);
  void on_delete(DeleteHandler handler);
  // The bot's own mails: handed to the relay, or failed for good. Outside any transaction.
  void on_delivered(DeliveredHandler handler);
  void on_delivery_failed(DeliveryFailedHandler handler);
  // When the bot starts running (before it goes online) and when it stops (after its loops
  // ended; the store is still open, the network is not).
  void on_start(LifecycleHandler handler);
  void on_stop(LifecycleHandler handler);

  // The bot's admins, by key fingerprint (hex, any case, spaces ignored; the YAML's `admins:`).
  // A sender is an admin only when verified (SecureJoin) with one of these keys, never by
  // address alone.
  void set_admins(std::vector<std::string> fingerprints);
  // Replaces the rule above (e.g. "members of the admin group").
  void set_admin_check(std::function<bool(const Sender&)> check);
  [[nodiscard]] bool is_admin(const Sender& sender) const;
  // The fingerprints of set_admins (upper-case hex).
  [[nodiscard]] const std::vector<std::string>& admins() const;

  // The bot's admin group (`dcbot admin CONFIG`, docs/moderation.md): its members whom the bot
  // verified (they joined by the group's invite link, or by the bot's own link) are admins, as
  // well as those of set_admins. Without a set_admin_check both rules apply. Created on the first
  // call and named `name` (default "<bot name> admins"); later calls return the same group, or
  // a new one if the bot was removed from it.
  Result<ChatId> create_admin_group(std::string_view name = {});
  // The admin group, or std::nullopt when none was created or the bot is no member any more.
  [[nodiscard]] std::optional<ChatId> admin_group() const;
  // The 1:1 chat with a contact the bot knows (by key fingerprint), created if needed.
  // Errc::NotFound for a key the bot has never seen (e.g. an admin who never wrote to it).
  Result<ChatId> chat_with(std::string_view fingerprint);

  // Default true: messages whose sender marks them as automatic are dropped before handlers.
  void set_ignore_bots(bool ignore);

  // The registered commands, /help included when it is automatic.
  [[nodiscard]] std::vector<CommandInfo> commands() const;

  // Sends a text to a chat. Errc::NotFound for an unknown chat, Errc::Io for store failures.
  Result<> send_text(ChatId chat, std::string_view text);
  // Sends a file (read now) with an optional caption. Errc::Io if it cannot be read.
  Result<> send_file(ChatId chat, const std::filesystem::path& path, std::string_view text = {});

  // The bot's 1:1 invite link (https://i.delta.chat/#...&v=3...). The same link is returned each
  // time; it keeps verifying whoever scans it. `legacy` omits v=3 (the older handshake).
  Result<std::string> invite_link(bool legacy = false);
  // Starts joining someone's 1:1, group or channel invite link; the handshake completes as their
  // replies arrive. Errc::Parse for a bad link, Errc::InvalidArgument for the bot's own link.
  // Returns the 1:1 chat with the inviter; for a group link the bot enters the group when the
  // inviter's member-added message arrives. For a channel link it returns the channel's chat:
  // once the owner's member-added arrives, its posts reach on_message with that chat id (the
  // channel is read-only: sending to it fails with Errc::Unsupported).
  Result<ChatId> join(std::string_view link);

  // --- Storage and timers -------------------------------------------------------------------
  // The key-value storage of `plugin` in the bot's database (dcbot/storage.h).
  Storage storage(std::string_view plugin);

  // Runs `handler` once `interval` has passed, then again every `interval`, until cancelled or
  // the bot stops. Timers run on the bot's io thread outside any mail's transaction: what they
  // send is queued and committed at once. An exception from the handler is logged; the timer
  // keeps running. `interval` below one millisecond counts as one millisecond.
  TimerId every(std::chrono::milliseconds interval, TimerHandler handler);
  // Runs `handler` once after `delay` (unless cancelled or the bot stops first).
  TimerId after(std::chrono::milliseconds delay, TimerHandler handler);
  // A no-op for unknown or finished timers.
  void cancel_timer(TimerId id);

  // Stops the bot: cancels every timer, and the runtime's loops end (run() returns). Idempotent.
  void stop();

  // ---- Groups, webxdc, reactions, edits and deletes (issue #7; docs/groups-webxdc.md) ----
  // Actions work inside a handler (they commit with the received mail, like reply()) and outside
  // one (each in its own transaction). Contacts are named by fingerprint (40 hex digits) or by
  // address; they must be key contacts: verified ones, or members learned from a group.

  void on_group_joined(GroupJoinedHandler handler);
  void on_member_added(MemberAddedHandler handler);
  // Also fires when a member leaves (MemberRemovedEvent::left).
  void on_member_removed(MemberRemovedHandler handler);
  void on_group_removed(GroupRemovedHandler handler);
  void on_group_renamed(GroupRenamedHandler handler);
  void on_group_avatar(GroupAvatarHandler handler);
  void on_webxdc_update(WebxdcUpdateHandler handler);

  // Creates a group of the bot and `members`. No mail is sent yet: members see the group with
  // the first message sent to it. Errc::InvalidArgument for an empty name or a contact without a
  // key, Errc::NotFound for an unknown contact.
  Result<ChatId> create_group(std::string_view name, const std::vector<std::string>& members);
  // Member changes, rename and avatar send the system message every member's client applies
  // (with Autocrypt-Gossip of every member's key on add). Errc::NotFound for an unknown group
  // or contact, Errc::InvalidArgument when the bot is no member (any more), the contact is
  // already a member (add) or is none (remove).
  Result<> add_member(ChatId group, std::string_view contact);
  Result<> remove_member(ChatId group, std::string_view contact);
  Result<> rename_group(ChatId group, std::string_view name);
  // A PNG or JPEG of at most 1 MiB (send it small: it travels in a header); an empty path
  // removes the avatar. Errc::Io if the file cannot be read, Errc::InvalidArgument if too big.
  Result<> set_group_avatar(ChatId group, const std::filesystem::path& image);
  // The bot removes itself; it no longer receives or sends in the group.
  Result<> leave_group(ChatId group);
  // The group's invite link (`x=`, `g=`): whoever scans it joins by SecureJoin and is added by
  // the bot. Stable like invite_link(); `legacy` omits v=3.
  Result<std::string> group_invite_link(ChatId group, bool legacy = false);
  // The current members, the bot excluded, ordered by fingerprint. Errc::NotFound for an
  // unknown group.
  Result<std::vector<GroupMember>> group_members(ChatId group);
  // The group's current name. Errc::NotFound for an unknown group.
  Result<std::string> group_name(ChatId group);

  // Sends a text (and a file if `file` is not empty) and returns what edit_message and
  // delete_message need.
  Result<SentMessage> send(ChatId chat, std::string_view text,
                           const std::filesystem::path& file = {});
  // Reacts to message `target_mid` in `chat`; an empty emoji retracts the bot's reaction.
  Result<> react(ChatId chat, std::string_view target_mid, std::string_view emoji);
  // Replaces the text of, or deletes for everyone, one of the bot's own messages.
  // Errc::NotFound if `own_mid` is no message the bot sent in `chat`.
  Result<> edit_message(ChatId chat, std::string_view own_mid, std::string_view new_text);
  Result<> delete_message(ChatId chat, std::string_view own_mid);

  // Sends a webxdc app: an `.xdc` file, or a folder the bot zips (index.html at its top). The
  // archive is checked (zip-bomb limits, index.html) before anything is sent. Returns the
  // instance message. Errc::Io if unreadable, Errc::InvalidArgument for a broken app.
  Result<SentMessage> send_webxdc(ChatId chat, const std::filesystem::path& app,
                                  std::string_view text = {});
  // Queues a status update for an instance (the bot's own or a received one: message_id of a
  // MessageEvent with an .xdc attachment, or WebxdcUpdateEvent::instance). `payload_json` is any
  // JSON value; the texts are optional. Updates queued while handlers run go out as one batched
  // mail after them (PROTOCOL.md §6); outside a handler, as soon as the io thread is free.
  // Errc::NotFound for an unknown instance, Errc::InvalidArgument for a payload that is not JSON.
  Result<> send_webxdc_update(std::int64_t instance, std::string_view payload_json,
                              std::string_view info = {}, std::string_view summary = {},
                              std::string_view document = {});
  // ---- end of groups and webxdc ----

  // ---- Broadcast channels (PROTOCOL.md §4.4, docs/getting-started.md) ----
  // The bot owns a channel; people subscribe by scanning its invite link and read its posts in
  // a read-only channel chat. Post with send_text()/send_file() to the channel's ChatId: posts
  // are encrypted with the channel's secret and go to every current subscriber (Errc::
  // InvalidArgument while there is none).

  // Creates a channel named `name` (line breaks become spaces). Errc::InvalidArgument for an
  // empty name.
  Result<ChatId> create_channel(std::string_view name);
  // The channel's invite link (https://i.delta.chat/#...&x=..&j=..&b=..). The same link is
  // returned each time. Errc::NotFound if `channel` is not a channel the bot owns.
  Result<std::string> channel_invite_link(ChatId channel, bool legacy = false);
  // The subscribers' fingerprints (upper-case hex), ordered. Errc::NotFound as above.
  Result<std::vector<std::string>> channel_subscribers(ChatId channel);
  // Removes a subscriber (it is told, and gets no further posts). Errc::InvalidArgument if
  // `fingerprint` is no subscriber.
  Result<> remove_channel_subscriber(ChatId channel, std::string_view fingerprint);
  // Someone subscribed through the link, or left.
  void on_channel_subscriber(ChannelSubscriberHandler handler);
  // ---- end of broadcast channels ----

  [[nodiscard]] const std::string& addr() const;
  // The bot's own key fingerprint (upper-case hex).
  [[nodiscard]] std::string fingerprint() const;
  [[nodiscard]] const std::filesystem::path& data_dir() const;

  // For NextMessage (dcbot/conversation.h): parks `handle` until the next message of `sender`
  // (fingerprint) in `chat`, which is put into `*slot`, or until `timeout`. False (do not
  // suspend) once the bot is stopping.
  bool await_message(ChatId chat, std::string sender, std::chrono::milliseconds timeout,
                     std::coroutine_handle<> handle, std::optional<MessageEvent>* slot);

  // The implementation (runtime internals); opaque to bot authors.
  [[nodiscard]] Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

// The setup callback of dcbot::run: registers handlers on the bot before it starts.
using SetupFunction = std::function<void(Bot&)>;

// The `dcbot` command line: `run CONFIG` (or `--config CONFIG`), `invite CONFIG`,
// `join CONFIG LINK`, `check CONFIG` (docs/getting-started.md). `setup` is called on every bot
// before it runs. Returns the process exit code: 0 success, 1 runtime failure, 2 usage or config
// errors.
int run(int argc, char** argv, SetupFunction setup);

}  // namespace dcbot
