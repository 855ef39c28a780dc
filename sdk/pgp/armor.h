// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/bytes.h"
#include "dcbot/result.h"

// ASCII armor (RFC 9580 §6): the text wrapping of OpenPGP messages and keys. Sans-IO and
// allocation-bounded; decoding is tolerant where real mail is sloppy and strict where it matters.
namespace dcbot::pgp {

// The armor block types we read and write (RFC 9580 §6.2).
enum class ArmorKind { Message, PublicKey, PrivateKey, Signature };

enum class LineEnding { Crlf, Lf };

// Upper bound on the armored text accepted by armor_decode (the relay caps mail at 30 MiB).
inline constexpr std::size_t kMaxArmorText = 64u * 1024u * 1024u;

struct Armored {
  ArmorKind kind = ArmorKind::Message;
  Bytes data;
};

// CRC-24 of RFC 9580 §6.1 (init 0xB704CE, generator 0x1864CFB).
std::uint32_t crc24(ByteView data);

// Decodes the first armored block in `text`. Text before the BEGIN line is skipped; armor headers
// (`Version:`, `Comment:`, ...) are skipped; CRLF and LF both work; blank lines may carry spaces or
// tabs. The checksum line, when present, must match. Returns Errc::Parse on a missing END line, an
// unknown label, a foreign BEGIN/END line inside the block, non-base64 data, a CRC mismatch, or
// text larger than `max_text`.
Result<Armored> armor_decode(std::string_view text, std::size_t max_text = kMaxArmorText);

// Encodes `data`: BEGIN line, empty line (never a `Version:` header, the chatmail relay rejects
// armor headers), base64 in 64-character lines, the `=` CRC-24 line and the END line, each line
// terminated by `eol`.
std::string armor_encode(ByteView data, ArmorKind kind, LineEnding eol = LineEnding::Crlf);

}  // namespace dcbot::pgp
