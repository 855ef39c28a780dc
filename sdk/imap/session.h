// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "base/bytes.h"
#include "dcbot/result.h"
#include "imap/command.h"
#include "imap/parser.h"
#include "net/stream.h"
#include "net/task.h"

// The IMAP client session: a thin coroutine layer between a net::Stream and the sans-IO Parser
// (RFC 9051/3501, RFC 2177 IDLE, RFC 4315 UIDPLUS, RFC 6851 MOVE).
namespace dcbot::imap {

struct SessionOptions {
  std::string host;
  std::uint16_t port = 993;
  // Tls = IMAPS (993), StartTls = STARTTLS on 143 (required, never falls back), Plain = loopback
  // tests only.
  net::Security security = net::Security::Tls;
  net::TlsOptions tls;
  net::Duration connect_timeout = net::kDefaultConnectTimeout;
  // Deadline of every single read and write outside IDLE.
  net::Duration io_timeout = net::kDefaultIoTimeout;
  ParserLimits limits;
};

// What SELECT reports. The pair (uid_validity, last seen UID) is what a caller must persist to
// never lose or repeat a mail: if uid_validity changes, every stored UID is void (RFC 9051
// §2.3.1.1).
struct MailboxState {
  std::uint32_t uid_validity = 0;
  // Predicted next UID; 0 if the server did not say.
  std::uint32_t uid_next = 0;
  std::uint32_t exists = 0;
};

struct FetchedMail {
  std::uint32_t uid = 0;
  // The complete RFC 5322 message as stored on the server (BODY.PEEK[], so \Seen is not set).
  Bytes raw;
};

enum class IdleResult : std::uint8_t { NewMail, Timeout };

// RFC 2177: clients re-issue IDLE at least every 29 minutes; idle() clamps its timeout to this.
inline constexpr net::Duration kMaxIdle = std::chrono::minutes(29);

// One authenticated IMAP connection. It owns its stream, lives on the executor it was connected
// on and serves one coroutine at a time; the Session must outlive every call on it and must not
// be moved while a call runs. Errors: a dropped or unreadable connection is Errc::Io (also every
// call after it), a deadline is Errc::Timeout, bad server bytes are Errc::Parse, a NO/BAD reply is
// Errc::Protocol (Errc::Auth for a rejected login). After any error except Protocol and Auth the
// connection is closed and the caller reconnects with a new Session.
class Session {
 public:
  Session(Session&&) noexcept = default;
  Session& operator=(Session&&) noexcept = default;
  ~Session() = default;

  // Connects, reads the greeting, performs STARTTLS when asked and learns the capabilities.
  static Task<Result<Session>> connect(boost::asio::any_io_executor executor,
                                       SessionOptions options);

  // LOGIN (RFC 9051 §6.2.3); uses AUTHENTICATE PLAIN instead when the server advertises
  // LOGINDISABLED. Errc::Auth when the credentials are refused.
  Task<Result<>> login(std::string user, std::string password);

  // AUTHENTICATE PLAIN (RFC 4616), with SASL-IR when advertised. Errc::Auth when refused.
  Task<Result<>> authenticate_plain(std::string user, std::string password);

  // SELECT (RFC 9051 §6.3.2); also resets the last seen UID when UIDVALIDITY differs from the
  // value the session knew.
  Task<Result<MailboxState>> select(std::string mailbox);

  // Returns the mails with UID > `last_seen_uid` in UID order, at most `max_count` of them (call
  // again until empty). Uses UID SEARCH then UID FETCH (BODY.PEEK[]), so a mail is only returned
  // once per call and the server's flags stay untouched.
  Task<Result<std::vector<FetchedMail>>> fetch_since(std::uint32_t last_seen_uid,
                                                     std::size_t max_count = 64);

  // UID STORE +FLAGS.SILENT (\Deleted). `uids` must not be empty.
  Task<Result<>> uid_store_deleted(std::vector<std::uint32_t> uids);

  // UID EXPUNGE (RFC 4315) of exactly these UIDs. Without UIDPLUS it falls back to EXPUNGE, which
  // removes every message flagged \Deleted. `uids` must not be empty.
  Task<Result<>> uid_expunge(std::vector<std::uint32_t> uids);

  // UID MOVE (RFC 6851). Errc::Unsupported when MOVE is not advertised.
  Task<Result<>> uid_move(std::vector<std::uint32_t> uids, std::string mailbox);

  // IDLE (RFC 2177) until a new mail (EXISTS) arrives or `timeout` (clamped to kMaxIdle) passes,
  // then DONE. Returns NewMail at once when an EXISTS arrived since the last fetch_since().
  Task<Result<IdleResult>> idle(net::Duration timeout);

  // NOOP: lets the server report new mail (EXISTS) outside IDLE.
  Task<Result<>> noop();

  // LOGOUT, then closes the connection.
  Task<Result<>> logout();

  // True if the server advertised `capability` (case-insensitive, e.g. "IDLE", "AUTH=PLAIN").
  [[nodiscard]] bool has_capability(std::string_view capability) const;

  // Upper-cased capabilities as last advertised.
  [[nodiscard]] const std::set<std::string, std::less<>>& capabilities() const { return caps_; }

  // The state of the selected mailbox (updated by EXISTS/EXPUNGE responses).
  [[nodiscard]] const MailboxState& mailbox() const { return mailbox_; }

  // The highest UID returned by fetch_since() so far (0 before the first mail).
  [[nodiscard]] std::uint32_t last_seen_uid() const { return last_seen_uid_; }

  [[nodiscard]] bool is_open() const { return stream_.is_open(); }

 private:
  // The tagged completion of a command plus the untagged responses before it.
  struct Reply {
    Response done;
    std::vector<Response> data;
  };

  Session(net::Stream stream, SessionOptions options);

  std::string next_tag();
  Task<Result<Response>> read_response();
  Task<Result<Reply>> run(Command command);
  Task<Result<Reply>> run_ok(Command command, std::string what);
  Task<Result<>> refresh_capabilities();
  Task<Result<>> authenticated(Response done);
  Task<Result<>> watch_idle(boost::asio::steady_timer* timer);
  Task<Result<>> wait_idle_end(boost::asio::steady_timer* timer, std::string tag);
  void track(const Response& r);
  void set_capabilities(const std::vector<Value>& values);
  Error fail(Error error);

  net::Stream stream_;
  SessionOptions options_;
  Parser parser_;
  std::set<std::string, std::less<>> caps_;
  MailboxState mailbox_;
  std::uint32_t last_seen_uid_ = 0;
  std::uint64_t tag_counter_ = 0;
  // An EXISTS arrived since the last fetch_since(): there may be new mail.
  bool exists_since_fetch_ = false;
  // Set by the IDLE reader when the exchange ended, so the watchdog sends no DONE.
  bool idle_over_ = false;
};

}  // namespace dcbot::imap
