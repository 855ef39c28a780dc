// SPDX-License-Identifier: MIT
#include "chat/xdc_archive.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <set>
#include <system_error>
#include <utility>

#include "base/encoding.h"

#include <dlfcn.h>
#include <zip.h>

// The .xdc container (PROTOCOL.md §6, webxdc spec "Webxdc File Format"): a plain ZIP. The sizes
// in the central directory are the sender's claims, so they only pre-filter; every read is capped
// again while it inflates (SECURITY.md item 10).
namespace dcbot::chat {
namespace {

// Entries below this size are exempt from the ratio check.
constexpr std::uint64_t kRatioSlack = 4096;
constexpr std::size_t kReadChunk = 64u << 10;

// Names that would escape a directory when the runtime unpacks the app, or that mean different
// things on different systems (webxdc apps are served by path, so names must be plain).
bool safe_name(std::string_view name) {
  if (name.empty() || name.front() == '/' || name.size() > 1024) {
    return false;
  }
  for (const char ch : name) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f || ch == '\\' || ch == ':') {
      return false;
    }
  }
  std::string_view rest = name;
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    const std::string_view part = rest.substr(0, slash);
    if (slash == std::string_view::npos) {
      rest = {};
    } else {
      rest.remove_prefix(slash + 1);
    }
    // An empty component is fine only as the trailing slash of a directory entry.
    if ((part.empty() && !(slash != std::string_view::npos && rest.empty())) || part == "."
        || part == "..") {
      return false;
    }
  }
  return true;
}

// libzip is loaded when the first archive is opened or built, not when the program starts: a bot
// that never sees a webxdc app does not map it (and its own dependencies: OpenSSL, bzip2) at all
// (bench/README.md "bench/echo", RSS). DCBOT_LIBZIP_SONAME is the soname of the libzip that
// <zip.h> belongs to (sdk/chat/CMakeLists.txt), so the declarations below match the library.
struct LibZip {
  decltype(&::zip_close) close = nullptr;
  decltype(&::zip_discard) discard = nullptr;
  decltype(&::zip_error_fini) error_fini = nullptr;
  decltype(&::zip_error_init) error_init = nullptr;
  decltype(&::zip_error_strerror) error_strerror = nullptr;
  decltype(&::zip_fclose) fclose = nullptr;
  decltype(&::zip_file_add) file_add = nullptr;
  decltype(&::zip_fopen_index) fopen_index = nullptr;
  decltype(&::zip_fread) fread = nullptr;
  decltype(&::zip_get_num_entries) get_num_entries = nullptr;
  decltype(&::zip_open_from_source) open_from_source = nullptr;
  decltype(&::zip_set_file_compression) set_file_compression = nullptr;
  decltype(&::zip_source_buffer) source_buffer = nullptr;
  decltype(&::zip_source_buffer_create) source_buffer_create = nullptr;
  decltype(&::zip_source_close) source_close = nullptr;
  decltype(&::zip_source_free) source_free = nullptr;
  decltype(&::zip_source_keep) source_keep = nullptr;
  decltype(&::zip_source_open) source_open = nullptr;
  decltype(&::zip_source_read) source_read = nullptr;
  decltype(&::zip_source_stat) source_stat = nullptr;
  decltype(&::zip_stat_index) stat_index = nullptr;
  decltype(&::zip_stat_init) stat_init = nullptr;
  decltype(&::zip_strerror) strerror = nullptr;
};

template <typename F>
Result<void> bind(void* handle, const char* name, F*& out) {
  void* sym = ::dlsym(handle, name);
  if (sym == nullptr) {
    return make_error(Errc::Unsupported,
                      std::string("xdc: ") + DCBOT_LIBZIP_SONAME + " has no " + name);
  }
  out = reinterpret_cast<F*>(sym);  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast): dlsym
  return {};
}

