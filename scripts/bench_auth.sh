#!/usr/bin/env bash
# GetItem through the AWS SDK for Rust against `dynolab serve` without and with
# `--credentials`, alternating, RUNS times each (docs/benchmarks.md §10). Prints one line per
# run: the client's figures and the server's CPU microseconds per request.
#   cargo build --release --bin dynolab --example bench_auth && scripts/bench_auth.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
bin=${DYNOLAB_BIN:-target/release/dynolab}
bench=target/release/examples/bench_auth
work=$(mktemp -d)
printf '[[key]]\nid = "AKIDBENCH"\nsecret = "bench-secret"\n' > "$work/keys.toml"
"$bin" serve --in-memory --capacity off --port 8124 > "$work/plain.log" 2>&1 & plain=$!
"$bin" serve --in-memory --capacity off --port 8125 --credentials "$work/keys.toml" > "$work/creds.log" 2>&1 & creds=$!
trap 'kill $plain $creds 2>/dev/null; rm -rf "$work"' EXIT
sleep 1
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
for _ in $(seq 1 "$runs"); do
  for mode in plain creds; do
    if [ "$mode" = plain ]; then pid=$plain port=8124; else pid=$creds port=8125; fi
    before=$(cpu "$pid")
    out=$("$bench" --endpoint "http://127.0.0.1:$port" --seconds "${SECONDS_PER_RUN:-10}")
    after=$(cpu "$pid")
    n=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["requests"])' "$out")
    echo "$mode $out server_cpu_us_per_req=$(( (after - before) * 1000000 / ticks / n )) load=$(cut -d' ' -f1 /proc/loadavg)"
  done
done
