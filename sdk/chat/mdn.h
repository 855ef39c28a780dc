// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chat/account.h"
#include "chat/events.h"
#include "dcbot/result.h"
#include "mime/header.h"
#include "mime/parser.h"
#include "store/db.h"

// Read receipts (MDNs, PROTOCOL.md §3.9). Receiving: an MDN from a chat member marks the named
// messages of ours as read (store::MessageState::OutDelivered, the core's OutMdnRcvd = 28) and
// emits nothing. Sending: off by default, as for every bot (core `Config::MdnsEnabled` is off
// for bots); a bot that wants them sets ReadReceiptOptions::send.
namespace dcbot::chat {

struct ReadReceiptOptions {
  bool send = false;
};

// The Message-IDs an MDN acknowledges: `Original-Message-ID` (else the mail's In-Reply-To) and
// `Additional-Message-IDs` of its message/disposition-notification part. Empty if there are none.
std::vector<std::string> read_receipt_ids(const mime::Part& inner, const mime::Headers& headers);

// Marks each acknowledged message that is ours (no sender) and sent to a chat the signer is or
// was a member of as read. Other ids are ignored (an MDN cannot touch others' messages).
// Returns how many rows changed. Errors are store failures.
Result<int> apply_read_receipt(store::Db& db, const mime::Part& inner, const mime::Headers& headers,
                               std::string_view signer_fpr);

// The read receipt for a received message that asked for one (MessageEvent::wants_read_receipt),
// or nullopt when `options.send` is off or the message did not ask. Hidden, no `messages` row:
// multipart/report; report-type=disposition-notification as the core sends it (§3.9).
// Errc::NotFound if the message is unknown.
Result<std::optional<OutgoingMail>> build_read_receipt(Account& account, const MessageEvent& ev,
                                                       const ReadReceiptOptions& options,
                                                       std::int64_t now);

}  // namespace dcbot::chat
