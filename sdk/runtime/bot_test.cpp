// SPDX-License-Identifier: MIT
#include "runtime/bot.h"

#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "chat/group.h"
#include "chat/securejoin.h"
#include "chat/test_loop.h"
#include "chat/webxdc.h"
#include "chat/xdc_archive.h"
#include "mime/builder.h"
#include "runtime/test_bot.h"
#include "store/db.h"
#include "store/mailbox.h"
#include "store/messages.h"

namespace dcbot::runtime {
namespace {

namespace fs = std::filesystem;
using chat::testing::Peer;

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A Bot on a real data dir and a chat::Account peer ("alice", recorded core key) on an
// in-memory store, with the mail moved by hand between the peer and the bot's inbox/outbox:
// the Processor runs exactly as the Engine runs it, inside a transaction with mark_processed.
class BotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(DCBOT_BINARY_DIR) / "bot-test" / info->name();
    fs::remove_all(dir_);
    options_.transport.addr = "echo@relay.test";
    options_.transport.imap.host = "127.0.0.1";
    options_.transport.smtp.host = "127.0.0.1";
    options_.data_dir = dir_;
    options_.display_name = "Echo Bot";
    auto bot = open_bot(io_.get_executor(), options_);
    ASSERT_TRUE(bot) << bot.error().to_string();
    bot_ = std::move(*bot);
    peer_ = chat::testing::make_peer(chat::testing::load_fixture("alice"), "Alice", false, now());
    ASSERT_TRUE(chat::ensure_securejoin_schema(*peer_.db));
    chat::Hooks hooks;
    chat::install_securejoin(hooks, *peer_.db);
    ASSERT_TRUE(chat::ensure_group_schema(*peer_.db));
    chat::install_groups(hooks);
    ASSERT_TRUE(chat::ensure_webxdc_schema(*peer_.db));
    chat::install_webxdc(hooks);
    peer_->set_hooks(std::move(hooks));
  }

  static std::int64_t now() { return unix_now(); }

  // Opens the bot again on the same data dir with changed options.
  void reopen(const std::function<void(BotOptions&)>& change) {
    bot_.reset();
    change(options_);
    auto bot = open_bot(io_.get_executor(), options_);
    ASSERT_TRUE(bot) << bot.error().to_string();
    bot_ = std::move(*bot);
  }

  store::Db& db() { return bot_->impl().engine->db(); }

  // One mail into the bot, processed like the Engine does.
  void to_bot(const Bytes& raw) { bot_testing::to_bot(*bot_, next_uid_, raw); }

  // Everything the bot queued, marked sent.
  std::vector<Bytes> from_bot() { return bot_testing::from_bot(*bot_); }

  // Moves mail both ways until nobody has anything to send; returns the peer's events.
  std::vector<chat::Event> exchange(std::vector<chat::OutgoingMail> from_peer) {
    return bot_testing::exchange(*bot_, next_uid_, peer_, std::move(from_peer));
  }

  // The peer joins the bot's invite link; returns the peer's chat with the bot.
  std::int64_t join(bool legacy = false) {
    auto link = bot_->invite_link(legacy);
    EXPECT_TRUE(link) << link.error().to_string();
    auto start = chat::start_join(*peer_.account, *link, now());
    EXPECT_TRUE(start) << start.error().to_string();
    auto events = exchange(start->effects.outgoing);
    bool verified = false;
    for (const auto& e : events) {
      verified = verified || std::holds_alternative<chat::ContactVerifiedEvent>(e);
    }
    EXPECT_TRUE(verified) << "the peer did not verify the bot";
    return start->chat_id;
  }

  // Peer -> bot text; returns the texts the peer got back.
  std::vector<chat::MessageEvent> say(std::int64_t chat, const std::string& text,
                                      std::vector<chat::Attachment> files = {}) {
    chat::SendOptions options;
    options.attachments = std::move(files);
    options.now = now();
    auto mail = peer_->build_text(chat, text, std::move(options));
    EXPECT_TRUE(mail) << mail.error().to_string();
    std::vector<chat::MessageEvent> out;
    for (auto& e : exchange({*mail})) {
      if (auto* m = std::get_if<chat::MessageEvent>(&e)) {
        out.push_back(std::move(*m));
      }
    }
    return out;
  }

  // Every event of type T in `events`.
  template <class T>
  static std::vector<T> only(const std::vector<chat::Event>& events) {
    std::vector<T> out;
    for (const auto& e : events) {
      if (const auto* x = std::get_if<T>(&e)) {
        out.push_back(*x);
      }
    }
    return out;
  }

  // Everything the bot queued, delivered to the peer; returns the peer's events.
  std::vector<chat::Event> bot_to_peer() {
    std::vector<chat::Event> events;
    for (const auto& raw : from_bot()) {
      auto fx = peer_->receive(raw, now());
      EXPECT_TRUE(fx) << fx.error().to_string();
      if (fx) {
        events.insert(events.end(), fx->events.begin(), fx->events.end());
      }
    }
    return events;
  }

  boost::asio::io_context io_;
  BotOptions options_;
  fs::path dir_;
  std::unique_ptr<Bot> bot_;
  Peer peer_;
  std::uint32_t next_uid_ = 1;
};

TEST(BotFiles, UniqueFilePathSanitisesAndAvoidsCollisions) {
  fs::path dir = fs::path(DCBOT_BINARY_DIR) / "bot-test" / "files";
  fs::remove_all(dir);
  fs::create_directories(dir);
  EXPECT_EQ(unique_file_path(dir, "../../etc/passwd").filename(), "_.._etc_passwd");
  EXPECT_EQ(unique_file_path(dir, "").filename(), "file");
  EXPECT_EQ(unique_file_path(dir, "a\nb.txt").filename(), "a_b.txt");
  std::ofstream(dir / "photo.jpg") << "x";
  EXPECT_EQ(unique_file_path(dir, "photo.jpg").filename(), "photo-1.jpg");
  std::ofstream(dir / "photo-1.jpg") << "x";
  EXPECT_EQ(unique_file_path(dir, "photo.jpg").filename(), "photo-2.jpg");
}

