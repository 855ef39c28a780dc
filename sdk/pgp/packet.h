// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/bytes.h"
#include "dcbot/result.h"

// OpenPGP packet framing (RFC 9580 §4.2), MPIs (§3.2) and signature subpackets (§5.2.3.7).
// Every reader works on a ByteView with explicit bounds and returns Errc::Parse on malformed input.
namespace dcbot::pgp {

// Packet tags we handle (RFC 9580 §5).
enum class Tag : std::uint8_t {
  Pkesk = 1,
  Signature = 2,
  Skesk = 3,
  OnePassSignature = 4,
  SecretKey = 5,
  PublicKey = 6,
  SecretSubkey = 7,
  Compressed = 8,
  SymEncrypted = 9,
  Marker = 10,
  Literal = 11,
  Trust = 12,
  UserId = 13,
  PublicSubkey = 14,
  UserAttribute = 17,
  Seipd = 18,
  Mdc = 19,
  OcbEncrypted = 20,
  Padding = 21,
};

// Largest packet body we ever assemble, fixed or partial (rPGP's MAX_BUFFER_SIZE).
inline constexpr std::size_t kMaxPacketBody = 1u << 30;
// Largest number of packets in one sequence (a certificate or one message nesting level).
inline constexpr std::size_t kMaxPackets = 10000;
// Largest MPI (rPGP caps MPIs at 16384 bits).
inline constexpr std::size_t kMaxMpiBits = 16384;

// One packet with its body reassembled (partial body chunks are concatenated).
struct Packet {
  std::uint8_t tag = 0;
  Bytes body;
  bool partial = false;  // The body came in partial-length chunks.
};

// Bounds-checked big-endian reader over untrusted bytes. Every accessor fails with Errc::Parse
// ("<what>: truncated") instead of reading past the end.
class ByteReader {
 public:
  explicit ByteReader(ByteView data) : data_(data) {}

  std::size_t remaining() const { return data_.size() - pos_; }

  bool empty() const { return remaining() == 0; }

  std::size_t position() const { return pos_; }

  ByteView rest() const { return data_.subspan(pos_); }

  Result<std::uint8_t> u8();
  Result<std::uint16_t> u16();
  Result<std::uint32_t> u32();
  // A view of the next `n` bytes, valid while the underlying data lives.
  Result<ByteView> take(std::size_t n);

 private:
  ByteView data_;
  std::size_t pos_ = 0;
};

// Reads one packet header and body from `reader`. Partial body lengths are accepted only on
// compressed, literal and encrypted-data packets, with a first chunk of at least 512 octets
// (RFC 9580 §4.2.1.4); old-format indeterminate length reads to the end of the input.
Result<Packet> read_packet(ByteReader& reader);

// Reads all packets in `data`; fails on trailing garbage or more than kMaxPackets packets.
Result<std::vector<Packet>> parse_packets(ByteView data);

// Appends a new-format header with a fixed length (RFC 9580 §4.2.1) and the body.
void write_packet(Bytes& out, Tag tag, ByteView body);

// Appends a new-format packet using partial body lengths of `chunk` octets (a power of two
// >= 512), ending with a fixed-length part. Used to exercise readers; writers normally use fixed.
void write_packet_partial(Bytes& out, Tag tag, ByteView body, std::size_t chunk);

// Reads an MPI (RFC 9580 §3.2) and returns its magnitude without leading zero octets.
Result<Bytes> read_mpi(ByteReader& reader);

// Appends an MPI for the big-endian magnitude `value` (leading zeros are stripped).
void write_mpi(Bytes& out, ByteView value);

// One signature subpacket (RFC 9580 §5.2.3.7).
struct Subpacket {
  std::uint8_t type = 0;
  bool critical = false;
  Bytes data;
};

// Parses a hashed or unhashed subpacket area; lengths must match exactly.
Result<std::vector<Subpacket>> parse_subpackets(ByteView area);

// Appends one subpacket with a minimal length encoding.
void write_subpacket(Bytes& out, std::uint8_t type, bool critical, ByteView data);

}  // namespace dcbot::pgp
