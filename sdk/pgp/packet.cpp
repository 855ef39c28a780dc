// SPDX-License-Identifier: MIT
#include "pgp/packet.h"

#include <algorithm>

namespace dcbot::pgp {
namespace {

Error truncated() {
  return make_error(Errc::Parse, "pgp: truncated packet data");
}

bool allows_partial(std::uint8_t tag) {
  // RFC 9580 §4.2.1.4: only data packets may use partial lengths.
  return tag == static_cast<std::uint8_t>(Tag::Compressed)
         || tag == static_cast<std::uint8_t>(Tag::SymEncrypted)
         || tag == static_cast<std::uint8_t>(Tag::Literal)
         || tag == static_cast<std::uint8_t>(Tag::Seipd)
         || tag == static_cast<std::uint8_t>(Tag::OcbEncrypted);
}

// One new-format length field: fixed size or a partial chunk size.
struct NewLength {
  std::size_t size = 0;
  bool partial = false;
};

Result<NewLength> read_new_length(ByteReader& r) {
  DCBOT_TRY(auto a, r.u8());
  if (a < 192) {
    return NewLength{a, false};
  }
  if (a < 224) {
    DCBOT_TRY(auto b, r.u8());
    return NewLength{((static_cast<std::size_t>(a) - 192) << 8) + b + 192, false};
  }
  if (a == 255) {
    DCBOT_TRY(auto len, r.u32());
    return NewLength{len, false};
  }
  return NewLength{std::size_t{1} << (a & 0x1F), true};
}

void put_new_length(Bytes& out, std::size_t len) {
  if (len < 192) {
    out.push_back(static_cast<std::uint8_t>(len));
  } else if (len < 8384) {
    std::size_t v = len - 192;
    out.push_back(static_cast<std::uint8_t>((v >> 8) + 192));
    out.push_back(static_cast<std::uint8_t>(v));
  } else {
    out.push_back(255);
    put_u32be(out, static_cast<std::uint32_t>(len));
  }
}

}  // namespace

Result<std::uint8_t> ByteReader::u8() {
  if (remaining() < 1) {
    return truncated();
  }
  return data_[pos_++];
}

Result<std::uint16_t> ByteReader::u16() {
  DCBOT_TRY(auto b, take(2));
  return static_cast<std::uint16_t>((b[0] << 8) | b[1]);
}

Result<std::uint32_t> ByteReader::u32() {
  DCBOT_TRY(auto b, take(4));
  return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8)
         | std::uint32_t{b[3]};
}

Result<ByteView> ByteReader::take(std::size_t n) {
  if (remaining() < n) {
    return truncated();
  }
  ByteView v = data_.subspan(pos_, n);
  pos_ += n;
  return v;
}

Result<Packet> read_packet(ByteReader& r) {
  DCBOT_TRY(auto ctb, r.u8());
  if ((ctb & 0x80) == 0) {
    return make_error(Errc::Parse, "pgp: invalid packet header");
  }
  Packet p;
  if ((ctb & 0x40) != 0) {
    // New format (RFC 9580 §4.2.1).
    p.tag = ctb & 0x3F;
    DCBOT_TRY(auto len, read_new_length(r));
    if (len.partial) {
      if (!allows_partial(p.tag) || len.size < 512) {
        return make_error(Errc::Parse, "pgp: invalid partial body length");
      }
      p.partial = true;
      while (len.partial) {
        if (len.size > r.remaining() || p.body.size() + len.size > kMaxPacketBody) {
          return truncated();
        }
        DCBOT_TRY(auto chunk, r.take(len.size));
        append(p.body, chunk);
        DCBOT_TRY(len, read_new_length(r));
      }
    }
    if (len.size > r.remaining() || p.body.size() + len.size > kMaxPacketBody) {
      return truncated();
    }
    DCBOT_TRY(auto last, r.take(len.size));
    append(p.body, last);
  } else {
    // Old format (RFC 9580 §4.2.2): readable, never written.
    p.tag = static_cast<std::uint8_t>((ctb >> 2) & 0x0F);
    std::size_t len = 0;
    switch (ctb & 0x03) {
      case 0: {
        DCBOT_TRY(auto v, r.u8());
        len = v;
        break;
      }
      case 1: {
        DCBOT_TRY(auto v, r.u16());
        len = v;
        break;
      }
      case 2: {
        DCBOT_TRY(auto v, r.u32());
        len = v;
        break;
      }
      default:
        // Indeterminate: to the end of the input; like partial lengths, data packets only.
        if (!allows_partial(p.tag)) {
          return make_error(Errc::Parse, "pgp: invalid indeterminate length");
        }
        len = r.remaining();
        break;
    }
    if (len > r.remaining() || len > kMaxPacketBody) {
      return truncated();
    }
    DCBOT_TRY(auto body, r.take(len));
    p.body.assign(body.begin(), body.end());
  }
  if (p.tag == 0) {
    return make_error(Errc::Parse, "pgp: reserved packet tag");
  }
  return p;
}

