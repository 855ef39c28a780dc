// SPDX-License-Identifier: MIT
#include "support/rpc_peer.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <utility>

#include "dcbot/log.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX, for posix_spawn

namespace dcbot::testsupport {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kServerSubpath =
    "node_modules/@deltachat/stdio-rpc-server-linux-x64/deltachat-rpc-server";
// No deadline: the event long-poll waits as long as the process lives.
constexpr std::chrono::milliseconds kForever = std::chrono::milliseconds::max();
// How long the server may take to exit after its stdin is closed before it is killed.
constexpr std::chrono::seconds kExitGrace{5};
// Bound on queued events per process: Info events of a chatty test must not eat the memory.
constexpr std::size_t kMaxQueuedEvents = 50'000;

// strerror() is not thread-safe; the generic category gives the same text without shared state.
std::string errno_text(int err) {
  return std::error_code(err, std::generic_category()).message();
}

Error sys_error(std::string_view what) {
  return make_error(Errc::Io, fmt::format("{}: {}", what, errno_text(errno)));
}

// The test process reads its environment only; nothing in it calls setenv concurrently.
const char* env_var(const char* name) {
  return std::getenv(name);  // NOLINT(concurrency-mt-unsafe): read-only use, see above
}

// JSON-RPC 2.0 §5.1 error codes; the core answers its own failures with -1.
Errc errc_from_rpc_code(std::int64_t code) {
  switch (code) {
    case -32601:
      return Errc::Unsupported;
    case -32602:
      return Errc::InvalidArgument;
    case -32700:
    case -32600:
      return Errc::Parse;
    default:
      return Errc::Protocol;
  }
}

std::string default_work_root() {
#ifdef DCBOT_TESTSUPPORT_WORK_ROOT
  return DCBOT_TESTSUPPORT_WORK_ROOT;
#else
  const char* tmp = env_var("TMPDIR");
  return fmt::format("{}/dcbot-peer-runs", tmp != nullptr && *tmp != '\0' ? tmp : "/tmp");
#endif
}

Result<std::uint32_t> to_u32(const json::value& v, std::string_view what) {
  if (v.is_int64() && v.get_int64() >= 0 && v.get_int64() <= 0xffffffffLL) {
    return static_cast<std::uint32_t>(v.get_int64());
  }
  if (v.is_uint64() && v.get_uint64() <= 0xffffffffULL) {
    return static_cast<std::uint32_t>(v.get_uint64());
  }
  return make_error(Errc::Protocol,
                    fmt::format("{}: expected an id, got {}", what, json::serialize(v)));
}

Result<json::object> to_object(Result<json::value> v, std::string_view what) {
  if (!v) {
    return v.error();
  }
  if (!v->is_object()) {
    return make_error(Errc::Protocol, fmt::format("{}: expected an object", what));
  }
  return std::move(v->as_object());
}

std::int64_t int_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) {
    return -1;
  }
  if (v->is_int64()) {
    return v->get_int64();
  }
  if (v->is_uint64()) {
    return static_cast<std::int64_t>(v->get_uint64());
  }
  return -1;
}

bool has_kind(const json::object& event, std::string_view kind) {
  const auto* k = event.if_contains("kind");
  return k != nullptr && k->is_string() && k->get_string() == kind;
}

}  // namespace

// ---- RpcPeer --------------------------------------------------------------------------------

RpcPeer::RpcPeer(RpcPeerOptions options) : options_(std::move(options)) {}

Result<std::unique_ptr<RpcPeer>> RpcPeer::start(RpcPeerOptions options) {
  // A write to a pipe whose reader died must fail with EPIPE, not kill the test process.
  static std::once_flag ignore_sigpipe;
  std::call_once(ignore_sigpipe, [] {
    if (std::signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
      log::warn("peer: cannot ignore SIGPIPE");
    }
  });

  std::unique_ptr<RpcPeer> peer(new RpcPeer(std::move(options)));
  if (auto r = peer->spawn(); !r) {
    return r.error().with_context(fmt::format("peer {}: start", peer->options_.name));
  }
  peer->reader_ = std::thread([p = peer.get()] { p->reader_loop(); });
  peer->event_thread_ = std::thread([p = peer.get()] { p->event_loop(); });
  log::info("peer {}: started deltachat-rpc-server (pid {}) in {}", peer->options_.name, peer->pid_,
            peer->work_dir_);
  return peer;
}

