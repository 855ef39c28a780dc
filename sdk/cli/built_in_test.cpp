// SPDX-License-Identifier: MIT
#include "cli/built_in.h"

#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "dcbot/version.h"

#include <unistd.h>

namespace dcbot::cli {
namespace {

class BuiltInTest : public ::testing::Test {
 protected:
  std::filesystem::path file_ =
      std::filesystem::temp_directory_path() / ("dcbot-dpkg-status-" + std::to_string(::getpid()));

  void TearDown() override { std::filesystem::remove(file_); }

  void write(const std::string& text) { std::ofstream(file_, std::ios::binary) << text; }
};

std::string paragraph(const std::string& name, const std::string& version) {
  return "Package: " + name + "\nStatus: install ok installed\nArchitecture: amd64\nVersion: "
         + version + "\nDescription: x\n " + std::string(200, 'd') + "\n\n";
}

TEST_F(BuiltInTest, FindsUpdatedPackagesAcrossBlocksOfAStatusFileOfMegabytes) {
  const debian::BuiltIn libs[] = {{"OpenSSL", "libssl3", "amd64", "3.0.17-1"},
                                  {"SQLite", "libsqlite3-0", "amd64", "3.40.1-2"}};
  std::string text;
  for (int i = 0; i < 5000; ++i) {  // ~1.3 MB; the two packages sit at block boundaries' mercy
    text += paragraph("filler" + std::to_string(i), "1.0");
    if (i == 310) {
      text += paragraph("libssl3", "3.0.19-1");
    }
    if (i == 4000) {
      text += paragraph("libsqlite3-0", "3.40.1-2");  // unchanged
    }
  }
  text += paragraph("zlib1g", "9");  // last paragraph, no blank line after
  text.pop_back();
  write(text);
  auto stale = outdated_built_in(libs, file_);
  ASSERT_EQ(stale.size(), 1u);
  EXPECT_EQ(stale[0].library, "OpenSSL");
  EXPECT_EQ(stale[0].installed, "3.0.19-1");
  EXPECT_NE(describe(stale[0]).find("rebuild"), std::string::npos);
  EXPECT_NE(describe(stale[0]).find("3.0.17-1"), std::string::npos);
}

TEST_F(BuiltInTest, NothingWhenTheStatusFileIsMissingOrNothingIsBuiltIn) {
  const debian::BuiltIn libs[] = {{"OpenSSL", "libssl3", "amd64", "3.0.17-1"}};
  EXPECT_TRUE(outdated_built_in(libs, file_).empty());  // not written
  write(paragraph("libssl3", "3.0.19-1"));
  EXPECT_EQ(outdated_built_in(libs, file_).size(), 1u);
  EXPECT_TRUE(outdated_built_in({}, file_).empty());
}

TEST_F(BuiltInTest, VersionTextNamesTheVersionAndTheLibraries) {
  auto text = version_text();
  EXPECT_EQ(text.rfind(std::string("dcbot ") + DCBOT_VERSION_STRING, 0), 0u) << text;
  if (built_in().empty()) {
    EXPECT_NE(text.find("shared"), std::string::npos) << text;
  } else {
    EXPECT_NE(text.find(std::string(built_in().front().package)), std::string::npos) << text;
  }
}

}  // namespace
}  // namespace dcbot::cli
