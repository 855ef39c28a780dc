// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "crypto/secret.h"
#include "dcbot/result.h"
#include "pgp/armor.h"
#include "pgp/key_types.h"
#include "pgp/signature.h"

// Certificates (transferable public keys, RFC 9580 §10.1) and secret keys (§10.2) in the shape the
// Delta Chat core uses: a v4 Ed25519Legacy primary and cv25519 encryption subkeys (PROTOCOL.md
// §1.1); foreign v6 keys (and v4 ones) with a native Ed25519 primary and X25519 subkeys are read
// too. Every self-signature is verified on import; a certificate with a self-signature or binding
// that does not verify, or without any valid self-signature, is refused.
namespace dcbot::pgp {

class Certificate {
 public:
  // Parses and verifies a binary transferable public key (Autocrypt keydata). Third-party
  // certifications, revocations and user attributes are dropped; for each component the newest
  // valid self-signature is kept. Errc::Parse for malformed data, Errc::Unsupported for a primary
  // key that is not Ed25519 (Ed25519Legacy v4, native Ed25519 v4 or v6), Errc::Crypto for a
  // self-signature that does not verify.
  static Result<Certificate> parse(ByteView data);
  // The same from an armored "PGP PUBLIC KEY BLOCK".
  static Result<Certificate> from_armored(std::string_view text);

  const PublicKey& primary() const { return primary_; }

  Fingerprint fingerprint() const { return primary_.fingerprint(); }

  KeyId key_id() const { return primary_.key_id(); }

  // The key version: 4, or 6 for a foreign v6 certificate. For v6, fingerprint() is only the
  // leftmost 20 octets; fingerprint_bytes() is the real 32-octet fingerprint.
  std::uint8_t version() const { return primary_.version; }

  Bytes fingerprint_bytes() const { return primary_.fingerprint_bytes(); }

  std::string fingerprint_hex() const { return pgp::fingerprint_hex(fingerprint()); }

  const std::vector<std::string>& user_ids() const { return user_ids_; }

  // The key messages are encrypted to: the first subkey able to encrypt (the core's rule,
  // PROTOCOL.md §1.2), if it is cv25519 or X25519; nullptr otherwise. Unlike the core, a subkey
  // whose binding states key flags without an encryption flag is skipped (SECURITY.md 21).
  const PublicKey* encryption_key() const;
  // True if a direct-key or user-id self-signature advertises SEIPDv2 (features bit 0x08).
  bool supports_seipdv2() const;
  // The primary key's flags (RFC 9580 §5.2.3.29) from the direct-key signature, else from the
  // first user-id certification that has them; nullopt if no self-signature states any.
  std::optional<std::uint8_t> primary_key_flags() const;
  // The relay addresses of the `relays@chatmail.at` notation of the direct-key signature.
  std::vector<std::string> relays() const;
  // Creation time of the newest self-signature on the primary (DKS or UID certification).
  std::uint32_t self_signature_time() const;

  // The minimised binary certificate: key, DKS, user ids with their certifications, subkeys with
  // their bindings (the order the core publishes, PROTOCOL.md §1.1).
  Bytes serialize() const;
  std::string to_armored(LineEnding eol = LineEnding::Crlf) const;

 private:
  friend class SecretKey;

  struct Subkey {
    PublicKey key;
    Signature binding;
  };

  static Result<Certificate> from_packets(std::vector<Packet> packets, bool secret,
                                          std::vector<Bytes>* secret_parts);

  PublicKey primary_;
  std::optional<Signature> direct_key_;
  std::vector<std::string> user_ids_;
  std::vector<Signature> user_id_certs_;  // Parallel to user_ids_.
  std::vector<Subkey> subkeys_;
};

// An own key: the certificate plus the unencrypted secret material (RFC 9580 §5.5.3, S2K usage 0).
class SecretKey {
 public:
  // Generates the core's key shape (PROTOCOL.md §1.1): v4 Ed25519Legacy primary (flags 0x03),
  // direct-key signature with the listed preferences, features 0x09 and, if `relays` is not empty,
  // the `relays@chatmail.at` notation (comma separated); user id `<addr>` with a positive
  // certification; one cv25519 subkey (flags 0x0C) with its binding. All created at `now`.
  // `seipdv2 = false` advertises features 0x01 only (peers then send SEIPD v1; for tests).
  static Result<SecretKey> generate(std::string_view addr, const std::vector<std::string>& relays,
                                    std::uint32_t now, bool seipdv2 = true);
  // Parses a binary transferable secret key; unencrypted keys only (Errc::Unsupported for
  // passphrase-protected ones). The secrets must match the public keys. v6 keys (RFC 9580
  // Appendix A.4) are read and can decrypt; signing needs a v4 Ed25519Legacy primary.
  static Result<SecretKey> parse(ByteView data);
  static Result<SecretKey> from_armored(std::string_view text);

  const Certificate& certificate() const { return cert_; }

  Fingerprint fingerprint() const { return cert_.fingerprint(); }

  // The Ed25519 seed of the primary key.
  const crypto::SecretBytes& signing_seed() const { return signing_seed_; }

  // The cv25519 and X25519 subkeys with their little-endian X25519 scalars, in certificate order.
  struct Decryptor {
    PublicKey key;
    crypto::SecretBytes scalar;
  };

  const std::vector<Decryptor>& decryptors() const { return decryptors_; }

  Bytes serialize() const;
  std::string to_armored(LineEnding eol = LineEnding::Crlf) const;

 private:
  Certificate cert_;
  crypto::SecretBytes signing_seed_;
  std::vector<Decryptor> decryptors_;
};

}  // namespace dcbot::pgp
