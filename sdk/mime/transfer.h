// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <string_view>

#include "base/bytes.h"

// Content-Transfer-Encoding body codecs (RFC 2045 §6). Decoders are tolerant, as RFC 2045 asks of
// receivers: they never fail and never crash on untrusted bytes.
namespace dcbot::mime {

enum class TransferEncoding { SevenBit, EightBit, Binary, QuotedPrintable, Base64 };

// Parses a Content-Transfer-Encoding value (case-insensitive). Unknown or empty values are treated
// as 7bit, i.e. the body is taken as it is (RFC 2045 §6.4 says such parts are opaque).
TransferEncoding parse_transfer_encoding(std::string_view value);

// The header token: "7bit", "8bit", "binary", "quoted-printable" or "base64".
std::string_view transfer_encoding_name(TransferEncoding encoding);

// RFC 2045 §6.7 quoted-printable decoding. Soft line breaks ("=" CRLF or "=" LF) are removed,
// trailing whitespace on encoded lines is dropped (rule 3), malformed "=" sequences are kept
// literally (the "robust implementation" note of §6.7).
Bytes qp_decode(ByteView data);

// RFC 2045 §6.7 quoted-printable encoding of text: line breaks (LF or CRLF) become CRLF hard
// breaks, lines are soft-broken so no encoded line exceeds 76 characters.
std::string qp_encode(ByteView data);

// RFC 2045 §6.8 base64 body decoding: characters outside the alphabet are ignored, decoding stops
// at the first "=", and a dangling partial group is dropped.
Bytes base64_body_decode(ByteView data);

// Base64 in lines of 76 characters separated by CRLF, with a final CRLF (RFC 2045 §6.8).
std::string base64_body_encode(ByteView data);

// Decodes a body according to `encoding`; 7bit/8bit/binary bodies are returned unchanged.
Bytes decode_body(ByteView data, TransferEncoding encoding);

// The encoding the builder uses for a text body: 7bit if it is ASCII without NUL/bare CR and every
// line is at most 78 bytes; otherwise quoted-printable when that is at most ~1/3 bigger, else
// base64.
TransferEncoding choose_text_encoding(ByteView data);

}  // namespace dcbot::mime
