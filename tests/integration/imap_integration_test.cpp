// SPDX-License-Identifier: MIT
// imap::Session against the local test relay (real dovecot behind postfix). Mails are injected
// through the relay's plain inbound SMTP port with a tiny blocking client written here.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "imap/session.h"

#include "support/relay_env.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

namespace dcbot::imap {
namespace {

namespace asio = boost::asio;
using std::chrono::seconds;
using testsupport::RelayEnv;

// Stores the coroutine's result; co_spawn's completion handler needs default-constructible values.
template <class T>
asio::awaitable<void> store_into(asio::awaitable<T> task, std::optional<T>* out) {
  out->emplace(co_await std::move(task));
}

// Runs one coroutine to completion on `io`.
template <class T>
T run_task(asio::io_context& io, asio::awaitable<T> task) {
  std::optional<T> out;
  std::exception_ptr error;
  asio::co_spawn(io, store_into(std::move(task), &out), [&](std::exception_ptr e) { error = e; });
  io.restart();
  io.run();
  if (error) {
    std::rethrow_exception(error);
  }
  return std::move(*out);
}

// A minimal blocking SMTP client (RFC 5321) for injecting test mails; no TLS, no AUTH.
class SmtpInjector {
 public:
  SmtpInjector(const std::string& host, std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{};
    tv.tv_sec = 20;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }

  SmtpInjector(const SmtpInjector&) = delete;
  SmtpInjector& operator=(const SmtpInjector&) = delete;

  ~SmtpInjector() { ::close(fd_); }

  // Sends one mail; returns "" on success or the failing step and reply.
  std::string send(const std::string& from, const std::string& to, const std::string& message) {
    if (!connected_) {
      return "connect failed";
    }
    for (auto [command, code] :
         std::vector<std::pair<std::string, int>>{{"", 220},
                                                  {"EHLO test.local\r\n", 250},
                                                  {"MAIL FROM:<" + from + ">\r\n", 250},
                                                  {"RCPT TO:<" + to + ">\r\n", 250},
                                                  {"DATA\r\n", 354},
                                                  {dot_stuff(message) + ".\r\n", 250},
                                                  {"QUIT\r\n", 221}}) {
      if (!command.empty() && !write_all(command)) {
        return "write failed";
      }
      std::string reply = read_reply();
      if (reply.size() < 3 || reply.substr(0, 3) != std::to_string(code)) {
        return "smtp step '" + command.substr(0, 20) + "' got '" + reply + "'";
      }
    }
    return "";
  }

 private:
  static std::string dot_stuff(const std::string& message) {
    std::string out;
    bool line_start = true;
    for (char c : message) {
      if (line_start && c == '.') {
        out += '.';
      }
      out += c;
      line_start = c == '\n';
    }
    return out;
  }

  bool write_all(const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
      auto n = ::send(fd_, data.data() + done, data.size() - done, MSG_NOSIGNAL);
      if (n <= 0) {
        return false;
      }
      done += static_cast<std::size_t>(n);
    }
    return true;
  }

  // Reads a (possibly multi-line) reply; returns its last line.
  std::string read_reply() {
    while (true) {
      auto eol = buffer_.find("\r\n");
      if (eol != std::string::npos) {
        std::string line = buffer_.substr(0, eol);
        buffer_.erase(0, eol + 2);
        if (line.size() < 4 || line[3] == ' ') {
          return line;
        }
        continue;
      }
      char chunk[4096];
      auto n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) {
        return "read failed";
      }
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string buffer_;
};

class ImapIntegration : public ::testing::Test {
 protected:
  void SetUp() override {
    auto env = RelayEnv::from_environment();
    ASSERT_TRUE(env.has_value()) << env.error().to_string();
    env_ = *env;
    user_ = env_.fresh_address("imap");
  }

  SessionOptions options(net::Security security) const {
    SessionOptions o;
    o.host = env_.host;
    o.security = security;
    o.port = security == net::Security::Tls ? env_.imaps_port : env_.imap_port;
    o.tls.ca_file = env_.ca_cert;
    o.connect_timeout = seconds(10);
    o.io_timeout = seconds(20);
    return o;
  }