// Loaded once per process and never unloaded; thread-safe (a function-local static).
const Result<LibZip>& libzip() {
  static const Result<LibZip> lib = []() -> Result<LibZip> {
    void* handle = ::dlopen(DCBOT_LIBZIP_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      const char* why = ::dlerror();
      return make_error(Errc::Unsupported, std::string("xdc: cannot load libzip: ")
                                               + (why != nullptr ? why : DCBOT_LIBZIP_SONAME));
    }
    LibZip z;
    DCBOT_TRY(bind(handle, "zip_close", z.close));
    DCBOT_TRY(bind(handle, "zip_discard", z.discard));
    DCBOT_TRY(bind(handle, "zip_error_fini", z.error_fini));
    DCBOT_TRY(bind(handle, "zip_error_init", z.error_init));
    DCBOT_TRY(bind(handle, "zip_error_strerror", z.error_strerror));
    DCBOT_TRY(bind(handle, "zip_fclose", z.fclose));
    DCBOT_TRY(bind(handle, "zip_file_add", z.file_add));
    DCBOT_TRY(bind(handle, "zip_fopen_index", z.fopen_index));
    DCBOT_TRY(bind(handle, "zip_fread", z.fread));
    DCBOT_TRY(bind(handle, "zip_get_num_entries", z.get_num_entries));
    DCBOT_TRY(bind(handle, "zip_open_from_source", z.open_from_source));
    DCBOT_TRY(bind(handle, "zip_set_file_compression", z.set_file_compression));
    DCBOT_TRY(bind(handle, "zip_source_buffer", z.source_buffer));
    DCBOT_TRY(bind(handle, "zip_source_buffer_create", z.source_buffer_create));
    DCBOT_TRY(bind(handle, "zip_source_close", z.source_close));
    DCBOT_TRY(bind(handle, "zip_source_free", z.source_free));
    DCBOT_TRY(bind(handle, "zip_source_keep", z.source_keep));
    DCBOT_TRY(bind(handle, "zip_source_open", z.source_open));
    DCBOT_TRY(bind(handle, "zip_source_read", z.source_read));
    DCBOT_TRY(bind(handle, "zip_source_stat", z.source_stat));
    DCBOT_TRY(bind(handle, "zip_stat_index", z.stat_index));
    DCBOT_TRY(bind(handle, "zip_stat_init", z.stat_init));
    DCBOT_TRY(bind(handle, "zip_strerror", z.strerror));
    return z;
  }();
  return lib;
}

