// SPDX-License-Identifier: MIT
#include "config/config.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <gtest/gtest.h>

namespace dcbot::config {
namespace {

namespace fs = std::filesystem;

// A scratch directory in the build tree, emptied for each test.
class ConfigFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(DCBOT_BINARY_DIR) / "test_tmp" / "config" / info->name();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }

  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& name, const std::string& content) {
    fs::path p = dir_ / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }

  // Loads `yaml` written as dir/bot.yaml; errors are returned with the path made relative.
  Result<BotConfig> load(const std::string& yaml) {
    fs::path p = write("bot.yaml", yaml);
    LoadOptions options;
    options.getenv = [this](std::string_view name) -> std::optional<std::string> {
      auto it = env_.find(std::string(name));
      if (it == env_.end()) {
        return std::nullopt;
      }
      return it->second;
    };
    return load_bot_config(p, options);
  }

  // The error message with the scratch directory prefix removed.
  std::string error_of(const std::string& yaml) {
    auto r = load(yaml);
    if (r) {
      return "(no error)";
    }
    EXPECT_EQ(r.error().code, Errc::Config);
    std::string msg = r.error().message;
    std::string prefix = dir_.string() + "/";
    for (std::size_t at = msg.find(prefix); at != std::string::npos; at = msg.find(prefix)) {
      msg.erase(at, prefix.size());
    }
    return msg;
  }

  fs::path dir_;
  std::map<std::string, std::string> env_;
};

constexpr const char* kFullExample = R"(account:
  addr: echo@relay.test
  password: secret
  imap: { host: 127.0.0.1, port: 1143, security: plain }
  smtp: { host: smtp.relay.test, security: starttls, user: echo }
  tls_verify: false
data_dir: ./data/echo
profile: { name: Echo Bot, avatar: ./avatar.png, status: "I echo what you write" }
limits: { send_per_minute: 0, send_burst: 5, user_messages_per_minute: 12 }
logging: { level: debug }
read_receipts: true
plugins:
  - builtin: echo
  - { lua: ./plugins/welcome.lua, config: { text: "Welcome, {name}!", delay: 3 } }
  - { cpp: moderation, config: { admins_group: "Admins" } }
  - cpp: ../lib/libfoo.so
)";

TEST_F(ConfigFiles, ParsesTheFullExample) {
  write("avatar.png", "png");
  auto r = load(kFullExample);
  ASSERT_TRUE(r) << r.error().to_string();
  const BotConfig& c = *r;
  ASSERT_TRUE(c.account);
  EXPECT_EQ(c.account->addr, "echo@relay.test");
  EXPECT_EQ(c.account->password, "secret");
  EXPECT_EQ(c.account->password_source, PasswordSource::Inline);
  EXPECT_EQ(c.account->imap, (ServerConfig{.host = "127.0.0.1",
                                           .port = 1143,
                                           .security = Security::Plain,
                                           .user = "echo@relay.test"}));
  EXPECT_EQ(
      c.account->smtp,
      (ServerConfig{
          .host = "smtp.relay.test", .port = 587, .security = Security::StartTls, .user = "echo"}));
  EXPECT_FALSE(c.account->tls_verify);
  EXPECT_TRUE(c.account->invite.empty());
  EXPECT_EQ(c.data_dir, dir_ / "data/echo");
  EXPECT_EQ(c.profile.name, "Echo Bot");
  EXPECT_EQ(c.profile.avatar, dir_ / "avatar.png");
  EXPECT_EQ(c.profile.status, "I echo what you write");
  EXPECT_EQ(c.limits.send_per_minute, 0);
  EXPECT_EQ(c.limits.send_burst, 5);
  EXPECT_EQ(c.limits.user_messages_per_minute, 12);
  EXPECT_EQ(c.logging.level, log::Level::Debug);
  EXPECT_TRUE(c.read_receipts);

  ASSERT_EQ(c.plugins.size(), 4u);
  EXPECT_EQ(c.plugins[0].kind, PluginKind::Builtin);
  EXPECT_EQ(c.plugins[0].target, "echo");
  EXPECT_TRUE(c.plugins[0].config.is_null());
  EXPECT_EQ(c.plugins[1].kind, PluginKind::Lua);
  EXPECT_EQ(c.plugins[1].target, (dir_ / "plugins/welcome.lua").string());
  const Value* text = c.plugins[1].config.find("text");
  ASSERT_NE(text, nullptr);
  EXPECT_EQ(*text->as_string(), "Welcome, {name}!");
  EXPECT_EQ(text->mark().line, 14);
  EXPECT_EQ(text->mark().column, 51);
  EXPECT_EQ(*c.plugins[1].config.find("delay")->as_int(), 3);
  EXPECT_EQ(c.plugins[2].kind, PluginKind::Cpp);
  EXPECT_EQ(c.plugins[2].target, "moderation");
  EXPECT_FALSE(c.plugins[2].target_is_path);
  EXPECT_TRUE(c.plugins[3].target_is_path);
  EXPECT_EQ(c.plugins[3].target, (dir_.parent_path() / "lib/libfoo.so").string());
  EXPECT_EQ(c.plugins[3].mark.line, 16);
}

