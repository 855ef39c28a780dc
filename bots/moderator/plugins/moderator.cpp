// SPDX-License-Identifier: MIT
// The community moderator (bots/moderator/README.md, docs/moderation.md): a C++ plugin that keeps
// order in every group the bot is in. Its admins are the verified members of the bot's admin group
// (`dcbot admin CONFIG`); everything it does is written to that group as an audit log.
//
// Delta Chat groups have no roles: every member may add and remove members, and nobody can delete
// another member's message. The bot therefore moderates by what a member can do: it warns,
// removes members, and removes banned people again whenever someone adds them back.
#include <chrono>
#include <ctime>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "dcbot/bot.h"
#include "dcbot/log.h"
#include "dcbot/plugin.h"

#include "policy.h"

namespace moderator {
namespace {

using dcbot::Bot;
using dcbot::ChatId;
using dcbot::CommandEvent;
using dcbot::Result;

std::int64_t unix_now() {
  return static_cast<std::int64_t>(std::time(nullptr));
}

std::string describe(std::string_view name, std::string_view addr) {
  if (name.empty()) {
    return std::string(addr);
  }
  return fmt::format("{} <{}>", name, addr);
}

class Moderator final : public dcbot::Plugin {
 public:
  Result<> start(dcbot::PluginContext& ctx) override {
    DCBOT_TRY(settings_, parse_settings(ctx.config()));
    bot_ = &ctx.bot();
    ctx_ = &ctx;
    storage_.emplace(ctx.bot().storage(ctx.name()));
    flood_ = std::make_unique<FloodCounter>(settings_.flood_messages, settings_.flood_seconds);
    Bot& bot = *bot_;
    const dcbot::CommandOptions admins_only{.admin_only = true};

    bot.on_command("/rules", "the rules of this group",
                   [this](CommandEvent ev) { ev.reply(settings_.rules); });
    bot.on_command("/report", "reply to a message with /report [why] to flag it to the admins",
                   [this](CommandEvent ev) { report(ev); });
    bot.on_command(
        "/kick", "reply to a message with /kick, or /kick ADDRESS [why]: removes the member",
        [this](CommandEvent ev) { remove(ev, false); }, admins_only);
    bot.on_command(
        "/ban", "like /kick, and removes the member again whenever someone adds them back",
        [this](CommandEvent ev) { remove(ev, true); }, admins_only);
    bot.on_command(
        "/unban", "ADDRESS or fingerprint: lifts a ban", [this](CommandEvent ev) { unban(ev); },
        admins_only);
    bot.on_command(
        "/bans", "lists the bans", [this](CommandEvent ev) { list_bans(ev); }, admins_only);
    bot.on_command(
        "/newgroup", "NAME: a new moderated group and its invite link",
        [this](CommandEvent ev) { new_group(ev); }, admins_only);

    bot.on_message([this](dcbot::MessageEvent ev) { check_message(ev); });
    bot.on_member_added([this](dcbot::MemberAddedEvent ev) { member_added(ev); });
    bot.on_group_joined([this](dcbot::GroupJoinedEvent ev) { group_joined(ev); });
    bot.on_group_removed([this](dcbot::GroupRemovedEvent ev) {
      (void)storage_->erase(group_key(ev.chat));
      known_.erase(ev.chat);
      audit(fmt::format("removed from \"{}\" by {}.", group_title(ev.chat),
                        actor_name(ev.chat, ev.actor_fingerprint)));
    });
    return {};
  }

 private:
  static std::string group_key(ChatId chat) { return fmt::format("group:{}", chat); }

  // A group the bot moderates: every group it is in but the admin group. Remembered in storage
  // (for /kick and /ban in every group) the first time it is seen.
  bool moderated(ChatId chat) {
    if (chat == bot_->admin_group()) {
      return false;
    }
    auto name = bot_->group_name(chat);
    if (!name) {
      return false;
    }
    if (known_.insert(chat).second) {
      (void)storage_->set(group_key(chat), "1");
    }
    return true;
  }

