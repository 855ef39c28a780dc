// SPDX-License-Identifier: MIT
#include "chat/mdn.h"

#include <algorithm>
#include <utility>

#include "crypto/random.h"
#include "mime/builder.h"
#include "store/chats.h"
#include "store/messages.h"

// RFC 8098 disposition notifications as Delta Chat uses them (PROTOCOL.md §3.9; core
// `mimefactory.rs` render_mdn, `mimeparser.rs` handle_reports).
namespace dcbot::chat {

std::vector<std::string> read_receipt_ids(const mime::Part& inner, const mime::Headers& headers) {
  std::vector<std::string> ids;
  const mime::Part* report = inner.find("message/disposition-notification");
  if (report != nullptr) {
    // The part's body is itself a header block (RFC 8098 §3.1).
    auto block = mime::parse_header_block(to_string(report->body));
    if (block) {
      for (const char* name : {"Original-Message-ID", "Additional-Message-IDs"}) {
        if (const auto raw = block->headers.raw(name)) {
          for (auto& id : mime::parse_message_ids(*raw)) {
            ids.push_back(std::move(id));
          }
        }
      }
    }
  }
  if (ids.empty()) {
    if (const auto raw = headers.raw("In-Reply-To")) {
      ids = mime::parse_message_ids(*raw);
    }
  }
  return ids;
}

Result<int> apply_read_receipt(store::Db& db, const mime::Part& inner, const mime::Headers& headers,
                               std::string_view signer_fpr) {
  store::Messages messages(db);
  store::ChatMembers members(db);
  int changed = 0;
  for (const auto& id : read_receipt_ids(inner, headers)) {
    DCBOT_TRY(auto row, messages.find_by_mid(id));
    if (!row || !row->sender_fpr.empty() || row->state == store::MessageState::OutDelivered) {
      continue;
    }
    // Only someone the message went to can have read it (past members included: they may
    // read before they were removed).
    DCBOT_TRY(auto member, members.get(row->chat_id, signer_fpr));
    if (!member) {
      continue;
    }
    DCBOT_TRY(messages.set_state(row->id, store::MessageState::OutDelivered));
    ++changed;
  }
  return changed;
}

Result<std::optional<OutgoingMail>> build_read_receipt(Account& account, const MessageEvent& ev,
                                                       const ReadReceiptOptions& options,
                                                       std::int64_t now) {
  if (!options.send || !ev.wants_read_receipt) {
    return std::optional<OutgoingMail>();
  }
  store::Messages messages(account.db());
  DCBOT_TRY(auto row, messages.find_by_mid(ev.rfc724_mid));
  if (!row) {
    return make_error(Errc::NotFound, "chat: read receipt: unknown message");
  }
  Account::Draft d;
  d.chat_id = row->chat_id;
  d.now = now;
  d.hidden = true;
  d.compress = true;
  d.in_reply_to = ev.rfc724_mid;
  d.profile_data = false;  // Core render_mdn: no Chat-User-Avatar.
  d.root = mime::mdn_report(ev.rfc724_mid, {}, mime::make_boundary([](std::span<std::uint8_t> b) {
                              crypto::fill_random(b);
                            }));
  if (!account.profile().bot) {
    // §3.5: MDNs are `auto-replied`; a bot's mail is `auto-generated` already (Account::build).
    d.headers.push_back({"Auto-Submitted", "auto-replied"});
  }
  DCBOT_TRY(auto mail, account.build(d));
  return std::optional<OutgoingMail>(std::move(mail));
}

}  // namespace dcbot::chat
