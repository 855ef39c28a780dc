// SPDX-License-Identifier: MIT
#include "pgp/detached.h"

#include "pgp/packet.h"
#include "pgp/signature.h"

namespace dcbot::pgp {

Result<Bytes> sign_detached(ByteView data, const SecretKey& signer, std::uint32_t now) {
  const PublicKey& primary = signer.certificate().primary();
  if (primary.version != 4 || primary.algo != kAlgoEdDsaLegacy) {
    return make_error(Errc::Unsupported, "pgp: signing needs a v4 ed25519legacy key");
  }
  Bytes created;
  put_u32be(created, now);
  Bytes fpr{4};
  append(fpr, primary.fingerprint());
  Bytes hashed;
  // Critical creation time, like the core's message signatures (PROTOCOL.md §1.3).
  write_subpacket(hashed, kSubCreated, true, created);
  write_subpacket(hashed, kSubIssuerFingerprint, false, fpr);
  Bytes unhashed;
  write_subpacket(unhashed, kSubIssuerKeyId, false, primary.key_id());
  DCBOT_TRY(auto sig, make_signature(kSigBinary, std::move(hashed), std::move(unhashed), data,
                                     signer.signing_seed()));
  Bytes out;
  write_packet(out, Tag::Signature, sig.serialize());
  return out;
}

Result<std::vector<SignatureInfo>> verify_detached(ByteView data, ByteView signatures,
                                                   std::span<const Certificate* const> verifiers) {
  DCBOT_TRY(auto packets, parse_packets(signatures));
  if (packets.empty()) {
    return make_error(Errc::Parse, "pgp: no signature");
  }
  std::vector<SignatureInfo> out;
  for (const Packet& p : packets) {
    if (p.tag != static_cast<std::uint8_t>(Tag::Signature)) {
      return make_error(Errc::Parse, "pgp: not a signature packet");
    }
    SignatureInfo info;
    auto sig = parse_signature(p.body);
    if (!sig) {
      if (sig.error().code == Errc::Parse) {
        return sig.error();
      }
      out.push_back(info);  // Another version: reported, never valid.
      continue;
    }
    info.created = sig->created.value_or(0);
    info.intended_recipients = sig->intended_recipients;
    if (sig->issuer_fingerprint) {
      info.signer = *sig->issuer_fingerprint;
    }
    if (sig->type == kSigBinary) {
      for (const Certificate* cert : verifiers) {
        if (cert != nullptr && sig->may_be_from(cert->primary())
            && verify_signature(*sig, data, cert->primary())) {
          info.signer = cert->fingerprint();
          info.valid = true;
          break;
        }
      }
    }
    out.push_back(std::move(info));
  }
  return out;
}

}  // namespace dcbot::pgp
