// SPDX-License-Identifier: MIT
// Echo bots under load (issue #5 "Benchmark"): N real-core users each send M messages to the
// dcbot echo bot (the `dcbot-echo` program of bots/echo, its own process) and, in the same run,
// to an echo bot on the real Delta Chat core (`deltachat-rpc-server` with `bot=1`, its own
// process, driven by the minimal JSON-RPC client of this program's `core-bot` mode, a third
// process). Both bots are joined by every user through SecureJoin (their invite links), so every
// chat is encrypted. Reported per bot: echoes/s, CPU milliseconds per echo (utime + stime of the
// whole bot process from /proc/<pid>/stat), p50/p90 round trip of single pings, and VmHWM/VmRSS
// from /proc/<pid>/status. Not a test: it needs a running relay (bench/echo/run.sh starts one).
#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "dcbot/log.h"
#include "dcbot/result.h"

#include "support/process.h"
#include "support/relay_env.h"
#include "support/rpc_peer.h"
#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <fmt/core.h>
#include <poll.h>
#include <unistd.h>

namespace dcbot::bench {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testsupport::PeerAccount;
using testsupport::read_file;
using testsupport::RelayEnv;
using testsupport::RpcPeer;
using testsupport::spawn;
using testsupport::wait_exit;

// ---- processes and /proc ----------------------------------------------------------------------

// utime + stime of the whole process (all threads) in milliseconds, from /proc/<pid>/stat
// (fields 14 and 15, in clock ticks: 10 ms resolution with the usual USER_HZ of 100). -1 if the
// process is gone.
double cpu_ms(int pid) {
  std::string stat = read_file(fmt::format("/proc/{}/stat", pid));
  // The command name (field 2) is in parentheses and may contain spaces: count from the last ')'.
  auto close = stat.rfind(')');
  if (close == std::string::npos) {
    return -1;
  }
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  unsigned long long utime = 0;
  unsigned long long stime = 0;
  // Field 3 (state) is the first after ')'; utime is field 14, stime field 15.
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) {
      utime = std::strtoull(field.c_str(), nullptr, 10);
    } else if (i == 15) {
      stime = std::strtoull(field.c_str(), nullptr, 10);
    }
  }
  static const long kTicks = sysconf(_SC_CLK_TCK);
  return static_cast<double>(utime + stime) * 1000.0 / static_cast<double>(kTicks);
}

struct Memory {
  long hwm_kib = -1;   // VmHWM: peak resident set size
  long rss_kib = -1;   // VmRSS: resident set size now
  long anon_kib = -1;  // RssAnon: of VmRSS, private memory (heap, stacks)
  long file_kib = -1;  // RssFile: of VmRSS, mapped files (the binary, shared libraries)
};

Memory memory(int pid) {
  Memory m;
  std::istringstream status(read_file(fmt::format("/proc/{}/status", pid)));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      m.hwm_kib = std::strtol(line.c_str() + 6, nullptr, 10);
    } else if (line.rfind("VmRSS:", 0) == 0) {
      m.rss_kib = std::strtol(line.c_str() + 6, nullptr, 10);
    } else if (line.rfind("RssAnon:", 0) == 0) {
      m.anon_kib = std::strtol(line.c_str() + 8, nullptr, 10);
    } else if (line.rfind("RssFile:", 0) == 0) {
      m.file_kib = std::strtol(line.c_str() + 8, nullptr, 10);
    }
  }
  return m;
}

// Reads `count` lines from `fd` within `limit`.
Result<std::vector<std::string>> read_lines(int fd, std::size_t count,
                                            std::chrono::milliseconds limit) {
  auto deadline = Clock::now() + limit;
  std::string buffer;
  std::vector<std::string> lines;
  while (lines.size() < count) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      return make_error(Errc::Timeout, "no output within the time limit");
    }
    pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
    int rc = ::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 1000)));
    if (rc <= 0) {
      continue;
    }
    std::array<char, 4096> chunk{};
    ssize_t n = ::read(fd, chunk.data(), chunk.size());
    if (n <= 0) {
      return make_error(Errc::Io, "the process closed its output early");
    }
    buffer.append(chunk.data(), static_cast<std::size_t>(n));
    for (auto nl = buffer.find('\n'); nl != std::string::npos; nl = buffer.find('\n')) {
      lines.push_back(buffer.substr(0, nl));
      buffer.erase(0, nl + 1);
    }
  }
  return lines;
}

// ---- JSON helpers -----------------------------------------------------------------------------

std::int64_t int_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v != nullptr && v->is_int64()) {
    return v->get_int64();
  }
  if (v != nullptr && v->is_uint64()) {
    return static_cast<std::int64_t>(v->get_uint64());
  }
  return -1;
}

