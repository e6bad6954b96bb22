#!/usr/bin/env bash
# Fan-out benchmark: invoke_many against the throttling simulator beside a naive loop.
# Usage: scripts/bench-fanout.sh [N] [K] [MS] [MAX_CONCURRENCY]
# (defaults 10000 invocations, capacity 100, 50 ms each, at most 500 at a time).
set -euo pipefail
cd "$(dirname "$0")/.."
# The naive loop opens hundreds of connections at once.
ulimit -n 8192 2>/dev/null || true
cargo run -q --release -p lambda-blocking --example bench_fanout -- "$@"