TEST_F(BotTest, JoinVerifiesBothSidesAndEchoes) {
  std::vector<ContactVerifiedEvent> verified;
  bot_->on_contact_verified([&](ContactVerifiedEvent ev) { verified.push_back(std::move(ev)); });
  std::vector<MessageEvent> seen;
  bot_->on_message([&](const MessageEvent& ev) {
    seen.push_back(ev);
    ev.reply(ev.text());
  });
  auto chat = join();
  ASSERT_EQ(verified.size(), 1U);
  EXPECT_EQ(verified[0].addr, peer_->profile().addr);
  EXPECT_EQ(verified[0].fingerprint, peer_->fingerprint());

  std::string text = "héllo wörld 👋🏽 — ünïcödé";
  auto replies = say(chat, text);
  ASSERT_EQ(seen.size(), 1U);
  EXPECT_EQ(seen[0].text(), text);
  EXPECT_TRUE(seen[0].sender().verified);
  EXPECT_FALSE(seen[0].sender().is_bot);
  EXPECT_EQ(seen[0].sender().name, "Alice");
  EXPECT_EQ(seen[0].chat(), verified[0].chat);
  ASSERT_EQ(replies.size(), 1U);
  EXPECT_EQ(replies[0].text, text);
  EXPECT_EQ(replies[0].chat_id, chat);
  EXPECT_TRUE(replies[0].is_bot);
  EXPECT_EQ(replies[0].in_reply_to, seen[0].rfc724_mid());
  // The reply shows what it answers, as Delta Chat's "Reply" does.
  EXPECT_TRUE(replies[0].has_quote);
  EXPECT_EQ(replies[0].quote_text, text);
  EXPECT_NE(replies[0].quote_message_id, 0);
  EXPECT_EQ(replies[0].quote_sender_fpr, "") << "the peer's own message";
}

TEST_F(BotTest, LegacyJoinVerifies) {
  int verified = 0;
  bot_->on_contact_verified([&](const ContactVerifiedEvent&) { ++verified; });
  join(/*legacy=*/true);
  EXPECT_EQ(verified, 1);
}

TEST_F(BotTest, InviteLinkIsStable) {
  auto a = bot_->invite_link();
  auto b = bot_->invite_link();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, *b);
  EXPECT_EQ(a->rfind("https://i.delta.chat/#", 0), 0U);
  EXPECT_NE(a->find("v=3"), std::string::npos);
  auto legacy = bot_->invite_link(/*legacy=*/true);
  ASSERT_TRUE(legacy);
  EXPECT_EQ(legacy->find("v=3"), std::string::npos);
}

TEST_F(BotTest, CommandsAndAutomaticHelp) {
  std::vector<std::string> args;
  std::vector<std::string> messages;
  bot_->on_command("ping", "answers pong", [&](const CommandEvent& ev) {
    args.push_back(ev.args());
    ev.reply("pong");
  });
  bot_->on_message([&](const MessageEvent& ev) { messages.push_back(ev.text()); });
  auto chat = join();

  auto r = say(chat, "/ping  a b");
  ASSERT_EQ(r.size(), 1U);
  EXPECT_EQ(r[0].text, "pong");
  r = say(chat, "/PING@echo@relay.test");
  ASSERT_EQ(r.size(), 1U);
  EXPECT_EQ(args, (std::vector<std::string>{"a b", ""}));

  EXPECT_TRUE(say(chat, "/ping@other@relay.test x").empty());
  EXPECT_EQ(args.size(), 2U);

  // Delta Chat's clickable form: /ping_Arg is /ping Arg.
  r = say(chat, "/ping_Big_Arg more");
  ASSERT_EQ(r.size(), 1U);
  EXPECT_EQ(args.back(), "Big_Arg more");

  r = say(chat, "/help");
  ASSERT_EQ(r.size(), 1U);
  EXPECT_NE(r[0].text.find("/help"), std::string::npos);
  EXPECT_NE(r[0].text.find("/ping - answers pong"), std::string::npos);

  say(chat, "/unknown stays a message");
  EXPECT_EQ(messages, (std::vector<std::string>{"/unknown stays a message"}));
}

TEST_F(BotTest, ThrowingHandlerDoesNotFailTheMail) {
  int later = 0;
  bot_->on_message([](const MessageEvent&) { throw std::runtime_error("boom"); });
  bot_->on_message([&](const MessageEvent&) { ++later; });
  auto chat = join();
  say(chat, "first");
  say(chat, "second");
  EXPECT_EQ(later, 2);
  store::Inbox inbox(db());
  auto pending = inbox.pending_count();
  ASSERT_TRUE(pending);
  EXPECT_EQ(*pending, 0);
}

TEST_F(BotTest, MessagesFromBotsAreIgnoredByDefault) {
  int seen = 0;
  bot_->on_message([&](const MessageEvent&) { ++seen; });
  auto chat = join();
  chat::Profile p = peer_->profile();
  p.bot = true;
  ASSERT_TRUE(peer_->set_profile(p));
  say(chat, "beep");
  EXPECT_EQ(seen, 0);
  bot_->set_ignore_bots(false);
  say(chat, "boop");
  EXPECT_EQ(seen, 1);
}

TEST_F(BotTest, FilesAreSavedAndEchoed) {
  std::vector<Attachment> got;
  bot_->on_message([&](const MessageEvent& ev) {
    for (const auto& a : ev.attachments()) {
      got.push_back(a);
      ev.reply_file(a.path, ev.text());
    }
  });
  auto chat = join();
  std::string bytes(70000, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    bytes[i] = static_cast<char>(i * 7 + 3);
  }
  chat::Attachment file{"Grüße ☃.bin", "application/octet-stream",
                        Bytes(bytes.begin(), bytes.end())};
  auto replies = say(chat, "a file", {file});
  ASSERT_EQ(got.size(), 1U);
  EXPECT_EQ(got[0].filename, "Grüße ☃.bin");
  EXPECT_EQ(got[0].size, bytes.size());
  EXPECT_EQ(got[0].path.parent_path(), dir_ / "files");
  EXPECT_EQ(slurp(got[0].path), bytes);
  ASSERT_EQ(replies.size(), 1U);
  ASSERT_EQ(replies[0].attachments.size(), 1U);
  EXPECT_EQ(replies[0].attachments[0].filename, "Grüße ☃.bin");
  EXPECT_EQ(replies[0].attachments[0].data, file.data);
  EXPECT_EQ(replies[0].text, "a file");

  // The same name again gets a new file next to the first.
  say(chat, "again", {file});
  ASSERT_EQ(got.size(), 2U);
  EXPECT_NE(got[1].path, got[0].path);
}

