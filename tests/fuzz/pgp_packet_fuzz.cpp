// SPDX-License-Identifier: MIT
// Packet framing, subpackets and signatures never crash; parsed packets re-serialise (new format,
// fixed lengths) to a stream that parses to the same tags and bodies.
#include <cstddef>
#include <cstdint>

#include "pgp/packet.h"
#include "pgp/signature.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  dcbot::ByteView in(data, size);
  (void)dcbot::pgp::parse_subpackets(in);
  (void)dcbot::pgp::parse_signature(in);
  auto packets = dcbot::pgp::parse_packets(in);
  if (!packets) {
    return 0;
  }
  dcbot::Bytes out;
  for (const auto& p : *packets) {
    if (p.tag < 64) {
      dcbot::pgp::write_packet(out, static_cast<dcbot::pgp::Tag>(p.tag), p.body);
    }
    if (p.tag == static_cast<std::uint8_t>(dcbot::pgp::Tag::Signature)) {
      if (auto sig = dcbot::pgp::parse_signature(p.body)) {
        auto again = dcbot::pgp::parse_signature(sig->serialize());
        DCBOT_CHECK(again && again->hashed_area == sig->hashed_area, "signature round trip");
      }
    }
  }
  auto again = dcbot::pgp::parse_packets(out);
  DCBOT_CHECK(again && again->size() == packets->size(), "packet round trip");
  for (std::size_t i = 0; i < packets->size(); ++i) {
    DCBOT_CHECK((*again)[i].tag == (*packets)[i].tag && (*again)[i].body == (*packets)[i].body,
                "packet round trip body");
  }
  return 0;
}