  std::string group_title(ChatId chat) {
    auto name = bot_->group_name(chat);
    return name ? *name : fmt::format("chat {}", chat);
  }

  std::vector<ChatId> groups() {
    std::vector<ChatId> out;
    auto keys = storage_->keys("group:");
    if (!keys) {
      return out;
    }
    for (const auto& key : *keys) {
      try {
        const ChatId chat = std::stoll(key.substr(6));
        if (bot_->group_name(chat) && chat != bot_->admin_group()) {
          out.push_back(chat);
        }
      } catch (const std::exception&) {
        (void)storage_->erase(key);
      }
    }
    return out;
  }

  // Writes a moderation action to the admin group and the log.
  void audit(const std::string& text) {
    dcbot::log::info("moderator: {}", text);
    if (auto group = bot_->admin_group()) {
      (void)bot_->send_text(*group, "Moderation: " + text);
    }
  }

  std::optional<dcbot::GroupMember> member(ChatId chat, std::string_view fingerprint,
                                           std::string_view addr) {
    auto members = bot_->group_members(chat);
    if (!members) {
      return std::nullopt;
    }
    for (auto& m : *members) {
      if ((!fingerprint.empty() && m.fingerprint == fingerprint)
          || (fingerprint.empty() && !addr.empty() && lower(m.addr) == lower(addr))) {
        return m;
      }
    }
    return std::nullopt;
  }

  bool is_admin(const dcbot::GroupMember& m) const {
    return bot_->is_admin(
        dcbot::Sender{.fingerprint = m.fingerprint, .addr = m.addr, .verified = m.verified});
  }

  std::optional<Ban> ban_of(std::string_view fingerprint, std::string_view addr) {
    for (std::string key : {fmt::format("ban:{}", fingerprint), fmt::format("ban:{}", addr)}) {
      if (key == "ban:") {
        continue;
      }
      auto stored = storage_->get(key);
      if (stored && *stored) {
        return parse_ban(**stored);
      }
    }
    return std::nullopt;
  }

  // ---- Messages: flood control and filters ----

  void check_message(const dcbot::MessageEvent& ev) {
    const dcbot::Sender& sender = ev.sender();
    if (sender.is_admin || !moderated(ev.chat())) {
      return;
    }
    if (!member(ev.chat(), sender.fingerprint, {})) {
      return;  // Removed meanwhile: what else they sent before is moot.
    }
    if (flood_->add(ev.chat(), sender.fingerprint, ev.timestamp())) {
      strike(ev, fmt::format("more than {} messages in {} seconds", settings_.flood_messages,
                             settings_.flood_seconds));
      return;
    }
    if (auto hit = filter_hit(settings_, ev.text())) {
      strike(ev, "a message with " + *hit);
    }
  }

  // Warns the sender, or removes them once they have had their warnings.
  void strike(const dcbot::MessageEvent& ev, const std::string& why) {
    const dcbot::Sender& sender = ev.sender();
    const std::string key = fmt::format("strikes:{}:{}", ev.chat(), sender.fingerprint);
    const std::int64_t now = unix_now();
    Strikes strikes;
    if (auto stored = storage_->get(key); stored && *stored) {
      strikes = parse_strikes(**stored, now, settings_.strike_expiry_seconds);
    }
    const std::string who = describe(sender.name, sender.addr);
    const std::string group = group_title(ev.chat());
    if (strikes.count < settings_.warnings) {
      strikes.count += 1;
      strikes.last = now;
      (void)storage_->set(key, format_strikes(strikes));
      ev.reply(fmt::format(
          "{}, this breaks the rules of this group ({}). Warning {} of {}: next time I remove you. "
          "(I cannot delete messages; please delete it yourself.)",
          sender.name.empty() ? sender.addr : sender.name, why, strikes.count, settings_.warnings));
      audit(fmt::format("warned {} in \"{}\": {}", who, group, why));
      return;
    }
    (void)storage_->erase(key);
    flood_->forget(ev.chat(), sender.fingerprint);
    auto removed = bot_->remove_member(ev.chat(), sender.fingerprint);
    if (!removed) {
      audit(fmt::format("could not remove {} from \"{}\" ({}): {}", who, group, why,
                        removed.error().message));
      return;
    }
    audit(fmt::format("removed {} from \"{}\" after {} warning(s): {}", who, group,
                      settings_.warnings, why));
  }

