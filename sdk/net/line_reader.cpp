// SPDX-License-Identifier: MIT
#include "net/line_reader.h"

#include <algorithm>
#include <utility>

namespace dcbot::net {

namespace {

constexpr std::size_t kReadChunk = std::size_t{16} * 1024;

}  // namespace

LineReader::LineReader(Stream stream) : stream_(std::move(stream)) {}

void LineReader::compact() {
  // Drop consumed bytes once they dominate the buffer, so a long session doesn't grow it forever.
  if (start_ > 0 && start_ >= buffer_.size() / 2) {
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(start_));
    start_ = 0;
  }
}

Task<Result<>> LineReader::fill() {
  compact();
  DCBOT_CO_TRY(auto chunk, co_await stream_.read_some(kReadChunk));
  append(buffer_, chunk);
  co_return Result<>{};
}

Task<Result<std::string>> LineReader::read_line(std::size_t max_length) {
  for (;;) {
    auto begin = buffer_.begin() + static_cast<std::ptrdiff_t>(start_);
    auto lf = std::find(begin + static_cast<std::ptrdiff_t>(scan_), buffer_.end(), '\n');
    if (lf != buffer_.end()) {
      auto end = lf;
      if (end != begin && *(end - 1) == '\r') {
        --end;
      }
      if (static_cast<std::size_t>(end - begin) > max_length) {
        co_return make_error(
            Errc::Protocol, "read line: line longer than " + std::to_string(max_length) + " bytes");
      }
      std::string line(begin, end);
      start_ = static_cast<std::size_t>(lf - buffer_.begin()) + 1;
      scan_ = 0;
      co_return line;
    }
    scan_ = buffered();
    // +1 leaves room for the CR of a line that is exactly max_length long.
    if (scan_ > max_length + 1) {
      co_return make_error(Errc::Protocol,
                           "read line: line longer than " + std::to_string(max_length) + " bytes");
    }
    DCBOT_CO_TRY(co_await fill());
  }
}

Task<Result<Bytes>> LineReader::read_exact(std::size_t n) {
  while (buffered() < n) {
    DCBOT_CO_TRY(co_await fill());
  }
  auto begin = buffer_.begin() + static_cast<std::ptrdiff_t>(start_);
  Bytes out(begin, begin + static_cast<std::ptrdiff_t>(n));
  start_ += n;
  scan_ = 0;
  co_return out;
}

Task<Result<>> LineReader::start_tls() {
  if (buffered() != 0) {
    co_return make_error(Errc::Protocol, "starttls: server sent data before the tls handshake");
  }
  co_return co_await stream_.start_tls();
}

}  // namespace dcbot::net
