// SPDX-License-Identifier: MIT
#include "imap/session.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <tuple>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace dcbot::imap {
namespace {

namespace asio = boost::asio;

constexpr std::size_t kReadChunk = std::size_t{64} * 1024;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto up = [](char c) {
             return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
           };
           return up(x) == up(y);
         });
}

std::optional<std::uint32_t> to_u32(const Value& v) {
  if (!v.is_number() || v.number > std::numeric_limits<std::uint32_t>::max()) {
    return std::nullopt;
  }
  return static_cast<std::uint32_t>(v.number);
}

Error protocol_error(std::string_view what, const Response& done) {
  return make_error(Errc::Protocol,
                    "imap: " + std::string(what) + ": " + done.name + " " + done.text);
}

}  // namespace

Session::Session(net::Stream stream, SessionOptions options)
    : stream_(std::move(stream)), options_(std::move(options)), parser_(options_.limits) {
  stream_.set_io_timeout(options_.io_timeout);
}

Task<Result<Session>> Session::connect(boost::asio::any_io_executor executor,
                                       SessionOptions options) {
  auto stream =
      co_await net::Stream::connect(std::move(executor), options.host, options.port,
                                    options.security, options.tls, options.connect_timeout);
  if (!stream) {
    co_return stream.error().with_context("imap: connect");
  }
  bool starttls = options.security == net::Security::StartTls;
  Session s(std::move(*stream), std::move(options));
  // RFC 9051 §7.1: the greeting is an untagged OK, PREAUTH or BYE.
  DCBOT_CO_TRY(auto greeting, co_await s.read_response());
  if (greeting.status == Status::Bye) {
    co_return s.fail(make_error(Errc::Io, "imap: server refused the connection: " + greeting.text));
  }
  if (greeting.is_tagged()
      || (greeting.status != Status::Ok && greeting.status != Status::PreAuth)) {
    co_return s.fail(make_error(Errc::Protocol, "imap: unexpected greeting"));
  }
  if (s.caps_.empty()) {
    DCBOT_CO_TRY(co_await s.refresh_capabilities());
  }
  if (starttls) {
    // Never fall back to plain text when STARTTLS was asked for (RFC 9051 §11.1).
    if (!s.has_capability("STARTTLS")) {
      co_return s.fail(make_error(Errc::Unsupported, "imap: server does not offer STARTTLS"));
    }
    DCBOT_CO_TRY(co_await s.run_ok(CommandBuilder(s.next_tag(), "STARTTLS").build(), "starttls"));
    // Bytes after the STARTTLS reply would be plaintext injected into the TLS session.
    if (s.parser_.buffered() != 0) {
      co_return s.fail(make_error(Errc::Protocol, "imap: data after STARTTLS reply"));
    }
    auto tls = co_await s.stream_.start_tls();
    if (!tls) {
      co_return s.fail(tls.error().with_context("imap: starttls"));
    }
    // Capabilities learnt before TLS must be discarded (RFC 9051 §6.2.1).
    s.caps_.clear();
    DCBOT_CO_TRY(co_await s.refresh_capabilities());
  }
  co_return std::move(s);
}

std::string Session::next_tag() {
  return "a" + std::to_string(++tag_counter_);
}

Error Session::fail(Error error) {
  stream_.close();
  return error;
}

Task<Result<Response>> Session::read_response() {
  while (true) {
    auto next = parser_.next();
    if (!next) {
      co_return fail(next.error());
    }
    if (*next) {
      track(**next);
      co_return std::move(**next);
    }
    if (!stream_.is_open()) {
      co_return make_error(Errc::Io, "imap: connection closed");
    }
    auto bytes = co_await stream_.read_some(kReadChunk);
    if (!bytes) {
      co_return fail(bytes.error().with_context("imap: read"));
    }
    parser_.feed(*bytes);
  }
}

void Session::track(const Response& r) {
  if (r.kind != ResponseKind::Untagged) {
    if (r.is_tagged() && r.code && r.code->name == "CAPABILITY") {
      set_capabilities(r.code->args);
    }
    return;
  }
  if (r.name == "EXISTS" && r.number) {
    mailbox_.exists = static_cast<std::uint32_t>(
        std::min<std::uint64_t>(*r.number, std::numeric_limits<std::uint32_t>::max()));
    exists_since_fetch_ = true;
  } else if (r.name == "EXPUNGE" && mailbox_.exists > 0) {
    --mailbox_.exists;
  } else if (r.name == "CAPABILITY") {
    set_capabilities(r.data);
  } else if (r.code && r.code->name == "CAPABILITY") {
    set_capabilities(r.code->args);
  }
}