  // ---- Members ----

  void member_added(const dcbot::MemberAddedEvent& ev) {
    if (!moderated(ev.chat)) {
      return;
    }
    auto m = member(ev.chat, ev.fingerprint, ev.addr);
    const std::string name = m && !m->name.empty() ? m->name : ev.addr;
    const std::string group = group_title(ev.chat);
    if (auto ban = ban_of(ev.fingerprint, lower(ev.addr))) {
      auto removed = bot_->remove_member(ev.chat, ev.fingerprint);
      auto actor = actor_name(ev.chat, ev.actor_fingerprint);
      if (!removed) {
        audit(fmt::format("could not remove banned {} from \"{}\" (added by {}): {}", ev.addr,
                          group, actor, removed.error().message));
        return;
      }
      (void)bot_->send_text(ev.chat,
                            fmt::format("{} is banned from this community and was removed.", name));
      audit(fmt::format("removed banned {} from \"{}\" again (added by {})",
                        describe(name, ev.addr), group, actor));
      return;
    }
    if (!settings_.welcome.empty()) {
      // A moment later: sent right away, the welcome can reach the new member's client before the
      // member-added mail does, and a Delta Chat core that sees a group message from the bot
      // before it knows the bot is a member never learns it (docs/moderation.md).
      const ChatId chat = ev.chat;
      bot_->after(kWelcomeDelay,
                  [this, chat, text = render(settings_.welcome, name, group, settings_.rules),
                   alive = ctx_->keep_alive()] { (void)bot_->send_text(chat, text); });
    }
  }

  std::string actor_name(ChatId chat, const std::string& fingerprint) {
    if (fingerprint.empty()) {
      return "someone";
    }
    if (fingerprint == bot_->fingerprint()) {
      return "the bot (invite link)";
    }
    if (auto m = member(chat, fingerprint, {})) {
      return describe(m->name, m->addr);
    }
    return fingerprint;
  }

  void group_joined(const dcbot::GroupJoinedEvent& ev) {
    if (!moderated(ev.chat)) {
      return;
    }
    if (!settings_.intro.empty()) {
      (void)bot_->send_text(ev.chat, settings_.intro);
    }
    audit(fmt::format("added to \"{}\" by {}; moderating it.", group_title(ev.chat),
                      actor_name(ev.chat, ev.actor_fingerprint)));
    // Banned people already in a group the bot enters are removed too.
    auto members = bot_->group_members(ev.chat);
    if (!members) {
      return;
    }
    for (const auto& m : *members) {
      if (ban_of(m.fingerprint, lower(m.addr)) && bot_->remove_member(ev.chat, m.fingerprint)) {
        audit(fmt::format("removed banned {} from \"{}\"", describe(m.name, m.addr),
                          group_title(ev.chat)));
      }
    }
  }

  // ---- Commands ----

