// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "dcbot/result.h"

#include "support/relay_env.h"
#include "support/rpc_peer.h"

// The steps that bring real-core users together with a bot or with each other, shared by the
// interop tests: a user ready to receive, joining an invite link, one core verifying another, and
// the core's view of an encrypted 1:1 chat. Each returns an Error that says what went wrong, so a
// test asserts on it with `ASSERT_TRUE(r) << r.error().to_string()`.
namespace dcbot::testsupport {

// How long a SecureJoin handshake may take on the local relay.
inline constexpr std::chrono::milliseconds kJoinTimeout{90'000};

// Waits until the account's core idles in INBOX (ImapInboxIdle). A fresh core account treats mails
// that arrived before its first INBOX fetch as old and does not process them: nobody may write to
// it before this.
[[nodiscard]] Result<void> wait_ready(PeerAccount& account,
                                      std::chrono::milliseconds timeout = std::chrono::seconds(60));

// PeerAccount::create_and_configure at a fresh address `<addr_prefix><random>@<domain>`, then
// wait_ready.
[[nodiscard]] Result<PeerAccount> create_ready_user(RpcPeer& peer, const RelayEnv& relay,
                                                    std::string_view addr_prefix,
                                                    std::string display_name,
                                                    PeerAccountOptions options = {});

// `text` in ASCII lower case (addresses as the core lists them).
[[nodiscard]] std::string lower(std::string text);

// `joiner` scans `link` (a bot's or a core's invite link: 1:1, group or channel) and waits until
// its core finished the handshake (SecurejoinJoinerProgress 1000). Returns the joiner's chat id.
[[nodiscard]] Result<std::uint32_t> join_by_link(PeerAccount& joiner, std::string_view link,
                                                 std::chrono::milliseconds timeout = kJoinTimeout);

// Two real cores verify each other: `joiner` scans `inviter`'s 1:1 link and both finish the
// handshake. Returns the inviter's contact id of the joiner (a key contact: the inviter may add it
// to encrypted groups).
[[nodiscard]] Result<std::uint32_t> introduce(PeerAccount& inviter, PeerAccount& joiner,
                                              std::chrono::milliseconds timeout = kJoinTimeout);

// The one contact of the user's 1:1 chat `chat_id`.
[[nodiscard]] Result<std::uint32_t> sole_contact(PeerAccount& user, std::uint32_t chat_id);

// The core's view of a finished SecureJoin with `addr`: `chat_id` is encrypted and has exactly
// one contact, `addr`; with `is_bot`, the core marks that contact a bot (polled for a while: the
// core emits SecurejoinJoinerProgress 1000 while it handles vc-contact-confirm and sets the flag
// only later in the same receive_imf call). Errc::Protocol names the first difference.
[[nodiscard]] Result<void> check_encrypted_chat_with(PeerAccount& user, std::uint32_t chat_id,
                                                     std::string_view addr, bool is_bot);

}  // namespace dcbot::testsupport
