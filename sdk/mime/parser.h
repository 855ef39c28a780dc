// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "dcbot/result.h"
#include "mime/header.h"
#include "mime/transfer.h"

// RFC 2045/2046 message parsing into a tree of parts. Sans-IO: bytes in, a Part tree out. The
// input is untrusted: malformed mail gives Errc::Parse, never a crash, and every dimension
// (size, depth, part count, header block) is bounded by Limits.
namespace dcbot::mime {

struct Limits {
  std::size_t max_size = 64 * 1024 * 1024;
  std::size_t max_depth = 16;  // Nesting of multiparts; the root is depth 0.
  std::size_t max_parts = 1000;
  HeaderLimits headers;
};

// One MIME entity. The root part also holds the message's RFC 5322 header fields.
struct Part {
  Headers headers;
  // From the Content-Type field, or the RFC 2045 §5.2 default text/plain.
  ContentType content_type;
  std::optional<ContentDisposition> disposition;
  // Decoded file name: Content-Disposition filename (RFC 2231 or quoted RFC 2047 word), else
  // Content-Disposition name, else Content-Type name; empty if none. Not sanitised: callers must
  // not use it as a path.
  std::string filename;
  TransferEncoding transfer_encoding = TransferEncoding::SevenBit;
  // The content with the transfer encoding removed; empty for multiparts.
  Bytes body;
  // Sub-parts of a multipart, in order.
  std::vector<Part> children;

  std::string mime_type() const { return content_type.mime_type(); }

  bool is_multipart() const { return content_type.is_multipart(); }

  // True for `Content-Disposition: attachment` or a part with a file name.
  bool is_attachment() const;

  // The body converted to UTF-8 from its charset parameter, with CRLF turned into LF. A missing
  // or US-ASCII charset keeps valid UTF-8 (a common mislabelling) and replaces invalid bytes.
  std::string text() const;

  // The first part (this one or a descendant, depth first) whose mime type is `mime_type`.
  const Part* find(std::string_view mime_type) const;
};

// Parses a whole message. Errc::Parse on a malformed header block, a multipart without boundary
// or without any delimiter line, or a limit exceeded. An unterminated multipart (no close
// delimiter) is accepted: its last part runs to the end, as receivers are asked to be tolerant.
Result<Part> parse(ByteView raw, const Limits& limits = {});

// The two parts of an RFC 3156 §4 multipart/encrypted message.
struct EncryptedParts {
  const Part* control = nullptr;  // application/pgp-encrypted, body "Version: 1".
  const Part* payload = nullptr;  // application/octet-stream, the ASCII-armored message.
};

// Checks `root` is multipart/encrypted with protocol application/pgp-encrypted and exactly two
// children of the RFC 3156 types and returns them (pointers into `root`). Errc::Parse otherwise.
Result<EncryptedParts> encrypted_parts(const Part& root);

// True if `part` is multipart/report (RFC 6522) and, when `report_type` is not empty, its
// report-type parameter equals it (case-insensitive): "disposition-notification", "status-update".
bool is_report(const Part& part, std::string_view report_type = {});

}  // namespace dcbot::mime