std::string zip_message(const LibZip& lz, zip_error_t* err) {
  std::string out = lz.error_strerror(err);
  lz.error_fini(err);
  return out;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

Error toml_error(std::size_t line, std::string_view what) {
  return make_error(Errc::Parse,
                    "xdc: manifest.toml line " + std::to_string(line) + ": " + std::string(what));
}

// A TOML value: the text after '='. Returns the string form (numbers and booleans as written).
// `rest` receives what follows the value (only a comment may).
Result<std::string> toml_value(std::string_view v, std::size_t line, std::string_view& rest) {
  if (v.empty()) {
    return toml_error(line, "missing value");
  }
  std::string out;
  if (v.front() == '\'') {
    const auto end = v.find('\'', 1);
    if (end == std::string_view::npos) {
      return toml_error(line, "unterminated literal string");
    }
    rest = v.substr(end + 1);
    return std::string(v.substr(1, end - 1));
  }
  if (v.front() == '"') {
    std::size_t i = 1;
    for (;;) {
      if (i >= v.size()) {
        return toml_error(line, "unterminated string");
      }
      const char c = v[i++];
      if (c == '"') {
        break;
      }
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i >= v.size()) {
        return toml_error(line, "unterminated escape");
      }
      const char e = v[i++];
      switch (e) {
        case '"':
        case '\\':
          out += e;
          break;
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'u':
        case 'U': {
          const std::size_t digits = e == 'u' ? 4 : 8;
          if (i + digits > v.size()) {
            return toml_error(line, "short unicode escape");
          }
          std::uint32_t cp = 0;
          for (std::size_t k = 0; k < digits; ++k) {
            const char h = v[i + k];
            std::uint32_t d = 0;
            if (h >= '0' && h <= '9') {
              d = static_cast<std::uint32_t>(h - '0');
            } else if (h >= 'a' && h <= 'f') {
              d = static_cast<std::uint32_t>(h - 'a' + 10);
            } else if (h >= 'A' && h <= 'F') {
              d = static_cast<std::uint32_t>(h - 'A' + 10);
            } else {
              return toml_error(line, "bad unicode escape");
            }
            cp = (cp << 4) | d;
          }
          i += digits;
          if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return toml_error(line, "bad unicode scalar");
          }
          append_utf8(out, cp);
          break;
        }
        default:
          return toml_error(line, "unknown escape");
      }
    }
    rest = v.substr(i);
    return out;
  }
  // A bare value: integer (with optional sign and `_` separators) or boolean.
  std::size_t end = 0;
  while (end < v.size() && v[end] != ' ' && v[end] != '\t' && v[end] != '#') {
    ++end;
  }
  const std::string_view word = v.substr(0, end);
  rest = v.substr(end);
  if (word == "true" || word == "false") {
    return std::string(word);
  }
  std::size_t k = (word.front() == '+' || word.front() == '-') ? 1 : 0;
  if (k >= word.size()) {
    return toml_error(line, "bad value");
  }
  for (; k < word.size(); ++k) {
    if ((word[k] < '0' || word[k] > '9') && word[k] != '_') {
      return toml_error(line, "unsupported value");
    }
  }
  for (const char c : word) {
    if (c != '_' && c != '+') {
      out += c;
    }
  }
  return out;
}

Result<std::int64_t> to_int(const std::string& s, std::size_t line) {
  if (s.empty() || s.size() > 18) {
    return toml_error(line, "integer out of range");
  }
  std::int64_t v = 0;
  std::size_t i = s.front() == '-' ? 1 : 0;
  if (i >= s.size()) {
    return toml_error(line, "expected an integer");
  }
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') {
      return toml_error(line, "expected an integer");
    }
    v = v * 10 + (s[i] - '0');
  }
  return s.front() == '-' ? -v : v;
}

}  // namespace

Result<XdcManifest> parse_xdc_manifest(std::string_view toml) {
  XdcManifest m;
  bool top_level = true;
  std::set<std::string> seen;
  std::size_t line_no = 0;
  while (!toml.empty()) {
    ++line_no;
    const auto nl = toml.find('\n');
    std::string_view line = trim_line(toml.substr(0, nl));
    toml = nl == std::string_view::npos ? std::string_view() : toml.substr(nl + 1);
    if (line.empty() || line.front() == '#') {
      continue;
    }
    if (line.front() == '[') {
      if (line.back() != ']' && line.find(']') == std::string_view::npos) {
        return toml_error(line_no, "unterminated table header");
      }
      top_level = false;
      continue;
    }
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) {
      return toml_error(line_no, "expected key = value");
    }
    std::string_view key = trim_line(line.substr(0, eq));
    if (key.size() >= 2 && key.front() == '"' && key.back() == '"') {
      key = key.substr(1, key.size() - 2);
    }
    if (key.empty() || key.find_first_of(" \t\"'") != std::string_view::npos) {
      return toml_error(line_no, "bad key");
    }
    std::string_view rest;
    DCBOT_TRY(auto value, toml_value(trim_line(line.substr(eq + 1)), line_no, rest));
    rest = trim_line(rest);
    if (!rest.empty() && rest.front() != '#') {
      return toml_error(line_no, "trailing characters after value");
    }
    if (!top_level) {
      continue;
    }
    if (!seen.insert(std::string(key)).second) {
      return toml_error(line_no, "duplicate key");
    }
    if (key == "name") {
      m.name = std::move(value);
    } else if (key == "source_code_url") {
      m.source_code_url = std::move(value);
    } else if (key == "request_integration") {
      m.request_integration = std::move(value);
    } else if (key == "min_api") {
      DCBOT_TRY(m.min_api, to_int(value, line_no));
    }
  }
  return m;
}

