// SPDX-License-Identifier: MIT
// A group bot on the public API (docs/groups-webxdc.md): it makes groups for people who verified
// it, manages their members, hands out invite links, and runs a yes/no poll app whose votes it
// tallies from the webxdc status updates. `dcbot-group-example run bot.yaml`.
//
//   /group NAME       a new group with you and the bot
//   /invite           (in a group) the group's invite link
//   /add ADDR         (in a group) adds a contact the bot knows
//   /remove ADDR      (in a group)
//   /rename NAME      (in a group)
//   /members          (in a group)
//   /poll QUESTION    (in any chat) sends the poll app
//   /leave            (in a group) the bot leaves
#include <map>
#include <string>

#include "dcbot/bot.h"

namespace {

// Yes and no votes per poll instance (in memory: a real bot would keep them in its store).
struct Tally {
  std::map<std::string, std::string> votes;  // Voter fingerprint -> "yes" / "no".
};

// Replies with the error, or with `ok` when the action worked.
void answer(const dcbot::CommandEvent& ev, const dcbot::Result<>& result, const std::string& ok) {
  ev.reply(result ? ok : "Sorry: " + result.error().message);
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::int64_t, Tally> polls;
  return dcbot::run(argc, argv, [&polls](dcbot::Bot& bot) {
    bot.on_command("/group", "NAME: a new group with you and me", [&bot](dcbot::CommandEvent ev) {
      if (ev.args().empty()) {
        ev.reply("Usage: /group NAME");
        return;
      }
      auto group = bot.create_group(ev.args(), {ev.sender().fingerprint});
      if (!group) {
        ev.reply("Sorry: " + group.error().message);
        return;
      }
      // The group appears for its members with its first message.
      (void)bot.send_text(*group, "Here is your group. /help lists what I can do.");
    });
    bot.on_command("/invite", "the group's invite link", [&bot](dcbot::CommandEvent ev) {
      auto link = bot.group_invite_link(ev.chat());
      ev.reply(link ? *link : "Sorry: " + link.error().message);
    });
    bot.on_command("/add", "ADDR: adds a member", [&bot](dcbot::CommandEvent ev) {
      answer(ev, bot.add_member(ev.chat(), ev.args()), "Added.");
    });
    bot.on_command("/remove", "ADDR: removes a member", [&bot](dcbot::CommandEvent ev) {
      answer(ev, bot.remove_member(ev.chat(), ev.args()), "Removed.");
    });
    bot.on_command("/rename", "NAME: renames the group", [&bot](dcbot::CommandEvent ev) {
      auto renamed = bot.rename_group(ev.chat(), ev.args());
      if (!renamed) {
        ev.reply("Sorry: " + renamed.error().message);
      }
    });
    bot.on_command("/members", "lists the members", [&bot](dcbot::CommandEvent ev) {
      auto members = bot.group_members(ev.chat());
      if (!members) {
        ev.reply("Sorry: " + members.error().message);
        return;
      }
      std::string text = "Members besides me:";
      for (const auto& m : *members) {
        text += "\n" + (m.name.empty() ? m.addr : m.name + " <" + m.addr + ">");
        text += m.verified ? " ✓" : "";
      }
      ev.reply(text);
    });
    bot.on_command("/leave", "I leave the group", [&bot](dcbot::CommandEvent ev) {
      auto left = bot.leave_group(ev.chat());
      if (!left) {
        ev.reply("Sorry: " + left.error().message);
      }
    });
    bot.on_command("/poll", "QUESTION: a yes/no poll", [&bot](dcbot::CommandEvent ev) {
      auto sent = bot.send_webxdc(ev.chat(), GROUP_BOT_APP_DIR,
                                  ev.args().empty() ? "Yes or no?" : ev.args());
      if (!sent) {
        ev.reply("Sorry: " + sent.error().message);
      }
    });

    bot.on_group_joined([&bot](const dcbot::GroupJoinedEvent& ev) {
      (void)bot.send_text(ev.chat, "Hello " + ev.name + "! /help lists what I can do.");
    });
    bot.on_member_added([&bot](const dcbot::MemberAddedEvent& ev) {
      (void)bot.send_text(ev.chat, "Welcome, " + ev.addr + "!");
    });

    // Every vote: count it and publish the tally as the app's summary (one batched update mail
    // after this handler).
    bot.on_webxdc_update([&bot, &polls](const dcbot::WebxdcUpdateEvent& ev) {
      const std::string& p = ev.payload;
      const bool yes = p.find("\"vote\":\"yes\"") != std::string::npos;
      const bool no = p.find("\"vote\":\"no\"") != std::string::npos;
      if (!yes && !no) {
        return;
      }
      auto& tally = polls[ev.instance];
      tally.votes[ev.sender.fingerprint] = yes ? "yes" : "no";
      int yes_count = 0;
      for (const auto& [voter, vote] : tally.votes) {
        yes_count += vote == "yes" ? 1 : 0;
      }
      const int no_count = static_cast<int>(tally.votes.size()) - yes_count;
      const std::string summary =
          "yes: " + std::to_string(yes_count) + ", no: " + std::to_string(no_count);
      (void)bot.send_webxdc_update(ev.instance, R"({"tally":")" + summary + "\"}", {}, summary);
    });
  });
}
