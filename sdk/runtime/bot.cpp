// SPDX-License-Identifier: MIT
#include "runtime/bot.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <ctime>
#include <exception>
#include <fstream>
#include <iterator>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

#include <boost/asio/post.hpp>

#include "base/fingerprint.h"
#include "chat/channel.h"
#include "chat/group.h"
#include "chat/invite.h"
#include "chat/mdn.h"
#include "chat/securejoin.h"
#include "chat/webxdc.h"
#include "chat/xdc_archive.h"
#include "dcbot/log.h"
#include "store/chats.h"
#include "store/contacts.h"
#include "store/db.h"

#include <fmt/format.h>

namespace dcbot {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kHelp = "/help";

// STYLE.md §1.5: every handler call is a catch-all boundary; a throwing handler is logged and
// the mail still counts as handled (replaying it would only throw again).
template <class Handler, class Event>
void call_guarded(std::string_view kind, const Handler& handler, Event event) {
  try {
    handler(std::move(event));
  } catch (const std::exception& e) {
    log::error("bot: {} handler threw: {}", kind, e.what());
  } catch (...) {
    log::error("bot: {} handler threw a non-exception", kind);
  }
}

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x))
           == std::tolower(static_cast<unsigned char>(y));
  });
}

std::string normalize_command(std::string name) {
  if (name.empty() || name.front() != '/') {
    name.insert(name.begin(), '/');
  }
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return name;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// A parsed `/name[@addr] args`.
struct ParsedCommand {
  std::string name;  // Lower case, with the slash.
  std::string target;
  std::string args;
};

std::optional<ParsedCommand> parse_command(std::string_view text) {
  if (text.size() < 2 || text.front() != '/' || is_space(text[1]) || text[1] == '/') {
    return std::nullopt;
  }
  auto end = std::find_if(text.begin(), text.end(), is_space);
  std::string_view token(text.data(), static_cast<std::size_t>(end - text.begin()));
  std::string_view rest = text.substr(token.size());
  while (!rest.empty() && is_space(rest.front())) {
    rest.remove_prefix(1);
  }
  ParsedCommand out;
  if (auto at = token.find('@'); at != std::string_view::npos) {
    out.target = std::string(token.substr(at + 1));
    token = token.substr(0, at);
  }
  out.name = normalize_command(std::string(token));
  out.args = std::string(rest);
  return out;
}

std::string_view mime_type_for(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 14> kTypes = {
      {{".png", "image/png"},
       {".jpg", "image/jpeg"},
       {".jpeg", "image/jpeg"},
       {".gif", "image/gif"},
       {".webp", "image/webp"},
       {".txt", "text/plain"},
       {".pdf", "application/pdf"},
       {".mp3", "audio/mpeg"},
       {".ogg", "audio/ogg"},
       {".mp4", "video/mp4"},
       {".zip", "application/zip"},
       {".html", "text/html"},
       {".xdc", "application/webxdc+zip"},
       {".json", "application/json"}}};
  for (const auto& [e, type] : kTypes) {
    if (ext == e) {
      return type;
    }
  }
  return "application/octet-stream";
}

// A name for a received group avatar, by the image's magic bytes.
std::string image_file_name(const Bytes& image) {
  if (image.size() >= 4 && image[0] == 0x89 && image[1] == 'P' && image[2] == 'N'
      && image[3] == 'G') {
    return "group-avatar.png";
  }
  if (image.size() >= 2 && image[0] == 0xff && image[1] == 0xd8) {
    return "group-avatar.jpg";
  }
  return "group-avatar.bin";
}

}  // namespace

namespace runtime {

std::int64_t unix_now() {
  return static_cast<std::int64_t>(std::time(nullptr));
}

fs::path unique_file_path(const fs::path& dir, std::string_view filename) {
  std::string clean;
  for (char c : filename) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f || c == '/' || c == '\\' || c == ':') {
      clean.push_back('_');
    } else {
      clean.push_back(c);
    }
  }
  while (!clean.empty() && (clean.front() == '.' || clean.front() == ' ')) {
    clean.erase(clean.begin());
  }
  if (clean.size() > 128) {
    clean.resize(128);
  }
  if (clean.empty()) {
    clean = "file";
  }
  fs::path candidate = dir / fs::path(clean);
  std::error_code ec;
  if (!fs::exists(candidate, ec)) {
    return candidate;
  }
  fs::path name = fs::path(clean);
  std::string stem = name.stem().string();
  std::string ext = name.extension().string();
  for (int n = 1;; ++n) {
    candidate = dir / fs::path(fmt::format("{}-{}{}", stem, n, ext));
    if (!fs::exists(candidate, ec)) {
      return candidate;
    }
  }
}

namespace {

Result<Bytes> read_avatar(const fs::path& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) {
    return make_error(Errc::Io, fmt::format("bot: avatar {}: {}", path.string(), ec.message()));
  }
  if (size > kMaxAvatarBytes) {
    return make_error(Errc::InvalidArgument,
                      fmt::format("bot: avatar {} has {} bytes, more than the {} allowed (use a "
                                  "small square image, e.g. a 512x512 JPEG)",
                                  path.string(), size, kMaxAvatarBytes));
  }
  auto file = Bot::Impl::read_attachment(path);
  if (!file) {
    return file.error();
  }
  return std::move(file->data);
}

}  // namespace

