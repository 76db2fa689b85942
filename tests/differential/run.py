#!/usr/bin/env python3
"""Differential testing of dynolab against DynamoDB Local (issue 20).

    python tests/differential/run.py --ci                          # the fixed-seed CI run
    python tests/differential/run.py --seeds 1-20 --requests 5000  # a soak
    python tests/differential/run.py --seed 7 --requests 2000 --verbose

Starts `dynolab serve --in-memory --capacity off` (DYNOLAB_BIN or target/debug/dynolab) and DynamoDB
Local (installed into .cache/ddblocal on first use, see servers.py), sends both the same seeded
random requests, and sorts every divergence into "DynamoDB Local differs (known: <id>)"
(known_deviations.DEVIATIONS), "dynolab gap under repair" (known_deviations.GAPS) or "dynolab
differs" (unclassified: each one is shrunk by the reducer and printed as a regression test).
Exit status 1 when an unclassified divergence, a dynolab 5xx or a dropped connection was seen.
"""

import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import known_deviations  # noqa: E402
import servers  # noqa: E402
from harness import Harness, Stats  # noqa: E402
from reducer import Reducer, signature  # noqa: E402

CI_SEED = 20
CI_REQUESTS = 4000
CI_TIME_LIMIT = 75  # seconds of requests, whatever the machine's load


def parse_seeds(text):
    seeds = []
    for part in text.split(","):
        if "-" in part:
            a, b = part.split("-")
            seeds.extend(range(int(a), int(b) + 1))
        else:
            seeds.append(int(part))
    return seeds


def table(rows, headers):
    widths = [max(len(str(r[i])) for r in rows + [headers]) for i in range(len(headers))]
    line = "  ".join(str(h).rjust(w) for h, w in zip(headers, widths))
    out = [line, "  ".join("-" * w for w in widths)]
    for r in rows:
        out.append("  ".join(str(c).rjust(w) for c, w in zip(r, widths)))
    return "\n".join(out)


