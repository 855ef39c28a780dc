-- A plugin whose main chunk fails on line 3 (sandbox_test.cpp checks the file:line).
local answer = 42
error("deliberate failure " .. answer)
