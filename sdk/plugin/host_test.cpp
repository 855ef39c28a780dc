// SPDX-License-Identifier: MIT
#include "plugin/host.h"

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include "chat/securejoin.h"
#include "chat/test_loop.h"
#include "config/loader.h"
#include "plugin/test_plugins/good.h"
#include "runtime/bot.h"
#include "runtime/test_bot.h"
#include "store/db.h"
#include "store/mailbox.h"

#include <dlfcn.h>

namespace dcbot::plugin {
namespace {

namespace fs = std::filesystem;
using chat::testing::Peer;

fs::path plugin_file(const std::string& name) {
  return fs::path(DCBOT_TEST_PLUGIN_DIR) / ("dcbot_test_plugin_" + name + ".so");
}

// True while the dynamic loader has `file` mapped.
bool is_loaded(const fs::path& file) {
  void* h = dlopen(file.c_str(), RTLD_LAZY | RTLD_NOLOAD);
  if (h == nullptr) {
    return false;
  }
  dlclose(h);
  return true;
}

config::Value yaml(std::string_view text) {
  auto v = config::parse_yaml(text, "bot.yaml");
  EXPECT_TRUE(v) << v.error().to_string();
  return v ? *v : config::Value();
}

// A Bot on a real data dir and a chat::Account peer with the mail moved by hand (as in
// runtime/bot_test.cpp): the handlers run exactly as the Engine runs them.
class HostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(DCBOT_BINARY_DIR) / "plugin-host-test" / info->name();
    fs::remove_all(dir_);
    runtime::BotOptions options;
    options.transport.addr = "plugbot@relay.test";
    options.transport.imap.host = "127.0.0.1";
    options.transport.smtp.host = "127.0.0.1";
    options.data_dir = dir_;
    auto bot = runtime::open_bot(io_.get_executor(), options);
    ASSERT_TRUE(bot) << bot.error().to_string();
    bot_ = std::move(*bot);
    peer_ = chat::testing::make_peer(chat::testing::load_fixture("alice"), "Alice", false, now());
    ASSERT_TRUE(chat::ensure_securejoin_schema(*peer_.db));
    chat::Hooks hooks;
    chat::install_securejoin(hooks, *peer_.db);
    peer_->set_hooks(std::move(hooks));
  }

  static std::int64_t now() { return runtime::unix_now(); }

  store::Db& db() { return bot_->impl().engine->db(); }

  Host& host() { return Host::of(*bot_); }

  void to_bot(const Bytes& raw) { runtime::bot_testing::to_bot(*bot_, next_uid_, raw); }

  std::vector<Bytes> from_bot() { return runtime::bot_testing::from_bot(*bot_); }

  // Moves mail both ways until nobody has anything to send; returns the texts the peer got.
  std::vector<std::string> exchange(std::vector<chat::OutgoingMail> from_peer,
                                    bool* verified = nullptr) {
    std::vector<std::string> texts;
    for (const auto& e :
         runtime::bot_testing::exchange(*bot_, next_uid_, peer_, std::move(from_peer))) {
      if (const auto* m = std::get_if<chat::MessageEvent>(&e)) {
        texts.push_back(m->text);
      }
      if (verified != nullptr && std::holds_alternative<chat::ContactVerifiedEvent>(e)) {
        *verified = true;
      }
    }
    return texts;
  }

  std::int64_t join() {
    auto link = bot_->invite_link();
    EXPECT_TRUE(link) << link.error().to_string();
    auto start = chat::start_join(*peer_.account, *link, now());
    EXPECT_TRUE(start) << start.error().to_string();
    bool verified = false;
    exchange(start->effects.outgoing, &verified);
    EXPECT_TRUE(verified);
    return start->chat_id;
  }

  std::vector<std::string> say(std::int64_t chat, const std::string& text) {
    chat::SendOptions options;
    options.now = now();
    auto mail = peer_->build_text(chat, text, std::move(options));
    EXPECT_TRUE(mail) << mail.error().to_string();
    return exchange({*mail});
  }

  std::vector<std::string> command_names() const {
    std::vector<std::string> out;
    for (const auto& c : bot_->commands()) {
      out.push_back(c.name);
    }
    return out;
  }

  boost::asio::io_context io_;
  fs::path dir_;
  std::unique_ptr<Bot> bot_;
  Peer peer_;
  std::uint32_t next_uid_ = 1;
};