void Session::set_capabilities(const std::vector<Value>& values) {
  caps_.clear();
  for (const auto& v : values) {
    if (v.has_text()) {
      std::string cap = v.text;
      for (char& c : cap) {
        if (c >= 'a' && c <= 'z') {
          c = static_cast<char>(c - 32);
        }
      }
      caps_.insert(std::move(cap));
    }
  }
}

bool Session::has_capability(std::string_view capability) const {
  return std::any_of(caps_.begin(), caps_.end(),
                     [&](const std::string& c) { return iequals(c, capability); });
}

Task<Result<Session::Reply>> Session::run(Command command) {
  Reply reply;
  for (std::size_t i = 0; i < command.parts.size(); ++i) {
    auto written = co_await stream_.write_all(to_bytes(command.parts[i]));
    if (!written) {
      co_return fail(written.error().with_context("imap: write"));
    }
    if (i + 1 == command.parts.size()) {
      break;
    }
    // A synchronising literal or SASL step: wait for "+" (RFC 9051 §7.5).
    while (true) {
      DCBOT_CO_TRY(auto r, co_await read_response());
      if (r.is_continuation()) {
        break;
      }
      if (r.is_tagged()) {
        if (r.tag != command.tag) {
          co_return fail(make_error(Errc::Protocol, "imap: unexpected tag " + r.tag));
        }
        reply.done = std::move(r);  // The server refused the command before the literal.
        co_return reply;
      }
      reply.data.push_back(std::move(r));
    }
  }
  while (true) {
    DCBOT_CO_TRY(auto r, co_await read_response());
    if (r.is_continuation()) {
      co_return fail(make_error(Errc::Protocol, "imap: unexpected continuation request"));
    }
    if (r.is_tagged()) {
      if (r.tag != command.tag) {
        co_return fail(make_error(Errc::Protocol, "imap: unexpected tag " + r.tag));
      }
      reply.done = std::move(r);
      co_return reply;
    }
    reply.data.push_back(std::move(r));
  }
}

Task<Result<Session::Reply>> Session::run_ok(Command command, std::string what) {
  DCBOT_CO_TRY(auto reply, co_await run(std::move(command)));
  if (reply.done.status != Status::Ok) {
    co_return protocol_error(what, reply.done);
  }
  co_return reply;
}

Task<Result<>> Session::refresh_capabilities() {
  DCBOT_CO_TRY(co_await run_ok(CommandBuilder(next_tag(), "CAPABILITY").build(), "capability"));
  co_return Result<>{};
}

Task<Result<>> Session::authenticated(Response done) {
  if (done.status != Status::Ok) {
    co_return make_error(Errc::Auth, "imap: login refused: " + done.text);
  }
  // Capabilities may change after login; Dovecot puts the new list into the OK code.
  if (!done.code || done.code->name != "CAPABILITY") {
    DCBOT_CO_TRY(co_await refresh_capabilities());
  }
  co_return Result<>{};
}

Task<Result<>> Session::login(std::string user, std::string password) {
  if (has_capability("LOGINDISABLED")) {
    co_return co_await authenticate_plain(std::move(user), std::move(password));
  }
  DCBOT_CO_TRY(auto command, make_login(next_tag(), user, password,
                                        {.literal_plus = has_capability("LITERAL+")}));
  DCBOT_CO_TRY(auto reply, co_await run(std::move(command)));
  co_return co_await authenticated(std::move(reply.done));
}

Task<Result<>> Session::authenticate_plain(std::string user, std::string password) {
  if (!has_capability("AUTH=PLAIN")) {
    co_return make_error(Errc::Unsupported, "imap: server does not offer AUTH=PLAIN");
  }
  DCBOT_CO_TRY(auto command,
               make_authenticate_plain(next_tag(), user, password, has_capability("SASL-IR")));
  DCBOT_CO_TRY(auto reply, co_await run(std::move(command)));
  co_return co_await authenticated(std::move(reply.done));
}

