// SPDX-License-Identifier: MIT
#include "lua/bot_plugin.h"

#include <algorithm>
#include <map>
#include <utility>

#include "chat/webxdc.h"
#include "dcbot/events.h"
#include "dcbot/log.h"

namespace dcbot::lua {
namespace {

Message to_lua(const MessageEvent& ev) {
  const MessageData& data = ev.data();
  Message out{.chat_id = data.chat,
              .message_id = data.message_id,
              .text = data.text,
              .sender = {.addr = data.sender.addr,
                         .name = data.sender.name,
                         .fingerprint = data.sender.fingerprint,
                         .verified = data.sender.verified,
                         .is_admin = data.sender.is_admin},
              .timestamp = data.timestamp};
  if (data.quote) {
    out.has_quote = true;
    out.quote_text = data.quote->text;
    out.quote_sender = data.quote->sender_fingerprint;
    out.quote_is_bot = data.quote->quotes_bot;
  }
  return out;
}

}  // namespace

// The Host of one attached plugin: actions go to the Bot, storage to the given Storage. While a
// handler runs, `current` is its event, so ev:reply quotes the message like MessageEvent::reply.
class BotPlugin::BotHost final : public Host {
 public:
  BotHost(Bot& bot, Storage& storage) : bot_(&bot), storage_(&storage) {}

  Result<> send_text(std::int64_t chat_id, std::string_view text) override {
    return bot_->send_text(chat_id, text);
  }

  Result<> send_file(std::int64_t chat_id, const std::filesystem::path& file,
                     std::string_view text) override {
    return bot_->send_file(chat_id, file, text);
  }

  Result<std::string> invite_link() override { return bot_->invite_link(); }

  Result<std::vector<std::string>> admins() override { return bot_->admins(); }

  Result<std::int64_t> chat_with(std::string_view fingerprint) override {
    return bot_->chat_with(fingerprint);
  }

  Result<std::int64_t> send_webxdc(std::int64_t chat_id, const std::filesystem::path& app,
                                   std::string_view text) override {
    DCBOT_TRY(auto sent, bot_->send_webxdc(chat_id, app, text));
    return sent.message_id;
  }

  Result<> send_webxdc_update(std::int64_t instance, std::string_view payload_json,
                              std::string_view info, std::string_view summary,
                              std::string_view document) override {
    return bot_->send_webxdc_update(instance, payload_json, info, summary, document);
  }

  Result<std::string> webxdc_self_addr(std::string_view fingerprint,
                                       std::string_view instance_mid) override {
    return chat::webxdc_self_addr(fingerprint, instance_mid);
  }

  Result<> react(std::int64_t chat_id, std::string_view target_mid,
                 std::string_view emoji) override {
    return bot_->react(chat_id, target_mid, emoji);
  }

  Result<std::vector<std::string>> group_action(std::string_view kind,
                                                const std::vector<std::int64_t>& numbers,
                                                const std::vector<std::string>& texts) override {
    using Out = std::vector<std::string>;
    const ChatId chat = numbers.empty() ? 0 : numbers[0];
    if (kind == "create_group") {
      std::vector<std::string> members(texts.begin() + 1, texts.end());
      DCBOT_TRY(auto id, bot_->create_group(texts[0], members));
      return Out{std::to_string(id)};
    }
    if (kind == "admin_group") {
      const auto group = bot_->admin_group();
      return group ? Out{std::to_string(*group)} : Out{};
    }
    if (kind == "create_channel") {
      DCBOT_TRY(auto id, bot_->create_channel(texts[0]));
      return Out{std::to_string(id)};
    }
    if (kind == "add_member") {
      DCBOT_TRY(bot_->add_member(chat, texts[0]));
      return Out{};
    }
    if (kind == "remove_member") {
      DCBOT_TRY(bot_->remove_member(chat, texts[0]));
      return Out{};
    }
    if (kind == "rename_group") {
      DCBOT_TRY(bot_->rename_group(chat, texts[0]));
      return Out{};
    }
    if (kind == "leave_group") {
      DCBOT_TRY(bot_->leave_group(chat));
      return Out{};
    }
    if (kind == "group_invite_link") {
      DCBOT_TRY(auto link, bot_->group_invite_link(chat));
      return Out{link};
    }
    if (kind == "channel_invite_link") {
      DCBOT_TRY(auto link, bot_->channel_invite_link(chat));
      return Out{link};
    }
    if (kind == "group_members") {
      DCBOT_TRY(auto members, bot_->group_members(chat));
      Out out;
      for (const auto& m : members) {
        out.push_back(m.fingerprint);
      }
      return out;
    }
    if (kind == "send") {
      DCBOT_TRY(auto sent, bot_->send(chat, texts[0]));
      return Out{sent.rfc724_mid};
    }
    if (kind == "edit_message") {
      DCBOT_TRY(bot_->edit_message(chat, texts[0], texts[1]));
      return Out{};
    }
    if (kind == "delete_message") {
      DCBOT_TRY(bot_->delete_message(chat, texts[0]));
      return Out{};
    }
    return make_error(Errc::Unsupported, fmt::format("{} is not a bot action", kind));
  }

