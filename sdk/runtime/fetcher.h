// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "dcbot/result.h"
#include "imap/session.h"
#include "net/backoff.h"
#include "net/task.h"
#include "runtime/signal.h"
#include "runtime/transport_config.h"
#include "store/db.h"

namespace dcbot::runtime {

struct FetcherOptions {
  std::string folder = "INBOX";
  // How long one IDLE lasts before it is re-issued (RFC 2177: under 29 minutes).
  net::Duration idle_timeout = std::chrono::minutes(25);
  // Without the IDLE capability the folder is polled this often.
  net::Duration poll_interval = std::chrono::seconds(60);
  // Reconnect delays after an error (jittered, reset after a successful fetch).
  std::chrono::milliseconds backoff_min = std::chrono::seconds(1);
  std::chrono::milliseconds backoff_max = std::chrono::minutes(5);
  // Mails fetched per round trip.
  std::size_t batch = 64;
  // Test hook, called after a batch is committed to the inbox and before it is deleted on the
  // server. Returning false abandons the connection there, as a crash would.
  std::function<bool()> before_delete{};
};

// The IMAP loop of one transport (DESIGN.md data flow step 1): connect, log in, SELECT, fetch
// every new mail into the durable Inbox (committed together with the ImapState), only then flag
// it \Deleted and UID EXPUNGE it (single-device mode, PROTOCOL.md §7.1), tell the processing
// side, IDLE, repeat. Errors are logged once, the connection is dropped and the loop reconnects
// after a jittered backoff. Lives on the io thread; `db` must outlive it.
class Fetcher {
 public:
  // `on_new_mail` is called on the io thread whenever new inbox rows were committed.
  Fetcher(store::Db& db, TransportConfig transport, FetcherOptions options,
          std::function<void()> on_new_mail);

  // Runs until `stop` is requested, then returns; never fails. `stop` must outlive the call.
  Task<void> run(StopSignal* stop);

  // Completed fetch rounds (each ends with an empty fetch), for tests and statistics.
  [[nodiscard]] std::uint64_t rounds() const { return rounds_; }

  // Successful logins so far (1 + reconnects).
  [[nodiscard]] std::uint64_t connects() const { return connects_; }

 private:
  Task<void> loop(StopSignal* stop);
  // One connection's life; returns only with the error that ended it.
  Task<Result<>> session_cycle(boost::asio::any_io_executor executor);
  // Fetches, persists and deletes until nothing new is left.
  Task<Result<>> drain(imap::Session* session, std::uint32_t uid_validity);

  store::Db* db_;
  TransportConfig transport_;
  FetcherOptions options_;
  std::function<void()> on_new_mail_;
  net::Backoff backoff_;
  std::uint64_t rounds_ = 0;
  std::uint64_t connects_ = 0;
};

}  // namespace dcbot::runtime