def summary(per_seed, total):
    headers = ["seed", "requests", "agree", "agree %", "known", "gaps", "unclassified", "dynolab 5xx",
               "dropped", "DDB Local 5xx", "seconds"]

    def row(name, s):
        return [name, s.requests, s.agree, f"{100 * s.agree / max(s.requests, 1):.2f}", sum(s.known.values()),
                sum(s.gaps.values()), s.unclassified, s.dl_5xx, s.dl_dropped + s.dd_dropped, s.dd_5xx, f"{s.seconds:.1f}"]

    rows = [row(seed, s) for seed, s in per_seed]
    if len(per_seed) > 1:
        rows.append(row("total", total))
    out = [table(rows, headers)]
    if total.known:
        out.append("")
        out.append(table([[k, v, known_deviations.BY_ID[k].title] for k, v in sorted(total.known.items(), key=lambda x: -x[1])],
                         ["DynamoDB Local differs (known)", "count", "what"]))
    if total.gaps:
        out.append("")
        out.append(table([[k, v, known_deviations.BY_ID[k].title] for k, v in sorted(total.gaps.items(), key=lambda x: -x[1])],
                         ["dynolab gap under repair", "count", "what"]))
    out.append("")
    out.append(table([[op, n, d] for op, (n, d) in sorted(total.by_op.items())], ["operation", "requests", "divergent"]))
    out.append(f"\n{total.damaged} of {total.requests} requests were damaged on purpose.")
    return "\n".join(out)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ci", action="store_true", help=f"the CI run: seed {CI_SEED}, {CI_REQUESTS} requests, at most {CI_TIME_LIMIT}s of requests")
    p.add_argument("--seed", type=int, help="one seed")
    p.add_argument("--seeds", help="seeds: 1-20 or 3,5,8")
    p.add_argument("--requests", type=int, default=5000, help="requests per seed (default 5000)")
    p.add_argument("--time-limit", type=float, help="stop each seed after this many seconds")
    p.add_argument("--reduce", type=int, default=10, help="reduce at most this many unclassified divergences (0: none)")
    p.add_argument("--reduce-seconds", type=float, default=20, help="time budget of one reduction")
    p.add_argument("--verbose", action="store_true", help="print every divergence, known ones too")
    p.add_argument("--dynolab", help="dynolab binary (default: DYNOLAB_BIN or target/debug/dynolab)")
    p.add_argument("--dynolab-port", type=int, help="use a dynolab already listening on this loopback port")
    p.add_argument("--ddblocal-port", type=int, help="use a DynamoDB Local already listening on this loopback port")
    p.add_argument("--ddblocal-dir", help="where DynamoDB Local is installed (default .cache/ddblocal)")
    p.add_argument("--json", help="write the figures to this file")
    args = p.parse_args(argv)

    if args.ci:
        seeds, count, limit = [CI_SEED], CI_REQUESTS, CI_TIME_LIMIT
    else:
        seeds = parse_seeds(args.seeds) if args.seeds else [args.seed if args.seed is not None else 1]
        count, limit = args.requests, args.time_limit

    started = time.monotonic()
    running = []
    try:
        if args.ddblocal_port:
            dd_port = args.ddblocal_port
        else:
            dd = servers.start_ddblocal(servers.ensure_ddblocal(args.ddblocal_dir))
            running.append(dd)
            dd_port = dd.port
        if args.dynolab_port:
            dl_port = args.dynolab_port
        else:
            dl = servers.start_dynolab(args.dynolab)
            running.append(dl)
            dl_port = dl.port
        print(f"dynolab on 127.0.0.1:{dl_port}, DynamoDB Local {servers.DDBLOCAL_VERSION} on 127.0.0.1:{dd_port} "
              f"(started in {time.monotonic() - started:.1f}s)", flush=True)
        h = Harness(dl_port, dd_port, log=lambda m: print(m, flush=True))
        reducer = Reducer(h, args.reduce_seconds)
        reduced, seen = [], set()
        total = Stats()
        per_seed = []
        unclassified_log = []

        def on_divergence(o, pre):
            if o.klass is None:
                unclassified_log.append(o)
                key = (o.req.op,) + signature(o.dl, o.dd, o.diffs)
                if len(reduced) < args.reduce and key not in seen:
                    seen.add(key)
                    case = reducer.reduce(o, pre)
                    reduced.append((o, case))
                    print(case.render(f"dynolab differs (seed {o_seed[0]}, request {o.n})"), flush=True)
                elif args.verbose or key not in seen:
                    print(f"dynolab differs (seed {o_seed[0]}, request {o.n}): {o.req.op} {[d.field for d in o.diffs]} "
                          f"dynolab {o.dl.short()[:200]} / DynamoDB Local {o.dd.short()[:200]}", flush=True)
            elif args.verbose:
                print(f"[{o.klass}] seed {o_seed[0]} request {o.n}: {o.req.op} {[d.field for d in o.diffs]} "
                      f"dynolab {o.dl.short()[:160]} / DynamoDB Local {o.dd.short()[:160]}", flush=True)
            if o.dl.dropped or (o.dl.status or 0) >= 500:
                print(f"dynolab {'dropped the connection' if o.dl.dropped else 'answered 5xx'} (seed {o_seed[0]}, request {o.n}): "
                      f"{o.req.op} {json.dumps(o.req.body)[:2000]}", flush=True)

        o_seed = [None]
        for seed in seeds:
            o_seed[0] = seed
            h.reset()
            deadline = time.monotonic() + limit if limit else None
            s = h.run(seed, count, on_divergence, deadline)
            per_seed.append((seed, s))
            total.add(s)
            print(f"seed {seed}: {s.requests} requests, {s.agree} agree, {sum(s.known.values())} known, "
                  f"{sum(s.gaps.values())} gaps, {s.unclassified} unclassified, {s.dl_5xx} dynolab 5xx, "
                  f"{s.dl_dropped} dropped ({s.seconds:.1f}s)", flush=True)
    finally:
        for s in running:
            s.stop()

    print()
    print(summary(per_seed, total))
    elapsed = time.monotonic() - started
    print(f"\nwall time {elapsed:.1f}s")
    failed = total.unclassified or total.dl_5xx or total.dl_dropped or total.dd_dropped
    if args.json:
        with open(args.json, "w") as f:
            json.dump({
                "seeds": seeds, "requests_per_seed": count, "wall_seconds": elapsed,
                "per_seed": [{"seed": seed, **{k: v for k, v in vars(s).items()}} for seed, s in per_seed],
                "total": vars(total),
                "reduced": [c.as_json() for _, c in reduced],
            }, f, indent=1, default=str)
    if failed:
        print(f"FAILED: {total.unclassified} unclassified divergences, {total.dl_5xx} dynolab 5xx, "
              f"{total.dl_dropped + total.dd_dropped} dropped connections")
    return (1 if failed else 0), total, reduced


if __name__ == "__main__":
    sys.exit(main()[0])