bool is_kind(const json::object& event, std::string_view kind) {
  const auto* k = event.if_contains("kind");
  return k != nullptr && k->is_string() && k->get_string() == kind;
}

std::string text_of(const json::object& message) {
  const auto* t = message.if_contains("text");
  return t != nullptr && t->is_string() ? std::string(t->get_string()) : std::string();
}

// ---- the real-core echo bot (`core-bot` mode, its own process) --------------------------------

volatile std::sig_atomic_t g_stop = 0;

void on_stop_signal(int /*signal*/) {
  g_stop = 1;
}

// The minimal echo client on the real core: one deltachat-rpc-server process with one account
// (`bot` = 1) on the relay. Prints "server-pid <pid>", "addr <address>" and "invite <link>" once
// the account is configured and idles on its INBOX, then answers every IncomingMsg event with the
// message's text in the same chat (get_message + misc_send_text_message: what a JSON-RPC bot does),
// until SIGTERM or SIGINT. Every event is consumed, so nothing piles up in the client.
int run_core_bot(const std::string& relay_dir, const std::string& work_dir) {
  struct sigaction sa {};

  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);

  auto env = RelayEnv::load(relay_dir);
  if (!env) {
    fmt::print(stderr, "core-bot: {}\n", env.error().to_string());
    return 2;
  }
  testsupport::RpcPeerOptions options;
  options.name = "corebot";
  options.work_root = work_dir;
  auto peer = RpcPeer::start(options);
  if (!peer) {
    fmt::print(stderr, "core-bot: {}\n", peer.error().to_string());
    return 1;
  }
  auto bot = PeerAccount::create_and_configure(**peer, *env, env->fresh_address("benchcore-"),
                                               "Echo Bot (core)", {.bot = true});
  if (!bot) {
    fmt::print(stderr, "core-bot: {}\n", bot.error().to_string());
    return 1;
  }
  // A fresh account ignores mails that arrived before its first INBOX fetch.
  if (auto idle = bot->wait_for_event("ImapInboxIdle", 60s); !idle) {
    fmt::print(stderr, "core-bot: {}\n", idle.error().to_string());
    return 1;
  }
  auto link = bot->securejoin_qr();
  if (!link) {
    fmt::print(stderr, "core-bot: {}\n", link.error().to_string());
    return 1;
  }
  fmt::print("server-pid {}\naddr {}\ninvite {}\n", (*peer)->pid(), bot->addr(), *link);
  static_cast<void>(std::fflush(stdout));

  std::uint64_t echoed = 0;
  while (g_stop == 0) {
    auto event = bot->wait_for_event([](const json::object&) { return true; }, 250ms);
    if (!event) {
      if (event.error().code == Errc::Timeout) {
        continue;
      }
      fmt::print(stderr, "core-bot: {}\n", event.error().to_string());
      return 1;
    }
    if (!is_kind(*event, "IncomingMsg")) {
      continue;
    }
    auto msg_id = int_field(*event, "msgId");
    auto chat_id = int_field(*event, "chatId");
    auto message = bot->get_message(static_cast<std::uint32_t>(msg_id));
    if (!message) {
      fmt::print(stderr, "core-bot: {}\n", message.error().to_string());
      continue;
    }
    if (auto sent = bot->send_text(static_cast<std::uint32_t>(chat_id), text_of(*message)); !sent) {
      fmt::print(stderr, "core-bot: {}\n", sent.error().to_string());
      continue;
    }
    ++echoed;
  }
  fmt::print(stderr, "core-bot: stopping after {} echoes\n", echoed);
  return 0;
}

// ---- the benchmark ----------------------------------------------------------------------------

struct Options {
  std::string relay_dir;
  std::string work_dir = DCBOT_BENCH_WORK_DIR;
  std::string echo_bin = DCBOT_ECHO_BIN;
  std::size_t users = 3;
  std::size_t messages = 20;
  std::size_t pings = 20;
  std::size_t rounds = 1;
  int settle_s = 2;
  int idle_s = 5;
  int timeout_s = 300;
  std::string log_level = "info";
};

// One bot under test, as the users see it.
struct BotUnderTest {
  std::string name;
  std::string tag;      // in message texts
  int pid = -1;         // the measured process
  int helper_pid = -1;  // the core bot's JSON-RPC client (not in `pid`); -1 for dcbot
  std::string addr;
  std::string invite;
  std::vector<std::uint32_t> chats;  // per user: the user's chat with this bot

  // Results, summed over the throughput rounds.
  double idle_cpu_ms_per_s = 0;
  double idle_end_cpu_ms_per_s = 0;
  std::size_t echoes = 0;
  std::size_t echoes_ok = 0;
  double throughput_wall_s = 0;
  double cpu_total_ms = 0;
  double helper_cpu_total_ms = 0;
  std::vector<double> ping_ms;
  // Per ping, from the relay's capture mailbox: request delivered -> echo delivered.
  std::vector<double> turnaround_ms;
  std::size_t turnaround_missing = 0;