Result<std::unique_ptr<Bot>> open_bot(const boost::asio::any_io_executor& executor,
                                      BotOptions options) {
  std::error_code ec;
  fs::create_directories(options.data_dir / "files", ec);
  if (ec) {
    return make_error(Errc::Io, fmt::format("bot: create data dir {}: {}",
                                            options.data_dir.string(), ec.message()));
  }
  auto impl = std::make_unique<Bot::Impl>();
  Bot::Impl* raw = impl.get();
  EngineOptions engine_options;
  engine_options.transport = options.transport;
  engine_options.db_path = (options.data_dir / "dcbot.db").string();
  engine_options.fetcher = options.fetcher;
  engine_options.sender = options.sender;
  engine_options.processor = [raw](const store::InboxItem& item, store::Db&) {
    return raw->process(item);
  };
  engine_options.delivery.on_sent = [raw](const store::OutboxItem& item) {
    Bot::Impl::DispatchScope dispatching(*raw);
    raw->call_all("delivered", raw->delivered_handlers,
                  DeliveredEvent{item.chat_id, item.rfc724_mid});
  };
  engine_options.delivery.on_failed = [raw](const DeliveryFailure& failure) {
    log::warn("bot: delivery of {} failed: {}", failure.rfc724_mid, failure.error);
    Bot::Impl::DispatchScope dispatching(*raw);
    raw->call_all("delivery failed", raw->failed_handlers,
                  DeliveryFailedEvent{failure.chat_id, failure.rfc724_mid, failure.recipients,
                                      failure.error});
  };
  DCBOT_TRY(auto engine, Engine::open(executor, std::move(engine_options)));
  impl->engine.emplace(std::move(engine));
  store::Db& db = impl->engine->db();

  DCBOT_TRY(auto account, chat::Account::open(db));
  chat::Profile profile = account.profile();
  profile.addr = options.transport.addr;
  profile.display_name = options.display_name;
  profile.status = options.status;
  profile.bot = true;
  const chat::Profile& old = account.profile();
  if (old.addr != profile.addr || old.display_name != profile.display_name
      || old.status != profile.status || !old.bot) {
    DCBOT_TRY(account.set_profile(profile));
  }
  if (!account.has_key()) {
    log::info("bot: {}: creating the account's key", profile.addr);
  }
  DCBOT_TRY(account.ensure_key(unix_now()));
  Bytes avatar;
  if (!options.avatar.empty()) {
    DCBOT_TRY(avatar, read_avatar(options.avatar));
  }
  DCBOT_TRY(account.set_avatar(std::move(avatar)));
  DCBOT_TRY(chat::ensure_securejoin_schema(db));
  chat::Hooks hooks;
  chat::install_securejoin(
      hooks, db, chat::SecureJoinOptions{.verification_timeout = options.verification_timeout});
  // Groups (membership, renames, group SecureJoin) and webxdc status updates; group texts then
  // reach on_message with the group's chat id, and replies go to the group.
  DCBOT_TRY(chat::ensure_group_schema(db));
  chat::install_groups(hooks);
  DCBOT_TRY(chat::ensure_webxdc_schema(db));
  chat::install_webxdc(hooks);
  // Broadcast channels: the bot's own (posts, subscribers joining by the link) and those it joined.
  DCBOT_TRY(chat::ensure_channel_schema(db));
  chat::install_channels(hooks, db);
  account.set_hooks(std::move(hooks));
  impl->account.emplace(std::move(account));
  impl->flood = FloodControl(options.user_messages_per_minute);
  impl->options = std::move(options);
  impl->executor = executor;
  auto bot = std::make_unique<Bot>(std::move(impl));
  bot->impl().owner = bot.get();
  // Updates a previous run queued but did not flush leave once the io thread runs.
  bot->impl().updates_queued = true;
  bot->impl().schedule_flush();
  return bot;
}

}  // namespace runtime

template <class T, class... Args>
void Bot::Impl::call_all(std::string_view kind, runtime::HandlerList<T>& list,
                         const Args&... args) {
  // By index, up to the entries present now: a handler may register more (they run from the
  // next event on) or detach some (marked, skipped, erased when the dispatch ends).
  for (std::size_t i = 0, n = list.size(); i < n; ++i) {
    auto& entry = list[i];
    if (entry.removed) {
      continue;
    }
    OwnerScope scope(*this, runtime::HandlerOwner{entry.owner, entry.pin});
    // STYLE.md §1.5: every handler call is a catch-all boundary.
    try {
      entry.value(args...);
    } catch (const std::exception& e) {
      log::error("bot: {} handler threw: {}", kind, e.what());
    } catch (...) {
      log::error("bot: {} handler threw a non-exception", kind);
    }
  }
}

void Bot::Impl::compact_handlers() {
  if (dispatch_depth_ != 0) {
    return;
  }
  message_handlers.compact();
  commands.compact();
  verified_handlers.compact();
  reaction_handlers.compact();
  edit_handlers.compact();
  delete_handlers.compact();
  channel_subscriber_handlers.compact();
  delivered_handlers.compact();
  failed_handlers.compact();
  start_handlers.compact();
  stop_handlers.compact();
  group_joined_handlers.compact();
  member_added_handlers.compact();
  member_removed_handlers.compact();
  group_removed_handlers.compact();
  group_renamed_handlers.compact();
  group_avatar_handlers.compact();
  webxdc_handlers.compact();
}

