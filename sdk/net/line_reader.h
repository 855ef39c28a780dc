// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <string>

#include "base/bytes.h"
#include "dcbot/result.h"
#include "net/stream.h"
#include "net/task.h"

namespace dcbot::net {

inline constexpr std::size_t kDefaultMaxLineLength = std::size_t{64} * 1024;

// A buffered reader over a Stream it owns, for line-based protocols: read_line() for
// CRLF-terminated lines (a bare LF ends a line too) and read_exact() for IMAP literals. Writes go
// straight to the stream. Like Stream, it serves one coroutine at a time.
class LineReader {
 public:
  explicit LineReader(Stream stream);

  // Returns the next line without its CRLF/LF. Errc::Protocol when the line is longer than
  // `max_length` bytes; stream errors (Io, Timeout, Cancelled) otherwise.
  Task<Result<std::string>> read_line(std::size_t max_length = kDefaultMaxLineLength);

  // Returns exactly `n` bytes (buffered ones first).
  Task<Result<Bytes>> read_exact(std::size_t n);

  Task<Result<>> write_all(Bytes data) { return stream_.write_all(std::move(data)); }

  // Upgrades the stream to TLS. Fails with Errc::Protocol, without upgrading, when the peer sent
  // bytes after its STARTTLS reply: those would be plaintext injected into the TLS session.
  Task<Result<>> start_tls();

  // Bytes received but not yet returned.
  [[nodiscard]] std::size_t buffered() const { return buffer_.size() - start_; }

  Stream& stream() { return stream_; }

  [[nodiscard]] const Stream& stream() const { return stream_; }

 private:
  Task<Result<>> fill();
  void compact();

  Stream stream_;
  Bytes buffer_;
  std::size_t start_ = 0;  // first unread byte in buffer_
  std::size_t scan_ = 0;   // bytes from start_ already known to hold no LF
};

}  // namespace dcbot::net