TEST_F(BotTest, SendTextOutsideAHandlerQueuesOneMail) {
  auto chat = join();
  auto verified_chat = bot_->impl().account->single_chat(peer_->fingerprint(), now());
  ASSERT_TRUE(verified_chat);
  ASSERT_TRUE(bot_->send_text(*verified_chat, "hello from the bot"));
  auto rows = from_bot();
  ASSERT_EQ(rows.size(), 1U);
  auto fx = peer_->receive(rows[0], now());
  ASSERT_TRUE(fx);
  ASSERT_EQ(fx->events.size(), 1U);
  auto* m = std::get_if<chat::MessageEvent>(&fx->events[0]);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->text, "hello from the bot");
  EXPECT_EQ(m->chat_id, chat);
}

TEST_F(BotTest, ConversationGetsTheSendersNextMessage) {
  bot_->on_command("quiz", "a question", [](CommandEvent ev) -> Conversation {
    ev.reply("2 + 2?");
    auto answer = co_await ev.next_message(std::chrono::minutes(1));
    if (!answer) {
      co_return;
    }
    (void)answer->reply(answer->text() == "4" ? "right" : "wrong");
  });
  std::vector<std::string> others;
  bot_->on_message([&](const MessageEvent& ev) { others.push_back(ev.text()); });
  auto chat = join();

  auto r = say(chat, "/quiz");
  ASSERT_EQ(r.size(), 1U);
  EXPECT_EQ(r[0].text, "2 + 2?");
  r = say(chat, "4");  // Goes to the conversation, not to on_message.
  ASSERT_EQ(r.size(), 1U);
  EXPECT_EQ(r[0].text, "right");
  EXPECT_TRUE(others.empty());
  EXPECT_TRUE(say(chat, "4").empty());  // The conversation is over.
  EXPECT_EQ(others, (std::vector<std::string>{"4"}));
  EXPECT_TRUE(bot_->impl().waiters.empty());
}

TEST_F(BotTest, ConversationTimesOutAndStopEndsWaitingOnes) {
  int timeouts = 0;
  int ended = 0;
  bot_->on_command("slow", "", [&](CommandEvent ev) -> Conversation {
    auto answer = co_await ev.next_message(std::chrono::milliseconds(5));
    if (!answer) {
      ++timeouts;
      (void)ev.bot().send_text(ev.chat(), "too slow");
    }
  });
  bot_->on_command("wait", "", [&](CommandEvent ev) -> Conversation {
    for (;;) {  // Waits again and again: stop() must still end it.
      auto answer = co_await ev.next_message(std::chrono::hours(1));
      if (!answer) {
        break;
      }
    }
    ++ended;
  });
  bot_->on_command("boom", "", [](CommandEvent ev) -> Conversation {
    co_await ev.next_message(std::chrono::milliseconds(1));
    throw std::runtime_error("logged, not fatal");
  });
  auto chat = join();
  EXPECT_TRUE(say(chat, "/slow").empty());
  io_.run_for(std::chrono::milliseconds(200));  // The 5 ms timeout fires.
  io_.restart();
  EXPECT_EQ(timeouts, 1);
  auto sent = from_bot();
  ASSERT_EQ(sent.size(), 1U);  // "too slow", queued by the conversation outside a handler.

  EXPECT_TRUE(say(chat, "/slow").empty());
  // While /slow waits, the sender's next message is its answer, even a command.
  EXPECT_TRUE(say(chat, "/boom").empty());
  EXPECT_EQ(timeouts, 1);
  EXPECT_TRUE(bot_->impl().waiters.empty());
  EXPECT_TRUE(say(chat, "/boom").empty());
  io_.run_for(std::chrono::milliseconds(200));  // /boom times out and throws: logged.
  io_.restart();
  EXPECT_TRUE(bot_->impl().waiters.empty());

  EXPECT_TRUE(say(chat, "/wait").empty());
  ASSERT_EQ(bot_->impl().waiters.size(), 1U);
  bot_->stop();
  EXPECT_EQ(ended, 1);
  EXPECT_TRUE(bot_->impl().waiters.empty());
}

TEST_F(BotTest, AdminOnlyCommandsAreRefusedAndHiddenFromOthers) {
  int runs = 0;
  bot_->on_command(
      "secret", "admins only",
      [&](const CommandEvent& ev) {
        ++runs;
        EXPECT_TRUE(ev.sender().is_admin);
        ev.reply("done");
      },
      CommandOptions{.admin_only = true});
  bot_->on_command("public", "for everyone", [](const CommandEvent& ev) {
    ev.reply(ev.sender().is_admin ? "admin" : "member");
  });
  auto chat = join();
  auto r = say(chat, "/secret");
  ASSERT_EQ(r.size(), 1U);
  EXPECT_EQ(r[0].text, "/secret is only for the bot's admins.");
  EXPECT_TRUE(say(chat, "/secret_x").empty()) << "refusals are rate-limited";
  EXPECT_EQ(runs, 0);
  r = say(chat, "/help");
  ASSERT_EQ(r.size(), 1U);
  EXPECT_EQ(r[0].text.find("/secret"), std::string::npos) << r[0].text;
  EXPECT_EQ(say(chat, "/public")[0].text, "member");

  // The peer's key, written as apps show it (groups of four, lower case).
  std::string fpr = peer_->fingerprint();
  std::string spaced;
  for (std::size_t i = 0; i < fpr.size(); ++i) {
    spaced += static_cast<char>(std::tolower(static_cast<unsigned char>(fpr[i])));
    if (i % 4 == 3) {
      spaced += ' ';
    }
  }
  bot_->set_admins({spaced});
  EXPECT_EQ(bot_->admins(), std::vector<std::string>{fpr});
  // chat_with takes the same spelling and finds the same chat.
  auto by_spaced = bot_->chat_with(spaced);
  auto by_fpr = bot_->chat_with(fpr);
  ASSERT_TRUE(by_spaced) << by_spaced.error().to_string();
  ASSERT_TRUE(by_fpr) << by_fpr.error().to_string();
  EXPECT_EQ(*by_spaced, *by_fpr);
  r = say(chat, "/secret");
  ASSERT_EQ(r.size(), 1U);
  EXPECT_EQ(r[0].text, "done");
  EXPECT_EQ(runs, 1);
  EXPECT_NE(say(chat, "/help")[0].text.find("/secret - admins only"), std::string::npos);
  EXPECT_EQ(say(chat, "/public")[0].text, "admin");

  bot_->set_admin_check(
      [](const dcbot::Sender&) -> bool { throw std::runtime_error("broken check"); });
  EXPECT_EQ(say(chat, "/public")[0].text, "member");
}

