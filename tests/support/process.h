// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <sys/types.h>

// Subprocesses for tests that run dcbot programs (`dcbot run ...`) the way a user does.
namespace dcbot::testsupport {

// The whole file, or "" if it can't be read.
std::string read_file(const std::filesystem::path& path);

// Starts `args` (args[0] is the program's path) with stdout to `out_fd` (or the log) and stderr
// appended to `log`. Returns the child's pid.
pid_t spawn(const std::vector<std::string>& args, const std::filesystem::path& log,
            int out_fd = -1);

// Waits for `pid` for at most `limit`: its exit code, -1 if it had to be killed after the
// limit, -2 if it died from a signal.
int wait_exit(pid_t pid, std::chrono::seconds limit);

// Runs a command to its end: its exit code (as wait_exit) and stdout; stderr goes to `log`.
std::pair<int, std::string> run_capture(const std::vector<std::string>& args,
                                        const std::filesystem::path& log,
                                        std::chrono::seconds limit = std::chrono::seconds(60));

}  // namespace dcbot::testsupport
