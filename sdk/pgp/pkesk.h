// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>

#include "base/bytes.h"
#include "crypto/secret.h"
#include "dcbot/result.h"
#include "pgp/key.h"
#include "pgp/key_types.h"
#include "pgp/session.h"

// Public-key encrypted session keys (RFC 9580 §5.1), v3 and v6, for the two key types that can
// decrypt here: ECDH over Curve25519Legacy (algo 18, what the core uses, §5.1.5 and §11.5) and
// native X25519 (algo 25, foreign v6 keys, §5.1.6). A building block of pgp/message.h, public so
// that tests can check it against RFC 9580 Appendix A.8.
namespace dcbot::pgp {

struct Pkesk {
  std::uint8_t version = 0;
  std::optional<KeyId> key_id;  // v3, unless wildcard.
  // v6: the recipient's key version and fingerprint (20 or 32 octets); empty when anonymous.
  std::uint8_t recipient_version = 0;
  Bytes recipient_fpr;
  std::uint8_t algo = 0;
  Bytes ephemeral;  // 32-octet X25519 point (without the 0x40 prefix of ECDH).
  // v3 X25519 only: the cipher of the session key, sent in the clear (RFC 9580 §5.1.6).
  std::uint8_t cipher = 0;
  Bytes wrapped;  // The AES-key-wrapped session key.
};

// Parses a PKESK body. Errc::Unsupported for versions other than 3 and 6; Errc::Parse for
// malformed fields of algorithms 18 and 25 (other algorithms keep only the header fields).
Result<Pkesk> parse_pkesk(ByteView body);

// True if `pkesk` may be for `subkey`: it names no key (wildcard or anonymous) or names this one.
bool pkesk_may_be_for(const Pkesk& pkesk, const PublicKey& subkey);

// Recovers the session key with a decryption subkey; v3 ESKs also give the cipher. Every failure
// is decryption_failed().
Result<SessionKey> pkesk_decrypt(const Pkesk& pkesk, const SecretKey::Decryptor& d);

// The body of an anonymous PKESK (v3 wildcard or v6 anonymous) of `sk` to a cv25519 or X25519
// subkey. Errc::Unsupported for other keys.
Result<Bytes> pkesk_encrypt(std::uint8_t version, const PublicKey& subkey, const SessionKey& sk);

// The X25519 key-encryption key (RFC 9580 §5.1.6): HKDF-SHA256 with no salt over ephemeral public
// key || recipient public key || shared secret, info "OpenPGP X25519", 16 octets for AES-128 key
// wrap.
Result<crypto::SecretBytes> x25519_kek(ByteView ephemeral, ByteView recipient, ByteView shared);

}  // namespace dcbot::pgp