TEST_F(ConfigFiles, DefaultsForAMinimalConfig) {
  auto r = load("account:\n  addr: bot@relay.test\n  password: pw\nplugins:\n  - builtin: echo\n");
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_FALSE(r->account->imap);
  EXPECT_FALSE(r->account->smtp);
  EXPECT_TRUE(r->account->tls_verify);
  EXPECT_EQ(r->data_dir, dir_ / "data" / "bot");
  EXPECT_EQ(r->profile.name, std::nullopt);
  EXPECT_EQ(r->limits.send_per_minute, 60);
  EXPECT_EQ(r->limits.send_burst, 10);
  EXPECT_EQ(r->limits.user_messages_per_minute, 30);
  EXPECT_EQ(r->logging.level, log::Level::Info);
  EXPECT_FALSE(r->read_receipts);
}

TEST_F(ConfigFiles, ServerPortDefaultsFollowSecurity) {
  auto r = load(
      "account:\n  addr: a@b.c\n  password: p\n  imap: { host: h }\n"
      "  smtp: { host: h, security: plain }\n");
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->account->imap->port, 993);
  EXPECT_EQ(r->account->imap->security, Security::Tls);
  EXPECT_EQ(r->account->smtp->port, 25);
  auto tls = load("account:\n  addr: a@b.c\n  password: p\n  smtp: { host: h }\n");
  ASSERT_TRUE(tls);
  EXPECT_EQ(tls->account->smtp->port, 465);
}

TEST_F(ConfigFiles, AdminsAreKeyFingerprints) {
  auto r = load(
      "admins:\n  - \"c677 49cd 8d1c 3338 2c41  0ed2 594d 50c4 0b3a 5106\"\n"
      "  - 0123456789ABCDEF0123456789ABCDEF01234567\n");
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->admins, (std::vector<std::string>{"C67749CD8D1C33382C410ED2594D50C40B3A5106",
                                                 "0123456789ABCDEF0123456789ABCDEF01234567"}));
  EXPECT_EQ(error_of("admins:\n  - alice@example.org\n"),
            "bot.yaml:2:5: admins[0]: expected a key fingerprint (40 hex digits)");
}

TEST_F(ConfigFiles, NoAccountIsAllowed) {
  auto r = load("plugins: [ { builtin: echo } ]\n");
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_FALSE(r->account);
}

TEST_F(ConfigFiles, UnknownKeysNameFileLineColumnAndExpectedKeys) {
  EXPECT_EQ(error_of("account:\n  addr: a@b.c\n  password: p\n  prot: 1\n"),
            "bot.yaml:4:3: unknown key \"prot\" in account (expected one of: addr, password, "
            "password_file, password_env, imap, smtp, tls_verify, invite)");
  EXPECT_EQ(error_of("acount: {}\n"),
            "bot.yaml:1:1: unknown key \"acount\" at top level (expected one of: account, "
            "data_dir, profile, limits, logging, read_receipts, admins, plugins)");
  EXPECT_EQ(error_of("account:\n  addr: a@b.c\n  password: p\n  imap: { host: h, prot: 1 }\n"),
            "bot.yaml:4:20: unknown key \"prot\" in account.imap (expected one of: host, port, "
            "security, user)");
  EXPECT_EQ(error_of("plugins:\n  - { builtin: echo, conf: {} }\n"),
            "bot.yaml:2:22: unknown key \"conf\" in plugins[0] (expected one of: builtin, cpp, "
            "lua, config)");
}