  [[nodiscard]] double echoes_per_s() const {
    return throughput_wall_s > 0 ? static_cast<double>(echoes) / throughput_wall_s : 0;
  }

  [[nodiscard]] double cpu_ms_per_echo() const {
    return echoes > 0 ? cpu_total_ms / static_cast<double>(echoes) : 0;
  }

  [[nodiscard]] double helper_cpu_ms_per_echo() const {
    return echoes > 0 ? helper_cpu_total_ms / static_cast<double>(echoes) : 0;
  }

  Memory mem;
  Memory helper_mem;
};

double percentile(std::vector<double> v, double p) {
  if (v.empty()) {
    return 0;
  }
  std::sort(v.begin(), v.end());
  auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size())));
  return v[std::clamp<std::size_t>(rank, 1, v.size()) - 1];
}

// Unix time in seconds (the clock of the relay's maildir file names).
double wall_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Waits for the next IncomingMsg of `user` in `chat`; its message id.
Result<std::uint32_t> wait_incoming(PeerAccount& user, std::uint32_t chat,
                                    std::chrono::milliseconds limit) {
  DCBOT_TRY(auto event, user.wait_for_event(
                            [chat](const json::object& e) {
                              return is_kind(e, "IncomingMsg")
                                     && int_field(e, "chatId") == static_cast<std::int64_t>(chat);
                            },
                            limit));
  return static_cast<std::uint32_t>(int_field(event, "msgId"));
}

class Bench {
 public:
  Bench(Options options, RelayEnv relay) : o_(std::move(options)), relay_(std::move(relay)) {}

  ~Bench() { stop_bots(); }

  Bench(const Bench&) = delete;
  Bench& operator=(const Bench&) = delete;

  Result<void> run() {
    run_id_ = relay_.fresh_address("").substr(0, 6);
    fs::create_directories(o_.work_dir);
    work_ = fs::path(o_.work_dir) / fmt::format("run-{}", run_id_);
    fs::create_directories(work_);
    fmt::print("bench/echo: {} users x {} messages, {} pings per bot; work dir {}\n", o_.users,
               o_.messages, o_.pings, work_.string());

    DCBOT_TRY(start_users());
    DCBOT_TRY(start_dcbot());
    DCBOT_TRY(start_core_bot());
    for (auto* bot : {&dcbot_, &core_}) {
      DCBOT_TRY(join(*bot));
    }
    DCBOT_TRY(warm_up());
    measure_idle(&BotUnderTest::idle_cpu_ms_per_s);
    for (std::size_t r = 0; r < o_.rounds; ++r) {
      // Alternate which bot goes first.
      auto order = r % 2 == 0 ? std::array{&dcbot_, &core_} : std::array{&core_, &dcbot_};
      for (auto* bot : order) {
        DCBOT_TRY(throughput(*bot, r));
      }
    }
    DCBOT_TRY(pings());
    measure_idle(&BotUnderTest::idle_end_cpu_ms_per_s);
    for (auto* bot : {&dcbot_, &core_}) {
      bot->mem = memory(bot->pid);
      if (bot->helper_pid > 0) {
        bot->helper_mem = memory(bot->helper_pid);
      }
    }
    stop_bots();
    print();
    return {};
  }

 private:
  [[nodiscard]] std::chrono::milliseconds timeout() const {
    return std::chrono::seconds(o_.timeout_s);
  }

  Result<void> start_users() {
    testsupport::RpcPeerOptions options;
    options.name = "users";
    options.work_root = (work_ / "peers").string();
    DCBOT_TRY(users_peer_, RpcPeer::start(options));
    for (std::size_t i = 0; i < o_.users; ++i) {
      DCBOT_TRY(auto user, PeerAccount::create_and_configure(*users_peer_, relay_,
                                                             relay_.fresh_address("benchuser-"),
                                                             fmt::format("User {}", i)));
      users_.push_back(std::move(user));
    }
    for (auto& user : users_) {
      DCBOT_TRY(user.wait_for_event("ImapInboxIdle", 60s));
    }
    fmt::print("users: {} accounts in one deltachat-rpc-server (pid {})\n", users_.size(),
               users_peer_->pid());
    return {};
  }

