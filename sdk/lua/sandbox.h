// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "dcbot/result.h"

struct lua_State;
struct lua_Debug;

// One sandboxed Lua 5.4 state per plugin (DESIGN.md, `lua` layer). This layer is the only user of
// lua.h. Lua raises errors with longjmp, so every entry into Lua goes through a protected call,
// no C++ object with a destructor is alive in a C function while it may raise, and no C++
// exception leaves a C function called by Lua.
namespace dcbot::lua {

// Resource limits of one plugin.
struct Limits {
  // Everything the state allocates (code, tables, strings). An allocation past it fails, and
  // Lua raises "not enough memory", which ends the running call.
  std::size_t memory_bytes = std::size_t{16} * 1024 * 1024;
  // Lua VM instructions per call into Lua (a handler, or the plugin's main chunk). Checked every
  // kInstructionStep instructions. Time spent inside one C library call (a long string.rep or
  // pattern match) is not counted; the memory limit bounds most of those.
  std::uint64_t instructions = 10'000'000;
};

// The granularity of the instruction budget.
inline constexpr int kInstructionStep = 1000;

// The limit that ended the last call, if any.
enum class LimitHit { None, Memory, Instructions };

// A lua_State with a counting allocator, an instruction-count hook and a safe global
// environment:
//   - base functions without dofile, loadfile, print and warn; `load` compiles text only;
//     `pcall`/`xpcall` cannot swallow a limit hit; `collectgarbage` only "collect", "count",
//     "step" and "isrunning"; `require` returns only modules the host provided (provide_module);
//   - `string` (without string.dump), `table`, `math`, `utf8`, and `os` with time, clock and date;
//   - no io, package, debug or coroutine library.
// The Sandbox owns the state; it lives on the bot's io thread and is not thread-safe. Its address
// is stable (it is handed out as unique_ptr) because the state points back to it.
class Sandbox {
 public:
  // `name` names the plugin in every error ("lua: plugin \"echo\": ...").
  // Errc::Internal if the state cannot be created within the memory limit.
  static Result<std::unique_ptr<Sandbox>> create(std::string name, Limits limits = {});

  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;
  ~Sandbox();

  [[nodiscard]] const std::string& name() const { return name_; }

  [[nodiscard]] const Limits& limits() const { return limits_; }

  // The raw state, for bindings and tests. Use it only through protected calls.
  [[nodiscard]] lua_State* state() const { return state_; }

  // Bytes currently allocated by the state.
  [[nodiscard]] std::size_t memory_used() const { return used_; }

  // What ended the last call: LimitHit::None after a success or an ordinary error.
  [[nodiscard]] LimitHit last_limit_hit() const { return last_hit_; }

  // Loads `file` as a text chunk whose name is the path (errors read "path:line: ...") and runs
  // it. Errc::NotFound/Io if it can't be read, Errc::Parse for a syntax error or a binary chunk,
  // otherwise the errors of call().
  Result<> run_file(const std::filesystem::path& file);

  // The same for source text; `chunk_name` is used like a file path in messages.
  Result<> run_string(std::string_view code, std::string_view chunk_name);

  // Calls the function below the top `nargs` values, discarding its results, in protected mode
  // with a traceback handler and a fresh instruction budget. Pops the function and its
  // arguments in every case: the stack is as it was before they were pushed. Errors:
  // Errc::Timeout for the instruction budget, Errc::Internal for the memory limit and for
  // runtime errors; every message names the plugin and, where Lua knows it, file:line.
  Result<> call(int nargs);

  // Calls `body(L)` in protected mode with `data` as a light userdata at stack index 1, like
  // call(). `body` is a lua_CFunction; it may use any Lua API and raise errors.
  Result<> protected_call(int (*body)(lua_State*), void* data);

  // Inside a protected body: pops the value on top of the stack and makes require(name)
  // return it.
  static void provide_module(lua_State* state, const char* name);

  // Inside a C function: pushes host data (event text, stored values) that a plugin can't
  // grow, without counting it against the memory limit, so a nearly full plugin still
  // receives its events whole. Raises only if the system itself is out of memory.
  static void push_host_string(lua_State* state, std::string_view text);

  // The sandbox owning `state` (any thread of it).
  static Sandbox& from(lua_State* state);

 private:
  Sandbox(std::string name, Limits limits);

  static void* allocate(void* ud, void* ptr, std::size_t old_size, std::size_t new_size);
  static void count_hook(lua_State* state, lua_Debug* ar);
  static int open_environment(lua_State* state);
  static int pcall_guarded(lua_State* state);
  static int xpcall_guarded(lua_State* state);

  [[nodiscard]] bool aborting() const { return budget_exceeded_ || memory_error_; }

  // Classifies a failed call and records last_hit_.
  Error make_call_error(int status, std::string_view detail);

  std::string name_;
  Limits limits_;
  lua_State* state_ = nullptr;
  std::size_t used_ = 0;
  bool unlimited_ = false;  // Host pushes: allocations are counted but never refused.
  std::uint64_t instructions_ = 0;
  bool budget_exceeded_ = false;
  bool memory_error_ = false;  // Lua raised "not enough memory" during this call.
  bool refused_ = false;       // The allocator refused a request during this call.
  bool in_call_ = false;
  LimitHit last_hit_ = LimitHit::None;
};

}  // namespace dcbot::lua