TEST_F(ConfigFiles, WrongTypesNameFileLineColumn) {
  EXPECT_EQ(error_of("account:\n  addr: a@b.c\n  password: p\n  imap: { host: h, port: abc }\n"),
            "bot.yaml:4:26: account.imap.port: expected an integer, got \"abc\"");
  EXPECT_EQ(error_of("account:\n  addr: a@b.c\n  password: p\n  imap: { host: h, port: 70000 }\n"),
            "bot.yaml:4:26: account.imap.port: 70000 is out of range (1..65535)");
  EXPECT_EQ(error_of("account:\n  addr: a@b.c\n  password: p\n  tls_verify: yes\n"),
            "bot.yaml:4:15: account.tls_verify: expected true or false, got \"yes\"");
  EXPECT_EQ(error_of("account: [a, b]\n"), "bot.yaml:1:10: account: expected a map, got a list");
  EXPECT_EQ(error_of("limits: { send_per_minute: -1 }\n"),
            "bot.yaml:1:28: limits.send_per_minute: -1 is out of range (0..1000000)");
  EXPECT_EQ(error_of("plugins: { builtin: echo }\n"),
            "bot.yaml:1:10: plugins: expected a list, got a map");
  EXPECT_EQ(error_of("read_receipts: 1\n"),
            "bot.yaml:1:16: read_receipts: expected true or false, got \"1\"");
  EXPECT_EQ(error_of("logging: { level: loud }\n"),
            "bot.yaml:1:19: logging.level: unknown level \"loud\" (expected one of: trace, debug, "
            "info, warn, error, off)");
  EXPECT_EQ(
      error_of("account:\n  addr: a@b.c\n  password: p\n  smtp: { host: h, security: ssl }\n"),
      "bot.yaml:4:30: account.smtp.security: unknown security \"ssl\" (expected one of: tls, "
      "starttls, plain)");
  EXPECT_EQ(error_of("data_dir:\n"), "bot.yaml:1:1: data_dir: expected a string, got null");
  EXPECT_EQ(error_of("- a\n"), "bot.yaml:1:1: expected a map, got a list");
  EXPECT_EQ(error_of(""), "bot.yaml:1:1: the config is empty");
}

TEST_F(ConfigFiles, AccountRules) {
  EXPECT_EQ(error_of("account:\n  password: p\n"),
            "bot.yaml:2:3: account: missing key \"addr\" (or give \"invite\")");
  EXPECT_EQ(error_of("account:\n  addr: a@b.c\n"),
            "bot.yaml:2:3: account: missing password (give password, password_file or "
            "password_env)");
  EXPECT_EQ(error_of("account:\n  addr: a@b.c\n  password: p\n  password_env: X\n"),
            "bot.yaml:4:3: account.password_env: give only one of password, password_file, "
            "password_env");
  EXPECT_EQ(error_of("account:\n  addr: not-an-address\n  password: p\n"),
            "bot.yaml:2:9: account.addr: \"not-an-address\" is not an email address");
  EXPECT_EQ(error_of("account:\n  addr: a@b.c\n  password: p\n  imap: { port: 1 }\n"),
            "bot.yaml:4:9: account.imap: missing key \"host\"");
}

TEST_F(ConfigFiles, PasswordFileIsReadRelativeToTheConfig) {
  write("secrets/pw", "s3cret\r\n");
  auto r = load("account:\n  addr: a@b.c\n  password_file: secrets/pw\n");
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->account->password, "s3cret");
  EXPECT_EQ(r->account->password_source, PasswordSource::File);

  EXPECT_EQ(error_of("account:\n  addr: a@b.c\n  password_file: ./missing\n"),
            "bot.yaml:3:3: account.password_file: cannot read \"missing\"");
  write("empty", "\n");
  EXPECT_EQ(error_of("account:\n  addr: a@b.c\n  password_file: empty\n"),
            "bot.yaml:3:3: account.password_file: \"empty\" is empty");
}

TEST_F(ConfigFiles, PasswordFromEnvironment) {
  env_["BOT_PW"] = "from-env";
  auto r = load("account:\n  addr: a@b.c\n  password_env: BOT_PW\n");
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->account->password, "from-env");
  EXPECT_EQ(r->account->password_source, PasswordSource::Env);
  EXPECT_EQ(error_of("account:\n  addr: a@b.c\n  password_env: NOPE\n"),
            "bot.yaml:3:3: account.password_env: environment variable NOPE is not set");
}

TEST_F(ConfigFiles, InviteUrls) {
  auto r = load("account:\n  invite: \"DCACCOUNT:relay.example\"\n");
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->account->invite, "DCACCOUNT:relay.example");
  EXPECT_TRUE(r->account->addr.empty());
  auto login =
      load("account:\n  invite: \"dclogin:bot@relay.example?p=x&v=1\"\n  tls_verify: false\n");
  ASSERT_TRUE(login) << login.error().to_string();
  EXPECT_FALSE(login->account->tls_verify);
  EXPECT_EQ(error_of("account:\n  invite: \"https://example.org\"\n"),
            "bot.yaml:2:11: account.invite: expected a \"dcaccount:\" or \"dclogin:\" URL");
  EXPECT_EQ(error_of("account:\n  invite: \"dcaccount:x\"\n  addr: a@b.c\n"),
            "bot.yaml:3:3: account.addr: not allowed together with account.invite");
}