TEST_F(BotTest, RepliesCarryTheirQuoteWithTheQuotedSender) {
  std::vector<MessageEvent> messages;
  bot_->on_message([&](const MessageEvent& ev) { messages.push_back(ev); });
  std::vector<CommandEvent> commands;
  bot_->on_command("/kick", "", [&](const CommandEvent& ev) { commands.push_back(ev); });
  auto chat = join();
  auto bot_chat = bot_->chat_with(peer_->fingerprint());
  ASSERT_TRUE(bot_chat) << bot_chat.error().to_string();
  auto question = bot_->send(*bot_chat, "Pizza or pasta?\nTell me.");
  ASSERT_TRUE(question) << question.error().to_string();
  bot_to_peer();

  // A reply to the bot's own message.
  auto answer = peer_->build_text(chat, "> Pizza or pasta?\n> Tell me.\n\nPasta!",
                                  chat::SendOptions{question->rfc724_mid, {}, now()});
  ASSERT_TRUE(answer);
  exchange({*answer});
  ASSERT_EQ(messages.size(), 1U);
  EXPECT_EQ(messages[0].text(), "Pasta!");
  ASSERT_TRUE(messages[0].quote());
  EXPECT_EQ(messages[0].quote()->text, "Pizza or pasta?\nTell me.");
  EXPECT_EQ(messages[0].quote()->rfc724_mid, question->rfc724_mid);
  EXPECT_EQ(messages[0].quote()->message_id, question->message_id);
  EXPECT_TRUE(messages[0].quote()->quotes_bot);
  EXPECT_TRUE(messages[0].quote()->sender_fingerprint.empty());

  // A command replying to the peer's own earlier message names its sender.
  auto plain = peer_->build_text(chat, "buy cheap stuff", chat::SendOptions{{}, {}, now()});
  ASSERT_TRUE(plain);
  exchange({*plain});
  ASSERT_EQ(messages.size(), 2U);
  EXPECT_FALSE(messages[1].quote()) << "no quote without a reply";
  auto kick = peer_->build_text(chat, "> buy cheap stuff\n\n/kick spam",
                                chat::SendOptions{plain->rfc724_mid, {}, now()});
  ASSERT_TRUE(kick);
  exchange({*kick});
  ASSERT_EQ(commands.size(), 1U);
  EXPECT_EQ(commands[0].args(), "spam");
  ASSERT_TRUE(commands[0].quote());
  EXPECT_EQ(commands[0].quote()->sender_fingerprint, peer_->fingerprint());
  EXPECT_EQ(commands[0].quote()->message_id, messages[1].message_id());
  EXPECT_FALSE(commands[0].quote()->quotes_bot);

  // A quote of a message the bot never saw keeps only its text and Message-ID.
  auto unknown = peer_->build_text(chat, "> lost words\n\nreally?",
                                   chat::SendOptions{"nowhere@relay.test", {}, now()});
  ASSERT_TRUE(unknown);
  exchange({*unknown});
  ASSERT_EQ(messages.size(), 3U);
  ASSERT_TRUE(messages[2].quote());
  EXPECT_EQ(messages[2].text(), "really?");
  EXPECT_EQ(messages[2].quote()->text, "lost words");
  EXPECT_EQ(messages[2].quote()->message_id, 0);
  EXPECT_TRUE(messages[2].quote()->sender_fingerprint.empty());
  EXPECT_FALSE(messages[2].quote()->quotes_bot);
}

TEST_F(BotTest, VerifiedMembersOfTheAdminGroupAreAdmins) {
  bot_->on_command("/who", "", [](const CommandEvent& ev) {
    ev.reply(ev.sender().is_admin ? "admin" : "member");
  });
  auto chat = join();
  EXPECT_FALSE(bot_->admin_group());
  EXPECT_EQ(say(chat, "/who")[0].text, "member");
  auto group = bot_->create_admin_group();
  ASSERT_TRUE(group) << group.error().to_string();
  EXPECT_EQ(bot_->group_name(*group).value(), "Echo Bot admins");
  EXPECT_EQ(bot_->create_admin_group("Other name").value(), *group) << "created once";
  EXPECT_EQ(bot_->admin_group(), *group);
  EXPECT_EQ(say(chat, "/who")[0].text, "member") << "not a member yet";

  ASSERT_TRUE(bot_->add_member(*group, peer_->fingerprint()));
  bot_to_peer();
  EXPECT_EQ(say(chat, "/who")[0].text, "admin");

  // Kept in the store.
  reopen([](BotOptions&) {});
  bot_->on_command("/who", "", [](const CommandEvent& ev) {
    ev.reply(ev.sender().is_admin ? "admin" : "member");
  });
  EXPECT_EQ(bot_->admin_group(), *group);
  EXPECT_EQ(say(chat, "/who")[0].text, "admin");

  ASSERT_TRUE(bot_->remove_member(*group, peer_->fingerprint()));
  bot_to_peer();
  EXPECT_EQ(say(chat, "/who")[0].text, "member");

  // The YAML's admins still count; a bot that left its admin group has none.
  ASSERT_TRUE(bot_->add_member(*group, peer_->fingerprint()));
  ASSERT_TRUE(bot_->leave_group(*group));
  bot_to_peer();
  EXPECT_FALSE(bot_->admin_group());
  EXPECT_EQ(say(chat, "/who")[0].text, "member");
  // Asking again makes a new one.
  auto fresh = bot_->create_admin_group();
  ASSERT_TRUE(fresh);
  EXPECT_NE(*fresh, *group);
  EXPECT_EQ(bot_->admin_group(), *fresh);
}

TEST_F(BotTest, FloodControlDropsMessagesOverThePerUserLimit) {
  auto clock = std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::hours(1000));
  reopen([&](BotOptions& o) {
    o.user_messages_per_minute = 2;
    o.steady_now = [clock] {
      return *clock;
    };
  });
  std::vector<std::string> seen;
  bot_->on_message([&](const MessageEvent& ev) {
    seen.push_back(ev.text());
    ev.reply(ev.text());
  });
  auto chat = join();
  EXPECT_EQ(say(chat, "one").size(), 1U);
  *clock += std::chrono::seconds(20);
  EXPECT_EQ(say(chat, "two").size(), 1U);
  *clock += std::chrono::seconds(20);
  // The third message within a minute is not handed to the handler and gets no reply, ...
  EXPECT_TRUE(say(chat, "three").empty());
  EXPECT_EQ(seen, (std::vector<std::string>{"one", "two"}));
  // ... but it is handled: nothing pending, nothing failed, no file written.
  auto stmt = db().prepare("SELECT count(*) FROM inbox WHERE state != 1");
  ASSERT_TRUE(stmt);
  ASSERT_TRUE(stmt->step());
  EXPECT_EQ(stmt->column_int64(0), 0);
  // Once the first message left the one-minute window, one more is allowed.
  *clock += std::chrono::seconds(21);
  EXPECT_EQ(say(chat, "four").size(), 1U);
  EXPECT_TRUE(say(chat, "five").empty());
  EXPECT_EQ(seen, (std::vector<std::string>{"one", "two", "four"}));
}

