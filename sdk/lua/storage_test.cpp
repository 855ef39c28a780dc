// SPDX-License-Identifier: MIT
#include "lua/storage.h"

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

namespace dcbot::lua {
namespace {

namespace fs = std::filesystem;
using namespace std::string_literals;

fs::path temp_file(const std::string& name) {
  const auto dir = fs::path(DCBOT_BINARY_DIR) / "test-tmp" / "lua-storage";
  fs::create_directories(dir);
  fs::remove(dir / name);
  return dir / name;
}

TEST(LuaFileStorage, PersistsAcrossOpens) {
  const auto file = temp_file("persist.kv");
  {
    auto storage = FileStorage::open(file);
    ASSERT_TRUE(storage) << storage.error().to_string();
    EXPECT_EQ(*storage->get("missing"), std::nullopt);
    ASSERT_TRUE(storage->set("n", "1"));
    ASSERT_TRUE(storage->set("n", "2"));
    // Separators and newlines inside keys and values are just bytes.
    ASSERT_TRUE(storage->set("odd key\n", "line 1\nline 2 \0 end"s));
    ASSERT_TRUE(storage->set("gone", "x"));
    ASSERT_TRUE(storage->erase("gone"));
    ASSERT_TRUE(storage->erase("never there"));
    ASSERT_TRUE(storage->set("empty", ""));
  }
  auto reopened = FileStorage::open(file);
  ASSERT_TRUE(reopened) << reopened.error().to_string();
  EXPECT_EQ(*reopened->get("n"), "2");
  EXPECT_EQ(*reopened->get("odd key\n"), "line 1\nline 2 \0 end"s);
  EXPECT_EQ(*reopened->get("empty"), "");
  EXPECT_EQ(*reopened->get("gone"), std::nullopt);
  EXPECT_FALSE(fs::exists(fs::path(file) += ".tmp"));
}

TEST(LuaFileStorage, CreatesItsDirectoryOnFirstWrite) {
  const auto dir = fs::path(DCBOT_BINARY_DIR) / "test-tmp" / "lua-storage" / "new-dir";
  fs::remove_all(dir);
  auto storage = FileStorage::open(dir / "plugin.kv");
  ASSERT_TRUE(storage);
  EXPECT_FALSE(fs::exists(dir));
  ASSERT_TRUE(storage->set("k", "v"));
  EXPECT_TRUE(fs::exists(dir / "plugin.kv"));
}

TEST(LuaFileStorage, DamagedFilesAreParseErrors) {
  for (const std::string& content :
       {std::string("not a kv file"), std::string("dcbot-kv 1\n3 1\nab"),
        std::string("dcbot-kv 1\n1 1\nabX"), std::string("dcbot-kv 1\nx 1\nab\n"),
        std::string("dcbot-kv 1\n99999999999999999999 1\nab\n")}) {
    const auto file = temp_file("damaged.kv");
    std::ofstream(file, std::ios::binary) << content;
    auto storage = FileStorage::open(file);
    ASSERT_FALSE(storage) << content;
    EXPECT_EQ(storage.error().code, Errc::Parse) << content;
  }
}

}  // namespace
}  // namespace dcbot::lua
