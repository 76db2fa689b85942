#!/usr/bin/env bash
# GetItem latency while full-table Scans loop on other connections (docs/benchmarks.md §7):
# the same release binary with long operations on the blocking pool (the default) and on the
# async workers (--inline-long-operations), alternating, RUNS times each.
# Usage: scripts/bench_scan_stall.sh [RUNS] [SECONDS] [SCANNERS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}; seconds=${2:-10}; scanners=${3:-2}
cargo build --release --locked --bin dynolab --example bench_scan_stall 2>/dev/null
for run in $(seq "$runs"); do
  for mode in blocking-pool inline; do
    extra=()
    [ "$mode" = inline ] && extra=(--inline-long-operations)
    log=$(mktemp)
    target/release/dynolab serve --in-memory --capacity off --port 0 "${extra[@]}" >"$log" 2>/dev/null &
    pid=$!
    while ! grep -q listening "$log"; do sleep 0.1; done
    endpoint=$(grep -o 'http://[0-9.:]*' "$log")
    printf '%s run %s: ' "$mode" "$run"
    target/release/examples/bench_scan_stall --endpoint "$endpoint" --seconds "$seconds" --scanners "$scanners"
    kill "$pid"; wait "$pid" 2>/dev/null || true; rm -f "$log"
  done
done