  Result<> reply(const Message& message, std::string_view text) override {
    if (current != nullptr && current->message_id() == message.message_id) {
      return current->reply(text);
    }
    return bot_->send_text(message.chat_id, text);
  }

  Result<std::optional<std::string>> storage_get(std::string_view key) override {
    return storage_->get(key);
  }

  Result<> storage_set(std::string_view key, std::string_view value) override {
    return storage_->set(key, value);
  }

  Result<> storage_delete(std::string_view key) override { return storage_->erase(key); }

  Result<> schedule_timer(Plugin& plugin, std::uint64_t id, std::chrono::milliseconds delay,
                          bool repeat) override {
    std::weak_ptr<BotPlugin> weak = owner->self_;
    Plugin* target = &plugin;
    auto fire = [weak, target, id, repeat, this] {
      auto self = weak.lock();
      // Timers of a replaced plugin version are cancelled on reload; this check is the belt.
      if (!self || self->plugin_.get() != target) {
        return;
      }
      if (!repeat) {
        timers.erase({target, id});
      }
      auto result = target->handle_timer(id);
      if (!result && result.error().code != Errc::NotFound) {
        log::error("{}", result.error().message);
      }
    };
    TimerId timer = repeat ? bot_->every(delay, fire) : bot_->after(delay, fire);
    timers[{target, id}] = timer;
    return {};
  }

  void cancel_timer(Plugin& plugin, std::uint64_t id) override {
    auto it = timers.find({&plugin, id});
    if (it != timers.end()) {
      bot_->cancel_timer(it->second);
      timers.erase(it);
    }
  }

  // Cancels every timer not of `plugin` (versions that failed to load).
  void cancel_all_except(const Plugin* plugin) {
    for (auto it = timers.begin(); it != timers.end();) {
      if (it->first.first != plugin) {
        bot_->cancel_timer(it->second);
        it = timers.erase(it);
      } else {
        ++it;
      }
    }
  }

  // Cancels every timer of `plugin` (a version that is replaced).
  void cancel_all(const Plugin* plugin) {
    for (auto it = timers.begin(); it != timers.end();) {
      if (it->first.first == plugin) {
        bot_->cancel_timer(it->second);
        it = timers.erase(it);
      } else {
        ++it;
      }
    }
  }

  void log(log::Level level, std::string_view message) override {
    if (log::enabled(level)) {
      log::write(level, fmt::format("lua: plugin \"{}\": {}", name, message));
    }
  }

  std::string name;
  const MessageEvent* current = nullptr;
  BotPlugin* owner = nullptr;
  // The bot's timer behind each plugin timer (by plugin version and the plugin's timer id).
  std::map<std::pair<const Plugin*, std::uint64_t>, TimerId> timers;