std::size_t Bot::Impl::remove_handlers(std::uint64_t owner_id) {
  // First its conversations end (they may still reply), then its timers stop, then its handlers.
  std::uint64_t saved_draining = std::exchange(draining_owner, owner_id);
  for (bool resumed = true; resumed;) {
    resumed = false;
    for (const auto& [key, waiter] : waiters) {
      if (waiter.owner.id == owner_id) {
        auto k = key;
        resume_waiter(k, std::nullopt);
        resumed = true;
        break;
      }
    }
  }
  draining_owner = saved_draining;
  for (auto it = timer_owners.begin(); it != timer_owners.end();) {
    if (it->second == owner_id) {
      if (auto timer = timers.find(it->first); timer != timers.end()) {
        timer->second->cancel();
        timers.erase(timer);
      }
      it = timer_owners.erase(it);
    } else {
      ++it;
    }
  }
  std::size_t n =
      message_handlers.mark_removed(owner_id) + commands.mark_removed(owner_id)
      + verified_handlers.mark_removed(owner_id) + reaction_handlers.mark_removed(owner_id)
      + edit_handlers.mark_removed(owner_id) + delete_handlers.mark_removed(owner_id)
      + delivered_handlers.mark_removed(owner_id) + failed_handlers.mark_removed(owner_id)
      + start_handlers.mark_removed(owner_id) + stop_handlers.mark_removed(owner_id)
      + group_joined_handlers.mark_removed(owner_id) + member_added_handlers.mark_removed(owner_id)
      + member_removed_handlers.mark_removed(owner_id)
      + group_removed_handlers.mark_removed(owner_id)
      + group_renamed_handlers.mark_removed(owner_id) + group_avatar_handlers.mark_removed(owner_id)
      + webxdc_handlers.mark_removed(owner_id) + channel_subscriber_handlers.mark_removed(owner_id);
  compact_handlers();
  return n;
}

Task<void> Bot::Impl::run() {
  {
    DispatchScope dispatching(*this);
    call_all("start", start_handlers);
  }
  if (!stopped) {
    co_await engine->run();
  }
  DispatchScope dispatching(*this);
  call_all("stop", stop_handlers);
}

Result<> Bot::Impl::process(const store::InboxItem& item) {
  auto now = runtime::unix_now();
  DCBOT_TRY(auto fx, account->receive(item.raw, now));
  for (const auto& note : fx.notes) {
    log::debug("bot: {}: {}", fx.rfc724_mid, note);
  }
  if (fx.is_dropped()) {
    // A handled SecureJoin step is "dropped" from the chat view, not refused.
    bool handled =
        fx.dropped.rfind("securejoin:", 0) == 0 && fx.dropped.find("handled") != std::string::npos;
    if (handled) {
      log::debug("bot: mail {} {}: {}", item.id, fx.rfc724_mid, fx.dropped);
    } else {
      log::info("bot: mail {} {} dropped: {}", item.id, fx.rfc724_mid, fx.dropped);
    }
  }
  for (const auto& mail : fx.outgoing) {
    DCBOT_TRY(account->queue(mail, now));
  }
  for (auto& event : fx.events) {
    DCBOT_TRY(dispatch(std::move(event)));
  }
  // The webxdc updates the handlers queued leave as one batch, committed with the mail (§6).
  return flush_webxdc(now);
}

Result<> Bot::Impl::dispatch(chat::Event event) {
  DispatchScope dispatching(*this);
  return std::visit(
      [this](auto&& ev) -> Result<> {
        using T = std::decay_t<decltype(ev)>;
        if constexpr (std::is_same_v<T, chat::MessageEvent>) {
          return dispatch_message(std::forward<decltype(ev)>(ev));
        } else if constexpr (std::is_same_v<T, chat::ContactVerifiedEvent>) {
          log::info("bot: contact {} <{}> verified", ev.fingerprint, ev.addr);
          call_all("contact verified", verified_handlers,
                   ContactVerifiedEvent{ev.fingerprint, ev.addr, ev.chat_id});
        } else if constexpr (std::is_same_v<T, chat::ReactionEvent>) {
          call_all("reaction", reaction_handlers,
                   ReactionEvent{ev.chat_id, ev.target_mid, ev.sender_fpr, ev.emoji, ev.timestamp});
        } else if constexpr (std::is_same_v<T, chat::EditEvent>) {
          call_all("edit", edit_handlers,
                   EditEvent{ev.chat_id, ev.message_id, ev.target_mid, ev.sender_fpr, ev.text,
                             ev.timestamp});
        } else if constexpr (std::is_same_v<T, chat::DeleteEvent>) {
          call_all("delete", delete_handlers,
                   DeleteEvent{ev.chat_id, ev.target_mids, ev.sender_fpr, ev.timestamp});
        } else if constexpr (std::is_same_v<T, chat::ChannelSubscriberEvent>) {
          log::info("bot: channel {}: {} <{}> {}", ev.chat_id, ev.fingerprint, ev.addr,
                    ev.subscribed ? "subscribed" : "left");
          call_all("channel subscriber", channel_subscriber_handlers,
                   ChannelSubscriberEvent{ev.chat_id, ev.fingerprint, ev.addr, ev.subscribed});
        } else if constexpr (std::is_same_v<T, chat::ChannelJoinedEvent>) {
          log::info("bot: channel {} ({}) {}", ev.chat_id, ev.name,
                    ev.joined ? "joined" : "removed us");
        } else {
          return dispatch_group_or_webxdc(std::forward<decltype(ev)>(ev));
        }
        return {};
      },
      std::move(event));
}

