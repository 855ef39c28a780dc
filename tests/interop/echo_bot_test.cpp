// SPDX-License-Identifier: MIT
// The echo bot against the real Delta Chat core (issue #5 acceptance 1-5): a real-core user
// joins the bot's invite link (v3 and legacy) or the bot joins the user's link, then texts and
// files are echoed; mails that must be ignored get no reply; the bot's avatar reaches the core. The
// bot runs in-process on its own io thread, exactly as `dcbot run` runs it (runtime::open_bot +
// Engine::run), on the local relay.
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <gtest/gtest.h>

#include "base/bytes.h"
#include "base/encoding.h"
#include "dcbot/bot.h"
#include "dcbot/log.h"
#include "mime/address.h"
#include "mime/builder.h"
#include "mime/date.h"
#include "pgp/armor.h"
#include "pgp/key.h"
#include "pgp/message.h"
#include "runtime/bot.h"
#include "smtp/session.h"
#include "store/contacts.h"
#include "store/db.h"

#include "support/inprocess_bot.h"
#include "support/peer_setup.h"
#include "support/process.h"
#include "support/relay_env.h"
#include "support/rpc_peer.h"
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

namespace dcbot {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testsupport::check_encrypted_chat_with;
using testsupport::create_ready_user;
using testsupport::InProcessBot;
using testsupport::PeerAccount;
using testsupport::read_file;
using testsupport::RelayEnv;
using testsupport::RpcPeer;
namespace json = boost::json;

// Hands raw mails to the relay's port 25 (no auth), straight into `to`'s mailbox.
Task<Result<>> inject_mails(RelayEnv env, std::string to, std::vector<std::string> mails) {
  smtp::Options o;
  o.host = env.host;
  o.port = env.smtp_port;
  o.security = net::Security::Plain;
  o.timeout = std::chrono::seconds(20);
  auto executor = co_await asio::this_coro::executor;
  DCBOT_CO_TRY(auto session, co_await smtp::Session::connect(executor, o));
  const std::vector<std::string> recipients{to};
  for (auto& mail : mails) {
    DCBOT_CO_TRY(co_await session.send("stranger@" + env.domain, recipients, to_bytes(mail)));
  }
  (void)co_await session.quit();
  co_return Result<>{};
}

// Every line the SDK logs (dcbot::log writes through the spdlog logger "dcbot"), so that a test
// can wait for the bot's reason for dropping a mail.
class LogLines : public spdlog::sinks::base_sink<std::mutex> {
 public:
  // True once a logged line contains every one of `parts`, within `limit`.
  bool wait_for(const std::vector<std::string>& parts, std::chrono::seconds limit) {
    std::unique_lock lock(lines_mutex_);
    return cv_.wait_for(lock, limit, [&] { return find(parts) != nullptr; });
  }

  // True once at least `n` logged lines contain every one of `parts`, within `limit`.
  bool wait_for_count(const std::vector<std::string>& parts, std::size_t n,
                      std::chrono::seconds limit) {
    std::unique_lock lock(lines_mutex_);
    return cv_.wait_for(lock, limit, [&] { return count(parts) >= n; });
  }

  // The first line containing every one of `parts`, or empty.
  std::string line_with(const std::vector<std::string>& parts) {
    std::lock_guard lock(lines_mutex_);
    const std::string* line = find(parts);
    return line != nullptr ? *line : std::string();
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    {
      std::lock_guard lock(lines_mutex_);
      lines_.emplace_back(msg.payload.data(), msg.payload.size());
    }
    cv_.notify_all();
  }

  void flush_() override {}

 private:
  std::size_t count(const std::vector<std::string>& parts) const {
    std::size_t n = 0;
    for (const auto& line : lines_) {
      bool all = true;
      for (const auto& p : parts) {
        all = all && line.find(p) != std::string::npos;
      }
      n += all ? 1 : 0;
    }
    return n;
  }

  const std::string* find(const std::vector<std::string>& parts) const {
    for (const auto& line : lines_) {
      bool all = true;
      for (const auto& p : parts) {
        all = all && line.find(p) != std::string::npos;
      }
      if (all) {
        return &line;
      }
    }
    return nullptr;
  }