using Texts = std::vector<std::string>;

TEST_F(HostTest, LoadsAPluginThatAnswersWithItsConfig) {
  auto file = plugin_file("good");
  auto info = host().load(file, yaml("reply: pang\nprefix: echo"));
  ASSERT_TRUE(info) << info.error().to_string();
  EXPECT_EQ(info->name, "test.good");
  EXPECT_EQ(info->version, "1.2.3");
  EXPECT_EQ(info->file, file);
  ASSERT_EQ(host().plugins().size(), 1U);
  EXPECT_TRUE(is_loaded(file));
  EXPECT_EQ(command_names(), (Texts{"/help", "/ping", "/ask"}));
  EXPECT_EQ(bot_->commands()[1].description, "answers pang");

  auto chat = join();
  EXPECT_EQ(say(chat, "/ping"), Texts{"pang"});
  EXPECT_EQ(say(chat, "hello"), Texts{"echo: hello"});
}

TEST_F(HostTest, UnloadDetachesExactlyThePluginsHandlersAndClosesIt) {
  auto file = plugin_file("good");
  Texts program_saw;
  bot_->on_message([&](const MessageEvent& ev) { program_saw.push_back(ev.text()); });
  bot_->on_command("/own", "the program's", [](const CommandEvent& ev) { ev.reply("mine"); });
  ASSERT_TRUE(host().load(file));
  auto chat = join();
  EXPECT_EQ(say(chat, "a"), Texts{"test.good: a"});

  ASSERT_TRUE(host().unload("test.good"));
  EXPECT_FALSE(is_loaded(file)) << "dlclosed once nothing runs its code";
  EXPECT_TRUE(host().plugins().empty());
  EXPECT_EQ(command_names(), (Texts{"/help", "/own"}));
  EXPECT_TRUE(say(chat, "b").empty()) << "the plugin's handler is gone";
  EXPECT_TRUE(say(chat, "/ask").empty());
  EXPECT_TRUE(say(chat, "/ping").empty());
  EXPECT_EQ(say(chat, "/own"), Texts{"mine"});
  EXPECT_EQ(program_saw, (Texts{"a", "b", "/ask", "/ping"}));

  auto again = host().unload("test.good");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::NotFound);
  // And it loads again.
  ASSERT_TRUE(host().load(file));
  EXPECT_EQ(say(chat, "c"), Texts{"test.good: c"});
}

TEST_F(HostTest, UnloadFromARunningHandlerDrainsBeforeClosing) {
  auto file = plugin_file("good");
  bool loaded_during_handler = false;
  // Registered first, so it runs before the plugin's handler of the same message.
  bot_->on_message([&](const MessageEvent& ev) {
    if (ev.text() == "unload") {
      ASSERT_TRUE(host().unload("test.good"));
      loaded_during_handler = is_loaded(file);
    }
  });
  ASSERT_TRUE(host().load(file));
  auto chat = join();
  EXPECT_TRUE(say(chat, "unload").empty()) << "detached before its turn";
  EXPECT_TRUE(loaded_during_handler) << "kept while the dispatch runs";
  EXPECT_FALSE(is_loaded(file)) << "closed after the dispatch";
}

TEST_F(HostTest, UnloadEndsTheWaitingConversationsOfThePlugin) {
  auto file = plugin_file("good");
  ASSERT_TRUE(host().load(file));
  auto chat = join();
  EXPECT_EQ(say(chat, "/ask"), Texts{"question?"});
  EXPECT_EQ(say(chat, "fine"), Texts{"got: fine"});
  EXPECT_EQ(say(chat, "/ask"), Texts{"question?"});
  ASSERT_EQ(bot_->impl().waiters.size(), 1U);

  ASSERT_TRUE(host().unload("test.good"));
  EXPECT_TRUE(bot_->impl().waiters.empty()) << "the conversation ran to its end";
  EXPECT_EQ(exchange({}), Texts{"bye"});
  // Its cancelled timeout still holds the library until the io loop delivers the cancellation.
  io_.run_for(std::chrono::milliseconds(50));
  io_.restart();
  EXPECT_FALSE(is_loaded(file));
  EXPECT_TRUE(say(chat, "more").empty());
}

