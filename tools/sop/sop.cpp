// SPDX-License-Identifier: MIT
#include "sop.h"

#include <array>
#include <cstdio>
#include <ctime>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "dcbot/result.h"
#include "pgp/armor.h"
#include "pgp/detached.h"
#include "pgp/key.h"
#include "pgp/message.h"
#include "pgp/packet.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

namespace dcbot::sop {
namespace {

constexpr std::string_view kVersion = "dcbot-sop 0.1.0";

// A failed invocation: the SOP exit code and a line for stderr.
struct Failure {
  int code = kGenericError;
  std::string message;
};

// Either a value or a Failure; verbs return Outcome<void> (kOk on success).
template <class T>
using Outcome = boost::system::result<T, Failure>;

Failure fail(int code, std::string message) {
  return Failure{code, std::move(message)};
}

// Maps an engine error to the SOP failure the verb should report.
Failure from_error(const Error& e, int crypto_code = kGenericError) {
  switch (e.code) {
    case Errc::Parse:
      return fail(kBadData, e.message);
    case Errc::Unsupported:
      return fail(e.message.find("encrypted secret") != std::string::npos
                      ? kKeyIsProtected
                      : kUnsupportedAsymmetricAlgo,
                  e.message);
    case Errc::Crypto:
      return fail(crypto_code == kGenericError ? kBadData : crypto_code, e.message);
    default:
      return fail(kGenericError, e.message);
  }
}

std::uint32_t now_seconds() {
  auto t = std::time(nullptr);
  return t < 0 ? 0 : static_cast<std::uint32_t>(std::min<std::time_t>(t, 0xFFFFFFFF));
}

// --- Input and output ---

Bytes read_stdin() {
  Bytes out;
  std::array<std::uint8_t, 65536> buf{};
  for (;;) {
    std::size_t n = std::fread(buf.data(), 1, buf.size(), stdin);
    out.insert(out.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
    if (n < buf.size()) {
      break;
    }
  }
  return out;
}

Outcome<void> write_stdout(ByteView data) {
  if (std::fwrite(data.data(), 1, data.size(), stdout) != data.size() || std::fflush(stdout) != 0) {
    return fail(kGenericError, "cannot write to stdout");
  }
  return {};
}

Outcome<Bytes> read_input_file(const std::string& path) {
  if (path.starts_with("@ENV:") || path.starts_with("@FD:")) {
    return fail(71,
                "special designators are not supported: " + path);  // UNSUPPORTED_SPECIAL_PREFIX
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return fail(kMissingInput, "cannot read " + path);
  }
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Outcome<void> write_output_file(const std::string& path, std::string_view text) {
  if (std::filesystem::exists(path)) {
    return fail(kOutputExists, "output exists: " + path);
  }
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) {
    return fail(kGenericError, "cannot write " + path);
  }
  return {};
}

bool is_armored(ByteView data) {
  std::size_t i = 0;
  while (i < data.size()
         && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n')) {
    ++i;
  }
  constexpr std::string_view kBegin = "-----BEGIN PGP ";
  return data.size() - i >= kBegin.size()
         && std::string_view(reinterpret_cast<const char*>(data.data() + i), kBegin.size())
                == kBegin;
}

// Binary OpenPGP data from armored or binary input.
Outcome<Bytes> unarmor(Bytes data) {
  if (!is_armored(data)) {
    return data;
  }
  auto decoded = pgp::armor_decode(to_string(data));
  if (!decoded) {
    return fail(kBadData, decoded.error().message);
  }
  return std::move(decoded->data);
}

std::string armored(ByteView data, pgp::ArmorKind kind) {
  return pgp::armor_encode(data, kind, pgp::LineEnding::Lf);
}

Outcome<void> emit(ByteView data, pgp::ArmorKind kind, bool armor) {
  if (!armor) {
    return write_stdout(data);
  }
  return write_stdout(as_bytes(armored(data, kind)));
}

// Splits a keyring into its transferable keys: each starts at a primary key packet of `tag`.
Outcome<std::vector<Bytes>> split_keyring(ByteView data, pgp::Tag tag) {
  auto packets = pgp::parse_packets(data);
  if (!packets) {
    return fail(kBadData, packets.error().message);
  }
  std::vector<Bytes> out;
  for (const pgp::Packet& p : *packets) {
    if (p.tag == static_cast<std::uint8_t>(tag) || out.empty()) {
      out.emplace_back();
    }
    pgp::write_packet(out.back(), static_cast<pgp::Tag>(p.tag), p.body);
  }
  if (out.empty()) {
    return fail(kBadData, "no key material");
  }
  return out;
}

Outcome<std::vector<pgp::Certificate>> load_certs(const std::vector<std::string>& paths) {
  std::vector<pgp::Certificate> certs;
  for (const std::string& path : paths) {
    DCBOT_TRY(auto raw, read_input_file(path));
    DCBOT_TRY(auto data, unarmor(std::move(raw)));
    DCBOT_TRY(auto parts, split_keyring(data, pgp::Tag::PublicKey));
    for (const Bytes& part : parts) {
      auto cert = pgp::Certificate::parse(part);
      if (!cert) {
        return from_error(cert.error().with_context(path));
      }
      certs.push_back(std::move(*cert));
    }
  }
  return certs;
}

Outcome<std::vector<pgp::SecretKey>> load_keys(const std::vector<std::string>& paths) {
  std::vector<pgp::SecretKey> keys;
  for (const std::string& path : paths) {
    DCBOT_TRY(auto raw, read_input_file(path));
    DCBOT_TRY(auto data, unarmor(std::move(raw)));
    DCBOT_TRY(auto parts, split_keyring(data, pgp::Tag::SecretKey));
    for (const Bytes& part : parts) {
      auto key = pgp::SecretKey::parse(part);
      if (!key) {
        return from_error(key.error().with_context(path));
      }
      keys.push_back(std::move(*key));
    }
  }
  return keys;
}

template <class T>
std::vector<const T*> pointers(const std::vector<T>& items) {
  std::vector<const T*> out;
  out.reserve(items.size());
  for (const T& item : items) {
    out.push_back(&item);
  }
  return out;
}

// The signing capability check SOP asks for (KEY_CANNOT_SIGN): we sign with the primary only.
Outcome<void> check_can_sign(const pgp::SecretKey& key) {
  auto flags = key.certificate().primary_key_flags();
  if (flags && (*flags & 0x02) == 0) {
    return fail(kKeyCannotSign,
                "primary key of " + key.certificate().fingerprint_hex()
                    + " is not signing-capable (signing subkeys are not supported)");
  }
  return {};
}

// --- Dates and verifications ---

// "-" (no limit), "now", or an ISO 8601 UTC time "YYYY-MM-DDTHH:MM:SSZ" (also without separators).
Outcome<std::optional<std::int64_t>> parse_date(const std::string& text) {
  if (text == "-") {
    return std::optional<std::int64_t>{};
  }
  if (text == "now") {
    return std::optional<std::int64_t>{std::time(nullptr)};
  }
  std::tm tm{};
  char z = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &z)
          != 7
      && std::sscanf(text.c_str(), "%4d%2d%2dT%2d%2d%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                     &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &z)
             != 7) {
    return fail(kGenericError, "bad date: " + text);
  }
  if (z != 'Z') {
    return fail(kGenericError, "date must be UTC (Z): " + text);
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return std::optional<std::int64_t>{timegm(&tm)};
}

std::string format_date(std::uint32_t t) {
  std::time_t tt = t;
  std::tm tm{};
  gmtime_r(&tt, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

struct TimeWindow {
  std::optional<std::int64_t> not_before;
  std::optional<std::int64_t> not_after;

  bool contains(std::uint32_t t) const {
    return (!not_before || t >= *not_before) && (!not_after || t <= *not_after);
  }
};

Outcome<TimeWindow> make_window(const std::string& not_before, const std::string& not_after) {
  TimeWindow w;
  DCBOT_TRY(w.not_before, parse_date(not_before));
  DCBOT_TRY(w.not_after, parse_date(not_after));
  return w;
}

// SOP VERIFICATIONS lines (§5.2): "DATE SIGNING_FPR PRIMARY_FPR mode:binary". We only verify with
// primary keys, so both fingerprints are the same.
std::string verifications(const std::vector<pgp::SignatureInfo>& infos, const TimeWindow& window) {
  std::string out;
  for (const pgp::SignatureInfo& s : infos) {
    if (s.valid && window.contains(s.created)) {
      std::string fpr = pgp::fingerprint_hex(s.signer);
      out += fmt::format("{} {} {} mode:binary\n", format_date(s.created), fpr, fpr);
    }
  }
  return out;
}

// --- Verbs ---

struct Options {
  bool no_armor = false;
  std::string as = "binary";
  std::vector<std::string> files;  // Positional KEYS / CERTS.
  std::string signatures;          // verify: the SIGNATURES file.
  std::vector<std::string> passwords;
  std::vector<std::string> sign_with;
  std::vector<std::string> verify_with;
  std::string verifications_out;
  std::string not_before = "-";
  std::string not_after = "now";
  std::string profile = "default";
  std::vector<std::string> user_ids;
  std::string list_subcommand;  // list-profiles: the verb asked about.
};

Outcome<void> cmd_version(const Options&) {
  return write_stdout(as_bytes(std::string(kVersion) + "\n"));
}

std::string addr_of(std::string_view user_id) {
  auto open = user_id.find('<');
  auto close = user_id.rfind('>');
  if (open != std::string_view::npos && close != std::string_view::npos && close > open) {
    return std::string(user_id.substr(open + 1, close - open - 1));
  }
  return std::string(user_id);
}

Outcome<void> cmd_generate_key(const Options& o) {
  if (o.user_ids.size() != 1) {
    return fail(o.user_ids.empty() ? kMissingArg : kUnsupportedOption,
                "exactly one user id is supported (the core's `<addr>` shape)");
  }
  bool seipdv2 = true;
  if (o.profile == "rfc4880") {
    seipdv2 = false;
  } else if (o.profile != "default" && o.profile != "chatmail") {
    return fail(kUnsupportedProfile, "unknown profile " + o.profile);
  }
  auto key = pgp::SecretKey::generate(addr_of(o.user_ids[0]), {}, now_seconds(), seipdv2);
  if (!key) {
    return from_error(key.error());
  }
  Bytes bin = key->serialize();
  return emit(bin, pgp::ArmorKind::PrivateKey, !o.no_armor);
}

// SOP list-profiles (§3.3): the first profile listed is the default.
Outcome<void> cmd_list_profiles(const Options& o) {
  if (o.list_subcommand == "generate-key") {
    return write_stdout(
        as_bytes("default: the core's key: Ed25519Legacy + cv25519, features SEIPDv1+v2 (0x09)\n"
                 "chatmail: alias for default\n"
                 "rfc4880: the same key advertising SEIPDv1 only (0x01)\n"));
  }
  if (o.list_subcommand == "encrypt") {
    return write_stdout(
        as_bytes("default: uncompressed; SEIPDv2 if every certificate advertises it, else v1\n"
                 "chatmail: ZLIB-compressed like the core's chat messages, same rule\n"));
  }
  return fail(kUnsupportedProfile, "no profiles for " + o.list_subcommand);
}

Outcome<void> cmd_extract_cert(const Options& o) {
  DCBOT_TRY(auto data, unarmor(read_stdin()));
  auto key = pgp::SecretKey::parse(data);
  if (!key) {
    return from_error(key.error());
  }
  return emit(key->certificate().serialize(), pgp::ArmorKind::PublicKey, !o.no_armor);
}

Outcome<void> cmd_sign(const Options& o) {
  if (o.as != "binary") {
    return fail(kUnsupportedOption, "only --as=binary signatures are supported");
  }
  DCBOT_TRY(auto keys, load_keys(o.files));
  Bytes data = read_stdin();
  Bytes out;
  for (const pgp::SecretKey& key : keys) {
    DCBOT_TRY(check_can_sign(key));
    auto sig = pgp::sign_detached(data, key, now_seconds());
    if (!sig) {
      return from_error(sig.error());
    }
    append(out, *sig);
  }
  return emit(out, pgp::ArmorKind::Signature, !o.no_armor);
}

Outcome<void> cmd_verify(const Options& o) {
  DCBOT_TRY(auto window, make_window(o.not_before, o.not_after));
  DCBOT_TRY(auto raw, read_input_file(o.signatures));
  DCBOT_TRY(auto sigs, unarmor(std::move(raw)));
  DCBOT_TRY(auto certs, load_certs(o.files));
  Bytes data = read_stdin();
  auto infos = pgp::verify_detached(data, sigs, pointers(certs));
  if (!infos) {
    return from_error(infos.error());
  }
  std::string lines = verifications(*infos, window);
  if (lines.empty()) {
    return fail(kNoSignature, "no valid signature");
  }
  return write_stdout(as_bytes(lines));
}

Outcome<std::string> read_password(const std::string& path) {
  DCBOT_TRY(auto raw, read_input_file(path));
  std::string text = to_string(raw);
  // SOP §9.1: trailing whitespace of a password file is not part of the password.
  while (!text.empty()
         && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '
             || text.back() == '\t')) {
    text.pop_back();
  }
  return text;
}

Outcome<void> cmd_encrypt(const Options& o) {
  if (o.as != "binary") {
    return fail(kUnsupportedOption, "only --as=binary is supported");
  }
  if (o.profile != "default" && o.profile != "chatmail") {
    return fail(kUnsupportedProfile, "unknown profile " + o.profile);
  }
  if (o.files.empty() && o.passwords.empty()) {
    return fail(kMissingArg, "no certificates or passwords to encrypt to");
  }
  if (o.sign_with.size() > 1) {
    return fail(kUnsupportedOption, "at most one --sign-with key is supported");
  }
  if (!o.files.empty() && !o.passwords.empty()) {
    return fail(kUnsupportedOption, "mixing certificates and passwords is not supported");
  }
  if (o.passwords.size() > 1) {
    return fail(kUnsupportedOption, "at most one password is supported");
  }
  DCBOT_TRY(auto signers, load_keys(o.sign_with));
  const pgp::SecretKey* signer = signers.empty() ? nullptr : &signers[0];
  if (signer != nullptr) {
    DCBOT_TRY(check_can_sign(*signer));
  }
  pgp::EncryptOptions options{.compress = o.profile == "chatmail", .now = now_seconds()};
  Result<Bytes> msg = make_error(Errc::Internal, "unreachable");
  if (!o.passwords.empty()) {
    DCBOT_TRY(auto password, read_password(o.passwords[0]));
    Bytes data = read_stdin();
    msg = pgp::encrypt_symmetric(data, password, signer, options);
  } else {
    DCBOT_TRY(auto certs, load_certs(o.files));
    for (const pgp::Certificate& c : certs) {
      if (c.encryption_key() == nullptr) {
        return fail(kCertCannotEncrypt, c.fingerprint_hex() + " has no cv25519 encryption subkey");
      }
    }
    Bytes data = read_stdin();
    msg = pgp::encrypt_to(data, pointers(certs), signer, options);
  }
  if (!msg) {
    return from_error(msg.error());
  }
  return emit(*msg, pgp::ArmorKind::Message, !o.no_armor);
}

Outcome<void> cmd_decrypt(const Options& o) {
  DCBOT_TRY(auto window, make_window(o.not_before, o.not_after));
  if (o.files.empty() && o.passwords.empty()) {
    return fail(kMissingArg, "no keys or passwords to decrypt with");
  }
  DCBOT_TRY(auto keys, load_keys(o.files));
  DCBOT_TRY(auto certs, load_certs(o.verify_with));
  std::vector<std::string> passwords;
  for (const std::string& path : o.passwords) {
    DCBOT_TRY(auto password, read_password(path));
    passwords.push_back(std::move(password));
  }
  if (!o.verifications_out.empty() && std::filesystem::exists(o.verifications_out)) {
    return fail(kOutputExists, "output exists: " + o.verifications_out);
  }
  DCBOT_TRY(auto message, unarmor(read_stdin()));
  auto dec = pgp::decrypt(message, pointers(keys), passwords, pointers(certs));
  if (!dec) {
    return from_error(dec.error(), kCannotDecrypt);
  }
  if (!o.verifications_out.empty()) {
    DCBOT_TRY(write_output_file(o.verifications_out, verifications(dec->signatures, window)));
  }
  return write_stdout(dec->plaintext);
}

Outcome<void> cmd_armor(const Options&) {
  Bytes data = read_stdin();
  if (is_armored(data)) {
    return write_stdout(data);  // SOP: armoring armored data is the identity.
  }
  // The label follows the first packet's tag (old or new format header, RFC 9580 §4.2).
  pgp::ArmorKind kind = pgp::ArmorKind::Message;
  if (!data.empty() && (data[0] & 0x80) != 0) {
    unsigned tag = (data[0] & 0x40) != 0 ? (data[0] & 0x3Fu) : ((data[0] >> 2) & 0x0Fu);
    if (tag == static_cast<unsigned>(pgp::Tag::SecretKey)) {
      kind = pgp::ArmorKind::PrivateKey;
    } else if (tag == static_cast<unsigned>(pgp::Tag::PublicKey)) {
      kind = pgp::ArmorKind::PublicKey;
    } else if (tag == static_cast<unsigned>(pgp::Tag::Signature)) {
      kind = pgp::ArmorKind::Signature;
    }
  } else {
    return fail(kBadData, "input is not OpenPGP data");
  }
  return write_stdout(as_bytes(armored(data, kind)));
}

Outcome<void> cmd_dearmor(const Options&) {
  DCBOT_TRY(auto data, unarmor(read_stdin()));
  return write_stdout(data);
}

Outcome<void> cmd_inline_sign(const Options& o) {
  if (o.as != "binary") {
    return fail(kUnsupportedOption, "only --as=binary inline signatures are supported");
  }
  DCBOT_TRY(auto keys, load_keys(o.files));
  if (keys.size() != 1) {
    return fail(kUnsupportedOption, "exactly one signing key is supported");
  }
  DCBOT_TRY(check_can_sign(keys[0]));
  Bytes data = read_stdin();
  auto msg = pgp::sign_inline(data, keys[0], {.compress = false, .now = now_seconds()});
  if (!msg) {
    return from_error(msg.error());
  }
  return emit(*msg, pgp::ArmorKind::Message, !o.no_armor);
}

Outcome<void> cmd_inline_verify(const Options& o) {
  DCBOT_TRY(auto window, make_window(o.not_before, o.not_after));
  DCBOT_TRY(auto certs, load_certs(o.files));
  if (!o.verifications_out.empty() && std::filesystem::exists(o.verifications_out)) {
    return fail(kOutputExists, "output exists: " + o.verifications_out);
  }
  DCBOT_TRY(auto message, unarmor(read_stdin()));
  auto v = pgp::verify_inline(message, pointers(certs));
  if (!v) {
    return from_error(v.error());
  }
  std::string lines = verifications(v->signatures, window);
  if (lines.empty()) {
    return fail(kNoSignature, "no valid signature");
  }
  if (!o.verifications_out.empty()) {
    DCBOT_TRY(write_output_file(o.verifications_out, lines));
  }
  return write_stdout(v->plaintext);
}

using Verb = Outcome<void> (*)(const Options&);

// Declares the options of `verb` on `app`; returns the function that runs it.
std::optional<Verb> declare(CLI::App& app, std::string_view verb, Options& o) {
  auto armor_flag = [&] {
    app.add_flag("--no-armor", o.no_armor);
  };
  // A repeatable option that takes one value per occurrence (so it never eats positionals).
  auto add_list = [&](const char* name, std::vector<std::string>& values) {
    app.add_option(name, values)
        ->expected(1)
        ->allow_extra_args(false)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  };
  auto as_option = [&] {
    app.add_option("--as", o.as);
  };
  auto window = [&](const char* before, const char* after) {
    app.add_option(before, o.not_before);
    app.add_option(after, o.not_after);
  };
  if (verb == "version") {
    app.add_flag("--backend,--extended,--sop-spec");
    return cmd_version;
  }
  if (verb == "list-profiles") {
    app.add_option("subcommand", o.list_subcommand)->required();
    return cmd_list_profiles;
  }
  if (verb == "generate-key") {
    armor_flag();
    app.add_option("--profile", o.profile);
    app.add_option("userids", o.user_ids);
    return cmd_generate_key;
  }
  if (verb == "extract-cert") {
    armor_flag();
    return cmd_extract_cert;
  }
  if (verb == "sign") {
    armor_flag();
    as_option();
    app.add_option("keys", o.files)->required();
    return cmd_sign;
  }
  if (verb == "verify") {
    window("--not-before", "--not-after");
    app.add_option("signatures", o.signatures)->required();
    app.add_option("certs", o.files)->required();
    return cmd_verify;
  }
  if (verb == "encrypt") {
    armor_flag();
    as_option();
    add_list("--with-password", o.passwords);
    add_list("--sign-with", o.sign_with);
    app.add_option("--profile", o.profile);
    app.add_option("certs", o.files);
    return cmd_encrypt;
  }
  if (verb == "decrypt") {
    add_list("--with-password", o.passwords);
    add_list("--verify-with", o.verify_with);
    app.add_option("--verifications-out,--verify-out", o.verifications_out);
    window("--verify-not-before", "--verify-not-after");
    app.add_option("keys", o.files);
    return cmd_decrypt;
  }
  if (verb == "armor") {
    return cmd_armor;
  }
  if (verb == "dearmor") {
    return cmd_dearmor;
  }
  if (verb == "inline-sign") {
    armor_flag();
    as_option();
    app.add_option("keys", o.files)->required();
    return cmd_inline_sign;
  }
  if (verb == "inline-verify") {
    window("--not-before", "--not-after");
    app.add_option("--verifications-out", o.verifications_out);
    app.add_option("certs", o.files)->required();
    return cmd_inline_verify;
  }
  return std::nullopt;
}

int run_verb(int argc, char** argv) {
  if (argc < 2) {
    fmt::print(stderr, "usage: dcbot-sop <verb> [options] [args]\n");
    return kUnsupportedSubcommand;
  }
  std::string_view verb = argv[1];
  Options o;
  CLI::App app{std::string(kVersion) + " " + std::string(verb), "dcbot-sop"};
  app.allow_windows_style_options(false);
  auto run_fn = declare(app, verb, o);
  if (!run_fn) {
    fmt::print(stderr, "dcbot-sop: unsupported subcommand {}\n", verb);
    return kUnsupportedSubcommand;
  }
  try {
    app.parse(argc - 1, argv + 1);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::RequiredError& e) {
    fmt::print(stderr, "dcbot-sop {}: {}\n", verb, e.what());
    return kMissingArg;
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "dcbot-sop {}: {}\n", verb, e.what());
    return kUnsupportedOption;
  }
  auto r = (*run_fn)(o);
  if (!r) {
    fmt::print(stderr, "dcbot-sop {}: {}\n", verb, r.error().message);
    return r.error().code;
  }
  return kOk;
}

}  // namespace

int run(int argc, char** argv) {
  // The catch-all boundary of the tool (STYLE.md §1.5).
  try {
    return run_verb(argc, argv);
  } catch (const std::exception& e) {
    fmt::print(stderr, "dcbot-sop: internal error: {}\n", e.what());
  } catch (...) {
    fmt::print(stderr, "dcbot-sop: internal error\n");
  }
  return kGenericError;
}

}  // namespace dcbot::sop
