#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Fails if any tracked C++ file is not clang-formatted (STYLE.md §7.1).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mapfile -t files < <(git ls-files '*.h' '*.cpp')
((${#files[@]} == 0)) && exit 0
clang-format --dry-run -Werror "${files[@]}"
echo "format: ${#files[@]} files ok"