Task<Result<MailboxState>> Session::select(std::string mailbox) {
  std::uint32_t old_validity = mailbox_.uid_validity;
  mailbox_ = {};
  DCBOT_CO_TRY(auto reply,
               co_await run_ok(CommandBuilder(next_tag(), "SELECT").astring(mailbox).build(),
                               "select " + mailbox));
  bool has_validity = false;
  for (const auto& r : reply.data) {
    if (r.status != Status::Ok || !r.code || r.code->args.empty()) {
      continue;
    }
    auto n = to_u32(r.code->args.front());
    if (r.code->name == "UIDVALIDITY" && n) {
      mailbox_.uid_validity = *n;
      has_validity = true;
    } else if (r.code->name == "UIDNEXT" && n) {
      mailbox_.uid_next = *n;
    }
  }
  if (!has_validity) {
    co_return make_error(Errc::Protocol, "imap: select: no UIDVALIDITY");
  }
  // UIDs of another UIDVALIDITY epoch mean nothing (RFC 9051 §2.3.1.1).
  if (old_validity != 0 && old_validity != mailbox_.uid_validity) {
    last_seen_uid_ = 0;
  }
  co_return mailbox_;
}

Task<Result<std::vector<FetchedMail>>> Session::fetch_since(std::uint32_t last_seen_uid,
                                                            std::size_t max_count) {
  exists_since_fetch_ = false;
  std::vector<FetchedMail> mails;
  if (last_seen_uid == std::numeric_limits<std::uint32_t>::max() || max_count == 0) {
    co_return mails;
  }
  // "n:*" also matches the highest UID when it is below n (RFC 9051 §6.4.8), hence the filter.
  DCBOT_CO_TRY(auto found, co_await run_ok(CommandBuilder(next_tag(), "UID SEARCH")
                                               .atom("UID")
                                               .raw(sequence_from(last_seen_uid + 1))
                                               .build(),
                                           "uid search"));
  std::vector<std::uint32_t> uids;
  for (const auto& r : found.data) {
    if (r.name != "SEARCH") {
      continue;
    }
    for (const auto& v : r.data) {
      auto uid = to_u32(v);
      if (!uid) {
        co_return fail(make_error(Errc::Protocol, "imap: uid search: bad uid"));
      }
      if (*uid > last_seen_uid) {
        uids.push_back(*uid);
      }
    }
  }
  std::sort(uids.begin(), uids.end());
  uids.erase(std::unique(uids.begin(), uids.end()), uids.end());
  if (uids.size() > max_count) {
    uids.resize(max_count);
  }
  if (uids.empty()) {
    co_return mails;
  }
  DCBOT_CO_TRY(auto fetched,
               co_await run_ok(make_uid_fetch(next_tag(), sequence_set(uids), "(UID BODY.PEEK[])"),
                               "uid fetch"));
  for (auto& r : fetched.data) {
    if (r.name != "FETCH") {
      continue;
    }
    const Value* uid_value = r.fetch_item("UID");
    const Value* body = r.fetch_item("BODY[]");
    // Unsolicited FETCH responses (flag changes) carry no body.
    if (uid_value == nullptr || body == nullptr || !body->is_string()) {
      continue;
    }
    auto uid = to_u32(*uid_value);
    if (!uid || !std::binary_search(uids.begin(), uids.end(), *uid)) {
      continue;
    }
    mails.push_back(FetchedMail{*uid, to_bytes(body->text)});
  }
  std::sort(mails.begin(), mails.end(),
            [](const FetchedMail& a, const FetchedMail& b) { return a.uid < b.uid; });
  mails.erase(
      std::unique(mails.begin(), mails.end(),
                  [](const FetchedMail& a, const FetchedMail& b) { return a.uid == b.uid; }),
      mails.end());
  if (!mails.empty()) {
    last_seen_uid_ = std::max(last_seen_uid_, mails.back().uid);
  }
  co_return mails;
}

Task<Result<>> Session::uid_store_deleted(std::vector<std::uint32_t> uids) {
  DCBOT_CO_TRY(co_await run_ok(CommandBuilder(next_tag(), "UID STORE")
                                   .raw(sequence_set(std::move(uids)))
                                   .atom("+FLAGS.SILENT")
                                   .raw("(\\Deleted)")
                                   .build(),
                               "uid store"));
  co_return Result<>{};
}

Task<Result<>> Session::uid_expunge(std::vector<std::uint32_t> uids) {
  if (has_capability("UIDPLUS")) {
    DCBOT_CO_TRY(co_await run_ok(
        CommandBuilder(next_tag(), "UID EXPUNGE").raw(sequence_set(std::move(uids))).build(),
        "uid expunge"));
  } else {
    DCBOT_CO_TRY(co_await run_ok(CommandBuilder(next_tag(), "EXPUNGE").build(), "expunge"));
  }
  co_return Result<>{};
}

