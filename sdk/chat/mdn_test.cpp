// SPDX-License-Identifier: MIT
#include "chat/mdn.h"

#include <filesystem>
#include <string>
#include <variant>

#include <gtest/gtest.h>

#include "chat/test_loop.h"
#include "mime/date.h"
#include "store/messages.h"

// Read receipts (PROTOCOL.md §3.9): received ones mark our messages read, sending is opt-in.
namespace dcbot::chat {
namespace {

using testing::deliver;
using testing::introduce;
using testing::load_fixture;
using testing::make_peer;
using testing::Peer;

std::int64_t recorded_now() {
  return mime::parse_date("Mon, 23 Nov 2026 02:00:00 +0000").value();
}

Effects feed(Peer& peer, const std::string& prefix) {
  for (const auto& entry : std::filesystem::directory_iterator(testing::data_dir())) {
    const auto name = entry.path().filename().string();
    if (name.rfind(prefix + "-", 0) == 0 && entry.path().extension() == ".eml") {
      return peer->receive(as_bytes(testing::read_file(entry.path())), recorded_now()).value();
    }
  }
  throw std::runtime_error("no recording " + prefix);
}

// Alice's own copy of the recorded message 08 (she sent it to Bob).
std::int64_t add_own_message(Peer& alice, std::int64_t chat, const std::string& mid) {
  store::Message row;
  row.chat_id = chat;
  row.rfc724_mid = mid;
  row.timestamp = recorded_now() - 100;
  row.text = "react to this";
  row.state = store::MessageState::OutSent;
  return store::Messages(*alice.db).add(row).value();
}

store::MessageState state_of(Peer& p, std::int64_t id) {
  return store::Messages(*p.db).get(id).value()->state;
}

constexpr std::string_view kRecordedMid = "fd8353a9-0b22-4248-96e5-70c36e47b3ab@localhost";

TEST(ReadReceipts, RecordedMdnMarksOurMessageRead) {
  Peer alice = make_peer(load_fixture("alice"), "alice", false, recorded_now());
  Peer bob = make_peer(load_fixture("bob"), "bob", false, recorded_now());
  const auto chat = introduce(alice, bob, recorded_now() - 200);
  const auto id = add_own_message(alice, chat, std::string(kRecordedMid));
  auto fx = feed(alice, "10");
  EXPECT_EQ(fx.dropped, "read receipt (mdn)");
  EXPECT_TRUE(fx.events.empty());
  EXPECT_EQ(state_of(alice, id), store::MessageState::OutDelivered);
}

TEST(ReadReceipts, MdnFromAStrangerChangesNothing) {
  Peer alice = make_peer(load_fixture("alice"), "alice", false, recorded_now());
  Peer bob = make_peer(load_fixture("bob"), "bob", false, recorded_now());
  Peer carol = make_peer(load_fixture("carol"), "carol", false, recorded_now());
  const auto chat = introduce(alice, carol, recorded_now() - 200);
  introduce(alice, bob, recorded_now() - 200);
  // The message went to Carol; Bob's recorded receipt names it.
  const auto id = add_own_message(alice, chat, std::string(kRecordedMid));
  feed(alice, "10");
  EXPECT_EQ(state_of(alice, id), store::MessageState::OutSent);
}

TEST(ReadReceipts, SendingIsOffByDefaultAndRoundTripsWhenOn) {
  Peer alice = make_peer(load_fixture("alice"), "alice", false, recorded_now());
  Peer bob = make_peer(load_fixture("bob"), "bob", true, recorded_now());
  const auto alice_chat = introduce(alice, bob, recorded_now() - 200);
  introduce(bob, alice, recorded_now() - 200);
  const auto own = add_own_message(alice, alice_chat, std::string(kRecordedMid));
  // 08 is Alice's recorded text with Chat-Disposition-Notification-To: a receipt is asked for.
  auto fx = feed(bob, "08");
  ASSERT_EQ(fx.events.size(), 1u) << fx.dropped;
  const auto& ev = std::get<MessageEvent>(fx.events[0]);
  EXPECT_TRUE(ev.wants_read_receipt);
  EXPECT_FALSE(build_read_receipt(*bob.account, ev, {}, recorded_now()).value());
  auto mdn = build_read_receipt(*bob.account, ev, {.send = true}, recorded_now()).value();
  ASSERT_TRUE(mdn);
  EXPECT_EQ(mdn->message_id, 0);
  auto at_alice = deliver(*mdn, alice, recorded_now() + 1);
  EXPECT_EQ(at_alice.dropped, "read receipt (mdn)");
  EXPECT_EQ(state_of(alice, own), store::MessageState::OutDelivered);

  // Our own messages do not ask for receipts (bots never do, §3.5).
  SendOptions options;
  options.now = recorded_now();
  auto mail = alice->build_text(alice_chat, "no receipt please", options).value();
  auto back = deliver(mail, bob, recorded_now() + 2);
  ASSERT_EQ(back.events.size(), 1u) << back.dropped;
  EXPECT_FALSE(std::get<MessageEvent>(back.events[0]).wants_read_receipt);
}

}  // namespace
}  // namespace dcbot::chat
