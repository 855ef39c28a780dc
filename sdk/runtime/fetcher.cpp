// SPDX-License-Identifier: MIT
#include "runtime/fetcher.h"

#include <utility>
#include <vector>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/this_coro.hpp>

#include "dcbot/log.h"
#include "store/mailbox.h"

namespace dcbot::runtime {

namespace asio = boost::asio;

namespace {

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Fetcher::Fetcher(store::Db& db, TransportConfig transport, FetcherOptions options,
                 std::function<void()> on_new_mail)
    : db_(&db),
      transport_(std::move(transport)),
      options_(std::move(options)),
      on_new_mail_(std::move(on_new_mail)),
      backoff_(options_.backoff_min, options_.backoff_max) {}

Task<void> Fetcher::run(StopSignal* stop) {
  using asio::experimental::awaitable_operators::operator||;
  // The stop request wins the race and cancels whatever the loop is waiting for (IDLE, a
  // backoff sleep, a fetch): shutdown never waits for a network deadline.
  co_await (loop(stop) || stop->wait());
}

Task<void> Fetcher::loop(StopSignal* stop) {
  auto executor = co_await asio::this_coro::executor;
  while (!stop->requested()) {
    Result<> ended = co_await session_cycle(executor);
    if (stop->requested()) {
      break;
    }
    auto delay = backoff_.next();
    log::warn("runtime: imap {}: {}; reconnecting in {} ms", transport_.addr,
              ended ? std::string("connection ended") : ended.error().to_string(), delay.count());
    co_await sleep_for(delay);
  }
}

Task<Result<>> Fetcher::session_cycle(asio::any_io_executor executor) {
  DCBOT_CO_TRY(auto session, co_await imap::Session::connect(executor, transport_.imap_options()));
  DCBOT_CO_TRY(co_await session.login(transport_.imap_user(), transport_.password));
  DCBOT_CO_TRY(auto box, co_await session.select(options_.folder));
  ++connects_;
  store::ImapStates states(*db_);
  DCBOT_CO_TRY(auto stored, states.get(transport_.addr, options_.folder));
  if (!stored || stored->uidvalidity != box.uid_validity) {
    // RFC 9051 §2.3.1.1: a new UIDVALIDITY voids every stored UID. Start over from UID 0; the
    // inbox is keyed by (uidvalidity, uid), so nothing of the old validity is confused with it.
    if (stored) {
      log::info("runtime: imap {}: uidvalidity changed from {} to {}, fetching the folder again",
                transport_.addr, stored->uidvalidity, box.uid_validity);
    }
    DCBOT_CO_TRY(states.set(store::ImapState{.transport = transport_.addr,
                                             .folder = options_.folder,
                                             .uidvalidity = box.uid_validity,
                                             .last_seen_uid = 0}));
  }
  const bool can_idle = session.has_capability("IDLE");
  while (true) {
    DCBOT_CO_TRY(co_await drain(&session, box.uid_validity));
    ++rounds_;
    backoff_.reset();
    if (can_idle) {
      DCBOT_CO_TRY(co_await session.idle(options_.idle_timeout));
    } else {
      co_await sleep_for(options_.poll_interval);
      DCBOT_CO_TRY(co_await session.noop());
    }
  }
}

Task<Result<>> Fetcher::drain(imap::Session* session, std::uint32_t uid_validity) {
  store::Inbox inbox(*db_);
  store::ImapStates states(*db_);
  // Each connection starts at UID 0 rather than at the stored last UID: everything still on the
  // server is either new or was committed but not yet deleted (a crash or an error between the
  // two), and Inbox::add recognises the latter, so such leftovers get deleted now instead of
  // staying on the server for good. In single-device mode the folder is nearly empty, so this
  // costs one UID SEARCH.
  std::uint32_t cursor = 0;
  while (true) {
    DCBOT_CO_TRY(auto mails, co_await session->fetch_since(cursor, options_.batch));
    if (mails.empty()) {
      co_return Result<>{};
    }
    std::vector<std::uint32_t> uids;
    uids.reserve(mails.size());
    bool inserted = false;
    {
      // Persist before acknowledging (DESIGN.md data flow step 1): the rows and the new
      // watermark commit together, and only a committed mail is deleted on the server.
      DCBOT_CO_TRY(auto txn, store::Txn::begin(*db_));
      const std::int64_t now = unix_now();
      std::uint32_t highest = 0;
      for (const auto& mail : mails) {
        DCBOT_CO_TRY(auto added, inbox.add(uid_validity, mail.uid, mail.raw, now));
        inserted = inserted || added.inserted;
        uids.push_back(mail.uid);
        highest = std::max(highest, mail.uid);
      }
      DCBOT_CO_TRY(auto stored, states.get(transport_.addr, options_.folder));
      if (!stored || stored->uidvalidity != uid_validity || stored->last_seen_uid < highest) {
        DCBOT_CO_TRY(states.set(store::ImapState{.transport = transport_.addr,
                                                 .folder = options_.folder,
                                                 .uidvalidity = uid_validity,
                                                 .last_seen_uid = highest}));
      }
      DCBOT_CO_TRY(txn.commit());
      cursor = highest;
    }
    // Processing does not depend on the server copy being gone, so it is told right away: a
    // delete that keeps failing must not hold back mails that are safely stored.
    if (inserted && on_new_mail_) {
      on_new_mail_();
    }
    if (options_.before_delete && !options_.before_delete()) {
      co_return make_error(Errc::Cancelled, "abandoned by the test hook before deleting");
    }
    DCBOT_CO_TRY(co_await session->uid_store_deleted(uids));
    DCBOT_CO_TRY(co_await session->uid_expunge(std::move(uids)));
    log::debug("runtime: imap {}: stored and deleted {} mails up to uid {}", transport_.addr,
               mails.size(), cursor);
  }
}

}  // namespace dcbot::runtime