Result<void> RpcPeer::spawn() {
  std::string server = options_.server_path;
  if (server.empty()) {
    const char* peer_dir = env_var("DCBOT_PEER_DIR");
    if (peer_dir == nullptr || *peer_dir == '\0') {
      return make_error(Errc::Config,
                        "DCBOT_PEER_DIR is not set (run interop tests through ctest, or set it to "
                        "the .peer folder that scripts/setup fills)");
    }
    server = fmt::format("{}/{}", peer_dir, kServerSubpath);
  }
  if (::access(server.c_str(), X_OK) != 0) {
    return make_error(Errc::Config, fmt::format("{} is not executable (run scripts/setup to "
                                                "install the pinned deltachat-rpc-server)",
                                                server));
  }

  std::string root = options_.work_root.empty() ? default_work_root() : options_.work_root;
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) {
    return make_error(Errc::Io, fmt::format("mkdir {}: {}", root, ec.message()));
  }
  std::string templ = fmt::format("{}/{}-XXXXXX", root, options_.name);
  if (::mkdtemp(templ.data()) == nullptr) {
    return sys_error(fmt::format("mkdtemp {}", templ));
  }
  work_dir_ = templ;
  events_file_ = std::fopen(events_log().c_str(), "w");
  if (events_file_ == nullptr) {
    return sys_error(fmt::format("open {}", events_log()));
  }

  // O_CLOEXEC on every end: a server spawned later must not inherit this one's pipes, or this
  // server would never see EOF on its stdin.
  std::array<int, 2> in = {-1, -1};
  std::array<int, 2> out = {-1, -1};
  if (::pipe2(in.data(), O_CLOEXEC) != 0) {
    return sys_error("pipe");
  }
  if (::pipe2(out.data(), O_CLOEXEC) != 0) {
    ::close(in[0]);
    ::close(in[1]);
    return sys_error("pipe");
  }

  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view kv(*e);
    if (kv.starts_with("DC_ACCOUNTS_PATH=") || kv.starts_with("DCC_MIME_DEBUG=")) {
      continue;
    }
    env_strings.emplace_back(kv);
  }
  env_strings.push_back("DC_ACCOUNTS_PATH=" + accounts_dir());
  if (options_.mime_debug) {
    env_strings.emplace_back("DCC_MIME_DEBUG=1");
  }
  std::vector<char*> envp;
  envp.reserve(env_strings.size() + 1);
  for (auto& s : env_strings) {
    envp.push_back(s.data());
  }
  envp.push_back(nullptr);
  std::string arg0 = server;
  std::vector<char*> argv = {arg0.data(), nullptr};

  std::string err_log = stderr_log();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_log.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, server.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(in[0]);
  ::close(out[1]);
  if (rc != 0) {
    ::close(in[1]);
    ::close(out[0]);
    return make_error(Errc::Io, fmt::format("spawn {}: {}", server, errno_text(rc)));
  }
  pid_ = pid;
  stdin_fd_ = in[1];
  stdout_fd_ = out[0];
  return {};
}

RpcPeer::~RpcPeer() {
  shutdown();
}