  Result<void> start_dcbot() {
    dcbot_.name = "dcbot-echo";
    dcbot_.tag = "d";
    fs::path dir = work_ / "dcbot";
    fs::create_directories(dir);
    fs::path config = dir / "bot.yaml";
    dcbot_.addr = relay_.fresh_address("benchdcbot-");
    std::ofstream(config) << "account:\n"
                          << "  addr: " << dcbot_.addr << "\n"
                          << "  password: " << relay_.password << "\n"
                          << "  imap: { host: " << relay_.host << ", port: " << relay_.imaps_port
                          << ", security: tls }\n"
                          << "  smtp: { host: " << relay_.host << ", port: " << relay_.smtps_port
                          << ", security: tls }\n"
                          << "  tls_verify: false\n"
                          << "data_dir: ./data\n"
                          << "profile: { name: Echo Bot }\n"
                          << "limits: { send_per_minute: 0, user_messages_per_minute: 0 }\n"
                          << "logging: { level: " << o_.log_level << " }\n";
    fs::path log = dir / "bot.log";
    auto [code, link] = testsupport::run_capture({o_.echo_bin, "invite", config.string()}, log);
    if (code != 0) {
      return make_error(Errc::Internal, fmt::format("dcbot-echo invite exited with {} (see {})",
                                                    code, log.string()));
    }
    dcbot_.invite = link.substr(0, link.find('\n'));
    dcbot_.pid = spawn({o_.echo_bin, "run", config.string()}, log);
    if (dcbot_.pid <= 0) {
      return make_error(Errc::Io, "cannot start dcbot-echo");
    }
    fmt::print("dcbot-echo: pid {} ({})\n", dcbot_.pid, o_.echo_bin);
    return {};
  }

  Result<void> start_core_bot() {
    core_.name = "core 2.62 bot";
    core_.tag = "c";
    fs::path dir = work_ / "core";
    fs::create_directories(dir);
    std::array<int, 2> pipe{-1, -1};
    if (::pipe2(pipe.data(), O_CLOEXEC) != 0) {
      return make_error(Errc::Io, "pipe");
    }
    std::error_code ec;
    auto self = fs::read_symlink("/proc/self/exe", ec);
    if (ec) {
      return make_error(Errc::Io, "readlink /proc/self/exe");
    }
    core_.helper_pid =
        spawn({self.string(), "core-bot", "--relay-dir", relay_.dir, "--work-dir", dir.string()},
              dir / "client.log", pipe[1]);
    ::close(pipe[1]);
    if (core_.helper_pid <= 0) {
      ::close(pipe[0]);
      return make_error(Errc::Io, "cannot start the core bot's client");
    }
    auto lines = read_lines(pipe[0], 3, 120s);
    ::close(pipe[0]);
    if (!lines) {
      return lines.error().with_context(
          fmt::format("core bot (see {})", (dir / "client.log").string()));
    }
    const auto& pid_line = lines->at(0);
    const auto& addr_line = lines->at(1);
    const auto& invite_line = lines->at(2);
    if (pid_line.rfind("server-pid ", 0) != 0 || addr_line.rfind("addr ", 0) != 0
        || invite_line.rfind("invite ", 0) != 0) {
      return make_error(Errc::Protocol, "core bot: unexpected output");
    }
    core_.pid = std::atoi(pid_line.c_str() + 11);
    core_.addr = addr_line.substr(5);
    core_.invite = invite_line.substr(7);
    fmt::print("core bot: deltachat-rpc-server pid {}, JSON-RPC client pid {}\n", core_.pid,
               core_.helper_pid);
    return {};
  }

  void stop_bots() {
    for (auto* bot : {&dcbot_, &core_}) {
      int pid = bot->helper_pid > 0 ? bot->helper_pid : bot->pid;
      if (pid > 0) {
        ::kill(pid, SIGTERM);
        int code = wait_exit(pid, 30s);
        if (code != 0) {
          fmt::print(stderr, "bench: {} exited with {}\n", bot->name, code);
        }
      }
      bot->pid = -1;
      bot->helper_pid = -1;
    }
  }

  // Every user joins the bot's invite link; the chat must end up encrypted.
  Result<void> join(BotUnderTest& bot) {
    for (auto& user : users_) {
      DCBOT_TRY(auto chat, user.secure_join(bot.invite));
      DCBOT_TRY(user.wait_securejoin_joiner_done(timeout()));
      DCBOT_TRY(auto info, user.get_chat(chat));
      if (info.at("isEncrypted") != true) {
        return make_error(Errc::Protocol,
                          fmt::format("{}: chat with {} is not encrypted", user.addr(), bot.name));
      }
      bot.chats.push_back(chat);
    }
    fmt::print("{}: joined by {} users (SecureJoin done, chats encrypted)\n", bot.name,
               users_.size());
    return {};
  }