TEST_F(HostTest, RefusesAnotherPluginAbiNamingBothVersions) {
  auto file = plugin_file("bad_abi");
  auto loaded = host().load(file);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code, Errc::Unsupported);
  const auto& m = loaded.error().message;
  EXPECT_NE(m.find(file.string()), std::string::npos) << m;
  EXPECT_NE(m.find("built for dcbot 9.9.9 (plugin ABI 99)"), std::string::npos) << m;
  EXPECT_NE(m.find(std::string("this is dcbot ") + DCBOT_VERSION_STRING + " (plugin ABI 1)"),
            std::string::npos)
      << m;
  EXPECT_FALSE(is_loaded(file));
  EXPECT_TRUE(host().plugins().empty());
  auto inspected = inspect(file);
  ASSERT_FALSE(inspected);
  EXPECT_EQ(inspected.error().message, m);
}

TEST_F(HostTest, RefusesAnotherSdkVersion) {
  auto file = plugin_file("old_sdk");
  auto loaded = host().load(file);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code, Errc::Unsupported);
  EXPECT_NE(loaded.error().message.find("built for dcbot 0.0.1 (plugin ABI 1)"), std::string::npos)
      << loaded.error().message;
  EXPECT_FALSE(is_loaded(file));
}

TEST_F(HostTest, RefusesAnotherToolchain) {
  auto file = plugin_file("other_toolchain");
  auto loaded = host().load(file);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code, Errc::Unsupported);
  const auto& m = loaded.error().message;
  EXPECT_NE(m.find("built with libstdc++ cxx11-abi 0, boost 106600, fmt 60000"), std::string::npos)
      << m;
  EXPECT_NE(m.find(DCBOT_PLUGIN_TOOLCHAIN), std::string::npos) << m;
}

TEST_F(HostTest, RefusesASharedObjectWithoutEntryPoint) {
  auto file = plugin_file("no_entry");
  auto loaded = host().load(file);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code, Errc::NotFound);
  EXPECT_NE(loaded.error().message.find("no entry point dcbot_plugin_entry"), std::string::npos)
      << loaded.error().message;
  EXPECT_FALSE(is_loaded(file));
}

TEST_F(HostTest, MissingOrBrokenFilesAreIoErrors) {
  auto missing = host().load(dir_ / "nope.so");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::Io);
  fs::create_directories(dir_);
  auto junk = dir_ / "junk.so";
  { std::ofstream(junk) << "not an ELF file"; }
  auto broken = host().load(junk);
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().code, Errc::Io);
  EXPECT_NE(broken.error().message.find("cannot load"), std::string::npos);
}

TEST_F(HostTest, FailedStartDetachesWhatItRegisteredAndReportsTheConfigPosition) {
  auto file = plugin_file("good");
  auto loaded = host().load(file, yaml("reply: x\nfail: true\n"));
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code, Errc::Config);
  EXPECT_EQ(loaded.error().message,
            "plugin: test.good (" + file.string() + "): start: bot.yaml:1:1: asked to fail");
  EXPECT_EQ(command_names(), Texts{"/help"}) << "/ping was registered before the failure";
  EXPECT_TRUE(host().plugins().empty());
  EXPECT_FALSE(is_loaded(file));

  auto unknown = host().load(file, yaml("reply: x\ncolour: red\n"));
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("bot.yaml:2:1: unknown key \"colour\""), std::string::npos)
      << unknown.error().message;
}

TEST_F(HostTest, RefusesASecondPluginOfTheSameName) {
  auto file = plugin_file("good");
  ASSERT_TRUE(host().load(file));
  auto second = host().load(file);
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, Errc::InvalidArgument);
  EXPECT_EQ(host().plugins().size(), 1U);
  EXPECT_EQ(command_names(), (Texts{"/help", "/ping", "/ask"}));
}

TEST_F(HostTest, TheSamePluginClassLinkedIntoTheProgram) {
  auto added = add_plugin<test_plugins::Good>(*bot_, yaml("reply: linked"));
  ASSERT_TRUE(added) << added.error().to_string();
  ASSERT_EQ(host().plugins().size(), 1U);
  EXPECT_EQ(host().plugins()[0].name, "test.good");
  EXPECT_TRUE(host().plugins()[0].file.empty());
  auto chat = join();
  EXPECT_EQ(say(chat, "/ping"), Texts{"linked"});
  EXPECT_EQ(say(chat, "x"), Texts{"test.good: x"});
  // The shared object of the same name is refused next to it.
  EXPECT_FALSE(host().load(plugin_file("good")));
  ASSERT_TRUE(host().unload("test.good"));
  EXPECT_TRUE(say(chat, "y").empty());
}

