#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs dcbot_bench_echo against a private local relay (scripts/relay): starts the relay, runs the
# benchmark with the given arguments (e.g. --users 3 --messages 20 --pings 20), then stops the
# relay, also when the benchmark fails or is interrupted.
#
#   bench/echo/run.sh [benchmark arguments...]      (--help lists them)
#
# Environment (all optional):
#   DCBOT_BENCH_BIN        the benchmark binary   (default <repo>/build/ci/bench/echo/dcbot_bench_echo)
#   DCBOT_RELAY_DIR        relay state dir        (default <repo>/build/bench/relay-echo)
#   DCBOT_RELAY_PORT_BASE  relay port base        (default 39100)
#   DCBOT_PEER_DIR         the pinned real core   (default <repo>/.peer, filled by scripts/setup)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BIN="${DCBOT_BENCH_BIN:-$ROOT/build/ci/bench/echo/dcbot_bench_echo}"
export DCBOT_RELAY_DIR="${DCBOT_RELAY_DIR:-$ROOT/build/bench/relay-echo}"
export DCBOT_RELAY_PORT_BASE="${DCBOT_RELAY_PORT_BASE:-39100}"
export DCBOT_PEER_DIR="${DCBOT_PEER_DIR:-$ROOT/.peer}"

[[ -x "$BIN" ]] || {
  echo "run.sh: no benchmark binary at $BIN (cmake --build <dir> --target dcbot_bench_echo)" >&2
  exit 2
}
for arg in "$@"; do
  [[ "$arg" == "-h" || "$arg" == "--help" ]] && exec "$BIN" --help
done

"$ROOT/scripts/relay" start
trap '"$ROOT/scripts/relay" stop >/dev/null || echo "run.sh: relay stop failed" >&2' EXIT
echo "relay: $DCBOT_RELAY_DIR (port base $DCBOT_RELAY_PORT_BASE); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
"$BIN" --relay-dir "$DCBOT_RELAY_DIR" "$@"
