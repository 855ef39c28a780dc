// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dcbot/result.h"

// Builders for IMAP client commands (RFC 9051 §6). Pure string building, no I/O: the Session
// sends the parts of a Command and handles the continuation requests between them.
namespace dcbot::imap {

// A command ready for the wire. `parts` are sent in order; every part after the first must wait
// for a continuation request ("+ ...") from the server: it follows a synchronising literal or is
// a SASL response. Each part ends in CRLF.
struct Command {
  std::string tag;
  std::vector<std::string> parts;

  // All parts joined: the exact bytes the server receives.
  std::string text() const;
};

struct CommandOptions {
  // The server advertised LITERAL+ (RFC 7888): literals are sent as `{n+}` without waiting.
  bool literal_plus = false;
};

// Assembles one command: `CommandBuilder("a1", "LOGIN").astring(user).astring(pass).build()`.
// Arguments are separated by single spaces.
class CommandBuilder {
 public:
  CommandBuilder(std::string tag, std::string_view name, CommandOptions options = {});

  // A bare atom; the text must be a valid atom (programmer error otherwise).
  CommandBuilder& atom(std::string_view text);

  CommandBuilder& number(std::uint64_t n);

  // Astring: an atom when every byte is an ATOM-CHAR, a quoted string when quotable, else a
  // literal. `text` must not contain NUL (check with is_sendable_string first).
  CommandBuilder& astring(std::string_view text);

  // A string that is never sent as an atom: quoted when quotable, else a literal.
  CommandBuilder& string(std::string_view text);

  // Always a literal; `bytes` must not contain NUL.
  CommandBuilder& literal(std::string_view bytes);

  // Pre-built syntax such as a sequence set or `(UID RFC822.SIZE BODY.PEEK[])`; no CR or LF.
  CommandBuilder& raw(std::string_view text);

  // Appends the final CRLF.
  Command build();

 private:
  void separate();

  Command command_;
  CommandOptions options_;
};

// True if `text` can be sent as an IMAP string (quoted or literal): it holds no NUL.
bool is_sendable_string(std::string_view text);

// True if `text` can be sent inside double quotes: 7-bit, no CR, LF or NUL, at most 1000 bytes.
bool is_quotable(std::string_view text);

// `"text"` with `"` and `\` escaped; `text` must be quotable.
std::string quote(std::string_view text);

// A compact sequence set for the given numbers: {7, 1, 2, 3, 5} -> "1:3,5,7". Duplicates are
// ignored; the input must not be empty and must not contain 0.
std::string sequence_set(std::vector<std::uint32_t> numbers);

// "first:*", everything from `first` on (RFC 9051 §9 seq-range).
std::string sequence_from(std::uint32_t first);

// LOGIN user password, each as an astring (a literal if needed). Errc::InvalidArgument if a
// credential contains NUL.
[[nodiscard]] Result<Command> make_login(std::string tag, std::string_view user,
                                         std::string_view password, CommandOptions options = {});

// AUTHENTICATE PLAIN (RFC 4616, RFC 9051 §6.2.2). With `sasl_ir` (RFC 4959) the response is
// sent inline in one part, otherwise as a second part after the server's "+". Errc::InvalidArgument
// if a credential contains NUL.
[[nodiscard]] Result<Command> make_authenticate_plain(std::string tag, std::string_view user,
                                                      std::string_view password, bool sasl_ir);

// UID FETCH <set> <items>, e.g. make_uid_fetch("a5", "5:*", "(UID RFC822.SIZE BODY.PEEK[])").
Command make_uid_fetch(std::string tag, std::string_view set, std::string_view items);

}  // namespace dcbot::imap
