// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "dcbot/result.h"

#include "support/relay_env.h"

// The real Delta Chat core (`deltachat-rpc-server`, pinned by scripts/setup) as a test peer.
// RpcPeer runs one server process and speaks its JSON-RPC 2.0 over stdio: one JSON object per line
// both ways, positional params (chatmail/core deltachat-jsonrpc/src/api.rs lists the methods).
// PeerAccount wraps one account of that process with the calls interop tests need.
namespace dcbot::testsupport {

namespace json = boost::json;

inline constexpr std::chrono::milliseconds kDefaultCallTimeout{30'000};
inline constexpr std::chrono::milliseconds kDefaultEventTimeout{60'000};

struct RpcPeerOptions {
  // A short name used in log lines and the work folder ("alice").
  std::string name = "peer";
  // The server binary. Empty: $DCBOT_PEER_DIR/node_modules/@deltachat/
  // stdio-rpc-server-linux-x64/deltachat-rpc-server.
  std::string server_path;
  // The parent of the per-process work folder (`<name>-XXXXXX/` holding `accounts/`,
  // `stderr.log` and `events.log`). Empty: <DCBOT_BINARY_DIR>/peer-runs, else $TMPDIR.
  std::string work_root;
  // DCC_MIME_DEBUG=1: the core logs every decrypted MIME message as an Info event (events.log).
  bool mime_debug = false;
  // Keep `accounts/` after the process ends (DCBOT_KEEP_PEER_DIRS=1 in the environment does too).
  bool keep_accounts = false;
};

// One deltachat-rpc-server process. call() may be used from any thread. A reader thread
// demultiplexes responses by id; an event thread long-polls `get_next_event` and queues every
// event for wait_for_event(). The destructor closes stdin (the server exits on EOF), kills the
// process if it lingers, and reaps it.
class RpcPeer {
 public:
  using EventPredicate = std::function<bool(const json::object& event)>;

  // Spawns the server. Errc::Config if DCBOT_PEER_DIR (or the binary) is missing, Errc::Io if
  // spawning fails.
  [[nodiscard]] static Result<std::unique_ptr<RpcPeer>> start(RpcPeerOptions options);

  ~RpcPeer();
  RpcPeer(const RpcPeer&) = delete;
  RpcPeer& operator=(const RpcPeer&) = delete;

  // Calls `method` with positional `params` and returns its "result". A JSON-RPC error becomes an
  // Error (Errc::Unsupported for an unknown method, Errc::InvalidArgument for bad params,
  // Errc::Protocol otherwise) carrying the core's message; Errc::Timeout after `timeout`;
  // Errc::Io if the process died.
  [[nodiscard]] Result<json::value> call(std::string_view method, json::array params = {},
                                         std::chrono::milliseconds timeout = kDefaultCallTimeout);

  // Waits for the first queued or future event of `account_id` that satisfies `predicate`, removes
  // it from the queue and returns the inner event object ({"kind": ..., ...}). Other events stay
  // queued for later waits. Errc::Timeout after `timeout`, Errc::Io if the process died. The
  // predicate runs under the peer's lock: it must not call back into the peer.
  [[nodiscard]] Result<json::object> wait_for_event(
      std::uint32_t account_id, const EventPredicate& predicate,
      std::chrono::milliseconds timeout = kDefaultEventTimeout);

  // The same, for the first event of the given kind ("IncomingMsg", "ImexProgress", ...).
  [[nodiscard]] Result<json::object> wait_for_event(
      std::uint32_t account_id, std::string_view kind,
      std::chrono::milliseconds timeout = kDefaultEventTimeout);

  // Drops every queued event of `account_id`.
  void clear_events(std::uint32_t account_id);

  // Whether the process still runs (its stdout is open).
  [[nodiscard]] bool is_running() const;

  [[nodiscard]] const std::string& name() const { return options_.name; }

  // The server's process id (for /proc readings such as CPU time and RSS); -1 once reaped.
  [[nodiscard]] int pid() const { return pid_; }

  [[nodiscard]] const std::string& work_dir() const { return work_dir_; }

  [[nodiscard]] std::string accounts_dir() const { return work_dir_ + "/accounts"; }

  [[nodiscard]] std::string stderr_log() const { return work_dir_ + "/stderr.log"; }

  [[nodiscard]] std::string events_log() const { return work_dir_ + "/events.log"; }

 private:
  struct Pending {
    bool done = false;
    Result<json::value> result = make_error(Errc::Internal, "rpc: no response yet");
  };

  struct QueuedEvent {
    std::uint64_t seq = 0;
    std::uint32_t account_id = 0;
    json::object event;
  };

  explicit RpcPeer(RpcPeerOptions options);
  Result<void> spawn();
  Result<void> write_line(const std::string& line);
  void reader_loop();
  void event_loop();
  void handle_line(std::string_view line);
  void shutdown();

  RpcPeerOptions options_;
  std::string work_dir_;
  int pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  std::FILE* events_file_ = nullptr;

  std::mutex write_mutex_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::int64_t next_id_ = 1;
  std::uint64_t next_event_seq_ = 1;
  bool eof_ = false;
  bool stopping_ = false;
  std::map<std::int64_t, std::shared_ptr<Pending>> pending_;
  std::deque<QueuedEvent> events_;

  std::thread reader_;
  std::thread event_thread_;
};

// Options for PeerAccount::create_and_configure.
struct PeerAccountOptions {
  // Sets the `bot` config key to 1: the core then marks its messages as sent by a bot.
  bool bot = false;
  // How long configuration (login to IMAP and SMTP, key generation) may take.
  std::chrono::milliseconds configure_timeout{60'000};
};

// One account of an RpcPeer, configured against the local relay. Every method is one or two RPC
// calls; see chatmail/core deltachat-jsonrpc/src/api.rs for the semantics. The peer must outlive
// the account.
class PeerAccount {
 public:
  PeerAccount(RpcPeer& peer, std::uint32_t account_id, std::string addr)
      : peer_(&peer), id_(account_id), addr_(std::move(addr)) {}

  // add_account, set_config displayname (and bot), add_or_update_transport with the relay's
  // implicit-TLS IMAP and SMTP ports (self-signed cert accepted), start_io.
  [[nodiscard]] static Result<PeerAccount> create_and_configure(RpcPeer& peer,
                                                                const RelayEnv& relay,
                                                                std::string addr,
                                                                std::string display_name,
                                                                PeerAccountOptions options = {});

  [[nodiscard]] std::uint32_t id() const { return id_; }

  [[nodiscard]] const std::string& addr() const { return addr_; }

  [[nodiscard]] RpcPeer& peer() const { return *peer_; }

  // The generic escape hatch: `method` with the account id prepended to `params`.
  [[nodiscard]] Result<json::value> call(std::string_view method, json::array params = {},
                                         std::chrono::milliseconds timeout = kDefaultCallTimeout);

  // Waits for an event of this account (see RpcPeer::wait_for_event).
  [[nodiscard]] Result<json::object> wait_for_event(
      std::string_view kind, std::chrono::milliseconds timeout = kDefaultEventTimeout);
  [[nodiscard]] Result<json::object> wait_for_event(
      const RpcPeer::EventPredicate& predicate,
      std::chrono::milliseconds timeout = kDefaultEventTimeout);

  [[nodiscard]] Result<void> set_config(std::string_view key, std::optional<std::string> value);
  [[nodiscard]] Result<std::optional<std::string>> get_config(std::string_view key);
  [[nodiscard]] Result<json::object> get_info();

  // The invite link (https://i.delta.chat/#...) for a 1:1 contact (no chat) or a group.
  [[nodiscard]] Result<std::string> securejoin_qr(std::optional<std::uint32_t> chat_id = {});
  // Starts joining from an invite link and returns the chat id right away; the handshake then
  // runs in the background (wait_securejoin_joiner_done).
  [[nodiscard]] Result<std::uint32_t> secure_join(std::string_view qr);
  // Waits for SecurejoinJoinerProgress / SecurejoinInviterProgress with progress 1000 and returns
  // the event (chatmail/core src/securejoin/bob.rs: 400 = request-with-auth sent, 1000 = done).
  [[nodiscard]] Result<json::object> wait_securejoin_joiner_done(
      std::chrono::milliseconds timeout = kDefaultEventTimeout);
  [[nodiscard]] Result<json::object> wait_securejoin_inviter_done(
      std::chrono::milliseconds timeout = kDefaultEventTimeout);

  // Sending returns the new message id.
  [[nodiscard]] Result<std::uint32_t> send_text(std::uint32_t chat_id, std::string_view text);
  [[nodiscard]] Result<std::uint32_t> send_file(std::uint32_t chat_id, std::string_view path,
                                                std::string_view text = {});
  [[nodiscard]] Result<std::uint32_t> send_message(std::uint32_t chat_id, json::object data);
  [[nodiscard]] Result<std::uint32_t> send_reaction(std::uint32_t msg_id,
                                                    const std::vector<std::string>& reactions);

  // Waits for an IncomingMsg event and returns get_message() of it.
  [[nodiscard]] Result<json::object> wait_incoming_message(
      std::chrono::milliseconds timeout = kDefaultEventTimeout);
  // Waits for incoming messages (get_message() of each IncomingMsg) until one satisfies
  // `predicate` and returns it; the messages skipped on the way are consumed.
  [[nodiscard]] Result<json::object> wait_incoming_message_matching(
      const std::function<bool(const json::object& message)>& predicate,
      std::chrono::milliseconds timeout = kDefaultEventTimeout);
  // The same, for the first message with exactly this text.
  [[nodiscard]] Result<json::object> wait_incoming_text(
      std::string_view text, std::chrono::milliseconds timeout = kDefaultEventTimeout);
  [[nodiscard]] Result<json::object> get_message(std::uint32_t msg_id);
  // get_full_chat_by_id: id, name, isEncrypted, chatType, contactIds, ...
  [[nodiscard]] Result<json::object> get_chat(std::uint32_t chat_id);
  [[nodiscard]] Result<json::object> get_contact(std::uint32_t contact_id);
  [[nodiscard]] Result<std::uint32_t> create_contact(std::string_view addr,
                                                     std::optional<std::string> name = {});
  [[nodiscard]] Result<std::uint32_t> create_chat_by_contact_id(std::uint32_t contact_id);

  [[nodiscard]] Result<std::uint32_t> create_group_chat(std::string_view name);
  [[nodiscard]] Result<void> add_contact_to_chat(std::uint32_t chat_id, std::uint32_t contact_id);
  [[nodiscard]] Result<void> remove_contact_from_chat(std::uint32_t chat_id,
                                                      std::uint32_t contact_id);
  [[nodiscard]] Result<std::vector<std::uint32_t>> get_chat_contacts(std::uint32_t chat_id);

  // `update` is the JSON text of a status update ({"payload": ...}).
  [[nodiscard]] Result<void> send_webxdc_status_update(std::uint32_t instance_msg_id,
                                                       std::string_view update);
  // Returns the parsed JSON array of updates newer than `last_known_serial`.
  [[nodiscard]] Result<json::value> get_webxdc_status_updates(std::uint32_t instance_msg_id,
                                                              std::uint32_t last_known_serial = 0);

 private:
  RpcPeer* peer_;
  std::uint32_t id_;
  std::string addr_;
};

}  // namespace dcbot::testsupport