Result<> Bot::Impl::dispatch_group_or_webxdc(chat::Event event) {
  return std::visit(
      [this](auto&& ev) -> Result<> {
        using T = std::decay_t<decltype(ev)>;
        if constexpr (std::is_same_v<T, chat::GroupJoinedEvent>) {
          log::info("bot: joined group {} ({})", ev.chat_id, ev.name);
          call_all("group joined", group_joined_handlers,
                   GroupJoinedEvent{ev.chat_id, ev.name, ev.actor_fpr, ev.member_fprs});
        } else if constexpr (std::is_same_v<T, chat::MemberAddedEvent>) {
          call_all("member added", member_added_handlers,
                   MemberAddedEvent{ev.chat_id, ev.fingerprint, ev.addr, ev.actor_fpr});
        } else if constexpr (std::is_same_v<T, chat::MemberRemovedEvent>) {
          call_all("member removed", member_removed_handlers,
                   MemberRemovedEvent{ev.chat_id, ev.fingerprint, ev.addr, ev.actor_fpr, ev.left});
        } else if constexpr (std::is_same_v<T, chat::GroupRemovedEvent>) {
          log::info("bot: removed from group {} by {}", ev.chat_id, ev.actor_fpr);
          call_all("group removed", group_removed_handlers,
                   GroupRemovedEvent{ev.chat_id, ev.actor_fpr});
        } else if constexpr (std::is_same_v<T, chat::GroupRenamedEvent>) {
          call_all("group renamed", group_renamed_handlers,
                   GroupRenamedEvent{ev.chat_id, ev.old_name, ev.new_name, ev.actor_fpr});
        } else if constexpr (std::is_same_v<T, chat::GroupAvatarEvent>) {
          if (group_avatar_handlers.empty()) {
            return {};
          }
          GroupAvatarEvent out{ev.chat_id, ev.actor_fpr, {}};
          if (!ev.image.empty()) {
            chat::Attachment file{image_file_name(ev.image), "", std::move(ev.image)};
            DCBOT_TRY(auto saved, save_attachments({file}));
            out.image = saved.at(0).path;
          }
          call_all("group avatar", group_avatar_handlers, out);
        } else if constexpr (std::is_same_v<T, chat::WebxdcUpdateEvent>) {
          if (webxdc_handlers.empty()) {
            return {};
          }
          DCBOT_TRY(auto sender, sender_of(ev.sender_fpr));
          WebxdcUpdateEvent out{.chat = ev.chat_id,
                                .instance = ev.instance_id,
                                .instance_mid = std::move(ev.instance_mid),
                                .sender = std::move(sender),
                                .payload = std::move(ev.payload),
                                .info = std::move(ev.info),
                                .summary = std::move(ev.summary),
                                .document = std::move(ev.document),
                                .href = std::move(ev.href),
                                .notify_text = std::move(ev.notify_text),
                                .serial = ev.serial,
                                .timestamp = ev.timestamp};
          call_all("webxdc update", webxdc_handlers, out);
        }
        return {};
      },
      std::move(event));
}

Result<> Bot::Impl::dispatch_message(chat::MessageEvent ev) {
  if (ev.is_bot && ignore_bots) {
    log::debug("bot: message {} from bot {} ignored (loop protection)", ev.rfc724_mid,
               ev.sender_addr);
    return {};
  }
  if (!flood.allow(ev.sender_fpr,
                   options.steady_now ? options.steady_now() : std::chrono::steady_clock::now())) {
    // Handled (the mail is marked processed), never retried: limits.user_messages_per_minute.
    log::warn(
        "bot: message {} from {} <{}> dropped: more than {} messages per minute from this "
        "sender",
        ev.rfc724_mid, ev.sender_fpr, ev.sender_addr, flood.per_minute());
    return {};
  }
  if (options.read_receipts && ev.wants_read_receipt) {
    const auto now = runtime::unix_now();
    DCBOT_TRY(auto receipt, chat::build_read_receipt(*account, ev, {.send = true}, now));
    if (receipt) {
      DCBOT_TRY(account->queue(*receipt, now));
    }
  }
  DCBOT_TRY(auto files, save_attachments(ev.attachments));
  MessageData data{.chat = ev.chat_id,
                   .message_id = ev.message_id,
                   .rfc724_mid = std::move(ev.rfc724_mid),
                   .sender = Sender{.fingerprint = std::move(ev.sender_fpr),
                                    .addr = std::move(ev.sender_addr),
                                    .name = std::move(ev.sender_name),
                                    .verified = ev.verified,
                                    .is_bot = ev.is_bot},
                   .text = std::move(ev.text),
                   .attachments = std::move(files),
                   .timestamp = ev.timestamp};
  if (ev.has_quote) {
    const bool quotes_bot = ev.quote_message_id != 0 && ev.quote_sender_fpr.empty();
    data.quote = Quote{.text = std::move(ev.quote_text),
                       .rfc724_mid = ev.in_reply_to,
                       .message_id = ev.quote_message_id,
                       .sender_fingerprint = std::move(ev.quote_sender_fpr),
                       .quotes_bot = quotes_bot};
  }
  data.sender.is_admin = owner->is_admin(data.sender);
  if (!waiters.empty()) {
    auto key = std::make_pair(data.chat, data.sender.fingerprint);
    if (waiters.count(key) != 0) {
      resume_waiter(key, MessageEvent(*owner, std::move(data)));
      return {};
    }
  }
  if (auto cmd = parse_command(data.text)) {
    if (!cmd->target.empty() && !iequals(cmd->target, options.transport.addr)) {
      log::debug("bot: command {}@{} is for another bot", cmd->name, cmd->target);
      return {};
    }
    for (std::size_t i = 0; i < commands.size(); ++i) {
      auto& c = commands[i];
      if (!c.removed && c.value.info.name == cmd->name) {
        if (c.value.info.admin_only && !data.sender.is_admin) {
          refuse_admin_command(MessageEvent(*owner, std::move(data)), c.value.info.name);
          return {};
        }
        OwnerScope scope(*this, runtime::HandlerOwner{c.owner, c.pin});
        call_guarded("command", c.value.handler,
                     CommandEvent(*owner, std::move(data), cmd->name, std::move(cmd->args)));
        return {};
      }
    }
    // Delta Chat makes `/cmd_arg` clickable (a space would end the link): `/roll_20` is
    // `/roll 20` when /roll_20 itself is not registered.
    for (auto underscore = cmd->name.find('_'); underscore != std::string::npos;
         underscore = cmd->name.find('_', underscore + 1)) {
      const std::string prefix = cmd->name.substr(0, underscore);
      for (std::size_t i = 0; i < commands.size(); ++i) {
        auto& c = commands[i];
        if (!c.removed && c.value.info.name == prefix) {
          if (c.value.info.admin_only && !data.sender.is_admin) {
            refuse_admin_command(MessageEvent(*owner, std::move(data)), c.value.info.name);
            return {};
          }
          std::string args = cmd->name.substr(underscore + 1);
          // The original case of the argument, which the lowered command name lost.
          args = data.text.substr(underscore + 1, args.size());
          if (!cmd->args.empty()) {
            args += " " + cmd->args;
          }
          OwnerScope scope(*this, runtime::HandlerOwner{c.owner, c.pin});
          call_guarded("command", c.value.handler,
                       CommandEvent(*owner, std::move(data), prefix, std::move(args)));
          return {};
        }
      }
    }
    if (cmd->name == kHelp) {
      reply_help(MessageEvent(*owner, std::move(data)));
      return {};
    }
  }
  call_all("message", message_handlers, MessageEvent(*owner, std::move(data)));
  return {};
}

