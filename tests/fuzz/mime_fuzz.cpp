// SPDX-License-Identifier: MIT
// Parsing arbitrary bytes as a mail never crashes; every helper that reads parsed values (address
// lists, message ids, dates, encoded words, parameters) also survives whatever the parser returns.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/bytes.h"
#include "mime/address.h"
#include "mime/builder.h"
#include "mime/date.h"
#include "mime/encoded_word.h"
#include "mime/header.h"
#include "mime/parser.h"

namespace {

void visit(const dcbot::mime::Part& part) {
  (void)part.text();
  (void)part.is_attachment();
  (void)dcbot::mime::encrypted_parts(part);
  (void)dcbot::mime::is_report(part, "disposition-notification");
  for (const auto& field : part.headers.fields()) {
    (void)field.value();
  }
  for (const char* name : {"From", "To", "Cc", "Chat-Group-Past-Members"}) {
    if (auto raw = part.headers.raw(name)) {
      (void)dcbot::mime::parse_address_list(*raw);
    }
  }
  for (const char* name : {"Message-ID", "In-Reply-To", "References"}) {
    if (auto raw = part.headers.raw(name)) {
      (void)dcbot::mime::parse_message_ids(*raw);
    }
  }
  if (auto raw = part.headers.raw("Date")) {
    (void)dcbot::mime::parse_date(*raw);
  }
  for (const auto& child : part.children) {
    visit(child);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const dcbot::ByteView bytes(data, size);
  if (auto part = dcbot::mime::parse(bytes)) {
    visit(*part);
  }
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)dcbot::mime::decode_encoded_words(text);
  (void)dcbot::mime::parse_content_type(text);
  // What is folded for output parses back as one field.
  auto folded = dcbot::mime::parse_header_block(dcbot::mime::fold_header("X", text) + "\r\n");
  DCBOT_CHECK(folded && folded->headers.size() == 1, "folded header parses back");
  return 0;
}