TEST_F(BotTest, FloodControlIsOffWithZero) {
  reopen([](BotOptions& o) { o.user_messages_per_minute = 0; });
  int seen = 0;
  bot_->on_message([&](const MessageEvent&) { ++seen; });
  auto chat = join();
  for (int i = 0; i < 5; ++i) {
    say(chat, "msg " + std::to_string(i));
  }
  EXPECT_EQ(seen, 5);
}

// A peer message that asks for a read receipt (Chat-Disposition-Notification-To = From, §3.9).
chat::OutgoingMail wants_receipt(Peer& peer, std::int64_t chat, const std::string& text,
                                 std::int64_t now) {
  chat::Account::Draft d;
  d.chat_id = chat;
  d.now = now;
  d.text = text;
  d.root = mime::text_part(text);
  d.headers.push_back({"Chat-Disposition-Notification-To", "<" + peer->profile().addr + ">"});
  return peer->build(d).value();
}

TEST_F(BotTest, ReadReceiptsAreSentOnlyWhenEnabled) {
  bot_->on_message([](const MessageEvent& ev) { ev.reply("got it"); });
  auto chat = join();
  // Off by default, as for every bot: only the reply goes out.
  to_bot(wants_receipt(peer_, chat, "no receipt", now()).raw);
  EXPECT_EQ(from_bot().size(), 1U);

  reopen([](BotOptions& o) { o.read_receipts = true; });
  bot_->on_message([](const MessageEvent& ev) { ev.reply("got it"); });
  auto mail = wants_receipt(peer_, chat, "receipt please", now());
  to_bot(mail.raw);
  auto out = from_bot();
  ASSERT_EQ(out.size(), 2U);
  int receipts = 0;
  for (const auto& raw : out) {
    auto fx = peer_->receive(raw, now());
    ASSERT_TRUE(fx) << fx.error().to_string();
    if (fx->dropped == "read receipt (mdn)") {
      ++receipts;
    }
  }
  EXPECT_EQ(receipts, 1);
  // The peer's message is marked read on its side.
  auto row = store::Messages(*peer_.db).find_by_mid(mail.rfc724_mid);
  ASSERT_TRUE(row && *row);
  EXPECT_EQ((*row)->state, store::MessageState::OutDelivered);
  // A message that does not ask gets no receipt.
  chat::SendOptions plain;
  plain.now = now();
  to_bot(peer_->build_text(chat, "no ask", plain).value().raw);
  EXPECT_EQ(from_bot().size(), 1U);
}

TEST_F(BotTest, AvatarIsReadFromTheFileAndTooLargeOnesAreRefused) {
  fs::path image = dir_.parent_path() / "avatar-test.png";
  {
    std::ofstream out(image, std::ios::binary);
    out << std::string(1000, 'x');
  }
  reopen([&](BotOptions& o) { o.avatar = image; });
  EXPECT_EQ(bot_->impl().account->avatar().size(), 1000U);
  {
    std::ofstream out(image, std::ios::binary | std::ios::trunc);
    out << std::string(kMaxAvatarBytes + 1, 'x');
  }
  bot_.reset();
  auto big = open_bot(io_.get_executor(), options_);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, Errc::InvalidArgument);
  options_.avatar = dir_ / "missing.png";
  auto missing = open_bot(io_.get_executor(), options_);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::Io);
}

// A valid 1x1 PNG.
const std::string kPng(
    "\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x01"
    "\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\x0d\x49\x44\x41"
    "\x54\x78\x9c\x63\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99\x3d\x1d\x00\x00"
    "\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82",
    70);

TEST_F(BotTest, GroupActionsReachTheMember) {
  join();
  const std::string alice = peer_->fingerprint();
  // By address; an unknown contact is refused.
  EXPECT_EQ(bot_->create_group("Team", {"nobody@relay.test"}).error().code, Errc::NotFound);
  auto group = bot_->create_group("Team", {peer_->profile().addr});
  ASSERT_TRUE(group) << group.error().to_string();
  EXPECT_TRUE(from_bot().empty()) << "creating a group sends nothing";
  auto members = bot_->group_members(*group);
  ASSERT_TRUE(members);
  ASSERT_EQ(members->size(), 1U);
  EXPECT_EQ((*members)[0].fingerprint, alice);
  EXPECT_EQ((*members)[0].addr, peer_->profile().addr);
  EXPECT_TRUE((*members)[0].verified);
  EXPECT_EQ(bot_->group_name(*group).value(), "Team");
  EXPECT_EQ(bot_->group_members(12345).error().code, Errc::NotFound);

  ASSERT_TRUE(bot_->send_text(*group, "hello team"));
  auto events = bot_to_peer();
  auto joined = only<chat::GroupJoinedEvent>(events);
  ASSERT_EQ(joined.size(), 1U);
  const auto peer_group = joined[0].chat_id;
  EXPECT_EQ(joined[0].name, "Team");
  ASSERT_EQ(only<chat::MessageEvent>(events).size(), 1U);

  ASSERT_TRUE(bot_->rename_group(*group, "Renamed"));
  auto renamed = only<chat::GroupRenamedEvent>(bot_to_peer());
  ASSERT_EQ(renamed.size(), 1U);
  EXPECT_EQ(renamed[0].new_name, "Renamed");
  EXPECT_EQ(bot_->group_name(*group).value(), "Renamed");

  fs::path png = dir_ / "avatar.png";
  std::ofstream(png, std::ios::binary) << kPng;
  ASSERT_TRUE(bot_->set_group_avatar(*group, png));
  auto avatar = only<chat::GroupAvatarEvent>(bot_to_peer());
  ASSERT_EQ(avatar.size(), 1U);
  EXPECT_EQ(avatar[0].image, Bytes(kPng.begin(), kPng.end()));
  EXPECT_EQ(bot_->set_group_avatar(*group, dir_ / "missing.png").error().code, Errc::Io);

  auto link = bot_->group_invite_link(*group);
  ASSERT_TRUE(link) << link.error().to_string();
  EXPECT_NE(link->find("&x="), std::string::npos);
  EXPECT_EQ(*link, bot_->group_invite_link(*group).value());

  ASSERT_TRUE(bot_->remove_member(*group, alice));
  EXPECT_EQ(only<chat::GroupRemovedEvent>(bot_to_peer()).size(), 1U);
  EXPECT_EQ(bot_->remove_member(*group, alice).error().code, Errc::InvalidArgument);
  ASSERT_TRUE(bot_->add_member(*group, alice));
  EXPECT_EQ(only<chat::GroupJoinedEvent>(bot_to_peer()).size(), 1U);

  ASSERT_TRUE(bot_->leave_group(*group));
  auto left = only<chat::MemberRemovedEvent>(bot_to_peer());
  ASSERT_EQ(left.size(), 1U);
  EXPECT_TRUE(left[0].left);
  EXPECT_EQ(left[0].chat_id, peer_group);
  EXPECT_EQ(bot_->send_text(*group, "gone").error().code, Errc::InvalidArgument);
}