Task<Result<>> Session::uid_move(std::vector<std::uint32_t> uids, std::string mailbox) {
  if (!has_capability("MOVE")) {
    co_return make_error(Errc::Unsupported, "imap: server does not offer MOVE");
  }
  DCBOT_CO_TRY(co_await run_ok(CommandBuilder(next_tag(), "UID MOVE")
                                   .raw(sequence_set(std::move(uids)))
                                   .astring(mailbox)
                                   .build(),
                               "uid move"));
  co_return Result<>{};
}

Task<Result<>> Session::noop() {
  DCBOT_CO_TRY(co_await run_ok(CommandBuilder(next_tag(), "NOOP").build(), "noop"));
  co_return Result<>{};
}

Task<Result<>> Session::logout() {
  auto reply = co_await run_ok(CommandBuilder(next_tag(), "LOGOUT").build(), "logout");
  stream_.close();
  if (!reply) {
    co_return reply.error();
  }
  co_return Result<>{};
}

Task<Result<IdleResult>> Session::idle(net::Duration timeout) {
  if (exists_since_fetch_) {
    co_return IdleResult::NewMail;
  }
  if (!has_capability("IDLE")) {
    co_return make_error(Errc::Unsupported, "imap: server does not offer IDLE");
  }
  timeout = std::min<net::Duration>(timeout, kMaxIdle);
  std::string tag = next_tag();
  auto written = co_await stream_.write_all(to_bytes(tag + " IDLE\r\n"));
  if (!written) {
    co_return fail(written.error().with_context("imap: idle"));
  }
  while (true) {
    DCBOT_CO_TRY(auto r, co_await read_response());
    if (r.is_continuation()) {
      break;
    }
    if (r.is_tagged()) {
      if (r.tag != tag) {
        co_return fail(make_error(Errc::Protocol, "imap: unexpected tag " + r.tag));
      }
      co_return protocol_error("idle", r);
    }
  }
  // Now idling. One coroutine reads until the tagged end of IDLE; the other sends DONE when the
  // timer fires, which the reader makes happen early on EXISTS. The read is never cancelled, so
  // the (TLS) stream stays usable.
  asio::steady_timer timer(stream_.executor(), timeout);
  if (exists_since_fetch_) {
    timer.expires_at(asio::steady_timer::time_point::min());
  }
  stream_.set_io_timeout(timeout + options_.io_timeout);
  idle_over_ = false;
  using asio::experimental::awaitable_operators::operator&&;
  auto [ended, watched] = co_await (wait_idle_end(&timer, tag) && watch_idle(&timer));
  stream_.set_io_timeout(options_.io_timeout);
  if (!ended) {
    co_return ended.error();
  }
  if (!watched) {
    co_return watched.error();
  }
  co_return exists_since_fetch_ ? IdleResult::NewMail : IdleResult::Timeout;
}

Task<Result<>> Session::wait_idle_end(boost::asio::steady_timer* timer, std::string tag) {
  co_await asio::this_coro::throw_if_cancelled(false);
  Result<> result;
  while (true) {
    auto r = co_await read_response();
    if (!r) {
      result = r.error();
      break;
    }
    if (r->is_tagged()) {
      if (r->tag != tag) {
        result = fail(make_error(Errc::Protocol, "imap: unexpected tag " + r->tag));
      } else if (r->status != Status::Ok) {
        result = protocol_error("idle", *r);
      }
      break;
    }
    if (r->name == "EXISTS") {
      timer->expires_at(asio::steady_timer::time_point::min());
    }
  }
  // The exchange is over (or broken): the watchdog must not send DONE any more.
  idle_over_ = true;
  timer->expires_at(asio::steady_timer::time_point::min());
  co_return result;
}

Task<Result<>> Session::watch_idle(boost::asio::steady_timer* timer) {
  co_await asio::this_coro::throw_if_cancelled(false);
  while (true) {
    co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
    // operation_aborted means the expiry moved (EXISTS or end of IDLE); check the state again.
    if (idle_over_ || timer->expiry() <= asio::steady_timer::clock_type::now()) {
      break;
    }
  }
  if (idle_over_) {
    co_return Result<>{};
  }
  // RFC 2177: DONE ends IDLE; the server then completes the IDLE command.
  auto written = co_await stream_.write_all(to_bytes("DONE\r\n"));
  if (!written) {
    co_return fail(written.error().with_context("imap: idle done"));
  }
  co_return Result<>{};
}

}  // namespace dcbot::imap
