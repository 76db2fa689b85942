#!/usr/bin/env python3
"""Scale benchmark (issue 15): load N items of a given DynamoDB size, with 0 or 2 GSIs, through
BatchWriteItem into `dynolab serve --data-dir`, then measure what a user of a large data set
sees. Standard library only; GetItem throughput with wrk (scripts/bench_scale.lua).

  scripts/bench_scale.py --items 1000000 --size 200 --gsis 0 [--bin target/release/dynolab]

Prints one JSON line (BENCH_SCALE {...}) with: load rate (items/s), RSS after load and after
restart (MiB, and bytes per item), the items' DynamoDB size, disk size of the data directory,
restart time until a GetItem of the last item answers, full COUNT Scan time, GetItem req/s
(wrk, 16 connections, 10 s). The data directory is deleted at the end unless --keep.
"""

import argparse
import http.client
import json
import multiprocessing
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

TABLE = "scale"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(conn, op, body):
    conn.request("POST", "/", json.dumps(body), {
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": "DynamoDB_20120810." + op,
    })
    r = conn.getresponse()
    data = r.read()
    if r.status != 200:
        raise RuntimeError(f"{op}: {r.status} {data[:300]!r}")
    return json.loads(data)


def item(i, size, gsis):
    """An item whose DynamoDB size (names + values) is `size` bytes."""
    pk = f"k{i:09d}"
    it = {"pk": {"S": pk}}
    used = 2 + len(pk)
    if gsis:
        it["g1"] = {"S": f"g{i % 1000:04d}"}
        it["g2"] = {"S": f"h{(i * 7919) % 100000:06d}"}
        used += 2 + 5 + 2 + 7
    it["n"] = {"N": str(i)}
    used += 1 + (len(str(i)) + 1) // 2 + 1
    fill = max(0, size - used - 4)
    it["data"] = {"S": ("abcdefghij" * (fill // 10 + 1))[:fill]}
    return it


def load_worker(args):
    port, start, end, size, gsis = args
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    i = start
    while i < end:
        batch = [{"PutRequest": {"Item": item(j, size, gsis)}} for j in range(i, min(i + 25, end))]
        pending = {TABLE: batch}
        while pending:
            out = call(conn, "BatchWriteItem", {"RequestItems": pending})
            pending = out.get("UnprocessedItems") or {}
            if pending:
                time.sleep(0.01)
        i += 25
    return end - start


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def du(path):
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(root, f)).st_size
            except OSError:
                pass
    return total


def start(binary, data_dir, port):
    return subprocess.Popen(
        [binary, "serve", "--data-dir", data_dir, "--capacity", "off", "--host", "127.0.0.1",
         "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_get(port, key, deadline_s=600):
    """Seconds until a GetItem of `key` answers with the item."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < deadline_s:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            out = call(conn, "GetItem", {"TableName": TABLE, "Key": {"pk": {"S": key}}})
            if "Item" in out:
                return time.monotonic() - t0
        except (OSError, RuntimeError, http.client.HTTPException):
            pass
        time.sleep(0.005)
    raise RuntimeError("the server never answered")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=100_000)
    ap.add_argument("--size", type=int, default=200, help="DynamoDB size of each item, bytes")
    ap.add_argument("--gsis", type=int, choices=[0, 2], default=0)
    ap.add_argument("--bin", default="target/release/dynolab")
    ap.add_argument("--dir", default=None, help="parent of the data directory (default: $TMPDIR)")
    ap.add_argument("--loaders", type=int, default=4)
    ap.add_argument("--get-secs", type=int, default=10)
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()

    data_dir = tempfile.mkdtemp(prefix="dynolab-scale-", dir=a.dir)
    port = free_port()
    srv = start(a.bin, data_dir, port)
    try:
        wait_up = time.monotonic()
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                call(conn, "ListTables", {})
                break
            except (OSError, RuntimeError, http.client.HTTPException):
                if srv.poll() is not None or time.monotonic() - wait_up > 30:
                    raise RuntimeError("the server did not start")
                time.sleep(0.02)
        create = {
            "TableName": TABLE, "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        }
        if a.gsis:
            create["AttributeDefinitions"] += [
                {"AttributeName": "g1", "AttributeType": "S"},
                {"AttributeName": "g2", "AttributeType": "S"}]
            create["GlobalSecondaryIndexes"] = [
                {"IndexName": "gsi_" + g, "KeySchema": [{"AttributeName": g, "KeyType": "HASH"}],
                 "Projection": {"ProjectionType": "ALL"}} for g in ("g1", "g2")]
        call(conn, "CreateTable", create)
        chunks = []
        step = -(-a.items // (a.loaders * 8))
        step = -(-step // 25) * 25
        for s in range(0, a.items, step):
            chunks.append((port, s, min(s + step, a.items), a.size, a.gsis))
        t0 = time.monotonic()
        with multiprocessing.Pool(a.loaders) as pool:
            loaded = sum(pool.map(load_worker, chunks))
        load_s = time.monotonic() - t0
        conn.close()  # idle through the load: the server may have closed it
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        desc = call(conn, "DescribeTable", {"TableName": TABLE})["Table"]
        item_bytes = desc["TableSizeBytes"]
        assert desc["ItemCount"] == a.items, desc["ItemCount"]
        rss_load = rss_mib(srv.pid)
        conn.close()
        srv.send_signal(signal.SIGTERM)
        srv.wait(timeout=120)
        disk = du(data_dir)

        t0 = time.monotonic()
        srv = start(a.bin, data_dir, port)
        restart_s = wait_get(port, f"k{a.items - 1:09d}")
        rss_restart = rss_mib(srv.pid)

        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        t0 = time.monotonic()
        count, start_key = 0, None
        while True:
            body = {"TableName": TABLE, "Select": "COUNT"}
            if start_key:
                body["ExclusiveStartKey"] = start_key
            out = call(conn, "Scan", body)
            count += out["Count"]
            start_key = out.get("LastEvaluatedKey")
            if not start_key:
                break
        scan_s = time.monotonic() - t0
        assert count == a.items, count

        lua = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench_scale.lua")
        w = subprocess.run(
            ["wrk", "-t1", "-c16", f"-d{a.get_secs}s", "-s", lua, f"http://127.0.0.1:{port}/",
             "--", str(a.items)], capture_output=True, text=True)
        line = next((l for l in w.stdout.splitlines() if l.startswith("BENCH_JSON")), None)
        get = json.loads(line.split(" ", 1)[1]) if line else {}
        get_rps = get.get("requests", 0) / (get.get("duration_us", 1) / 1e6)
        rss_end = rss_mib(srv.pid)
        result = {
            "items": a.items, "size": a.size, "gsis": a.gsis,
            "bin": a.bin,
            "item_bytes_dynamodb": item_bytes,
            "load_items_per_s": round(loaded / load_s),
            "rss_after_load_mib": round(rss_load, 1),
            "rss_after_restart_mib": round(rss_restart, 1),
            "rss_end_mib": round(rss_end, 1),
            "rss_restart_bytes_per_item": round(rss_restart * 1048576 / a.items),
            "rss_restart_over_items": round(rss_restart * 1048576 / max(item_bytes, 1), 2),
            "disk_mb": round(disk / 1e6, 1),
            "restart_s": round(restart_s, 2),
            "count_scan_s": round(scan_s, 2),
            "getitem_req_s": round(get_rps),
            "getitem_errors": get.get("errors"),
        }
        print("BENCH_SCALE " + json.dumps(result), flush=True)
    finally:
        srv.kill()
        srv.wait()
        if not a.keep:
            shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
