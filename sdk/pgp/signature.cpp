// SPDX-License-Identifier: MIT
#include "pgp/signature.h"

#include <algorithm>

#include "crypto/ed25519.h"
#include "crypto/hash.h"

namespace dcbot::pgp {
namespace {

// RFC 9580 §9.5 hash ids; SHA-1 and MD5 are refused for signatures.
std::optional<crypto::HashAlgo> signature_hash(std::uint8_t id) {
  switch (id) {
    case 8:
      return crypto::HashAlgo::Sha256;
    case 9:
      return crypto::HashAlgo::Sha384;
    case 10:
      return crypto::HashAlgo::Sha512;
    case 11:
      return crypto::HashAlgo::Sha224;
    default:
      return std::nullopt;
  }
}

// RFC 9580 §9.5: the salt size of v6 signatures for each hash.
std::size_t salt_size(std::uint8_t hash_id) {
  switch (hash_id) {
    case 9:
      return 24;
    case 10:
      return 32;
    default:
      return 16;
  }
}

Bytes left_pad(ByteView v, std::size_t n) {
  Bytes out(n - std::min(n, v.size()), 0);
  append(out, v);
  return out;
}

Result<void> interpret(Signature& sig, const std::vector<Subpacket>& area, bool hashed) {
  for (const Subpacket& sp : area) {
    bool known = true;
    switch (sp.type) {
      case kSubCreated:
        if (sp.data.size() != 4) {
          return make_error(Errc::Parse, "pgp: bad creation time subpacket");
        }
        if (hashed) {
          ByteReader r(sp.data);
          sig.created = *r.u32();
        }
        break;
      case kSubIssuerKeyId:
        if (sp.data.size() != 8) {
          return make_error(Errc::Parse, "pgp: bad issuer subpacket");
        }
        sig.issuer_key_id.emplace();
        std::copy(sp.data.begin(), sp.data.end(), sig.issuer_key_id->begin());
        break;
      case kSubIssuerFingerprint:
      case kSubIntendedRecipient: {
        // Key version octet, then 20 (v4) or 32 (v6) octets; other forms are kept out.
        bool v4 = sp.data.size() == 21 && sp.data[0] == 4;
        bool v6 = sp.data.size() == 33 && sp.data[0] == 6;
        if (!v4 && !v6) {
          known = false;
          break;
        }
        Fingerprint f{};
        std::copy(sp.data.begin() + 1, sp.data.begin() + 21, f.begin());
        if (sp.type == kSubIssuerFingerprint) {
          sig.issuer_fpr.assign(sp.data.begin() + 1, sp.data.end());
          if (v4) {
            sig.issuer_fingerprint = f;
          }
        } else if (hashed && v4) {
          // Our keys are v4, so a v6 recipient is never one of them: it is not reported.
          sig.intended_recipients.push_back(f);
        }
        break;
      }
      case kSubKeyFlags:
        if (hashed && !sp.data.empty()) {
          sig.key_flags = sp.data[0];
        }
        break;
      case kSubFeatures:
        if (hashed && !sp.data.empty()) {
          sig.features = sp.data[0];
        }
        break;
      case kSubNotation: {
        // RFC 9580 §5.2.3.24: flags(4) name-len(2) value-len(2) name value.
        ByteReader r(sp.data);
        auto flags = r.take(4);
        auto name_len = r.u16();
        auto value_len = r.u16();
        if (!flags || !name_len || !value_len || r.remaining() != *name_len + *value_len) {
          return make_error(Errc::Parse, "pgp: bad notation subpacket");
        }
        Notation n;
        n.name = to_string(*r.take(*name_len));
        n.value = to_string(*r.take(*value_len));
        known = n.name == kRelaysNotation;
        if (hashed) {
          sig.notations.push_back(std::move(n));
        }
        break;
      }
      case 3:  // Signature expiration: parsed by nobody, harmless to ignore.
      case 4:  // Exportable.
      case 9:  // Key expiration.
      case kSubPreferredSymmetric:
      case kSubPreferredHash:
      case kSubPreferredCompression:
      case 23:  // Key server preferences.
      case kSubPrimaryUserId:
      case kSubPreferredAead:
      // The primary-key binding of a signing subkey (§5.2.3.34); Sequoia marks it critical. We
      // never verify with subkeys (PROTOCOL.md §1.6), so the back-signature is not needed, but
      // its presence must not invalidate the binding and with it the whole certificate.
      case kSubEmbeddedSignature:
        break;
      default:
        known = false;
        break;
    }
    if (sp.critical && !known) {
      sig.unknown_critical = true;
    }
  }
  return {};
}

// The hashed trailer of v4 and v6 signatures (RFC 9580 §5.2.4); v6 hashed area lengths are
// four octets.
void hash_trailer(crypto::Hasher& h, const Signature& sig) {
  Bytes fields{sig.version, sig.type, sig.pk_algo, sig.hash_algo};
  if (sig.version == 6) {
    put_u32be(fields, static_cast<std::uint32_t>(sig.hashed_area.size()));
  } else {
    put_u16be(fields, static_cast<std::uint16_t>(sig.hashed_area.size()));
  }
  append(fields, sig.hashed_area);
  h.update(fields);
  Bytes trailer{sig.version, 0xFF};
  put_u32be(trailer, static_cast<std::uint32_t>(fields.size()));
  h.update(trailer);
}

}  // namespace

bool Signature::may_be_from(const PublicKey& key) const {
  if (!issuer_fpr.empty()) {
    return issuer_fpr == key.fingerprint_bytes();
  }
  if (issuer_key_id) {
    return *issuer_key_id == key.key_id();
  }
  return true;
}

Bytes Signature::serialize() const {
  Bytes out{version, type, pk_algo, hash_algo};
  auto put_len = [&](std::size_t n) {
    if (version == 6) {
      put_u32be(out, static_cast<std::uint32_t>(n));
    } else {
      put_u16be(out, static_cast<std::uint16_t>(n));
    }
  };
  put_len(hashed_area.size());
  append(out, hashed_area);
  put_len(unhashed_area.size());
  append(out, unhashed_area);
  append(out, hash_left);
  if (version == 6) {
    out.push_back(static_cast<std::uint8_t>(salt.size()));
    append(out, salt);
  }
  if (pk_algo == kAlgoEdDsaLegacy) {
    write_mpi(out, r);
    write_mpi(out, s);
  } else {
    append(out, r);
    append(out, s);
  }
  return out;
}

Result<Signature> parse_signature(ByteView body) {
  ByteReader rd(body);
  Signature sig;
  DCBOT_TRY(sig.version, rd.u8());
  if (sig.version != 4 && sig.version != 6) {
    return make_error(Errc::Unsupported, "pgp: signature version is not 4 or 6");
  }
  DCBOT_TRY(sig.type, rd.u8());
  DCBOT_TRY(sig.pk_algo, rd.u8());
  DCBOT_TRY(sig.hash_algo, rd.u8());
  // v6 subpacket areas have four-octet lengths (RFC 9580 §5.2.3).
  auto area_len = [&]() -> Result<std::size_t> {
    if (sig.version == 6) {
      DCBOT_TRY(auto n, rd.u32());
      return std::size_t{n};
    }
    DCBOT_TRY(auto n, rd.u16());
    return std::size_t{n};
  };
  DCBOT_TRY(auto hashed_len, area_len());
  DCBOT_TRY(auto hashed, rd.take(hashed_len));
  DCBOT_TRY(auto unhashed_len, area_len());
  DCBOT_TRY(auto unhashed, rd.take(unhashed_len));
  sig.hashed_area.assign(hashed.begin(), hashed.end());
  sig.unhashed_area.assign(unhashed.begin(), unhashed.end());
  DCBOT_TRY(auto left, rd.take(2));
  std::copy(left.begin(), left.end(), sig.hash_left.begin());
  if (sig.version == 6) {
    DCBOT_TRY(auto salt_len, rd.u8());
    DCBOT_TRY(auto salt, rd.take(salt_len));
    sig.salt.assign(salt.begin(), salt.end());
  }
  if (sig.pk_algo == kAlgoEdDsaLegacy) {
    DCBOT_TRY(sig.r, read_mpi(rd));
    DCBOT_TRY(sig.s, read_mpi(rd));
    if (sig.r.size() > 32 || sig.s.size() > 32 || !rd.empty()) {
      return make_error(Errc::Parse, "pgp: bad eddsa signature");
    }
  } else if (sig.pk_algo == kAlgoEd25519) {
    // RFC 9580 §5.2.3.4: 64 octets of the native signature.
    DCBOT_TRY(auto rs, rd.take(64));
    if (!rd.empty()) {
      return make_error(Errc::Parse, "pgp: bad ed25519 signature");
    }
    sig.r.assign(rs.begin(), rs.begin() + 32);
    sig.s.assign(rs.begin() + 32, rs.end());
  } else {
    DCBOT_TRY(rd.take(rd.remaining()));  // Kept opaque; never verifies.
  }
  DCBOT_TRY(auto hashed_sps, parse_subpackets(sig.hashed_area));
  DCBOT_TRY(auto unhashed_sps, parse_subpackets(sig.unhashed_area));
  DCBOT_TRY(interpret(sig, hashed_sps, true));
  bool critical_before = sig.unknown_critical;
  DCBOT_TRY(interpret(sig, unhashed_sps, false));
  sig.unknown_critical = critical_before;  // Unhashed criticality means nothing.
  return sig;
}

Result<void> verify_signature(const Signature& sig, ByteView data, const PublicKey& key) {
  auto fail = [] {
    return make_error(Errc::Crypto, "pgp: bad signature");
  };
  auto algo = signature_hash(sig.hash_algo);
  if (!algo || sig.pk_algo != key.algo || !key.is_ed25519() || sig.version != key.version
      || !sig.created || sig.unknown_critical
      || (sig.version == 6 && sig.salt.size() != salt_size(sig.hash_algo))) {
    return fail();
  }
  crypto::Hasher h(*algo);
  h.update(sig.salt);  // Empty for v4.
  h.update(data);
  hash_trailer(h, sig);
  Bytes digest = h.finish();
  if (digest[0] != sig.hash_left[0] || digest[1] != sig.hash_left[1]) {
    return fail();
  }
  Bytes rs = left_pad(sig.r, 32);
  append(rs, left_pad(sig.s, 32));
  if (!crypto::ed25519_verify(key.point, digest, rs)) {
    return fail();
  }
  return {};
}

Bytes key_signature_data(const PublicKey& primary, const std::string* user_id,
                         const PublicKey* subkey) {
  Bytes out = primary.hash_prefix();
  if (user_id != nullptr) {
    out.push_back(0xB4);
    put_u32be(out, static_cast<std::uint32_t>(user_id->size()));
    append(out, *user_id);
  }
  if (subkey != nullptr) {
    append(out, subkey->hash_prefix());
  }
  return out;
}

Bytes canonical_text(ByteView data) {
  Bytes out;
  out.reserve(data.size() + data.size() / 32);
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (data[i] == '\n' && (i == 0 || data[i - 1] != '\r')) {
      out.push_back('\r');
    }
    out.push_back(data[i]);
  }
  return out;
}

Result<Signature> make_signature(std::uint8_t type, Bytes hashed_area, Bytes unhashed_area,
                                 ByteView data, const crypto::SecretBytes& seed) {
  Signature sig;
  sig.type = type;
  sig.pk_algo = kAlgoEdDsaLegacy;
  sig.hash_algo = 8;  // SHA-256, like the core.
  sig.hashed_area = std::move(hashed_area);
  sig.unhashed_area = std::move(unhashed_area);
  crypto::Hasher h(crypto::HashAlgo::Sha256);
  h.update(data);
  hash_trailer(h, sig);
  Bytes digest = h.finish();
  sig.hash_left = {digest[0], digest[1]};
  DCBOT_TRY(auto rs, crypto::ed25519_sign(seed.view(), digest));
  sig.r.assign(rs.begin(), rs.begin() + 32);
  sig.s.assign(rs.begin() + 32, rs.end());
  // Re-parse to fill the interpreted fields exactly as a reader would see them.
  return parse_signature(sig.serialize());
}

}  // namespace dcbot::pgp
