// SPDX-License-Identifier: MIT
#include "pgp/key.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace dcbot::pgp {
namespace {

namespace fs = std::filesystem;

const fs::path kKeys = fs::path(DCBOT_SOURCE_DIR) / "tests/data/core-2.62/keys";

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

fs::path find_file(const std::string& name, std::string_view prefix) {
  for (const auto& e : fs::directory_iterator(kKeys / name)) {
    if (e.path().filename().string().starts_with(prefix)) {
      return e.path();
    }
  }
  return {};
}

std::string fpr_from_name(const fs::path& p) {
  std::string stem = p.stem().string();
  return stem.substr(stem.rfind('-') + 1);
}

TEST(PgpKey, RecordedCertificatesParseAndMatchFileNames) {
  for (const char* name : {"alice", "bob", "carol", "botty"}) {
    fs::path pub = find_file(name, "public-key");
    auto cert = Certificate::from_armored(read_text(pub));
    ASSERT_TRUE(cert) << name << ": " << cert.error().message;
    EXPECT_EQ(cert->fingerprint_hex(), fpr_from_name(pub)) << name;
    std::string addr = read_text(kKeys / name / "addr.txt");
    while (!addr.empty() && (addr.back() == '\n' || addr.back() == '\r')) {
      addr.pop_back();
    }
    ASSERT_EQ(cert->user_ids().size(), 1u);
    EXPECT_EQ(cert->user_ids()[0], "<" + addr + ">");
    EXPECT_TRUE(cert->supports_seipdv2());
    ASSERT_NE(cert->encryption_key(), nullptr);
    // Re-serialised (minimised) certificates parse to the same fingerprint.
    auto again = Certificate::parse(cert->serialize());
    ASSERT_TRUE(again);
    EXPECT_EQ(again->fingerprint(), cert->fingerprint());

    fs::path sec = find_file(name, "private-key");
    auto key = SecretKey::from_armored(read_text(sec));
    ASSERT_TRUE(key) << name << ": " << key.error().message;
    EXPECT_EQ(key->fingerprint(), cert->fingerprint());
    ASSERT_EQ(key->decryptors().size(), 1u);
    auto key_again = SecretKey::from_armored(key->to_armored());
    ASSERT_TRUE(key_again) << key_again.error().message;
    EXPECT_EQ(key_again->certificate().serialize(), key->certificate().serialize());
  }
}

TEST(PgpKey, TamperedBindingIsRefused) {
  auto cert = Certificate::from_armored(read_text(find_file("alice", "public-key")));
  ASSERT_TRUE(cert);
  Bytes bin = cert->serialize();
  // Flip a byte in the last signature's EdDSA value: the subkey binding no longer verifies.
  Bytes bad = bin;
  bad[bad.size() - 3] ^= 0x01;
  auto r = Certificate::parse(bad);
  ASSERT_FALSE(r);
  // Every truncation fails cleanly or loses only whole trailing components.
  for (std::size_t n = 0; n < bin.size(); n += 7) {
    (void)Certificate::parse(ByteView(bin).first(n));
  }
}

TEST(PgpKey, GeneratedKeyHasCoreShape) {
  auto key =
      SecretKey::generate("bot@relay.test", {"bot@relay.test", "bot@other.test"}, 1700000000);
  ASSERT_TRUE(key) << key.error().message;
  const Certificate& cert = key->certificate();
  EXPECT_TRUE(cert.supports_seipdv2());
  EXPECT_EQ(cert.relays(), (std::vector<std::string>{"bot@relay.test", "bot@other.test"}));
  EXPECT_EQ(cert.user_ids(), std::vector<std::string>{"<bot@relay.test>"});
  EXPECT_EQ(cert.self_signature_time(), 1700000000u);
  auto parsed = Certificate::parse(cert.serialize());
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->relays(), cert.relays());
  EXPECT_EQ(parsed->fingerprint(), cert.fingerprint());
  // Packet order: key, DKS, UID, cert, subkey, binding.
  auto packets = parse_packets(cert.serialize());
  ASSERT_TRUE(packets);
  std::vector<int> tags;
  for (const auto& p : *packets) {
    tags.push_back(p.tag);
  }
  EXPECT_EQ(tags, (std::vector<int>{6, 2, 13, 2, 14, 2}));
  auto armored = key->to_armored(LineEnding::Lf);
  auto back = SecretKey::from_armored(armored);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->fingerprint(), key->fingerprint());
  EXPECT_EQ(back->signing_seed(), key->signing_seed());

  auto plain = SecretKey::generate("bot@relay.test", {}, 1700000000);
  ASSERT_TRUE(plain);
  EXPECT_TRUE(plain->certificate().relays().empty());
}

TEST(PgpKey, UnknownCriticalSubpacketInvalidatesSignature) {
  auto key = SecretKey::generate("x@y.test", {}, 1700000000);
  ASSERT_TRUE(key);
  Bytes area;
  write_subpacket(area, kSubCreated, true, Bytes{0, 0, 0, 1});
  write_subpacket(area, 99, true, Bytes{1});
  ByteView data = as_bytes("data");
  auto sig = make_signature(kSigBinary, area, {}, data, key->signing_seed());
  ASSERT_TRUE(sig);
  EXPECT_TRUE(sig->unknown_critical);
  EXPECT_FALSE(verify_signature(*sig, data, key->certificate().primary()));
  Bytes ok_area;
  write_subpacket(ok_area, kSubCreated, true, Bytes{0, 0, 0, 1});
  auto ok = make_signature(kSigBinary, ok_area, {}, data, key->signing_seed());
  ASSERT_TRUE(ok);
  EXPECT_TRUE(verify_signature(*ok, data, key->certificate().primary()));
  EXPECT_FALSE(verify_signature(*ok, as_bytes("datA"), key->certificate().primary()));
}

}  // namespace
}  // namespace dcbot::pgp
