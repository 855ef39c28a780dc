// SPDX-License-Identifier: MIT
// A broadcast channel owned by the bot against the real Delta Chat core (issue #7 acceptance 6):
// two real-core users join by the channel's invite link (one v3, one legacy) and receive its
// posts, text and file, in an incoming channel chat (chatType InBroadcast, read-only, encrypted).
// The bot runs in-process on its own io thread, as in echo_bot_test.cpp.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "dcbot/bot.h"
#include "runtime/bot.h"
#include "store/chats.h"

#include "support/inprocess_bot.h"
#include "support/peer_setup.h"
#include "support/process.h"
#include "support/relay_env.h"
#include "support/rpc_peer.h"

namespace dcbot {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testsupport::InProcessBot;
using testsupport::join_by_link;
using testsupport::PeerAccount;
using testsupport::read_file;
using testsupport::RelayEnv;
using testsupport::RpcPeer;
namespace json = boost::json;

class ChannelInterop : public ::testing::Test {
 protected:
  void SetUp() override {
    auto env = RelayEnv::from_environment();
    ASSERT_TRUE(env) << "the local test relay is required: " << env.error().to_string();
    relay_ = std::move(*env);

    auto runner = InProcessBot::open(relay_, "news-",
                                     fs::path(DCBOT_BINARY_DIR) / "channel-interop", "News Bot");
    ASSERT_TRUE(runner) << runner.error().to_string();
    runner_ = std::move(*runner);
    bot_ = &runner_->bot();
    bot_->on_message([this](MessageEvent ev) {
      {
        std::lock_guard lock(mutex_);
        messages_.push_back(ev.data());
      }
      cv_.notify_all();
    });
    bot_->on_reaction([this](ReactionEvent ev) {
      {
        std::lock_guard lock(mutex_);
        reactions_.push_back(std::move(ev));
      }
      cv_.notify_all();
    });
    bot_->on_channel_subscriber([this](ChannelSubscriberEvent ev) {
      {
        std::lock_guard lock(mutex_);
        subscribers_.push_back(std::move(ev));
      }
      cv_.notify_all();
    });

    testsupport::RpcPeerOptions peer_options;
    peer_options.name = "readers";
    auto peer = RpcPeer::start(peer_options);
    ASSERT_TRUE(peer) << peer.error().to_string();
    peer_ = std::move(*peer);
    for (const char* name : {"Reader Ünï", "Reader Two"}) {
      auto user =
          PeerAccount::create_and_configure(*peer_, relay_, relay_.fresh_address("reader-"), name);
      ASSERT_TRUE(user) << user.error().to_string();
      users_.push_back(std::move(*user));
    }
    for (auto& user : users_) {
      auto ready = testsupport::wait_ready(user);
      ASSERT_TRUE(ready) << ready.error().to_string();
    }
  }

  void TearDown() override { runner_.reset(); }

  // Creates the bot's channel and lets every user join it (the first by the v3 link, the others
  // by the legacy one); starts the bot. Returns the users' channel chat ids.
  std::vector<std::uint32_t> all_join(const std::string& name, ChatId& channel) {
    std::vector<std::uint32_t> chats;
    auto created = bot_->create_channel(name);  // Before runner_->start(): still on this thread.
    EXPECT_TRUE(created) << created.error().to_string();
    if (!created) {
      return chats;
    }
    channel = *created;
    auto link = bot_->channel_invite_link(channel);
    auto legacy_link = bot_->channel_invite_link(channel, /*legacy=*/true);
    EXPECT_TRUE(link && legacy_link);
    if (!link || !legacy_link) {
      return chats;
    }
    runner_->start();
    for (std::size_t i = 0; i < users_.size(); ++i) {
      auto chat = join_by_link(users_[i], i == 0 ? *link : *legacy_link);
      EXPECT_TRUE(chat) << chat.error().to_string();
      if (!chat) {
        return {};
      }
      chats.push_back(*chat);
    }
    EXPECT_TRUE(wait_subscribers(users_.size()));
    return chats;
  }