  std::mutex lines_mutex_;
  std::condition_variable cv_;
  std::vector<std::string> lines_;
};

// Adds a LogLines sink to the SDK's logger; call before any other thread logs.
std::shared_ptr<LogLines> capture_log() {
  if (!log::enabled(log::Level::Info)) {
    log::set_level(log::Level::Info);  // The drop reasons are logged at info.
  }
  log::info("test: capturing the log");  // Creates the logger.
  auto logger = spdlog::get("dcbot");
  auto sink = std::make_shared<LogLines>();
  if (logger) {
    logger->sinks().push_back(sink);
  }
  return sink;
}

// A hand-made encrypted chat mail (PROTOCOL.md §3.1/§3.2 layout, built with the SDK's mime and
// pgp layers) from `from_addr` to the bot, for the mails the bot must refuse.
struct HandMade {
  std::string outer_from{};
  std::string inner_from{};
  std::string mid{};  // Without angle brackets.
  std::string text{};
  const pgp::Certificate* autocrypt = nullptr;  // The protected Autocrypt key; none if null.
  const pgp::SecretKey* signer = nullptr;       // Unsigned if null.
};

std::string build_hand_made(const HandMade& m, const pgp::Certificate& bot_cert,
                            const std::string& bot_addr) {
  const std::int64_t now = runtime::unix_now();
  const std::string mid = mime::format_message_id(m.mid);
  std::vector<mime::HeaderField> prefix = {
      {"From", mime::format_mailbox(mime::Mailbox{{}, m.inner_from, {}})},
      {"Message-ID", mid},
  };
  if (m.autocrypt != nullptr) {
    prefix.push_back({"Autocrypt", mime::autocrypt_value(mime::to_lower(m.inner_from),
                                                         m.autocrypt->serialize())});
  }
  const std::vector<mime::HeaderField> protected_headers = {
      {"Date", mime::format_date(now)},
      {"To", mime::format_address_list({mime::Mailbox{{}, bot_addr, {}}})},
      {"Subject", "Message from " + m.inner_from},
      {"Chat-Version", "1.0"},
  };
  const std::string inner =
      mime::render_protected(mime::text_part(m.text), prefix, protected_headers);
  const pgp::Certificate* to[] = {&bot_cert};
  pgp::EncryptOptions options{.compress = true, .now = static_cast<std::uint32_t>(now)};
  auto encrypted = m.signer != nullptr ? pgp::encrypt(as_bytes(inner), *m.signer, to, options)
                                       : pgp::encrypt_to(as_bytes(inner), to, nullptr, options);
  EXPECT_TRUE(encrypted) << encrypted.error().to_string();
  mime::OuterHeaders outer;
  outer.from_addr = m.outer_from;
  outer.date = now;
  outer.message_id = m.mid;
  return mime::build_encrypted_message(
      outer, pgp::armor_encode(*encrypted, pgp::ArmorKind::Message, pgp::LineEnding::Crlf),
      "hand-made-boundary-0123456789");
}

// What the bot's handlers saw, shared with the test thread.
struct Seen {
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<MessageData> messages;

  bool wait(const std::function<bool()>& done, std::chrono::seconds limit) {
    std::unique_lock lock(mutex);
    return cv.wait_for(lock, limit, done);
  }
};

class EchoBotInterop : public ::testing::Test {
 protected:
  void SetUp() override {
    log_ = capture_log();
    auto env = RelayEnv::from_environment();
    ASSERT_TRUE(env) << "the local test relay is required: " << env.error().to_string();
    relay_ = std::move(*env);

    auto runner = InProcessBot::open(relay_, "echo-", fs::path(DCBOT_BINARY_DIR) / "echo-interop",
                                     "Echo Bot");
    ASSERT_TRUE(runner) << runner.error().to_string();
    runner_ = std::move(*runner);
    bot_ = &runner_->bot();

    // The echo bot of bots/echo/main.cpp, plus recording for the assertions.
    bot_->on_message([this](MessageEvent ev) {
      {
        std::lock_guard lock(seen_.mutex);
        seen_.messages.push_back(ev.data());
      }
      seen_.cv.notify_all();
      if (ev.attachments().empty()) {
        ev.reply(ev.text());
        return;
      }
      for (const auto& file : ev.attachments()) {
        ev.reply_file(file.path, ev.text());
      }
    });

    testsupport::RpcPeerOptions peer_options;
    peer_options.name = "user";
    auto peer = RpcPeer::start(peer_options);
    ASSERT_TRUE(peer) << peer.error().to_string();
    peer_ = std::move(*peer);
    // The bot may write to the user only once its core idles (a fresh core account treats mails
    // that arrived before its first INBOX fetch as old).
    auto user = create_ready_user(*peer_, relay_, "user-", "Ünïcode User");
    ASSERT_TRUE(user) << user.error().to_string();
    user_.emplace(std::move(*user));
  }

