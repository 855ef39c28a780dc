// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "base/bytes.h"
#include "crypto/secret.h"
#include "dcbot/result.h"

// The symmetric layers of an encrypted message: the session key, the encrypted data (SEIPD v1 and
// v2, RFC 9580 §5.13) and the password-protected session key (SKESK v6, §5.3.2). These are the
// building blocks of pgp/message.h; they are public so that tests can check each layer against
// published intermediate values (RFC 9580 Appendix A). Every decryption failure is Errc::Crypto
// "decryption failed", with no detail.
namespace dcbot::pgp {

// Symmetric algorithm and AEAD mode ids (RFC 9580 §9.3, §9.6).
inline constexpr std::uint8_t kCipherAes128 = 7;
inline constexpr std::uint8_t kAeadOcb = 2;

// The one error every decryption failure returns.
Error decryption_failed();

// The key size of AES-128/192/256 (ids 7, 8, 9); nullopt for other ciphers.
std::optional<std::size_t> aes_key_size(std::uint8_t algo);

struct SessionKey {
  std::uint8_t algo = 0;  // 0 when the ESK does not say (v6 ESKs).
  crypto::SecretBytes key;
};

// A random AES-128 session key.
SessionKey new_session_key();

// SEIPD v2 message key and IV (RFC 9580 §5.13.2): HKDF-SHA256 of the session key with the
// packet's salt and its header (0xD2 || version || cipher || mode || chunk octet) as info.
struct AeadKeys {
  crypto::SecretBytes key;
  Bytes iv;  // The 7 leading nonce octets of OCB (15 - 8).
};

AeadKeys seipd_v2_keys(const SessionKey& sk, ByteView salt, ByteView header);

// Decrypts the body of a SEIPD packet after its version octet. v1: AES-CFB with the MDC checked
// before anything is returned (`sk.algo` names the cipher). v2: AES-OCB, every chunk tag and the
// final tag checked, output capped at `max_plaintext`; `sk.algo`, if set, must match the packet.
Result<Bytes> seipd_v1_decrypt(ByteView data, const SessionKey& sk);
Result<Bytes> seipd_v2_decrypt(ByteView data, const SessionKey& sk, std::size_t max_plaintext);

// The whole body (with its version octet) of a SEIPD v1 packet, or of a v2 packet with AES-128-OCB
// and 8 KiB chunks like the core's, for a 16-octet session key.
Bytes seipd_v1_encrypt(ByteView inner, const SessionKey& sk);
Bytes seipd_v2_encrypt(ByteView inner, const SessionKey& sk);

// Decrypts a SKESK v6 body with `password`. Only Salted S2K with SHA-256 and OCB are tried: the
// iterated and Argon2 S2Ks are refused like the core does (SECURITY.md 11).
Result<SessionKey> skesk_v6_decrypt(ByteView body, std::string_view password);

// Decrypts a SKESK v6 body (OCB only) with the key its S2K derives, whatever the S2K type: the
// HKDF and AEAD steps of RFC 9580 §5.3.2. For tests with published derived keys.
Result<SessionKey> skesk_v6_decrypt_with_key(ByteView body, ByteView derived_key);

// A SKESK v6 body (Salted S2K SHA-256, AES-128-OCB) carrying the 16-octet `sk`.
Bytes skesk_v6_encrypt(const SessionKey& sk, std::string_view password);

}  // namespace dcbot::pgp
