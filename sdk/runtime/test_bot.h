// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "chat/test_loop.h"
#include "runtime/bot.h"
#include "store/db.h"
#include "store/mailbox.h"

// Test support (header-only, for the tests of runtime and the layers above): moves mail between a
// Bot and a chat::testing::Peer without a relay, through the bot's inbox and outbox tables as the
// fetch and send loops would.
namespace dcbot::runtime::bot_testing {

// One raw mail into the bot, processed like the Engine does: stored in the inbox under the IMAP
// uid `next_uid` (then counted up), processed and marked processed in one transaction.
inline void to_bot(Bot& bot, std::uint32_t& next_uid, const Bytes& raw) {
  store::Db& db = bot.impl().engine->db();
  store::Inbox inbox(db);
  auto added = inbox.add(1, next_uid++, raw, unix_now());
  ASSERT_TRUE(added) << added.error().to_string();
  auto item = inbox.get(added->id);
  ASSERT_TRUE(item && *item);
  auto txn = store::Txn::begin(db);
  ASSERT_TRUE(txn);
  auto processed = bot.impl().process(**item);
  ASSERT_TRUE(processed) << processed.error().to_string();
  ASSERT_TRUE(inbox.mark_processed(added->id));
  ASSERT_TRUE(txn->commit());
}

// Everything the bot queued, marked sent.
inline std::vector<Bytes> from_bot(Bot& bot) {
  store::Outbox outbox(bot.impl().engine->db());
  std::vector<Bytes> out;
  for (;;) {
    auto due = outbox.next_due(unix_now() + 3600, 100);
    EXPECT_TRUE(due);
    if (!due || due->empty()) {
      return out;
    }
    for (const auto& row : *due) {
      out.push_back(row.raw);
      EXPECT_TRUE(outbox.mark_sent(row.id));
    }
  }
}

// Moves mail both ways (at most 10 rounds) until nobody has anything to send; returns the events
// the peer got, in order.
inline std::vector<chat::Event> exchange(Bot& bot, std::uint32_t& next_uid,
                                         chat::testing::Peer& peer,
                                         std::vector<chat::OutgoingMail> from_peer) {
  std::vector<chat::Event> events;
  for (int round = 0; round < 10; ++round) {
    for (const auto& mail : from_peer) {
      to_bot(bot, next_uid, mail.raw);
    }
    from_peer.clear();
    auto replies = from_bot(bot);
    if (replies.empty()) {
      break;
    }
    for (const auto& raw : replies) {
      auto fx = peer->receive(raw, unix_now());
      EXPECT_TRUE(fx) << fx.error().to_string();
      if (fx) {
        for (auto& e : fx->events) {
          events.push_back(std::move(e));
        }
        for (auto& m : fx->outgoing) {
          from_peer.push_back(std::move(m));
        }
      }
    }
  }
  return events;
}

}  // namespace dcbot::runtime::bot_testing
