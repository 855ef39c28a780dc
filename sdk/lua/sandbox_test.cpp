// SPDX-License-Identifier: MIT
#include "lua/sandbox.h"

#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <lua.h>
#include <lualib.h>

#include <lauxlib.h>

namespace dcbot::lua {
namespace {

using ::testing::HasSubstr;

std::unique_ptr<Sandbox> make_sandbox(Limits limits = {}) {
  auto sandbox = Sandbox::create("test", limits);
  EXPECT_TRUE(sandbox.has_value()) << sandbox.error().to_string();
  return std::move(*sandbox);
}

// Runs `code` and checks that the stack is where it was.
Result<> run(Sandbox& sandbox, const std::string& code, const std::string& chunk = "test.lua") {
  const int top = lua_gettop(sandbox.state());
  auto result = sandbox.run_string(code, chunk);
  EXPECT_EQ(lua_gettop(sandbox.state()), top) << code;
  return result;
}

std::string global_string(Sandbox& sandbox, const char* name) {
  lua_State* state = sandbox.state();
  const int top = lua_gettop(state);
  lua_getglobal(state, name);
  std::string value =
      lua_type(state, -1) == LUA_TSTRING ? lua_tostring(state, -1) : "<not a string>";
  lua_pop(state, 1);
  EXPECT_EQ(lua_gettop(state), top);
  return value;
}

TEST(LuaSandbox, RunsTextChunks) {
  auto sandbox = make_sandbox();
  ASSERT_TRUE(run(*sandbox, "result = string.format('%d-%s', 6 * 7, utf8.char(72))"));
  EXPECT_EQ(global_string(*sandbox, "result"), "42-H");
  ASSERT_TRUE(run(*sandbox, "result = table.concat({math.floor(2.5), os.date('!%Y', 0)}, ',')"));
  EXPECT_EQ(global_string(*sandbox, "result"), "2,1970");
  ASSERT_TRUE(run(*sandbox, "result = type(os.time()) .. type(os.clock())"));
  EXPECT_EQ(global_string(*sandbox, "result"), "numbernumber");
}

TEST(LuaSandbox, RuntimeErrorNamesPluginAndFileLine) {
  auto sandbox = Sandbox::create("greeter", {});
  ASSERT_TRUE(sandbox);
  auto result = run(**sandbox, "local x = nil\nlocal y = x.field\n", "plugins/greeter.lua");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Errc::Internal);
  EXPECT_THAT(result.error().message, HasSubstr("lua: plugin \"greeter\": plugins/greeter.lua:2:"));
  EXPECT_THAT(result.error().message, HasSubstr("stack traceback"));
  EXPECT_EQ((*sandbox)->last_limit_hit(), LimitHit::None);
}

TEST(LuaSandbox, NonStringErrorObjectsAreDescribed) {
  auto sandbox = make_sandbox();
  auto result = run(*sandbox, "error({})");
  ASSERT_FALSE(result);
  EXPECT_THAT(result.error().message, HasSubstr("(error object is a table value)"));
  result = run(*sandbox, "error(setmetatable({}, {__tostring = function() return 'custom' end}))");
  ASSERT_FALSE(result);
  EXPECT_THAT(result.error().message, HasSubstr("custom"));
}

TEST(LuaSandbox, SyntaxErrorIsParseError) {
  auto sandbox = make_sandbox();
  auto result = run(*sandbox, "x = = 1", "broken.lua");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Errc::Parse);
  EXPECT_THAT(result.error().message, HasSubstr("broken.lua:1:"));
}

