#!/usr/bin/env bash
# Two dynolab builds under ../shared/peer-bench's load, alternating, RUNS times each, then the
# medians side by side (docs/benchmarks.md §8).
# Usage: scripts/bench_peer_ab.sh BEFORE_BINARY AFTER_BINARY [RUNS]
#   e.g. git worktree add ../before <commit> && (cd ../before && cargo build --release --bin dynolab)
#        scripts/bench_peer_ab.sh ../before/target/release/dynolab target/release/dynolab 3
set -euo pipefail
cd "$(dirname "$0")/.."
before=$1; after=$2; runs=${3:-3}
out=$(mktemp -d)
for i in $(seq "$runs"); do
  for v in before after; do
    bin=$before; [ "$v" = after ] && bin=$after
    DYNOLAB_CMD="$bin serve --in-memory --capacity off --host 127.0.0.1 --port {port}" \
      python3 ../shared/peer-bench/bench.py run --peers dynolab --rounds 1 --duration 10 \
      --cold-trials 1 --big-npk 0 --quiet-max-wait 20 --out "$out/$v-$i" >/dev/null
  done
done
python3 - "$out" "$runs" <<'PY'
import json, statistics, sys
out, runs = sys.argv[1], int(sys.argv[2])
res = {}
for v in ("before", "after"):
    for i in range(1, runs + 1):
        d = json.load(open(f"{out}/{v}-{i}/results.json"))
        for r in d["peers"]["dynolab"]["rounds"]:
            for w, x in r["workloads"].items():
                res.setdefault((v, w), []).append((x["rps"], x["lat_p99_us"]))
print("| workload | before req/s (runs) | after req/s (runs) | median before | median after | after/before | p99 µs before → after |")
print("|---|---|---|---:|---:|---:|---|")
for w in sorted({w for _, w in res}):
    b, a = res[("before", w)], res[("after", w)]
    mb, ma = statistics.median(x[0] for x in b), statistics.median(x[0] for x in a)
    print(f"| {w} | {', '.join(f'{x[0]:,.0f}' for x in b)} | {', '.join(f'{x[0]:,.0f}' for x in a)} | {mb:,.0f} | {ma:,.0f} | {ma / mb:.2f} | "
          f"{statistics.median(x[1] for x in b):,.0f} → {statistics.median(x[1] for x in a):,.0f} |")
PY