  void TearDown() override { runner_.reset(); }

  bool wait_verified(std::size_t n = 1) {
    return runner_->wait_verified(
        [n](const std::vector<ContactVerifiedEvent>& seen) { return seen.size() >= n; }, 90s);
  }

  ContactVerifiedEvent verified(std::size_t i = 0) { return runner_->verified().at(i); }

  PeerAccount& user() { return *user_; }

  // The user joins the bot's link; checks the core's view of the finished handshake and
  // returns the user's chat with the bot.
  std::uint32_t user_joins(bool legacy) {
    auto link = bot_->invite_link(legacy);  // Before the bot runs: still on this thread.
    EXPECT_TRUE(link) << link.error().to_string();
    EXPECT_EQ(link->rfind("https://i.delta.chat/#", 0), 0U);
    EXPECT_EQ(link->find("v=3") != std::string::npos, !legacy);
    runner_->start();
    // The same (stable) link again, then the handshake until the bot verified the user.
    auto chat = runner_->verify_user(user(), legacy);
    EXPECT_TRUE(chat) << chat.error().to_string();
    if (!chat) {
      return 0;
    }
    expect_encrypted_chat_with_bot(*chat);
    EXPECT_EQ(verified().addr, user().addr());
    return *chat;
  }

  // The user's chat with the bot is encrypted, with the bot (marked a bot) as its one contact.
  void expect_encrypted_chat_with_bot(std::uint32_t chat_id) {
    auto checked = check_encrypted_chat_with(user(), chat_id, bot_->addr(), /*is_bot=*/true);
    EXPECT_TRUE(checked) << checked.error().to_string();
  }

  // The user sends `text` and the bot's echo arrives in the same chat, encrypted.
  void expect_echo(std::uint32_t chat, const std::string& text) {
    auto sent = user().send_text(chat, text);
    ASSERT_TRUE(sent) << sent.error().to_string();
    auto echo = user().wait_incoming_text(text, 90s);
    ASSERT_TRUE(echo) << echo.error().to_string() << " (waiting for the echo of "
                      << text.substr(0, 40) << ")";
    EXPECT_EQ(echo->at("chatId").to_number<std::uint32_t>(), chat);
    EXPECT_EQ(echo->at("showPadlock"), true);
    EXPECT_EQ(echo->at("isBot"), true);
    // The echo is a reply: the core shows the user's message quoted above it.
    const auto& quote = echo->at("quote");
    ASSERT_TRUE(quote.is_object()) << "no quote: " << json::serialize(*echo);
    EXPECT_EQ(quote.at("kind"), "WithMessage") << json::serialize(quote);
    EXPECT_EQ(quote.at("text"), json::value(text)) << json::serialize(quote);
    EXPECT_EQ(quote.at("messageId"), json::value(*sent)) << json::serialize(quote);
  }

