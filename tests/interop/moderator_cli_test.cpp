// SPDX-License-Identifier: MIT
// The community moderator (bots/moderator, issue #8) in the `dcbot` program against the real core:
// an admin joins the bot's admin group by the link `dcbot admin` prints, creates a community group
// with /newgroup, and three real-core members join it by its link. New members are welcomed; a
// flooder is warned, then removed; /kick by an admin (as a reply) removes a member and the audit
// log in the admin group says so; /kick by a non-admin is refused; a word filter warns; a banned
// member added back by another member is removed again; /report reaches the admin group; a member
// adds the bot to their own group and it introduces itself.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "support/cli_fixture.h"
#include "support/peer_setup.h"
#include "support/process.h"
#include "support/relay_env.h"
#include "support/rpc_peer.h"

namespace dcbot {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;
using testsupport::lower;
using testsupport::PeerAccount;
using testsupport::RelayEnv;
using testsupport::run_capture;

constexpr auto kWait = 120s;

std::string text_of(const json::object& message) {
  return std::string(message.at("text").as_string());
}

class ModeratorCli : public testsupport::DcbotCliTest {
 protected:
  void SetUp() override {
    // The fixture's user is the admin.
    set_up(DCBOT_BIN, fs::path(DCBOT_BINARY_DIR) / "moderator-cli", "mod-", "Admin");
    bot_addr_ = relay_.fresh_address("modbot-");
    config_ = dir_ / "bot.yaml";
    write_bot(config_, bot_addr_, "Moderator",
              "plugins:\n"
              "  - cpp: moderator\n"
              "    config:\n"
              "      rules: \"Rule 1: be kind.\"\n"
              "      flood: { messages: 3, seconds: 60 }\n"
              "      warnings: 1\n"
              "      filters: { words: [casino] }\n");
    ASSERT_TRUE(user().set_config("displayname", "Admin"));
    users_.push_back(&user());
    for (const char* name : {"Flo", "Ben", "Cleo"}) {
      auto member = testsupport::create_ready_user(*peer_, relay_, lower(name) + "-", name);
      ASSERT_TRUE(member) << member.error().to_string();
      members_.push_back(std::move(*member));
    }
    for (auto& m : members_) {
      users_.push_back(&m);
    }
  }

  PeerAccount& admin() { return *users_[0]; }

  PeerAccount& flo() { return *users_[1]; }

  PeerAccount& ben() { return *users_[2]; }

  PeerAccount& cleo() { return *users_[3]; }

  // An incoming message of `u` whose text contains every one of `needles`. The relay does not
  // keep order, so messages that did not match are kept for later calls, and a match is used up.
  json::object wait_text(PeerAccount& u, const std::vector<std::string>& needles) {
    auto matches = [&](const json::object& m) {
      const std::string text = text_of(m);
      for (const auto& n : needles) {
        if (text.find(n) == std::string::npos) {
          return false;
        }
      }
      return true;
    };
    auto& kept = kept_[u.addr()];
    for (auto it = kept.begin(); it != kept.end(); ++it) {
      if (matches(*it)) {
        json::object found = std::move(*it);
        kept.erase(it);
        return found;
      }
    }
    auto got = u.wait_incoming_message_matching(
        [&](const json::object& m) {
          if (matches(m)) {
            return true;
          }
          kept.push_back(m);
          return false;
        },
        kWait);
    EXPECT_TRUE(got) << u.addr() << " got no message with \"" << needles.front()
                     << "\": " << got.error().to_string() << "\n"
                     << log();
    return got ? *got : json::object{};
  }

  // The group's members as `u`'s core lists them (addresses, `u` included).
  std::set<std::string> members(PeerAccount& u, std::uint32_t chat) {
    std::set<std::string> out;
    auto ids = u.get_chat_contacts(chat);
    if (!ids) {
      return out;
    }
    for (auto id : *ids) {
      auto contact = u.get_contact(id);
      if (contact) {
        out.insert(lower(std::string(contact->at("address").as_string())));
      }
    }
    return out;
  }

  bool eventually_members(PeerAccount& u, std::uint32_t chat, const std::string& addr,
                          bool present) {
    auto deadline = std::chrono::steady_clock::now() + kWait;
    while (std::chrono::steady_clock::now() < deadline) {
      if ((members(u, chat).count(lower(addr)) != 0) == present) {
        return true;
      }
      std::this_thread::sleep_for(500ms);
    }
    return false;
  }

  // Joins a group invite link and returns the group chat.
  std::uint32_t join_group(PeerAccount& u, const std::string& link) {
    auto chat = testsupport::join_by_link(u, link, kWait);
    EXPECT_TRUE(chat) << u.addr() << ": " << chat.error().to_string() << "\n" << log();
    return chat ? *chat : 0;
  }