void RpcPeer::shutdown() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  {
    // The server exits when its stdin reaches EOF (deltachat-rpc-server main loop).
    std::lock_guard lock(write_mutex_);
    if (stdin_fd_ >= 0) {
      ::close(stdin_fd_);
      stdin_fd_ = -1;
    }
  }
  if (pid_ > 0) {
    std::unique_lock lock(mutex_);
    if (!cv_.wait_for(lock, kExitGrace, [this] { return eof_; })) {
      log::warn("peer {}: server did not exit on EOF, killing pid {}", options_.name, pid_);
      ::kill(pid_, SIGKILL);
    }
  }
  if (reader_.joinable()) {
    reader_.join();
  }
  if (event_thread_.joinable()) {
    event_thread_.join();
  }
  if (pid_ > 0) {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFSIGNALED(status)) {
      log::warn("peer {}: server killed by signal {}", options_.name, WTERMSIG(status));
    } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
      log::warn("peer {}: server exited with status {} (see {})", options_.name,
                WEXITSTATUS(status), stderr_log());
    }
    pid_ = -1;
  }
  if (stdout_fd_ >= 0) {
    ::close(stdout_fd_);
    stdout_fd_ = -1;
  }
  if (events_file_ != nullptr) {
    static_cast<void>(std::fclose(events_file_));
    events_file_ = nullptr;
  }
  const char* keep = env_var("DCBOT_KEEP_PEER_DIRS");
  bool keep_accounts = options_.keep_accounts || (keep != nullptr && std::string_view(keep) == "1");
  if (!work_dir_.empty() && !keep_accounts) {
    std::error_code ec;
    fs::remove_all(accounts_dir(), ec);
  }
}

