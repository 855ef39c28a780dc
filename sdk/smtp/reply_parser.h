// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "dcbot/result.h"

// Sans-IO SMTP reply parsing (RFC 5321 §4.2, enhanced status codes RFC 3463 / RFC 2034) and
// the helpers the session needs that don't touch a socket: EHLO extension parsing and the DATA
// transparency encoding.
namespace dcbot::smtp {

// An enhanced status code "class.subject.detail", e.g. 4.7.1.
struct EnhancedCode {
  int klass = 0;
  int subject = 0;
  int detail = 0;

  [[nodiscard]] std::string to_string() const;

  friend bool operator==(const EnhancedCode&, const EnhancedCode&) = default;
};

// What a client should do about a reply or a failed command.
enum class Disposition {
  Ok,            // 2xx: done
  Intermediate,  // 3xx: send the next part (354 after DATA, 334 during AUTH)
  Transient,     // 4xx (and 5.5.0): try again later, e.g. "450 4.7.1" from the chatmail rate limit
  Permanent,     // 5xx: retrying the same thing will fail again
};

std::string_view disposition_name(Disposition d);

// One complete reply: all lines of a multi-line reply joined.
struct Reply {
  int code = 0;                          // 200..599
  std::optional<EnhancedCode> enhanced;  // taken from the first line, when present
  std::vector<std::string> lines;        // the text of each line, code and enhanced code removed

  // The lines joined with "\n".
  [[nodiscard]] std::string text() const;
  // "450 4.7.1 too much mail" (first line only, for error messages and logs).
  [[nodiscard]] std::string summary() const;
  [[nodiscard]] Disposition disposition() const;

  [[nodiscard]] bool is_ok() const { return code >= 200 && code < 300; }

  // The chatmail relay's per-sender rate limit (PROTOCOL.md §7.3): 450 4.7.1.
  [[nodiscard]] bool is_rate_limited() const;
};

// Classifies a reply as the Delta Chat core does: by the first digit, except that the enhanced
// code 5.5.0 ("other or undefined protocol status") counts as transient, since servers use it for
// conditions that go away (e.g. a too-busy greylisting front end).
Disposition classify(int code, const std::optional<EnhancedCode>& enhanced);

// Assembles replies from lines. Feed each line without its CRLF; a reply is returned after its
// last line ("250 ..." following any "250-..."). Errors (Errc::Parse): a line that isn't a reply
// line, continuation lines with different codes, too many lines. After an error the parser is
// reset; the connection should be dropped anyway.
class ReplyParser {
 public:
  static constexpr std::size_t kMaxLines = 1000;

  Result<std::optional<Reply>> feed_line(std::string_view line);

  // Feeds raw bytes (any split); returns every reply completed by them, in order.
  Result<std::vector<Reply>> feed(ByteView bytes);

  // True between the first and last line of a multi-line reply, or with a partial line buffered.
  [[nodiscard]] bool in_progress() const { return pending_.has_value() || !partial_.empty(); }

 private:
  std::optional<Reply> pending_;
  std::string partial_;  // bytes of an unfinished line given to feed()
};

// The extensions a server announced in its EHLO reply (RFC 5321 §4.1.1.1).
struct Extensions {
  bool starttls = false;               // RFC 3207
  bool pipelining = false;             // RFC 2920
  bool eight_bit_mime = false;         // RFC 6152
  bool smtp_utf8 = false;              // RFC 6531
  bool enhanced_status_codes = false;  // RFC 2034
  std::optional<std::uint64_t> size;   // RFC 1870: the limit, 0 meaning "no fixed limit"
  std::vector<std::string> auth;       // RFC 4954 mechanisms, upper case

  [[nodiscard]] bool has_auth(std::string_view mechanism) const;
};

Extensions parse_ehlo(const Reply& reply);

// Encodes a message for DATA (RFC 5321 §4.5.2): every line ending becomes CRLF (bare LF and bare
// CR too, §2.3.8), lines starting with "." get another ".", and the terminating ".\r\n" is
// appended (after a CRLF if the message doesn't end with one).
Bytes encode_data(ByteView message);

// True when `address` can go between <> in MAIL FROM / RCPT TO: no CR, LF, NUL, <, > or spaces.
bool is_valid_address(std::string_view address);

}  // namespace dcbot::smtp