TEST_F(ConfigFiles, PluginEntries) {
  EXPECT_EQ(error_of("plugins:\n  - { builtin: echo, lua: x.lua }\n"),
            "bot.yaml:2:22: plugins[0]: give only one of builtin, cpp, lua");
  EXPECT_EQ(error_of("plugins:\n  - builtin: echo\n  - config: {}\n"),
            "bot.yaml:3:5: plugins[1]: missing key \"builtin\", \"cpp\" or \"lua\"");
  EXPECT_EQ(error_of("plugins:\n  - lua: \"\"\n"),
            "bot.yaml:2:10: plugins[0].lua: must not be empty");
  EXPECT_EQ(error_of("plugins:\n  - echo\n"),
            "bot.yaml:2:5: plugins[0]: expected a map, got \"echo\"");
  auto none = load("plugins:\n");
  ASSERT_TRUE(none) << none.error().to_string();
  EXPECT_TRUE(none->plugins.empty());
}

TEST_F(ConfigFiles, ProfileAvatarMustExist) {
  EXPECT_EQ(error_of("profile: { avatar: nope.png }\n"),
            "bot.yaml:1:20: profile.avatar: no such file \"nope.png\"");
}

TEST_F(ConfigFiles, MissingConfigFile) {
  auto r = load_bot_config(dir_ / "absent.yaml");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::Config);
  EXPECT_EQ(r.error().message, (dir_ / "absent.yaml").string()
                                   + ": cannot read config file: No such file or directory");
}

TEST_F(ConfigFiles, ParseBotConfigFromText) {
  auto r = parse_bot_config("data_dir: d\n", "inline.yaml", "/srv/bots");
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->data_dir, fs::path("/srv/bots/d"));
  auto bad = parse_bot_config("x: 1\n", "inline.yaml", "/srv/bots");
  ASSERT_FALSE(bad);
  EXPECT_TRUE(bad.error().message.starts_with("inline.yaml:1:1: unknown key \"x\""));
}

TEST_F(ConfigFiles, HostFileLoadsEveryBotRelativeToIt) {
  write("bots/a/bot.yaml", "data_dir: ./data\nplugins: [ { builtin: echo } ]\n");
  write("bots/b.yaml", "data_dir: ./b-data\n");
  fs::path host = write("host.yaml", "bots:\n  - bots/a/bot.yaml\n  - ./bots/b.yaml\n");
  auto all = load_host_file(host);
  ASSERT_TRUE(all) << all.error().to_string();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].data_dir, dir_ / "bots/a/data");
  EXPECT_EQ((*all)[0].file, dir_ / "bots/a/bot.yaml");
  EXPECT_EQ((*all)[1].data_dir, dir_ / "bots/b-data");

  auto via_any = load_configs(host);
  ASSERT_TRUE(via_any);
  EXPECT_EQ(via_any->size(), 2u);
  auto single = load_configs(dir_ / "bots/b.yaml");
  ASSERT_TRUE(single);
  ASSERT_EQ(single->size(), 1u);
  EXPECT_EQ((*single)[0].data_dir, dir_ / "bots/b-data");
}

TEST_F(ConfigFiles, HostFileErrors) {
  fs::path host = write("host.yaml", "bots:\n  - a.yaml\n  - missing.yaml\n");
  write("a.yaml", "data_dir: d\n");
  auto r = load_host_file(host);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, host.string() + ":3:5: bots[1]: no such config file \""
                                   + (dir_ / "missing.yaml").string() + "\"");

  write("b.yaml", "data_dir: d\n");
  host = write("host2.yaml", "bots: [a.yaml, b.yaml]\n");
  r = load_host_file(host);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, host.string() + ":1:16: bots[1]: data_dir \"" + (dir_ / "d").string()
                                   + "\" is already used by " + (dir_ / "a.yaml").string());

  write("bad.yaml", "data_dir: d\nwat: 1\n");
  host = write("host3.yaml", "bots: [bad.yaml]\n");
  r = load_host_file(host);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, (dir_ / "bad.yaml").string() +
                                   ":2:1: unknown key \"wat\" at top level (expected one of: "
                                   "account, data_dir, profile, limits, logging, read_receipts, "
                                   "admins, plugins)");

  host = write("host4.yaml", "bots: []\n");
  r = load_host_file(host);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, host.string() + ":1:7: bots: the list is empty");
  host = write("host5.yaml", "bots: [a.yaml]\nextra: 1\n");
  r = load_host_file(host);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, host.string() +
                                   ":2:1: unknown key \"extra\" at top level (expected one of: "
                                   "bots)");
}

}  // namespace
}  // namespace dcbot::config
