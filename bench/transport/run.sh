#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs dcbot_bench_transport against a private local relay (scripts/relay): starts the relay, runs
# the benchmark with the given arguments (e.g. --mails 1000 --batch 64), then stops the relay, also
# when the benchmark fails or is interrupted.
#
#   bench/transport/run.sh [benchmark arguments...]
#
# Environment (all optional):
#   DCBOT_BENCH_BIN        the benchmark binary   (default <repo>/build/bench/bench/transport/dcbot_bench_transport)
#   DCBOT_RELAY_DIR        relay state dir        (default <repo>/build/bench/relay)
#   DCBOT_RELAY_PORT_BASE  relay port base        (default 39000)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BIN="${DCBOT_BENCH_BIN:-$ROOT/build/bench/bench/transport/dcbot_bench_transport}"
export DCBOT_RELAY_DIR="${DCBOT_RELAY_DIR:-$ROOT/build/bench/relay}"
export DCBOT_RELAY_PORT_BASE="${DCBOT_RELAY_PORT_BASE:-39000}"

[[ -x "$BIN" ]] || {
  echo "run.sh: no benchmark binary at $BIN (cmake --build <dir> --target dcbot_bench_transport)" >&2
  exit 2
}

"$ROOT/scripts/relay" start
trap '"$ROOT/scripts/relay" stop >/dev/null || echo "run.sh: relay stop failed" >&2' EXIT
echo "relay: $DCBOT_RELAY_DIR (port base $DCBOT_RELAY_PORT_BASE); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
"$BIN" --relay-dir "$DCBOT_RELAY_DIR" "$@"