 private:
  Bot* bot_;
  Storage* storage_;
};

BotPlugin::BotPlugin(Bot& bot, Storage& storage)
    : bot_(&bot), host_(std::make_unique<BotHost>(bot, storage)) {
  host_->owner = this;
}

// Doesn't touch the Bot: the last owners are the bot's handler tables, destroyed with it. Timers
// left behind hold only a weak pointer and do nothing.
BotPlugin::~BotPlugin() = default;

Result<std::shared_ptr<BotPlugin>> BotPlugin::attach(Bot& bot, std::filesystem::path file,
                                                     config::Value config, Storage& storage,
                                                     Limits limits) {
  std::shared_ptr<BotPlugin> self(new BotPlugin(bot, storage));
  self->self_ = self;  // Before loading: the main chunk may start timers.
  std::string name = file.stem().string();
  self->host_->name = name;
  auto loaded =
      Plugin::load(std::move(name), std::move(file), std::move(config), *self->host_, limits);
  if (!loaded) {
    self->host_->cancel_all_except(nullptr);  // Timers its main chunk started before failing.
    return loaded.error();
  }
  self->plugin_ = std::move(*loaded);
  self->register_handlers(self);
  log::info("lua: plugin \"{}\": loaded {} ({} commands)", self->plugin_->name(),
            self->plugin_->file().string(), self->plugin_->commands().size());
  return self;
}

void BotPlugin::register_handlers(const std::shared_ptr<BotPlugin>& self) {
  if (plugin_->message_handler_count() > 0 && !message_handler_registered_) {
    bot_->on_message([self](const MessageEvent& ev) { self->handle_message(ev); });
    message_handler_registered_ = true;
  }
  for (const Command& command : plugin_->commands()) {
    if (std::find(registered_commands_.begin(), registered_commands_.end(), command.name)
        != registered_commands_.end()) {
      continue;
    }
    bot_->on_command(
        command.name, command.description,
        [self](const CommandEvent& ev) { self->handle_command(ev); },
        CommandOptions{.admin_only = command.admin_only});
    registered_commands_.push_back(command.name);
  }
  register_events(self);
}

namespace {

std::vector<Field> fields_of(const ContactVerifiedEvent& ev) {
  return {{"fingerprint", ev.fingerprint}, {"addr", ev.addr}, {"chat_id", ev.chat}};
}

std::vector<Field> fields_of(const ReactionEvent& ev) {
  return {{"chat_id", ev.chat},
          {"target_mid", ev.target_mid},
          {"sender_fingerprint", ev.sender_fingerprint},
          {"emoji", ev.emoji},
          {"timestamp", ev.timestamp}};
}

std::vector<Field> fields_of(const EditEvent& ev) {
  return {{"chat_id", ev.chat},
          {"message_id", ev.message_id},
          {"target_mid", ev.target_mid},
          {"sender_fingerprint", ev.sender_fingerprint},
          {"text", ev.text},
          {"timestamp", ev.timestamp}};
}

std::vector<Field> fields_of(const DeleteEvent& ev) {
  return {{"chat_id", ev.chat},
          {"target_mids", ev.target_mids},
          {"sender_fingerprint", ev.sender_fingerprint},
          {"timestamp", ev.timestamp}};
}

std::vector<Field> fields_of(const WebxdcUpdateEvent& ev) {
  return {{"chat_id", ev.chat},
          {"instance", ev.instance},
          {"instance_mid", ev.instance_mid},
          {"sender_fingerprint", ev.sender.fingerprint},
          {"sender_addr", ev.sender.addr},
          {"sender_name", ev.sender.name},
          {"sender_is_admin", ev.sender.is_admin},
          {"payload", ev.payload},
          {"info", ev.info},
          {"summary", ev.summary},
          {"document", ev.document},
          {"timestamp", ev.timestamp}};
}

std::vector<Field> fields_of(const GroupJoinedEvent& ev) {
  return {{"chat_id", ev.chat},
          {"name", ev.name},
          {"actor_fingerprint", ev.actor_fingerprint},
          {"member_fingerprints", ev.member_fingerprints}};
}

std::vector<Field> fields_of(const MemberAddedEvent& ev) {
  return {{"chat_id", ev.chat},
          {"fingerprint", ev.fingerprint},
          {"addr", ev.addr},
          {"actor_fingerprint", ev.actor_fingerprint}};
}

std::vector<Field> fields_of(const MemberRemovedEvent& ev) {
  return {{"chat_id", ev.chat},
          {"fingerprint", ev.fingerprint},
          {"addr", ev.addr},
          {"actor_fingerprint", ev.actor_fingerprint},
          {"left", ev.left}};
}

std::vector<Field> fields_of(const GroupRemovedEvent& ev) {
  return {{"chat_id", ev.chat}, {"actor_fingerprint", ev.actor_fingerprint}};
}

std::vector<Field> fields_of(const GroupRenamedEvent& ev) {
  return {{"chat_id", ev.chat},
          {"old_name", ev.old_name},
          {"new_name", ev.new_name},
          {"actor_fingerprint", ev.actor_fingerprint}};
}

std::vector<Field> fields_of(const ChannelSubscriberEvent& ev) {
  return {{"chat_id", ev.chat},
          {"fingerprint", ev.fingerprint},
          {"addr", ev.addr},
          {"subscribed", ev.subscribed}};
}

std::vector<Field> fields_of(const DeliveredEvent& ev) {
  return {{"chat_id", ev.chat}, {"rfc724_mid", ev.rfc724_mid}};
}

std::vector<Field> fields_of(const DeliveryFailedEvent& ev) {
  return {{"chat_id", ev.chat},
          {"rfc724_mid", ev.rfc724_mid},
          {"recipients", ev.recipients},
          {"error", ev.error}};
}

}  // namespace

void BotPlugin::handle_event(std::string_view kind, const std::vector<Field>& fields) {
  auto result = plugin_->handle_event(kind, fields);
  if (!result) {
    log::error("{}", result.error().message);
  }
}

void BotPlugin::register_events(const std::shared_ptr<BotPlugin>& self) {
  for (std::string_view kind : kEventKinds) {
    if (plugin_->event_handler_count(kind) == 0
        || std::find(registered_events_.begin(), registered_events_.end(), kind)
               != registered_events_.end()) {
      continue;
    }
    registered_events_.emplace_back(kind);
    auto forward = [self, kind](const auto& ev) {
      self->handle_event(kind, fields_of(ev));
    };
    if (kind == "contact_verified") {
      bot_->on_contact_verified(forward);
    } else if (kind == "reaction") {
      bot_->on_reaction(forward);
    } else if (kind == "edit") {
      bot_->on_edit(forward);
    } else if (kind == "delete") {
      bot_->on_delete(forward);
    } else if (kind == "delivered") {
      bot_->on_delivered(forward);
    } else if (kind == "delivery_failed") {
      bot_->on_delivery_failed(forward);
    } else if (kind == "webxdc_update") {
      bot_->on_webxdc_update(forward);
    } else if (kind == "group_joined") {
      bot_->on_group_joined(forward);
    } else if (kind == "member_added") {
      bot_->on_member_added(forward);
    } else if (kind == "member_removed") {
      bot_->on_member_removed(forward);
    } else if (kind == "group_removed") {
      bot_->on_group_removed(forward);
    } else if (kind == "group_renamed") {
      bot_->on_group_renamed(forward);
    } else if (kind == "channel_subscriber") {
      bot_->on_channel_subscriber(forward);
    } else if (kind == "start") {
      bot_->on_start([self, kind] { self->handle_event(kind, {}); });
    } else if (kind == "stop") {
      bot_->on_stop([self, kind] { self->handle_event(kind, {}); });
    }
  }
}

void BotPlugin::handle_message(const MessageEvent& ev) {
  const Message message = to_lua(ev);
  host_->current = &ev;
  auto result = plugin_->handle_message(message);
  host_->current = nullptr;
  if (!result) {
    log::error("{}", result.error().message);
  }
}

void BotPlugin::handle_command(const CommandEvent& ev) {
  if (!plugin_->has_command(ev.command())) {
    log::debug("lua: plugin \"{}\": {} is gone since the last reload", plugin_->name(),
               ev.command());
    return;
  }
  const Message message = to_lua(ev);
  host_->current = &ev;
  auto result = plugin_->handle_command(message, ev.command(), ev.args());
  host_->current = nullptr;
  if (!result) {
    log::error("{}", result.error().message);
  }
}

Result<> BotPlugin::reload() {
  return swap_in(plugin_->reload());
}

Result<> BotPlugin::reload(config::Value config) {
  return swap_in(plugin_->reload(std::move(config)));
}

Result<> BotPlugin::swap_in(Result<std::unique_ptr<Plugin>> fresh) {
  DCBOT_CHECK(host_->current == nullptr, "lua: reload from inside the plugin's own handler");
  if (!fresh) {
    // Its load may have started timers before failing; the running version keeps its own.
    host_->cancel_all_except(plugin_.get());
    return fresh.error();
  }
  host_->cancel_all(plugin_.get());
  plugin_ = std::move(*fresh);
  if (auto self = self_.lock()) {
    register_handlers(self);
  }
  log::info("lua: plugin \"{}\": reloaded {}", plugin_->name(), plugin_->file().string());
  return {};
}

namespace {

// The stand-in bot of check_plugin.
class CheckHost final : public Host {
 public:
  explicit CheckHost(std::string name) : name_(std::move(name)) {}