  Session open(net::Security security = net::Security::Tls) {
    auto s = run_task(io_, Session::connect(io_.get_executor(), options(security)));
    if (!s) {
      ADD_FAILURE() << "connect: " << s.error().to_string();
      throw std::runtime_error("connect failed");
    }
    auto login = run_task(io_, s->login(user_, env_.password));
    if (!login) {
      ADD_FAILURE() << "login: " << login.error().to_string();
      throw std::runtime_error("login failed");
    }
    return std::move(*s);
  }

  // A unique small mail; its lines include a leading dot to exercise dot-stuffing.
  std::string make_mail(int n) const {
    return "From: <sender@" + env_.domain + ">\r\nTo: <" + user_ + ">\r\nSubject: mail "
           + std::to_string(n) + "\r\nMessage-ID: <m" + std::to_string(n) + "." + user_ + ">\r\n"
           + "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\nbody " + std::to_string(n)
           + "\r\n.leading dot\r\n{5}\r\n* 1 EXISTS\r\n";
  }

  void inject(const std::string& mail) {
    SmtpInjector smtp(env_.host, env_.smtp_port);
    EXPECT_EQ(smtp.send("sender@" + env_.domain, user_, mail), "");
  }

  // Fetches from `last_uid` on until `count` mails arrived or 30 s passed, idling in between.
  std::vector<FetchedMail> wait_for_mails(Session& s, std::uint32_t last_uid, std::size_t count) {
    std::vector<FetchedMail> all;
    auto deadline = std::chrono::steady_clock::now() + seconds(30);
    while (all.size() < count && std::chrono::steady_clock::now() < deadline) {
      auto got = run_task(io_, s.fetch_since(last_uid));
      EXPECT_TRUE(got.has_value()) << got.error().to_string();
      if (!got) {
        break;
      }
      for (auto& m : *got) {
        last_uid = m.uid;
        all.push_back(std::move(m));
      }
      if (all.size() < count) {
        auto idled = run_task(io_, s.idle(seconds(2)));
        EXPECT_TRUE(idled.has_value()) << idled.error().to_string();
      }
    }
    return all;
  }

  static bool ends_with(const Bytes& raw, const std::string& tail) {
    return raw.size() >= tail.size()
           && std::equal(tail.begin(), tail.end(),
                         raw.end() - static_cast<std::ptrdiff_t>(tail.size()),
                         [](char a, std::uint8_t b) { return static_cast<std::uint8_t>(a) == b; });
  }