TEST_F(BotTest, GroupEventsFromAMemberReachTheHandlers) {
  std::vector<GroupJoinedEvent> joined;
  std::vector<GroupRenamedEvent> renamed;
  std::vector<GroupAvatarEvent> avatars;
  std::vector<GroupRemovedEvent> removed;
  std::vector<MessageEvent> messages;
  bot_->on_group_joined([&](GroupJoinedEvent ev) { joined.push_back(std::move(ev)); });
  bot_->on_group_renamed([&](GroupRenamedEvent ev) { renamed.push_back(std::move(ev)); });
  bot_->on_group_avatar([&](GroupAvatarEvent ev) { avatars.push_back(std::move(ev)); });
  bot_->on_group_removed([&](GroupRemovedEvent ev) { removed.push_back(std::move(ev)); });
  bot_->on_message([&](const MessageEvent& ev) {
    messages.push_back(ev);
    ev.reply("seen: " + ev.text());
  });
  join();
  const auto alice_group =
      chat::create_group(*peer_.account, "Alice's", {bot_->fingerprint()}, now()).value();
  auto first = peer_->build_text(alice_group, "hi bot", chat::SendOptions{{}, {}, now()}).value();
  auto replies = only<chat::MessageEvent>(exchange({first}));
  ASSERT_EQ(joined.size(), 1U);
  EXPECT_EQ(joined[0].name, "Alice's");
  EXPECT_EQ(joined[0].actor_fingerprint, peer_->fingerprint());
  ASSERT_EQ(messages.size(), 1U);
  EXPECT_EQ(messages[0].chat(), joined[0].chat);
  ASSERT_EQ(replies.size(), 1U);
  EXPECT_EQ(replies[0].chat_id, alice_group) << "the reply goes to the group";

  exchange({chat::build_rename(*peer_.account, alice_group, "Alice's place", now()).value()});
  ASSERT_EQ(renamed.size(), 1U);
  EXPECT_EQ(renamed[0].old_name, "Alice's");
  EXPECT_EQ(renamed[0].new_name, "Alice's place");
  EXPECT_EQ(bot_->group_name(joined[0].chat).value(), "Alice's place");

  exchange({chat::build_set_avatar(*peer_.account, alice_group, as_bytes(kPng), now()).value()});
  ASSERT_EQ(avatars.size(), 1U);
  EXPECT_EQ(avatars[0].image.extension(), ".png");
  EXPECT_EQ(slurp(avatars[0].image), kPng);

  exchange(
      {chat::build_remove_member(*peer_.account, alice_group, bot_->fingerprint(), now()).value()});
  ASSERT_EQ(removed.size(), 1U);
  EXPECT_EQ(removed[0].chat, joined[0].chat);
  EXPECT_EQ(removed[0].actor_fingerprint, peer_->fingerprint());
}

