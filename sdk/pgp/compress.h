// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/bytes.h"
#include "dcbot/result.h"

// The Compressed Data packet's algorithms (RFC 9580 §5.6, §9.4): ZIP (raw deflate, RFC 1951) and
// ZLIB (RFC 1950). BZip2 is not supported, like in the core. Output is capped so a deflate bomb
// fails instead of exhausting memory.
namespace dcbot::pgp {

inline constexpr std::uint8_t kCompressionNone = 0;
inline constexpr std::uint8_t kCompressionZip = 1;
inline constexpr std::uint8_t kCompressionZlib = 2;

// Inflates `data` compressed with `algo` (0 returns a copy). Errc::Parse for a corrupt or
// truncated stream, bytes after the end of the stream, or output over `max_output` bytes;
// Errc::Unsupported for other algorithms.
Result<Bytes> decompress(std::uint8_t algo, ByteView data, std::size_t max_output);

// Deflates `data` with `algo` (ZIP or ZLIB) at the default level.
Bytes compress(std::uint8_t algo, ByteView data);

}  // namespace dcbot::pgp
