#!/usr/bin/env bash
# `dynolab simulate` and `dynolab advise` on examples/orders (or $EXAMPLE; 30 days), as the README runs them,
# RUNS times each under GNU time, alternating between the binaries given, then the median wall
# and CPU (user) times per binary and command (docs/benchmarks.md §9).
# Usage: scripts/bench_advise.sh [RUNS] [BINARY...]   (default: 5 target/release/dynolab)
#   e.g. git worktree add ../before <commit> && (cd ../before && cargo build --release --bin dynolab)
#        scripts/bench_advise.sh 5 ../before/target/release/dynolab target/release/dynolab
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
shift || true
bins=("$@")
[ ${#bins[@]} -eq 0 ] && bins=(target/release/dynolab)
out=$(mktemp -d)
example=${EXAMPLE:-orders}   # EXAMPLE=tickets: the heavily throttled ticket-sales example (§9.3)
model=(--design "examples/$example/before.tf" --workload "examples/$example/workload.toml" --quiet)
for i in $(seq "$runs"); do
  for b in "${!bins[@]}"; do
    bin=${bins[$b]}
    /usr/bin/time -a -o "$out/$b.simulate" -f "%e %U" \
      "$bin" simulate "${model[@]}" --html "$out/before.html" > /dev/null
    /usr/bin/time -a -o "$out/$b.advise" -f "%e %U" \
      "$bin" advise "${model[@]}" --out "$out/advice-$b" > /dev/null
  done
done
python3 - "$out" "${bins[@]}" <<'PY'
import statistics, sys
out, bins = sys.argv[1], sys.argv[2:]
print("| binary | command | wall s (runs) | median wall s | median user s |")
print("|---|---|---|---:|---:|")
for b, name in enumerate(bins):
    for cmd in ("simulate", "advise"):
        rows = [tuple(map(float, l.split())) for l in open(f"{out}/{b}.{cmd}") if l.strip()]
        walls = ", ".join(f"{w:.2f}" for w, _ in rows)
        print(f"| {name} | {cmd} | {walls} | {statistics.median(w for w, _ in rows):.2f} | "
              f"{statistics.median(u for _, u in rows):.2f} |")
PY