TEST(LuaSandbox, EndlessLoopIsStoppedAndNextCallWorks) {
  auto sandbox = make_sandbox({.memory_bytes = std::size_t{4} << 20, .instructions = 200'000});
  auto result = run(*sandbox, "local n = 0\nwhile true do\n  n = n + 1\nend\n", "loop.lua");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Errc::Timeout);
  EXPECT_THAT(result.error().message, HasSubstr("instruction budget of 200000 exceeded"));
  EXPECT_THAT(result.error().message, ::testing::ContainsRegex("loop\\.lua:[23]:"));
  EXPECT_EQ(sandbox->last_limit_hit(), LimitHit::Instructions);

  ASSERT_TRUE(run(*sandbox, "result = 'still alive'"));
  EXPECT_EQ(global_string(*sandbox, "result"), "still alive");
  EXPECT_EQ(sandbox->last_limit_hit(), LimitHit::None);
}

TEST(LuaSandbox, PcallCannotSwallowTheInstructionBudget) {
  auto sandbox = make_sandbox({.memory_bytes = std::size_t{4} << 20, .instructions = 200'000});
  auto result = run(*sandbox,
                    "while true do pcall(function() while true do end end) end\n"
                    "result = 'escaped'");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Errc::Timeout);
  result = run(*sandbox,
               "while true do xpcall(function() while true do end end, function(e) return e end) "
               "end");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, Errc::Timeout);
  EXPECT_NE(global_string(*sandbox, "result"), "escaped");
}

TEST(LuaSandbox, PcallAndXpcallStillWorkForOrdinaryErrors) {
  auto sandbox = make_sandbox();
  ASSERT_TRUE(run(*sandbox,
                  "local ok, err = pcall(error, 'boom', 0)\n"
                  "local ok2, a, b = pcall(function(x, y) return x + y, 'two' end, 1, 2)\n"
                  "local ok3, h = xpcall(function() error('bad', 0) end, function(e) return 'h:' "
                  ".. e end)\n"
                  "local ok4, v = xpcall(function(x) return x * 2 end, print or tostring, 21)\n"
                  "result = table.concat({tostring(ok), err, tostring(ok2), a, b, tostring(ok3), "
                  "h, tostring(ok4), v}, ' ')"));
  EXPECT_EQ(global_string(*sandbox, "result"), "false boom true 3 two false h:bad true 42");
}

TEST(LuaSandbox, UnboundedAllocationIsStoppedAndNextCallWorks) {
  const std::size_t limit = std::size_t{2} << 20;
  auto sandbox = make_sandbox({.memory_bytes = limit, .instructions = 100'000'000});
  auto result = run(*sandbox,
                    "local t = {}\nlocal i = 0\n"
                    "while true do i = i + 1; t[i] = string.rep('x', 64) .. i end");
  ASSERT_FALSE(result);
  EXPECT_THAT(result.error().message, HasSubstr("memory limit of 2097152 bytes exceeded"));
  EXPECT_EQ(sandbox->last_limit_hit(), LimitHit::Memory);
  EXPECT_LE(sandbox->memory_used(), limit);

  result = run(*sandbox, "local s = string.rep('y', 64 * 1024 * 1024)");
  ASSERT_FALSE(result);
  EXPECT_EQ(sandbox->last_limit_hit(), LimitHit::Memory);

  // pcall does not hide a memory limit hit either.
  result = run(*sandbox, "result = tostring(pcall(string.rep, 'z', 64 * 1024 * 1024))");
  ASSERT_FALSE(result);
  EXPECT_EQ(sandbox->last_limit_hit(), LimitHit::Memory);

  ASSERT_TRUE(run(*sandbox, "result = 'recovered'"));
  EXPECT_EQ(global_string(*sandbox, "result"), "recovered");
  EXPECT_LT(sandbox->memory_used(), limit / 2);
}

TEST(LuaSandbox, TooSmallMemoryLimitFailsCreation) {
  auto sandbox = Sandbox::create("tiny", {.memory_bytes = 1024, .instructions = 1000});
  ASSERT_FALSE(sandbox);
  EXPECT_THAT(sandbox.error().message, HasSubstr("plugin \"tiny\""));
}

TEST(LuaSandbox, DangerousFunctionsAreUnavailable) {
  auto sandbox = make_sandbox();
  const std::vector<std::string> attempts = {
      "os.execute('true')",
      "os.exit(1)",
      "os.remove('/tmp/x')",
      "os.getenv('HOME')",
      "io.open('/etc/passwd')",
      "io.write('x')",
      "package.loadlib('libc.so.6', 'system')",
      "debug.traceback()",
      "debug.sethook()",
      "dofile('/etc/passwd')",
      "loadfile('/etc/passwd')",
      "require('os')",
      "require('io')",
      "require('debug')",
      "require('socket')",
      "string.dump(function() end)",
      "collectgarbage('stop')",
      "collectgarbage('generational')",
      "coroutine.create(function() end)",
      "setmetatable({}, {__gc = function() while true do end end})",
      "print('x')",
  };
  for (const auto& code : attempts) {
    auto result = run(*sandbox, code, "evil.lua");
    ASSERT_FALSE(result) << code;
    EXPECT_EQ(result.error().code, Errc::Internal) << code;
    EXPECT_THAT(result.error().message, HasSubstr("evil.lua:1:")) << code;
  }
  ASSERT_TRUE(run(*sandbox,
                  "result = table.concat({type(io), type(package), type(debug), type(dofile), "
                  "type(loadfile), type(os.execute)}, ',')"));
  EXPECT_EQ(global_string(*sandbox, "result"), "nil,nil,nil,nil,nil,nil");
  ASSERT_TRUE(run(*sandbox, "result = tostring(collectgarbage('count') > 0)"));
  EXPECT_EQ(global_string(*sandbox, "result"), "true");
}

TEST(LuaSandbox, LoadCompilesTextButNotBytecode) {
  // Bytecode made by an ordinary, unsandboxed state.
  lua_State* plain = luaL_newstate();
  ASSERT_EQ(luaL_loadstring(plain, "return 'from bytecode'"), LUA_OK);
  std::string bytecode;
  lua_dump(
      plain,
      [](lua_State*, const void* p, std::size_t size, void* ud) {
        static_cast<std::string*>(ud)->append(static_cast<const char*>(p), size);
        return 0;
      },
      &bytecode, 0);
  lua_close(plain);
  ASSERT_FALSE(bytecode.empty());

  auto sandbox = make_sandbox();
  lua_State* state = sandbox->state();
  const int top = lua_gettop(state);
  lua_pushlstring(state, bytecode.data(), bytecode.size());
  lua_setglobal(state, "bytecode");
  ASSERT_TRUE(run(*sandbox,
                  "local f, err = load(bytecode, 'b', 'b')\n"
                  "local g, err2 = load(bytecode)\n"
                  "result = tostring(f) .. ' ' .. err .. ' ' .. tostring(g)"));
  EXPECT_THAT(global_string(*sandbox, "result"), HasSubstr("nil"));
  EXPECT_THAT(global_string(*sandbox, "result"), HasSubstr("binary chunk"));
  ASSERT_TRUE(
      run(*sandbox, "result = load('return 1 + 1')() .. load('return x', 'c', 't', {x = 'e'})()"));
  EXPECT_EQ(global_string(*sandbox, "result"), "2e");

  auto direct = sandbox->run_string(bytecode, "bytecode.luac");
  ASSERT_FALSE(direct);
  EXPECT_EQ(direct.error().code, Errc::Parse);
  EXPECT_THAT(direct.error().message, HasSubstr("binary chunk"));
  EXPECT_EQ(lua_gettop(state), top);
}

TEST(LuaSandbox, RequireServesProvidedModulesOnly) {
  auto sandbox = make_sandbox();
  lua_State* state = sandbox->state();
  const int top = lua_gettop(state);
  ASSERT_TRUE(sandbox->protected_call(
      [](lua_State* s) {
        lua_newtable(s);
        lua_pushliteral(s, "yes");
        lua_setfield(s, -2, "provided");
        Sandbox::provide_module(s, "mine");
        return 0;
      },
      nullptr));
  EXPECT_EQ(lua_gettop(state), top);
  ASSERT_TRUE(run(*sandbox, "result = require('mine').provided"));
  EXPECT_EQ(global_string(*sandbox, "result"), "yes");
  auto result = run(*sandbox, "require('string')");
  ASSERT_FALSE(result);
  EXPECT_THAT(result.error().message, HasSubstr("module 'string' is not available"));
}

TEST(LuaSandbox, ProtectedCallPassesDataAndKeepsTheStackBalanced) {
  auto sandbox = make_sandbox();
  lua_State* state = sandbox->state();
  lua_pushliteral(state, "sentinel");
  const int top = lua_gettop(state);
  int seen = 0;
  ASSERT_TRUE(sandbox->protected_call(
      [](lua_State* s) {
        *static_cast<int*>(lua_touserdata(s, 1)) = 7;
        lua_pushliteral(s, "left behind");  // Results are discarded.
        return 1;
      },
      &seen));
  EXPECT_EQ(seen, 7);
  EXPECT_EQ(lua_gettop(state), top);
  auto failed = sandbox->protected_call(
      [](lua_State* s) { return luaL_error(s, "raised from C with %d", 42); }, nullptr);
  ASSERT_FALSE(failed);
  EXPECT_THAT(failed.error().message, HasSubstr("raised from C with 42"));
  EXPECT_EQ(lua_gettop(state), top);
  EXPECT_STREQ(lua_tostring(state, -1), "sentinel");
  lua_pop(state, 1);
}

TEST(LuaSandbox, RunFileUsesThePathAsChunkName) {
  auto sandbox = make_sandbox();
  const std::string path = std::string(DCBOT_SOURCE_DIR) + "/tests/lua/error_at_line_3.lua";
  auto result = sandbox->run_file(path);
  ASSERT_FALSE(result);
  EXPECT_THAT(result.error().message, HasSubstr("error_at_line_3.lua:3: deliberate"));
  auto missing = sandbox->run_file("/nonexistent/plugin.lua");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::NotFound);
  EXPECT_EQ(lua_gettop(sandbox->state()), 0);
}

}  // namespace
}  // namespace dcbot::lua
