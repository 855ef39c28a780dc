// SPDX-License-Identifier: MIT
#pragma once

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "chat/account.h"
#include "chat/channel.h"
#include "chat/group.h"
#include "chat/securejoin.h"
#include "chat/webxdc.h"
#include "mime/parser.h"
#include "pgp/armor.h"
#include "pgp/key.h"
#include "pgp/message.h"
#include "store/db.h"
#include "store/schema.h"

// Test support (header-only, used by the chat tests): accounts on in-memory stores with the
// recorded core-2.62 fixture keys, and a MailLoop that moves one account's mail into another's
// receive(). Throws on setup failures, which gtest reports.
namespace dcbot::chat::testing {

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error("cannot read " + path.string());
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::filesystem::path data_dir() {
  return std::filesystem::path(DCBOT_SOURCE_DIR) / "tests" / "data" / "core-2.62";
}

// The recorded account `name` (alice, bob, carol, botty): its secret key and address.
struct Fixture {
  pgp::SecretKey key;
  std::string addr;
};

inline Fixture load_fixture(const std::string& name) {
  const auto dir = data_dir() / "keys" / name;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const auto file = entry.path().filename().string();
    if (file.rfind("private-key-", 0) == 0) {
      auto addr = read_file(dir / "addr.txt");
      while (!addr.empty() && (addr.back() == '\n' || addr.back() == '\r')) {
        addr.pop_back();
      }
      return Fixture{pgp::SecretKey::from_armored(read_file(entry.path())).value(), addr};
    }
  }
  throw std::runtime_error("no key for " + name);
}

// One account on its own in-memory store.
struct Peer {
  std::unique_ptr<store::Db> db;
  std::unique_ptr<Account> account;

  Account* operator->() { return account.get(); }
};

inline Peer make_peer(const Fixture& fixture, const std::string& display_name, bool bot,
                      std::int64_t now) {
  Peer p;
  p.db = std::make_unique<store::Db>(store::open_store(":memory:").value());
  p.account = std::make_unique<Account>(Account::open(*p.db).value());
  Profile profile;
  profile.addr = fixture.addr;
  profile.display_name = display_name;
  profile.bot = bot;
  p.account->set_profile(profile).value();
  p.account->import_key(fixture.key, now).value();
  return p;
}

// Lets `from` write to `to` (as after a SecureJoin: `from` stores `to`'s key) and returns the
// 1:1 chat id on `from`'s side.
inline std::int64_t introduce(Peer& from, Peer& to, std::int64_t now) {
  const auto& cert = to->key().certificate();
  from->import_contact_key(cert, to->profile().addr, to->profile().display_name,
                           KeySource::Autocrypt, now)
      .value();
  return from->single_chat(cert.fingerprint_hex(), now).value();
}

// Delivers a built mail to `to`, as the relays and the IMAP loop would.
inline Effects deliver(const OutgoingMail& mail, Peer& to, std::int64_t now) {
  return to->receive(mail.raw, now).value();
}

// The chat features a peer's hooks handle besides SecureJoin (always installed).
struct Features {
  bool groups = false;
  bool webxdc = false;
  bool channels = false;
  SecureJoinOptions securejoin{};
};

// make_peer with the fixture `fixture`, the schemas of `features` and their hooks.
inline Peer make_hooked_peer(const std::string& fixture, const std::string& display_name, bool bot,
                             std::int64_t now, const Features& features) {
  Peer p = make_peer(load_fixture(fixture), display_name, bot, now);
  ensure_securejoin_schema(*p.db).value();
  if (features.groups) {
    ensure_group_schema(*p.db).value();
  }
  if (features.webxdc) {
    ensure_webxdc_schema(*p.db).value();
  }
  if (features.channels) {
    ensure_channel_schema(*p.db).value();
  }
  Hooks hooks;
  install_securejoin(hooks, *p.db, features.securejoin);
  if (features.groups) {
    install_groups(hooks);
  }
  if (features.webxdc) {
    install_webxdc(hooks);
  }
  if (features.channels) {
    install_channels(hooks, *p.db);
  }
  p->set_hooks(std::move(hooks));
  return p;
}

// The events of type T in `fx`, in order.
template <class T>
std::vector<T> events_of(const Effects& fx) {
  std::vector<T> out;
  for (const auto& e : fx.events) {
    if (const auto* t = std::get_if<T>(&e)) {
      out.push_back(*t);
    }
  }
  return out;
}

// The decrypted inner part of one of our outgoing mails, opened with the recipient's `key` (if
// any) and/or a symmetric `password` (if not empty).
struct Opened {
  mime::Part inner;
  bool symmetric = false;
  std::size_t signatures = 0;
};

inline Opened open_mail(const OutgoingMail& mail, const pgp::SecretKey* key,
                        const std::string& password = {}) {
  auto outer = mime::parse(mail.raw).value();
  auto enc = mime::encrypted_parts(outer).value();
  auto armored = pgp::armor_decode(to_string(enc.payload->body)).value();
  std::vector<const pgp::SecretKey*> keys;
  if (key != nullptr) {
    keys.push_back(key);
  }
  std::vector<std::string> passwords;
  if (!password.empty()) {
    passwords.push_back(password);
  }
  auto d = pgp::decrypt(armored.data, keys, passwords, {}).value();
  return Opened{mime::parse(d.plaintext).value(), d.was_symmetric, d.signatures.size()};
}

}  // namespace dcbot::chat::testing