  // /kick and /ban: in a moderated group, the member whose message the command replies to or the
  // one named; anywhere else (the admin group, a 1:1 chat) the one named, in every group.
  void remove(const CommandEvent& ev, bool ban) {
    const char* verb = ban ? "/ban" : "/kick";
    Target target = parse_target(ev.args());
    const bool in_group = moderated(ev.chat());
    if (target.fingerprint.empty() && target.addr.empty() && in_group && ev.quote()
        && !ev.quote()->sender_fingerprint.empty()) {
      target.fingerprint = ev.quote()->sender_fingerprint;
      target.reason = std::string(ev.args());
    }
    if (target.fingerprint.empty() && target.addr.empty()) {
      ev.reply(fmt::format(
          "Reply to a member's message with {0} [reason], or send {0} ADDRESS [reason].", verb));
      return;
    }
    if (target.fingerprint == bot_->fingerprint() || target.addr == lower(bot_->addr())) {
      ev.reply("I cannot remove myself.");
      return;
    }
    std::vector<ChatId> chats = in_group && !ban ? std::vector<ChatId>{ev.chat()} : groups();
    std::string name = target.addr;
    std::string addr = target.addr;
    std::string fingerprint = target.fingerprint;
    std::vector<std::string> removed_from;
    for (ChatId chat : chats) {
      auto m = member(chat, fingerprint, addr);
      if (!m) {
        continue;
      }
      if (is_admin(*m)) {
        ev.reply(fmt::format("{} is an admin; remove them from the admin group first.",
                             describe(m->name, m->addr)));
        return;
      }
      fingerprint = m->fingerprint;
      addr = lower(m->addr);
      name = describe(m->name, m->addr);
      if (auto r = bot_->remove_member(chat, m->fingerprint); r) {
        removed_from.push_back("\"" + group_title(chat) + "\"");
      } else {
        dcbot::log::warn("moderator: {} {} in chat {}: {}", verb, name, chat, r.error().message);
      }
    }
    const std::string who = describe(ev.sender().name, ev.sender().addr);
    const std::string why = target.reason.empty() ? "" : " Reason: " + target.reason;
    if (ban) {
      const std::string by_fpr = fingerprint.empty() ? addr : fingerprint;
      Ban entry{.addr = addr, .reason = target.reason, .by = who, .since = unix_now()};
      (void)storage_->set("ban:" + by_fpr, format_ban(entry));
      if (!fingerprint.empty() && !addr.empty()) {
        (void)storage_->set("ban:" + addr, format_ban(entry));
      }
    }
    std::string where = removed_from.empty() ? "" : " from ";
    for (std::size_t i = 0; i < removed_from.size(); ++i) {
      where += (i == 0 ? "" : ", ") + removed_from[i];
    }
    if (!ban && removed_from.empty()) {
      ev.reply(fmt::format("{} is no member of {}.", name,
                           in_group ? "this group" : "any group I moderate"));
      return;
    }
    const std::string action = ban ? "banned" : "kicked";
    ev.reply(fmt::format("{} {}{}.", action == "banned" ? "Banned" : "Removed", name, where));
    audit(fmt::format("{} {}{} by {}.{}", action, name, where, who, why));
  }

  void unban(const CommandEvent& ev) {
    const Target target = parse_target(ev.args());
    const std::string key = !target.fingerprint.empty() ? target.fingerprint : target.addr;
    if (key.empty()) {
      ev.reply("Send /unban ADDRESS or /unban FINGERPRINT.");
      return;
    }
    auto stored = storage_->get("ban:" + key);
    if (!stored || !*stored) {
      ev.reply(key + " is not banned.");
      return;
    }
    const Ban ban = parse_ban(**stored);
    (void)storage_->erase("ban:" + key);
    // A ban is kept under the fingerprint and the address: lift both.
    if (!ban.addr.empty()) {
      (void)storage_->erase("ban:" + ban.addr);
    }
    if (auto keys = storage_->keys("ban:")) {
      for (const auto& k : *keys) {
        auto other = storage_->get(k);
        if (other && *other && !ban.addr.empty() && parse_ban(**other).addr == ban.addr) {
          (void)storage_->erase(k);
        }
      }
    }
    const std::string name = ban.addr.empty() ? key : ban.addr;
    ev.reply(fmt::format("{} is no longer banned.", name));
    audit(fmt::format("unbanned {} by {}.", name, describe(ev.sender().name, ev.sender().addr)));
  }