  // One echo per user and bot before anything is measured.
  Result<void> warm_up() {
    for (auto* bot : {&dcbot_, &core_}) {
      for (std::size_t u = 0; u < users_.size(); ++u) {
        std::string text = fmt::format("warm-up {} u{} {}", bot->tag, u, run_id_);
        DCBOT_TRY(users_[u].send_text(bot->chats[u], text));
        DCBOT_TRY(auto echo, users_[u].wait_incoming_text(text, timeout()));
        if (echo.at("showPadlock") != true) {
          return make_error(Errc::Protocol, fmt::format("{}: echo not encrypted", bot->name));
        }
      }
    }
    std::this_thread::sleep_for(std::chrono::seconds(o_.settle_s));
    return {};
  }

  // Both bots' CPU over `--idle` seconds without messages.
  void measure_idle(double BotUnderTest::*field) {
    if (o_.idle_s <= 0) {
      return;
    }
    double d0 = cpu_ms(dcbot_.pid);
    double c0 = cpu_ms(core_.pid);
    std::this_thread::sleep_for(std::chrono::seconds(o_.idle_s));
    dcbot_.*field = (cpu_ms(dcbot_.pid) - d0) / o_.idle_s;
    core_.*field = (cpu_ms(core_.pid) - c0) / o_.idle_s;
  }

  // Waits (at most 60 s) until neither bot used more than one clock tick (10 ms) of CPU in the
  // last second, so background work left over from earlier steps (the core's housekeeping after
  // its start, the previous round) does not land in the next measurement window.
  void quiesce() {
    auto start = Clock::now();
    double d = cpu_ms(dcbot_.pid);
    double c = cpu_ms(core_.pid);
    while (Clock::now() - start < 60s) {
      std::this_thread::sleep_for(1s);
      double d1 = cpu_ms(dcbot_.pid);
      double c1 = cpu_ms(core_.pid);
      bool quiet = d1 - d <= 10.5 && c1 - c <= 10.5;
      d = d1;
      c = c1;
      if (quiet) {
        break;
      }
    }
    fmt::print("quiet after {:.1f} s\n",
               std::chrono::duration<double>(Clock::now() - start).count());
  }

  // N users send M messages each at once (one thread per user); the wall clock runs from the
  // first send to the last echo; the CPU window runs `settle` seconds longer, so work the bot
  // does after sending (IMAP flag updates, deletions) is counted.
  Result<void> throughput(BotUnderTest& bot, std::size_t round) {
    quiesce();
    for (auto& user : users_) {
      users_peer_->clear_events(user.id());
    }
    const std::size_t total = users_.size() * o_.messages;
    double cpu0 = cpu_ms(bot.pid);
    double helper0 = bot.helper_pid > 0 ? cpu_ms(bot.helper_pid) : 0;
    auto t0 = Clock::now();
    std::vector<std::thread> senders;
    std::vector<std::optional<Error>> errors(users_.size());
    for (std::size_t u = 0; u < users_.size(); ++u) {
      senders.emplace_back([&, u] {
        for (std::size_t m = 0; m < o_.messages; ++m) {
          auto sent = users_[u].send_text(bot.chats[u], text(bot, round, u, m));
          if (!sent) {
            errors[u] = sent.error();
            return;
          }
        }
      });
    }
    for (auto& t : senders) {
      t.join();
    }
    for (auto& e : errors) {
      if (e) {
        return e->with_context(fmt::format("{}: send", bot.name));
      }
    }
    auto deadline = t0 + timeout();
    std::vector<std::vector<std::uint32_t>> ids(users_.size());
    for (std::size_t u = 0; u < users_.size(); ++u) {
      while (ids[u].size() < o_.messages) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        auto id = wait_incoming(users_[u], bot.chats[u], std::max(left, 1ms));
        if (!id) {
          return id.error().with_context(fmt::format("{}: user {} got {} of {} echoes", bot.name, u,
                                                     ids[u].size(), o_.messages));
        }
        ids[u].push_back(*id);
      }
    }
    auto t1 = Clock::now();
    std::this_thread::sleep_for(std::chrono::seconds(o_.settle_s));
    double cpu1 = cpu_ms(bot.pid);
    double helper1 = bot.helper_pid > 0 ? cpu_ms(bot.helper_pid) : 0;