TEST_F(BotTest, WebxdcFolderAppAndUpdatesBatchedAfterHandlers) {
  std::vector<WebxdcUpdateEvent> updates;
  bot_->on_webxdc_update([&](const WebxdcUpdateEvent& ev) {
    updates.push_back(ev);
    EXPECT_TRUE(bot_->send_webxdc_update(ev.instance, R"({"answer":1})", "bot answered"));
    EXPECT_TRUE(bot_->send_webxdc_update(ev.instance, R"({"answer":2})"));
  });
  auto chat = join();
  auto bot_chat = bot_->impl().account->single_chat(peer_->fingerprint(), now()).value();
  fs::path app = dir_ / "my-app";
  fs::create_directories(app / "js");
  std::ofstream(app / "index.html") << "<script src=js/app.js></script>";
  std::ofstream(app / "js" / "app.js") << "window.webxdc.sendUpdate({payload: 1}, '');";
  std::ofstream(app / "manifest.toml") << "name = \"My App\"\n";
  EXPECT_EQ(bot_->send_webxdc(bot_chat, dir_ / "nothing-here").error().code, Errc::Io);
  auto sent = bot_->send_webxdc(bot_chat, app, "try my app");
  ASSERT_TRUE(sent) << sent.error().to_string();
  auto msgs = only<chat::MessageEvent>(bot_to_peer());
  ASSERT_EQ(msgs.size(), 1U);
  EXPECT_EQ(msgs[0].chat_id, chat);
  EXPECT_EQ(msgs[0].text, "try my app");
  ASSERT_EQ(msgs[0].attachments.size(), 1U);
  EXPECT_EQ(msgs[0].attachments[0].filename, "my-app.xdc");
  auto archive = chat::XdcArchive::open(msgs[0].attachments[0].data);
  ASSERT_TRUE(archive) << archive.error().to_string();
  EXPECT_EQ(archive->manifest().name, "My App");
  EXPECT_TRUE(archive->has("js/app.js"));
  const auto peer_instance = msgs[0].message_id;

  // The peer's update reaches the handler; the handler's two updates leave in one mail.
  ASSERT_TRUE(chat::queue_webxdc_update(*peer_.account, peer_instance,
                                        chat::WebxdcUpdate{.payload = R"({"x":1})", .info = "hi"},
                                        now()));
  auto peer_mails = chat::flush_webxdc_updates(*peer_.account, now()).value();
  ASSERT_EQ(peer_mails.size(), 1U);
  to_bot(peer_mails[0].raw);
  ASSERT_EQ(updates.size(), 1U);
  EXPECT_EQ(updates[0].instance, sent->message_id);
  EXPECT_EQ(updates[0].instance_mid, sent->rfc724_mid);
  EXPECT_EQ(updates[0].payload, R"({"x":1})");
  EXPECT_EQ(updates[0].info, "hi");
  EXPECT_EQ(updates[0].sender.addr, peer_->profile().addr);
  EXPECT_TRUE(updates[0].sender.verified);
  auto rows = from_bot();
  ASSERT_EQ(rows.size(), 1U) << "one batch for the handler's updates";
  auto fx = peer_->receive(rows[0], now()).value();
  auto got = only<chat::WebxdcUpdateEvent>(fx.events);
  ASSERT_EQ(got.size(), 2U);
  EXPECT_EQ(got[0].payload, R"({"answer":1})");
  EXPECT_EQ(got[0].info, "bot answered");
  EXPECT_EQ(got[1].payload, R"({"answer":2})");

  // Outside a handler: queued now, sent together once the io thread runs.
  ASSERT_TRUE(bot_->send_webxdc_update(sent->message_id, R"({"later":1})"));
  ASSERT_TRUE(bot_->send_webxdc_update(sent->message_id, R"({"later":2})", {}, "summary"));
  EXPECT_EQ(bot_->send_webxdc_update(sent->message_id, "not json").error().code,
            Errc::InvalidArgument);
  EXPECT_EQ(bot_->send_webxdc_update(999999, "{}").error().code, Errc::NotFound);
  EXPECT_TRUE(from_bot().empty());
  // The timer waits out the flush interval after the handler's batch; then the io turn is done.
  io_.run_for(std::chrono::seconds(30));
  io_.restart();
  rows = from_bot();
  ASSERT_EQ(rows.size(), 1U);
  got = only<chat::WebxdcUpdateEvent>(peer_->receive(rows[0], now()).value().events);
  ASSERT_EQ(got.size(), 2U);
  EXPECT_EQ(got[1].summary, "summary");

  // Another update right away: the handler's answers leave inline or, within the flush interval
  // of the last mail, from the timer; either way as one mail.
  ASSERT_TRUE(chat::queue_webxdc_update(*peer_.account, peer_instance,
                                        chat::WebxdcUpdate{.payload = R"({"x":2})"}, now()));
  to_bot(chat::flush_webxdc_updates(*peer_.account, now()).value().at(0).raw);
  ASSERT_EQ(updates.size(), 2U);
  io_.run_for(std::chrono::seconds(30));
  io_.restart();
  rows = from_bot();
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(only<chat::WebxdcUpdateEvent>(peer_->receive(rows[0], now()).value().events).size(),
            2U);
}

TEST_F(BotTest, ReactEditAndDeleteOwnMessages) {
  bot_->on_message([&](const MessageEvent& ev) { EXPECT_TRUE(ev.react("👍")); });
  auto chat = join();
  auto bot_chat = bot_->impl().account->single_chat(peer_->fingerprint(), now()).value();
  auto peer_msg = peer_->build_text(chat, "react please", chat::SendOptions{{}, {}, now()}).value();
  auto reactions = only<chat::ReactionEvent>(exchange({peer_msg}));
  ASSERT_EQ(reactions.size(), 1U);
  EXPECT_EQ(reactions[0].emoji, "👍");
  EXPECT_EQ(reactions[0].target_mid, peer_msg.rfc724_mid);

  auto sent = bot_->send(bot_chat, "first version");
  ASSERT_TRUE(sent) << sent.error().to_string();
  EXPECT_EQ(sent->chat, bot_chat);
  EXPECT_GT(sent->message_id, 0);
  ASSERT_EQ(only<chat::MessageEvent>(bot_to_peer()).size(), 1U);
  ASSERT_TRUE(bot_->edit_message(bot_chat, sent->rfc724_mid, "second version"));
  auto edits = only<chat::EditEvent>(bot_to_peer());
  ASSERT_EQ(edits.size(), 1U);
  EXPECT_EQ(edits[0].text, "second version");
  EXPECT_EQ(edits[0].target_mid, sent->rfc724_mid);
  ASSERT_TRUE(bot_->delete_message(bot_chat, sent->rfc724_mid));
  auto deletes = only<chat::DeleteEvent>(bot_to_peer());
  ASSERT_EQ(deletes.size(), 1U);
  EXPECT_EQ(deletes[0].target_mids, std::vector<std::string>{sent->rfc724_mid});
  // Someone else's message cannot be edited or deleted.
  EXPECT_EQ(bot_->edit_message(bot_chat, peer_msg.rfc724_mid, "x").error().code, Errc::NotFound);
  EXPECT_EQ(bot_->delete_message(bot_chat, peer_msg.rfc724_mid).error().code, Errc::NotFound);
}

TEST_F(BotTest, RemoveHandlersDetachesExactlyOneOwner) {
  auto& impl = bot_->impl();
  std::vector<std::string> calls;
  bot_->on_message([&](const MessageEvent& ev) { calls.push_back("program:" + ev.text()); });
  auto plugin = impl.new_owner_id();
  auto pin = std::make_shared<int>(7);
  std::weak_ptr<int> weak_pin = pin;
  {
    Bot::Impl::OwnerScope scope(impl, HandlerOwner{plugin, pin});
    bot_->on_message([&](const MessageEvent& ev) { calls.push_back("plugin:" + ev.text()); });
    bot_->on_command("/ping", "answers pong", [](const CommandEvent& ev) { ev.reply("pong"); });
  }
  pin.reset();
  EXPECT_FALSE(weak_pin.expired()) << "the handlers pin their owner";
  auto chat = join();
  auto commands = bot_->commands();
  ASSERT_EQ(commands.size(), 2U);
  EXPECT_EQ(commands[1].name, "/ping");
  auto replies = say(chat, "one");
  EXPECT_EQ(calls, (std::vector<std::string>{"program:one", "plugin:one"}));
  ASSERT_EQ(say(chat, "/ping").size(), 1U);

  EXPECT_EQ(impl.remove_handlers(plugin), 2U);
  EXPECT_TRUE(weak_pin.expired()) << "detached handlers release the pin at once outside dispatch";
  EXPECT_EQ(bot_->commands().size(), 1U);
  calls.clear();
  say(chat, "two");
  EXPECT_EQ(calls, (std::vector<std::string>{"program:two"}));
  // /ping is no command any more: the program's message handler sees it.
  calls.clear();
  say(chat, "/ping");
  EXPECT_EQ(calls, (std::vector<std::string>{"program:/ping"}));
}