Result<void> RpcPeer::write_line(const std::string& line) {
  std::lock_guard lock(write_mutex_);
  if (stdin_fd_ < 0) {
    return make_error(Errc::Io, "server stdin is closed");
  }
  std::string_view rest = line;
  while (!rest.empty()) {
    ssize_t n = ::write(stdin_fd_, rest.data(), rest.size());
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return sys_error("write to server");
    }
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

Result<json::value> RpcPeer::call(std::string_view method, json::array params,
                                  std::chrono::milliseconds timeout) {
  auto context = fmt::format("peer {}: {}", options_.name, method);
  auto pending = std::make_shared<Pending>();
  std::int64_t id = 0;
  {
    std::lock_guard lock(mutex_);
    if (eof_) {
      return make_error(Errc::Io, fmt::format("{}: server is not running", context));
    }
    id = next_id_++;
    pending_.emplace(id, pending);
  }
  json::object request;
  request["jsonrpc"] = "2.0";
  request["id"] = id;
  request["method"] = method;
  request["params"] = std::move(params);
  std::string request_text = json::serialize(request);
  std::string line = request_text + '\n';
  log::trace("peer {}: -> {}", options_.name, request_text);
  if (auto r = write_line(line); !r) {
    std::lock_guard lock(mutex_);
    pending_.erase(id);
    return r.error().with_context(context);
  }

  std::unique_lock lock(mutex_);
  if (timeout == kForever) {
    cv_.wait(lock, [&] { return pending->done; });
  } else if (!cv_.wait_for(lock, timeout, [&] { return pending->done; })) {
    pending_.erase(id);
    return make_error(Errc::Timeout,
                      fmt::format("{}: no response within {} ms", context, timeout.count()));
  }
  if (!pending->result) {
    return pending->result.error().with_context(context);
  }
  return std::move(*pending->result);
}

void RpcPeer::reader_loop() {
  std::string buffer;
  std::array<char, 65536> chunk{};
  while (true) {
    ssize_t n = ::read(stdout_fd_, chunk.data(), chunk.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    buffer.append(chunk.data(), static_cast<std::size_t>(n));
    std::size_t start = 0;
    for (auto nl = buffer.find('\n', start); nl != std::string::npos;
         nl = buffer.find('\n', start)) {
      handle_line(std::string_view{buffer}.substr(start, nl - start));
      start = nl + 1;
    }
    buffer.erase(0, start);
  }
  std::lock_guard lock(mutex_);
  eof_ = true;
  for (auto& [id, pending] : pending_) {
    pending->done = true;
    pending->result = make_error(Errc::Io, fmt::format("server exited (see {})", stderr_log()));
  }
  pending_.clear();
  cv_.notify_all();
}

void RpcPeer::handle_line(std::string_view line) {
  if (line.empty()) {
    return;
  }
  boost::system::error_code ec;
  json::value message = json::parse(line, ec);
  if (ec || !message.is_object()) {
    log::warn("peer {}: unparsable line from server: {}", options_.name, line.substr(0, 200));
    return;
  }
  const auto& obj = message.as_object();
  const auto* id_value = obj.if_contains("id");
  if (id_value == nullptr || !(id_value->is_int64() || id_value->is_uint64())) {
    log::debug("peer {}: message without a numeric id: {}", options_.name, line.substr(0, 200));
    return;
  }
  std::int64_t id = int_field(obj, "id");
  Result<json::value> result = make_error(Errc::Protocol, "response has neither result nor error");
  if (const auto* err = obj.if_contains("error"); err != nullptr && err->is_object()) {
    std::int64_t code = int_field(err->as_object(), "code");
    const auto* text = err->as_object().if_contains("message");
    std::string msg = text != nullptr && text->is_string() ? std::string(text->get_string())
                                                           : json::serialize(*err);
    result = make_error(errc_from_rpc_code(code), fmt::format("{} (json-rpc {})", msg, code));
  } else if (const auto* res = obj.if_contains("result"); res != nullptr) {
    result = *res;
  }
  std::lock_guard lock(mutex_);
  auto it = pending_.find(id);
  if (it == pending_.end()) {
    // The caller gave up (timeout); the late answer is dropped.
    log::debug("peer {}: late response to request {}", options_.name, id);
    return;
  }
  it->second->done = true;
  it->second->result = std::move(result);
  pending_.erase(it);
  cv_.notify_all();
}

void RpcPeer::event_loop() {
  // One get_next_event in flight at a time: concurrent long-polls are answered out of order.
  while (true) {
    auto r = call("get_next_event", {}, kForever);
    if (!r) {
      std::lock_guard lock(mutex_);
      if (!eof_ && !stopping_) {
        log::warn("peer {}: event loop stopped: {}", options_.name, r.error().to_string());
      }
      return;
    }
    if (!r->is_object()) {
      continue;
    }
    auto& wrapper = r->as_object();
    std::int64_t account = int_field(wrapper, "contextId");
    auto* event = wrapper.if_contains("event");
    if (account < 0 || event == nullptr || !event->is_object()) {
      continue;
    }
    std::string text = json::serialize(*event);
    log::debug("peer {}: account {}: {}", options_.name, account, text);
    std::lock_guard lock(mutex_);
    if (events_file_ != nullptr) {
      fmt::print(events_file_, "{} {}\n", account, text);
      static_cast<void>(std::fflush(events_file_));
    }
    if (events_.size() >= kMaxQueuedEvents) {
      events_.pop_front();
    }
    events_.push_back(QueuedEvent{next_event_seq_++, static_cast<std::uint32_t>(account),
                                  std::move(event->as_object())});
    cv_.notify_all();
  }
}

Result<json::object> RpcPeer::wait_for_event(std::uint32_t account_id,
                                             const EventPredicate& predicate,
                                             std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  std::unique_lock lock(mutex_);
  // Events up to sequence number `seen` were already rejected by this predicate; only newer ones
  // are checked after a wake-up. The queue is ordered by sequence number.
  std::uint64_t seen = 0;
  while (true) {
    auto it = std::partition_point(events_.begin(), events_.end(),
                                   [seen](const QueuedEvent& e) { return e.seq <= seen; });
    for (; it != events_.end(); ++it) {
      if (it->account_id == account_id && predicate(it->event)) {
        json::object found = std::move(it->event);
        events_.erase(it);
        return found;
      }
    }
    seen = next_event_seq_ - 1;
    if (eof_) {
      return make_error(Errc::Io, fmt::format("peer {}: server exited while waiting for an event "
                                              "(see {})",
                                              options_.name, stderr_log()));
    }
    cv_.wait_until(lock, deadline);
    if (Clock::now() >= deadline && next_event_seq_ - 1 == seen) {
      return make_error(Errc::Timeout,
                        fmt::format("peer {}: account {}: no matching event within {} ms (see {})",
                                    options_.name, account_id, timeout.count(), events_log()));
    }
  }
}

Result<json::object> RpcPeer::wait_for_event(std::uint32_t account_id, std::string_view kind,
                                             std::chrono::milliseconds timeout) {
  auto r = wait_for_event(
      account_id, [kind](const json::object& e) { return has_kind(e, kind); }, timeout);
  if (!r) {
    return r.error().with_context(kind);
  }
  return r;
}

void RpcPeer::clear_events(std::uint32_t account_id) {
  std::lock_guard lock(mutex_);
  std::erase_if(events_, [&](const QueuedEvent& e) { return e.account_id == account_id; });
}

bool RpcPeer::is_running() const {
  std::lock_guard lock(mutex_);
  return !eof_;
}

// ---- PeerAccount ----------------------------------------------------------------------------

Result<PeerAccount> PeerAccount::create_and_configure(RpcPeer& peer, const RelayEnv& relay,
                                                      std::string addr, std::string display_name,
                                                      PeerAccountOptions options) {
  auto context = fmt::format("peer {}: configure {}", peer.name(), addr);
  DCBOT_TRY(auto id_value, peer.call("add_account"));
  auto id = to_u32(id_value, "add_account");
  if (!id) {
    return id.error().with_context(context);
  }
  PeerAccount account(peer, *id, std::move(addr));
  if (auto r = account.set_config("displayname", display_name); !r) {
    return r.error().with_context(context);
  }
  if (options.bot) {
    if (auto r = account.set_config("bot", "1"); !r) {
      return r.error().with_context(context);
    }
  }
  // EnteredLoginParam (deltachat-jsonrpc/src/api/types/login_param.rs), camelCase fields;
  // PROTOCOL.md §7.2. The relay uses a self-signed certificate.
  json::object param;
  param["addr"] = account.addr_;
  param["password"] = relay.password;
  param["imapServer"] = relay.host;
  param["imapPort"] = relay.imaps_port;
  param["imapSecurity"] = "ssl";
  param["smtpServer"] = relay.host;
  param["smtpPort"] = relay.smtps_port;
  param["smtpSecurity"] = "ssl";
  param["certificateChecks"] = "acceptInvalidCertificates";
  if (auto r = account.call("add_or_update_transport", {param}, options.configure_timeout); !r) {
    return r.error().with_context(context);
  }
  if (auto r = account.call("start_io"); !r) {
    return r.error().with_context(context);
  }
  log::info("peer {}: account {} configured as {}", peer.name(), account.id_, account.addr_);
  return account;
}

Result<json::value> PeerAccount::call(std::string_view method, json::array params,
                                      std::chrono::milliseconds timeout) {
  params.insert(params.begin(), json::value(id_));
  return peer_->call(method, std::move(params), timeout);
}

Result<json::object> PeerAccount::wait_for_event(std::string_view kind,
                                                 std::chrono::milliseconds timeout) {
  return peer_->wait_for_event(id_, kind, timeout);
}

Result<json::object> PeerAccount::wait_for_event(const RpcPeer::EventPredicate& predicate,
                                                 std::chrono::milliseconds timeout) {
  return peer_->wait_for_event(id_, predicate, timeout);
}

Result<void> PeerAccount::set_config(std::string_view key, std::optional<std::string> value) {
  json::value v = value ? json::value(*value) : json::value(nullptr);
  DCBOT_TRY(call("set_config", {json::value(key), v}));
  return {};
}

Result<std::optional<std::string>> PeerAccount::get_config(std::string_view key) {
  DCBOT_TRY(auto v, call("get_config", {json::value(key)}));
  if (v.is_null()) {
    return std::optional<std::string>{};
  }
  if (!v.is_string()) {
    return make_error(Errc::Protocol, "get_config: expected a string or null");
  }
  return std::optional<std::string>(std::string(v.get_string()));
}

Result<json::object> PeerAccount::get_info() {
  return to_object(call("get_info"), "get_info");
}

Result<std::string> PeerAccount::securejoin_qr(std::optional<std::uint32_t> chat_id) {
  json::value chat = chat_id ? json::value(*chat_id) : json::value(nullptr);
  DCBOT_TRY(auto v, call("get_chat_securejoin_qr_code", {chat}));
  if (!v.is_string()) {
    return make_error(Errc::Protocol, "get_chat_securejoin_qr_code: expected a string");
  }
  return std::string(v.get_string());
}

Result<std::uint32_t> PeerAccount::secure_join(std::string_view qr) {
  DCBOT_TRY(auto v, call("secure_join", {json::value(qr)}));
  return to_u32(v, "secure_join");
}

Result<json::object> PeerAccount::wait_securejoin_joiner_done(std::chrono::milliseconds timeout) {
  return wait_for_event(
      [](const json::object& e) {
        return has_kind(e, "SecurejoinJoinerProgress") && int_field(e, "progress") == 1000;
      },
      timeout);
}

Result<json::object> PeerAccount::wait_securejoin_inviter_done(std::chrono::milliseconds timeout) {
  return wait_for_event(
      [](const json::object& e) {
        return has_kind(e, "SecurejoinInviterProgress") && int_field(e, "progress") == 1000;
      },
      timeout);
}

Result<std::uint32_t> PeerAccount::send_text(std::uint32_t chat_id, std::string_view text) {
  DCBOT_TRY(auto v, call("misc_send_text_message", {json::value(chat_id), json::value(text)}));
  return to_u32(v, "misc_send_text_message");
}

Result<std::uint32_t> PeerAccount::send_file(std::uint32_t chat_id, std::string_view path,
                                             std::string_view text) {
  // MessageData (deltachat-jsonrpc/src/api/types/message.rs): with `file` and no `viewtype`
  // the core sends a File; it copies the file into its blob dir.
  json::object data;
  data["file"] = path;
  if (!text.empty()) {
    data["text"] = text;
  }
  return send_message(chat_id, std::move(data));
}

Result<std::uint32_t> PeerAccount::send_message(std::uint32_t chat_id, json::object data) {
  DCBOT_TRY(auto v, call("send_msg", {json::value(chat_id), std::move(data)}));
  return to_u32(v, "send_msg");
}

Result<std::uint32_t> PeerAccount::send_reaction(std::uint32_t msg_id,
                                                 const std::vector<std::string>& reactions) {
  json::array list;
  for (const auto& r : reactions) {
    list.emplace_back(r);
  }
  DCBOT_TRY(auto v, call("send_reaction", {json::value(msg_id), std::move(list)}));
  return to_u32(v, "send_reaction");
}

Result<json::object> PeerAccount::wait_incoming_message(std::chrono::milliseconds timeout) {
  DCBOT_TRY(auto event, wait_for_event("IncomingMsg", timeout));
  const auto* msg_id = event.if_contains("msgId");
  if (msg_id == nullptr) {
    return make_error(Errc::Protocol, "IncomingMsg without msgId");
  }
  DCBOT_TRY(auto id, to_u32(*msg_id, "IncomingMsg.msgId"));
  return get_message(id);
}

Result<json::object> PeerAccount::wait_incoming_message_matching(
    const std::function<bool(const json::object& message)>& predicate,
    std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      return make_error(Errc::Timeout,
                        fmt::format("peer {}: account {}: no matching incoming "
                                    "message within {} ms (see {})",
                                    peer_->name(), id_, timeout.count(), peer_->events_log()));
    }
    DCBOT_TRY(auto message, wait_incoming_message(left));
    if (predicate(message)) {
      return message;
    }
    log::debug("peer {}: account {}: skipping incoming message {}", peer_->name(), id_,
               json::serialize(message.at("id")));
  }
}