  std::shared_ptr<LogLines> log_;
  RelayEnv relay_;
  std::unique_ptr<InProcessBot> runner_;
  Bot* bot_ = nullptr;  // runner_'s bot.
  Seen seen_;
  std::unique_ptr<RpcPeer> peer_;
  std::optional<PeerAccount> user_;
};

TEST_F(EchoBotInterop, UserJoinsV3LinkAndTextsAreEchoed) {
  auto chat = user_joins(/*legacy=*/false);
  expect_echo(chat, "hello echo bot");
  expect_echo(chat,
              "Grüße, ¡hola!, привет, 你好, مرحبا 👋🏽🎉 — ünïcödé");
  std::string big;
  for (int i = 0; big.size() < 10 * 1024; ++i) {
    big += "line " + std::to_string(i) + ": the quick brown fox jumps over the lazy dog ✓\n";
  }
  big.pop_back();
  ASSERT_TRUE(user().send_text(chat, big));
  // The core shows at most ~5000 characters of a long text ("[...]") and keeps the whole text as
  // the message's HTML view: the echo must carry all of it.
  auto echo = user().wait_incoming_message_matching(
      [](const json::object& m) {
        auto text = std::string(m.at("text").as_string());
        return text.rfind("line 0: the quick brown fox", 0) == 0;
      },
      90s);
  ASSERT_TRUE(echo) << echo.error().to_string();
  EXPECT_EQ(echo->at("chatId").to_number<std::uint32_t>(), chat);
  EXPECT_EQ(echo->at("showPadlock"), true);
  std::string shown(echo->at("text").as_string());
  if (shown != big) {
    EXPECT_EQ(echo->at("hasHtml"), true);
    auto html = user().call("get_message_html", {echo->at("id")});
    ASSERT_TRUE(html) << html.error().to_string();
    ASSERT_TRUE(html->is_string());
    std::string full(html->as_string());
    std::string last = big.substr(big.rfind('\n') + 1);
    EXPECT_NE(full.find(last), std::string::npos) << "the last line is missing: " << last;
  }

  std::lock_guard lock(seen_.mutex);
  ASSERT_EQ(seen_.messages.size(), 3U);
  EXPECT_EQ(seen_.messages[2].text, big);
  EXPECT_TRUE(seen_.messages[0].sender.verified);
  EXPECT_FALSE(seen_.messages[0].sender.is_bot);
  EXPECT_EQ(seen_.messages[0].sender.addr, user().addr());
  EXPECT_EQ(seen_.messages[0].sender.name, "Ünïcode User");
}

TEST_F(EchoBotInterop, MailsThatMustBeIgnoredGetNoReplyAndTheNextMessageIsAnswered) {
  auto chat = user_joins(/*legacy=*/false);
  const std::string from = user().addr();
  const std::string to = bot_->addr();
  // Message-IDs unique to this run (the bot's address is fresh), to find each mail in the log.
  const std::string tag = to.substr(0, to.find('@'));
  auto mid = [&](const std::string& kind) {
    return kind + "." + tag + "@localhost";
  };
  auto head = [&](const std::string& kind, const std::string& content_type) {
    return "From: <" + from + ">\r\nTo: <" + to + ">\r\nSubject: [...]\r\nMessage-ID: <" + mid(kind)
           + ">\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\nChat-Version: 1.0\r\n"
           + "MIME-Version: 1.0\r\nContent-Type: " + content_type + "\r\n\r\n";
  };
  // Each mail with the reason the bot must log for it (empty: any reason).
  std::vector<std::pair<std::string, std::string>> expected;
  std::vector<std::string> mails;
  // Plaintext, claiming to come from the verified user.
  mails.push_back(head("plain", "text/plain; charset=utf-8") + "echo this plaintext\r\n");
  expected.emplace_back(mid("plain"), "not encrypted");
  // Garbage MIME: a multipart without a boundary, and bytes that are no mail at all.
  mails.push_back(head("garbage", "multipart/mixed") + "--x\r\n\x01\x02\x03 not mime\r\n");
  mails.push_back("\x7f\x45\x4c\x46 no headers here\r\n");
  // multipart/encrypted whose PGP message is cut off.
  mails.push_back(
      head("truncated",
           "multipart/encrypted; protocol=\"application/pgp-encrypted\"; "
           "boundary=\"b\"")
      + "--b\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n\r\n"
      + "--b\r\nContent-Type: application/octet-stream\r\n\r\n"
      + "-----BEGIN PGP MESSAGE-----\r\n\r\nwV4DAAAAAAAAAAASAQdAbm90IGEgcmVhbCBtZXNz\r\n"
      + "--b--\r\n");
  expected.emplace_back(mid("truncated"), "");

  // Encrypted to the bot's key, built in-process with the SDK's pgp and mime layers: the bot's
  // certificate and the user's (as the bot stored it during the join) come from the bot's store.
  auto certs = runner_->on_bot([&] {
    auto& account = *bot_->impl().account;
    const pgp::Certificate* user_cert = account.contact_certificate(verified().fingerprint);
    return std::make_pair(
        account.key().certificate(),
        user_cert != nullptr ? std::optional<pgp::Certificate>(*user_cert) : std::nullopt);
  });
  ASSERT_TRUE(certs.second) << "the bot has no key for the verified user";
  const pgp::Certificate& bot_cert = certs.first;
  const pgp::Certificate& user_cert = *certs.second;
  const std::string stranger_addr = relay_.fresh_address("stranger-");
  const auto now32 = static_cast<std::uint32_t>(runtime::unix_now());
  auto stranger = pgp::SecretKey::generate(stranger_addr, {stranger_addr}, now32);
  auto other = pgp::SecretKey::generate(stranger_addr, {stranger_addr}, now32);
  ASSERT_TRUE(stranger && other);
  auto hand_made = [&](const std::string& kind, HandMade m, const std::string& reason) {
    m.mid = mid(kind);
    m.text = "echo this: " + kind;
    mails.push_back(build_hand_made(m, bot_cert, to));
    expected.emplace_back(m.mid, reason);
  };
  // Encrypted to the bot but unsigned, "from" the verified user (PROTOCOL.md §1.5 T07).
  hand_made("unsigned", {.outer_from = from, .inner_from = from, .autocrypt = &user_cert},
            "unsigned");
  // Unsigned with an outer From that differs from the inner one (SECURITY.md "outer From").
  hand_made(
      "forged-outer",
      {.outer_from = from, .inner_from = stranger_addr, .autocrypt = &stranger->certificate()},
      "forged from: unsigned mail with differing outer from");
  // Signed by a fresh key the bot never saw, without an Autocrypt header (§1.7 T08) ...
  hand_made("unknown-key",
            {.outer_from = stranger_addr, .inner_from = stranger_addr, .signer = &*stranger},
            "signed by unknown key");
  // ... and with an Autocrypt header that carries a different key than the signing one.
  hand_made("unknown-key-other-autocrypt",
            {.outer_from = stranger_addr,
             .inner_from = stranger_addr,
             .autocrypt = &other->certificate(),
             .signer = &*stranger},
            "signed by unknown key");
  // Forged From: claims to be the verified user, even carries the user's real key as its
  // Autocrypt header, but a stranger signed it.
  hand_made("forged-from",
            {.outer_from = from, .inner_from = from, .autocrypt = &user_cert, .signer = &*stranger},
            "signed by unknown key");
  hand_made("forged-from-no-autocrypt",
            {.outer_from = from, .inner_from = from, .signer = &*stranger},
            "signed by unknown key");

  std::promise<Result<>> injected;
  asio::co_spawn(runner_->io(), inject_mails(relay_, to, mails),
                 [&injected](const std::exception_ptr&, Result<> r) { injected.set_value(r); });
  auto r = injected.get_future().get();
  ASSERT_TRUE(r) << r.error().to_string();

  // The relay may deliver in any order: wait until the bot logged its reason for each mail.
  for (const auto& [id, reason] : expected) {
    std::vector<std::string> parts = {"bot: mail ", " " + id + " dropped: " + reason};
    EXPECT_TRUE(log_->wait_for(parts, 90s)) << "no \"dropped: " << reason << "\" logged for " << id
                                            << "; logged instead: " << log_->line_with({id});
  }
  // A mail the MIME parser refuses is logged without its Message-ID.
  EXPECT_TRUE(log_->wait_for({"bot: mail ", " " + mid("garbage") + " dropped: "}, 5s)
              || log_->wait_for({"bot: mail ", " dropped: mime parse failed"}, 60s))
      << "nothing logged for the garbage mail";
  expect_echo(chat, "after the junk");
  {
    std::lock_guard lock(seen_.mutex);
    ASSERT_EQ(seen_.messages.size(), 1U);
    EXPECT_EQ(seen_.messages[0].text, "after the junk");
  }

  struct State {
    std::array<std::int64_t, 3> inbox{};  // All rows, tombstoned, pending.
    std::int64_t own_messages = 0;        // Visible messages the bot sent.
    bool stranger_known = false;
    bool other_known = false;
  };

  auto state = runner_->on_bot([&] {
    State st;
    auto& db = bot_->impl().engine->db();
    auto stmt = db.prepare("SELECT count(*), sum(state = 2), sum(state = 0) FROM inbox");
    EXPECT_TRUE(stmt);
    EXPECT_TRUE(stmt->step());
    st.inbox = {stmt->column_int64(0), stmt->column_int64(1), stmt->column_int64(2)};
    auto own = db.prepare("SELECT count(*) FROM messages WHERE sender_fpr = ''");
    EXPECT_TRUE(own);
    EXPECT_TRUE(own->step());
    st.own_messages = own->column_int64(0);
    store::Contacts contacts(db);
    st.stranger_known = contacts.get(stranger->certificate().fingerprint_hex()).value().has_value();
    st.other_known = contacts.get(other->certificate().fingerprint_hex()).value().has_value();
    return st;
  });
  // None of them failed processing (no tombstones): every injected mail and the echoed one are
  // handled (the headerless mail too, maybe after the echo: it has no id to wait for).
  EXPECT_GE(state.inbox[0], static_cast<std::int64_t>(expected.size()) + 1);
  EXPECT_EQ(state.inbox[1], 0);
  // No reply to any of them: the echo is the only message the bot wrote.
  EXPECT_EQ(state.own_messages, 1);
  // Keys from refused mails are not stored.
  EXPECT_FALSE(state.stranger_known);
  EXPECT_FALSE(state.other_known);
  // The user's chat shows nothing but the echo from the bot.
  auto ids = user().call("get_message_ids", {chat, false, false});
  ASSERT_TRUE(ids && ids->is_array()) << (ids ? json::serialize(*ids) : ids.error().to_string());
  std::vector<std::string> from_bot;
  for (const auto& id : ids->as_array()) {
    auto m = user().call("get_message", {id});
    ASSERT_TRUE(m && m->is_object()) << (m ? json::serialize(*m) : m.error().to_string());
    const auto& msg = m->as_object();
    // Contact id 1 is the user itself; info messages are the core's own notes.
    if (msg.at("fromId").to_number<std::int64_t>() != 1 && msg.at("isInfo") == false) {
      from_bot.emplace_back(msg.at("text").as_string());
    }
  }
  EXPECT_EQ(from_bot, std::vector<std::string>{"after the junk"});
}

// With `read_receipts: true` the bot answers the core's Chat-Disposition-Notification-To with an
// MDN (PROTOCOL.md §3.9) and the real core marks its message read.
TEST_F(EchoBotInterop, ReadReceiptsWhenEnabledMarkTheUsersMessageRead) {
  bot_->impl().options.read_receipts = true;  // Before the bot runs: on this thread.
  ASSERT_TRUE(user().set_config("mdns_enabled", "1"));
  auto chat = user_joins(/*legacy=*/false);
  auto sent = user().send_text(chat, "did you read this?");
  ASSERT_TRUE(sent) << sent.error().to_string();
  const std::uint32_t id = *sent;
  auto read = user().wait_for_event(
      [id](const json::object& ev) {
        return ev.at("kind") == "MsgRead" && ev.at("msgId").to_number<std::uint32_t>() == id;
      },
      90s);
  ASSERT_TRUE(read) << read.error().to_string();
  auto msg = user().call("get_message", {id});
  ASSERT_TRUE(msg && msg->is_object());
  EXPECT_EQ(msg->as_object().at("state").to_number<int>(), 28);  // OutMdnRcvd.
  auto echo = user().wait_incoming_text("did you read this?", 90s);
  EXPECT_TRUE(echo) << echo.error().to_string();
}

// Per-user flood control (limits.user_messages_per_minute): of 5 messages sent at once, the bot
// hands 3 to its handler and answers those; the other 2 are logged and never answered.
TEST_F(EchoBotInterop, FloodControlAnswersOnlyTheAllowedMessagesOfOneUser) {
  bot_->impl().flood = runtime::FloodControl(3);  // Before the bot runs: on this thread.
  auto chat = user_joins(/*legacy=*/false);
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(user().send_text(chat, "flood " + std::to_string(i)));
  }
  EXPECT_TRUE(
      log_->wait_for_count({"dropped: more than 3 messages per minute from this sender"}, 2, 90s));
  std::set<std::string> echoed;
  auto three = user().wait_incoming_message_matching(
      [&](const json::object& m) {
        std::string text(m.at("text").as_string());
        if (text.rfind("flood ", 0) == 0) {
          echoed.insert(text);
        }
        return echoed.size() >= 3;
      },
      90s);
  ASSERT_TRUE(three) << three.error().to_string();
  std::vector<std::string> handled;
  {
    std::lock_guard lock(seen_.mutex);
    for (const auto& m : seen_.messages) {
      handled.push_back(m.text);
    }
  }
  EXPECT_EQ(handled.size(), 3U);
  EXPECT_EQ(std::set<std::string>(handled.begin(), handled.end()), echoed);
  // Every mail is handled (nothing pending or tombstoned) and the bot wrote exactly 3 answers.
  auto counts = runner_->on_bot([&] {
    auto& db = bot_->impl().engine->db();
    auto stmt = db.prepare(
        "SELECT (SELECT count(*) FROM inbox WHERE state != 1), "
        "(SELECT count(*) FROM messages WHERE sender_fpr = '')");
    EXPECT_TRUE(stmt);
    EXPECT_TRUE(stmt->step());
    return std::array<std::int64_t, 2>{stmt->column_int64(0), stmt->column_int64(1)};
  });
  EXPECT_EQ(counts[0], 0);
  EXPECT_EQ(counts[1], 3);
}