struct XdcArchive::Impl {
  Bytes data;
  zip_t* zip = nullptr;
  XdcLimits limits;
  std::vector<std::uint64_t> sizes;  // Declared uncompressed size per entry.

  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  ~Impl() {
    if (zip != nullptr) {
      libzip()->discard(zip);  // Loaded: it opened `zip`.
    }
  }
};

XdcArchive::XdcArchive() : impl_(std::make_unique<Impl>()) {}

XdcArchive::XdcArchive(XdcArchive&&) noexcept = default;
XdcArchive& XdcArchive::operator=(XdcArchive&&) noexcept = default;
XdcArchive::~XdcArchive() = default;

Result<XdcArchive> XdcArchive::open(ByteView data, const XdcLimits& limits) {
  if (data.empty()) {
    return make_error(Errc::Parse, "xdc: empty archive");
  }
  if (data.size() > limits.max_archive_size) {
    return make_error(Errc::Parse, "xdc: archive larger than the limit");
  }
  const auto& loaded = libzip();
  if (!loaded) {
    return loaded.error();
  }
  const LibZip& lz = *loaded;
  XdcArchive a;
  a.impl_->data.assign(data.begin(), data.end());
  a.impl_->limits = limits;
  zip_error_t err;
  lz.error_init(&err);
  zip_source_t* src = lz.source_buffer_create(a.impl_->data.data(), a.impl_->data.size(), 0, &err);
  if (src == nullptr) {
    return make_error(Errc::Internal, "xdc: " + zip_message(lz, &err));
  }
  // No ZIP_CHECKCONS: libzip's extra consistency check refuses archives that streaming writers
  // (libarchive, `cmake -E tar --format=zip`) make with data descriptors, which the real core
  // opens. Entries are read through the central directory; the limits below (entries, sizes,
  // ratio, names) and each entry's CRC still apply.
  a.impl_->zip = lz.open_from_source(src, ZIP_RDONLY, &err);
  if (a.impl_->zip == nullptr) {
    lz.source_free(src);
    return make_error(Errc::Parse, "xdc: not a zip archive: " + zip_message(lz, &err));
  }
  lz.error_fini(&err);

  const zip_int64_t count = lz.get_num_entries(a.impl_->zip, 0);
  if (count < 0 || static_cast<std::uint64_t>(count) > limits.max_entries) {
    return make_error(Errc::Parse, "xdc: too many entries");
  }
  std::set<std::string> unique;
  std::uint64_t total = 0;
  for (zip_uint64_t i = 0; i < static_cast<zip_uint64_t>(count); ++i) {
    zip_stat_t st;
    lz.stat_init(&st);
    if (lz.stat_index(a.impl_->zip, i, ZIP_FL_ENC_RAW, &st) != 0 || st.name == nullptr
        || (st.valid & ZIP_STAT_SIZE) == 0 || (st.valid & ZIP_STAT_COMP_SIZE) == 0) {
      return make_error(Errc::Parse, "xdc: unreadable entry");
    }
    std::string name = st.name;
    if (!safe_name(name)) {
      return make_error(Errc::Parse, "xdc: unsafe entry name");
    }
    if (!unique.insert(name).second) {
      return make_error(Errc::Parse, "xdc: duplicate entry name");
    }
    if (st.size > limits.max_entry_size) {
      return make_error(Errc::Parse, "xdc: entry larger than the limit");
    }
    total += st.size;
    if (total > limits.max_total_size) {
      return make_error(Errc::Parse, "xdc: uncompressed size over the limit");
    }
    if (st.size > kRatioSlack
        && st.size / std::max<std::uint64_t>(st.comp_size, 1) >= limits.max_ratio) {
      return make_error(Errc::Parse, "xdc: compression ratio over the limit");
    }
    a.impl_->sizes.push_back(st.size);
    a.names_.push_back(std::move(name));
  }
  if (!a.has("index.html")) {
    return make_error(Errc::Parse, "xdc: no index.html");
  }
  if (a.has("icon.png")) {
    a.icon_ = "icon.png";
  } else if (a.has("icon.jpg")) {
    a.icon_ = "icon.jpg";
  }
  if (a.has("manifest.toml")) {
    auto raw = a.read("manifest.toml");
    if (!raw) {
      return std::move(raw).error();
    }
    if (raw->size() > limits.max_manifest_size) {
      a.manifest_error_ = "manifest.toml larger than the limit";
    } else {
      auto manifest = parse_xdc_manifest(to_string(*raw));
      if (manifest) {
        a.manifest_ = std::move(*manifest);
      } else {
        a.manifest_error_ = manifest.error().message;
      }
    }
  }
  return a;
}

