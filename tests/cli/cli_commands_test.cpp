// SPDX-License-Identifier: MIT
// The `dcbot` commands that need no relay: `export` / `import` move a bot (keys and state) to
// another data dir, and the imported bot publishes the very same invite link; `init --offline`
// writes a config from a URL; an `invite: DCACCOUNT:` account is invented once and kept; `admin`
// prints the admin group's link; `version` lists the libraries built in and `check` warns when
// Debian has installed a newer version of one of them.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include <gtest/gtest.h>

#include "support/process.h"

namespace dcbot {
namespace {

namespace fs = std::filesystem;
using testsupport::read_file;
using testsupport::run_capture;

class CliCommands : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(DCBOT_BINARY_DIR) / "cli-commands"
           / ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    log_ = dir_ / "dcbot.log";
  }

  fs::path config(const std::string& name, const std::string& addr) {
    fs::path file = dir_ / (name + ".yaml");
    std::ofstream(file) << "account:\n  addr: " << addr << "\n  password: secret\n"
                        << "  imap: { host: 127.0.0.1, port: 9, security: tls }\n"
                        << "  smtp: { host: 127.0.0.1, port: 9, security: tls }\n"
                        << "data_dir: ./" << name << "\nplugins:\n  - builtin: echo\n";
    return file;
  }

  std::pair<int, std::string> dcbot(std::vector<std::string> args) {
    args.insert(args.begin(), DCBOT_BIN);
    return run_capture(args, log_);
  }

  fs::path dir_;
  fs::path log_;
};