// The bot's `profile.avatar` goes out as Chat-User-Avatar (PROTOCOL.md §3.5) and the real core
// shows it as the bot's profile image.
TEST_F(EchoBotInterop, AvatarReachesTheCore) {
  // A 1x1 PNG.
  const auto png = base64_decode(
      "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII"
      "=");
  ASSERT_TRUE(png);
  ASSERT_TRUE(bot_->impl().account->set_avatar(*png));  // Before the bot runs: on this thread.
  auto chat = user_joins(/*legacy=*/false);
  expect_echo(chat, "show me your face");
  auto c = user().get_chat(chat);
  ASSERT_TRUE(c) << c.error().to_string();
  auto contact = user().get_contact(c->at("contactIds").as_array()[0].to_number<std::uint32_t>());
  ASSERT_TRUE(contact) << contact.error().to_string();
  ASSERT_TRUE(contact->at("profileImage").is_string()) << json::serialize(*contact);
  EXPECT_EQ(read_file(std::string(contact->at("profileImage").as_string())), to_string(*png));
}

TEST_F(EchoBotInterop, UserJoinsLegacyLinkAndTextsAreEchoed) {
  auto chat = user_joins(/*legacy=*/true);
  expect_echo(chat, "legacy join works 🙂");
}

TEST_F(EchoBotInterop, BotJoinsUserLinkAndMessagesFlowBothWays) {
  auto qr = user().securejoin_qr();
  ASSERT_TRUE(qr) << qr.error().to_string();
  auto bot_chat = bot_->join(*qr);  // Queued before the engine runs, as `dcbot join` does.
  ASSERT_TRUE(bot_chat) << bot_chat.error().to_string();
  runner_->start();
  auto inviter_done = user().wait_securejoin_inviter_done(90s);
  ASSERT_TRUE(inviter_done) << inviter_done.error().to_string();
  ASSERT_TRUE(wait_verified()) << "the bot did not verify the user";
  EXPECT_EQ(verified().addr, user().addr());
  EXPECT_EQ(verified().chat, *bot_chat);

  // Bot -> user.
  auto sent = runner_->on_bot([&] { return bot_->send_text(*bot_chat, "hi, the bot here ✓"); });
  ASSERT_TRUE(sent) << sent.error().to_string();
  auto got = user().wait_incoming_text("hi, the bot here ✓", 90s);
  ASSERT_TRUE(got) << got.error().to_string();
  EXPECT_EQ(got->at("showPadlock"), true);
  auto chat = got->at("chatId").to_number<std::uint32_t>();
  expect_encrypted_chat_with_bot(chat);

  // User -> bot -> user.
  expect_echo(chat, "and back again 🔁");
  std::lock_guard lock(seen_.mutex);
  ASSERT_EQ(seen_.messages.size(), 1U);
  EXPECT_TRUE(seen_.messages[0].sender.verified);
  EXPECT_EQ(seen_.messages[0].chat, *bot_chat);
}