  void list_bans(const CommandEvent& ev) {
    auto keys = storage_->keys("ban:");
    std::string text;
    if (keys) {
      for (const auto& key : *keys) {
        const std::string id = key.substr(4);
        if (id.find('@') != std::string::npos) {
          continue;  // The address entry of a fingerprint ban, or an address-only ban below.
        }
        auto stored = storage_->get(key);
        if (stored && *stored) {
          const Ban ban = parse_ban(**stored);
          text += fmt::format("\n- {} ({}){}", ban.addr.empty() ? id : ban.addr, id.substr(0, 16),
                              ban.reason.empty() ? "" : ": " + ban.reason);
        }
      }
      for (const auto& key : *keys) {
        const std::string id = key.substr(4);
        auto stored = storage_->get(key);
        if (id.find('@') != std::string::npos && stored && *stored) {
          const Ban ban = parse_ban(**stored);
          bool has_key = false;
          for (const auto& k : *keys) {
            auto other = storage_->get(k);
            has_key = has_key
                      || (k.substr(4).find('@') == std::string::npos && other && *other
                          && parse_ban(**other).addr == id);
          }
          if (!has_key) {
            text += fmt::format("\n- {} (address only){}", id,
                                ban.reason.empty() ? "" : ": " + ban.reason);
          }
        }
      }
    }
    ev.reply(text.empty() ? "Nobody is banned." : "Banned:" + text);
  }

  void report(const CommandEvent& ev) {
    if (!moderated(ev.chat())) {
      ev.reply("Use /report in a group, as a reply to the message you want to flag.");
      return;
    }
    auto admin_group = bot_->admin_group();
    if (!admin_group) {
      ev.reply("Sorry, this bot has no admins to tell yet.");
      dcbot::log::warn("moderator: /report without an admin group (run `dcbot admin CONFIG`)");
      return;
    }
    const auto& quote = ev.quote();
    if (!quote && ev.args().empty()) {
      ev.reply("Reply to the message you want to flag with /report [why].");
      return;
    }
    std::string text =
        fmt::format("Report from {} in \"{}\"", describe(ev.sender().name, ev.sender().addr),
                    group_title(ev.chat()));
    if (quote) {
      std::string author = "an unknown member";
      if (quote->quotes_bot) {
        author = "the bot";
      } else if (!quote->sender_fingerprint.empty()) {
        auto m = member(ev.chat(), quote->sender_fingerprint, {});
        author = m ? describe(m->name, m->addr) : quote->sender_fingerprint;
      }
      text += fmt::format(" about a message by {}:\n> {}", author, quote->text);
    }
    if (!ev.args().empty()) {
      text += "\nReason: " + ev.args();
    }
    (void)bot_->send_text(*admin_group, text);
    ev.reply("Thank you, the admins have been told.");
  }

  void new_group(const CommandEvent& ev) {
    if (ev.args().empty()) {
      ev.reply("Send /newgroup NAME.");
      return;
    }
    auto group = bot_->create_group(ev.args(), {});
    if (!group) {
      ev.reply("Sorry: " + group.error().message);
      return;
    }
    (void)storage_->set(group_key(*group), "1");
    auto link = bot_->group_invite_link(*group);
    if (!link) {
      ev.reply("Sorry: " + link.error().message);
      return;
    }
    ev.reply(
        fmt::format("The group \"{}\" is ready. Its invite link (share it; I add whoever "
                    "scans it):\n{}",
                    ev.args(), *link));
    audit(fmt::format("new group \"{}\" created by {}.", ev.args(),
                      describe(ev.sender().name, ev.sender().addr)));
  }

  // How long the welcome waits after the member-added mail (see member_added).
  static constexpr std::chrono::seconds kWelcomeDelay{3};

  Settings settings_{};
  Bot* bot_ = nullptr;
  dcbot::PluginContext* ctx_ = nullptr;
  std::optional<dcbot::Storage> storage_{};
  std::unique_ptr<FloodCounter> flood_{};
  std::set<ChatId> known_{};  // Groups already remembered in storage.
};

}  // namespace
}  // namespace moderator

DCBOT_PLUGIN(moderator::Moderator, "org.dcbot.moderator", "1.0.0")
