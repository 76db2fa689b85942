#!/usr/bin/env python3
"""What the capacity model costs per request: `dynolab serve --capacity on` against `--capacity off`,
side by side in one run, with peer-bench's load generator and workloads (../shared/peer-bench).

Both servers run in memory at once; rounds alternate between them so machine noise hits both.
With the model on, limits are raised so that every admission check still runs but nothing is
throttled (a fresh on-demand table would otherwise throttle this load, as DynamoDB would).

    cargo build --release
    python3 scripts/bench_capacity.py [--rounds 3] [--duration 8]
"""

import argparse
import os
import pathlib
import statistics
import subprocess
import sys
import types

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT.parent / "shared" / "peer-bench"))
import bench  # noqa: E402  (peer-bench's driver: table, preload and wrk helpers)

BINARY = str(ROOT / "target" / "release" / "dynolab")
RAISED = ["--partition-read-units", "1000000000", "--partition-write-units", "1000000000",
          "--on-demand-initial-read-units", "1000000000", "--on-demand-initial-write-units", "1000000000",
          "--table-quota-units", "1000000000000"]
MODES = {"off": ["--capacity", "off"], "on": ["--capacity", "on", *RAISED]}
WORKLOADS = ["get", "put", "query", "mix"]


def start(mode, port):
    proc = subprocess.Popen([BINARY, "serve", "--in-memory", "--host", "127.0.0.1", "--port", str(port), *MODES[mode]],
                            stdout=subprocess.PIPE, text=True)
    proc.stdout.readline()
    return types.SimpleNamespace(name=f"dynolab --capacity {mode}", port=port, pid=proc.pid, proc=proc)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=int, default=8)
    a = ap.parse_args()
    servers = {"off": start("off", 8301), "on": start("on", 8302)}
    try:
        for s in servers.values():
            bench.create_table(s.port)
            bench.preload(s.port, 1000, 10)
        results = {(m, w): [] for m in MODES for w in WORKLOADS}
        for r in range(a.rounds):
            for w in WORKLOADS:
                order = ["off", "on"] if r % 2 == 0 else ["on", "off"]
                for m in order:
                    bench.wait_quiet(servers[m].pid, f"{m} {w}")
                    res = bench.run_wrk(servers[m], w, a.duration, 16, 1000, 10)
                    assert res["error_rate"] == 0 and res["badbody"] == 0, (m, w, res.get("firsterr"))
                    results[(m, w)].append(res["rps"] if "rps" in res else res["requests"] / a.duration)
                    print(f"round {r} {w:5} capacity {m:3}: {results[(m, w)][-1]:,.0f} req/s", flush=True)
        print("\n| workload | --capacity off req/s (median) | --capacity on req/s (median) | on / off |")
        print("|---|---:|---:|---:|")
        for w in WORKLOADS:
            off, on = statistics.median(results[("off", w)]), statistics.median(results[("on", w)])
            print(f"| {w} | {off:,.0f} | {on:,.0f} | {on / off:.3f} |")
    finally:
        for s in servers.values():
            s.proc.kill()


if __name__ == "__main__":
    main()