TEST_F(EchoBotInterop, FileIsSavedByteIdenticalAndEchoedBack) {
  auto chat = user_joins(/*legacy=*/false);
  fs::path dir = fs::path(DCBOT_BINARY_DIR) / "echo-interop" / "files";
  fs::create_directories(dir);
  fs::path path = dir / "Prüfbericht ☃.bin";
  std::string content(150 * 1024, '\0');
  for (std::size_t i = 0; i < content.size(); ++i) {
    content[i] = static_cast<char>((i * 131 + i / 7) & 0xff);
  }
  std::ofstream(path, std::ios::binary) << content;
  auto sent = user().send_file(chat, path.string(), "my file");
  ASSERT_TRUE(sent) << sent.error().to_string();

  ASSERT_TRUE(seen_.wait([&] { return !seen_.messages.empty(); }, 90s));
  {
    std::lock_guard lock(seen_.mutex);
    const auto& m = seen_.messages[0];
    EXPECT_EQ(m.text, "my file");
    ASSERT_EQ(m.attachments.size(), 1U);
    EXPECT_EQ(m.attachments[0].filename, "Prüfbericht ☃.bin");
    EXPECT_EQ(m.attachments[0].size, content.size());
    EXPECT_EQ(read_file(m.attachments[0].path), content);
  }

  auto echo = user().wait_incoming_text("my file", 90s);
  ASSERT_TRUE(echo) << echo.error().to_string();
  EXPECT_EQ(echo->at("chatId").to_number<std::uint32_t>(), chat);
  EXPECT_EQ(echo->at("showPadlock"), true);
  EXPECT_EQ(echo->at("fileName"), "Prüfbericht ☃.bin");
  ASSERT_TRUE(echo->at("file").is_string());
  EXPECT_EQ(read_file(std::string(echo->at("file").as_string())), content);
}

