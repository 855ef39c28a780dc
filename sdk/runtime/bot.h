// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "chat/account.h"
#include "chat/events.h"
#include "dcbot/bot.h"
#include "dcbot/result.h"
#include "runtime/engine.h"
#include "runtime/flood_control.h"
#include "store/mailbox.h"

// The per-account bot runtime behind the public dcbot::Bot: the store (<data_dir>/dcbot.db), the
// chat engine with the SecureJoin hooks, the Engine (fetch, process, send loops) and the handler
// tables. The Processor runs chat::Account::receive, writes received files, queues the engine's
// replies and dispatches the events to the handlers, all inside the Engine's per-mail
// transaction (DESIGN.md "Data flow" step 3). Lives on the Engine's io thread.
namespace dcbot::runtime {

// How to open one bot (the cli maps a config::BotConfig onto this).
struct BotOptions {
  TransportConfig transport{};
  // Holds dcbot.db and files/ (received attachments); created if missing.
  std::filesystem::path data_dir{};
  std::string display_name{};
  std::string status{};
  FetcherOptions fetcher{};
  SenderOptions sender{};
  // Seconds the invite link's AUTH keeps verifying; 0: forever (the bot publishes one fixed link).
  std::int64_t verification_timeout = 0;
  // The avatar image file (`profile.avatar`), sent as Chat-User-Avatar; empty: none.
  std::filesystem::path avatar{};
  // Send read receipts (MDNs) for the messages handed to handlers that ask for one.
  bool read_receipts = false;
  // Inbound flood control: messages per minute handed to handlers from one sender; 0 = off.
  int user_messages_per_minute = 0;
  // The clock of the flood control; steady_clock::now when empty (tests pass a fake one).
  std::function<std::chrono::steady_clock::time_point()> steady_now{};
};

// The largest avatar file open_bot accepts: the core recodes its own avatar to at most 512 px and
// 60000 bytes (BALANCED_AVATAR_BYTES) before sending it in a header; we send the file as it is.
inline constexpr std::uintmax_t kMaxAvatarBytes = 60000;

// Opens the store, the account (creating its key on first use) and the Engine, without
// connecting anywhere: run bot->impl().engine->run() to go online. The Engine's processor points
// into the Bot: destroy the Bot only after that run() has returned (or never started). Errc::Io for
// an unusable data dir, store or avatar file (Errc::InvalidArgument: larger than kMaxAvatarBytes),
// Errc::InvalidArgument for a transport without address or hosts.
Result<std::unique_ptr<Bot>> open_bot(const boost::asio::any_io_executor& executor,
                                      BotOptions options);

// The current time in Unix seconds (the runtime is where the clock lives; chat takes `now`).
std::int64_t unix_now();

// Turns a received file name into a safe, unused name in `dir` (no directories, no control
// characters, no leading dot; "name-1.ext", "name-2.ext" ... when taken).
std::filesystem::path unique_file_path(const std::filesystem::path& dir, std::string_view filename);

}  // namespace dcbot::runtime

namespace dcbot {

namespace runtime {

// Who registered a handler, timer or conversation. Id 0 is the program itself; a plugin host takes
// a fresh id per plugin (Bot::Impl::new_owner_id) so that it can detach exactly that plugin's
// handlers. `pin` keeps whatever the handler's code lives in (a plugin's shared object) loaded
// until the handler itself is destroyed.
struct HandlerOwner {
  std::uint64_t id = 0;
  std::shared_ptr<const void> pin{};
};

// One registered handler with its owner. `pin` is declared first so that it is released after
// `value` (whose destructor may be code in the pinned shared object).
template <class T>
struct Owned {
  std::shared_ptr<const void> pin{};
  std::uint64_t owner = 0;
  bool removed = false;
  T value{};
};

// The handlers of one kind, in registration order. Entries have stable addresses and are only
// marked while handlers run (a handler may unload its own plugin, or register more handlers);
// Bot::Impl erases marked entries once no dispatch is running.
template <class T>
class HandlerList {
 public:
  void push_back(T value, const HandlerOwner& owner) {
    items_.push_back(
        std::make_unique<Owned<T>>(Owned<T>{owner.pin, owner.id, false, std::move(value)}));
  }

  [[nodiscard]] std::size_t size() const { return items_.size(); }

  [[nodiscard]] bool empty() const { return items_.empty(); }

  [[nodiscard]] Owned<T>& operator[](std::size_t i) { return *items_[i]; }

  [[nodiscard]] const Owned<T>& operator[](std::size_t i) const { return *items_[i]; }

  // Replaces entry `i` in place (same position); the old entry is destroyed by compact().
  void replace(std::size_t i, T value, const HandlerOwner& owner) {
    auto fresh = std::make_unique<Owned<T>>(Owned<T>{owner.pin, owner.id, false, std::move(value)});
    items_[i]->removed = true;
    retired_.push_back(std::exchange(items_[i], std::move(fresh)));
  }

