// SPDX-License-Identifier: MIT
#include "mime/parser.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>

#include <gtest/gtest.h>

#include "mime/address.h"
#include "mime/date.h"

namespace dcbot::mime {
namespace {

const std::filesystem::path kData = DCBOT_SOURCE_DIR "/tests/data/core-2.62";

Bytes read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Part parse_ok(std::string_view text) {
  auto r = parse(as_bytes(text));
  EXPECT_TRUE(r) << (r ? "" : r.error().to_string());
  return r ? std::move(*r) : Part{};
}

// Every recorded 2.62 mail parses as an RFC 3156 envelope with the §3.1 outer headers.
TEST(ParserCoreMails, EveryRecordedMailParses) {
  std::size_t count = 0;
  std::size_t with_chat_version = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kData)) {
    if (entry.path().extension() != ".eml") {
      continue;
    }
    SCOPED_TRACE(entry.path().filename().string());
    ++count;
    const Bytes raw = read_file(entry.path());
    auto r = parse(raw);
    ASSERT_TRUE(r) << r.error().to_string();
    const Part& root = *r;
    auto enc = encrypted_parts(root);
    ASSERT_TRUE(enc) << enc.error().to_string();
    EXPECT_EQ(to_string(enc->control->body), "Version: 1\n");
    const std::string armored = to_string(enc->payload->body);
    EXPECT_EQ(armored.rfind("-----BEGIN PGP MESSAGE-----\n", 0), 0u);
    EXPECT_NE(armored.find("-----END PGP MESSAGE-----"), std::string::npos);
    auto from = parse_mailbox(*root.headers.raw("From"));
    ASSERT_TRUE(from);
    EXPECT_TRUE(from->name.empty());
    EXPECT_NE(from->addr.find("@relay.test"), std::string::npos);
    const auto ids = parse_message_ids(*root.headers.raw("Message-ID"));
    ASSERT_EQ(ids.size(), 1u);
    EXPECT_EQ(ids[0].size(), 36u + 10u);
    EXPECT_EQ(ids[0].substr(36), "@localhost");
    auto to = parse_address_list(*root.headers.raw("To"));
    ASSERT_TRUE(to);
    EXPECT_TRUE(to->empty());
    EXPECT_EQ(root.headers.value("Subject"), "[...]");
    EXPECT_TRUE(parse_date(*root.headers.raw("Date")));
    EXPECT_EQ(root.headers.all_raw("Received").size(), 2u);
    if (auto cv = root.headers.value("Chat-Version")) {
      EXPECT_EQ(*cv, "1.0");
      ++with_chat_version;
    }
  }
  EXPECT_EQ(count, 33u);
  EXPECT_EQ(with_chat_version, 24u);
}

