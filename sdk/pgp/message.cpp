// SPDX-License-Identifier: MIT
#include "pgp/message.h"

#include <algorithm>
#include <array>
#include <optional>

#include "pgp/compress.h"
#include "pgp/pkesk.h"
#include "pgp/session.h"

namespace dcbot::pgp {
namespace {

constexpr std::size_t kMaxEsks = 64;

// --- Inner message: [Compressed] ( OPS* Literal Signature* | Signature* Literal ) ---

struct Literal {
  Bytes data;
};

Result<Literal> parse_literal(ByteView body) {
  ByteReader r(body);
  DCBOT_TRY(auto format, r.u8());
  DCBOT_TRY(auto name_len, r.u8());
  DCBOT_TRY(r.take(name_len));
  DCBOT_TRY(r.u32());
  (void)format;  // 'b', 'u' and 't' all deliver bytes; we never rewrite line endings.
  return Literal{Bytes(r.rest().begin(), r.rest().end())};
}

Error malformed() {
  return make_error(Errc::Parse, "pgp: malformed message");
}

// Padding packets (RFC 9580 §5.14) carry nothing and are dropped wherever they are; RFC 9580
// Appendix A.8 puts one after the literal.
void drop_padding(std::vector<Packet>& packets) {
  std::erase_if(packets,
                [](const Packet& p) { return p.tag == static_cast<std::uint8_t>(Tag::Padding); });
}

// The salt of a v6 one-pass signature (RFC 9580 §5.4), which must equal its signature's; empty
// for v3 ones.
Result<Bytes> one_pass_salt(ByteView body) {
  ByteReader r(body);
  DCBOT_TRY(auto version, r.u8());
  if (version != 6) {
    return Bytes{};
  }
  DCBOT_TRY(r.take(3));  // Signature type, hash and public-key algorithms.
  DCBOT_TRY(auto len, r.u8());
  DCBOT_TRY(auto salt, r.take(len));
  return Bytes(salt.begin(), salt.end());
}

Result<void> parse_inner(ByteView plain, std::size_t max_plaintext, Decrypted& out,
                         std::span<const Certificate* const> verifiers) {
  DCBOT_TRY(auto packets, parse_packets(plain));
  drop_padding(packets);
  // Exactly one compression layer is unpacked (SECURITY.md 7).
  if (packets.size() == 1 && packets[0].tag == static_cast<std::uint8_t>(Tag::Compressed)) {
    const Bytes& body = packets[0].body;
    if (body.empty()) {
      return malformed();
    }
    DCBOT_TRY(auto inflated, decompress(body[0], ByteView(body).subspan(1), max_plaintext));
    DCBOT_TRY(packets, parse_packets(inflated));
    drop_padding(packets);
  }
  std::size_t ops = 0;
  std::vector<Bytes> ops_salts;
  std::size_t literal_at = packets.size();
  std::vector<Signature> sigs;
  for (std::size_t i = 0; i < packets.size(); ++i) {
    auto tag = static_cast<Tag>(packets[i].tag);
    bool before = literal_at == packets.size();
    if (tag == Tag::OnePassSignature && before && sigs.empty()) {
      ++ops;
      auto salt = one_pass_salt(packets[i].body);
      if (!salt) {
        return malformed();
      }
      ops_salts.push_back(std::move(*salt));
    } else if (tag == Tag::Literal && before) {
      literal_at = i;
    } else if (tag == Tag::Signature && (before ? ops == 0 : true)) {
      auto sig = parse_signature(packets[i].body);
      if (!sig && sig.error().code == Errc::Parse) {
        return malformed();
      }
      if (sig) {
        sigs.push_back(std::move(*sig));
      } else {
        sigs.emplace_back();  // Unsupported version: counted, never valid.
      }
    } else {
      return malformed();
    }
  }
  bool prefix_sigs = literal_at != packets.size() && !sigs.empty() && ops == 0;
  if (literal_at == packets.size() || (ops != 0 && ops != sigs.size())
      || (prefix_sigs && literal_at != sigs.size())) {
    return malformed();
  }
  DCBOT_TRY(auto literal, parse_literal(packets[literal_at].body));
  std::optional<Bytes> text;  // The canonical form, made once if a text signature needs it.
  for (std::size_t k = 0; k < sigs.size(); ++k) {
    const Signature& sig = sigs[k];
    SignatureInfo info;
    info.created = sig.created.value_or(0);
    info.intended_recipients = sig.intended_recipients;
    if (sig.issuer_fingerprint) {
      info.signer = *sig.issuer_fingerprint;
    } else if (sig.issuer_fpr.size() >= info.signer.size()) {
      std::copy_n(sig.issuer_fpr.begin(), info.signer.size(), info.signer.begin());
    }
    // One-pass signatures nest: the first OPS goes with the last signature (RFC 9580 §5.4).
    bool salt_ok = ops == 0 || ops_salts[ops - 1 - k].empty() || ops_salts[ops - 1 - k] == sig.salt;
    if (sig.type == kSigText && !text) {
      text = canonical_text(literal.data);
    }
    ByteView signed_data = sig.type == kSigText ? ByteView(*text) : ByteView(literal.data);
    if ((sig.type == kSigBinary || sig.type == kSigText) && salt_ok) {
      for (const Certificate* cert : verifiers) {
        if (cert != nullptr && sig.may_be_from(cert->primary())
            && verify_signature(sig, signed_data, cert->primary())) {
          info.signer = cert->fingerprint();
          info.valid = true;
          break;
        }
      }
    }
    out.signatures.push_back(std::move(info));
  }
  out.plaintext = std::move(literal.data);
  return {};
}

Bytes u32_bytes(std::uint32_t v) {
  Bytes b;
  put_u32be(b, v);
  return b;
}

// OPS + Literal('b', "", 0) + Signature (PROTOCOL.md §1.3), optionally compressed.
Result<Bytes> build_inner(ByteView plaintext, const SecretKey* signer,
                          std::span<const Fingerprint> irfs, bool symmetric,
                          EncryptOptions options) {
  Bytes packets;
  Bytes literal{'b', 0, 0, 0, 0, 0};
  append(literal, plaintext);
  if (signer == nullptr) {
    write_packet(packets, Tag::Literal, literal);
  } else {
    const PublicKey& primary = signer->certificate().primary();
    if (primary.version != 4 || primary.algo != kAlgoEdDsaLegacy) {
      return make_error(Errc::Unsupported, "pgp: signing needs a v4 ed25519legacy key");
    }
    Bytes ops{3, kSigBinary, 8, kAlgoEdDsaLegacy};
    append(ops, primary.key_id());
    ops.push_back(1);
    write_packet(packets, Tag::OnePassSignature, ops);
    write_packet(packets, Tag::Literal, literal);
    Bytes fpr{4};
    append(fpr, primary.fingerprint());
    Bytes hashed;
    if (symmetric) {
      write_subpacket(hashed, kSubIssuerFingerprint, false, fpr);
      write_subpacket(hashed, kSubCreated, false, u32_bytes(options.now));
    } else {
      write_subpacket(hashed, kSubCreated, true, u32_bytes(options.now));
      for (const Fingerprint& f : irfs) {
        Bytes irf{4};
        append(irf, f);
        write_subpacket(hashed, kSubIntendedRecipient, false, irf);
      }
      write_subpacket(hashed, kSubIssuerFingerprint, false, fpr);
    }
    Bytes unhashed;
    write_subpacket(unhashed, kSubIssuerKeyId, false, primary.key_id());
    DCBOT_TRY(auto sig, make_signature(kSigBinary, std::move(hashed), std::move(unhashed),
                                       plaintext, signer->signing_seed()));
    write_packet(packets, Tag::Signature, sig.serialize());
  }
  if (!options.compress) {
    return packets;
  }
  Bytes compressed{kCompressionZlib};
  append(compressed, compress(kCompressionZlib, packets));
  Bytes out;
  write_packet(out, Tag::Compressed, compressed);
  return out;
}

}  // namespace

bool Decrypted::is_signed() const {
  return std::any_of(signatures.begin(), signatures.end(),
                     [](const SignatureInfo& s) { return s.valid; });
}

namespace {

// PKESKs for `keys` (in order) + SEIPD, signed inside by `signer` when not null.
Result<Bytes> encrypt_to_keys(ByteView plaintext, const std::vector<const Certificate*>& keys,
                              const SecretKey* signer, EncryptOptions options) {
  bool v2 = true;
  std::vector<Fingerprint> irfs;
  for (const Certificate* c : keys) {
    if (c->encryption_key() == nullptr) {
      return make_error(Errc::Unsupported,
                        "pgp: certificate has no cv25519 or x25519 encryption key");
    }
    v2 = v2 && c->supports_seipdv2();
    irfs.push_back(c->fingerprint());
  }
  DCBOT_TRY(auto inner, build_inner(plaintext, signer, irfs, false, options));
  SessionKey sk = new_session_key();
  Bytes out;
  for (const Certificate* c : keys) {
    DCBOT_TRY(auto esk, pkesk_encrypt(v2 ? 6 : 3, *c->encryption_key(), sk));
    write_packet(out, Tag::Pkesk, esk);
  }
  write_packet(out, Tag::Seipd, v2 ? seipd_v2_encrypt(inner, sk) : seipd_v1_encrypt(inner, sk));
  return out;
}

}  // namespace

Result<Bytes> encrypt(ByteView plaintext, const SecretKey& signer,
                      std::span<const Certificate* const> recipients, EncryptOptions options) {
  std::vector<const Certificate*> keys{&signer.certificate()};
  for (const Certificate* c : recipients) {
    DCBOT_CHECK(c != nullptr, "recipient certificate");
    if (c->fingerprint() != signer.fingerprint()) {
      keys.push_back(c);
    }
  }
  return encrypt_to_keys(plaintext, keys, &signer, options);
}

Result<Bytes> encrypt_to(ByteView plaintext, std::span<const Certificate* const> recipients,
                         const SecretKey* signer, EncryptOptions options) {
  if (recipients.empty()) {
    return make_error(Errc::InvalidArgument, "pgp: no recipients");
  }
  std::vector<const Certificate*> keys;
  for (const Certificate* c : recipients) {
    DCBOT_CHECK(c != nullptr, "recipient certificate");
    keys.push_back(c);
  }
  return encrypt_to_keys(plaintext, keys, signer, options);
}

Result<Bytes> sign_inline(ByteView plaintext, const SecretKey& signer, EncryptOptions options) {
  // The symmetric form of the signature: no intended recipients, since nothing is encrypted.
  return build_inner(plaintext, &signer, {}, true, options);
}

Result<Decrypted> verify_inline(ByteView message, std::span<const Certificate* const> verifiers,
                                std::size_t max_plaintext) {
  Decrypted out;
  DCBOT_TRY(parse_inner(message, max_plaintext, out, verifiers));
  return out;
}

Result<Bytes> encrypt_symmetric(ByteView plaintext, std::string_view password,
                                const SecretKey* signer, EncryptOptions options) {
  DCBOT_TRY(auto inner, build_inner(plaintext, signer, {}, true, options));
  SessionKey sk = new_session_key();
  Bytes out;
  write_packet(out, Tag::Skesk, skesk_v6_encrypt(sk, password));
  write_packet(out, Tag::Seipd, seipd_v2_encrypt(inner, sk));
  return out;
}

Result<Decrypted> decrypt(ByteView message, std::span<const SecretKey* const> keys,
                          std::span<const std::string> passwords,
                          std::span<const Certificate* const> verifiers,
                          std::size_t max_plaintext) {
  DCBOT_TRY(auto packets, parse_packets(message));
  drop_padding(packets);
  // Grammar (RFC 9580 §10.3, as the relay enforces it): ESKs, then exactly one SEIPD, last.
  if (packets.empty() || packets.size() > kMaxEsks + 1
      || packets.back().tag != static_cast<std::uint8_t>(Tag::Seipd)) {
    return make_error(Errc::Parse, "pgp: not an encrypted message");
  }
  std::size_t pkesks = 0;
  std::size_t skesks = 0;
  for (std::size_t i = 0; i + 1 < packets.size(); ++i) {
    auto tag = static_cast<Tag>(packets[i].tag);
    if (tag == Tag::Pkesk) {
      ++pkesks;
    } else if (tag == Tag::Skesk) {
      ++skesks;
    } else {
      return make_error(Errc::Parse, "pgp: unexpected packet before encrypted data");
    }
  }
  const Bytes& seipd = packets.back().body;
  if (seipd.empty() || (seipd[0] != 1 && seipd[0] != 2)) {
    return decryption_failed();
  }
  std::uint8_t seipd_version = seipd[0];
  ByteView seipd_data = ByteView(seipd).subspan(1);
  Decrypted out;
  std::optional<Bytes> inner;
  auto try_session = [&](const SessionKey& sk) {
    auto plain = seipd_version == 1 ? seipd_v1_decrypt(seipd_data, sk)
                                    : seipd_v2_decrypt(seipd_data, sk, max_plaintext);
    if (plain) {
      inner = std::move(*plain);
    }
  };
  for (std::size_t i = 0; i + 1 < packets.size() && !inner; ++i) {
    if (packets[i].tag != static_cast<std::uint8_t>(Tag::Pkesk)) {
      continue;
    }
    auto pkesk = parse_pkesk(packets[i].body);
    // A v6 ESK only goes with SEIPD v2 (RFC 9580 §5.1).
    if (!pkesk || (pkesk->version == 6 && seipd_version != 2)) {
      continue;
    }
    for (const SecretKey* key : keys) {
      for (const auto& d : key->decryptors()) {
        if (!pkesk_may_be_for(*pkesk, d.key)) {
          continue;
        }
        auto sk = pkesk_decrypt(*pkesk, d);
        if (sk && (seipd_version == 2 || sk->algo != 0)) {
          try_session(*sk);
        }
        if (inner) {
          break;
        }
      }
      if (inner) {
        break;
      }
    }
  }
  // Symmetric decryption only for a single SKESK (the core's DoS rule, PROTOCOL.md §1.4).
  if (!inner && skesks == 1 && pkesks == 0 && seipd_version == 2) {
    for (const std::string& password : passwords) {
      auto sk = skesk_v6_decrypt(packets[0].body, password);
      if (sk) {
        try_session(*sk);
      }
      if (inner) {
        out.was_symmetric = true;
        break;
      }
    }
  }
  if (!inner) {
    return decryption_failed();
  }
  DCBOT_TRY(parse_inner(*inner, max_plaintext, out, verifiers));
  return out;
}

}  // namespace dcbot::pgp
