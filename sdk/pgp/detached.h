// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/bytes.h"
#include "dcbot/result.h"
#include "pgp/key.h"
#include "pgp/message.h"

// Detached signatures over arbitrary bytes (RFC 9580 §5.2.1 type 0x00, §10.4): what `sop sign` and
// `sop verify` produce and check. Chat messages never use them (they sign inline, message.h); they
// exist for cross-implementation tests and tools. Binary signatures only: text-mode (0x01)
// signatures are parsed and reported, never valid.
namespace dcbot::pgp {

// One framed Signature packet by `signer`'s primary key over `data`: SHA-256, hashed creation time
// (`now`) and issuer fingerprint, unhashed issuer key id.
Result<Bytes> sign_detached(ByteView data, const SecretKey& signer, std::uint32_t now);

// Checks every Signature packet in `signatures` (one or more, binary) against `data` and the
// primary keys of `verifiers`. One SignatureInfo per packet, in order; signatures of unsupported
// versions or algorithms are reported as not valid. Errc::Parse if `signatures` holds anything but
// signature packets, or none.
Result<std::vector<SignatureInfo>> verify_detached(ByteView data, ByteView signatures,
                                                   std::span<const Certificate* const> verifiers);

}  // namespace dcbot::pgp
