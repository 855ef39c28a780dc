// SPDX-License-Identifier: MIT
#include "lua/sandbox.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <limits>
#include <system_error>
#include <utility>

#include <lua.h>
#include <lualib.h>

#include "dcbot/log.h"

#include <lauxlib.h>

// Lua errors are longjmps. In the C functions below nothing with a destructor is alive while a
// Lua API call may raise; C++ state lives in the Sandbox, outside the protected region.
namespace dcbot::lua {
namespace {

// Registry key of the table require() serves modules from.
constexpr const char* kModulesKey = "dcbot.sandbox.modules";

// An unprotected error means a bug of ours (every entry is a protected call): stop loudly.
int panic(lua_State* state) {
  const char* msg = lua_type(state, -1) == LUA_TSTRING ? lua_tostring(state, -1) : "?";
  detail::check_failed(__FILE__, __LINE__, "lua panic", msg);
}

// The message handler of every protected call: the error text plus a traceback.
int message_handler(lua_State* state) {
  const char* msg = nullptr;
  if (lua_isstring(state, 1) != 0) {
    msg = lua_tostring(state, 1);
  } else if (luaL_callmeta(state, 1, "__tostring") != 0 && lua_type(state, -1) == LUA_TSTRING) {
    msg = lua_tostring(state, -1);
  } else {
    msg = lua_pushfstring(state, "(error object is a %s value)", luaL_typename(state, 1));
  }
  luaL_traceback(state, state, msg, 1);
  return 1;
}

// load() that compiles text only: the mode argument is forced to "t". Upvalue 1: the base load.
int load_text(lua_State* state) {
  if (lua_gettop(state) < 3) {
    lua_settop(state, 3);  // chunkname and mode may be nil; env stays "none" so it defaults.
  }
  lua_pushliteral(state, "t");
  lua_replace(state, 3);
  lua_pushvalue(state, lua_upvalueindex(1));
  lua_insert(state, 1);
  lua_call(state, lua_gettop(state) - 1, LUA_MULTRET);
  return lua_gettop(state);
}

// setmetatable() that refuses __gc: finalizers run with hooks off, so an endless loop in one
// would escape the instruction budget. Lua marks a table for finalization only if its
// metatable has __gc when it is set, so checking here is enough. Upvalue 1: the base function.
int setmetatable_no_gc(lua_State* state) {
  if (lua_type(state, 2) == LUA_TTABLE) {
    lua_pushliteral(state, "__gc");
    if (lua_rawget(state, 2) != LUA_TNIL) {
      return luaL_error(state, "setmetatable: __gc metamethods are not available in the sandbox");
    }
    lua_pop(state, 1);
  }
  lua_pushvalue(state, lua_upvalueindex(1));
  lua_insert(state, 1);
  lua_call(state, lua_gettop(state) - 1, LUA_MULTRET);
  return lua_gettop(state);
}

// collectgarbage() without the options that change the collector's behaviour.
int collectgarbage_limited(lua_State* state) {
  const char* option = luaL_optstring(state, 1, "collect");
  const std::string_view opt = option;
  if (opt == "collect") {
    lua_gc(state, LUA_GCCOLLECT);
    lua_pushinteger(state, 0);
  } else if (opt == "count") {
    const int kib = lua_gc(state, LUA_GCCOUNT);
    const int rest = lua_gc(state, LUA_GCCOUNTB);
    lua_pushnumber(state, static_cast<lua_Number>(kib) + static_cast<lua_Number>(rest) / 1024.0);
  } else if (opt == "step") {
    const lua_Integer kib = luaL_optinteger(state, 2, 0);
    const int step = kib < 0 ? 0 : (kib > 1 << 20 ? 1 << 20 : static_cast<int>(kib));
    lua_pushboolean(state, lua_gc(state, LUA_GCSTEP, step));
  } else if (opt == "isrunning") {
    lua_pushboolean(state, lua_gc(state, LUA_GCISRUNNING));
  } else {
    return luaL_error(state, "collectgarbage: option '%s' is not available in the sandbox", option);
  }
  return 1;
}

// require() of the modules the host provided; nothing is searched on disk.
int require_provided(lua_State* state) {
  const char* name = luaL_checkstring(state, 1);
  lua_getfield(state, LUA_REGISTRYINDEX, kModulesKey);
  if (lua_getfield(state, -1, name) == LUA_TNIL) {
    return luaL_error(state, "module '%s' is not available in the sandbox", name);
  }
  return 1;
}

void set_global_nil(lua_State* state, const char* name) {
  lua_pushnil(state);
  lua_setglobal(state, name);
}

// Wraps global `name` in a C closure that gets the original as upvalue 1.
void wrap_global(lua_State* state, const char* name, lua_CFunction wrapper) {
  lua_getglobal(state, name);
  lua_pushcclosure(state, wrapper, 1);
  lua_setglobal(state, name);
}

}  // namespace

// The protected body that builds the safe global environment (see the class comment).
int Sandbox::open_environment(lua_State* state) {
  luaL_requiref(state, LUA_GNAME, luaopen_base, 1);
  lua_pop(state, 1);
  luaL_requiref(state, LUA_STRLIBNAME, luaopen_string, 1);
  lua_pushnil(state);
  lua_setfield(state, -2, "dump");  // Bytecode can't be loaded anyway; don't produce it either.
  lua_pop(state, 1);
  luaL_requiref(state, LUA_TABLIBNAME, luaopen_table, 1);
  lua_pop(state, 1);
  luaL_requiref(state, LUA_MATHLIBNAME, luaopen_math, 1);
  lua_pop(state, 1);
  luaL_requiref(state, LUA_UTF8LIBNAME, luaopen_utf8, 1);
  lua_pop(state, 1);

  luaL_requiref(state, LUA_OSLIBNAME, luaopen_os, 0);  // The full library; only three escape.
  lua_createtable(state, 0, 3);
  for (const char* name : {"time", "clock", "date"}) {
    lua_getfield(state, -2, name);
    lua_setfield(state, -2, name);
  }
  lua_setglobal(state, LUA_OSLIBNAME);
  lua_pop(state, 1);

  for (const char* name : {"dofile", "loadfile", "print", "warn"}) {
    set_global_nil(state, name);
  }
  wrap_global(state, "load", load_text);
  wrap_global(state, "setmetatable", setmetatable_no_gc);
  lua_pushcfunction(state, &Sandbox::pcall_guarded);
  lua_setglobal(state, "pcall");
  lua_pushcfunction(state, &Sandbox::xpcall_guarded);
  lua_setglobal(state, "xpcall");
  lua_pushcfunction(state, collectgarbage_limited);
  lua_setglobal(state, "collectgarbage");
  lua_pushcfunction(state, require_provided);
  lua_setglobal(state, "require");
  lua_newtable(state);
  lua_setfield(state, LUA_REGISTRYINDEX, kModulesKey);
  return 0;
}

Sandbox::Sandbox(std::string name, Limits limits) : name_(std::move(name)), limits_(limits) {}

Result<std::unique_ptr<Sandbox>> Sandbox::create(std::string name, Limits limits) {
  // The constructor is private; the Sandbox must not move once the state points at it.
  std::unique_ptr<Sandbox> sandbox(new Sandbox(std::move(name), limits));
  sandbox->state_ = lua_newstate(&Sandbox::allocate, sandbox.get());
  if (sandbox->state_ == nullptr) {
    return make_error(Errc::Internal,
                      fmt::format("lua: plugin \"{}\": cannot create a state within {} bytes",
                                  sandbox->name_, limits.memory_bytes));
  }
  *static_cast<Sandbox**>(lua_getextraspace(sandbox->state_)) = sandbox.get();
  lua_atpanic(sandbox->state_, panic);
  lua_sethook(sandbox->state_, &Sandbox::count_hook, LUA_MASKCOUNT, kInstructionStep);
  DCBOT_TRY(sandbox->protected_call(&Sandbox::open_environment, nullptr));
  return sandbox;
}

Sandbox::~Sandbox() {
  if (state_ != nullptr) {
    instructions_ = 0;
    budget_exceeded_ = false;
    lua_close(state_);
  }
}

Sandbox& Sandbox::from(lua_State* state) {
  return **static_cast<Sandbox**>(lua_getextraspace(state));
}

void* Sandbox::allocate(void* ud, void* ptr, std::size_t old_size, std::size_t new_size) {
  auto* self = static_cast<Sandbox*>(ud);
  // With ptr == nullptr, old_size encodes the kind of object being created, not a size.
  const std::size_t old_bytes = ptr == nullptr ? 0 : old_size;
  if (new_size == 0) {
    std::free(ptr);  // NOLINT(cppcoreguidelines-no-malloc): the lua_Alloc contract.
    self->used_ -= old_bytes;
    return nullptr;
  }
  if (new_size > old_bytes && !self->unlimited_
      && new_size - old_bytes
             > self->limits_.memory_bytes - std::min(self->used_, self->limits_.memory_bytes)) {
    self->refused_ = true;
    return nullptr;
  }
  void* block = std::realloc(ptr, new_size);  // NOLINT(cppcoreguidelines-no-malloc)
  if (block == nullptr) {
    // Lua assumes shrinking never fails; the old block is still valid and big enough.
    return new_size <= old_bytes ? ptr : nullptr;
  }
  self->used_ = self->used_ - old_bytes + new_size;
  return block;
}

void Sandbox::count_hook(lua_State* state, lua_Debug* /*ar*/) {
  Sandbox& self = from(state);
  self.instructions_ += kInstructionStep;
  if (self.instructions_ <= self.limits_.instructions && !self.budget_exceeded_) {
    return;
  }
  self.budget_exceeded_ = true;
  // Inside a hook, level 0 is the running Lua function: name its file:line.
  luaL_where(state, 0);
  lua_pushfstring(state, "instruction budget of %I exceeded",
                  static_cast<lua_Integer>(self.limits_.instructions));
  lua_concat(state, 2);
  lua_error(state);
}

// pcall() that re-raises limit hits, so a plugin can't catch its way past its budget.
int Sandbox::pcall_guarded(lua_State* state) {
  luaL_checkany(state, 1);
  const int status = lua_pcall(state, lua_gettop(state) - 1, LUA_MULTRET, 0);
  Sandbox& self = from(state);
  if (status == LUA_ERRMEM) {
    self.memory_error_ = true;
  }
  if (self.aborting()) {
    return lua_error(state);
  }
  luaL_checkstack(state, 1, nullptr);
  lua_pushboolean(state, status == LUA_OK ? 1 : 0);
  if (status != LUA_OK) {
    lua_insert(state, -2);
    return 2;
  }
  lua_insert(state, 1);
  return lua_gettop(state);
}

// xpcall(f, handler, ...) with the same rule as pcall_guarded.
int Sandbox::xpcall_guarded(lua_State* state) {
  const int nargs = lua_gettop(state) - 2;
  luaL_checktype(state, 2, LUA_TFUNCTION);
  lua_pushvalue(state, 1);  // f
  lua_copy(state, 2, 1);    // the handler goes to 1, below f and its arguments
  lua_replace(state, 2);
  const int status = lua_pcall(state, nargs < 0 ? 0 : nargs, LUA_MULTRET, 1);
  Sandbox& self = from(state);
  if (status == LUA_ERRMEM) {
    self.memory_error_ = true;
  }
  if (self.aborting()) {
    return lua_error(state);
  }
  luaL_checkstack(state, 1, nullptr);
  lua_pushboolean(state, status == LUA_OK ? 1 : 0);
  lua_replace(state, 1);
  return lua_gettop(state);
}

void Sandbox::provide_module(lua_State* state, const char* name) {
  lua_getfield(state, LUA_REGISTRYINDEX, kModulesKey);
  lua_insert(state, -2);
  lua_setfield(state, -2, name);
  lua_pop(state, 1);
}

void Sandbox::push_host_string(lua_State* state, std::string_view text) {
  Sandbox& self = from(state);
  self.unlimited_ = true;
  lua_pushlstring(state, text.data(), text.size());
  self.unlimited_ = false;
}

Result<> Sandbox::call(int nargs) {
  DCBOT_CHECK(!in_call_, "lua: Sandbox::call is not reentrant");
  DCBOT_CHECK(lua_gettop(state_) >= nargs + 1, "lua: call without a function");
  const int base = lua_gettop(state_) - nargs - 1;
  if (lua_checkstack(state_, 1) == 0) {
    lua_settop(state_, base);
    last_hit_ = LimitHit::Memory;
    return make_error(Errc::Internal, fmt::format("lua: plugin \"{}\": out of stack", name_));
  }
  lua_pushcfunction(state_, message_handler);
  lua_insert(state_, base + 1);
  in_call_ = true;
  instructions_ = 0;
  budget_exceeded_ = false;
  memory_error_ = false;
  refused_ = false;
  unlimited_ = false;
  const int status = lua_pcall(state_, nargs, 0, base + 1);
  in_call_ = false;
  unlimited_ = false;
  if (status == LUA_OK) {
    lua_settop(state_, base);
    last_hit_ = LimitHit::None;
    return {};
  }
  std::string detail = "(error object is not a string)";
  if (lua_type(state_, -1) == LUA_TSTRING) {
    std::size_t size = 0;
    const char* text = lua_tolstring(state_, -1, &size);
    detail.assign(text, size);
  }
  lua_settop(state_, base);
  return make_call_error(status, detail);
}

Error Sandbox::make_call_error(int status, std::string_view detail) {
  const bool memory = status == LUA_ERRMEM || memory_error_
                      || (status == LUA_ERRERR && refused_ && !budget_exceeded_);
  if (budget_exceeded_) {
    last_hit_ = LimitHit::Instructions;
    return make_error(Errc::Timeout, fmt::format("lua: plugin \"{}\": {}", name_, detail));
  }
  if (memory) {
    last_hit_ = LimitHit::Memory;
    lua_gc(state_, LUA_GCCOLLECT);  // Whatever the failed call built is garbage now.
    return make_error(Errc::Internal, fmt::format("lua: plugin \"{}\": memory limit of {} bytes "
                                                  "exceeded: {}",
                                                  name_, limits_.memory_bytes, detail));
  }
  last_hit_ = LimitHit::None;
  return make_error(Errc::Internal, fmt::format("lua: plugin \"{}\": {}", name_, detail));
}

Result<> Sandbox::protected_call(int (*body)(lua_State*), void* data) {
  lua_pushcfunction(state_, body);
  lua_pushlightuserdata(state_, data);
  return call(1);
}

Result<> Sandbox::run_string(std::string_view code, std::string_view chunk_name) {
  const std::string name = "@" + std::string(chunk_name);
  const int status = luaL_loadbufferx(state_, code.data(), code.size(), name.c_str(), "t");
  if (status != LUA_OK) {
    std::string detail = "(no message)";
    if (lua_type(state_, -1) == LUA_TSTRING) {
      detail = lua_tostring(state_, -1);
    }
    lua_pop(state_, 1);
    const Errc code_class = status == LUA_ERRSYNTAX ? Errc::Parse : Errc::Internal;
    return make_error(code_class, fmt::format("lua: plugin \"{}\": {}", name_, detail));
  }
  return call(0);
}

Result<> Sandbox::run_file(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec)) {
    return make_error(Errc::NotFound,
                      fmt::format("lua: plugin \"{}\": {}: no such file", name_, file.string()));
  }
  std::ifstream in(file, std::ios::binary);
  std::string code;
  if (in) {
    code.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (!in || in.bad()) {
    return make_error(Errc::Io,
                      fmt::format("lua: plugin \"{}\": {}: cannot read", name_, file.string()));
  }
  return run_string(code, file.string());
}

}  // namespace dcbot::lua
