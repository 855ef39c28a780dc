// SPDX-License-Identifier: MIT
#include "cli/options.h"

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

namespace dcbot::cli {
namespace {

config::BotConfig parse(const std::string& yaml) {
  auto c = config::parse_bot_config(yaml, "bot.yaml", "/srv/bot");
  EXPECT_TRUE(c) << c.error().to_string();
  return *c;
}

TEST(CliOptions, MapsAccountServersAndLimits) {
  auto c = parse(R"(
account:
  addr: echo@relay.test
  password: secret
  imap: { host: 127.0.0.1, port: 10993, security: tls }
  smtp: { host: 127.0.0.1, port: 10587, security: starttls }
  tls_verify: false
data_dir: ./data
profile: { name: Echo Bot, status: I echo }
limits: { send_per_minute: 0 }
)");
  auto o = bot_options(c);
  ASSERT_TRUE(o) << o.error().to_string();
  EXPECT_EQ(o->transport.addr, "echo@relay.test");
  EXPECT_EQ(o->transport.password, "secret");
  EXPECT_EQ(o->transport.imap.host, "127.0.0.1");
  EXPECT_EQ(o->transport.imap.port, 10993);
  EXPECT_EQ(o->transport.imap.security, net::Security::Tls);
  EXPECT_EQ(o->transport.smtp.port, 10587);
  EXPECT_EQ(o->transport.smtp.security, net::Security::StartTls);
  EXPECT_FALSE(o->transport.tls_verify);
  EXPECT_EQ(o->data_dir, std::filesystem::path("/srv/bot/data"));
  EXPECT_EQ(o->display_name, "Echo Bot");
  EXPECT_EQ(o->status, "I echo");
  EXPECT_EQ(o->sender.send_per_minute, 0);
  auto text = summary(c, *o);
  EXPECT_NE(text.find("echo@relay.test"), std::string::npos);
  EXPECT_NE(text.find("127.0.0.1:10587 (starttls)"), std::string::npos);
  EXPECT_NE(text.find("unlimited"), std::string::npos);
  // Defaults: per-user flood control on at 30/min, read receipts off, no avatar.
  EXPECT_EQ(o->user_messages_per_minute, 30);
  EXPECT_FALSE(o->read_receipts);
  EXPECT_TRUE(o->avatar.empty());
  EXPECT_NE(text.find("30 messages/min per user"), std::string::npos);
}

TEST(CliOptions, MapsAvatarReadReceiptsAndFloodControl) {
  const auto dir = std::filesystem::path(DCBOT_BINARY_DIR) / "cli-options-test";
  std::filesystem::create_directories(dir);
  { std::ofstream(dir / "face.png") << "png"; }
  auto c = config::parse_bot_config(
      "account: { addr: bot@chat.example, password: x }\n"
      "profile: { avatar: ./face.png }\n"
      "limits: { user_messages_per_minute: 0 }\n"
      "read_receipts: true\n",
      dir / "bot.yaml", dir);
  ASSERT_TRUE(c) << c.error().to_string();
  auto o = bot_options(*c);
  ASSERT_TRUE(o) << o.error().to_string();
  EXPECT_EQ(o->avatar, dir / "face.png");
  EXPECT_TRUE(o->read_receipts);
  EXPECT_EQ(o->user_messages_per_minute, 0);
  auto text = summary(*c, *o);
  EXPECT_NE(text.find("face.png"), std::string::npos);
  EXPECT_NE(text.find("flood:     off"), std::string::npos);
  EXPECT_NE(text.find("read receipts sent"), std::string::npos);
}

TEST(CliOptions, ServersDefaultToTheMailDomain) {
  auto o = bot_options(parse("account: { addr: bot@chat.example, password: x }\n"));
  ASSERT_TRUE(o) << o.error().to_string();
  EXPECT_EQ(o->transport.imap.host, "chat.example");
  EXPECT_EQ(o->transport.smtp.host, "chat.example");
  EXPECT_EQ(o->transport.imap.security, net::Security::Tls);
  EXPECT_EQ(o->transport.tls_verify, true);
}

TEST(CliOptions, MissingAccountIsAConfigError) {
  auto o = bot_options(parse("data_dir: ./data\n"));
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error().code, Errc::Config);
  EXPECT_NE(o.error().message.find("bot.yaml"), std::string::npos);
}

}  // namespace
}  // namespace dcbot::cli
