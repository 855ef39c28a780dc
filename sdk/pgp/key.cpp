// SPDX-License-Identifier: MIT
#include "pgp/key.h"

#include <algorithm>

#include "crypto/ed25519.h"
#include "crypto/x25519.h"

namespace dcbot::pgp {
namespace {

constexpr std::size_t kMaxUserIds = 64;
constexpr std::size_t kMaxSubkeys = 64;
constexpr std::size_t kMaxUserIdLength = 4096;

bool is_certification(std::uint8_t type) {
  return type >= 0x10 && type <= 0x13;
}

// Keeps `candidate` in `slot` if it is newer.
void keep_newest(std::optional<Signature>& slot, Signature candidate) {
  if (!slot || candidate.created.value_or(0) >= slot->created.value_or(0)) {
    slot = std::move(candidate);
  }
}

// Verifies a self-signature over `data`; a signature issued by another key is skipped (nullopt).
Result<std::optional<Signature>> check_self_sig(const Packet& p, const PublicKey& primary,
                                                ByteView data) {
  DCBOT_TRY(auto sig, parse_signature(p.body));
  if (!sig.may_be_from(primary)) {
    return std::optional<Signature>{};
  }
  auto ok = verify_signature(sig, data, primary);
  if (!ok) {
    return make_error(Errc::Crypto, "pgp: certificate self-signature does not verify");
  }
  return std::optional<Signature>{std::move(sig)};
}

// Reads the unencrypted secret part (RFC 9580 §5.5.3): usage 0, MPIs, 2-octet sum checksum.
Result<Bytes> read_secret_mpi(ByteView part) {
  ByteReader r(part);
  DCBOT_TRY(auto usage, r.u8());
  if (usage != 0) {
    return make_error(Errc::Unsupported, "pgp: encrypted secret keys are not supported");
  }
  std::size_t start = r.position();
  DCBOT_TRY(auto mpi, read_mpi(r));
  ByteView mpi_bytes = part.subspan(start, r.position() - start);
  DCBOT_TRY(auto checksum, r.u16());
  if (!r.empty()) {
    return make_error(Errc::Parse, "pgp: trailing bytes in secret key");
  }
  std::uint32_t sum = 0;
  for (std::uint8_t b : mpi_bytes) {
    sum += b;
  }
  if ((sum & 0xFFFF) != checksum) {
    return make_error(Errc::Parse, "pgp: secret key checksum mismatch");
  }
  return mpi;
}

// Reads the unencrypted secret key material of `key` (RFC 9580 §5.5.3, §5.5.5): 32 octets, the
// Ed25519 seed or the little-endian X25519 scalar. Legacy keys hold an MPI (the cv25519 scalar
// big-endian); native keys hold the raw octets, followed by the two-octet checksum in v4 keys
// only (v6 keys have none).
Result<crypto::SecretBytes> read_secret_material(ByteView part, const PublicKey& key) {
  if (key.algo == kAlgoEdDsaLegacy || key.algo == kAlgoEcdh) {
    DCBOT_TRY(auto mpi, read_secret_mpi(part));
    if (mpi.size() > 32) {
      crypto::secure_wipe(mpi.data(), mpi.size());
      return make_error(Errc::Parse, "pgp: bad secret key size");
    }
    if (key.algo == kAlgoEcdh) {
      auto scalar = crypto::x25519_secret_from_legacy_mpi(mpi);
      crypto::secure_wipe(mpi.data(), mpi.size());
      if (!scalar) {
        return make_error(Errc::Parse, "pgp: bad cv25519 secret");
      }
      return std::move(*scalar);
    }
    Bytes padded(32 - mpi.size(), 0);
    append(padded, mpi);
    crypto::SecretBytes seed(padded);
    crypto::secure_wipe(padded.data(), padded.size());
    crypto::secure_wipe(mpi.data(), mpi.size());
    return seed;
  }
  ByteReader r(part);
  DCBOT_TRY(auto usage, r.u8());
  if (usage != 0) {
    return make_error(Errc::Unsupported, "pgp: encrypted secret keys are not supported");
  }
  DCBOT_TRY(auto raw, r.take(32));
  if (key.version == 4) {
    DCBOT_TRY(auto checksum, r.u16());
    std::uint32_t sum = 0;
    for (std::uint8_t b : raw) {
      sum += b;
    }
    if ((sum & 0xFFFF) != checksum) {
      return make_error(Errc::Parse, "pgp: secret key checksum mismatch");
    }
  }
  if (!r.empty()) {
    return make_error(Errc::Parse, "pgp: trailing bytes in secret key");
  }
  return crypto::SecretBytes(raw);
}

Bytes secret_part(ByteView mpi_value) {
  Bytes mpi;
  write_mpi(mpi, mpi_value);
  Bytes out{0};
  append(out, mpi);
  std::uint32_t sum = 0;
  for (std::uint8_t b : mpi) {
    sum += b;
  }
  put_u16be(out, static_cast<std::uint16_t>(sum));
  return out;
}

// The secret part of `key`'s packet for the 32-octet `secret` (seed or little-endian scalar).
Bytes secret_material(const PublicKey& key, const crypto::SecretBytes& secret) {
  if (key.algo == kAlgoEcdh) {
    auto big_endian = crypto::x25519_secret_to_legacy_mpi(secret.view());
    DCBOT_CHECK(big_endian.has_value(), "scalar is 32 bytes");
    return secret_part(big_endian->view());
  }
  if (key.algo == kAlgoEdDsaLegacy) {
    return secret_part(secret.view());
  }
  Bytes out{0};
  append(out, secret.view());
  if (key.version == 4) {
    std::uint32_t sum = 0;
    for (std::uint8_t b : secret.view()) {
      sum += b;
    }
    put_u16be(out, static_cast<std::uint16_t>(sum));
  }
  return out;
}

void write_sig(Bytes& out, const Signature& sig) {
  write_packet(out, Tag::Signature, sig.serialize());
}

}  // namespace

Result<Certificate> Certificate::from_packets(std::vector<Packet> packets, bool secret,
                                              std::vector<Bytes>* secret_parts) {
  Tag primary_tag = secret ? Tag::SecretKey : Tag::PublicKey;
  Tag sub_tag = secret ? Tag::SecretSubkey : Tag::PublicSubkey;
  if (packets.empty() || packets[0].tag != static_cast<std::uint8_t>(primary_tag)) {
    return make_error(Errc::Parse, "pgp: certificate does not start with a primary key");
  }
  Certificate cert;
  auto read_key = [&](const Packet& p) -> Result<PublicKey> {
    ByteReader r(p.body);
    DCBOT_TRY(auto key, read_public_key(r));
    if (secret) {
      secret_parts->emplace_back(r.rest().begin(), r.rest().end());
    } else if (!r.empty()) {
      return make_error(Errc::Parse, "pgp: trailing bytes in key packet");
    }
    return key;
  };
  DCBOT_TRY(cert.primary_, read_key(packets[0]));
  if (!cert.primary_.is_ed25519()) {
    return make_error(Errc::Unsupported, "pgp: primary key is not ed25519 (v4 or v6)");
  }
  Bytes primary_data = key_signature_data(cert.primary_, nullptr, nullptr);
  enum class Section { Primary, UserId, Skip, Subkey } section = Section::Primary;
  std::optional<Signature> current;
  std::string uid;
  PublicKey subkey;
  // Closes the component being read: a user id needs a valid certification, a subkey a binding.
  auto finish = [&]() -> Result<void> {
    if (section == Section::UserId && current) {
      cert.user_ids_.push_back(uid);
      cert.user_id_certs_.push_back(std::move(*current));
    } else if (section == Section::Subkey) {
      if (!current) {
        return make_error(Errc::Crypto, "pgp: subkey without a valid binding signature");
      }
      cert.subkeys_.push_back(Subkey{subkey, std::move(*current)});
    }
    current.reset();
    return {};
  };
  for (std::size_t i = 1; i < packets.size(); ++i) {
    const Packet& p = packets[i];
    auto tag = static_cast<Tag>(p.tag);
    if (tag == Tag::Signature) {
      DCBOT_TRY(auto type_peek, parse_signature(p.body));
      std::uint8_t type = type_peek.type;
      if (section == Section::Primary && type == kSigDirectKey) {
        DCBOT_TRY(auto sig, check_self_sig(p, cert.primary_, primary_data));
        if (sig) {
          keep_newest(cert.direct_key_, std::move(*sig));
        }
      } else if (section == Section::UserId && is_certification(type)) {
        DCBOT_TRY(auto sig, check_self_sig(p, cert.primary_,
                                           key_signature_data(cert.primary_, &uid, nullptr)));
        if (sig) {
          keep_newest(current, std::move(*sig));
        }
      } else if (section == Section::Subkey && type == kSigSubkeyBinding) {
        DCBOT_TRY(auto sig, check_self_sig(p, cert.primary_,
                                           key_signature_data(cert.primary_, nullptr, &subkey)));
        if (sig) {
          keep_newest(current, std::move(*sig));
        }
      }
      // Revocations, third-party certifications and misplaced signatures are dropped.
      continue;
    }
    if (tag == Tag::Trust || tag == Tag::Padding || tag == Tag::Marker) {
      continue;
    }
    DCBOT_TRY(finish());
    if (tag == Tag::UserId) {
      if (p.body.size() > kMaxUserIdLength || cert.user_ids_.size() >= kMaxUserIds) {
        return make_error(Errc::Parse, "pgp: too many or too long user ids");
      }
      uid = to_string(p.body);
      section = Section::UserId;
    } else if (tag == Tag::UserAttribute) {
      section = Section::Skip;
    } else if (tag == sub_tag) {
      if (cert.subkeys_.size() >= kMaxSubkeys) {
        return make_error(Errc::Parse, "pgp: too many subkeys");
      }
      DCBOT_TRY(subkey, read_key(p));
      section = Section::Subkey;
    } else {
      return make_error(Errc::Parse, "pgp: unexpected packet in certificate");
    }
  }
  DCBOT_TRY(finish());
  if (!cert.direct_key_ && cert.user_ids_.empty()) {
    return make_error(Errc::Crypto, "pgp: certificate has no valid self-signature");
  }
  return cert;
}

Result<Certificate> Certificate::parse(ByteView data) {
  DCBOT_TRY(auto packets, parse_packets(data));
  return from_packets(std::move(packets), false, nullptr);
}

Result<Certificate> Certificate::from_armored(std::string_view text) {
  DCBOT_TRY(auto armored, armor_decode(text));
  if (armored.kind != ArmorKind::PublicKey) {
    return make_error(Errc::Parse, "pgp: not a public key block");
  }
  return parse(armored.data);
}

const PublicKey* Certificate::encryption_key() const {
  for (const Subkey& sk : subkeys_) {
    // Unlike the core, a binding whose key flags leave out both encryption bits (0x04, 0x08)
    // takes the subkey out of the choice (SECURITY.md 21, 2019 L5); no flags at all still counts.
    if (sk.binding.key_flags && (*sk.binding.key_flags & 0x0C) == 0) {
      continue;
    }
    if (sk.key.algo == kAlgoEcdh || sk.key.algo == 1 || sk.key.algo == 2 || sk.key.algo == 16
        || sk.key.algo == kAlgoX25519 || sk.key.algo == 26) {
      return sk.key.is_cv25519() || sk.key.is_x25519() ? &sk.key : nullptr;
    }
  }
  return nullptr;
}

bool Certificate::supports_seipdv2() const {
  auto has = [](const Signature& s) {
    return s.features && (*s.features & 0x08) != 0;
  };
  if (direct_key_ && has(*direct_key_)) {
    return true;
  }
  return std::any_of(user_id_certs_.begin(), user_id_certs_.end(), has);
}

std::optional<std::uint8_t> Certificate::primary_key_flags() const {
  if (direct_key_ && direct_key_->key_flags) {
    return direct_key_->key_flags;
  }
  for (const Signature& s : user_id_certs_) {
    if (s.key_flags) {
      return s.key_flags;
    }
  }
  return std::nullopt;
}

std::vector<std::string> Certificate::relays() const {
  std::vector<std::string> out;
  if (!direct_key_) {
    return out;
  }
  for (const Notation& n : direct_key_->notations) {
    if (n.name != kRelaysNotation) {
      continue;
    }
    std::string_view rest = n.value;
    while (!rest.empty()) {
      auto comma = rest.find(',');
      std::string_view item = rest.substr(0, comma);
      while (!item.empty() && item.front() == ' ') {
        item.remove_prefix(1);
      }
      while (!item.empty() && item.back() == ' ') {
        item.remove_suffix(1);
      }
      if (!item.empty()) {
        out.emplace_back(item);
      }
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
  }
  return out;
}

std::uint32_t Certificate::self_signature_time() const {
  std::uint32_t t = direct_key_ ? direct_key_->created.value_or(0) : 0;
  for (const Signature& s : user_id_certs_) {
    t = std::max(t, s.created.value_or(0));
  }
  return t;
}

Bytes Certificate::serialize() const {
  Bytes out;
  write_packet(out, Tag::PublicKey, primary_.body);
  if (direct_key_) {
    write_sig(out, *direct_key_);
  }
  for (std::size_t i = 0; i < user_ids_.size(); ++i) {
    write_packet(out, Tag::UserId, as_bytes(user_ids_[i]));
    write_sig(out, user_id_certs_[i]);
  }
  for (const Subkey& sk : subkeys_) {
    write_packet(out, Tag::PublicSubkey, sk.key.body);
    write_sig(out, sk.binding);
  }
  return out;
}

std::string Certificate::to_armored(LineEnding eol) const {
  return armor_encode(serialize(), ArmorKind::PublicKey, eol);
}

namespace {

Bytes u32_bytes(std::uint32_t v) {
  Bytes b;
  put_u32be(b, v);
  return b;
}

Bytes issuer_fpr_data(const Fingerprint& f) {
  Bytes b{4};
  append(b, f);
  return b;
}

// The hashed subpackets shared by the direct-key signature and the user id certification, in the
// core's order (PROTOCOL.md §1.1).
Bytes primary_preferences(std::uint32_t now, const Fingerprint& fpr, bool with_relays,
                          std::string_view relays, bool seipdv2) {
  Bytes area;
  write_subpacket(area, kSubCreated, false, u32_bytes(now));
  write_subpacket(area, kSubIssuerFingerprint, false, issuer_fpr_data(fpr));
  write_subpacket(area, kSubKeyFlags, false, Bytes{0x03});
  write_subpacket(area, kSubFeatures, false,
                  Bytes{static_cast<std::uint8_t>(seipdv2 ? 0x09 : 0x01)});
  write_subpacket(area, kSubPreferredSymmetric, false, Bytes{9, 8, 7});
  write_subpacket(area, kSubPreferredHash, false, Bytes{8, 9, 10, 11});
  write_subpacket(area, kSubPreferredCompression, false, Bytes{2, 1});
  write_subpacket(area, kSubPreferredAead, false, Bytes{9, 2});
  write_subpacket(area, kSubPrimaryUserId, false, Bytes{1});
  if (with_relays) {
    // RFC 9580 §5.2.3.24: human-readable flag, name and value lengths, name, value.
    Bytes n{0x80, 0, 0, 0};
    put_u16be(n, static_cast<std::uint16_t>(kRelaysNotation.size()));
    put_u16be(n, static_cast<std::uint16_t>(relays.size()));
    append(n, kRelaysNotation);
    append(n, relays);
    write_subpacket(area, kSubNotation, false, n);
  }
  return area;
}

Bytes issuer_key_id_area(const KeyId& id) {
  Bytes area;
  write_subpacket(area, kSubIssuerKeyId, false, id);
  return area;
}

}  // namespace

Result<SecretKey> SecretKey::generate(std::string_view addr, const std::vector<std::string>& relays,
                                      std::uint32_t now, bool seipdv2) {
  std::string joined;
  for (const std::string& r : relays) {
    if (r.empty() || r.find(',') != std::string::npos) {
      return make_error(Errc::InvalidArgument, "pgp: bad relay address");
    }
    joined += (joined.empty() ? "" : ",") + r;
  }
  if (addr.empty() || joined.size() > 4096) {
    return make_error(Errc::InvalidArgument, "pgp: bad address");
  }
  auto ed = crypto::ed25519_generate();
  auto x = crypto::x25519_generate();
  SecretKey key;
  Certificate& cert = key.cert_;
  cert.primary_ = make_ed25519_public_key(now, ed.public_key);
  Fingerprint fpr = cert.primary_.fingerprint();
  DCBOT_TRY(
      auto dks,
      make_signature(kSigDirectKey, primary_preferences(now, fpr, !joined.empty(), joined, seipdv2),
                     {}, key_signature_data(cert.primary_, nullptr, nullptr), ed.seed));
  cert.direct_key_ = std::move(dks);
  std::string uid = "<" + std::string(addr) + ">";
  DCBOT_TRY(auto uid_sig,
            make_signature(kSigPositiveCert, primary_preferences(now, fpr, false, {}, seipdv2),
                           issuer_key_id_area(cert.primary_.key_id()),
                           key_signature_data(cert.primary_, &uid, nullptr), ed.seed));
  cert.user_ids_.push_back(uid);
  cert.user_id_certs_.push_back(std::move(uid_sig));
  PublicKey sub = make_cv25519_public_key(now, x.public_key);
  Bytes binding_area;
  write_subpacket(binding_area, kSubCreated, false, u32_bytes(now));
  write_subpacket(binding_area, kSubKeyFlags, false, Bytes{0x0C});
  write_subpacket(binding_area, kSubIssuerFingerprint, false, issuer_fpr_data(fpr));
  DCBOT_TRY(auto binding,
            make_signature(kSigSubkeyBinding, std::move(binding_area),
                           issuer_key_id_area(cert.primary_.key_id()),
                           key_signature_data(cert.primary_, nullptr, &sub), ed.seed));
  cert.subkeys_.push_back(Certificate::Subkey{sub, std::move(binding)});
  key.signing_seed_ = std::move(ed.seed);
  key.decryptors_.push_back(Decryptor{std::move(sub), std::move(x.secret)});
  return key;
}

Result<SecretKey> SecretKey::parse(ByteView data) {
  DCBOT_TRY(auto packets, parse_packets(data));
  std::vector<Bytes> parts;
  DCBOT_TRY(auto cert, Certificate::from_packets(std::move(packets), true, &parts));
  SecretKey key;
  DCBOT_TRY(key.signing_seed_, read_secret_material(parts.at(0), cert.primary()));
  DCBOT_TRY(auto pub, crypto::ed25519_public_from_seed(key.signing_seed_.view()));
  if (pub != cert.primary().point) {
    return make_error(Errc::Crypto, "pgp: secret key does not match its public key");
  }
  // Subkeys dropped by the certificate parser are impossible (it refuses instead), so the secret
  // parts line up with the subkeys.
  for (std::size_t i = 0; i < cert.subkeys_.size(); ++i) {
    const PublicKey& sub = cert.subkeys_[i].key;
    if (!sub.is_cv25519() && !sub.is_x25519()) {
      continue;
    }
    DCBOT_TRY(auto scalar, read_secret_material(parts.at(i + 1), sub));
    DCBOT_TRY(auto sub_pub, crypto::x25519_public_from_secret(scalar.view()));
    if (sub_pub != sub.point) {
      return make_error(Errc::Crypto, "pgp: secret subkey does not match its public key");
    }
    key.decryptors_.push_back(Decryptor{sub, std::move(scalar)});
  }
  key.cert_ = std::move(cert);
  return key;
}

Result<SecretKey> SecretKey::from_armored(std::string_view text) {
  DCBOT_TRY(auto armored, armor_decode(text));
  if (armored.kind != ArmorKind::PrivateKey) {
    return make_error(Errc::Parse, "pgp: not a private key block");
  }
  return parse(armored.data);
}

Bytes SecretKey::serialize() const {
  Bytes out;
  Bytes primary = cert_.primary_.body;
  append(primary, secret_material(cert_.primary_, signing_seed_));
  write_packet(out, Tag::SecretKey, primary);
  crypto::secure_wipe(primary.data(), primary.size());
  if (cert_.direct_key_) {
    write_sig(out, *cert_.direct_key_);
  }
  for (std::size_t i = 0; i < cert_.user_ids_.size(); ++i) {
    write_packet(out, Tag::UserId, as_bytes(cert_.user_ids_[i]));
    write_sig(out, cert_.user_id_certs_[i]);
  }
  for (const Decryptor& d : decryptors_) {
    Bytes body = d.key.body;
    append(body, secret_material(d.key, d.scalar));
    write_packet(out, Tag::SecretSubkey, body);
    crypto::secure_wipe(body.data(), body.size());
    for (const auto& sk : cert_.subkeys_) {
      if (sk.key.body == d.key.body) {
        write_sig(out, sk.binding);
        break;
      }
    }
  }
  return out;
}

std::string SecretKey::to_armored(LineEnding eol) const {
  Bytes bin = serialize();
  std::string text = armor_encode(bin, ArmorKind::PrivateKey, eol);
  crypto::secure_wipe(bin.data(), bin.size());
  return text;
}

}  // namespace dcbot::pgp
