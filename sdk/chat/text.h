// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <string_view>
#include <vector>

// Text rules of chat messages (PROTOCOL.md §3.3, §3.6, §3.7) and file name sanitising.
namespace dcbot::chat {

struct SplitText {
  std::string text;    // The message text, `-\u200B- ` escapes undone, trailing blank lines cut.
  std::string footer;  // The sender's status after the last `-- ` line; empty if none.
  bool has_footer = false;
};

// Splits a received body at the last line that is exactly "-- " (or "--"), the signature
// separator the core appends before the sender's status.
SplitText split_footer(std::string_view body);

// Composes an outgoing body: lines starting with "-- " are escaped as "-\u200B- " so receivers do
// not cut them, then "\n\n-- \n<status>" when a status is set.
std::string compose_body(std::string_view text, std::string_view status);

// A reply's body (PROTOCOL.md §3.3): the quoted text, each line starting with "> " (or ">"), a
// blank line, then the reply. `quote` has the markers removed; `text` is the reply.
struct SplitQuote {
  std::string quote;
  std::string text;
  bool has_quote = false;
};

// Splits the top quote off `text` (already without its footer). Without leading ">" lines, or
// when nothing but quote lines is there, returns `text` unchanged and has_quote false.
SplitQuote split_quote(std::string_view text);

// The quote on top of a reply's body: each line of `quoted` as "> line", then a blank line.
std::string compose_quote(std::string_view quoted);

// The new text of an edit request: leading quote lines ("> ...") and the blank line after them
// are removed, then the "✏️" marker (with or without U+FE0F) and the footer.
std::string edit_text(std::string_view body);

// The body of an edit request: the quoted old text, a blank line, "✏️" and the new text.
std::string compose_edit(std::string_view old_text, std::string_view new_text);

// The emoji of a reaction body: the first whitespace-separated token if it is shorter than 30
// bytes, else empty (a retraction).
std::string reaction_emoji(std::string_view body);

// A file name safe to show and to use as the last component of a path: directory parts dropped,
// control characters and `/\:*?"<>|` replaced by '_', leading dots and spaces stripped, cut to 128
// bytes on a UTF-8 boundary (keeping the extension when short), "file.<subtype>" if nothing is
// left.
std::string sanitize_filename(std::string_view name, std::string_view mime_type);

// Splits on ASCII whitespace.
std::vector<std::string> split_words(std::string_view text);

}  // namespace dcbot::chat
