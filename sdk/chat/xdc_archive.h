// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "dcbot/result.h"

// webxdc app archives (.xdc, PROTOCOL.md §6): a ZIP with `index.html` at the top level and an
// optional `manifest.toml` and `icon.png`/`icon.jpg`. Opened from bytes (never from a path) with
// limits against zip bombs (SECURITY.md "Resource bombs"); libzip is used by this file only.
namespace dcbot::chat {

// What an archive may contain before it is refused. The defaults fit every real app (an .xdc
// travels as a mail attachment, so it is at most a few tens of MiB) and keep memory bounded.
struct XdcLimits {
  std::size_t max_archive_size = 32u << 20;  // The .xdc bytes.
  std::size_t max_entries = 4096;
  std::uint64_t max_total_size = 128u << 20;  // Sum of the uncompressed sizes.
  std::uint64_t max_entry_size = 64u << 20;   // One uncompressed entry.
  // Uncompressed / compressed, per entry; deflate bombs reach about 1000:1. Entries smaller
  // than kRatioSlack bytes are exempt (a short file of one repeated byte compresses very well).
  std::uint64_t max_ratio = 250;
  std::size_t max_manifest_size = 64u << 10;
};

// manifest.toml (the subset apps use: top-level `key = "string"` and `key = number` lines).
struct XdcManifest {
  std::string name;             // Empty if unset; see XdcArchive::display_name().
  std::int64_t min_api = 0;     // 0 if unset; the current webxdc API is 1.
  std::string source_code_url;  // Empty if unset.
  std::string request_integration;
};

// Parses the TOML subset of manifest.toml: comments, blank lines, `key = "basic string"` (with
// \" \\ \n \t \r \uXXXX \UXXXXXXXX escapes), `key = 'literal'`, integers, booleans, and
// `[table]` headers (keys below a table are not top-level and are skipped). Unknown keys are
// ignored. Errc::Parse with the line number for anything else.
Result<XdcManifest> parse_xdc_manifest(std::string_view toml);

// An opened archive. Owns a copy of the bytes; entries are decompressed on demand.
class XdcArchive {
 public:
  // Checks the central directory against `limits` (entry count, sizes, per-entry ratio), refuses
  // unsafe names (absolute, `..`, backslashes, drive letters, control characters), requires
  // `index.html` and reads `manifest.toml` if present. Errc::Parse for a malformed or refused
  // archive (the message says which limit). A manifest that does not parse leaves manifest()
  // at its defaults and sets manifest_error(); the core shows such apps too.
  static Result<XdcArchive> open(ByteView data, const XdcLimits& limits = {});

  XdcArchive(XdcArchive&&) noexcept;
  XdcArchive& operator=(XdcArchive&&) noexcept;
  ~XdcArchive();

  const XdcManifest& manifest() const { return manifest_; }

  const std::string& manifest_error() const { return manifest_error_; }

  // The manifest name, else `filename` without its `.xdc` suffix (as the core shows it).
  std::string display_name(std::string_view filename) const;

  // "icon.png", "icon.jpg" or empty (the core prefers the PNG).
  const std::string& icon_name() const { return icon_; }

  // Entry names in archive order (directories end in '/').
  const std::vector<std::string>& entries() const { return names_; }

  bool has(std::string_view name) const;
  // The decompressed entry. Errc::NotFound if absent; Errc::Parse if it is corrupt or grows past
  // its declared size or the limits (the declared sizes are not trusted while inflating).
  Result<Bytes> read(std::string_view name) const;

 private:
  struct Impl;

  XdcArchive();

  std::unique_ptr<Impl> impl_;
  std::vector<std::string> names_;
  XdcManifest manifest_;
  std::string manifest_error_;
  std::string icon_;
};

// One file for build_xdc: `path` is the name inside the archive ("index.html", "js/app.js").
struct XdcFile {
  std::string path;
  Bytes data;
};

// Zips `files` (deflated) into .xdc bytes. Errc::InvalidArgument if `index.html` is missing, a
// path is unsafe (same rules as open) or repeats; Errc::Internal on libzip failures.
Result<Bytes> build_xdc(const std::vector<XdcFile>& files);

// Reads every regular file below `folder` (recursively, names relative to it with '/'; symlinks
// and hidden files are skipped) for "send a folder as an app". This is the one function here that
// touches the file system: the runtime calls it, then build_xdc. Errc::Io if the folder cannot be
// read, Errc::InvalidArgument if the files exceed `limits` (count or total size).
Result<std::vector<XdcFile>> read_xdc_folder(const std::filesystem::path& folder,
                                             const XdcLimits& limits = {});

}  // namespace dcbot::chat
