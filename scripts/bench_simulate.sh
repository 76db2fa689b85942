#!/usr/bin/env bash
# Times `dynolab simulate` on the orders example: 30 days (3 runs) and 365 days (1 run), with
# wall time, CPU time and peak memory from GNU time. Build first: cargo build --release.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/release/dynolab
args=(simulate --design examples/orders/before.tf --workload examples/orders/workload.toml --quiet)
for days in 30 30 30 365; do
  /usr/bin/time -f "days=$days wall_s=%e cpu_user_s=%U max_rss_kib=%M" "$bin" "${args[@]}" --days "$days" > /dev/null
done
