// SPDX-License-Identifier: MIT
// The test-support plumbing itself: RelayEnv parsing and RpcPeer's JSON-RPC transport against the
// real deltachat-rpc-server, without any mail server.
#include "support/rpc_peer.h"

#include <atomic>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "support/relay_env.h"

namespace dcbot::testsupport {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<RpcPeer> start_peer(const char* name) {
  RpcPeerOptions options;
  options.name = name;
  auto peer = RpcPeer::start(std::move(options));
  if (!peer) {
    ADD_FAILURE() << "cannot start the real core: " << peer.error().to_string();
    return nullptr;
  }
  return std::move(*peer);
}

TEST(RelayEnv, ParsesKeyValueLines) {
  auto env = RelayEnv::parse(
      "# written by scripts/relay\n"
      "DCBOT_RELAY_HOST=127.0.0.1\n"
      "export DCBOT_RELAY_DOMAIN=\"relay.test\"\n"
      "DCBOT_RELAY_PASSWORD='secret pw'\r\n"
      "\n"
      "DCBOT_RELAY_IMAPS_PORT=19993\n"
      "DCBOT_RELAY_SMTPS_PORT=19465\n"
      "DCBOT_RELAY_SUBMISSION_PORT=19587\n"
      "DCBOT_RELAY_CA_CERT=/tmp/ca.pem\n"
      "DCBOT_RELAY_EXTRA=x=y\n");
  ASSERT_TRUE(env) << env.error().to_string();
  EXPECT_EQ(env->host, "127.0.0.1");
  EXPECT_EQ(env->domain, "relay.test");
  EXPECT_EQ(env->password, "secret pw");
  EXPECT_EQ(env->imaps_port, 19993);
  EXPECT_EQ(env->smtps_port, 19465);
  EXPECT_EQ(env->submission_port, 19587);
  EXPECT_EQ(env->imap_port, 0);
  EXPECT_EQ(env->ca_cert, "/tmp/ca.pem");
  EXPECT_EQ(env->value("DCBOT_RELAY_EXTRA"), "x=y");
}

TEST(RelayEnv, RejectsMissingKeysAndBadPorts) {
  auto missing = RelayEnv::parse("DCBOT_RELAY_HOST=127.0.0.1\n");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::Config);

  auto bad = RelayEnv::parse(
      "DCBOT_RELAY_HOST=h\nDCBOT_RELAY_DOMAIN=d\nDCBOT_RELAY_PASSWORD=p\n"
      "DCBOT_RELAY_IMAPS_PORT=99999\nDCBOT_RELAY_SMTPS_PORT=465\n");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::Parse);

  auto garbage = RelayEnv::parse("no equals sign here\n");
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().code, Errc::Parse);

  auto absent = RelayEnv::load("/nonexistent/relay/dir");
  ASSERT_FALSE(absent);
  EXPECT_EQ(absent.error().code, Errc::NotFound);
}