Result<json::object> PeerAccount::wait_incoming_text(std::string_view text,
                                                     std::chrono::milliseconds timeout) {
  auto r = wait_incoming_message_matching(
      [text](const json::object& m) {
        const auto* t = m.if_contains("text");
        return t != nullptr && t->is_string() && t->get_string() == text;
      },
      timeout);
  if (!r) {
    return r.error().with_context(fmt::format("waiting for text '{}'", text));
  }
  return r;
}

Result<json::object> PeerAccount::get_message(std::uint32_t msg_id) {
  return to_object(call("get_message", {json::value(msg_id)}), "get_message");
}

Result<json::object> PeerAccount::get_chat(std::uint32_t chat_id) {
  return to_object(call("get_full_chat_by_id", {json::value(chat_id)}), "get_full_chat_by_id");
}

Result<json::object> PeerAccount::get_contact(std::uint32_t contact_id) {
  return to_object(call("get_contact", {json::value(contact_id)}), "get_contact");
}

Result<std::uint32_t> PeerAccount::create_contact(std::string_view addr,
                                                  std::optional<std::string> name) {
  json::value n = name ? json::value(*name) : json::value(nullptr);
  DCBOT_TRY(auto v, call("create_contact", {json::value(addr), n}));
  return to_u32(v, "create_contact");
}