  fs::path config_;
  std::string bot_addr_;
  std::vector<PeerAccount> members_;
  std::vector<PeerAccount*> users_;  // Admin, Flo, Ben, Cleo.
  std::map<std::string, std::vector<json::object>> kept_;
};

TEST_F(ModeratorCli, WelcomeFloodKickBanAndReportInAGroupOfThreeRealCoreMembers) {
  auto [check_code, summary] = run_capture({DCBOT_BIN, "check", config_.string()}, log_);
  ASSERT_EQ(check_code, 0) << summary << log();

  // The admin group: `dcbot admin` prints its link (the same one each time).
  auto [code, out] = run_capture({DCBOT_BIN, "admin", config_.string()}, log_);
  ASSERT_EQ(code, 0) << log();
  const std::string admin_link = out.substr(0, out.find('\n'));
  ASSERT_EQ(admin_link.rfind("https://i.delta.chat/#", 0), 0U) << out;
  EXPECT_NE(admin_link.find("&g=Moderator+admins"), std::string::npos) << admin_link;
  auto [code2, out2] = run_capture({DCBOT_BIN, "admin", config_.string()}, log_);
  ASSERT_EQ(code2, 0);
  EXPECT_EQ(out2.substr(0, out2.find('\n')), admin_link);

  run_bot(config_);
  const std::uint32_t admin_group = join_group(admin(), admin_link);
  ASSERT_NE(admin_group, 0U);

  // The admin makes the community group; its link comes back in the admin group.
  // The core can send to the group once the bot's member-added message made it a member.
  ASSERT_TRUE(eventually_members(admin(), admin_group, bot_addr_, true)) << log();
  ASSERT_TRUE(eventually_members(admin(), admin_group, admin().addr(), true)) << log();
  auto sent = admin().send_text(admin_group, "/newgroup Community");
  ASSERT_TRUE(sent) << sent.error().to_string();
  auto ready = wait_text(admin(), {"The group \"Community\" is ready"});
  ASSERT_FALSE(ready.empty());
  EXPECT_EQ(ready.at("chatId").to_number<std::uint32_t>(), admin_group);
  const std::string ready_text = text_of(ready);
  const std::string group_link = ready_text.substr(ready_text.find("https://i.delta.chat/#"));
  ASSERT_NE(group_link.find("&g=Community"), std::string::npos) << ready_text;
  auto audit_new = wait_text(admin(), {"Moderation: new group \"Community\" created by"});
  EXPECT_EQ(audit_new.at("chatId").to_number<std::uint32_t>(), admin_group);

  // Everyone joins; each new member is welcomed with the rules.
  std::uint32_t group_of[4] = {};
  for (std::size_t i = 0; i < users_.size(); ++i) {
    group_of[i] = join_group(*users_[i], group_link);
    ASSERT_NE(group_of[i], 0U);
    auto welcome = wait_text(*users_[i], {"Welcome to Community, ", "Rule 1: be kind.", "/report"});
    ASSERT_FALSE(welcome.empty());
    EXPECT_EQ(welcome.at("chatId").to_number<std::uint32_t>(), group_of[i]);
  }
  const std::uint32_t cleo_group = group_of[3];
  for (auto* u : {&flo(), &ben(), &admin()}) {
    ASSERT_TRUE(eventually_members(cleo(), cleo_group, u->addr(), true)) << u->addr();
  }
  // Cleo's contact for Flo, to add Flo back later.
  std::uint32_t flo_at_cleo = 0;
  for (auto id : cleo().get_chat_contacts(cleo_group).value()) {
    auto contact = cleo().get_contact(id);
    if (contact && lower(std::string(contact->at("address").as_string())) == lower(flo().addr())) {
      flo_at_cleo = id;
    }
  }
  ASSERT_NE(flo_at_cleo, 0U);

  // Flood: more than 3 messages a minute earns a warning, the next burst the removal.
  for (int i = 1; i <= 8; ++i) {
    ASSERT_TRUE(flo().send_text(group_of[1], "flood " + std::to_string(i)));
  }
  auto warning = wait_text(cleo(), {"Flo, this breaks the rules", "Warning 1 of 1"});
  EXPECT_EQ(warning.at("chatId").to_number<std::uint32_t>(), cleo_group);
  auto audit_warn = wait_text(admin(), {"Moderation: warned Flo", "more than 3 messages"});
  EXPECT_EQ(audit_warn.at("chatId").to_number<std::uint32_t>(), admin_group);
  auto audit_flood = wait_text(admin(), {"Moderation: removed Flo", "after 1 warning(s)"});
  EXPECT_EQ(audit_flood.at("chatId").to_number<std::uint32_t>(), admin_group);
  EXPECT_TRUE(eventually_members(cleo(), cleo_group, flo().addr(), false));

  // /kick by an admin, as a reply to Ben's message.
  ASSERT_TRUE(ben().send_text(group_of[2], "cheap watches, write me"));
  auto spam = wait_text(admin(), {"cheap watches, write me"});
  ASSERT_FALSE(spam.empty());
  {
    // The admin's core must see Ben (and the bot) as members to send the /kick to them.
    const auto seen = members(admin(), group_of[0]);
    std::string listed;
    for (const auto& a : seen) {
      listed += a + " ";
    }
    ASSERT_TRUE(seen.count(lower(ben().addr())) != 0 && seen.count(lower(bot_addr_)) != 0)
        << "the admin's core lists: " << listed;
  }
  json::object kick;
  kick["text"] = "/kick selling";
  kick["quotedMessageId"] = spam.at("id");
  ASSERT_TRUE(admin().send_message(group_of[0], kick));
  auto audit_kick = wait_text(admin(), {"Moderation: kicked Ben", "Community", "Reason: selling"});
  EXPECT_EQ(audit_kick.at("chatId").to_number<std::uint32_t>(), admin_group);
  EXPECT_TRUE(eventually_members(cleo(), cleo_group, ben().addr(), false));

  // /kick by a member who is no admin: refused, nobody removed.
  auto admin_msg = cleo().send_text(cleo_group, "hello all");
  ASSERT_TRUE(admin_msg);
  json::object cleo_kick;
  cleo_kick["text"] = "/kick";
  cleo_kick["quotedMessageId"] = *admin_msg;
  ASSERT_TRUE(cleo().send_message(cleo_group, cleo_kick));
  wait_text(cleo(), {"/kick is only for the bot's admins."});
  EXPECT_TRUE(members(cleo(), cleo_group).count(lower(admin().addr())) != 0);

  // A word filter warns (the bot cannot delete the message, and says so).
  ASSERT_TRUE(cleo().send_text(cleo_group, "try the Casino tonight"));
  auto filtered = wait_text(cleo(), {"Cleo, this breaks the rules of this group (a message with "
                                     "the word \"casino\")",
                                     "please delete it yourself"});
  EXPECT_EQ(filtered.at("chatId").to_number<std::uint32_t>(), cleo_group);
  wait_text(admin(), {"Moderation: warned Cleo", "the word \"casino\""});

  // /ban from the admin group; Cleo adds Flo back; the bot removes Flo again.
  ASSERT_TRUE(admin().send_text(admin_group, "/ban " + flo().addr() + " flooding"));
  wait_text(admin(), {"Banned " + lower(flo().addr())});
  wait_text(admin(), {"Moderation: banned", lower(flo().addr()), "Reason: flooding"});
  ASSERT_TRUE(cleo().add_contact_to_chat(cleo_group, flo_at_cleo));
  auto again = wait_text(admin(), {"Moderation: removed banned", "again (added by Cleo"});
  EXPECT_EQ(again.at("chatId").to_number<std::uint32_t>(), admin_group);
  wait_text(cleo(), {"is banned from this community and was removed."});
  EXPECT_TRUE(eventually_members(cleo(), cleo_group, flo().addr(), false));

  // /report, as a reply: the admins get the quoted message and the reason.
  auto rude = admin().send_text(group_of[0], "admins are always right");
  ASSERT_TRUE(rude);
  auto rude_at_cleo = wait_text(cleo(), {"admins are always right"});
  json::object report;
  report["text"] = "/report rude";
  report["quotedMessageId"] = rude_at_cleo.at("id");
  ASSERT_TRUE(cleo().send_message(cleo_group, report));
  wait_text(cleo(), {"Thank you, the admins have been told."});
  auto reported = wait_text(admin(), {"Report from Cleo", "\"Community\"", "Admin",
                                      "> admins are always right", "Reason: rude"});
  EXPECT_EQ(reported.at("chatId").to_number<std::uint32_t>(), admin_group);

  // A member adds the bot to a group of their own: it introduces itself and moderates there too.
  std::uint32_t bot_at_cleo = 0;
  for (auto id : cleo().get_chat_contacts(cleo_group).value()) {
    auto contact = cleo().get_contact(id);
    if (contact && lower(std::string(contact->at("address").as_string())) == lower(bot_addr_)) {
      bot_at_cleo = id;
    }
  }
  ASSERT_NE(bot_at_cleo, 0U);
  auto club = cleo().create_group_chat("Cleo's club");
  ASSERT_TRUE(club) << club.error().to_string();
  ASSERT_TRUE(cleo().add_contact_to_chat(*club, bot_at_cleo));
  ASSERT_TRUE(cleo().send_text(*club, "welcome, bot"));
  auto intro = wait_text(cleo(), {"Hi! I keep this group friendly."});
  EXPECT_EQ(intro.at("chatId").to_number<std::uint32_t>(), *club);
  wait_text(admin(), {"Moderation: added to \"Cleo's club\" by Cleo"});
  ASSERT_TRUE(cleo().send_text(*club, "/rules"));
  auto rules = wait_text(cleo(), {"Rule 1: be kind."});
  EXPECT_EQ(rules.at("chatId").to_number<std::uint32_t>(), *club);

  stop();
}

}  // namespace
}  // namespace dcbot
