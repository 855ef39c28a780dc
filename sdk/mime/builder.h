// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "mime/header.h"
#include "mime/transfer.h"

// Writing MIME the way the Delta Chat core (via mail-builder) does: CRLF line ends, headers folded
// at whitespace, RFC 2047 words for non-ASCII text, addresses in <>, the RFC 3156 outer envelope of
// PROTOCOL.md §3.1 and the RFC 9788 protected inner header block of §3.2. No crypto here: callers
// pass randomness in.
namespace dcbot::mime {

// Fills the span with random bytes (the caller's CSPRNG).
using RandomFn = std::function<void(std::span<std::uint8_t>)>;

// An entity to render. Header values are in wire form (use encode_text / format_mailbox / ...).
struct Entity {
  // Type and parameters without boundary, e.g. `text/plain; charset="utf-8"`.
  std::string content_type;
  // Rendered after Content-Type in this order.
  std::vector<HeaderField> headers;
  // Rendered last as Content-Transfer-Encoding (single parts only).
  TransferEncoding transfer_encoding = TransferEncoding::SevenBit;
  // The transfer-encoded body with CRLF line ends (single parts only).
  std::string body;
  // Sub-parts (multiparts only) and their boundary.
  std::vector<Entity> children;
  std::string boundary;

  bool is_multipart() const { return content_type.rfind("multipart/", 0) == 0; }

  void add_header(std::string name, std::string value) {
    headers.push_back(HeaderField{std::move(name), std::move(value)});
  }
};

// `text` as is when it is header-safe ASCII, else RFC 2047 B words (unstructured fields: Subject,
// Chat-Group-Name, ...).
std::string encode_text(std::string_view text);

// A `text/plain; charset="utf-8"` part. Line ends become CRLF; the transfer encoding is chosen by
// choose_text_encoding (7bit, quoted-printable or base64).
Entity text_part(std::string_view utf8_text);

// An attachment: `Content-Type: <mime_type>`, `Content-Disposition: attachment;
// filename="<name>"` (a quoted RFC 2047 word if non-ASCII, as in §3.3), base64 body.
Entity attachment_part(std::string_view mime_type, std::string_view filename, ByteView data);

// A multipart/<subtype> with `extra_params` (already formatted, e.g. `; report-type="x"`)
// between the type and the boundary parameter.
Entity multipart(std::string_view subtype, std::vector<Entity> children, std::string boundary,
                 std::string extra_params = {});

// Renders `prefix` fields, the Content-Type (with boundary), the entity's headers, the
// Content-Transfer-Encoding, an empty line and the body. Multipart children are rendered
// recursively. DCBOT_CHECKs that multiparts have a boundary.
std::string render(const Entity& entity, const std::vector<HeaderField>& prefix = {});

// The `Autocrypt:` / `Autocrypt-Gossip:` value of PROTOCOL.md §2: `addr=<addr>;
// prefer-encrypt=mutual; keydata=<base64>` (no prefer-encrypt for gossip), with a space inserted
// into the base64 every 78 characters, the first run shortened so it fits after "keydata=".
std::string autocrypt_value(std::string_view addr, ByteView keydata, bool gossip = false);

// "<uuid-v4>@localhost" (without angle brackets) from 16 random bytes (RFC 9562 §5.4 version and
// variant bits are set here). DCBOT_CHECKs the size.
std::string make_message_id(ByteView random16);
std::string make_message_id(const RandomFn& random);

// A boundary like the core's: three groups of 16 hex digits joined by "_".
std::string make_boundary(const RandomFn& random);

// The outer header fields of an encrypted chat message (§3.1).
struct OuterHeaders {
  std::string from_addr;
  std::int64_t date = 0;   // Unix seconds, already randomised by the caller if wanted.
  std::string message_id;  // Without angle brackets.
  bool chat_version = true;
  bool post_message = false;
};

// The complete RFC 3156 message of §3.1 around `armored` (an ASCII-armored OpenPGP message; LF line
// ends are converted to CRLF).
std::string build_encrypted_message(const OuterHeaders& outer, std::string_view armored,
                                    std::string_view boundary);

// The inner payload of §3.2: `prefix` (From, HP-Outer lines, Message-ID, Autocrypt ...) before the
// root's Content-Type, which gets `protected-headers="v1"; hp="cipher"` appended, then
// `protected_headers` (Date, To, Subject, Chat-* ...), then the root's own headers.
std::string render_protected(Entity root, const std::vector<HeaderField>& prefix,
                             const std::vector<HeaderField>& protected_headers);

// `HP-Outer: <Name>: <value>` copies of outer header fields (RFC 9788 §2.2).
std::vector<HeaderField> hp_outer(const std::vector<HeaderField>& outer);

// The body of a read receipt (§3.9): multipart/report; report-type=disposition-notification with
// "This is a receipt notification." and a message/disposition-notification part.
Entity mdn_report(std::string_view original_message_id,
                  const std::vector<std::string>& additional_message_ids, std::string boundary);

// A webxdc status update body (§6): multipart/report; report-type=status-update with `text` and
// an application/json attachment "status-update.json".
Entity status_update_report(std::string_view text, std::string_view json, std::string boundary);

}  // namespace dcbot::mime