  // Marks every entry of `owner`; returns how many.
  std::size_t mark_removed(std::uint64_t owner) {
    std::size_t n = 0;
    for (auto& item : items_) {
      if (item->owner == owner && !item->removed) {
        item->removed = true;
        ++n;
      }
    }
    return n;
  }

  // Destroys the marked entries (their handlers first, then their pins).
  void compact() {
    std::erase_if(items_, [](const auto& item) { return item->removed; });
    retired_.clear();
  }

 private:
  std::vector<std::unique_ptr<Owned<T>>> items_;
  std::vector<std::unique_ptr<Owned<T>>> retired_;
};

// An object that lives as long as a bot (a plugin host), found by its key.
struct Extension {
  std::string key{};
  std::shared_ptr<void> object{};
};

}  // namespace runtime

struct Bot::Impl {
  struct Command {
    CommandInfo info;
    CommandHandler handler;
  };

  runtime::BotOptions options{};
  Bot* owner = nullptr;
  std::optional<runtime::Engine> engine{};
  std::optional<chat::Account> account{};
  runtime::HandlerList<MessageHandler> message_handlers{};
  runtime::HandlerList<Command> commands{};
  runtime::HandlerList<ContactVerifiedHandler> verified_handlers{};
  runtime::HandlerList<ReactionHandler> reaction_handlers{};
  runtime::HandlerList<EditHandler> edit_handlers{};
  runtime::HandlerList<DeleteHandler> delete_handlers{};
  runtime::HandlerList<DeliveredHandler> delivered_handlers{};
  runtime::HandlerList<DeliveryFailedHandler> failed_handlers{};
  runtime::HandlerList<LifecycleHandler> start_handlers{};
  runtime::HandlerList<LifecycleHandler> stop_handlers{};
  // Groups and webxdc (issue #7).
  runtime::HandlerList<GroupJoinedHandler> group_joined_handlers{};
  runtime::HandlerList<MemberAddedHandler> member_added_handlers{};
  runtime::HandlerList<MemberRemovedHandler> member_removed_handlers{};
  runtime::HandlerList<GroupRemovedHandler> group_removed_handlers{};
  runtime::HandlerList<GroupRenamedHandler> group_renamed_handlers{};
  runtime::HandlerList<GroupAvatarHandler> group_avatar_handlers{};
  runtime::HandlerList<WebxdcUpdateHandler> webxdc_handlers{};
  // webxdc flushing (PROTOCOL.md §6): the updates queued by one handler run, or by one io turn
  // outside handlers, share a mail, and mails are at least kWebxdcFlushInterval apart (the
  // core's sendUpdateInterval); a flush that comes too early is deferred to a timer on
  // `executor`. Pending updates are rows in the store, so a deferred flush survives a restart
  // (open_bot schedules one).
  static constexpr std::chrono::milliseconds kWebxdcFlushInterval{1000};
  std::unique_ptr<boost::asio::steady_timer> flush_timer{};
  bool flush_posted = false;
  bool updates_queued = false;  // Own updates may be pending.
  std::chrono::steady_clock::time_point last_flush{};
  // Expires with the Impl; posted tasks hold a weak_ptr to it.
  std::shared_ptr<int> alive = std::make_shared<int>(0);
  runtime::HandlerList<ChannelSubscriberHandler> channel_subscriber_handlers{};
  bool ignore_bots = true;
  std::vector<std::string> admins{};
  std::function<bool(const Sender&)> admin_check{};
  // True if `fingerprint` is a current member of the admin group.
  bool in_admin_group(const std::string& fingerprint);
  // When each non-admin last got an admin-only refusal (sender fingerprint -> unix seconds).
  std::map<std::string, std::int64_t> refused_at{};
  boost::asio::any_io_executor executor{};
  // Running timers (Bot::every / Bot::after) by id, and who set them.
  std::map<TimerId, std::shared_ptr<boost::asio::steady_timer>> timers{};
  std::map<TimerId, std::uint64_t> timer_owners{};
  TimerId next_timer = 1;
  bool stopped = false;

  // Conversations waiting for a sender's next message, by (chat, sender fingerprint). A waiting
  // conversation pins its owner's code (the coroutine frame belongs to it).
  struct Waiter {
    std::coroutine_handle<> handle;
    std::optional<MessageEvent>* slot = nullptr;
    TimerId timer = 0;
    runtime::HandlerOwner owner{};
  };

  std::map<std::pair<ChatId, std::string>, Waiter> waiters{};

  // Resumes the waiter of `key` (if any) with `message` (nullopt: timeout or stop).
  void resume_waiter(const std::pair<ChatId, std::string>& key,
                     std::optional<MessageEvent> message);

  // Bot::every (repeat) and Bot::after: a new timer owned by the current owner, armed with
  // `interval` (at least 1 ms) unless the bot has stopped. Returns its id either way.
  TimerId start_timer(std::chrono::milliseconds interval, bool repeat, TimerHandler handler);