// A linked plugin whose asynchronous work holds keep_alive(): unloading detaches its handlers at
// once, but the plugin object lives until that work lets go.
class Lingering final : public Plugin {
 public:
  static inline std::shared_ptr<const void> work{};
  static inline bool destroyed = false;

  ~Lingering() override { destroyed = true; }

  Result<> start(PluginContext& ctx) override {
    work = ctx.keep_alive();
    ctx.bot().on_command("/linger", "", [](const CommandEvent&) {});
    return {};
  }
};

TEST_F(HostTest, KeepAliveDelaysDestructionUntilTheWorkLetsGo) {
  Lingering::destroyed = false;
  ASSERT_TRUE(add_plugin(*bot_, std::make_unique<Lingering>(), "test.linger", "1"));
  ASSERT_TRUE(Lingering::work);
  ASSERT_TRUE(host().unload("test.linger"));
  EXPECT_EQ(command_names(), Texts{"/help"});
  EXPECT_FALSE(Lingering::destroyed);
  Lingering::work.reset();
  EXPECT_TRUE(Lingering::destroyed);
}

TEST_F(HostTest, DestroyingTheBotUnloadsItsPlugins) {
  auto file = plugin_file("good");
  ASSERT_TRUE(host().load(file));
  EXPECT_TRUE(is_loaded(file));
  bot_.reset();
  EXPECT_FALSE(is_loaded(file));
}

// The second half of the ctest `plugin.out_of_tree` (out_of_tree_test.cmake), which installs the
// SDK, builds examples/cpp_plugin against it and runs this case with the resulting shout.so.
TEST_F(HostTest, OutOfTreePluginBuiltAgainstTheInstalledSdk) {
  const char* env = std::getenv("DCBOT_OUT_OF_TREE_PLUGIN");
  if (env == nullptr) {
    GTEST_SKIP() << "run by the ctest plugin.out_of_tree";
  }
  fs::path file = env;
  auto info = host().load(file, yaml("suffix: '!!'"));
  ASSERT_TRUE(info) << info.error().to_string();
  EXPECT_EQ(info->name, "org.example.shout");
  EXPECT_EQ(command_names(), (Texts{"/help", "/shout"}));
  auto chat = join();
  EXPECT_EQ(say(chat, "hello"), Texts{"HELLO!!"});
  EXPECT_EQ(say(chat, "/shout hey you"), Texts{"HEY YOU!!"});
  ASSERT_TRUE(host().unload("org.example.shout"));
  EXPECT_FALSE(is_loaded(file));
  EXPECT_TRUE(say(chat, "quiet").empty());
}

TEST(PluginSearch, FindsNameDotSoOrLibNameDotSoInOrder) {
  fs::path base = fs::path(DCBOT_BINARY_DIR) / "plugin-search-test";
  fs::remove_all(base);
  fs::create_directories(base / "a");
  fs::create_directories(base / "b");
  std::ofstream(base / "b" / "libecho.so") << "x";
  std::ofstream(base / "b" / "roll.so") << "x";
  std::ofstream(base / "a" / "roll.so") << "x";
  auto echo = find_plugin("echo", {base / "a", base / "b"});
  ASSERT_TRUE(echo);
  EXPECT_EQ(*echo, base / "b" / "libecho.so");
  auto roll = find_plugin("roll", {base / "a", base / "b"});
  ASSERT_TRUE(roll);
  EXPECT_EQ(*roll, base / "a" / "roll.so");
  auto none = find_plugin("none", {base / "a"});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, Errc::NotFound);
  EXPECT_NE(none.error().message.find((base / "a" / "none.so").string()), std::string::npos);
}

TEST(PluginSearch, DefaultPathEndsWithTheInstalledPluginDir) {
  auto dirs = default_search_path();
  ASSERT_FALSE(dirs.empty());
  EXPECT_EQ(dirs.back().filename(), "plugins");
  EXPECT_EQ(dirs.back().parent_path().filename(), "dcbot");
}

}  // namespace
}  // namespace dcbot::plugin