  std::string subscriber_fpr(const std::string& addr) {
    std::lock_guard lock(mutex_);
    for (const auto& ev : subscribers_) {
      if (ev.addr == addr && ev.subscribed) {
        return ev.fingerprint;
      }
    }
    return {};
  }

  // Polls the core until `done` holds for the chat (membership changes emit no dedicated event).
  bool wait_chat(PeerAccount& user, std::uint32_t chat_id,
                 const std::function<bool(const json::object&)>& done) {
    for (int i = 0; i < 180; ++i) {
      auto chat = user.get_chat(chat_id);
      if (chat && done(*chat)) {
        return true;
      }
      std::this_thread::sleep_for(500ms);
    }
    return false;
  }

  bool wait_subscribers(std::size_t n) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, 90s, [&] { return subscribers_.size() >= n; });
  }

  // The core's view of a channel chat it subscribes to.
  void expect_incoming_channel(PeerAccount& user, std::uint32_t chat_id, const std::string& name) {
    auto chat = user.get_chat(chat_id);
    ASSERT_TRUE(chat) << chat.error().to_string();
    EXPECT_EQ(chat->at("chatType"), "InBroadcast");
    EXPECT_EQ(chat->at("isEncrypted"), true);
    EXPECT_EQ(chat->at("canSend"), false);
    EXPECT_EQ(chat->at("name"), json::value(name));
  }

  // A post arrives as an incoming, encrypted message of the bot in the user's channel chat.
  json::object expect_post(PeerAccount& user, std::uint32_t chat_id, const std::string& text) {
    auto got = user.wait_incoming_text(text, 90s);
    EXPECT_TRUE(got) << got.error().to_string() << " (" << user.addr() << " waiting for " << text
                     << ")";
    if (!got) {
      return {};
    }
    EXPECT_EQ(got->at("chatId").to_number<std::uint32_t>(), chat_id);
    EXPECT_EQ(got->at("showPadlock"), true);
    EXPECT_EQ(got->at("isBot"), true);
    auto from = user.get_contact(got->at("fromId").to_number<std::uint32_t>());
    EXPECT_TRUE(from) << from.error().to_string();
    if (from) {
      EXPECT_EQ(from->at("address"), json::value(bot_->addr()));
    }
    return *got;
  }

  RelayEnv relay_;
  std::unique_ptr<InProcessBot> runner_;
  Bot* bot_ = nullptr;  // runner_'s bot.
  std::unique_ptr<RpcPeer> peer_;
  std::vector<PeerAccount> users_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<ChannelSubscriberEvent> subscribers_;
  std::vector<MessageData> messages_;
  std::vector<ReactionEvent> reactions_;
};