  // Starts (or restarts, for `every`) the wait of timer `id`.
  void arm_timer(TimerId id, std::chrono::milliseconds interval, bool repeat,
                 std::shared_ptr<runtime::Owned<TimerHandler>> handler);

  // Runs the bot: the start handlers, the Engine until Bot::stop() (or Engine::stop()), then the
  // stop handlers. What `dcbot run` runs; call once.
  Task<void> run();
  runtime::FloodControl flood{};

  // The owner of handlers registered now: the program (id 0), or the plugin whose code runs
  // (its start(), one of its handlers, timers or conversations). See OwnerScope.
  runtime::HandlerOwner current_owner{};
  // Objects that live as long as the bot; ~Bot destroys them newest first, before the handlers.
  std::vector<runtime::Extension> extensions{};
  // remove_handlers() is ending this owner's conversations: they may not wait again.
  std::uint64_t draining_owner = 0;

  // A fresh owner id for a plugin.
  std::uint64_t new_owner_id() { return next_owner_id_++; }

  // Detaches everything of `owner_id`: its waiting conversations are resumed with std::nullopt
  // (as by Bot::stop) and run to their end, its timers are cancelled, and its handlers and
  // commands are never called again. A handler that is running right now (it may be the one
  // unloading its own plugin) finishes first: the entries, and with them their pins, are destroyed
  // once the current dispatch has returned. Returns how many handlers were detached.
  std::size_t remove_handlers(std::uint64_t owner_id);
  // Erases detached entries when no dispatch is running.
  void compact_handlers();

  // Makes `owner` the current owner for the scope's lifetime (restores the previous one).
  class OwnerScope {
   public:
    OwnerScope(Impl& impl, runtime::HandlerOwner owner)
        : impl_(impl), saved_(std::exchange(impl.current_owner, std::move(owner))) {}

    OwnerScope(const OwnerScope&) = delete;
    OwnerScope& operator=(const OwnerScope&) = delete;

    ~OwnerScope() { impl_.current_owner = std::move(saved_); }

   private:
    Impl& impl_;
    runtime::HandlerOwner saved_;
  };

  // Counts a running dispatch: detached entries are erased when the outermost one ends.
  class DispatchScope {
   public:
    explicit DispatchScope(Impl& impl) : impl_(impl) { ++impl_.dispatch_depth_; }

    DispatchScope(const DispatchScope&) = delete;
    DispatchScope& operator=(const DispatchScope&) = delete;

    ~DispatchScope() {
      --impl_.dispatch_depth_;
      impl_.compact_handlers();
    }

   private:
    Impl& impl_;
  };

  // Calls every live handler of `list` with copies of `args`, each as its owner.
  template <class T, class... Args>
  void call_all(std::string_view kind, runtime::HandlerList<T>& list, const Args&... args);

  // The Processor (see runtime::Processor): runs in the Engine's transaction.
  Result<> process(const store::InboxItem& item);
  // Dispatches one engine event to the handlers. Errors are store or disk failures.
  Result<> dispatch(chat::Event event);
  // Builds and queues a text (+ files) in the open transaction, or in its own one. A reply names
  // the message it answers (`reply_to`) and shows `quote` (its text) on top.
  Result<SentMessage> send(ChatId chat, std::string_view text,
                           std::vector<chat::Attachment> attachments, std::string reply_to,
                           std::string quote = {});
  // Runs `build` in the open transaction (a handler's) or in its own one, queues the mails it
  // returns and wakes the sender.
  using Builder = std::function<Result<std::vector<chat::OutgoingMail>>(std::int64_t now)>;
  Result<std::vector<chat::OutgoingMail>> with_txn(const Builder& build);
  // A contact named by fingerprint (any case) or address: its fingerprint. Errc::NotFound if
  // there is no such contact.
  Result<std::string> resolve_contact(std::string_view contact);
  // The contact as a Sender (fingerprint only when unknown), with is_admin.
  Result<Sender> sender_of(const std::string& fingerprint);
  // The same without is_admin (left false): the admin check may query the admin group's members.
  Result<Sender> contact_of(const std::string& fingerprint);
  // Builds and queues the mails of every pending webxdc update (in the open transaction), or
  // defers them with schedule_flush() when the last flush was less than the interval ago.
  Result<> flush_webxdc(std::int64_t now);
  // Arms one flush (in its own transaction) on the io thread, unless one is armed: now, or one
  // interval after the last flush.
  void schedule_flush();
  // Reads a file to send; Errc::Io if it cannot be read.
  static Result<chat::Attachment> read_attachment(const std::filesystem::path& path);

 private:
  Result<> dispatch_message(chat::MessageEvent ev);
  Result<> dispatch_group_or_webxdc(chat::Event event);
  Result<std::vector<Attachment>> save_attachments(const std::vector<chat::Attachment>& files);
  void reply_help(const MessageEvent& ev) const;
  void refuse_admin_command(const MessageEvent& ev, const std::string& command);

  std::uint64_t next_owner_id_ = 1;
  int dispatch_depth_ = 0;
};

}  // namespace dcbot