Result<std::vector<Attachment>> Bot::Impl::save_attachments(
    const std::vector<chat::Attachment>& files) {
  std::vector<Attachment> out;
  for (const auto& file : files) {
    fs::path path = runtime::unique_file_path(options.data_dir / "files", file.filename);
    std::ofstream stream(path, std::ios::binary | std::ios::trunc);
    stream.write(reinterpret_cast<const char*>(file.data.data()),
                 static_cast<std::streamsize>(file.data.size()));
    stream.close();
    if (!stream) {
      return make_error(Errc::Io, "bot: write " + path.string());
    }
    out.push_back(Attachment{.filename = file.filename,
                             .mime_type = file.mime_type,
                             .path = path,
                             .size = file.data.size()});
  }
  return out;
}

void Bot::Impl::refuse_admin_command(const MessageEvent& ev, const std::string& command) {
  constexpr std::int64_t kRefusalInterval = 60;
  const auto now = runtime::unix_now();
  auto& last = refused_at[ev.sender().fingerprint];
  log::info("bot: {} from {} refused: admins only", command, ev.sender().addr);
  if (last != 0 && now - last < kRefusalInterval) {
    return;  // Refusals are rate-limited, so a non-admin can't make the bot chatty.
  }
  last = now;
  (void)ev.reply(command + " is only for the bot's admins.");
}

void Bot::Impl::reply_help(const MessageEvent& ev) const {
  std::string text = "Commands:";
  for (const auto& c : owner->commands()) {
    if (c.admin_only && !ev.sender().is_admin) {
      continue;
    }
    text += "\n" + c.name;
    if (!c.description.empty()) {
      text += " - " + c.description;
    }
  }
  (void)ev.reply(text);
}

Result<chat::Attachment> Bot::Impl::read_attachment(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return make_error(Errc::Io, "bot: cannot read " + path.string());
  }
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) {
    return make_error(Errc::Io, "bot: cannot read " + path.string());
  }
  chat::Attachment a;
  a.filename = path.filename().string();
  a.mime_type = std::string(mime_type_for(path));
  a.data.assign(bytes.begin(), bytes.end());
  return a;
}

Result<SentMessage> Bot::Impl::send(ChatId chat, std::string_view text,
                                    std::vector<chat::Attachment> attachments, std::string reply_to,
                                    std::string quote) {
  auto build = [&](std::int64_t now) -> Result<std::vector<chat::OutgoingMail>> {
    chat::SendOptions send_options;
    send_options.reply_to = std::move(reply_to);
    send_options.quote = std::move(quote);
    send_options.attachments = std::move(attachments);
    send_options.now = now;
    DCBOT_TRY(auto mail, account->build_text(chat, text, std::move(send_options)));
    return std::vector<chat::OutgoingMail>{std::move(mail)};
  };
  DCBOT_TRY(auto mails, with_txn(build));
  return SentMessage{chat, mails.at(0).message_id, mails.at(0).rfc724_mid};
}

Result<std::vector<chat::OutgoingMail>> Bot::Impl::with_txn(const Builder& build) {
  auto now = runtime::unix_now();
  store::Db& db = engine->db();
  std::optional<store::Txn> txn;
  if (!db.in_transaction()) {
    DCBOT_TRY(auto t, store::Txn::begin(db));
    txn.emplace(std::move(t));
  }
  DCBOT_TRY(auto mails, build(now));
  for (const auto& mail : mails) {
    DCBOT_TRY(account->queue(mail, now));
  }
  if (txn) {
    DCBOT_TRY(txn->commit());
  }
  if (!mails.empty()) {
    engine->notify_outbox();
  }
  return mails;
}

Result<std::string> Bot::Impl::resolve_contact(std::string_view contact) {
  store::Contacts contacts(engine->db());
  if (is_fingerprint(contact)) {
    std::string fpr = normalize_fingerprint(contact);
    DCBOT_TRY(auto found, contacts.get(fpr));
    if (!found) {
      return make_error(Errc::NotFound, "bot: no contact with fingerprint " + fpr);
    }
    return fpr;
  }
  DCBOT_TRY(auto found, contacts.find_by_addr(contact));
  for (const auto& c : found) {
    if (c.public_cert) {
      return c.fingerprint;  // Most recently seen first.
    }
  }
  return make_error(Errc::NotFound, fmt::format("bot: no key contact with address {}", contact));
}

