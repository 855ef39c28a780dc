// SPDX-License-Identifier: MIT
// Mail transport against the local relay (issue #4 "Benchmark"): a mailbox of chat-sized mails
// (the recorded core-2.62 encrypted chat mails as templates, each with a fresh Message-ID) is
// filled through one authenticated smtp::Session, then fetched with imap::Session::fetch_since in
// batches and parsed with mime::parse, then fetched again through runtime::Fetcher into a store
// inbox (committed per batch, then deleted on the server). Each phase reports wall time, the CPU
// time of this process (getrusage: postfix and dovecot are not counted) and per-mail numbers.
// Not a test: it needs a running relay (bench/transport/run.sh starts a private one).
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <ctime>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "base/bytes.h"
#include "dcbot/log.h"
#include "dcbot/result.h"
#include "imap/session.h"
#include "mime/parser.h"
#include "net/task.h"
#include "runtime/fetcher.h"
#include "runtime/signal.h"
#include "runtime/transport_config.h"
#include "smtp/session.h"
#include "store/db.h"
#include "store/mailbox.h"
#include "store/schema.h"

#include "support/relay_env.h"
#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <sys/resource.h>

namespace dcbot::bench {
namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using Seconds = std::chrono::duration<double>;

// User + system CPU seconds of this process, all threads (getrusage).
double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec)
         + static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// Nanosecond-resolution process CPU clock, for sub-timers around single calls.
double cpu_clock_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

struct Sample {
  double wall = 0;  // seconds
  double cpu = 0;   // seconds
};

class Meter {
 public:
  Meter() : wall_(std::chrono::steady_clock::now()), cpu_(cpu_seconds()) {}

  [[nodiscard]] Sample elapsed() const {
    return {Seconds(std::chrono::steady_clock::now() - wall_).count(), cpu_seconds() - cpu_};
  }

 private:
  std::chrono::steady_clock::time_point wall_;
  double cpu_;
};

// One line of the report.
struct Phase {
  std::string name{};
  std::size_t mails = 0;
  std::size_t bytes = 0;
  Sample time{};
  std::string note{};
};

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

bool starts_with_ci(std::string_view line, std::string_view prefix) {
  if (line.size() < prefix.size()) {
    return false;
  }
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(line[i]))
        != std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

// A recorded mail turned into a template: the trace fields its delivery added (Return-Path,
// Received, Delivered-To, X-Original-To; folded lines included) are dropped, since the relay adds
// its own, and the Message-ID field becomes the marker "@MID@".
std::string make_template(const std::string& raw) {
  static constexpr std::string_view kTrace[] = {
      "return-path:", "received:", "delivered-to:", "x-original-to:"};
  std::string out;
  std::size_t pos = 0;
  bool skipping = false;
  bool in_header = true;
  while (pos < raw.size()) {
    std::size_t end = raw.find('\n', pos);
    end = end == std::string::npos ? raw.size() : end + 1;
    std::string_view line(raw.data() + pos, end - pos);
    pos = end;
    if (!in_header) {
      out += line;
      continue;
    }
    if (line == "\n" || line == "\r\n") {
      in_header = false;
      out += line;
      continue;
    }
    bool continuation = line.front() == ' ' || line.front() == '\t';
    if (!continuation) {
      skipping = std::any_of(std::begin(kTrace), std::end(kTrace),
                             [&](std::string_view name) { return starts_with_ci(line, name); });
      if (starts_with_ci(line, "message-id:")) {
        out += "Message-ID: <@MID@>\n";
        skipping = true;
        continue;
      }
    }
    if (!skipping) {
      out += line;
    }
  }
  return out;
}

// `count` mails cycling through the templates, each with the Message-ID
// <bench.<i>.<run>@localhost>.
std::vector<Bytes> make_mails(const std::vector<std::string>& templates, std::size_t count,
                              const std::string& run) {
  std::vector<Bytes> mails;
  mails.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    std::string mail = templates[i % templates.size()];
    auto marker = mail.find("@MID@");
    mail.replace(marker, 5, fmt::format("bench.{}.{}@localhost", i, run));
    mails.push_back(to_bytes(mail));
  }
  return mails;
}

