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

// Sans-IO parser for IMAP server responses (RFC 9051 §7, RFC 3501 §7). Bytes go in through
// feed(); complete responses come out of next(). No sockets, no Asio: the Session owns one
// Parser and pumps socket reads into it.
namespace dcbot::imap {

// One data item of a response: an atom, a number, a string (quoted or literal), NIL or a
// parenthesised list. Section specifiers stay part of the atom text: `BODY[HEADER.FIELDS (A B)]`.
struct Value {
  enum class Kind : std::uint8_t { Nil, Atom, Number, String, List };

  Kind kind = Kind::Nil;
  // Atom text, the digits of a number, or the (unescaped, binary-safe) contents of a string.
  std::string text;
  // The value of a Kind::Number.
  std::uint64_t number = 0;
  // The elements of a Kind::List.
  std::vector<Value> items;

  bool is_nil() const { return kind == Kind::Nil; }

  bool is_atom() const { return kind == Kind::Atom; }

  bool is_number() const { return kind == Kind::Number; }

  bool is_string() const { return kind == Kind::String; }

  bool is_list() const { return kind == Kind::List; }

  // True for an atom equal to `keyword` ignoring ASCII case.
  bool is(std::string_view keyword) const;

  // True for an atom, number or string (the RFC's astring, plus numbers, which are atoms too).
  bool has_text() const {
    return kind == Kind::Atom || kind == Kind::Number || kind == Kind::String;
  }

  friend bool operator==(const Value&, const Value&) = default;
};

Value make_atom(std::string text);
Value make_number(std::uint64_t number);
Value make_string(std::string text);
Value make_list(std::vector<Value> items);

// A bracketed response code: `[UIDVALIDITY 3857529045]`, `[CAPABILITY IMAP4rev1 IDLE]`,
// `[APPENDUID 38505 3955]`. `name` is upper-cased; `raw` is the text between the name and `]`.
// `args` holds that text parsed as values, or is empty when it is free text (`[ALERT]` style).
struct ResponseCode {
  std::string name;
  std::vector<Value> args;
  std::string raw;

  friend bool operator==(const ResponseCode&, const ResponseCode&) = default;
};

enum class ResponseKind : std::uint8_t { Tagged, Untagged, Continuation };

// The condition of a status response; None for untagged data such as `* 3 EXISTS`.
enum class Status : std::uint8_t { None, Ok, No, Bad, PreAuth, Bye };

// One complete server response.
//   a1 OK [READ-WRITE] done    -> Tagged, tag "a1", status Ok, code READ-WRITE, text "done"
//   * OK [UIDNEXT 5] next      -> Untagged, name "OK", status Ok, code UIDNEXT 5
//   * 3 EXISTS                 -> Untagged, name "EXISTS", number 3
//   * 1 FETCH (UID 7 BODY[] {2}\r\nhi)  -> Untagged, name "FETCH", number 1, data [(UID 7 BODY[]
//   "hi")]
//   * CAPABILITY IMAP4rev1 IDLE -> Untagged, name "CAPABILITY", data [IMAP4rev1, IDLE]
//   + ready                    -> Continuation, text "ready"
struct Response {
  ResponseKind kind = ResponseKind::Untagged;
  std::string tag;
  Status status = Status::None;
  std::optional<ResponseCode> code;
  // Human-readable text of a status response, or the text of a continuation request.
  std::string text;
  // Upper-cased keyword: OK/NO/BAD/PREAUTH/BYE for status responses, else EXISTS, FETCH, ...
  std::string name;
  // The message number or count that precedes the keyword (`* 3 EXISTS`).
  std::optional<std::uint64_t> number;
  // Everything after the keyword, parsed as values.
  std::vector<Value> data;

  bool is_tagged() const { return kind == ResponseKind::Tagged; }

  bool is_continuation() const { return kind == ResponseKind::Continuation; }

  // For a FETCH response: the value following the item name `item` (case-insensitive, e.g.
  // "UID", "BODY[]", "FLAGS"), or nullptr when absent.
  const Value* fetch_item(std::string_view item) const;

  friend bool operator==(const Response&, const Response&) = default;
};

struct ParserLimits {
  // Longest line (outside literals) a server may send, CRLF included.
  std::size_t max_line_length = std::size_t{1} << 20;
  // Largest single literal.
  std::size_t max_literal_size = std::size_t{64} << 20;
  // Largest complete response (all lines and literals together).
  std::size_t max_response_size = std::size_t{128} << 20;
  // Deepest nesting of parenthesised lists.
  std::size_t max_depth = 64;
};

// Incremental response parser. Bytes may be split anywhere, also inside literals. After an
// error the parser stays failed: every later next() returns the same Errc::Parse error and the
// connection must be dropped.
class Parser {
 public:
  explicit Parser(ParserLimits limits = {}) : limits_(limits) {}

  // Appends bytes read from the server.
  void feed(ByteView bytes);

  // The next complete response, std::nullopt if more bytes are needed, or Errc::Parse for bytes
  // that are not an IMAP response or exceed a limit.
  [[nodiscard]] Result<std::optional<Response>> next();

  // Bytes fed but not yet returned as responses.
  std::size_t buffered() const { return buf_.size() - start_; }

 private:
  Result<void> fail(std::string_view message);

  ParserLimits limits_;
  Bytes buf_;
  // Start of the response being assembled.
  std::size_t start_ = 0;
  // Where scanning for the end of the response continues.
  std::size_t scan_ = 0;
  // Start of the current line (after the last literal).
  std::size_t line_start_ = 0;
  std::optional<Error> error_;
};

// Parses exactly one complete response from `bytes` (used by tests and the fuzz target).
[[nodiscard]] Result<Response> parse_response(ByteView bytes, ParserLimits limits = {});

}  // namespace dcbot::imap