Result<Sender> Bot::Impl::sender_of(const std::string& fingerprint) {
  DCBOT_TRY(Sender out, contact_of(fingerprint));
  out.is_admin = owner->is_admin(out);
  return out;
}

Result<Sender> Bot::Impl::contact_of(const std::string& fingerprint) {
  store::Contacts contacts(engine->db());
  DCBOT_TRY(auto c, contacts.get(fingerprint));
  Sender out;
  out.fingerprint = fingerprint;
  if (c) {
    out.addr = c->addr;
    out.name = c->display_name;
    out.verified = c->verified == store::VerifiedState::Verified;
    out.is_bot = c->is_bot;
  }
  return out;
}

Result<> Bot::Impl::flush_webxdc(std::int64_t now) {
  if (!updates_queued) {
    return {};
  }
  if (std::chrono::steady_clock::now() - last_flush < kWebxdcFlushInterval) {
    schedule_flush();
    return {};
  }
  DCBOT_TRY(auto mails, chat::flush_webxdc_updates(*account, now));
  for (const auto& mail : mails) {
    DCBOT_TRY(account->queue(mail, now));
  }
  updates_queued = false;
  if (!mails.empty()) {
    last_flush = std::chrono::steady_clock::now();
    engine->notify_outbox();
  }
  return {};
}

void Bot::Impl::schedule_flush() {
  if (flush_posted || !executor) {
    return;
  }
  flush_posted = true;
  flush_timer = std::make_unique<boost::asio::steady_timer>(executor);
  flush_timer->expires_at(
      std::max(std::chrono::steady_clock::now(), last_flush + kWebxdcFlushInterval));
  flush_timer->async_wait([this, token = std::weak_ptr<int>(alive)](boost::system::error_code ec) {
    if (token.expired() || ec) {
      return;
    }
    flush_posted = false;
    auto flushed = with_txn([this](std::int64_t now) -> Result<std::vector<chat::OutgoingMail>> {
      DCBOT_TRY(flush_webxdc(now));
      return std::vector<chat::OutgoingMail>{};
    });
    if (!flushed) {
      log::error("bot: webxdc update flush: {}", flushed.error().to_string());
    }
  });
}

