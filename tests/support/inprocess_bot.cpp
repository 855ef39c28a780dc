// SPDX-License-Identifier: MIT
#include "support/inprocess_bot.h"

#include <algorithm>
#include <exception>
#include <utility>

#include <boost/asio/co_spawn.hpp>

#include "runtime/bot.h"

namespace dcbot::testsupport {

namespace asio = boost::asio;
using namespace std::chrono_literals;

Result<std::unique_ptr<InProcessBot>> InProcessBot::open(const RelayEnv& relay,
                                                         std::string_view addr_prefix,
                                                         const std::filesystem::path& data_root,
                                                         std::string display_name) {
  std::unique_ptr<InProcessBot> self(new InProcessBot());
  runtime::BotOptions o;
  o.transport.addr = relay.fresh_address(addr_prefix);
  o.transport.password = relay.password;
  o.transport.imap = runtime::ServerSettings{.host = relay.host, .port = relay.imaps_port};
  o.transport.smtp = runtime::ServerSettings{.host = relay.host, .port = relay.smtps_port};
  o.transport.ca_file = relay.ca_cert;
  o.transport.connect_timeout = 10s;
  o.transport.io_timeout = 30s;
  o.data_dir = data_root / o.transport.addr;
  o.display_name = std::move(display_name);
  o.fetcher.backoff_min = 200ms;
  o.fetcher.backoff_max = 2s;
  o.sender.send_per_minute = 0;
  o.sender.backoff_min = 200ms;
  o.sender.backoff_max = 2s;
  DCBOT_TRY(self->bot_, runtime::open_bot(self->io_.get_executor(), o));
  InProcessBot* raw = self.get();
  self->bot_->on_contact_verified([raw](ContactVerifiedEvent ev) {
    {
      std::lock_guard lock(raw->mutex_);
      raw->verified_.push_back(std::move(ev));
    }
    raw->cv_.notify_all();
  });
  return self;
}

InProcessBot::~InProcessBot() {
  if (thread_.joinable()) {
    asio::post(io_, [this] { bot_->impl().engine->stop(); });
    thread_.join();
  }
  bot_.reset();
}

void InProcessBot::start() {
  asio::co_spawn(io_, bot_->impl().engine->run(), [](const std::exception_ptr&) {});
  thread_ = std::thread([this] { io_.run(); });
}

std::vector<ContactVerifiedEvent> InProcessBot::verified() const {
  std::lock_guard lock(mutex_);
  return verified_;
}

bool InProcessBot::wait_verified(
    const std::function<bool(const std::vector<ContactVerifiedEvent>& seen)>& done,
    std::chrono::milliseconds limit) {
  std::unique_lock lock(mutex_);
  return cv_.wait_for(lock, limit, [&] { return done(verified_); });
}

Result<std::uint32_t> InProcessBot::verify_user(PeerAccount& user, bool legacy,
                                                std::chrono::milliseconds limit) {
  DCBOT_TRY(auto link, on_bot([&] { return bot_->invite_link(legacy); }));
  const std::size_t before = verified().size();
  DCBOT_TRY(auto chat, join_by_link(user, link, limit));
  const bool seen = wait_verified(
      [&](const std::vector<ContactVerifiedEvent>& all) {
        return std::any_of(all.begin() + static_cast<std::ptrdiff_t>(before), all.end(),
                           [&](const ContactVerifiedEvent& v) { return v.addr == user.addr(); });
      },
      limit);
  if (!seen) {
    return make_error(Errc::Timeout, "the bot did not verify " + user.addr());
  }
  return chat;
}

}  // namespace dcbot::testsupport
