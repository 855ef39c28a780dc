// SPDX-License-Identifier: MIT
#include "smtp/session.h"

#include <algorithm>
#include <utility>

#include "base/encoding.h"

namespace dcbot::smtp {

namespace {

// RFC 5321 §4.5.3.1.5 says 512 octets; servers send longer EHLO lines and texts in practice.
constexpr std::size_t kMaxReplyLine = 8192;

bool has_8bit(ByteView data) {
  return std::any_of(data.begin(), data.end(), [](std::uint8_t b) { return b >= 0x80; });
}

bool has_non_ascii(std::string_view s) {
  return has_8bit(as_bytes(s));
}

std::string base64(std::string_view text) {
  return base64_encode(as_bytes(text));
}

}  // namespace

Disposition disposition_of(const Error& error, const std::optional<Failure>& failure) {
  if (failure && (error.code == Errc::Protocol || error.code == Errc::Auth)) {
    return failure->disposition();
  }
  switch (error.code) {
    case Errc::Io:
    case Errc::Timeout:
    case Errc::Cancelled:
    case Errc::Parse:
    case Errc::Protocol:
      // The connection broke or the server said something unintelligible: reconnect and retry.
      return Disposition::Transient;
    default:
      return Disposition::Permanent;
  }
}

Session::Session(net::LineReader reader, Options options)
    : reader_(std::move(reader)), options_(std::move(options)) {}

Task<Result<Session>> Session::connect(boost::asio::any_io_executor executor, Options options) {
  const auto security = options.security;
  auto stream = co_await net::Stream::connect(executor, options.host, options.port, security,
                                              options.tls, options.timeout);
  if (!stream) {
    co_return stream.error().with_context("smtp");
  }
  stream->set_io_timeout(options.timeout);
  Session session(net::LineReader(std::move(*stream)), std::move(options));
  DCBOT_CO_TRY(auto greeting, co_await session.read_reply());
  if (greeting.code != 220) {
    co_return session.fail("greeting", std::move(greeting));
  }
  DCBOT_CO_TRY(co_await session.ehlo());
  if (security == net::Security::StartTls) {
    // Never fall back to plain text when STARTTLS was asked for (RFC 3207 §4, RFC 8314 §3.4).
    if (!session.extensions_.starttls) {
      co_return make_error(Errc::Unsupported, "smtp: server does not offer starttls");
    }
    DCBOT_CO_TRY(co_await session.expect("STARTTLS", 220, "starttls"));
    auto upgraded = co_await session.reader_.start_tls();
    if (!upgraded) {
      co_return upgraded.error().with_context("smtp");
    }
    // RFC 3207 §4.2: forget what was learned before TLS and ask again.
    DCBOT_CO_TRY(co_await session.ehlo());
  }
  co_return std::move(session);
}

Task<Result<Reply>> Session::read_reply() {
  for (;;) {
    auto line = co_await reader_.read_line(kMaxReplyLine);
    if (!line) {
      co_return line.error().with_context("smtp");
    }
    auto reply = parser_.feed_line(*line);
    if (!reply) {
      co_return reply.error().with_context("smtp");
    }
    if (*reply) {
      co_return std::move(**reply);
    }
  }
}

Task<Result<Reply>> Session::command(std::string line) {
  line += "\r\n";
  auto written = co_await reader_.write_all(to_bytes(line));
  if (!written) {
    co_return written.error().with_context("smtp");
  }
  co_return co_await read_reply();
}

Error Session::fail(std::string what, Reply reply, Errc code) {
  std::string message = "smtp: " + what + ": " + reply.summary() + " ("
                        + std::string(disposition_name(reply.disposition())) + ")";
  last_failure_ = Failure{std::move(what), std::move(reply)};
  return make_error(code, std::move(message));
}

Task<Result<>> Session::expect(std::string line, int code, std::string what, Errc err) {
  DCBOT_CO_TRY(auto reply, co_await command(std::move(line)));
  if (reply.code != code) {
    co_return fail(std::move(what), std::move(reply), err);
  }
  co_return Result<>{};
}

Task<Result<>> Session::ehlo() {
  DCBOT_CO_TRY(auto reply, co_await command("EHLO " + options_.ehlo_name));
  if (reply.code != 250) {
    co_return fail("ehlo", std::move(reply));
  }
  extensions_ = parse_ehlo(reply);
  co_return Result<>{};
}

Task<Result<>> Session::login(std::string user, std::string password, AuthMechanism mechanism) {
  last_failure_.reset();
  if (mechanism == AuthMechanism::Auto) {
    if (extensions_.has_auth("PLAIN")) {
      mechanism = AuthMechanism::Plain;
    } else if (extensions_.has_auth("LOGIN")) {
      mechanism = AuthMechanism::Login;
    } else {
      co_return make_error(Errc::Unsupported, "smtp: auth: server offers neither plain nor login");
    }
  }
  if (mechanism == AuthMechanism::Plain) {
    if (!extensions_.has_auth("PLAIN")) {
      co_return make_error(Errc::Unsupported, "smtp: auth: server does not offer plain");
    }
    // RFC 4616: [authzid] NUL authcid NUL passwd.
    std::string token;
    token += '\0';
    token += user;
    token += '\0';
    token += password;
    co_return co_await expect("AUTH PLAIN " + base64(token), 235, "auth", Errc::Auth);
  }
  if (!extensions_.has_auth("LOGIN")) {
    co_return make_error(Errc::Unsupported, "smtp: auth: server does not offer login");
  }
  // The LOGIN mechanism (draft-murchison-sasl-login): username and password as base64 answers
  // to two 334 challenges.
  DCBOT_CO_TRY(co_await expect("AUTH LOGIN", 334, "auth", Errc::Auth));
  DCBOT_CO_TRY(co_await expect(base64(user), 334, "auth", Errc::Auth));
  co_return co_await expect(base64(password), 235, "auth", Errc::Auth);
}

Task<Result<SendReport>> Session::send(std::string from, std::vector<std::string> recipients,
                                       Bytes message) {
  last_failure_.reset();
  if (!is_valid_address(from)) {
    co_return make_error(Errc::InvalidArgument, "smtp: send: bad sender address");
  }
  if (recipients.empty()) {
    co_return make_error(Errc::InvalidArgument, "smtp: send: no recipients");
  }
  for (const auto& rcpt : recipients) {
    if (rcpt.empty() || !is_valid_address(rcpt)) {
      co_return make_error(Errc::InvalidArgument, "smtp: send: bad recipient address");
    }
  }
  std::string mail = "MAIL FROM:<" + from + ">";
  if (extensions_.size) {
    mail += " SIZE=" + std::to_string(message.size());  // RFC 1870 §6: an estimate is fine
  }
  if (extensions_.eight_bit_mime && has_8bit(message)) {
    mail += " BODY=8BITMIME";
  }
  const bool utf8 = has_non_ascii(from)
                    || std::any_of(recipients.begin(), recipients.end(),
                                   [](const auto& r) { return has_non_ascii(r); });
  if (utf8 && extensions_.smtp_utf8) {
    mail += " SMTPUTF8";
  }

  Reply mail_reply;
  std::vector<Reply> rcpt_replies;
  if (extensions_.pipelining) {
    // RFC 2920 §3.1: MAIL and RCPT may go out together; the replies come back in order.
    std::string batch = mail + "\r\n";
    for (const auto& rcpt : recipients) {
      batch += "RCPT TO:<" + rcpt + ">\r\n";
    }
    auto written = co_await reader_.write_all(to_bytes(batch));
    if (!written) {
      co_return written.error().with_context("smtp");
    }
    DCBOT_CO_TRY(mail_reply, co_await read_reply());
    for (std::size_t i = 0; i < recipients.size(); ++i) {
      DCBOT_CO_TRY(auto reply, co_await read_reply());
      rcpt_replies.push_back(std::move(reply));
    }
  } else {
    DCBOT_CO_TRY(mail_reply, co_await command(mail));
    if (mail_reply.is_ok()) {
      for (const auto& rcpt : recipients) {
        DCBOT_CO_TRY(auto reply, co_await command("RCPT TO:<" + rcpt + ">"));
        rcpt_replies.push_back(std::move(reply));
      }
    }
  }
  if (!mail_reply.is_ok()) {
    if (!rcpt_replies.empty()) {
      // Recipients may have been accepted into no transaction; start clean.
      DCBOT_CO_TRY(auto rset, co_await command("RSET"));
      (void)rset;
    }
    co_return fail("mail from", std::move(mail_reply));
  }

  SendReport report;
  for (std::size_t i = 0; i < recipients.size(); ++i) {
    if (rcpt_replies[i].is_ok()) {
      report.accepted.push_back(recipients[i]);
    } else {
      report.rejected.push_back({recipients[i], std::move(rcpt_replies[i])});
    }
  }
  if (report.accepted.empty()) {
    DCBOT_CO_TRY(auto rset, co_await command("RSET"));
    (void)rset;
    // Report a transient refusal if there is one: retrying can then still succeed.
    auto chosen = std::find_if(report.rejected.begin(), report.rejected.end(), [](const auto& r) {
      return r.reply.disposition() == Disposition::Transient;
    });
    if (chosen == report.rejected.end()) {
      chosen = report.rejected.begin();
    }
    co_return fail("rcpt to <" + chosen->address + ">", std::move(chosen->reply));
  }

  DCBOT_CO_TRY(auto data_reply, co_await command("DATA"));
  if (data_reply.code != 354) {
    co_return fail("data", std::move(data_reply));
  }
  auto body = co_await reader_.write_all(encode_data(message));
  if (!body) {
    co_return body.error().with_context("smtp: data");
  }
  // The server may scan the whole message before answering (RFC 5321 §4.5.3.2.6).
  auto& stream = reader_.stream();
  stream.set_io_timeout(options_.data_timeout);
  auto final_reply = co_await read_reply();
  stream.set_io_timeout(options_.timeout);
  if (!final_reply) {
    co_return final_reply.error();
  }
  if (!final_reply->is_ok()) {
    co_return fail("message", std::move(*final_reply));
  }
  report.reply = std::move(*final_reply);
  co_return report;
}

Task<Result<>> Session::reset() {
  last_failure_.reset();
  co_return co_await expect("RSET", 250, "rset");
}

Task<Result<>> Session::quit() {
  auto reply = co_await command("QUIT");
  close();
  if (!reply) {
    co_return reply.error();
  }
  if (reply->code != 221) {
    co_return fail("quit", std::move(*reply));
  }
  co_return Result<>{};
}

}  // namespace dcbot::smtp
