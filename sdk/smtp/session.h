// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "base/bytes.h"
#include "dcbot/result.h"
#include "net/line_reader.h"
#include "net/stream.h"
#include "net/task.h"
#include "smtp/reply_parser.h"

namespace dcbot::smtp {

// Where and how to connect. Security::Tls is SMTPS (465), StartTls is submission (587; the
// session refuses to continue if the server doesn't offer STARTTLS), Plain is for loopback tests.
struct Options {
  std::string host;
  std::uint16_t port = 465;
  net::Security security = net::Security::Tls;
  net::TlsOptions tls;
  // Our name in EHLO; a literal address is fine for clients (RFC 5321 §4.1.4).
  std::string ehlo_name = "[127.0.0.1]";
  // Deadline for connecting and for each command's reply.
  net::Duration timeout = std::chrono::seconds(60);
  // Deadline for the reply after the message body (RFC 5321 §4.5.3.2.6 suggests 10 minutes).
  net::Duration data_timeout = std::chrono::minutes(10);
};

enum class AuthMechanism { Auto, Plain, Login };

// The negative reply behind the last failed command, for the outbox to decide between retrying
// (Disposition::Transient, e.g. the chatmail rate limit "450 4.7.1") and failing the message.
struct Failure {
  std::string command;  // "mail from", "rcpt to", "data", "message", "auth", "ehlo", ...
  Reply reply;

  [[nodiscard]] Disposition disposition() const { return reply.disposition(); }
};

// A recipient the server refused while others were accepted.
struct RecipientFailure {
  std::string address;
  Reply reply;
};

// The outcome of a sent message.
struct SendReport {
  std::vector<std::string> accepted;
  std::vector<RecipientFailure> rejected;
  Reply reply;  // the server's answer to the message body ("250 2.0.0 Ok: queued as ...")
};

// How to treat an error from a Session call: the reply's class when the server answered
// (`failure`), otherwise by error code: Io, Timeout and Cancelled are transient (reconnect and
// retry), everything else (Auth, Unsupported, InvalidArgument, Config...) is permanent.
Disposition disposition_of(const Error& error, const std::optional<Failure>& failure);

// One SMTP client connection (RFC 5321) on the executor it was connected on, used by one
// coroutine at a time. Every call that fails because the server said no returns an Error with
// Errc::Protocol (Errc::Auth for AUTH) whose message carries the reply and its disposition, e.g.
// "smtp: mail from: 450 4.7.1 too much mail (transient)", and records the reply in
// last_failure(). Transport errors (Io, Timeout, Cancelled) leave the session unusable: close it
// and connect again. After a negative reply to MAIL, RCPT or DATA the session can send again.
class Session {
 public:
  // Connects, reads the greeting, says EHLO and, for StartTls, upgrades and says EHLO again.
  static Task<Result<Session>> connect(boost::asio::any_io_executor executor, Options options);

  // AUTH PLAIN or LOGIN (RFC 4954, RFC 4616). Auto prefers PLAIN. Errc::Auth with the server's
  // text when the credentials are refused; Errc::Unsupported when the server offers neither.
  Task<Result<>> login(std::string user, std::string password,
                       AuthMechanism mechanism = AuthMechanism::Auto);

  // Sends one message: MAIL FROM, RCPT TO for each recipient (pipelined when the server allows),
  // DATA with CRLF normalisation and dot-stuffing. Succeeds when at least one recipient was
  // accepted and the body was; refused recipients are listed in the report. When all are refused
  // the error's disposition is transient if any refusal was.
  Task<Result<SendReport>> send(std::string from, std::vector<std::string> recipients,
                                Bytes message);

  // RSET: aborts a transaction.
  Task<Result<>> reset();

  // QUIT, then closes the connection. The session is unusable afterwards.
  Task<Result<>> quit();

  // Sends one command line (without CRLF) and returns the reply whatever its code.
  Task<Result<Reply>> command(std::string line);

  void close() { reader_.stream().close(); }

  [[nodiscard]] const Extensions& extensions() const { return extensions_; }

  [[nodiscard]] const std::optional<Failure>& last_failure() const { return last_failure_; }

  [[nodiscard]] bool is_tls() const { return reader_.stream().is_tls(); }

 private:
  Session(net::LineReader reader, Options options);

  Task<Result<Reply>> read_reply();
  Task<Result<>> ehlo();
  // Makes the error for a negative `reply` to `what` and records it in last_failure_.
  Error fail(std::string what, Reply reply, Errc code = Errc::Protocol);
  Task<Result<>> expect(std::string line, int code, std::string what, Errc err = Errc::Protocol);

  net::LineReader reader_;
  Options options_;
  ReplyParser parser_;
  Extensions extensions_;
  std::optional<Failure> last_failure_;
};

}  // namespace dcbot::smtp
