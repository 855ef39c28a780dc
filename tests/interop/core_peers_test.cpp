// SPDX-License-Identifier: MIT
// Two real-core accounts talking through the local relay: the baseline every dcbot interop test
// builds on. If this fails, the relay or the peer setup is broken, not dcbot.
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "support/relay_env.h"
#include "support/rpc_peer.h"

namespace dcbot::testsupport {
namespace {

using std::chrono_literals::operator""s;

// Each account gets its own server process, as two devices of two people would.
struct Party {
  std::unique_ptr<RpcPeer> peer;
  std::optional<PeerAccount> account;
};

Result<Party> make_party(const RelayEnv& relay, const std::string& name) {
  RpcPeerOptions options;
  options.name = name;
  options.mime_debug = true;
  DCBOT_TRY(auto peer, RpcPeer::start(std::move(options)));
  Party party{std::move(peer), std::nullopt};
  DCBOT_TRY(auto account, PeerAccount::create_and_configure(*party.peer, relay,
                                                            relay.fresh_address(name + "-"), name));
  party.account.emplace(std::move(account));
  return party;
}

class CorePeers : public ::testing::Test {
 protected:
  void SetUp() override {
    auto env = RelayEnv::from_environment();
    ASSERT_TRUE(env) << "the local test relay is required: " << env.error().to_string();
    relay_ = std::move(*env);
  }

  RelayEnv relay_;
};

TEST_F(CorePeers, SecureJoinThenMessagesBothWays) {
  auto alice_party = make_party(relay_, "alice");
  ASSERT_TRUE(alice_party) << alice_party.error().to_string();
  auto bob_party = make_party(relay_, "bob");
  ASSERT_TRUE(bob_party) << bob_party.error().to_string();
  PeerAccount& alice = *alice_party->account;
  PeerAccount& bob = *bob_party->account;

  // SecureJoin (PROTOCOL.md §5): bob scans alice's 1:1 invite link.
  auto qr = alice.securejoin_qr();
  ASSERT_TRUE(qr) << qr.error().to_string();
  auto bob_chat = bob.secure_join(*qr);
  ASSERT_TRUE(bob_chat) << bob_chat.error().to_string();
  auto inviter_done = alice.wait_securejoin_inviter_done(60s);
  ASSERT_TRUE(inviter_done) << inviter_done.error().to_string();
  auto joiner_done = bob.wait_securejoin_joiner_done(60s);
  ASSERT_TRUE(joiner_done) << joiner_done.error().to_string();

  // Bob writes first; alice receives it decrypted and verified.
  ASSERT_TRUE(bob.send_text(*bob_chat, "hello alice, from bob"));
  auto received = alice.wait_incoming_message(60s);
  ASSERT_TRUE(received) << received.error().to_string();
  EXPECT_EQ(received->at("text"), "hello alice, from bob");
  EXPECT_EQ(received->at("showPadlock"), true);
  EXPECT_EQ(received->at("sender").at("address"), json::value(bob.addr()));
  auto alice_chat_id = received->at("chatId").to_number<std::uint32_t>();
  auto alice_chat = alice.get_chat(alice_chat_id);
  ASSERT_TRUE(alice_chat) << alice_chat.error().to_string();
  EXPECT_EQ(alice_chat->at("isEncrypted"), true);

  // Alice replies in the same chat; bob receives it.
  ASSERT_TRUE(alice.send_text(alice_chat_id, "hi bob, alice here"));
  auto reply = bob.wait_incoming_message(60s);
  ASSERT_TRUE(reply) << reply.error().to_string();
  EXPECT_EQ(reply->at("text"), "hi bob, alice here");
  EXPECT_EQ(reply->at("showPadlock"), true);
  EXPECT_EQ(reply->at("chatId").to_number<std::uint32_t>(), *bob_chat);
  EXPECT_EQ(reply->at("sender").at("address"), json::value(alice.addr()));
}

}  // namespace
}  // namespace dcbot::testsupport
