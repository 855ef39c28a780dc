// SPDX-License-Identifier: MIT
#include "config/loader.h"

#include <cmath>
#include <string>

#include <gtest/gtest.h>

#include <fmt/format.h>

namespace dcbot::config {
namespace {

Value parse(std::string_view yaml) {
  auto v = parse_yaml(yaml, "t.yaml");
  EXPECT_TRUE(v) << v.error().to_string();
  return v ? std::move(v).value() : Value();
}

TEST(ConfigLoader, TypesPlainScalarsByYaml12CoreSchema) {
  Value v = parse(
      "a: 12\nb: -7\nc: 0x1F\nd: 0o17\ne: 1.5\nf: 2e3\ng: .inf\nh: true\ni: False\nj: yes\n"
      "k: ~\nl:\nm: null\nn: hello world\no: \"12\"\np: 'true'\nq: 99999999999999999999\n"
      "r: -9223372036854775808\ns: +3\nt: .NaN\n");
  EXPECT_EQ(*v.find("a")->as_int(), 12);
  EXPECT_EQ(*v.find("b")->as_int(), -7);
  EXPECT_EQ(*v.find("c")->as_int(), 31);
  EXPECT_EQ(*v.find("d")->as_int(), 15);
  EXPECT_EQ(v.find("e")->kind(), Value::Kind::Double);
  EXPECT_DOUBLE_EQ(*v.find("e")->as_double(), 1.5);
  EXPECT_DOUBLE_EQ(*v.find("f")->as_double(), 2000.0);
  EXPECT_TRUE(std::isinf(*v.find("g")->as_double()));
  EXPECT_EQ(*v.find("h")->as_bool(), true);
  EXPECT_EQ(*v.find("i")->as_bool(), false);
  // YAML 1.1's yes/no/on/off are plain strings in 1.2 (no "Norway problem").
  EXPECT_EQ(v.find("j")->kind(), Value::Kind::String);
  EXPECT_TRUE(v.find("k")->is_null());
  EXPECT_TRUE(v.find("l")->is_null());
  EXPECT_TRUE(v.find("m")->is_null());
  EXPECT_EQ(*v.find("n")->as_string(), "hello world");
  // Quoted scalars are always strings.
  EXPECT_EQ(v.find("o")->kind(), Value::Kind::String);
  EXPECT_EQ(v.find("p")->kind(), Value::Kind::String);
  // Out of int64 range: kept as text.
  EXPECT_EQ(v.find("q")->kind(), Value::Kind::String);
  EXPECT_EQ(*v.find("r")->as_int(), INT64_MIN);
  EXPECT_EQ(*v.find("s")->as_int(), 3);
  EXPECT_TRUE(std::isnan(*v.find("t")->as_double()));
}

TEST(ConfigLoader, MarksAreOneBasedAndPointAtValues) {
  Value v =
      parse("account:\n  addr: bot@x.org\n  imap: { host: h, port: 993 }\nlist:\n  - a\n  - b\n");
  const MapEntry& account = (*v.as_map().value())[0];
  EXPECT_EQ(account.key_mark, (Mark{"t.yaml", 1, 1}));
  const Value* addr = v.find("account")->find("addr");
  EXPECT_EQ(addr->mark(), (Mark{"t.yaml", 2, 9}));
  const Value* port = v.find("account")->find("imap")->find("port");
  EXPECT_EQ(port->mark(), (Mark{"t.yaml", 3, 26}));
  const auto& items = **v.find("list")->as_list();
  EXPECT_EQ(items[1].mark(), (Mark{"t.yaml", 6, 5}));
  // A key without a value has no position of its own: the key's is used.
  Value empty = parse("x: 1\nname:\n");
  EXPECT_EQ(empty.find("name")->mark(), (Mark{"t.yaml", 2, 1}));
}

TEST(ConfigLoader, KeepsMapOrder) {
  Value v = parse("z: 1\na: 2\nm: 3\n");
  const auto& m = **v.as_map();
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[0].key, "z");
  EXPECT_EQ(m[1].key, "a");
  EXPECT_EQ(m[2].key, "m");
}

TEST(ConfigLoader, SyntaxErrorsNameFileLineColumn) {
  auto r = parse_yaml("account:\n  addr: [unclosed\n", "bot.yaml");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::Config);
  EXPECT_TRUE(r.error().message.starts_with("bot.yaml:")) << r.error().message;

  auto tab = parse_yaml("a: 1\n b: 2\n", "bot.yaml");
  ASSERT_FALSE(tab);
  EXPECT_EQ(tab.error().message, "bot.yaml:2:3: illegal map value") << tab.error().message;
}

TEST(ConfigLoader, DuplicateAndComplexKeysAreErrors) {
  auto dup = parse_yaml("a: 1\nb: 2\na: 3\n", "bot.yaml");
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().message, "bot.yaml:3:1: duplicate key \"a\"");

  auto complex = parse_yaml("? [a, b]\n: 1\n", "bot.yaml");
  ASSERT_FALSE(complex);
  EXPECT_EQ(complex.error().message, "bot.yaml:1:3: map keys must be plain strings");
}

TEST(ConfigLoader, EmptyDocumentIsNull) {
  EXPECT_TRUE(parse("").is_null());
  EXPECT_TRUE(parse("# only a comment\n").is_null());
}

TEST(ConfigLoader, RefusesDeepNestingAndAliasBombs) {
  std::string deep(200, '[');
  deep += std::string(200, ']');
  auto d = parse_yaml(deep, "x.yaml");
  ASSERT_FALSE(d);
  EXPECT_NE(d.error().message.find("nesting too deep"), std::string::npos) << d.error().message;

  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'h'; ++c) {
    bomb += fmt::format("{0}: &{0} [*{1}, *{1}, *{1}, *{1}, *{1}, *{1}, *{1}, *{1}, *{1}, *{1}]\n",
                        c, prev);
    prev = c;
  }
  auto b = parse_yaml(bomb, "x.yaml");
  ASSERT_FALSE(b);
  EXPECT_NE(b.error().message.find("too large"), std::string::npos) << b.error().message;
}

TEST(ConfigLoader, MissingFileIsAClearError) {
  auto r = load_yaml_file(std::string(DCBOT_BINARY_DIR) + "/no/such/bot.yaml");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::Config);
  EXPECT_EQ(r.error().message, std::string(DCBOT_BINARY_DIR) +
                                   "/no/such/bot.yaml: cannot read config file: No such file or "
                                   "directory");
  auto dir = load_yaml_file(DCBOT_BINARY_DIR);
  ASSERT_FALSE(dir);
  EXPECT_NE(dir.error().message.find("is a directory"), std::string::npos);
}

}  // namespace
}  // namespace dcbot::config