TEST_F(BotTest, HandlerMayDetachItsOwnOwnerWhileRunning) {
  auto& impl = bot_->impl();
  auto plugin = impl.new_owner_id();
  auto pin = std::make_shared<int>(7);
  std::weak_ptr<int> weak_pin = pin;
  int calls = 0;
  bool pinned_during_call = false;
  {
    Bot::Impl::OwnerScope scope(impl, HandlerOwner{plugin, pin});
    bot_->on_message([&, plugin](const MessageEvent&) {
      ++calls;
      // Registered while the plugin's handler runs: owned by the plugin too.
      bot_->on_command("/later", "", [](const CommandEvent&) {});
      EXPECT_EQ(impl.current_owner.id, plugin);
      impl.remove_handlers(plugin);
      pinned_during_call = !weak_pin.expired();
    });
    bot_->on_message([&](const MessageEvent&) { ++calls; });
  }
  pin.reset();
  auto chat = join();
  say(chat, "x");
  EXPECT_EQ(calls, 1) << "the second handler was detached before its turn";
  EXPECT_TRUE(pinned_during_call) << "the running handler's code stays pinned until it returns";
  EXPECT_TRUE(weak_pin.expired());
  EXPECT_EQ(bot_->commands().size(), 1U) << "/later belonged to the plugin";
  EXPECT_EQ(impl.current_owner.id, 0U);
}

TEST_F(BotTest, ReregisteringACommandKeepsItsPlaceAndTakesTheNewOwner) {
  auto& impl = bot_->impl();
  bot_->on_command("/a", "first", [](const CommandEvent&) {});
  bot_->on_command("/b", "", [](const CommandEvent&) {});
  auto plugin = impl.new_owner_id();
  {
    Bot::Impl::OwnerScope scope(impl, HandlerOwner{plugin, nullptr});
    bot_->on_command("a", "second", [](const CommandEvent&) {});
  }
  auto commands = bot_->commands();
  ASSERT_EQ(commands.size(), 3U);
  EXPECT_EQ(commands[1].name, "/a");
  EXPECT_EQ(commands[1].description, "second");
  impl.remove_handlers(plugin);
  commands = bot_->commands();
  ASSERT_EQ(commands.size(), 2U);
  EXPECT_EQ(commands[1].name, "/b");
}

TEST_F(BotTest, RemoveHandlersEndsTheOwnersConversationsAndTimers) {
  auto& impl = bot_->impl();
  auto plugin = impl.new_owner_id();
  auto pin = std::make_shared<int>(7);
  std::weak_ptr<int> weak_pin = pin;
  int ended = 0;
  int waited_again = 0;
  int ticks = 0;
  int program_ticks = 0;
  {
    Bot::Impl::OwnerScope scope(impl, HandlerOwner{plugin, pin});
    bot_->on_command("wait", "", [&](CommandEvent ev) -> Conversation {
      auto answer = co_await ev.next_message(std::chrono::minutes(5));
      EXPECT_FALSE(answer);
      ++ended;
      // A conversation being drained cannot wait again: this resumes at once.
      auto again = co_await ev.next_message(std::chrono::minutes(5));
      EXPECT_FALSE(again);
      ++waited_again;
    });
    bot_->every(std::chrono::milliseconds(1), [&] { ++ticks; });
  }
  bot_->every(std::chrono::milliseconds(1), [&] { ++program_ticks; });
  pin.reset();
  auto chat = join();
  EXPECT_TRUE(say(chat, "/wait").empty());
  ASSERT_EQ(impl.waiters.size(), 1U);
  EXPECT_FALSE(weak_pin.expired());

  impl.remove_handlers(plugin);
  EXPECT_EQ(ended, 1);
  EXPECT_EQ(waited_again, 1);
  EXPECT_TRUE(impl.waiters.empty());
  EXPECT_EQ(impl.timers.size(), 1U) << "only the program's timer is left";
  // The cancelled waits still hold the plugin's timer handlers until the io loop delivers their
  // cancellation; then nothing of the plugin is left.
  io_.run_for(std::chrono::milliseconds(50));
  io_.restart();
  EXPECT_TRUE(weak_pin.expired());
  EXPECT_EQ(ticks, 0);
  EXPECT_GT(program_ticks, 0);
}

TEST_F(BotTest, TimersEveryRepeatsAfterFiresOnceCancelAndStopEndThem) {
  auto& impl = bot_->impl();
  int every_ticks = 0;
  int after_ticks = 0;
  int cancelled_ticks = 0;
  // Intervals below 1 ms are raised to 1 ms.
  const TimerId every = bot_->every(std::chrono::milliseconds(0), [&] { ++every_ticks; });
  const TimerId after = bot_->after(std::chrono::milliseconds(-5), [&] { ++after_ticks; });
  const TimerId cancelled = bot_->after(std::chrono::milliseconds(1), [&] { ++cancelled_ticks; });
  EXPECT_LT(every, after);
  EXPECT_LT(after, cancelled);
  EXPECT_EQ(impl.timers.size(), 3U);
  EXPECT_EQ(impl.timer_owners.size(), 3U);
  bot_->cancel_timer(cancelled);
  EXPECT_EQ(impl.timers.count(cancelled), 0U);
  for (int i = 0; i < 500 && (every_ticks < 3 || after_ticks == 0); ++i) {
    io_.run_for(std::chrono::milliseconds(10));
    io_.restart();
  }
  EXPECT_GE(every_ticks, 3);
  EXPECT_EQ(after_ticks, 1);
  EXPECT_EQ(cancelled_ticks, 0);
  EXPECT_EQ(impl.timers.count(every), 1U) << "`every` stays armed";
  EXPECT_EQ(impl.timers.count(after), 0U) << "a fired `after` is gone";
  EXPECT_EQ(impl.timer_owners.count(after), 0U);

  bot_->stop();
  EXPECT_TRUE(impl.timers.empty());
  // After stop() a timer still gets a new id but is not armed.
  const TimerId late = bot_->after(std::chrono::milliseconds(1), [&] { ++after_ticks; });
  EXPECT_GT(late, cancelled);
  EXPECT_TRUE(impl.timers.empty());
  EXPECT_TRUE(impl.timer_owners.empty());
  io_.run_for(std::chrono::milliseconds(20));
  io_.restart();
  EXPECT_EQ(after_ticks, 1);
}

}  // namespace
}  // namespace dcbot::runtime
