// SPDX-License-Identifier: MIT
#include "chat/xdc_archive.h"

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "chat/test_loop.h"

namespace dcbot::chat {
namespace {

XdcFile file(std::string path, std::string_view text) {
  return XdcFile{std::move(path), to_bytes(text)};
}

// Replaces every occurrence of `from` by `to` (same length) in the archive bytes: file names
// appear in the local and the central headers, and no checksum covers them.
Bytes patch(Bytes zip, std::string_view from, std::string_view to) {
  EXPECT_EQ(from.size(), to.size());
  std::string s = to_string(zip);
  for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + 1)) {
    s.replace(pos, to.size(), to);
  }
  return to_bytes(s);
}

TEST(XdcManifest, ParsesTheSubsetAppsUse) {
  auto m = parse_xdc_manifest(
      "# comment\n"
      "name = \"Counter \\u00e9\\\"x\\\"\"  # trailing comment\r\n"
      "min_api = 1\n"
      "source_code_url = 'https://example.org/src'\n"
      "unknown = true\n"
      "\n"
      "[section]\n"
      "name = \"not top level\"\n");
  ASSERT_TRUE(m) << m.error().message;
  EXPECT_EQ(m->name, "Counter \xc3\xa9\"x\"");
  EXPECT_EQ(m->min_api, 1);
  EXPECT_EQ(m->source_code_url, "https://example.org/src");
}

TEST(XdcManifest, ErrorsCarryTheLineNumber) {
  for (const char* bad : {R"(name = "open)", R"(name "x")", R"(name = "a" junk)", "min_api = x1",
                          R"(name = "\q")", R"(min_api = "one")", "name = 'x'\nname = 'y'", "= 3",
                          R"(name = "\ud800")", "min_api = 99999999999999999999"}) {
    auto m = parse_xdc_manifest(bad);
    ASSERT_FALSE(m) << bad;
    EXPECT_EQ(m.error().code, Errc::Parse);
    EXPECT_NE(m.error().message.find("line "), std::string::npos) << m.error().message;
  }
}

TEST(XdcArchive, OpensTheRecordedCounterApp) {
  const std::string raw = testing::read_file(testing::data_dir() / "counter.xdc");
  auto xdc = XdcArchive::open(as_bytes(raw));
  ASSERT_TRUE(xdc) << xdc.error().message;
  EXPECT_TRUE(xdc->has("index.html"));
  EXPECT_TRUE(xdc->manifest_error().empty()) << xdc->manifest_error();
  EXPECT_FALSE(xdc->manifest().name.empty());
  EXPECT_EQ(xdc->display_name("counter.xdc"), xdc->manifest().name);
  auto index = xdc->read("index.html");
  ASSERT_TRUE(index);
  EXPECT_NE(to_string(*index).find("webxdc"), std::string::npos);
  EXPECT_EQ(xdc->read("nope.js").error().code, Errc::NotFound);
}

// Written by `cmake -E tar cf x.xdc --format=zip` (libarchive): entries with data descriptors and
// sizes in the local headers. The core opens such apps, so the bot must too.
TEST(XdcArchive, OpensArchivesWrittenWithDataDescriptors) {
  const std::string raw =
      testing::read_file(testing::data_dir().parent_path() / "xdc" / "streamed-by-libarchive.xdc");
  ASSERT_FALSE(raw.empty());
  auto xdc = XdcArchive::open(as_bytes(raw));
  ASSERT_TRUE(xdc) << xdc.error().message;
  EXPECT_TRUE(xdc->has("index.html"));
  EXPECT_EQ(xdc->manifest().name, "Streamed");
  auto index = xdc->read("index.html");
  ASSERT_TRUE(index) << index.error().message;
  EXPECT_NE(to_string(*index).find("webxdc.js"), std::string::npos);
}

TEST(XdcArchive, BuildsAndReopensWithIconAndManifest) {
  auto bytes = build_xdc({file("index.html", "<html>hi</html>"), file("js/app.js", "let x = 1;"),
                          file("icon.jpg", "JPEGDATA"), file("manifest.toml", "name = \"Hi\"\n")});
  ASSERT_TRUE(bytes) << bytes.error().message;
  auto xdc = XdcArchive::open(*bytes);
  ASSERT_TRUE(xdc) << xdc.error().message;
  EXPECT_EQ(xdc->entries().size(), 4u);
  EXPECT_EQ(xdc->manifest().name, "Hi");
  EXPECT_EQ(xdc->icon_name(), "icon.jpg");
  EXPECT_EQ(to_string(xdc->read("js/app.js").value()), "let x = 1;");
}

TEST(XdcArchive, WithoutManifestTheNameComesFromTheFile) {
  auto xdc = XdcArchive::open(build_xdc({file("index.html", "x")}).value()).value();
  EXPECT_EQ(xdc.display_name("poll.xdc"), "poll");
  EXPECT_EQ(xdc.icon_name(), "");
}

TEST(XdcArchive, BadManifestIsReportedNotFatal) {
  auto xdc =
      XdcArchive::open(
          build_xdc({file("index.html", "x"), file("manifest.toml", "name = \"open")}).value())
          .value();
  EXPECT_FALSE(xdc.manifest_error().empty());
  EXPECT_TRUE(xdc.manifest().name.empty());
}

