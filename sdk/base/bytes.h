// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

// Byte buffers. Owned bytes are Bytes; read-only views are ByteView. Conversions between text and
// bytes copy; they never reinterpret encodings.
namespace dcbot {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

inline Bytes to_bytes(std::string_view s) {
  return {s.begin(), s.end()};
}

inline std::string to_string(ByteView b) {
  return {b.begin(), b.end()};
}

// A view of a string's bytes without copying; valid while `s` lives.
inline ByteView as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// Appends `b` to `out`.
inline void append(Bytes& out, ByteView b) {
  out.insert(out.end(), b.begin(), b.end());
}

inline void append(Bytes& out, std::string_view s) {
  out.insert(out.end(), s.begin(), s.end());
}

// Big-endian integer writers used by binary formats (OpenPGP, OCB).
inline void put_u16be(Bytes& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v));
}

inline void put_u32be(Bytes& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>(v >> shift));
  }
}

inline void put_u64be(Bytes& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>(v >> shift));
  }
}

}  // namespace dcbot