TEST_F(CliCommands, ExportThenImportKeepsTheKeysAndTheInviteLink) {
  const fs::path a = config("a", "bot@relay.test");
  auto [code, link] = dcbot({"invite", a.string()});
  ASSERT_EQ(code, 0) << read_file(log_);
  ASSERT_EQ(link.rfind("https://i.delta.chat/#", 0), 0U) << link;

  const fs::path backup = dir_ / "backup";
  auto [exported, out] = dcbot({"export", a.string(), backup.string()});
  ASSERT_EQ(exported, 0) << read_file(log_);
  EXPECT_NE(out.find("secret key"), std::string::npos) << out;
  EXPECT_TRUE(fs::is_regular_file(backup / "dcbot.db"));
  EXPECT_EQ(fs::status(backup / "dcbot.db").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(dcbot({"export", a.string(), backup.string()}).first, 2) << "never overwrites";

  const fs::path b = config("b", "bot@relay.test");
  auto [imported, in] = dcbot({"import", b.string(), backup.string()});
  ASSERT_EQ(imported, 0) << read_file(log_);
  auto [code_b, link_b] = dcbot({"invite", b.string()});
  ASSERT_EQ(code_b, 0) << read_file(log_);
  EXPECT_EQ(link_b, link) << "the moved bot must keep its key and invite tokens";
  EXPECT_EQ(dcbot({"import", b.string(), backup.string()}).first, 2) << "never overwrites";
}

TEST_F(CliCommands, AdminPrintsTheAdminGroupsLinkMadeOnce) {
  const fs::path a = config("a", "bot@relay.test");
  auto [code, link] = dcbot({"admin", a.string(), "--name", "Mods of the bot"});
  ASSERT_EQ(code, 0) << read_file(log_);
  link = link.substr(0, link.find('\n'));
  ASSERT_EQ(link.rfind("https://i.delta.chat/#", 0), 0U) << link;
  EXPECT_NE(link.find("&g=Mods+of+the+bot"), std::string::npos) << link;
  EXPECT_NE(link.find("&x="), std::string::npos) << link;
  EXPECT_NE(link.find("v=3"), std::string::npos) << link;
  // The same group (and link) afterwards; --name only names a new group.
  auto [again, link2] = dcbot({"admin", a.string(), "--name", "Other"});
  ASSERT_EQ(again, 0) << read_file(log_);
  EXPECT_EQ(link2.substr(0, link2.find('\n')), link);
  auto [legacy_code, legacy] = dcbot({"admin", a.string(), "--legacy"});
  ASSERT_EQ(legacy_code, 0);
  EXPECT_EQ(legacy.find("v=3"), std::string::npos) << legacy;
  // It is not the bot's 1:1 invite link.
  auto [invite_code, invite] = dcbot({"invite", a.string()});
  ASSERT_EQ(invite_code, 0);
  EXPECT_EQ(invite.find("&g="), std::string::npos) << invite;
  EXPECT_EQ(dcbot({"admin", (dir_ / "missing.yaml").string()}).first, 2);
}

TEST_F(CliCommands, ImportRefusesOtherBotsAndNonExports) {
  const fs::path a = config("a", "bot@relay.test");
  ASSERT_EQ(dcbot({"invite", a.string()}).first, 0) << read_file(log_);
  const fs::path backup = dir_ / "backup";
  ASSERT_EQ(dcbot({"export", a.string(), backup.string()}).first, 0) << read_file(log_);

  const fs::path other = config("other", "someone-else@relay.test");
  EXPECT_EQ(dcbot({"import", other.string(), backup.string()}).first, 2);
  EXPECT_NE(read_file(log_).find("the export is the bot bot@relay.test"), std::string::npos);

  fs::create_directories(dir_ / "empty");
  EXPECT_EQ(dcbot({"import", other.string(), (dir_ / "empty").string()}).first, 2);

  fs::create_directories(dir_ / "garbage");
  std::ofstream(dir_ / "garbage" / "dcbot.db") << "not a database at all";
  EXPECT_EQ(dcbot({"import", other.string(), (dir_ / "garbage").string()}).first, 1);
  EXPECT_FALSE(fs::exists(dir_ / "other" / "dcbot.db"));

  const fs::path fresh = config("fresh", "new@relay.test");
  EXPECT_EQ(dcbot({"export", fresh.string(), (dir_ / "x").string()}).first, 1)
      << "nothing to export before the bot ever ran";
}

TEST_F(CliCommands, InitOfflineWritesAConfigThatChecks) {
  const fs::path file = dir_ / "new.yaml";
  auto [code, out] = dcbot({"init", file.string(),
                            "dclogin:me@relay.test/?p=pa%20ss&ih=127.0.0.1&ip=1993&is=ssl&ic=3",
                            "--name", "Init Bot", "--offline"});
  ASSERT_EQ(code, 0) << read_file(log_);
  EXPECT_NE(out.find("configured me@relay.test"), std::string::npos) << out;
  EXPECT_EQ(read_file(dir_ / "new.secret"), "pa ss\n");
  EXPECT_EQ(fs::status(dir_ / "new.secret").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  auto [checked, summary] = dcbot({"check", file.string()});
  ASSERT_EQ(checked, 0) << read_file(log_) << read_file(file);
  EXPECT_NE(summary.find("127.0.0.1:1993 (tls)"), std::string::npos) << summary;
  EXPECT_NE(summary.find("NOT verified"), std::string::npos) << summary;
  EXPECT_NE(summary.find("Init Bot"), std::string::npos) << summary;

  EXPECT_EQ(dcbot({"init", file.string(), "dclogin:x@relay.test?p=y", "--offline"}).first, 2)
      << "never overwrites a config";
  EXPECT_EQ(dcbot({"init", (dir_ / "bad.yaml").string(), "mailto:x@y", "--offline"}).first, 2);
  EXPECT_FALSE(fs::exists(dir_ / "bad.yaml"));

  auto [created, created_out] =
      dcbot({"init", (dir_ / "chatmail.yaml").string(), "DCACCOUNT:relay.test", "--offline"});
  ASSERT_EQ(created, 0) << read_file(log_);
  EXPECT_NE(created_out.find("created "), std::string::npos) << created_out;
}

TEST_F(CliCommands, AnInviteAccountIsInventedOnceAndKept) {
  const fs::path file = dir_ / "invite.yaml";
  std::ofstream(file) << "account:\n  invite: DCACCOUNT:https://relay.test/new\n"
                      << "data_dir: ./inv\nplugins:\n  - builtin: echo\n";
  auto [first_code, first] = dcbot({"check", file.string()});
  ASSERT_EQ(first_code, 0) << read_file(log_);
  auto [second_code, second] = dcbot({"check", file.string()});
  ASSERT_EQ(second_code, 0) << read_file(log_);
  auto addr_line = [](const std::string& summary) {
    auto at = summary.find("account:");
    return summary.substr(at, summary.find('\n', at) - at);
  };
  EXPECT_EQ(addr_line(first), addr_line(second));
  EXPECT_NE(addr_line(first).find("@relay.test"), std::string::npos) << first;
  // A 9-character local part, as chatmail relays require.
  const std::string line = addr_line(first);
  const auto colon = line.find_first_not_of(' ', line.find(':') + 1);
  EXPECT_EQ(line.find('@') - colon, 9U) << line;
}

TEST_F(CliCommands, WithoutAnAccountRunCreatesOneOrSaysHowToWorkOffline) {
  const fs::path file = dir_ / "noaccount.yaml";
  std::ofstream(file) << "data_dir: ./data\nplugins:\n  - builtin: echo\n";
  // No network here: the default relay can't be reached, and the bot says what to do instead.
  ::setenv("DCBOT_DEFAULT_RELAY", "unreachable.invalid", 1);
  auto [code, out] = dcbot({"run", file.string()});
  ::unsetenv("DCBOT_DEFAULT_RELAY");
  EXPECT_EQ(code, 1) << read_file(log_);
  const std::string log = read_file(log_);
  EXPECT_NE(out.find("@unreachable.invalid"), std::string::npos) << out;
  EXPECT_NE(log.find("could not create an account on unreachable.invalid"), std::string::npos)
      << log;
  EXPECT_NE(log.find("scripts/run"), std::string::npos) << log;
}

TEST_F(CliCommands, VersionListsBuiltInLibrariesAndCheckWarnsWhenDebianHasANewerOne) {
  auto [code, out] = dcbot({"version"});
  ASSERT_EQ(code, 0) << read_file(log_);
  EXPECT_EQ(out.rfind("dcbot ", 0), 0u) << out;
  EXPECT_EQ(dcbot({"--version"}).second, out);
  std::smatch lib;
  if (!std::regex_search(out, lib, std::regex("\\n  (\\S+) \\(([^: ]+):(\\S+) (\\S+)\\)\\n"))) {
    // A shared-library build (preset `shared`): Debian's updates apply at restart, nothing to
    // check.
    EXPECT_NE(out.find("libraries: shared"), std::string::npos) << out;
    return;
  }
  const fs::path status = dir_ / "status";
  auto write_status = [&](const std::string& version) {
    std::ofstream(status) << "Package: " << lib[2]
                          << "\nStatus: install ok installed\nArchitecture: " << lib[3]
                          << "\nVersion: " << version << "\n";
  };
  const fs::path file = config("bot", "bot@relay.test");
  ::setenv("DCBOT_DPKG_STATUS", status.c_str(), 1);
  write_status(lib[4]);  // as built
  auto [same, same_out] = dcbot({"check", file.string()});
  write_status("99:" + lib[4].str());  // a security update installed since
  auto [newer, newer_out] = dcbot({"check", file.string()});
  auto [version_code, version_out] = dcbot({"version"});
  ::unsetenv("DCBOT_DPKG_STATUS");
  EXPECT_EQ(same, 0) << read_file(log_);
  EXPECT_EQ(same_out.find("warning:"), std::string::npos) << same_out;
  EXPECT_EQ(newer, 0) << "a warning, not an error";
  const std::string warning = "warning: " + lib[1].str() + " is built into this program from "
                              + lib[2].str() + " " + lib[4].str() + ", but 99:" + lib[4].str()
                              + " is installed now: rebuild dcbot";
  EXPECT_NE(newer_out.find(warning), std::string::npos) << newer_out;
  EXPECT_NE(version_out.find(warning), std::string::npos) << version_out;
}

}  // namespace
}  // namespace dcbot
