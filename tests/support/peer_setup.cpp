// SPDX-License-Identifier: MIT
#include "support/peer_setup.h"

#include <cctype>
#include <thread>
#include <utility>

namespace dcbot::testsupport {

Result<void> wait_ready(PeerAccount& account, std::chrono::milliseconds timeout) {
  auto idle = account.wait_for_event("ImapInboxIdle", timeout);
  if (!idle) {
    return idle.error().with_context(account.addr() + ": waiting for ImapInboxIdle");
  }
  return {};
}

Result<PeerAccount> create_ready_user(RpcPeer& peer, const RelayEnv& relay,
                                      std::string_view addr_prefix, std::string display_name,
                                      PeerAccountOptions options) {
  DCBOT_TRY(auto account,
            PeerAccount::create_and_configure(peer, relay, relay.fresh_address(addr_prefix),
                                              std::move(display_name), options));
  DCBOT_TRY(wait_ready(account));
  return account;
}

std::string lower(std::string text) {
  for (char& c : text) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return text;
}

Result<std::uint32_t> join_by_link(PeerAccount& joiner, std::string_view link,
                                   std::chrono::milliseconds timeout) {
  auto chat = joiner.secure_join(link);
  if (!chat) {
    return chat.error().with_context(joiner.addr() + ": secure_join");
  }
  auto done = joiner.wait_securejoin_joiner_done(timeout);
  if (!done) {
    return done.error().with_context(joiner.addr() + ": waiting for the joiner's handshake");
  }
  return *chat;
}

Result<std::uint32_t> introduce(PeerAccount& inviter, PeerAccount& joiner,
                                std::chrono::milliseconds timeout) {
  auto qr = inviter.securejoin_qr();
  if (!qr) {
    return qr.error().with_context(inviter.addr() + ": securejoin_qr");
  }
  DCBOT_TRY(join_by_link(joiner, *qr, timeout));
  auto done = inviter.wait_securejoin_inviter_done(timeout);
  if (!done) {
    return done.error().with_context(inviter.addr() + ": waiting for the inviter's handshake");
  }
  return done->at("contactId").to_number<std::uint32_t>();
}

Result<std::uint32_t> sole_contact(PeerAccount& user, std::uint32_t chat_id) {
  DCBOT_TRY(auto chat, user.get_chat(chat_id));
  const auto* ids = chat.if_contains("contactIds");
  if (ids == nullptr || !ids->is_array() || ids->as_array().size() != 1) {
    return make_error(Errc::Protocol,
                      user.addr() + ": chat " + std::to_string(chat_id)
                          + " has not exactly one contact: " + json::serialize(chat));
  }
  return ids->as_array()[0].to_number<std::uint32_t>();
}

Result<void> check_encrypted_chat_with(PeerAccount& user, std::uint32_t chat_id,
                                       std::string_view addr, bool is_bot) {
  const std::string where = user.addr() + ": chat " + std::to_string(chat_id) + ": ";
  DCBOT_TRY(auto chat, user.get_chat(chat_id));
  if (chat.at("isEncrypted") != true) {
    return make_error(Errc::Protocol, where + "not encrypted: " + json::serialize(chat));
  }
  DCBOT_TRY(auto contact_id, sole_contact(user, chat_id));
  DCBOT_TRY(auto contact, user.get_contact(contact_id));
  if (contact.at("address") != json::value(addr)) {
    return make_error(Errc::Protocol, where + "the contact is " + json::serialize(contact)
                                          + ", not " + std::string(addr));
  }
  for (int i = 0; i < 100 && is_bot && contact.at("isBot") != true; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    DCBOT_TRY(contact, user.get_contact(contact_id));
  }
  if (is_bot && contact.at("isBot") != true) {
    return make_error(Errc::Protocol,
                      where + "the contact is not marked a bot: " + json::serialize(contact));
  }
  return {};
}

}  // namespace dcbot::testsupport