TEST_F(ChannelInterop, TwoCoreUsersJoinByLinkAndReceivePosts) {
  const std::string name = "Bot News ✓ Täglich";
  // Before runner_->start(): still on this thread.
  auto channel = bot_->create_channel(name);
  ASSERT_TRUE(channel) << channel.error().to_string();
  auto link = bot_->channel_invite_link(*channel);
  ASSERT_TRUE(link) << link.error().to_string();
  EXPECT_EQ(link->rfind("https://i.delta.chat/#", 0), 0U);
  EXPECT_NE(link->find("&x="), std::string::npos);
  EXPECT_NE(link->find("&j="), std::string::npos);
  EXPECT_NE(link->find("&b="), std::string::npos);
  auto legacy_link = bot_->channel_invite_link(*channel, /*legacy=*/true);
  ASSERT_TRUE(legacy_link) << legacy_link.error().to_string();
  EXPECT_EQ(legacy_link->find("v=3"), std::string::npos);
  runner_->start();

  // Reader 1 scans the v3 link and gets the first post.
  std::vector<std::uint32_t> chats;
  auto join = [&](std::size_t i, const std::string& invite) {
    auto chat = join_by_link(users_[i], invite);
    ASSERT_TRUE(chat) << chat.error().to_string();
    chats.push_back(*chat);
    expect_incoming_channel(users_[i], *chat, name);
  };
  join(0, *link);
  ASSERT_EQ(chats.size(), 1U);
  ASSERT_TRUE(wait_subscribers(1)) << "the bot's on_channel_subscriber did not fire";
  const std::string first = "First post 📰 — Grüße an alle Abonnenten";
  auto sent = runner_->on_bot([&] { return bot_->send_text(*channel, first); });
  ASSERT_TRUE(sent) << sent.error().to_string();
  auto msg = expect_post(users_[0], chats[0], first);
  ASSERT_FALSE(msg.empty());
  EXPECT_EQ(msg.at("text"), json::value(first));
  const auto first_id = msg.at("id").to_number<std::uint32_t>();

  // Reader 2 scans the legacy link later: the bot resends its last posts to the newcomer.
  join(1, *legacy_link);
  ASSERT_EQ(chats.size(), 2U);
  msg = expect_post(users_[1], chats[1], first);
  ASSERT_FALSE(msg.empty());
  EXPECT_EQ(msg.at("text"), json::value(first));
  ASSERT_TRUE(wait_subscribers(2)) << "the bot's on_channel_subscriber did not fire twice";
  {
    std::lock_guard lock(mutex_);
    EXPECT_EQ(subscribers_[0].addr, users_[0].addr());
    EXPECT_EQ(subscribers_[1].addr, users_[1].addr());
    EXPECT_EQ(subscribers_[0].chat, *channel);
    EXPECT_TRUE(subscribers_[1].subscribed);
  }
  auto subs = runner_->on_bot([&] { return bot_->channel_subscribers(*channel); });
  ASSERT_TRUE(subs) << subs.error().to_string();
  EXPECT_EQ(subs->size(), 2U);

  // A reader's reaction goes to the owner only, and reaches on_reaction in the channel's chat.
  const std::string reader_fpr = subscriber_fpr(users_[0].addr());
  auto reacted = users_[0].send_reaction(first_id, {"\U0001F44D"});
  ASSERT_TRUE(reacted) << reacted.error().to_string();
  {
    std::unique_lock lock(mutex_);
    ASSERT_TRUE(cv_.wait_for(lock, 90s, [&] { return !reactions_.empty(); }))
        << "the reader's reaction did not reach the bot";
    EXPECT_EQ(reactions_[0].chat, *channel);
    EXPECT_EQ(reactions_[0].emoji, "\U0001F44D");
    EXPECT_EQ(reactions_[0].sender_fingerprint, reader_fpr);
  }

  // A file post: caption and bytes arrive intact.
  fs::path dir = fs::path(DCBOT_BINARY_DIR) / "channel-interop" / "files";
  fs::create_directories(dir);
  fs::path path = dir / "bulletin-ß.bin";
  std::string content(20 * 1024, '\0');
  for (std::size_t i = 0; i < content.size(); ++i) {
    content[i] = static_cast<char>((i * 37 + i / 11) & 0xff);
  }
  std::ofstream(path, std::ios::binary) << content;
  sent = runner_->on_bot([&] { return bot_->send_file(*channel, path, "the bulletin"); });
  ASSERT_TRUE(sent) << sent.error().to_string();
  for (std::size_t i = 0; i < users_.size(); ++i) {
    auto got = expect_post(users_[i], chats[i], "the bulletin");
    if (got.empty()) {
      continue;
    }
    EXPECT_EQ(got.at("fileName"), "bulletin-ß.bin");
    ASSERT_TRUE(got.at("file").is_string());
    EXPECT_EQ(read_file(std::string(got.at("file").as_string())), content);
  }
}