TEST(ParserCoreMails, OuterHeadersOfFirstSecureJoinStep) {
  auto r = parse(read_file(kData / "01-securejoin-setup-contact-1.eml"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->headers.raw("From"), "<bob396394477@relay.test>");
  EXPECT_EQ(parse_message_ids(*r->headers.raw("Message-ID"))[0],
            "6ef99e57-ed50-4bbc-894c-3b9b494dd6f4@localhost");
  EXPECT_EQ(parse_date(*r->headers.raw("Date")).value(), 1795022825);
  EXPECT_FALSE(r->headers.has("Chat-Version"));  // §3.1: omitted for symmetric SecureJoin steps.
  EXPECT_EQ(r->content_type.param("boundary"),
            "18ea878308ef7e7f_a6997eb61bee0526_4c19398d65314c0e");
}

// PROTOCOL.md §3.2, decrypted inner payload of a 1:1 text message (keydata shortened).
constexpr std::string_view kInnerText =
    "From: \"Alice\" <alice@dc.test>\r\n"
    "HP-Outer: From: <alice@dc.test>\r\n"
    "HP-Outer: Date: Fri, 20 Nov 2026 00:39:15 +0000\r\n"
    "Message-ID: <8baa7807-1b88-4a97-9c2b-3eca80e1a4e4@localhost>\r\n"
    "HP-Outer: Message-ID: <8baa7807-1b88-4a97-9c2b-3eca80e1a4e4@localhost>\r\n"
    "Autocrypt: addr=alice@dc.test; prefer-encrypt=mutual; keydata=xjMEawOQZRYJ\r\n"
    "\t KwYBBAHaRw8BAQdA\r\n"
    "HP-Outer: To: \"hidden-recipients\": ;\r\n"
    "HP-Outer: Subject: [...]\r\n"
    "HP-Outer: Chat-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=\"utf-8\"; protected-headers=\"v1\";\r\n"
    "\thp=\"cipher\"\r\n"
    "Date: Mon, 23 Nov 2026 01:02:20 +0000\r\n"
    "To: \"Bob\" <bob@dc.test>\r\n"
    "Subject: Message from Alice\r\n"
    "References: <8baa7807-1b88-4a97-9c2b-3eca80e1a4e4@localhost>\r\n"
    "Chat-Version: 1.0\r\n"
    "Chat-Disposition-Notification-To: alice@dc.test\r\n"
    "Content-Transfer-Encoding: 7bit\r\n"
    "\r\n"
    "Hello Bob, this is a test message.";

TEST(ParserInner, ProtectedHeadersOfTextMessage) {
  const Part p = parse_ok(kInnerText);
  EXPECT_EQ(p.mime_type(), "text/plain");
  EXPECT_EQ(p.content_type.param("hp"), "cipher");
  EXPECT_EQ(p.content_type.param("protected-headers"), "v1");
  EXPECT_EQ(p.text(), "Hello Bob, this is a test message.");
  EXPECT_EQ(parse_mailbox(*p.headers.raw("From")).value(), (Mailbox{"Alice", "alice@dc.test", ""}));
  EXPECT_EQ(p.headers.all_raw("HP-Outer").size(), 6u);
  std::string keydata = std::string(*p.headers.raw("Autocrypt"));
  EXPECT_EQ(keydata,
            "addr=alice@dc.test; prefer-encrypt=mutual; keydata=xjMEawOQZRYJ\t KwYBBAHaRw8BAQdA");
  EXPECT_EQ(p.headers.value("Subject"), "Message from Alice");
  EXPECT_EQ(p.headers.value("chat-disposition-notification-to"), "alice@dc.test");
  EXPECT_FALSE(p.is_attachment());
}

// PROTOCOL.md Appendix A2: the legacy plaintext vg-request.
constexpr std::string_view kVgRequest =
    "From: <carol@dc.test>\n"
    "Message-ID: <d284b4c1-6d90-4bee-b01c-e0f62a0cc79b@localhost>\n"
    "MIME-Version: 1.0\n"
    "Autocrypt: addr=carol@dc.test; prefer-encrypt=mutual; keydata=<KEYDATA>\n"
    "Content-Type: multipart/mixed;\n"
    "\tboundary=\"B\"\n"
    "Date: Mon, 23 Nov 2026 01:03:50 +0000\n"
    "To: <alice@dc.test>\n"
    "Subject: Message from carol@dc.test\n"
    "References: <d284b4c1-6d90-4bee-b01c-e0f62a0cc79b@localhost>\n"
    "Chat-Version: 1.0\n"
    "Secure-Join: vg-request\n"
    "Secure-Join-Invitenumber: HlZMdV0oG-3tf5YssCAjfyCS\n"
    "\n"
    "\n"
    "--B\n"
    "Content-Type: text/plain; charset=\"utf-8\"\n"
    "Content-Transfer-Encoding: 7bit\n"
    "\n"
    "Secure-Join: vg-request\n"
    "--B--\n";

TEST(ParserInner, LegacyVgRequestIsMultipartMixed) {
  const Part p = parse_ok(kVgRequest);
  EXPECT_EQ(p.mime_type(), "multipart/mixed");
  ASSERT_EQ(p.children.size(), 1u);
  EXPECT_EQ(p.children[0].text(), "Secure-Join: vg-request");
  EXPECT_EQ(p.headers.value("Secure-Join"), "vg-request");
  EXPECT_EQ(p.headers.value("Secure-Join-Invitenumber"), "HlZMdV0oG-3tf5YssCAjfyCS");
  EXPECT_FALSE(encrypted_parts(p));
  EXPECT_EQ(parse_address_list(*p.headers.raw("To")).value()[0].addr, "alice@dc.test");
}

// PROTOCOL.md Appendix A3 (inner headers only, gossip shortened).
TEST(ParserInner, MemberAddedWithRepeatedGossip) {
  const std::string mail =
      "Content-Type: text/plain; charset=\"utf-8\"; protected-headers=\"v1\"; hp=\"cipher\"\r\n"
      "To: \"Carol\" <carol@dc.test>, \"Bob\" <bob@dc.test>\r\n"
      "Chat-Group-Member-Timestamps: 1795395832 1795395824\r\n"
      "Chat-Group-Name: Test Group\r\n"
      "Chat-Group-Description: =?utf-8?B?"
      "?=\r\n"
      "Autocrypt-Gossip: addr=carol@dc.test; keydata=AAAA\r\n"
      "Autocrypt-Gossip: addr=bob@dc.test; keydata=BBBB\r\n"
      "Content-Transfer-Encoding: 7bit\r\n"
      "\r\n"
      "Member carol@dc.test was added.";
  const Part p = parse_ok(mail);
  const auto gossip = p.headers.all_raw("autocrypt-gossip");
  ASSERT_EQ(gossip.size(), 2u);
  EXPECT_EQ(gossip[1], "addr=bob@dc.test; keydata=BBBB");
  EXPECT_EQ(p.headers.value("Chat-Group-Description"), "");
  EXPECT_EQ(parse_address_list(*p.headers.raw("To")).value().size(), 2u);
}

TEST(ParserBody, DecodesTransferEncodingsAndCharsets) {
  const Part b64 = parse_ok(
      "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
      "8J+RjQ==\r\n");
  EXPECT_EQ(b64.text(), "\xF0\x9F\x91\x8D");
  const Part qp = parse_ok(
      "Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: "
      "quoted-printable\r\n\r\nd=E9j=E0 vu=\r\n, line\r\nnext");
  EXPECT_EQ(qp.text(), "d\xC3\xA9j\xC3\xA0 vu, line\nnext");
  const Part cp = parse_ok("Content-Type: text/plain; charset=windows-1252\r\n\r\n\x93hi\x94");
  EXPECT_EQ(cp.text(), "\xE2\x80\x9Chi\xE2\x80\x9D");
  // Bad base64 is decoded tolerantly.
  const Part bad = parse_ok("Content-Transfer-Encoding: base64\r\n\r\n!!!YW*Jj\r\n");
  EXPECT_EQ(to_string(bad.body), "ab\x63");
}

// PROTOCOL.md §3.6/§3.9/§6 shapes: reaction, MDN, webxdc status update, attachment.
TEST(ParserBody, NestedMultipartWithReportsAndAttachments) {
  const std::string mail =
      "Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n"
      "preamble\r\n"
      "--outer\r\n"
      "Content-Type: multipart/report; report-type=disposition-notification;\r\n"
      " boundary=\"inner\"\r\n\r\n"
      "--inner\r\n"
      "Content-Type: text/plain; charset=\"utf-8\"\r\n\r\n"
      "This is a receipt notification.\r\n"
      "--inner\r\n"
      "Content-Type: message/disposition-notification\r\n\r\n"
      "Original-Message-ID: <x@localhost>\r\n"
      "Disposition: manual-action/MDN-sent-automatically; displayed\r\n"
      "\r\n"
      "--inner--\r\n"
      "--outer\r\n"
      "Content-Type: application/octet-stream\r\n"
      "Content-Disposition: attachment; filename=\"=?utf-8?B?R3LDtsOfZSByw6lzdW3DqS50eHQ=?=\"\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\n"
      "AAEC/w==\r\n"
      "--outer\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n"
      "Content-Disposition: reaction\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\n"
      "8J+RjQ==\r\n"
      "--outer--\r\n"
      "epilogue";
  const Part p = parse_ok(mail);
  ASSERT_EQ(p.children.size(), 3u);
  const Part& report = p.children[0];
  EXPECT_TRUE(is_report(report, "disposition-notification"));
  EXPECT_FALSE(is_report(report, "status-update"));
  ASSERT_EQ(report.children.size(), 2u);
  EXPECT_EQ(report.children[0].text(), "This is a receipt notification.");
  const Part* mdn = p.find("message/disposition-notification");
  ASSERT_NE(mdn, nullptr);
  auto fields = parse_header_block(to_string(mdn->body));
  ASSERT_TRUE(fields);
  EXPECT_EQ(parse_message_ids(*fields->headers.raw("Original-Message-ID"))[0], "x@localhost");
  const Part& file = p.children[1];
  EXPECT_TRUE(file.is_attachment());
  EXPECT_EQ(file.filename,
            "Gr\xC3\xB6\xC3\x9F"
            "e r\xC3\xA9sum\xC3\xA9.txt");
  EXPECT_EQ(file.body, (Bytes{0x00, 0x01, 0x02, 0xFF}));
  const Part& reaction = p.children[2];
  EXPECT_EQ(reaction.disposition->kind, "reaction");
  EXPECT_EQ(reaction.text(), "\xF0\x9F\x91\x8D");
}

TEST(ParserBody, FilenameFallbacks) {
  const Part name_ct = parse_ok("Content-Type: image/png; name=\"a.png\"\r\n\r\nx");
  EXPECT_EQ(name_ct.filename, "a.png");
  EXPECT_TRUE(name_ct.is_attachment());
  const Part cd_2231 = parse_ok(
      "Content-Type: text/plain\r\nContent-Disposition: attachment;\r\n"
      " filename*0*=utf-8''%C3%A4; filename*1=\"b.txt\"\r\n\r\nx");
  EXPECT_EQ(cd_2231.filename,
            "\xC3\xA4"
            "b.txt");
}

TEST(ParserMalformed, UnterminatedBoundaryRunsToEnd) {
  const Part p =
      parse_ok("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\none\r\n--b\r\n\r\ntwo");
  ASSERT_EQ(p.children.size(), 2u);
  EXPECT_EQ(p.children[0].text(), "one");
  EXPECT_EQ(p.children[1].text(), "two");
}

TEST(ParserMalformed, BoundaryPrefixLinesAreContent) {
  const Part p = parse_ok(
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\n--bx not a delimiter\r\n"
      "--b  \r\n\r\nsecond\r\n--b--\r\n");
  ASSERT_EQ(p.children.size(), 2u);
  EXPECT_EQ(p.children[0].text(), "--bx not a delimiter");
}

TEST(ParserMalformed, RejectsBrokenStructure) {
  EXPECT_EQ(parse(as_bytes("Content-Type: multipart/mixed\r\n\r\nx")).error().code, Errc::Parse);
  EXPECT_EQ(
      parse(as_bytes("Content-Type: multipart/mixed; boundary=z\r\n\r\nno parts")).error().code,
      Errc::Parse);
  EXPECT_EQ(parse(as_bytes("not a header\r\n\r\n")).error().code, Errc::Parse);
  EXPECT_EQ(parse(as_bytes("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nbad line\r\n"
                           "--b--"))
                .error()
                .code,
            Errc::Parse);
}

TEST(ParserMalformed, EnforcesDepthPartsAndSize) {
  // 40 nested multiparts with distinct boundaries.
  std::string deep;
  for (int i = 0; i < 40; ++i) {
    deep += "Content-Type: multipart/mixed; boundary=b" + std::to_string(i) + "\r\n\r\n--b"
            + std::to_string(i) + "\r\n";
  }
  deep += "\r\nleaf";
  EXPECT_EQ(parse(as_bytes(deep)).error().code, Errc::Parse);
  Limits relaxed;
  relaxed.max_depth = 64;
  EXPECT_TRUE(parse(as_bytes(deep), relaxed));

  std::string many = "Content-Type: multipart/mixed; boundary=b\r\n\r\n";
  for (int i = 0; i < 50; ++i) {
    many += "--b\r\n\r\nx\r\n";
  }
  many += "--b--\r\n";
  Limits few;
  few.max_parts = 10;
  EXPECT_EQ(parse(as_bytes(many), few).error().code, Errc::Parse);
  EXPECT_EQ(parse(as_bytes(many)).value().children.size(), 50u);

  Limits tiny;
  tiny.max_size = 10;
  EXPECT_EQ(parse(as_bytes(many), tiny).error().code, Errc::Parse);
  std::string huge_header = "X: " + std::string(200 * 1024, 'a') + "\r\n\r\n";
  EXPECT_EQ(parse(as_bytes(huge_header)).error().code, Errc::Parse);
}

TEST(ParserMalformed, EncryptedPartsChecksShape) {
  EXPECT_FALSE(encrypted_parts(
      parse_ok("Content-Type: multipart/encrypted; boundary=b\r\n\r\n--b\r\n"
               "Content-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n--b--\r\n")));
  EXPECT_FALSE(encrypted_parts(
      parse_ok("Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; "
               "boundary=b\r\n\r\n"
               "--b\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n--b\r\n"
               "Content-Type: text/plain\r\n\r\nx\r\n--b--\r\n")));
}

TEST(ParserMalformed, GarbageNeverCrashes) {
  std::string s;
  std::uint32_t x = 12345;
  for (int round = 0; round < 300; ++round) {
    s.clear();
    const int len = static_cast<int>(x % 400);
    for (int i = 0; i < len; ++i) {
      x = x * 1103515245u + 12345u;
      static constexpr std::string_view kAlphabet = "ab:=?;\"\r\n -B<>@\t\xC3\xFF*'%";
      s += kAlphabet[(x >> 16) % kAlphabet.size()];
    }
    (void)parse(as_bytes("Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n" + s));
    (void)parse(as_bytes(s));
  }
  SUCCEED();
}

}  // namespace
}  // namespace dcbot::mime
