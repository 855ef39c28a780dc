// SPDX-License-Identifier: MIT
#include "pgp/compress.h"

#include <algorithm>
#include <array>
#include <limits>

#include <zlib.h>

namespace dcbot::pgp {
namespace {

// zlib's windowBits: negative selects raw deflate (ZIP in OpenPGP terms). Inflating always uses
// the largest window, which reads a stream made with any smaller one.
int window_bits(std::uint8_t algo) {
  return algo == kCompressionZip ? -15 : 15;
}

// deflate's window and hash sizes for `size` input bytes. zlib's defaults (32 KiB window, memLevel
// 8) make deflateInit2 allocate ~256 KiB and clear its 64 KiB hash head, eight times what a chat
// message of a few KiB can use: a back-reference never reaches further than the input's start, so
// a window that holds the whole input (plus deflate's 262-byte lookahead) compresses it as well.
// memLevel follows the window (hash bits = window bits, as in zlib's own default pair 15/8). In
// bench/echo this did not change the peak RSS measurably (the heap reuses the freed blocks); it
// saves the allocation and the clearing per message.
constexpr int kMinDeflateWindowBits = 9;  // zlib's smallest (8 is raised to 9; raw refuses 8)

struct DeflateSize {
  int window_bits;
  int mem_level;
};

DeflateSize deflate_size(std::size_t size) {
  int bits = kMinDeflateWindowBits;
  while (bits < 15 && (std::size_t{1} << bits) < size + 262) {
    ++bits;
  }
  return {bits, std::max(1, bits - 7)};
}

// zlib counts in uInt; feed at most this much per call.
constexpr std::size_t kStep = 1u << 20;

Error too_large() {
  return make_error(Errc::Parse, "pgp: decompressed data too large");
}

}  // namespace

std::size_t decompressed_limit(std::size_t compressed_size, std::size_t max_output,
                               std::size_t max_ratio) {
  if (max_ratio == 0 || compressed_size > std::numeric_limits<std::size_t>::max() / max_ratio) {
    return max_output;
  }
  return std::min(max_output, std::max(kRatioFreeOutput, compressed_size * max_ratio));
}

Result<Bytes> decompress(std::uint8_t algo, ByteView data, std::size_t max_output,
                         std::size_t max_ratio) {
  if (algo == kCompressionNone) {
    if (data.size() > max_output) {
      return too_large();
    }
    return Bytes(data.begin(), data.end());
  }
  // Both caps in one number: the whole compressed stream is known up front, so the ratio cap is
  // a bound on the output like the absolute one, enforced while inflating.
  const std::size_t limit = decompressed_limit(data.size(), max_output, max_ratio);
  if (algo != kCompressionZip && algo != kCompressionZlib) {
    return make_error(Errc::Unsupported, "pgp: unsupported compression algorithm");
  }
  z_stream zs{};
  if (inflateInit2(&zs, window_bits(algo)) != Z_OK) {
    return make_error(Errc::Internal, "pgp: inflateInit failed");
  }
  Bytes out;
  std::array<std::uint8_t, 16384> buf{};
  std::size_t in_pos = 0;
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    if (zs.avail_in == 0 && in_pos < data.size()) {
      std::size_t n = std::min(kStep, data.size() - in_pos);
      // zlib's API is not const-correct; it never writes through next_in.
      zs.next_in = const_cast<Bytef*>(data.data() + in_pos);
      zs.avail_in = static_cast<uInt>(n);
      in_pos += n;
    }
    zs.next_out = buf.data();
    zs.avail_out = static_cast<uInt>(buf.size());
    rc = inflate(&zs, Z_NO_FLUSH);
    std::size_t produced = buf.size() - zs.avail_out;
    if (rc != Z_OK && rc != Z_STREAM_END) {
      if (rc == Z_BUF_ERROR && produced == 0 && zs.avail_in == 0 && in_pos == data.size()) {
        break;  // Input ended before the stream did.
      }
      if (rc != Z_BUF_ERROR) {
        break;
      }
    }
    if (out.size() + produced > limit) {
      inflateEnd(&zs);
      return too_large();
    }
    out.insert(out.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(produced));
  }
  bool trailing = zs.avail_in != 0 || in_pos != data.size();
  inflateEnd(&zs);
  if (rc != Z_STREAM_END || trailing) {
    return make_error(Errc::Parse, "pgp: corrupt compressed data");
  }
  return out;
}

Bytes compress(std::uint8_t algo, ByteView data) {
  DCBOT_CHECK(algo == kCompressionZip || algo == kCompressionZlib, "compress: zip or zlib");
  z_stream zs{};
  const DeflateSize sz = deflate_size(data.size());
  const int bits = algo == kCompressionZip ? -sz.window_bits : sz.window_bits;
  int rc =
      deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, bits, sz.mem_level, Z_DEFAULT_STRATEGY);
  DCBOT_CHECK(rc == Z_OK, "deflateInit2");
  Bytes out;
  std::array<std::uint8_t, 16384> buf{};
  std::size_t in_pos = 0;
  do {
    if (zs.avail_in == 0 && in_pos < data.size()) {
      std::size_t n = std::min(kStep, data.size() - in_pos);
      zs.next_in = const_cast<Bytef*>(data.data() + in_pos);
      zs.avail_in = static_cast<uInt>(n);
      in_pos += n;
    }
    int flush = (in_pos == data.size() && zs.avail_in == 0) ? Z_FINISH : Z_NO_FLUSH;
    zs.next_out = buf.data();
    zs.avail_out = static_cast<uInt>(buf.size());
    rc = deflate(&zs, flush);
    DCBOT_CHECK(rc != Z_STREAM_ERROR, "deflate");
    out.insert(out.end(), buf.begin(),
               buf.begin() + static_cast<std::ptrdiff_t>(buf.size() - zs.avail_out));
  } while (rc != Z_STREAM_END);
  deflateEnd(&zs);
  return out;
}

}  // namespace dcbot::pgp