Bot::Bot(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Bot::~Bot() {
  // Extensions (plugin hosts) unload their plugins while the bot is still whole, newest first.
  while (!impl_->extensions.empty()) {
    impl_->extensions.pop_back();
  }
  // Conversations still waiting (the bot never stopped) are destroyed, not resumed.
  for (auto& [key, waiter] : impl_->waiters) {
    waiter.handle.destroy();
  }
  impl_->waiters.clear();
}

void Bot::on_message(MessageHandler handler) {
  impl_->message_handlers.push_back(std::move(handler), impl_->current_owner);
}

void Bot::on_command(std::string name, std::string description, CommandHandler handler) {
  on_command(std::move(name), std::move(description), std::move(handler), CommandOptions{});
}

void Bot::on_command(std::string name, std::string description, CommandHandler handler,
                     CommandOptions options) {
  name = normalize_command(std::move(name));
  Impl::Command command{CommandInfo{name, std::move(description), options.admin_only},
                        std::move(handler)};
  for (std::size_t i = 0; i < impl_->commands.size(); ++i) {
    if (!impl_->commands[i].removed && impl_->commands[i].value.info.name == name) {
      impl_->commands.replace(i, std::move(command), impl_->current_owner);
      impl_->compact_handlers();
      return;
    }
  }
  impl_->commands.push_back(std::move(command), impl_->current_owner);
}

void Bot::set_admins(std::vector<std::string> fingerprints) {
  for (auto& fpr : fingerprints) {
    fpr = normalize_fingerprint(fpr);
  }
  impl_->admins = std::move(fingerprints);
}

void Bot::set_admin_check(std::function<bool(const Sender&)> check) {
  impl_->admin_check = std::move(check);
}

const std::vector<std::string>& Bot::admins() const {
  return impl_->admins;
}

Result<ChatId> Bot::chat_with(std::string_view fingerprint) {
  const std::string fpr = normalize_fingerprint(fingerprint);
  store::Db& db = impl_->engine->db();
  DCBOT_TRY(auto contact, store::Contacts(db).get(fpr));
  if (!contact) {
    return make_error(Errc::NotFound, fmt::format("bot: no contact with the key {}", fpr));
  }
  std::optional<store::Txn> txn;
  if (!db.in_transaction()) {
    DCBOT_TRY(auto t, store::Txn::begin(db));
    txn.emplace(std::move(t));
  }
  DCBOT_TRY(auto chat, impl_->account->single_chat(fpr, runtime::unix_now()));
  if (txn) {
    DCBOT_TRY(txn->commit());
  }
  return chat;
}

bool Bot::is_admin(const Sender& sender) const {
  if (impl_->admin_check) {
    try {
      return impl_->admin_check(sender);
    } catch (const std::exception& e) {
      log::error("bot: the admin check threw: {}", e.what());
      return false;
    } catch (...) {
      log::error("bot: the admin check threw a non-exception");
      return false;
    }
  }
  if (!sender.verified) {
    return false;
  }
  return std::find(impl_->admins.begin(), impl_->admins.end(), sender.fingerprint)
             != impl_->admins.end()
         || impl_->in_admin_group(sender.fingerprint);
}

void Bot::on_contact_verified(ContactVerifiedHandler handler) {
  impl_->verified_handlers.push_back(std::move(handler), impl_->current_owner);
}

void Bot::on_reaction(ReactionHandler handler) {
  impl_->reaction_handlers.push_back(std::move(handler), impl_->current_owner);
}

void Bot::on_edit(EditHandler handler) {
  impl_->edit_handlers.push_back(std::move(handler), impl_->current_owner);
}

void Bot::on_delete(DeleteHandler handler) {
  impl_->delete_handlers.push_back(std::move(handler), impl_->current_owner);
}

void Bot::on_delivered(DeliveredHandler handler) {
  impl_->delivered_handlers.push_back(std::move(handler), impl_->current_owner);
}

void Bot::on_delivery_failed(DeliveryFailedHandler handler) {
  impl_->failed_handlers.push_back(std::move(handler), impl_->current_owner);
}

void Bot::on_start(LifecycleHandler handler) {
  impl_->start_handlers.push_back(std::move(handler), impl_->current_owner);
}

void Bot::on_stop(LifecycleHandler handler) {
  impl_->stop_handlers.push_back(std::move(handler), impl_->current_owner);
}

void Bot::set_ignore_bots(bool ignore) {
  impl_->ignore_bots = ignore;
}

std::vector<CommandInfo> Bot::commands() const {
  std::vector<CommandInfo> out;
  bool has_help = false;
  for (std::size_t i = 0; i < impl_->commands.size(); ++i) {
    const auto& c = impl_->commands[i];
    if (c.removed) {
      continue;
    }
    has_help = has_help || c.value.info.name == kHelp;
    out.push_back(c.value.info);
  }
  if (!has_help) {
    out.insert(out.begin(), CommandInfo{std::string(kHelp), "list the commands"});
  }
  return out;
}

Result<> Bot::send_text(ChatId chat, std::string_view text) {
  DCBOT_TRY(impl_->send(chat, text, {}, {}));
  return {};
}

Result<> Bot::send_file(ChatId chat, const fs::path& path, std::string_view text) {
  DCBOT_TRY(auto file, Impl::read_attachment(path));
  std::vector<chat::Attachment> files;
  files.push_back(std::move(file));
  DCBOT_TRY(impl_->send(chat, text, std::move(files), {}));
  return {};
}

Result<std::string> Bot::invite_link(bool legacy) {
  return chat::make_invite_link(*impl_->account, runtime::unix_now(),
                                chat::InviteLinkOptions{.legacy = legacy, .reuse_auth = true});
}

Result<ChatId> Bot::join(std::string_view link) {
  auto now = runtime::unix_now();
  store::Db& db = impl_->engine->db();
  DCBOT_TRY(auto txn, store::Txn::begin(db));
  DCBOT_TRY(auto start, chat::start_join(*impl_->account, link, now));
  for (const auto& mail : start.effects.outgoing) {
    DCBOT_TRY(impl_->account->queue(mail, now));
  }
  for (auto& event : start.effects.events) {
    DCBOT_TRY(impl_->dispatch(std::move(event)));
  }
  DCBOT_TRY(txn.commit());
  impl_->engine->notify_outbox();
  impl_->schedule_flush();  // Updates a ContactVerified handler may have queued.
  return start.chat_id;
}

void Bot::Impl::arm_timer(TimerId id, std::chrono::milliseconds interval, bool repeat,
                          std::shared_ptr<runtime::Owned<TimerHandler>> handler) {
  auto it = timers.find(id);
  if (it == timers.end()) {
    return;
  }
  std::shared_ptr<boost::asio::steady_timer> timer = it->second;
  timer->expires_after(interval);
  // The timer object is shared with the wait, so cancel_timer() may erase it meanwhile.
  timer->async_wait(
      [this, id, interval, repeat, handler, timer](const boost::system::error_code& ec) {
        if (ec || stopped) {
          return;
        }
        auto found = timers.find(id);
        if (found == timers.end() || found->second != timer) {
          return;
        }
        if (!repeat) {
          timers.erase(found);
          timer_owners.erase(id);
        }
        OwnerScope scope(*this, runtime::HandlerOwner{handler->owner, handler->pin});
        try {
          handler->value();
        } catch (const std::exception& e) {
          log::error("bot: timer handler threw: {}", e.what());
        } catch (...) {
          log::error("bot: timer handler threw a non-exception");
        }
        if (repeat) {
          arm_timer(id, interval, repeat, handler);
        }
      });
}

TimerId Bot::Impl::start_timer(std::chrono::milliseconds interval, bool repeat,
                               TimerHandler handler) {
  TimerId id = next_timer++;
  if (stopped) {
    return id;
  }
  timers.emplace(id, std::make_shared<boost::asio::steady_timer>(executor));
  timer_owners.emplace(id, current_owner.id);
  arm_timer(id, std::max(interval, std::chrono::milliseconds(1)), repeat,
            std::make_shared<runtime::Owned<TimerHandler>>(runtime::Owned<TimerHandler>{
                current_owner.pin, current_owner.id, false, std::move(handler)}));
  return id;
}

TimerId Bot::every(std::chrono::milliseconds interval, TimerHandler handler) {
  return impl_->start_timer(interval, true, std::move(handler));
}

TimerId Bot::after(std::chrono::milliseconds delay, TimerHandler handler) {
  return impl_->start_timer(delay, false, std::move(handler));
}

void Bot::cancel_timer(TimerId id) {
  auto it = impl_->timers.find(id);
  if (it == impl_->timers.end()) {
    return;
  }
  it->second->cancel();
  impl_->timers.erase(it);
  impl_->timer_owners.erase(id);
}

void Bot::Impl::resume_waiter(const std::pair<ChatId, std::string>& key,
                              std::optional<MessageEvent> message) {
  auto it = waiters.find(key);
  if (it == waiters.end()) {
    return;
  }
  Waiter waiter = it->second;
  waiters.erase(it);
  if (auto timer = timers.find(waiter.timer); timer != timers.end()) {
    timer->second->cancel();
    timers.erase(timer);
    timer_owners.erase(waiter.timer);
  }
  *waiter.slot = std::move(message);
  // The conversation continues as its owner; `waiter` pins the owner's code until it returns.
  OwnerScope scope(*this, waiter.owner);
  waiter.handle.resume();  // Exceptions end in Conversation::promise_type::unhandled_exception.
}

bool Bot::await_message(ChatId chat, std::string sender, std::chrono::milliseconds timeout,
                        std::coroutine_handle<> handle, std::optional<MessageEvent>* slot) {
  if (impl_->stopped
      || (impl_->draining_owner != 0 && impl_->current_owner.id == impl_->draining_owner)) {
    return false;  // Resumes at once with std::nullopt.
  }
  auto key = std::make_pair(chat, std::move(sender));
  // One conversation waits per sender and chat (a second one can start from a timer or another
  // event): the older one ends as if timed out.
  impl_->resume_waiter(key, std::nullopt);
  TimerId timer = after(timeout, [impl = impl_.get(), key, handle] {
    auto it = impl->waiters.find(key);
    if (it != impl->waiters.end() && it->second.handle == handle) {
      impl->resume_waiter(key, std::nullopt);
    }
  });
  impl_->waiters[key] = Impl::Waiter{handle, slot, timer, impl_->current_owner};
  return true;
}

bool NextMessage::await_suspend(std::coroutine_handle<> handle) {
  return bot_->await_message(chat_, sender_, timeout_, handle, &result_);
}

NextMessage MessageEvent::next_message(std::chrono::milliseconds timeout) const {
  return NextMessage(*bot_, data_.chat, data_.sender.fingerprint, timeout);
}

void Conversation::promise_type::unhandled_exception() noexcept {
  try {
    throw;
  } catch (const std::exception& e) {
    log::error("bot: conversation handler threw: {}", e.what());
  } catch (...) {
    log::error("bot: conversation handler threw a non-exception");
  }
}

void Bot::stop() {
  impl_->stopped = true;
  // Every waiting conversation ends now (it sees std::nullopt); new waits return at once.
  while (!impl_->waiters.empty()) {
    impl_->resume_waiter(impl_->waiters.begin()->first, std::nullopt);
  }
  for (auto& [id, timer] : impl_->timers) {
    timer->cancel();
  }
  impl_->timers.clear();
  impl_->timer_owners.clear();
  if (impl_->engine) {
    impl_->engine->stop();
  }
}

// ---- Broadcast channels

Result<ChatId> Bot::create_channel(std::string_view name) {
  return chat::create_channel(*impl_->account, name, runtime::unix_now());
}

Result<std::string> Bot::channel_invite_link(ChatId channel, bool legacy) {
  return chat::make_channel_invite_link(
      *impl_->account, channel, runtime::unix_now(),
      chat::InviteLinkOptions{.legacy = legacy, .reuse_auth = true});
}

Result<std::vector<std::string>> Bot::channel_subscribers(ChatId channel) {
  return chat::channel_subscribers(*impl_->account, channel);
}

Result<> Bot::remove_channel_subscriber(ChatId channel, std::string_view fingerprint) {
  auto now = runtime::unix_now();
  store::Db& db = impl_->engine->db();
  std::optional<store::Txn> txn;
  if (!db.in_transaction()) {
    DCBOT_TRY(auto t, store::Txn::begin(db));
    txn.emplace(std::move(t));
  }
  DCBOT_TRY(auto mail, chat::build_remove_subscriber(*impl_->account, channel, fingerprint, now));
  DCBOT_TRY(impl_->account->queue(mail, now));
  if (txn) {
    DCBOT_TRY(txn->commit());
  }
  impl_->engine->notify_outbox();
  return {};
}

void Bot::on_channel_subscriber(ChannelSubscriberHandler handler) {
  impl_->channel_subscriber_handlers.push_back(std::move(handler), impl_->current_owner);
}

const std::string& Bot::addr() const {
  return impl_->options.transport.addr;
}

std::string Bot::fingerprint() const {
  return impl_->account->fingerprint();
}

const fs::path& Bot::data_dir() const {
  return impl_->options.data_dir;
}

namespace {

// What a reply quotes of `data`, as Delta Chat does: its text, or the file name of a file
// without text.
std::string quote_of(const MessageData& data) {
  if (!data.text.empty() || data.attachments.empty()) {
    return data.text;
  }
  return data.attachments.front().filename;
}

}  // namespace

Result<> MessageEvent::reply(std::string_view text) const {
  auto sent = bot_->impl().send(data_.chat, text, {}, data_.rfc724_mid, quote_of(data_));
  if (!sent) {
    log::error("bot: reply in chat {}: {}", data_.chat, sent.error().to_string());
    return sent.error();
  }
  return {};
}

Result<> MessageEvent::react(std::string_view emoji) const {
  auto sent = bot_->react(data_.chat, data_.rfc724_mid, emoji);
  if (!sent) {
    log::error("bot: reaction in chat {}: {}", data_.chat, sent.error().to_string());
  }
  return sent;
}

Result<> MessageEvent::reply_file(const fs::path& path, std::string_view text) const {
  auto file = Bot::Impl::read_attachment(path);
  if (!file) {
    log::error("bot: reply in chat {}: {}", data_.chat, file.error().to_string());
    return file.error();
  }
  std::vector<chat::Attachment> files;
  files.push_back(std::move(*file));
  auto sent =
      bot_->impl().send(data_.chat, text, std::move(files), data_.rfc724_mid, quote_of(data_));
  if (!sent) {
    log::error("bot: reply in chat {}: {}", data_.chat, sent.error().to_string());
    return sent.error();
  }
  return {};
}

}  // namespace dcbot