std::string XdcArchive::display_name(std::string_view filename) const {
  if (!manifest_.name.empty()) {
    return manifest_.name;
  }
  if (filename.size() > 4) {
    const std::string_view ext = filename.substr(filename.size() - 4);
    if (ext == ".xdc" || ext == ".XDC") {
      filename.remove_suffix(4);
    }
  }
  return std::string(filename);
}

bool XdcArchive::has(std::string_view name) const {
  return std::find(names_.begin(), names_.end(), name) != names_.end();
}

Result<Bytes> XdcArchive::read(std::string_view name) const {
  const auto it = std::find(names_.begin(), names_.end(), name);
  if (it == names_.end()) {
    return make_error(Errc::NotFound, "xdc: no entry " + std::string(name));
  }
  const auto index = static_cast<std::size_t>(it - names_.begin());
  const std::uint64_t declared = impl_->sizes[index];
  const LibZip& lz = *libzip();  // Loaded: open() succeeded.
  zip_file_t* file = lz.fopen_index(impl_->zip, index, 0);
  if (file == nullptr) {
    return make_error(Errc::Parse, "xdc: cannot open entry " + std::string(name));
  }
  Bytes out;
  out.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(declared, kReadChunk * 16)));
  std::vector<std::uint8_t> chunk(kReadChunk);
  for (;;) {
    const zip_int64_t n = lz.fread(file, chunk.data(), chunk.size());
    if (n < 0) {
      lz.fclose(file);
      return make_error(Errc::Parse, "xdc: corrupt entry " + std::string(name));
    }
    if (n == 0) {
      break;
    }
    // The declared size was checked against the limits; more data than declared is a lie.
    if (out.size() + static_cast<std::uint64_t>(n) > declared) {
      lz.fclose(file);
      return make_error(Errc::Parse, "xdc: entry larger than declared");
    }
    out.insert(out.end(), chunk.begin(), chunk.begin() + n);
  }
  lz.fclose(file);
  if (out.size() != declared) {
    return make_error(Errc::Parse, "xdc: entry shorter than declared");
  }
  return out;
}