  asio::io_context io_;
  RelayEnv env_;
  std::string user_;
};

TEST_F(ImapIntegration, LogsInWithImplicitTls) {
  Session s = open(net::Security::Tls);
  EXPECT_TRUE(s.has_capability("IDLE"));
  auto box = run_task(io_, s.select("INBOX"));
  ASSERT_TRUE(box.has_value()) << box.error().to_string();
  EXPECT_NE(box->uid_validity, 0U);
  EXPECT_EQ(box->exists, 0U);
  EXPECT_TRUE(run_task(io_, s.logout()).has_value());
  EXPECT_FALSE(s.is_open());
}

TEST_F(ImapIntegration, LogsInWithStartTls) {
  Session s = open(net::Security::StartTls);
  EXPECT_FALSE(s.has_capability("STARTTLS"));  // Not offered again inside TLS.
  EXPECT_TRUE(s.has_capability("XCHATMAIL"));
  ASSERT_TRUE(run_task(io_, s.select("INBOX")).has_value());
  EXPECT_TRUE(run_task(io_, s.logout()).has_value());
}

TEST_F(ImapIntegration, LogsInWithAuthenticatePlain) {
  auto s = run_task(io_, Session::connect(io_.get_executor(), options(net::Security::Tls)));
  ASSERT_TRUE(s.has_value()) << s.error().to_string();
  auto r = run_task(io_, s->authenticate_plain(user_, env_.password));
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_TRUE(run_task(io_, s->select("INBOX")).has_value());
}

TEST_F(ImapIntegration, WrongPasswordIsAuthError) {
  auto s = run_task(io_, Session::connect(io_.get_executor(), options(net::Security::Tls)));
  ASSERT_TRUE(s.has_value()) << s.error().to_string();
  auto r = run_task(io_, s->login(user_, "wrong-password"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::Auth) << r.error().to_string();
  auto p = run_task(io_, s->authenticate_plain(user_, "wrong \"password\""));
  ASSERT_FALSE(p.has_value());
  EXPECT_EQ(p.error().code, Errc::Auth) << p.error().to_string();
}

// Regression test: net::Stream once created its SSL object before configuring the context, so
// the verify mode was never applied and any certificate was accepted.
TEST_F(ImapIntegration, UntrustedCertificateIsRejected) {
  auto o = options(net::Security::Tls);
  o.tls.ca_file.clear();  // System store: the relay's self-signed certificate is unknown there.
  auto s = run_task(io_, Session::connect(io_.get_executor(), o));
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, Errc::Io);
}

TEST_F(ImapIntegration, FetchesEachInjectedMailOnceWithExactBytes) {
  Session s = open();
  ASSERT_TRUE(run_task(io_, s.select("INBOX")).has_value());
  std::vector<std::string> sent;
  for (int i = 0; i < 3; ++i) {
    sent.push_back(make_mail(i));
    inject(sent.back());
  }
  auto mails = wait_for_mails(s, 0, 3);
  ASSERT_EQ(mails.size(), 3U);
  // Postfix delivers the three mails in parallel, so their UID order is not the sending order:
  // each sent mail must match exactly one fetched mail.
  for (const auto& text : sent) {
    auto matches = std::count_if(mails.begin(), mails.end(),
                                 [&](const FetchedMail& m) { return ends_with(m.raw, text); });
    EXPECT_EQ(matches, 1) << text;
  }
  for (std::size_t i = 1; i < mails.size(); ++i) {
    EXPECT_GT(mails[i].uid, mails[i - 1].uid);
  }
  EXPECT_EQ(s.last_seen_uid(), mails.back().uid);
  auto again = run_task(io_, s.fetch_since(mails.back().uid));
  ASSERT_TRUE(again.has_value());
  EXPECT_TRUE(again->empty());
  // Fetching in batches returns the same mails in order.
  auto first = run_task(io_, s.fetch_since(0, 2));
  ASSERT_TRUE(first.has_value());
  ASSERT_EQ(first->size(), 2U);
  auto rest = run_task(io_, s.fetch_since(first->back().uid, 2));
  ASSERT_TRUE(rest.has_value());
  ASSERT_EQ(rest->size(), 1U);
  EXPECT_EQ(rest->front().uid, mails[2].uid);
}

TEST_F(ImapIntegration, FetchesLargeMailSplitAcrossReads) {
  Session s = open();
  ASSERT_TRUE(run_task(io_, s.select("INBOX")).has_value());
  std::string mail = make_mail(7);
  for (int i = 0; i < 20000; ++i) {
    mail += "line " + std::to_string(i) + " of a long body that spans many TLS records\r\n";
  }
  inject(mail);
  auto mails = wait_for_mails(s, 0, 1);
  ASSERT_EQ(mails.size(), 1U);
  EXPECT_TRUE(ends_with(mails[0].raw, mail));
}

TEST_F(ImapIntegration, IdleWakesOnNewMail) {
  Session s = open();
  ASSERT_TRUE(run_task(io_, s.select("INBOX")).has_value());
  auto none = run_task(io_, s.fetch_since(0));
  ASSERT_TRUE(none.has_value());
  ASSERT_TRUE(none->empty());
  std::string mail = make_mail(1);
  std::thread sender([this, mail] { inject(mail); });
  auto start = std::chrono::steady_clock::now();
  auto woke = run_task(io_, s.idle(seconds(60)));
  sender.join();
  ASSERT_TRUE(woke.has_value()) << woke.error().to_string();
  EXPECT_EQ(*woke, IdleResult::NewMail);
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(30));
  auto mails = wait_for_mails(s, 0, 1);
  ASSERT_EQ(mails.size(), 1U);
  EXPECT_TRUE(ends_with(mails[0].raw, mail));
}

TEST_F(ImapIntegration, IdleTimesOutAndSessionStaysUsable) {
  Session s = open();
  ASSERT_TRUE(run_task(io_, s.select("INBOX")).has_value());
  ASSERT_TRUE(run_task(io_, s.fetch_since(0)).has_value());
  auto idled = run_task(io_, s.idle(seconds(1)));
  ASSERT_TRUE(idled.has_value()) << idled.error().to_string();
  EXPECT_EQ(*idled, IdleResult::Timeout);
  EXPECT_TRUE(run_task(io_, s.noop()).has_value());
  auto twice = run_task(io_, s.idle(std::chrono::milliseconds(200)));
  ASSERT_TRUE(twice.has_value());
  EXPECT_EQ(*twice, IdleResult::Timeout);
}

TEST_F(ImapIntegration, DeleteAndExpungeEmptiesTheMailbox) {
  Session s = open();
  ASSERT_TRUE(run_task(io_, s.select("INBOX")).has_value());
  inject(make_mail(1));
  inject(make_mail(2));
  auto mails = wait_for_mails(s, 0, 2);
  ASSERT_EQ(mails.size(), 2U);
  std::vector<std::uint32_t> uids{mails[0].uid, mails[1].uid};
  ASSERT_TRUE(run_task(io_, s.uid_store_deleted(uids)).has_value());
  ASSERT_TRUE(run_task(io_, s.uid_expunge(uids)).has_value());
  auto box = run_task(io_, s.select("INBOX"));
  ASSERT_TRUE(box.has_value());
  EXPECT_EQ(box->exists, 0U);
  auto left = run_task(io_, s.fetch_since(0));
  ASSERT_TRUE(left.has_value());
  EXPECT_TRUE(left->empty());
}

TEST_F(ImapIntegration, ResumesAfterDovecotRestartWithoutLosingMail) {
  std::uint32_t validity = 0;
  std::uint32_t last_uid = 0;
  {
    Session s = open();
    auto box = run_task(io_, s.select("INBOX"));
    ASSERT_TRUE(box.has_value());
    validity = box->uid_validity;
    inject(make_mail(1));
    inject(make_mail(2));
    auto mails = wait_for_mails(s, 0, 2);
    ASSERT_EQ(mails.size(), 2U);
    last_uid = s.last_seen_uid();
    // Arrives while the caller is busy and is not fetched; it must not be lost. Wait for its
    // EXISTS, so it is in the mailbox (not in postfix's queue) when dovecot goes down.
    inject(make_mail(3));
    auto delivered = run_task(io_, s.idle(seconds(30)));
    ASSERT_TRUE(delivered.has_value()) << delivered.error().to_string();
    ASSERT_EQ(*delivered, IdleResult::NewMail);
    std::string cmd = std::string(DCBOT_SOURCE_DIR) + "/scripts/relay restart-dovecot";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    auto dead = run_task(io_, s.noop());
    ASSERT_FALSE(dead.has_value());
    EXPECT_EQ(dead.error().code, Errc::Io) << dead.error().to_string();
    EXPECT_FALSE(s.is_open());
  }
  inject(make_mail(4));
  Session s = open();
  auto box = run_task(io_, s.select("INBOX"));
  ASSERT_TRUE(box.has_value());
  ASSERT_EQ(box->uid_validity, validity);
  auto mails = wait_for_mails(s, last_uid, 2);
  ASSERT_EQ(mails.size(), 2U);
  EXPECT_TRUE(ends_with(mails[0].raw, make_mail(3)));
  EXPECT_TRUE(ends_with(mails[1].raw, make_mail(4)));
  EXPECT_GT(mails[0].uid, last_uid);
}

}  // namespace
}  // namespace dcbot::imap