TEST_F(ChannelInterop, ReaderLeavesAndTheBotRemovesTheOther) {
  ChatId channel = 0;
  auto chats = all_join("Leaving News", channel);
  ASSERT_EQ(chats.size(), 2U);
  const std::string second_fpr = subscriber_fpr(users_[1].addr());
  ASSERT_FALSE(second_fpr.empty());

  // Reader 1 leaves (the core tells the owner only): the bot sees it and drops the reader.
  auto left = users_[0].call("leave_group", {chats[0]});
  ASSERT_TRUE(left) << left.error().to_string();
  ASSERT_TRUE(wait_subscribers(3)) << "no event for the reader who left";
  {
    std::lock_guard lock(mutex_);
    EXPECT_EQ(subscribers_[2].addr, users_[0].addr());
    EXPECT_FALSE(subscribers_[2].subscribed);
    EXPECT_EQ(subscribers_[2].chat, channel);
  }
  auto subs = runner_->on_bot([&] { return bot_->channel_subscribers(channel); });
  ASSERT_TRUE(subs) << subs.error().to_string();
  EXPECT_EQ(*subs, std::vector<std::string>{second_fpr});

  // The bot removes reader 2: the core leaves the channel chat; nobody is left to post to.
  auto removed =
      runner_->on_bot([&] { return bot_->remove_channel_subscriber(channel, second_fpr); });
  ASSERT_TRUE(removed) << removed.error().to_string();
  EXPECT_TRUE(wait_chat(users_[1], chats[1], [](const json::object& chat) {
    return chat.at("selfInGroup") == false;
  })) << "the core still counts itself a subscriber";
  subs = runner_->on_bot([&] { return bot_->channel_subscribers(channel); });
  ASSERT_TRUE(subs);
  EXPECT_TRUE(subs->empty());
  auto post = runner_->on_bot([&] { return bot_->send_text(channel, "anyone?"); });
  ASSERT_FALSE(post);
  EXPECT_EQ(post.error().code, Errc::InvalidArgument);
}

TEST_F(ChannelInterop, BotJoinsACoreChannelAndReadsItsPosts) {
  PeerAccount& owner = users_[0];
  auto core_channel = owner.call("create_broadcast", {"Core Channel ✓"});
  ASSERT_TRUE(core_channel) << core_channel.error().to_string();
  const auto core_chat = core_channel->to_number<std::uint32_t>();
  auto link = owner.securejoin_qr(core_chat);
  ASSERT_TRUE(link) << link.error().to_string();
  EXPECT_NE(link->find("&b="), std::string::npos);
  auto bot_chat = bot_->join(*link);  // Queued before the engine runs, as `dcbot join` does.
  ASSERT_TRUE(bot_chat) << bot_chat.error().to_string();
  runner_->start();
  auto done = owner.wait_securejoin_inviter_done(90s);
  ASSERT_TRUE(done) << done.error().to_string();
  // The relay may deliver the owner's first post before its member-added mail, and a post
  // without the secret can never be read: wait until the bot holds the secret.
  bool joined = false;
  for (int i = 0; i < 180 && !joined; ++i) {
    joined = runner_->on_bot([&] {
      auto chat = store::Chats(bot_->impl().engine->db()).get(*bot_chat);
      return chat && *chat && !(*chat)->has_left;
    });
    if (!joined) {
      std::this_thread::sleep_for(500ms);
    }
  }
  ASSERT_TRUE(joined) << "the bot never received the owner's member-added mail";
  auto members = owner.get_chat_contacts(core_chat);
  ASSERT_TRUE(members) << members.error().to_string();
  EXPECT_EQ(members->size(), 1U);

  const std::string text = "Core post ✓ für den Bot";
  auto sent = owner.send_text(core_chat, text);
  ASSERT_TRUE(sent) << sent.error().to_string();
  std::unique_lock lock(mutex_);
  ASSERT_TRUE(cv_.wait_for(lock, 90s, [&] {
    return std::any_of(messages_.begin(), messages_.end(),
                       [&](const MessageData& m) { return m.text == text; });
  })) << "the bot did not receive the core's channel post";
  const auto it = std::find_if(messages_.begin(), messages_.end(),
                               [&](const MessageData& m) { return m.text == text; });
  EXPECT_EQ(it->chat, *bot_chat);
  EXPECT_EQ(it->sender.addr, owner.addr());
  lock.unlock();
  // The channel is read-only for the bot.
  auto reply = runner_->on_bot([&] { return bot_->send_text(*bot_chat, "may I?"); });
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code, Errc::Unsupported);
}

}  // namespace
}  // namespace dcbot