// Phase 1: every mail through one SMTPS connection (login once; send() pipelines MAIL, RCPT and
// DATA when the server offers PIPELINING), then QUIT.
Task<Result<Phase>> send_all(runtime::TransportConfig sender, std::string to,
                             std::vector<Bytes> mails) {
  Phase phase{.name = "smtp send (1 connection)"};
  auto executor = co_await asio::this_coro::executor;
  Meter meter;
  DCBOT_CO_TRY(auto session, co_await smtp::Session::connect(executor, sender.smtp_options()));
  DCBOT_CO_TRY(co_await session.login(sender.smtp_user(), sender.password));
  const std::vector<std::string> recipients{to};
  for (auto& mail : mails) {
    phase.bytes += mail.size();
    DCBOT_CO_TRY(co_await session.send(sender.addr, recipients, std::move(mail)));
    ++phase.mails;
  }
  (void)co_await session.quit();
  phase.time = meter.elapsed();
  co_return phase;
}

// Files in a maildir's new/ and cur/ (0 if it does not exist yet).
std::size_t maildir_count(const testsupport::RelayEnv& env, const std::string& addr) {
  std::size_t n = 0;
  for (const char* sub : {"new", "cur"}) {
    std::error_code ec;
    for (auto it = fs::directory_iterator(fs::path(env.maildir_root) / addr / "Maildir" / sub, ec);
         !ec && it != fs::directory_iterator(); it.increment(ec)) {
      ++n;
    }
  }
  return n;
}

