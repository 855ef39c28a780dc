// SPDX-License-Identifier: MIT
// Every mail recorded from the real Delta Chat core 2.62 (tests/data/core-2.62) decrypts with one
// of the four accounts' secret keys (or the SecureJoin password of the scanned invite) and, where
// the core signs, verifies against the sender's certificate. Also: what we encrypt to the recorded
// keys decrypts with their secret keys.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <gtest/gtest.h>

#include "pgp/armor.h"
#include "pgp/key.h"
#include "pgp/message.h"

namespace dcbot::pgp {
namespace {

namespace fs = std::filesystem;

const fs::path kData = fs::path(DCBOT_SOURCE_DIR) / "tests/data/core-2.62";

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) {
    s.pop_back();
  }
  return s;
}

struct Account {
  std::string addr;
  SecretKey key;
  Certificate cert;
};

const std::map<std::string, Account>& accounts() {
  static const std::map<std::string, Account> all = [] {
    std::map<std::string, Account> m;
    for (const char* name : {"alice", "bob", "carol", "botty"}) {
      fs::path dir = kData / "keys" / name;
      std::string priv;
      std::string pub;
      for (const auto& e : fs::directory_iterator(dir)) {
        std::string f = e.path().filename().string();
        if (f.starts_with("private-key")) {
          priv = read_text(e.path());
        } else if (f.starts_with("public-key")) {
          pub = read_text(e.path());
        }
      }
      m.emplace(name,
                Account{trimmed(read_text(dir / "addr.txt")), SecretKey::from_armored(priv).value(),
                        Certificate::from_armored(pub).value()});
    }
    return m;
  }();
  return all;
}

// The SecureJoin v3 password of an invite link: securejoin/<FPR after '#'>/<value of s=>.
std::string invite_password(const std::string& file) {
  std::string link = trimmed(read_text(kData / file));
  std::string fpr = link.substr(link.find('#') + 1, 40);
  auto s = link.find("&s=");
  std::string auth = link.substr(s + 3, link.find('&', s + 3) - s - 3);
  return "securejoin/" + fpr + "/" + auth;
}

std::string header(const std::string& mail, const std::string& name) {
  auto pos = mail.find("\n" + name + ":");
  if (pos == std::string::npos) {
    return {};
  }
  auto end = mail.find('\n', pos + 1);
  return trimmed(mail.substr(pos + name.size() + 2, end - pos - name.size() - 2));
}

TEST(PgpVectors, EveryRecordedMailDecryptsAndVerifies) {
  const auto& accts = accounts();
  std::vector<const SecretKey*> keys;
  std::vector<const Certificate*> certs;
  for (const auto& [name, a] : accts) {
    keys.push_back(&a.key);
    certs.push_back(&a.cert);
  }
  std::vector<std::string> passwords{invite_password("alice-invite.txt"),
                                     invite_password("group-invite.txt")};
  std::size_t mails = 0;
  std::size_t symmetric = 0;
  std::size_t unsigned_count = 0;
  std::istringstream index(read_text(kData / "INDEX.tsv"));
  std::string line;
  while (std::getline(index, line)) {
    std::string file = line.substr(0, line.find('\t'));
    SCOPED_TRACE(file);
    std::string mail = read_text(kData / file);
    ASSERT_FALSE(mail.empty());
    ++mails;
    auto begin = mail.find("-----BEGIN PGP MESSAGE-----");
    auto end = mail.find("-----END PGP MESSAGE-----");
    if (begin == std::string::npos) {
      // Legacy unencrypted vc-request / vg-request mails carry no OpenPGP block.
      EXPECT_NE(header(mail, "Secure-Join-Invitenumber"), "");
      continue;
    }
    ASSERT_NE(end, std::string::npos);
    auto armored = armor_decode(mail.substr(begin, end - begin + 30));
    ASSERT_TRUE(armored) << armored.error().message;
    EXPECT_EQ(armored->kind, ArmorKind::Message);
    auto dec = decrypt(armored->data, keys, passwords, certs);
    ASSERT_TRUE(dec) << dec.error().message;
    std::string plain = to_string(dec->plaintext);
    std::string from = header(mail, "From");
    const Account* sender = nullptr;
    for (const auto& [name, a] : accts) {
      if (from.find(a.addr) != std::string::npos) {
        sender = &a;
      }
    }
    ASSERT_NE(sender, nullptr) << from;
    symmetric += dec->was_symmetric ? 1 : 0;
    bool keyupdate = plain.find("Subject: Keyupdate") != std::string::npos;
    bool request_pubkey = plain.find("Secure-Join: vc-request-pubkey") != std::string::npos;
    if (keyupdate || request_pubkey) {
      // Unsigned on purpose (PROTOCOL.md §1.8, §5.2).
      EXPECT_TRUE(dec->signatures.empty());
      EXPECT_EQ(request_pubkey, dec->was_symmetric);
      ++unsigned_count;
      continue;
    }
    ASSERT_EQ(dec->signatures.size(), 1u);
    const SignatureInfo& sig = dec->signatures[0];
    EXPECT_TRUE(sig.valid);
    EXPECT_EQ(sig.signer, sender->cert.fingerprint());
    EXPECT_GT(sig.created, 1700000000u);
    if (!dec->was_symmetric) {
      // The core lists every key it encrypted to, its own first.
      ASSERT_FALSE(sig.intended_recipients.empty());
      EXPECT_EQ(sig.intended_recipients[0], sender->cert.fingerprint());
    } else {
      EXPECT_TRUE(sig.intended_recipients.empty());
    }
    EXPECT_NE(plain.find("From:"), std::string::npos);
  }
  EXPECT_EQ(mails, 33u);
  EXPECT_GE(symmetric, 2u);
  EXPECT_GE(unsigned_count, 1u);
}

TEST(PgpVectors, OurEncryptionToRecordedKeysDecryptsWithTheirSecretKeys) {
  const auto& accts = accounts();
  const Account& alice = accts.at("alice");
  const Account& bob = accts.at("bob");
  const Certificate* to[] = {&bob.cert};
  auto msg = encrypt(to_bytes("hi bob"), alice.key, to, {.compress = true, .now = 1800000000});
  ASSERT_TRUE(msg);
  const SecretKey* bob_key[] = {&bob.key};
  const Certificate* verifiers[] = {&alice.cert};
  auto dec = decrypt(*msg, bob_key, {}, verifiers);
  ASSERT_TRUE(dec) << dec.error().message;
  EXPECT_EQ(to_string(dec->plaintext), "hi bob");
  EXPECT_TRUE(dec->is_signed());
  // Armored the way the core sends it.
  std::string text = armor_encode(*msg, ArmorKind::Message);
  auto back = armor_decode(text);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->data, *msg);
}

}  // namespace
}  // namespace dcbot::pgp
