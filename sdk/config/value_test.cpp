// SPDX-License-Identifier: MIT
#include "config/value.h"

#include <gtest/gtest.h>

namespace dcbot::config {
namespace {

Mark at(int line, int column) {
  return Mark{"bot.yaml", line, column};
}

TEST(ConfigValue, MarkFormatsOneBased) {
  EXPECT_EQ(to_string(at(7, 5)), "bot.yaml:7:5");
  EXPECT_EQ(to_string(Mark{"bot.yaml", 0, 0}), "bot.yaml");
  Error e = config_error(at(2, 3), "bad thing");
  EXPECT_EQ(e.code, Errc::Config);
  EXPECT_EQ(e.message, "bot.yaml:2:3: bad thing");
}

TEST(ConfigValue, TypedReadsAndMismatches) {
  Value b = Value::boolean(true, "true", at(1, 1));
  Value i = Value::integer(42, "42", at(1, 2));
  Value d = Value::real(2.5, "2.5", at(1, 3));
  Value s = Value::string("hi", at(1, 4));
  Value n = Value::null(at(1, 5));
  EXPECT_EQ(*b.as_bool(), true);
  EXPECT_EQ(*i.as_int(), 42);
  EXPECT_DOUBLE_EQ(*i.as_double(), 42.0);
  EXPECT_DOUBLE_EQ(*d.as_double(), 2.5);
  EXPECT_EQ(*s.as_string(), "hi");
  // Every non-null scalar reads as its source text.
  EXPECT_EQ(*i.as_string(), "42");
  EXPECT_EQ(*b.as_string(), "true");

  EXPECT_EQ(s.as_int().error().message, "bot.yaml:1:4: expected an integer, got \"hi\"");
  EXPECT_EQ(s.as_bool().error().message, "bot.yaml:1:4: expected true or false, got \"hi\"");
  EXPECT_EQ(n.as_string().error().message, "bot.yaml:1:5: expected a string, got null");
  EXPECT_EQ(d.as_int().error().code, Errc::Config);
  EXPECT_EQ(s.as_list().error().message, "bot.yaml:1:4: expected a list, got \"hi\"");
  EXPECT_EQ(i.as_map().error().message, "bot.yaml:1:2: expected a map, got \"42\"");
}

TEST(ConfigValue, ListsAndMaps) {
  Value::Map entries;
  entries.push_back({"a", at(2, 1), Value::integer(1, "1", at(2, 4))});
  entries.push_back({"b", at(3, 1), Value::list({Value::string("x", at(3, 5))}, at(3, 4))});
  Value m = Value::map(std::move(entries), at(2, 1));
  EXPECT_TRUE(m.is_map());
  EXPECT_FALSE(m.is_scalar());
  ASSERT_NE(m.find("a"), nullptr);
  EXPECT_EQ(*m.find("a")->as_int(), 1);
  EXPECT_EQ(m.find("zzz"), nullptr);
  const Value* b = m.find("b");
  ASSERT_NE(b, nullptr);
  auto list = b->as_list();
  ASSERT_TRUE(list);
  ASSERT_EQ((*list)->size(), 1u);
  EXPECT_EQ((**list)[0].mark(), at(3, 5));
  EXPECT_EQ(m.as_list().error().message, "bot.yaml:2:1: expected a list, got a map");
  EXPECT_EQ(Value::string("x", at(1, 1)).find("a"), nullptr);
}

TEST(ConfigValue, MapWithKeysReportsTheFirstUnknownKey) {
  Value::Map entries;
  entries.push_back({"text", at(4, 5), Value::string("hi", at(4, 11))});
  entries.push_back({"delai", at(5, 5), Value::integer(3, "3", at(5, 12))});
  Value m = Value::map(std::move(entries), at(4, 5));
  auto ok = m.as_map_with_keys("welcome", {"text", "delai"});
  ASSERT_TRUE(ok);
  EXPECT_EQ((*ok)->size(), 2u);
  auto bad = m.as_map_with_keys("welcome", {"text", "delay"});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::Config);
  EXPECT_EQ(bad.error().message,
            "bot.yaml:5:5: unknown key \"delai\" in welcome (expected one of: text, delay)");
  EXPECT_EQ(m.as_map_with_keys("", {"text"}).error().message,
            "bot.yaml:5:5: unknown key \"delai\" at top level (expected one of: text)");
  EXPECT_EQ(Value::null(at(1, 1)).as_map_with_keys("x", {}).error().message,
            "bot.yaml:1:1: expected a map, got null");
}

}  // namespace
}  // namespace dcbot::config
