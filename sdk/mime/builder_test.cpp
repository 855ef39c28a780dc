// SPDX-License-Identifier: MIT
#include "mime/builder.h"

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "mime/address.h"
#include "mime/date.h"
#include "mime/parser.h"

namespace dcbot::mime {
namespace {

// Deterministic "randomness" for tests.
void counting_random(std::span<std::uint8_t> out) {
  std::uint8_t v = 0;
  for (auto& b : out) {
    b = v++;
  }
}

void expect_line_limits(std::string_view text, std::size_t soft) {
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t eol = text.find("\r\n", start);
    if (eol == std::string_view::npos) {
      eol = text.size();
    }
    EXPECT_LE(eol - start, soft) << text.substr(start, eol - start);
    // Line ends are always CRLF: no bare LF inside a line.
    EXPECT_EQ(text.substr(start, eol - start).find('\n'), std::string_view::npos);
    start = eol + 2;
  }
}

TEST(Builder, MessageIdIsUuidV4AtLocalhost) {
  const std::string id = make_message_id(counting_random);
  EXPECT_EQ(id, "00010203-0405-4607-8809-0a0b0c0d0e0f@localhost");
  EXPECT_EQ(make_boundary(counting_random), "0001020304050607_08090a0b0c0d0e0f_1011121314151617");
}

TEST(Builder, AutocryptValueSplitsKeydata) {
  const Bytes key(300, 0x42);
  const std::string value = autocrypt_value("alice@dc.test", key);
  const std::string prefix = "addr=alice@dc.test; prefer-encrypt=mutual; keydata=";
  ASSERT_EQ(value.rfind(prefix, 0), 0u);
  const std::string data = value.substr(prefix.size());
  EXPECT_EQ(data.find(' '), 70u);
  EXPECT_EQ(data.find(' ', 71), 70u + 1 + 78);
  std::string joined;
  for (char c : data) {
    if (c != ' ') {
      joined += c;
    }
  }
  EXPECT_EQ(base64_decode(joined).value(), key);
  EXPECT_EQ(autocrypt_value("b@x", Bytes{1}, true), "addr=b@x; keydata=AQ==");
  // Folded as a header, every line stays short and the value unfolds back.
  const std::string header = fold_header("Autocrypt", value);
  expect_line_limits(header, 80);
  auto parsed = parse_header_block(header + "\r\n");
  ASSERT_TRUE(parsed);
  std::string back(*parsed->headers.raw("Autocrypt"));
  std::erase(back, ' ');
  std::string expect = value;
  std::erase(expect, ' ');
  EXPECT_EQ(back, expect);
}

TEST(Builder, TextPartChoosesEncodingAndRoundTrips) {
  for (const std::string& text : {std::string("Hello Bob,\nthis is a test message."),
                                  std::string("Gr\xC3\xBC\xC3\x9F"
                                              "e aus K\xC3\xB6ln, = sign and a long line ")
                                      + std::string(120, 'x'),
                                  std::string("\xF0\x9F\x98\x80\xF0\x9F\x8E\x89"), std::string(),
                                  std::string("-- \nstatus line")}) {
    const Entity e = text_part(text);
    const std::string wire = render(e);
    expect_line_limits(wire, 78);
    auto p = parse(as_bytes(wire));
    ASSERT_TRUE(p) << wire;
    EXPECT_EQ(p->mime_type(), "text/plain");
    EXPECT_EQ(p->text(), text) << wire;
  }
  EXPECT_EQ(text_part("plain").transfer_encoding, TransferEncoding::SevenBit);
  EXPECT_EQ(text_part("caf\xC3\xA9 au lait").transfer_encoding, TransferEncoding::QuotedPrintable);
  EXPECT_EQ(text_part("\xF0\x9F\x98\x80").transfer_encoding, TransferEncoding::Base64);
}

TEST(Builder, MixedMessageRoundTripsHeadersTextAndFiles) {
  Bytes binary;
  for (int i = 0; i < 1000; ++i) {
    binary.push_back(static_cast<std::uint8_t>(i * 7));
  }
  const std::string name =
      "Gr\xC3\xB6\xC3\x9F"
      "e r\xC3\xA9sum\xC3\xA9.txt";
  std::vector<Entity> parts;
  parts.push_back(text_part("caption \xE2\x9C\x8F\xEF\xB8\x8F"));
  parts.push_back(attachment_part("text/plain", name, as_bytes("file contents\n")));
  parts.push_back(attachment_part("application/octet-stream", "big.bin", binary));
  const Entity root = multipart("mixed", std::move(parts), make_boundary(counting_random));
  const std::vector<HeaderField> prefix = {
      {"From", format_mailbox({"J\xC3\xBCrgen M\xC3\xBCller", "j@dc.test", ""})},
      {"To", format_address_list({{"Bob", "bob@dc.test", ""}, {"", "carol@dc.test", ""}})},
      {"Subject", encode_text("Gr\xC3\xBC\xC3\x9F"
                              "e \xF0\x9F\x91\x8B and a rather long subject "
                              "line that certainly needs folding somewhere")},
      {"Date", format_date(1795396398)},
      {"Chat-Version", "1.0"},
  };
  const std::string wire = render(root, prefix);
  expect_line_limits(wire, 78);
  EXPECT_NE(wire.find("filename=\"=?utf-8?B?R3LDtsOfZSByw6lzdW3DqS50eHQ=?=\""), std::string::npos);

  auto p = parse(as_bytes(wire));
  ASSERT_TRUE(p) << p.error().to_string();
  EXPECT_EQ(parse_mailbox(*p->headers.raw("From")).value().name, "J\xC3\xBCrgen M\xC3\xBCller");
  EXPECT_EQ(parse_address_list(*p->headers.raw("To")).value().size(), 2u);
  EXPECT_EQ(p->headers.value("Subject"),
            "Gr\xC3\xBC\xC3\x9F"
            "e \xF0\x9F\x91\x8B and a rather long subject line that certainly "
            "needs folding somewhere");
  EXPECT_EQ(parse_date(*p->headers.raw("Date")).value(), 1795396398);
  ASSERT_EQ(p->children.size(), 3u);
  EXPECT_EQ(p->children[0].text(), "caption \xE2\x9C\x8F\xEF\xB8\x8F");
  EXPECT_EQ(p->children[1].filename, name);
  EXPECT_EQ(to_string(p->children[1].body), "file contents\n");
  EXPECT_EQ(p->children[2].filename, "big.bin");
  EXPECT_EQ(p->children[2].body, binary);
  EXPECT_TRUE(p->children[2].is_attachment());
}

TEST(Builder, EncryptedEnvelopeMatchesProtocol31) {
  const std::string armored =
      "-----BEGIN PGP MESSAGE-----\n\nwUcGABIBB0BT2JHr\n=Vxbo\n-----END PGP MESSAGE-----\n";
  OuterHeaders outer;
  outer.from_addr = "alice@dc.test";
  outer.date = 1795009161;
  outer.message_id = "8baa7807-1b88-4a97-9c2b-3eca80e1a4e4@localhost";
  const std::string wire =
      build_encrypted_message(outer, armored, "18ea878308ef7e7f_a6997eb61bee0526_4c19398d65314c0e");
  const std::string expected =
      "From: <alice@dc.test>\r\n"
      "Date: Wed, 18 Nov 2026 13:39:21 +0000\r\n"
      "Message-ID: <8baa7807-1b88-4a97-9c2b-3eca80e1a4e4@localhost>\r\n"
      "MIME-Version: 1.0\r\n"
      "To: \"hidden-recipients\": ;\r\n"
      "Subject: [...]\r\n"
      "Chat-Version: 1.0\r\n"
      "Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\";\r\n"
      " boundary=\"18ea878308ef7e7f_a6997eb61bee0526_4c19398d65314c0e\"\r\n"
      "\r\n"
      "\r\n"
      "--18ea878308ef7e7f_a6997eb61bee0526_4c19398d65314c0e\r\n"
      "Content-Type: application/pgp-encrypted; charset=\"utf-8\"\r\n"
      "Content-Transfer-Encoding: 7bit\r\n"
      "\r\n"
      "Version: 1\r\n"
      "\r\n"
      "--18ea878308ef7e7f_a6997eb61bee0526_4c19398d65314c0e\r\n"
      "Content-Type: application/octet-stream; charset=\"utf-8\"\r\n"
      "Content-Transfer-Encoding: 7bit\r\n"
      "\r\n"
      "-----BEGIN PGP MESSAGE-----\r\n"
      "\r\n"
      "wUcGABIBB0BT2JHr\r\n"
      "=Vxbo\r\n"
      "-----END PGP MESSAGE-----\r\n"
      "\r\n"
      "--18ea878308ef7e7f_a6997eb61bee0526_4c19398d65314c0e--\r\n";
  EXPECT_EQ(wire, expected);
  auto p = parse(as_bytes(wire));
  ASSERT_TRUE(p);
  auto enc = encrypted_parts(*p);
  ASSERT_TRUE(enc);
  EXPECT_EQ(to_string(enc->payload->body),
            std::string("-----BEGIN PGP MESSAGE-----\r\n\r\nwUcGABIBB0BT2JHr\r\n=Vxbo\r\n-----END "
                        "PGP MESSAGE-----\r\n"));

  outer.chat_version = false;
  outer.post_message = true;
  const std::string post = build_encrypted_message(outer, armored, "b");
  EXPECT_EQ(post.find("Chat-Version"), std::string::npos);
  EXPECT_NE(post.find("Chat-Is-Post-Message: 1\r\n"), std::string::npos);
}

TEST(Builder, ProtectedInnerPayloadOfProtocol32) {
  const std::string mid = "8baa7807-1b88-4a97-9c2b-3eca80e1a4e4@localhost";
  const std::vector<HeaderField> outer = {{"From", "<alice@dc.test>"},
                                          {"Date", format_date(1795009161)},
                                          {"Message-ID", format_message_id(mid)}};
  std::vector<HeaderField> prefix = {{"From", format_mailbox({"Alice", "alice@dc.test", ""})}};
  for (const auto& h : hp_outer(outer)) {
    prefix.push_back(h);
  }
  prefix.push_back({"Autocrypt", autocrypt_value("alice@dc.test", Bytes(200, 7))});
  const std::vector<HeaderField> protected_headers = {
      {"Date", format_date(1795396398)},
      {"To", format_mailbox({"Bob", "bob@dc.test", ""})},
      {"Subject", "Message from Alice"},
      {"Chat-Version", "1.0"}};
  const std::string wire =
      render_protected(text_part("Hello Bob, this is a test message."), prefix, protected_headers);
  EXPECT_NE(wire.find("HP-Outer: From: <alice@dc.test>\r\n"), std::string::npos);
  const std::size_t ct = wire.find("Content-Type: text/plain; charset=\"utf-8\";");
  const std::size_t date = wire.find("\r\nDate: ");
  const std::size_t cte = wire.find("Content-Transfer-Encoding: 7bit\r\n\r\n");
  ASSERT_NE(ct, std::string::npos);
  EXPECT_LT(wire.find("Autocrypt: "), ct);
  EXPECT_LT(ct, date);
  EXPECT_LT(date, cte);
  auto p = parse(as_bytes(wire));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->content_type.param("hp"), "cipher");
  EXPECT_EQ(p->content_type.param("protected-headers"), "v1");
  EXPECT_EQ(p->headers.all_raw("HP-Outer").size(), 3u);
  EXPECT_EQ(p->text(), "Hello Bob, this is a test message.");
  EXPECT_EQ(parse_mailbox(*p->headers.raw("To")).value().addr, "bob@dc.test");
}

