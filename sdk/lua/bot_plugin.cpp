// SPDX-License-Identifier: MIT
#include "lua/bot_plugin.h"

#include <algorithm>
#include <utility>

#include "dcbot/events.h"
#include "dcbot/log.h"

namespace dcbot::lua {
namespace {

Message to_lua(const MessageEvent& ev) {
  const MessageData& data = ev.data();
  return Message{.chat_id = data.chat,
                 .message_id = data.message_id,
                 .text = data.text,
                 .sender = {.addr = data.sender.addr,
                            .name = data.sender.name,
                            .fingerprint = data.sender.fingerprint,
                            .verified = data.sender.verified},
                 .timestamp = data.timestamp};
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

  void log(log::Level level, std::string_view message) override {
    if (log::enabled(level)) {
      log::write(level, fmt::format("lua: plugin \"{}\": {}", name, message));
    }
  }

  std::string name;
  const MessageEvent* current = nullptr;

 private:
  Bot* bot_;
  Storage* storage_;
};

BotPlugin::BotPlugin(Bot& bot, Storage& storage)
    : bot_(&bot), host_(std::make_unique<BotHost>(bot, storage)) {}

BotPlugin::~BotPlugin() = default;

Result<std::shared_ptr<BotPlugin>> BotPlugin::attach(Bot& bot, std::filesystem::path file,
                                                     config::Value config, Storage& storage,
                                                     Limits limits) {
  std::shared_ptr<BotPlugin> self(new BotPlugin(bot, storage));
  std::string name = file.stem().string();
  self->host_->name = name;
  DCBOT_TRY(self->plugin_, Plugin::load(std::move(name), std::move(file), std::move(config),
                                        *self->host_, limits));
  self->self_ = self;
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
    bot_->on_command(command.name, command.description,
                     [self](const CommandEvent& ev) { self->handle_command(ev); });
    registered_commands_.push_back(command.name);
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
  DCBOT_CHECK(host_->current == nullptr, "lua: reload from inside the plugin's own handler");
  DCBOT_TRY(auto fresh, plugin_->reload());
  plugin_ = std::move(fresh);
  if (auto self = self_.lock()) {
    register_handlers(self);
  }
  log::info("lua: plugin \"{}\": reloaded {}", plugin_->name(), plugin_->file().string());
  return {};
}

}  // namespace dcbot::lua