Result<Bytes> build_xdc(const std::vector<XdcFile>& files) {
  std::set<std::string_view> names;
  for (const auto& f : files) {
    if (!safe_name(f.path) || f.path.back() == '/') {
      return make_error(Errc::InvalidArgument, "xdc: unsafe file name " + f.path);
    }
    if (!names.insert(f.path).second) {
      return make_error(Errc::InvalidArgument, "xdc: duplicate file name " + f.path);
    }
  }
  if (names.count("index.html") == 0) {
    return make_error(Errc::InvalidArgument, "xdc: no index.html");
  }
  const auto& loaded = libzip();
  if (!loaded) {
    return loaded.error();
  }
  const LibZip& lz = *loaded;
  zip_error_t err;
  lz.error_init(&err);
  zip_source_t* out = lz.source_buffer_create(nullptr, 0, 0, &err);
  if (out == nullptr) {
    return make_error(Errc::Internal, "xdc: " + zip_message(lz, &err));
  }
  zip_t* zip = lz.open_from_source(out, ZIP_TRUNCATE, &err);
  if (zip == nullptr) {
    lz.source_free(out);
    return make_error(Errc::Internal, "xdc: " + zip_message(lz, &err));
  }
  lz.error_fini(&err);
  lz.source_keep(out);  // Read the result after zip_close.
  auto fail = [&](const std::string& what) -> Error {
    lz.discard(zip);
    lz.source_free(out);
    return make_error(Errc::Internal, "xdc: " + what);
  };
  for (const auto& f : files) {
    zip_source_t* src = lz.source_buffer(zip, f.data.data(), f.data.size(), 0);
    if (src == nullptr) {
      return fail(lz.strerror(zip));
    }
    const zip_int64_t index = lz.file_add(zip, f.path.c_str(), src, ZIP_FL_ENC_UTF_8);
    if (index < 0) {
      lz.source_free(src);
      return fail(lz.strerror(zip));
    }
    if (lz.set_file_compression(zip, static_cast<zip_uint64_t>(index), ZIP_CM_DEFLATE, 9) != 0) {
      return fail(lz.strerror(zip));
    }
  }
  if (lz.close(zip) != 0) {
    return fail(lz.strerror(zip));
  }
  Bytes bytes;
  zip_stat_t st;
  lz.stat_init(&st);
  if (lz.source_open(out) != 0) {
    lz.source_free(out);
    return make_error(Errc::Internal, "xdc: cannot read the built archive");
  }
  if (lz.source_stat(out, &st) == 0 && (st.valid & ZIP_STAT_SIZE) != 0) {
    bytes.resize(static_cast<std::size_t>(st.size));
    const zip_int64_t n = lz.source_read(out, bytes.data(), bytes.size());
    if (n < 0 || static_cast<std::uint64_t>(n) != st.size) {
      bytes.clear();
    }
  }
  lz.source_close(out);
  lz.source_free(out);
  if (bytes.empty()) {
    return make_error(Errc::Internal, "xdc: cannot read the built archive");
  }
  return bytes;
}

Result<std::vector<XdcFile>> read_xdc_folder(const std::filesystem::path& folder,
                                             const XdcLimits& limits) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(folder, ec)) {
    return make_error(Errc::Io, "xdc: not a folder: " + folder.string());
  }
  std::vector<XdcFile> files;
  std::uint64_t total = 0;
  fs::recursive_directory_iterator it(folder, fs::directory_options::none, ec);
  if (ec) {
    return make_error(Errc::Io, "xdc: " + folder.string() + ": " + ec.message());
  }
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) {
      return make_error(Errc::Io, "xdc: " + folder.string() + ": " + ec.message());
    }
    const fs::path& path = it->path();
    const std::string leaf = path.filename().string();
    if (!leaf.empty() && leaf.front() == '.') {
      if (it->is_directory(ec)) {
        it.disable_recursion_pending();
      }
      continue;
    }
    if (it->is_symlink(ec) || !it->is_regular_file(ec)) {
      continue;
    }
    total += it->file_size(ec);
    if (ec || files.size() + 1 > limits.max_entries || total > limits.max_total_size) {
      return make_error(Errc::InvalidArgument, "xdc: folder exceeds the archive limits");
    }
    XdcFile f;
    f.path = path.lexically_relative(folder).generic_string();
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      return make_error(Errc::Io, "xdc: cannot read " + path.string());
    }
    f.data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    files.push_back(std::move(f));
  }
  std::sort(files.begin(), files.end(),
            [](const XdcFile& a, const XdcFile& b) { return a.path < b.path; });
  return files;
}

}  // namespace dcbot::chat