TEST(Builder, ReadReceiptReport) {
  const Entity mdn = mdn_report("orig@localhost", {"a@localhost", "b@localhost"}, "mdnb");
  const std::string wire = render(mdn, {{"Subject", "Receipt Notification"}});
  auto p = parse(as_bytes(wire));
  ASSERT_TRUE(p);
  EXPECT_TRUE(is_report(*p, "disposition-notification"));
  ASSERT_EQ(p->children.size(), 2u);
  EXPECT_EQ(p->children[0].text(), "This is a receipt notification.");
  auto fields = parse_header_block(to_string(p->children[1].body));
  ASSERT_TRUE(fields);
  EXPECT_EQ(fields->headers.raw("Original-Message-ID"), "<orig@localhost>");
  EXPECT_EQ(parse_message_ids(*fields->headers.raw("Additional-Message-IDs")).size(), 2u);
  EXPECT_EQ(fields->headers.raw("Disposition"), "manual-action/MDN-sent-automatically; displayed");
}

TEST(Builder, WebxdcStatusUpdateReport) {
  const std::string json = R"({"updates":[{"payload":{"x":1},"info":"Alice did x"}]})";
  const Entity e = status_update_report("Webxdc Status Update", json, "xdc");
  auto p = parse(as_bytes(render(e)));
  ASSERT_TRUE(p);
  EXPECT_TRUE(is_report(*p, "status-update"));
  ASSERT_EQ(p->children.size(), 2u);
  EXPECT_EQ(p->children[1].mime_type(), "application/json");
  EXPECT_EQ(p->children[1].filename, "status-update.json");
  EXPECT_EQ(to_string(p->children[1].body), json);
}

TEST(Builder, EncodeTextLeavesAsciiAlone) {
  EXPECT_EQ(encode_text("Hello"), "Hello");
  EXPECT_EQ(encode_text("\xC3\xA4"), "=?utf-8?B?w6Q=?=");
}

}  // namespace
}  // namespace dcbot::mime