    // Every echo must be one of the texts sent, each exactly once.
    std::size_t ok = 0;
    for (std::size_t u = 0; u < users_.size(); ++u) {
      std::map<std::string, int> expected;
      for (std::size_t m = 0; m < o_.messages; ++m) {
        ++expected[text(bot, round, u, m)];
      }
      for (auto id : ids[u]) {
        DCBOT_TRY(auto message, users_[u].get_message(id));
        auto it = expected.find(text_of(message));
        if (it != expected.end() && it->second > 0 && message.at("showPadlock") == true) {
          --it->second;
          ++ok;
        }
      }
    }
    double wall = std::chrono::duration<double>(t1 - t0).count();
    bot.echoes += total;
    bot.echoes_ok += ok;
    bot.throughput_wall_s += wall;
    bot.cpu_total_ms += cpu1 - cpu0;
    bot.helper_cpu_total_ms += helper1 - helper0;
    fmt::print("round {}: {}: {} echoes in {:.2f} s ({} encrypted and matching), {:.0f} ms CPU\n",
               round + 1, bot.name, total, wall, ok, cpu1 - cpu0);
    if (ok != total) {
      return make_error(Errc::Protocol,
                        fmt::format("{}: only {} of {} echoes matched", bot.name, ok, total));
    }
    return {};
  }

  [[nodiscard]] std::string text(const BotUnderTest& bot, std::size_t round, std::size_t user,
                                 std::size_t n) const {
    return fmt::format("bench {} r{} u{} #{} {}", bot.tag, round, user, n, run_id_);
  }

  // The bot's turnaround as the relay saw it: from the delivery of the first mail `user` -> `bot`
  // to the delivery of the first mail `bot` -> `user` after it, both delivered after `since`
  // (Unix seconds). Every mail is BCC'd to the capture mailbox, whose maildir file names carry
  // the delivery time in microseconds. Empty if either mail is not there.
  [[nodiscard]] std::optional<double> turnaround(double since, const std::string& user,
                                                 const std::string& bot) const {
    auto mails = captured_since(since);
    std::optional<double> request;
    std::optional<double> echo;
    for (const auto& m : mails) {
      if (!request && m.from.find("<" + user + ">") != std::string::npos
          && m.to.find("for <" + bot + ">") != std::string::npos) {
        request = m.time;
      } else if (request && m.from.find("<" + bot + ">") != std::string::npos
                 && m.to.find("for <" + user + ">") != std::string::npos) {
        echo = m.time;
        break;
      }
    }
    if (!request || !echo) {
      return std::nullopt;
    }
    return (*echo - *request) * 1000.0;
  }

  struct Captured {
    double time = 0;   // delivery, Unix seconds
    std::string from;  // the Return-Path field: the envelope sender
    std::string to;    // the Received fields: postfix names the envelope recipient ("for <...>")
  };

  // The capture mailbox's mails delivered after `since`, oldest first. The outer To field does not
  // help (the core writes `"hidden-recipients": ;`): sender and recipient come from the trace
  // fields the relay added.
  [[nodiscard]] std::vector<Captured> captured_since(double since) const {
    std::vector<Captured> out;
    fs::path root = fs::path(relay_.maildir_root) / relay_.capture_addr / "Maildir";
    for (const char* sub : {"new", "cur"}) {
      std::error_code ec;
      for (auto it = fs::directory_iterator(root / sub, ec); !ec && it != fs::directory_iterator();
           it.increment(ec)) {
        // Dovecot's maildir names: <seconds>.M<microseconds>P<pid>.<host>,S=...
        std::string name = it->path().filename().string();
        char* end = nullptr;
        double seconds = static_cast<double>(std::strtoll(name.c_str(), &end, 10));
        if (end == nullptr || end[0] != '.' || end[1] != 'M') {
          continue;
        }
        double time = seconds + static_cast<double>(std::strtoll(end + 2, nullptr, 10)) / 1e6;
        if (time < since) {
          continue;
        }
        Captured c{.time = time, .from = {}, .to = {}};
        std::ifstream in(it->path(), std::ios::binary);
        std::string line;
        std::string* field = nullptr;  // the field a folded line continues
        while (std::getline(in, line) && line != "\r" && !line.empty()) {
          if ((line[0] == ' ' || line[0] == '\t') && field != nullptr) {
            *field += line;
          } else if (line.rfind("Return-Path:", 0) == 0) {
            c.from = line;
            field = &c.from;
          } else if (line.rfind("Received:", 0) == 0) {
            c.to += line;
            field = &c.to;
          } else {
            field = nullptr;
          }
        }
        out.push_back(std::move(c));
      }
    }
    std::sort(out.begin(), out.end(),
              [](const Captured& a, const Captured& b) { return a.time < b.time; });
    return out;
  }

  // Single pings, one message in flight at a time, alternating between the bots; user k % N
  // sends ping k. The round trip runs from before send_text until the echo's IncomingMsg event.
  Result<void> pings() {
    for (std::size_t k = 0; k < o_.pings; ++k) {
      for (auto* bot : {&dcbot_, &core_}) {
        auto& user = users_[k % users_.size()];
        auto chat = bot->chats[k % users_.size()];
        users_peer_->clear_events(user.id());
        std::string text = fmt::format("ping {} {} {}", bot->tag, k, run_id_);
        double since = wall_seconds() - 1.0;
        auto t0 = Clock::now();
        DCBOT_TRY(user.send_text(chat, text));
        for (;;) {
          DCBOT_TRY(auto id, wait_incoming(user, chat, timeout()));
          auto t1 = Clock::now();
          DCBOT_TRY(auto message, user.get_message(id));
          if (text_of(message) == text) {
            bot->ping_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
            if (auto t = turnaround(since, user.addr(), bot->addr)) {
              bot->turnaround_ms.push_back(*t);
            } else {
              ++bot->turnaround_missing;
            }
            break;
          }
        }
        std::this_thread::sleep_for(100ms);
      }
    }
    return {};
  }

  void print() const {
    const auto& d = dcbot_;
    const auto& c = core_;
    auto mib = [](long kib) {
      return static_cast<double>(kib) / 1024.0;
    };
    auto ratio = [](double a, double b) {
      return b > 0 ? a / b : 0.0;
    };
    double d50 = percentile(d.ping_ms, 0.5);
    double c50 = percentile(c.ping_ms, 0.5);
    double d90 = percentile(d.ping_ms, 0.9);
    double c90 = percentile(c.ping_ms, 0.9);
    double dt50 = percentile(d.turnaround_ms, 0.5);
    double ct50 = percentile(c.turnaround_ms, 0.5);
    double dt90 = percentile(d.turnaround_ms, 0.9);
    double ct90 = percentile(c.turnaround_ms, 0.9);
    bool cpu_met = d.cpu_ms_per_echo() * 20 <= c.cpu_ms_per_echo();
    bool p50_met = d50 < c50;
    bool rss_met = d.mem.hwm_kib * 2 <= c.mem.hwm_kib;

    fmt::print("\n{} users x {} messages x {} round(s) = {} echoes per bot; {} pings per bot\n\n",
               o_.users, o_.messages, o_.rounds, d.echoes, o_.pings);
    fmt::print("| | dcbot-echo | core 2.62 bot | dcbot / core | goal |\n");
    fmt::print("| --- | --- | --- | --- | --- |\n");
    fmt::print("| echoes/s (N x M at once) | {:.2f} | {:.2f} | {:.2f} | |\n", d.echoes_per_s(),
               c.echoes_per_s(), ratio(d.echoes_per_s(), c.echoes_per_s()));
    fmt::print("| CPU ms / echo (bot process) | {:.2f} | {:.2f} | 1/{:.1f} | <= 1/20: {} |\n",
               d.cpu_ms_per_echo(), c.cpu_ms_per_echo(),
               ratio(c.cpu_ms_per_echo(), d.cpu_ms_per_echo()), cpu_met ? "met" : "NOT met");
    fmt::print("| ping round trip p50 ms | {:.0f} | {:.0f} | {:.2f} | lower: {} |\n", d50, c50,
               ratio(d50, c50), p50_met ? "met" : "NOT met");
    fmt::print("| ping round trip p90 ms | {:.0f} | {:.0f} | {:.2f} | |\n", d90, c90,
               ratio(d90, c90));
    fmt::print("| - of which bot turnaround at the relay, p50 ms | {:.0f} | {:.0f} | {:.2f} | |\n",
               dt50, ct50, ratio(dt50, ct50));
    fmt::print("| - of which bot turnaround at the relay, p90 ms | {:.0f} | {:.0f} | {:.2f} | |\n",
               dt90, ct90, ratio(dt90, ct90));
    fmt::print("| VmHWM MiB (peak RSS) | {:.1f} | {:.1f} | {:.2f} | <= 1/2: {} |\n",
               mib(d.mem.hwm_kib), mib(c.mem.hwm_kib),
               ratio(mib(d.mem.hwm_kib), mib(c.mem.hwm_kib)), rss_met ? "met" : "NOT met");
    fmt::print("| VmRSS MiB (at the end) | {:.1f} | {:.1f} | {:.2f} | |\n", mib(d.mem.rss_kib),
               mib(c.mem.rss_kib), ratio(mib(d.mem.rss_kib), mib(c.mem.rss_kib)));
    fmt::print("| - of VmRSS: RssAnon / RssFile MiB | {:.1f} / {:.1f} | {:.1f} / {:.1f} | | |\n",
               mib(d.mem.anon_kib), mib(d.mem.file_kib), mib(c.mem.anon_kib), mib(c.mem.file_kib));
    fmt::print(
        "| CPU ms / s without messages: after warm-up / at the end | {:.1f} / {:.1f} | {:.1f} / "
        "{:.1f} | | "
        "|\n",
        d.idle_cpu_ms_per_s, d.idle_end_cpu_ms_per_s, c.idle_cpu_ms_per_s, c.idle_end_cpu_ms_per_s);
    fmt::print(
        "\ncore bot's JSON-RPC client (a separate C++ process, not in the core column): "
        "{:.2f} CPU ms / echo, VmHWM {:.1f} MiB\n",
        c.helper_cpu_ms_per_echo(), mib(c.helper_mem.hwm_kib));
    fmt::print(
        "throughput wall time: dcbot {:.2f} s, core {:.2f} s; echoes verified (text, "
        "padlock, once each): dcbot {}, core {}\n",
        d.throughput_wall_s, c.throughput_wall_s, d.echoes_ok, c.echoes_ok);
    auto row = [](const std::vector<double>& v) {
      std::string s;
      for (double x : v) {
        s += fmt::format(" {:.0f}", x);
      }
      return s;
    };
    fmt::print("pings ms, dcbot:{}\n", row(d.ping_ms));
    fmt::print("pings ms, core: {}\n", row(c.ping_ms));
    fmt::print("turnaround at the relay ms, dcbot:{} ({} not found)\n", row(d.turnaround_ms),
               d.turnaround_missing);
    fmt::print("turnaround at the relay ms, core: {} ({} not found)\n", row(c.turnaround_ms),
               c.turnaround_missing);
    fmt::print("load average at the end: {}", read_file("/proc/loadavg"));
  }

  Options o_;
  RelayEnv relay_;
  std::string run_id_;
  fs::path work_;
  std::unique_ptr<RpcPeer> users_peer_;
  std::vector<PeerAccount> users_;
  BotUnderTest dcbot_;
  BotUnderTest core_;
};