TEST(RelayEnv, FreshAddressesAreUniqueAtTheDomain) {
  RelayEnv env;
  env.domain = "relay.test";
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string addr = env.fresh_address("bob");
    EXPECT_TRUE(addr.starts_with("bob"));
    EXPECT_TRUE(addr.ends_with("@relay.test"));
    seen.insert(addr);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(RpcPeer, MissingServerIsAConfigError) {
  RpcPeerOptions options;
  options.name = "nobody";
  options.server_path = "/nonexistent/srv";
  auto peer = RpcPeer::start(std::move(options));
  ASSERT_FALSE(peer);
  EXPECT_EQ(peer.error().code, Errc::Config);
}

TEST(RpcPeer, ReportsThePinnedCoreVersion) {
  auto peer = start_peer("sysinfo");
  ASSERT_TRUE(peer);
  auto info = peer->call("get_system_info");
  ASSERT_TRUE(info) << info.error().to_string();
  ASSERT_TRUE(info->is_object());
  EXPECT_EQ(info->as_object().at("deltachat_core_version").as_string(), "v2.62.0");
}

TEST(RpcPeer, AddsAccountsAndStoresConfig) {
  auto peer = start_peer("config");
  ASSERT_TRUE(peer);
  auto first = peer->call("add_account");
  ASSERT_TRUE(first) << first.error().to_string();
  auto second = peer->call("add_account");
  ASSERT_TRUE(second) << second.error().to_string();
  auto ids = peer->call("get_all_account_ids");
  ASSERT_TRUE(ids) << ids.error().to_string();
  EXPECT_EQ(*ids, (json::array{*first, *second}));

  auto id = static_cast<std::uint32_t>(first->to_number<std::int64_t>());
  PeerAccount account(*peer, id, "unconfigured@example.org");
  ASSERT_TRUE(account.set_config("displayname", "Alice Example"));
  auto name = account.get_config("displayname");
  ASSERT_TRUE(name) << name.error().to_string();
  EXPECT_EQ(name->value_or("<null>"), "Alice Example");
  ASSERT_TRUE(account.set_config("displayname", std::nullopt));
  auto cleared = account.get_config("displayname");
  ASSERT_TRUE(cleared);
  EXPECT_FALSE(cleared->has_value());

  auto configured = account.call("is_configured");
  ASSERT_TRUE(configured) << configured.error().to_string();
  EXPECT_EQ(*configured, json::value(false));
  auto info = account.get_info();
  ASSERT_TRUE(info) << info.error().to_string();
  EXPECT_TRUE(info->contains("deltachat_core_version"));
}

TEST(RpcPeer, RpcErrorsBecomeErrors) {
  auto peer = start_peer("errors");
  ASSERT_TRUE(peer);
  auto unknown = peer->call("no_such_method");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, Errc::Unsupported);

  auto no_account = peer->call("get_config", {99, "displayname"});
  ASSERT_FALSE(no_account);
  EXPECT_EQ(no_account.error().code, Errc::Protocol);
  EXPECT_NE(no_account.error().message.find("account with id 99 not found"), std::string::npos)
      << no_account.error().message;
  // The transport still works after errors.
  EXPECT_TRUE(peer->call("get_all_account_ids"));
}

TEST(RpcPeer, ConcurrentCallsAreMatchedToTheirResponses) {
  auto peer = start_peer("concurrent");
  ASSERT_TRUE(peer);
  auto id = peer->call("add_account");
  ASSERT_TRUE(id);
  auto account = id->to_number<std::int64_t>();
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 15; ++i) {
        std::string key = "ui.test." + std::to_string(t);
        std::string value = std::to_string(t * 1000 + i);
        if (!peer->call("set_config", {account, key, value})) {
          ++mismatches;
          continue;
        }
        auto got = peer->call("get_config", {account, key});
        if (!got || *got != json::value(value)) {
          ++mismatches;
        }
      }
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(RpcPeer, EventsAreQueuedPerAccountUntilWaitedFor) {
  auto peer = start_peer("events");
  ASSERT_TRUE(peer);
  auto first = peer->call("add_account");
  auto second = peer->call("add_account");
  ASSERT_TRUE(first && second);
  auto id1 = static_cast<std::uint32_t>(first->to_number<std::int64_t>());
  auto id2 = static_cast<std::uint32_t>(second->to_number<std::int64_t>());
  // Opening a new account's database logs Info events ("Created new database ...").
  auto created = [](const json::object& e) {
    const auto* msg = e.if_contains("msg");
    return e.at("kind") == "Info" && msg != nullptr && msg->is_string()
           && msg->as_string().subview().find("Created new database") != std::string::npos;
  };
  auto ev2 = peer->wait_for_event(id2, created, 10s);
  ASSERT_TRUE(ev2) << ev2.error().to_string();
  auto ev1 = peer->wait_for_event(id1, created, 10s);
  ASSERT_TRUE(ev1) << ev1.error().to_string();
  // Each event is handed out once.
  auto again = peer->wait_for_event(id1, created, 300ms);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::Timeout);

  auto never = peer->wait_for_event(id1, "NoSuchEventKind", 200ms);
  ASSERT_FALSE(never);
  EXPECT_EQ(never.error().code, Errc::Timeout);
}

TEST(RpcPeer, CallTimesOutAndThePeerStaysUsable) {
  auto peer = start_peer("timeout");
  ASSERT_TRUE(peer);
  // get_next_event blocks until an event arrives; with no accounts there is none.
  auto blocked = peer->call("get_next_event", {}, 200ms);
  ASSERT_FALSE(blocked);
  EXPECT_EQ(blocked.error().code, Errc::Timeout);
  EXPECT_TRUE(peer->call("get_all_account_ids"));
  EXPECT_TRUE(peer->is_running());
}

}  // namespace
}  // namespace dcbot::testsupport