// Waits (polling every 20 ms, at most `limit`) until `addr`'s maildir holds `count` mails.
Task<Result<>> wait_delivered(testsupport::RelayEnv env, std::string addr, std::size_t count,
                              net::Duration limit) {
  auto executor = co_await asio::this_coro::executor;
  auto deadline = std::chrono::steady_clock::now() + limit;
  asio::steady_timer timer(executor);
  while (maildir_count(env, addr) < count) {
    if (std::chrono::steady_clock::now() >= deadline) {
      co_return Error{Errc::Timeout, fmt::format("relay delivered {} of {} mails",
                                                 maildir_count(env, addr), count)};
    }
    timer.expires_after(std::chrono::milliseconds(20));
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  co_return Result<>{};
}

struct FetchResult {
  Phase phase{};
  double parse_cpu = 0;  // seconds spent in mime::parse (process CPU clock)
  std::vector<Bytes> raws{};
};

// Phase 2: connect, login, SELECT, fetch_since in batches of `batch` until empty, mime::parse each
// mail and check it is an RFC 3156 multipart/encrypted mail.
Task<Result<FetchResult>> fetch_parse(runtime::TransportConfig account, std::size_t batch) {
  FetchResult r;
  r.phase.name = fmt::format("imap fetch_since({}) + mime::parse", batch);
  auto executor = co_await asio::this_coro::executor;
  Meter meter;
  DCBOT_CO_TRY(auto session, co_await imap::Session::connect(executor, account.imap_options()));
  DCBOT_CO_TRY(co_await session.login(account.imap_user(), account.password));
  DCBOT_CO_TRY(co_await session.select("INBOX"));
  std::uint32_t last = 0;
  std::size_t bad = 0;
  for (;;) {
    DCBOT_CO_TRY(auto mails, co_await session.fetch_since(last, batch));
    if (mails.empty()) {
      break;
    }
    for (auto& mail : mails) {
      last = std::max(last, mail.uid);
      r.phase.bytes += mail.raw.size();
      double start = cpu_clock_seconds();
      auto root = mime::parse(mail.raw);
      bool ok = root.has_value() && mime::encrypted_parts(*root).has_value();
      r.parse_cpu += cpu_clock_seconds() - start;
      bad += ok ? 0 : 1;
      ++r.phase.mails;
      r.raws.push_back(std::move(mail.raw));
    }
  }
  (void)co_await session.logout();
  r.phase.time = meter.elapsed();
  if (bad > 0) {
    co_return Error{Errc::Parse, fmt::format("{} fetched mails did not parse as encrypted", bad)};
  }
  co_return r;
}

// Phase 4: parses the fetched mails `rounds` times in memory, without any I/O.
Phase parse_in_memory(const std::vector<Bytes>& raws, int rounds) {
  Phase phase{.name = fmt::format("mime::parse in memory (x{})", rounds)};
  Meter meter;
  for (int i = 0; i < rounds; ++i) {
    for (const auto& raw : raws) {
      auto root = mime::parse(raw);
      DCBOT_CHECK(root.has_value(), "a mail that parsed before must parse again");
      phase.bytes += raw.size();
      ++phase.mails;
    }
  }
  phase.time = meter.elapsed();
  return phase;
}

// Runs `task` on `io` until it completes; a coroutine that throws ends the program.
template <class T>
T run_task(asio::io_context& io, Task<T> task) {
  std::optional<T> out;
  std::exception_ptr failure;
  asio::co_spawn(io, std::move(task), [&](std::exception_ptr e, T value) {
    failure = std::move(e);
    out.emplace(std::move(value));
  });
  io.restart();
  io.run();
  if (failure) {
    std::rethrow_exception(failure);
  }
  return std::move(*out);
}

// Phase 3: runtime::Fetcher (login, SELECT, fetch batches, commit each into the store inbox, then
// \Deleted + UID EXPUNGE) until its first round ends (an empty fetch, so every batch is stored
// and deleted on the server) with `count` mails in the inbox. A 1 ms timer watches for that,
// since the Fetcher reports committed batches but not the end of a round.
Result<Phase> fetch_into_store(asio::io_context& io, runtime::TransportConfig account,
                               std::size_t batch, std::size_t count, const fs::path& db_path) {
  std::error_code ec;
  fs::remove(db_path, ec);
  fs::remove(db_path.string() + "-wal", ec);
  fs::remove(db_path.string() + "-shm", ec);
  DCBOT_TRY(auto db, store::open_store(db_path.string()));
  runtime::FetcherOptions options;
  options.batch = batch;
  options.backoff_min = std::chrono::milliseconds(200);
  options.backoff_max = std::chrono::seconds(2);
  Phase phase{.name = fmt::format("runtime::Fetcher -> store inbox ({})", batch)};
  runtime::StopSignal stop(io.get_executor());
  asio::steady_timer watch(io);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
  std::optional<Sample> done;
  std::optional<Error> error;
  std::size_t batches = 0;
  Meter meter;
  runtime::Fetcher fetcher(db, account, options, [&batches] { ++batches; });
  std::function<void(const boost::system::error_code&)> check =
      [&](const boost::system::error_code&) {
        if (fetcher.rounds() >= 1) {
          done = meter.elapsed();
          auto pending = store::Inbox(db).pending_count();
          if (!pending) {
            error = pending.error();
          } else if (static_cast<std::size_t>(*pending) != count) {
            error = Error{Errc::Internal,
                          fmt::format("the inbox holds {} mails, not {}", *pending, count)};
          }
          phase.mails = pending ? static_cast<std::size_t>(*pending) : 0;
        } else if (std::chrono::steady_clock::now() >= deadline) {
          error = Error{Errc::Timeout, "runtime::Fetcher did not finish a round within 5 minutes"};
        }
        if (done || error) {
          stop.request();
          return;
        }
        watch.expires_after(std::chrono::milliseconds(1));
        watch.async_wait(check);
      };
  check({});
  asio::co_spawn(io, fetcher.run(&stop), [](const std::exception_ptr&) {});
  io.restart();
  io.run();
  if (error) {
    return *error;
  }
  DCBOT_CHECK(done.has_value(), "the watch only stops the fetcher once done or failed");
  phase.time = *done;
  auto size = db.prepare("SELECT coalesce(sum(length(raw)), 0) FROM inbox");
  if (size && size->step().has_value()) {
    phase.bytes = static_cast<std::size_t>(size->column_int64(0));
  }
  phase.note = fmt::format("{} committed batches, {} login(s)", batches, fetcher.connects());
  return phase;
}

// One row per phase; a phase without wall time (a CPU-only sub-timer) shows "-" there.
void print(const std::vector<Phase>& phases) {
  fmt::print("\n{:<42} {:>6} {:>7} {:>8} {:>9} {:>8} {:>8} {:>6}\n", "phase", "mails", "MiB",
             "wall s", "mails/s", "CPU s", "CPU ms/m", "CPU %");
  for (const auto& p : phases) {
    double mails = static_cast<double>(std::max<std::size_t>(p.mails, 1));
    bool timed = p.time.wall > 0;
    fmt::print("{:<42} {:>6} {:>7.2f} {:>8} {:>9} {:>8.3f} {:>8.3f} {:>6}", p.name, p.mails,
               static_cast<double>(p.bytes) / (1024.0 * 1024.0),
               timed ? fmt::format("{:.3f}", p.time.wall) : "-",
               timed ? fmt::format("{:.0f}", mails / p.time.wall) : "-", p.time.cpu,
               p.time.cpu * 1000.0 / mails,
               timed ? fmt::format("{:.0f}", 100.0 * p.time.cpu / p.time.wall) : "-");
    fmt::print("{}{}\n", p.note.empty() ? "" : "  ", p.note);
  }
}

int run(int argc, char** argv) {
  CLI::App app{"dcbot_bench_transport: SMTP send, IMAP fetch + MIME parse, runtime::Fetcher"};
  std::string relay_dir;
  std::size_t count = 1000;
  std::size_t batch = 64;
  int parse_rounds = 5;
  std::string templates_dir = DCBOT_BENCH_TEMPLATES;
  std::string work_dir = DCBOT_BENCH_WORK_DIR;
  app.add_option("--relay-dir", relay_dir, "relay state dir holding relay.env ($DCBOT_RELAY_DIR)");
  app.add_option("-n,--mails", count, "mails in the mailbox")->check(CLI::Range(1, 100000));
  app.add_option("--batch", batch, "mails per UID FETCH")->check(CLI::Range(1, 10000));
  app.add_option("--parse-rounds", parse_rounds, "rounds of the in-memory parse")
      ->check(CLI::Range(0, 1000));
  app.add_option("--templates", templates_dir, "folder of .eml templates");
  app.add_option("--work-dir", work_dir, "where the store database goes");
  CLI11_PARSE(app, argc, argv);

  auto env = relay_dir.empty() ? testsupport::RelayEnv::from_environment()
                               : testsupport::RelayEnv::load(relay_dir);
  if (!env) {
    fmt::print(stderr, "bench: {}\n", env.error().to_string());
    return 2;
  }
  std::vector<fs::path> files;
  std::error_code ec;
  for (auto it = fs::directory_iterator(templates_dir, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    if (it->path().extension() == ".eml") {
      files.push_back(it->path());
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    fmt::print(stderr, "bench: no .eml templates in {}\n", templates_dir);
    return 2;
  }
  std::vector<std::string> templates;
  for (const auto& f : files) {
    templates.push_back(make_template(read_file(f)));
  }

  const std::string bot = env->fresh_address("benchbot");
  const std::string run_id = bot.substr(8, 12);
  runtime::TransportConfig sender;
  sender.addr = env->fresh_address("benchsender");
  sender.password = env->password;
  sender.imap = runtime::ServerSettings{.host = env->host, .port = env->imaps_port};
  sender.smtp = runtime::ServerSettings{.host = env->host, .port = env->smtps_port};
  sender.ca_file = env->ca_cert;
  runtime::TransportConfig account = sender;
  account.addr = bot;

  std::vector<Bytes> mails = make_mails(templates, count, run_id);
  std::size_t total = 0;
  for (const auto& m : mails) {
    total += m.size();
  }
  fmt::print("{} mails from {} templates, {:.1f} KiB average, to {} (batch {})\n", count,
             templates.size(), static_cast<double>(total) / 1024.0 / static_cast<double>(count),
             bot, batch);

  asio::io_context io;
  std::vector<Phase> phases;
  auto fail = [](std::string_view what, const Error& e) {
    fmt::print(stderr, "bench: {}: {}\n", what, e.to_string());
    return 1;
  };

  Meter end_to_end;
  auto sent = run_task(io, send_all(sender, bot, std::move(mails)));
  if (!sent) {
    return fail("send", sent.error());
  }
  phases.push_back(*sent);
  auto delivered = run_task(io, wait_delivered(*env, bot, count, std::chrono::minutes(5)));
  if (!delivered) {
    return fail("delivery", delivered.error());
  }
  Phase relay{.name = "relay: first send to last delivery", .mails = count, .bytes = total};
  relay.time = end_to_end.elapsed();
  relay.note = "CPU: ours (send + maildir polling), not postfix/dovecot";
  phases.push_back(relay);

  auto fetched = run_task(io, fetch_parse(account, batch));
  if (!fetched) {
    return fail("fetch", fetched.error());
  }
  phases.push_back(fetched->phase);
  double parse_share =
      fetched->phase.time.cpu > 0 ? fetched->parse_cpu / fetched->phase.time.cpu : 0;
  phases.push_back(Phase{.name = "  of which mime::parse (CPU clock)",
                         .mails = fetched->phase.mails,
                         .bytes = fetched->phase.bytes,
                         .time = {0, fetched->parse_cpu},
                         .note = fmt::format("{:.0f}% of the phase's CPU", 100 * parse_share)});

  fs::create_directories(work_dir, ec);
  auto stored = fetch_into_store(io, account, batch, count, fs::path(work_dir) / "bench.db");
  if (!stored) {
    return fail("runtime::Fetcher", stored.error());
  }
  phases.push_back(*stored);
  if (parse_rounds > 0) {
    phases.push_back(parse_in_memory(fetched->raws, parse_rounds));
  }
  print(phases);
  fmt::print("\nleft on the server after the Fetcher: {} mail(s)\n", maildir_count(*env, bot));
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
