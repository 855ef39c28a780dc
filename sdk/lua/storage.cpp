// SPDX-License-Identifier: MIT
#include "lua/storage.h"

#include <charconv>
#include <fstream>
#include <iterator>
#include <system_error>
#include <utility>

#include <fmt/format.h>

namespace dcbot::lua {
namespace {

constexpr std::string_view kHeader = "dcbot-kv 1\n";

// Reads a decimal length ending at `stop`; advances `pos` past the terminator.
bool read_length(std::string_view text, std::size_t& pos, char stop, std::size_t& out) {
  const char* begin = text.data() + pos;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(begin, end, out);
  if (ec != std::errc() || ptr == begin || ptr == end || *ptr != stop) {
    return false;
  }
  pos = static_cast<std::size_t>(ptr - text.data()) + 1;
  return true;
}

}  // namespace

Result<FileStorage> FileStorage::open(std::filesystem::path file) {
  FileStorage storage(std::move(file));
  std::error_code ec;
  if (!std::filesystem::exists(storage.file_, ec)) {
    if (ec) {
      return make_error(Errc::Io,
                        fmt::format("lua storage: {}: {}", storage.file_.string(), ec.message()));
    }
    return storage;
  }
  std::ifstream in(storage.file_, std::ios::binary);
  std::string text;
  if (in) {
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (!in || in.bad()) {
    return make_error(Errc::Io,
                      fmt::format("lua storage: {}: cannot read", storage.file_.string()));
  }
  const std::string_view view = text;
  auto bad = [&](std::size_t at) {
    return make_error(Errc::Parse, fmt::format("lua storage: {}: bad entry at byte {}",
                                               storage.file_.string(), at));
  };
  if (view.substr(0, kHeader.size()) != kHeader) {
    return bad(0);
  }
  std::size_t pos = kHeader.size();
  while (pos < view.size()) {
    const std::size_t start = pos;
    std::size_t key_size = 0;
    std::size_t value_size = 0;
    if (!read_length(view, pos, ' ', key_size) || !read_length(view, pos, '\n', value_size)
        || key_size > view.size() - pos || value_size > view.size() - pos - key_size
        || view.size() - pos - key_size - value_size < 1
        || view[pos + key_size + value_size] != '\n') {
      return bad(start);
    }
    storage.entries_.insert_or_assign(std::string(view.substr(pos, key_size)),
                                      std::string(view.substr(pos + key_size, value_size)));
    pos += key_size + value_size + 1;
  }
  return storage;
}

Result<std::optional<std::string>> FileStorage::get(std::string_view key) {
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    return std::optional<std::string>();
  }
  return std::optional<std::string>(it->second);
}

Result<> FileStorage::set(std::string_view key, std::string_view value) {
  auto next = entries_;
  next.insert_or_assign(std::string(key), std::string(value));
  DCBOT_TRY(save(next));
  entries_ = std::move(next);
  return {};
}

Result<> FileStorage::erase(std::string_view key) {
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    return {};
  }
  auto next = entries_;
  next.erase(std::string(key));
  DCBOT_TRY(save(next));
  entries_ = std::move(next);
  return {};
}

Result<> FileStorage::save(const std::map<std::string, std::string, std::less<>>& entries) {
  std::error_code ec;
  if (file_.has_parent_path()) {
    std::filesystem::create_directories(file_.parent_path(), ec);
    if (ec) {
      return make_error(
          Errc::Io, fmt::format("lua storage: {}: {}", file_.parent_path().string(), ec.message()));
    }
  }
  auto temp = file_;
  temp += ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << kHeader;
    for (const auto& [key, value] : entries) {
      out << key.size() << ' ' << value.size() << '\n' << key << value << '\n';
    }
    out.flush();
    if (!out) {
      std::filesystem::remove(temp, ec);
      return make_error(Errc::Io, fmt::format("lua storage: {}: cannot write", temp.string()));
    }
  }
  std::filesystem::rename(temp, file_, ec);
  if (ec) {
    return make_error(Errc::Io, fmt::format("lua storage: {}: {}", file_.string(), ec.message()));
  }
  return {};
}

}  // namespace dcbot::lua