TEST(XdcArchive, RefusesArchivesWithoutIndexOrNotZip) {
  EXPECT_EQ(build_xdc({file("main.html", "x")}).error().code, Errc::InvalidArgument);
  // index.html in a subfolder does not count.
  auto nested = patch(build_xdc({file("index.html", "x"), file("a/index.htmx", "y")}).value(),
                      "index.html", "index.htmz");
  auto r = XdcArchive::open(nested);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "xdc: no index.html");
  EXPECT_EQ(XdcArchive::open(as_bytes("PK\x03\x04garbage")).error().code, Errc::Parse);
  EXPECT_EQ(XdcArchive::open(ByteView()).error().code, Errc::Parse);
}

TEST(XdcArchive, RefusesUnsafeNames) {
  const Bytes good = build_xdc({file("index.html", "x"), file("xx/evil.txt", "y")}).value();
  for (const char* bad : {"../", "/x/", "x\\/", "C:/", "./x"}) {
    auto r = XdcArchive::open(patch(good, "xx/", std::string_view(bad, 3)));
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().message, "xdc: unsafe entry name") << bad;
  }
  EXPECT_EQ(build_xdc({file("index.html", "x"), file("../up", "y")}).error().code,
            Errc::InvalidArgument);
  EXPECT_EQ(build_xdc({file("index.html", "x"), file("index.html", "y")}).error().code,
            Errc::InvalidArgument);
  // Two entries with one name (patched "indey.html" -> "index.html").
  auto dup = patch(build_xdc({file("index.html", "x"), file("indey.html", "y")}).value(),
                   "indey.html", "index.html");
  // libzip's consistency check or ours refuses it.
  EXPECT_EQ(XdcArchive::open(dup).error().code, Errc::Parse);
}

TEST(XdcArchive, RefusesZipBombsByRatioSizeAndCount) {
  const std::string zeros(8u << 20, '\0');
  auto bomb = build_xdc({file("index.html", "x"), file("zeros.bin", zeros)}).value();
  EXPECT_LT(bomb.size(), 64u << 10);
  auto r = XdcArchive::open(bomb);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "xdc: compression ratio over the limit");

  XdcLimits small;
  small.max_total_size = 1000;
  auto big =
      build_xdc({file("index.html", std::string(600, 'a')), file("b", std::string(600, 'b'))})
          .value();
  EXPECT_EQ(XdcArchive::open(big, small).error().message, "xdc: uncompressed size over the limit");
  XdcLimits few;
  few.max_entries = 1;
  EXPECT_EQ(XdcArchive::open(big, few).error().message, "xdc: too many entries");
  XdcLimits tiny;
  tiny.max_archive_size = 10;
  EXPECT_EQ(XdcArchive::open(big, tiny).error().message, "xdc: archive larger than the limit");
}

TEST(XdcArchive, DeclaredSizeIsNotTrusted) {
  // Shrink the declared uncompressed size of "data.txt" in both headers: inflating then produces
  // more than declared, which must be refused (or caught by libzip's own checks), never read.
  const std::string text(5000, 'q');
  Bytes zip = build_xdc({file("index.html", "x"), file("data.txt", text)}).value();
  std::string s = to_string(zip);
  // Sizes are little-endian 5000 = 0x1388 right before the name length in both headers.
  const std::string le5000("\x88\x13\x00\x00", 4);
  const std::string le0100("\x64\x00\x00\x00", 4);
  std::size_t patched = 0;
  for (auto pos = s.find(le5000); pos != std::string::npos; pos = s.find(le5000, pos + 1)) {
    s.replace(pos, 4, le0100);
    ++patched;
  }
  ASSERT_GE(patched, 2u);
  auto xdc = XdcArchive::open(as_bytes(s));
  if (xdc) {
    EXPECT_FALSE(xdc->read("data.txt"));
  }
}

TEST(XdcArchive, ReadsAFolderSkippingHiddenFiles) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(DCBOT_BINARY_DIR) / "xdc_folder_test";
  fs::remove_all(dir);
  fs::create_directories(dir / "js");
  fs::create_directories(dir / ".git");
  std::ofstream(dir / "index.html") << "<html></html>";
  std::ofstream(dir / "js" / "app.js") << "1";
  std::ofstream(dir / ".git" / "HEAD") << "ref";
  std::ofstream(dir / ".hidden") << "h";
  auto files = read_xdc_folder(dir);
  ASSERT_TRUE(files) << files.error().message;
  ASSERT_EQ(files->size(), 2u);
  EXPECT_EQ((*files)[0].path, "index.html");
  EXPECT_EQ((*files)[1].path, "js/app.js");
  auto xdc = XdcArchive::open(build_xdc(*files).value());
  ASSERT_TRUE(xdc);
  EXPECT_EQ(to_string(xdc->read("js/app.js").value()), "1");
  EXPECT_EQ(read_xdc_folder(dir / "missing").error().code, Errc::Io);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace dcbot::chat