Result<std::uint32_t> PeerAccount::create_chat_by_contact_id(std::uint32_t contact_id) {
  DCBOT_TRY(auto v, call("create_chat_by_contact_id", {json::value(contact_id)}));
  return to_u32(v, "create_chat_by_contact_id");
}

Result<std::uint32_t> PeerAccount::create_group_chat(std::string_view name) {
  // The second parameter (`protect`) is deprecated since 2025-10 and must be false (api.rs).
  DCBOT_TRY(auto v, call("create_group_chat", {json::value(name), json::value(false)}));
  return to_u32(v, "create_group_chat");
}

Result<void> PeerAccount::add_contact_to_chat(std::uint32_t chat_id, std::uint32_t contact_id) {
  DCBOT_TRY(call("add_contact_to_chat", {json::value(chat_id), json::value(contact_id)}));
  return {};
}

Result<void> PeerAccount::remove_contact_from_chat(std::uint32_t chat_id,
                                                   std::uint32_t contact_id) {
  DCBOT_TRY(call("remove_contact_from_chat", {json::value(chat_id), json::value(contact_id)}));
  return {};
}

Result<std::vector<std::uint32_t>> PeerAccount::get_chat_contacts(std::uint32_t chat_id) {
  DCBOT_TRY(auto v, call("get_chat_contacts", {json::value(chat_id)}));
  if (!v.is_array()) {
    return make_error(Errc::Protocol, "get_chat_contacts: expected an array");
  }
  std::vector<std::uint32_t> ids;
  for (const auto& item : v.as_array()) {
    DCBOT_TRY(auto id, to_u32(item, "get_chat_contacts"));
    ids.push_back(id);
  }
  return ids;
}

Result<void> PeerAccount::send_webxdc_status_update(std::uint32_t instance_msg_id,
                                                    std::string_view update) {
  DCBOT_TRY(call("send_webxdc_status_update",
                 {json::value(instance_msg_id), json::value(update), json::value(nullptr)}));
  return {};
}

Result<json::value> PeerAccount::get_webxdc_status_updates(std::uint32_t instance_msg_id,
                                                           std::uint32_t last_known_serial) {
  DCBOT_TRY(auto v, call("get_webxdc_status_updates",
                         {json::value(instance_msg_id), json::value(last_known_serial)}));
  if (!v.is_string()) {
    return make_error(Errc::Protocol, "get_webxdc_status_updates: expected a string");
  }
  boost::system::error_code ec;
  json::value updates = json::parse(v.get_string(), ec);
  if (ec) {
    return make_error(Errc::Parse, fmt::format("get_webxdc_status_updates: {}", ec.message()));
  }
  return updates;
}

}  // namespace dcbot::testsupport