// Core 2.62 sends a large file as a pre-message (text, metadata) and a post-message (the file);
// the bot must see one message with the whole file and echo it back.
TEST_F(EchoBotInterop, OneMegabyteFileRoundTrips) {
  auto chat = user_joins(/*legacy=*/false);
  fs::path dir = fs::path(DCBOT_BINARY_DIR) / "echo-interop" / "files";
  fs::create_directories(dir);
  fs::path path = dir / "großes-bild.jpg";
  std::string content(1024 * 1024, '\0');
  std::uint32_t x = 12345;
  for (auto& c : content) {
    x = x * 1103515245U + 12345U;
    c = static_cast<char>(x >> 24);
  }
  std::ofstream(path, std::ios::binary) << content;
  auto sent = user().send_file(chat, path.string(), "big one");
  ASSERT_TRUE(sent) << sent.error().to_string();

  ASSERT_TRUE(seen_.wait(
      [&] {
        for (const auto& m : seen_.messages) {
          if (!m.attachments.empty()) {
            return true;
          }
        }
        return false;
      },
      120s))
      << "the bot did not get the file";
  {
    std::lock_guard lock(seen_.mutex);
    const MessageData* file_msg = nullptr;
    for (const auto& m : seen_.messages) {
      file_msg = m.attachments.empty() ? file_msg : &m;
    }
    ASSERT_NE(file_msg, nullptr);
    EXPECT_EQ(file_msg->text, "big one");
    ASSERT_EQ(file_msg->attachments.size(), 1U);
    EXPECT_EQ(file_msg->attachments[0].filename, "großes-bild.jpg");
    EXPECT_EQ(read_file(file_msg->attachments[0].path), content);
  }
  auto echo = user().wait_incoming_message_matching(
      [](const json::object& m) {
        return m.at("file").is_string() && m.at("fileName") == "großes-bild.jpg";
      },
      120s);
  ASSERT_TRUE(echo) << echo.error().to_string();
  EXPECT_EQ(echo->at("chatId").to_number<std::uint32_t>(), chat);
  EXPECT_EQ(echo->at("showPadlock"), true);
  EXPECT_EQ(read_file(std::string(echo->at("file").as_string())), content);
}

}  // namespace
}  // namespace dcbot
