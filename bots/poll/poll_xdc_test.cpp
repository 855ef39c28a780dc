// SPDX-License-Identifier: MIT
// The poll.xdc the build makes (bots/poll/CMakeLists.txt), opened with the reader the bot uses
// when it sends an app (chat/xdc_archive.h): a valid webxdc archive with the app at its root.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>

#include "chat/xdc_archive.h"

namespace dcbot::chat {
namespace {

Bytes read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "cannot read " << path << " (built by the poll_xdc target)";
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

TEST(PollXdc, IsAValidAppWithManifestAndIndexAtTheRoot) {
  auto bytes = read_file(DCBOT_POLL_XDC);
  ASSERT_FALSE(bytes.empty());
  auto archive = XdcArchive::open(bytes);
  ASSERT_TRUE(archive) << archive.error().to_string();
  EXPECT_TRUE(archive->has("index.html"));
  EXPECT_TRUE(archive->has("manifest.toml"));
  EXPECT_EQ(archive->manifest_error(), "");
  EXPECT_EQ(archive->manifest().name, "Poll");
  EXPECT_EQ(archive->manifest().min_api, 1);
  EXPECT_EQ(archive->display_name("poll.xdc"), "Poll");
  EXPECT_EQ(archive->icon_name(), "icon.png");
}

TEST(PollXdc, HoldsExactlyTheAppFilesAndNoWebxdcJs) {
  auto archive = XdcArchive::open(read_file(DCBOT_POLL_XDC));
  ASSERT_TRUE(archive) << archive.error().to_string();
  auto names = archive->entries();
  std::sort(names.begin(), names.end());
  // webxdc.js is the messenger's; shipping one would shadow the real API.
  EXPECT_EQ(names, (std::vector<std::string>{"icon.png", "index.html", "manifest.toml", "poll.js",
                                             "style.css"}));
}

TEST(PollXdc, EntriesDecompressAndIndexLoadsTheScripts) {
  auto archive = XdcArchive::open(read_file(DCBOT_POLL_XDC));
  ASSERT_TRUE(archive) << archive.error().to_string();
  for (const auto& name : archive->entries()) {
    auto data = archive->read(name);
    ASSERT_TRUE(data) << name << ": " << data.error().to_string();
    EXPECT_FALSE(data->empty()) << name;
  }
  auto index = archive->read("index.html");
  ASSERT_TRUE(index);
  const std::string html = to_string(*index);
  EXPECT_NE(html.find("<script src=\"webxdc.js\"></script>"), std::string::npos);
  EXPECT_NE(html.find("src=\"poll.js\""), std::string::npos);
  EXPECT_NE(html.find("href=\"style.css\""), std::string::npos);
  // PNG signature: the icon is an image, not a placeholder.
  auto icon = archive->read("icon.png");
  ASSERT_TRUE(icon);
  ASSERT_GE(icon->size(), 8u);
  EXPECT_EQ(to_string(ByteView(*icon).first(8)), "\x89PNG\r\n\x1a\n");
}

}  // namespace
}  // namespace dcbot::chat