Result<std::vector<Packet>> parse_packets(ByteView data) {
  ByteReader r(data);
  std::vector<Packet> out;
  while (!r.empty()) {
    if (out.size() >= kMaxPackets) {
      return make_error(Errc::Parse, "pgp: too many packets");
    }
    DCBOT_TRY(auto p, read_packet(r));
    out.push_back(std::move(p));
  }
  return out;
}

void write_packet(Bytes& out, Tag tag, ByteView body) {
  out.push_back(static_cast<std::uint8_t>(0xC0 | static_cast<std::uint8_t>(tag)));
  put_new_length(out, body.size());
  append(out, body);
}

void write_packet_partial(Bytes& out, Tag tag, ByteView body, std::size_t chunk) {
  DCBOT_CHECK(chunk >= 512 && chunk <= (std::size_t{1} << 30) && (chunk & (chunk - 1)) == 0,
              "partial chunk must be a power of two >= 512");
  std::uint8_t exp = 0;
  while ((std::size_t{1} << exp) < chunk) {
    ++exp;
  }
  out.push_back(static_cast<std::uint8_t>(0xC0 | static_cast<std::uint8_t>(tag)));
  std::size_t pos = 0;
  while (body.size() - pos > chunk) {
    out.push_back(static_cast<std::uint8_t>(224 + exp));
    append(out, body.subspan(pos, chunk));
    pos += chunk;
  }
  put_new_length(out, body.size() - pos);
  append(out, body.subspan(pos));
}

Result<Bytes> read_mpi(ByteReader& r) {
  DCBOT_TRY(auto bits, r.u16());
  if (bits > kMaxMpiBits) {
    return make_error(Errc::Parse, "pgp: mpi too large");
  }
  DCBOT_TRY(auto raw, r.take((std::size_t{bits} + 7) / 8));
  auto first = std::find_if(raw.begin(), raw.end(), [](std::uint8_t b) { return b != 0; });
  return Bytes(first, raw.end());
}

void write_mpi(Bytes& out, ByteView value) {
  auto first = std::find_if(value.begin(), value.end(), [](std::uint8_t b) { return b != 0; });
  ByteView v(first, value.end());
  std::size_t bits = 0;
  if (!v.empty()) {
    bits = (v.size() - 1) * 8;
    for (std::uint8_t top = v[0]; top != 0; top = static_cast<std::uint8_t>(top >> 1)) {
      ++bits;
    }
  }
  put_u16be(out, static_cast<std::uint16_t>(bits));
  append(out, v);
}

Result<std::vector<Subpacket>> parse_subpackets(ByteView area) {
  ByteReader r(area);
  std::vector<Subpacket> out;
  while (!r.empty()) {
    if (out.size() >= 512) {
      return make_error(Errc::Parse, "pgp: too many subpackets");
    }
    // RFC 9580 §5.2.3.7: 1, 2 or 5 octet length, covering type octet + data.
    DCBOT_TRY(auto a, r.u8());
    std::size_t len = 0;
    if (a < 192) {
      len = a;
    } else if (a < 255) {
      DCBOT_TRY(auto b, r.u8());
      len = ((static_cast<std::size_t>(a) - 192) << 8) + b + 192;
    } else {
      DCBOT_TRY(auto v, r.u32());
      len = v;
    }
    if (len == 0 || len > r.remaining()) {
      return make_error(Errc::Parse, "pgp: bad subpacket length");
    }
    DCBOT_TRY(auto body, r.take(len));
    Subpacket sp;
    sp.type = body[0] & 0x7F;
    sp.critical = (body[0] & 0x80) != 0;
    sp.data.assign(body.begin() + 1, body.end());
    out.push_back(std::move(sp));
  }
  return out;
}

void write_subpacket(Bytes& out, std::uint8_t type, bool critical, ByteView data) {
  // RFC 9580 §5.2.3.7: a subpacket length (type octet included) is encoded like a new-format
  // packet length (§4.2.1), without partial lengths.
  put_new_length(out, data.size() + 1);
  out.push_back(static_cast<std::uint8_t>(type | (critical ? 0x80 : 0)));
  append(out, data);
}

}  // namespace dcbot::pgp
