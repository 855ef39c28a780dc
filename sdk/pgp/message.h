// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "dcbot/result.h"
#include "pgp/key.h"

// OpenPGP messages as the Delta Chat core writes and reads them (PROTOCOL.md §1.3-§1.6): PKESK
// v3/v6 with ECDH cv25519, SKESK v6 with salted S2K, SEIPD v1 (CFB + MDC) and v2 (AES-OCB), one
// optional compression layer, and an inline one-pass signature by the sender's primary key. Input
// and output are binary; armor with pgp/armor.h. Time is passed in, never read from the clock.
namespace dcbot::pgp {

// Upper bound on a decrypted (and decompressed) plaintext.
inline constexpr std::size_t kMaxPlaintext = 256u * 1024u * 1024u;

struct EncryptOptions {
  // Wrap the signed literal in a ZLIB Compressed Data packet (never for SecureJoin messages).
  bool compress = false;
  // Signature creation time (seconds since the epoch).
  std::uint32_t now = 0;
};

struct SignatureInfo {
  // The primary key that made the signature: the verified signer, or the issuer it names.
  Fingerprint signer{};
  std::uint32_t created = 0;
  std::vector<Fingerprint> intended_recipients;
  bool valid = false;  // Verified against one of the given certificates.
};

struct Decrypted {
  Bytes plaintext;  // The literal data contents.
  bool was_symmetric = false;
  std::vector<SignatureInfo> signatures;
  // True if at least one signature is valid.
  bool is_signed() const;
};

// Encrypts `plaintext` to `signer`'s own key first, then each recipient (a recipient with the
// signer's fingerprint is skipped), and signs it with the signer's primary key: PKESK v6 anonymous
// + SEIPD v2 (AES-128-OCB, 8 KiB chunks) when every certificate advertises SEIPDv2, else wildcard
// PKESK v3 + SEIPD v1. The signature carries a critical creation time, one intended recipient
// fingerprint per key, the issuer fingerprint, and the issuer key id unhashed.
// Errc::Unsupported if a certificate has no usable cv25519 encryption subkey.
Result<Bytes> encrypt(ByteView plaintext, const SecretKey& signer,
                      std::span<const Certificate* const> recipients, EncryptOptions options);

// Encrypts `plaintext` to exactly `recipients` (the signer's own key is not added), signed by
// `signer` when it is not null (intended recipients = `recipients`), with the same profile rule as
// encrypt(). This is the general OpenPGP form the SOP tool needs; chat messages use encrypt().
// Errc::InvalidArgument for no recipients, Errc::Unsupported as for encrypt().
Result<Bytes> encrypt_to(ByteView plaintext, std::span<const Certificate* const> recipients,
                         const SecretKey* signer, EncryptOptions options);

// An unencrypted inline-signed message (RFC 9580 §10.3): OPS + Literal('b', "", 0) + Signature by
// `signer`'s primary key (creation time and issuer fingerprint hashed, issuer key id unhashed),
// ZLIB-compressed if `options.compress`.
Result<Bytes> sign_inline(ByteView plaintext, const SecretKey& signer, EncryptOptions options);

// Reads an unencrypted signed message (optionally in one compression layer) and verifies its
// signatures against `verifiers` like decrypt() does. Errc::Parse for anything that is not a
// literal with one-pass or prefixed signatures; an unsigned literal yields no signatures.
Result<Decrypted> verify_inline(ByteView message, std::span<const Certificate* const> verifiers,
                                std::size_t max_plaintext = kMaxPlaintext);

// Encrypts `plaintext` with `password` (SKESK v6 salted S2K + SEIPD v2, PROTOCOL.md §1.4), signed
// by `signer` when it is not null (issuer fingerprint and creation time, no recipients).
Result<Bytes> encrypt_symmetric(ByteView plaintext, std::string_view password,
                                const SecretKey* signer, EncryptOptions options);

// Decrypts `message` with one of `keys` (trial decryption of every PKESK) or, if the message has
// exactly one ESK and it is a salted-S2K SKESK, one of `passwords`; then verifies the signatures
// against `verifiers` (primary keys only). The integrity check (MDC or every AEAD tag) passes
// before any plaintext is parsed. Every failure to decrypt is Errc::Crypto "decryption failed",
// with no detail; Errc::Parse for broken outer framing or a malformed message after authentication.
Result<Decrypted> decrypt(ByteView message, std::span<const SecretKey* const> keys,
                          std::span<const std::string> passwords,
                          std::span<const Certificate* const> verifiers,
                          std::size_t max_plaintext = kMaxPlaintext);

}  // namespace dcbot::pgp