  Result<> send_text(std::int64_t /*chat_id*/, std::string_view /*text*/) override { return {}; }

  Result<> send_file(std::int64_t /*chat_id*/, const std::filesystem::path& /*file*/,
                     std::string_view /*text*/) override {
    return {};
  }

  Result<std::string> invite_link() override { return std::string("https://i.delta.chat/#"); }

  Result<> reply(const Message& /*message*/, std::string_view /*text*/) override { return {}; }

  Result<std::optional<std::string>> storage_get(std::string_view /*key*/) override {
    return std::optional<std::string>{};
  }

  Result<> storage_set(std::string_view /*key*/, std::string_view /*value*/) override { return {}; }

  Result<> storage_delete(std::string_view /*key*/) override { return {}; }

  Result<> schedule_timer(Plugin& /*plugin*/, std::uint64_t /*id*/,
                          std::chrono::milliseconds /*delay*/, bool /*repeat*/) override {
    return {};
  }

  void log(log::Level level, std::string_view message) override {
    if (log::enabled(level)) {
      log::write(level, fmt::format("lua: plugin \"{}\" (check): {}", name_, message));
    }
  }

 private:
  std::string name_;
};

}  // namespace

Result<> check_plugin(const std::filesystem::path& file, config::Value config) {
  std::string name = file.stem().string();
  CheckHost host(name);
  DCBOT_TRY(auto plugin, Plugin::load(std::move(name), file, std::move(config), host));
  return {};
}

}  // namespace dcbot::lua
