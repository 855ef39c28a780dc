// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/bytes.h"
#include "dcbot/result.h"

// The Compressed Data packet's algorithms (RFC 9580 §5.6, §9.4): ZIP (raw deflate, RFC 1951) and
// ZLIB (RFC 1950). BZip2 is not supported, like in the core. Output is capped twice so a deflate
// bomb fails instead of exhausting memory (SECURITY.md 10): by an absolute size the caller passes
// (message.h: kMaxPlaintext by default) and by a compression ratio.
namespace dcbot::pgp {

inline constexpr std::uint8_t kCompressionNone = 0;
inline constexpr std::uint8_t kCompressionZip = 1;
inline constexpr std::uint8_t kCompressionZlib = 2;

// The ratio cap: beyond kRatioFreeOutput, the output may be at most kMaxCompressionRatio times
// the size of the compressed stream. Deflate reaches about 1032:1 on runs of one byte; the core's
// chat mails inflate at 1.6:1 to 8.5:1 (tests/data/core-2.62), and any output up to 1 MiB is
// allowed whatever its ratio, so short repetitive messages are never refused. What is refused: a
// message over 1 MiB at more than 100:1, such as a large file of zeros as an attachment. The cap
// limits what a small message can make us allocate: 100 KiB of compressed data yields <= 10 MiB.
inline constexpr std::size_t kMaxCompressionRatio = 100;
inline constexpr std::size_t kRatioFreeOutput = std::size_t{1} << 20;

// The output limit decompress() applies to `compressed_size` octets of compressed data:
// min(max_output, max(kRatioFreeOutput, max_ratio * compressed_size)); max_ratio 0 disables the
// ratio cap.
std::size_t decompressed_limit(std::size_t compressed_size, std::size_t max_output,
                               std::size_t max_ratio = kMaxCompressionRatio);

// Inflates `data` compressed with `algo` (0 returns a copy). Inflation is streamed in 16 KiB steps
// and stops as soon as the output passes decompressed_limit(data.size(), max_output, max_ratio),
// so no more than the limit is ever allocated. Errc::Parse for a corrupt or truncated stream,
// bytes after the end of the stream, or output over the limit (one error, "pgp: decompressed data
// too large", for both caps; it names no size); Errc::Unsupported for other algorithms.
Result<Bytes> decompress(std::uint8_t algo, ByteView data, std::size_t max_output,
                         std::size_t max_ratio = kMaxCompressionRatio);

// Deflates `data` with `algo` (ZIP or ZLIB) at the default level, with the smallest window (and
// hash table) that holds all of `data`: 512 B to 32 KiB. Any inflater reads the result; a ZLIB
// stream's header announces the window (CINFO).
Bytes compress(std::uint8_t algo, ByteView data);

}  // namespace dcbot::pgp