int run(int argc, char** argv) {
  CLI::App app{"dcbot_bench_echo: the dcbot echo bot against an echo bot on the real core"};
  Options o;
  app.add_option("--relay-dir", o.relay_dir,
                 "relay state dir holding relay.env ($DCBOT_RELAY_DIR)");
  app.add_option("-n,--users", o.users, "real-core users (N)")->check(CLI::Range(1, 100));
  app.add_option("-m,--messages", o.messages, "messages per user (M)")->check(CLI::Range(1, 10000));
  app.add_option("-p,--pings", o.pings, "single pings per bot for the latency")
      ->check(CLI::Range(1, 10000));
  app.add_option("-r,--rounds", o.rounds,
                 "throughput rounds per bot (N x M each), alternating which bot goes first")
      ->check(CLI::Range(1, 1000));
  app.add_option("--settle", o.settle_s, "seconds the CPU window runs past the last echo")
      ->check(CLI::Range(0, 600));
  app.add_option("--idle", o.idle_s,
                 "seconds of idle CPU measured before and after the load (0: skip)")
      ->check(CLI::Range(0, 600));
  app.add_option("--timeout", o.timeout_s, "seconds a phase may take")->check(CLI::Range(1, 86400));
  app.add_option("--echo-bin", o.echo_bin, "the dcbot-echo program");
  app.add_option("--work-dir", o.work_dir, "where bot data, peer accounts and logs go");
  app.add_option("--log-level", o.log_level, "dcbot-echo's logging.level")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
  auto* core_bot = app.add_subcommand("core-bot", "internal: run the real-core echo bot");
  std::string core_relay_dir;
  std::string core_work_dir;
  core_bot->add_option("--relay-dir", core_relay_dir)->required();
  core_bot->add_option("--work-dir", core_work_dir)->required();
  CLI11_PARSE(app, argc, argv);

  // The pinned core that scripts/setup installs; the environment may point elsewhere.
  if (std::getenv("DCBOT_PEER_DIR") == nullptr) {  // NOLINT(concurrency-mt-unsafe): no threads yet
    ::setenv("DCBOT_PEER_DIR", DCBOT_BENCH_PEER_DIR, 1);  // NOLINT(concurrency-mt-unsafe)
  }
  log::set_level(log::Level::Warn);
  if (core_bot->parsed()) {
    return run_core_bot(core_relay_dir, core_work_dir);
  }

  // Progress lines show up as they happen, also when stdout is a pipe or a file.
  static_cast<void>(std::setvbuf(stdout, nullptr, _IOLBF, 0));
  auto env = o.relay_dir.empty() ? RelayEnv::from_environment() : RelayEnv::load(o.relay_dir);
  if (!env) {
    fmt::print(stderr, "bench: {}\n", env.error().to_string());
    return 2;
  }
  Bench bench(std::move(o), std::move(*env));
  if (auto r = bench.run(); !r) {
    fmt::print(stderr, "bench: {}\n", r.error().to_string());
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace dcbot::bench

int main(int argc, char** argv) {
  try {
    return dcbot::bench::run(argc, argv);
  } catch (const std::exception& e) {
    fmt::print(stderr, "bench: {}\n", e.what());
    return 1;
  }
}
