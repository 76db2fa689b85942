"""The comparison loop: one generated request to both servers, the answers compared, a divergent
write's items resynchronised, every divergence classified (known_deviations.py)."""

import json
import time

import known_deviations
from compare import Diff, Read, canon_item, compare, norm_table, show, state_key
from generator import CONTROL_OPS, Generator
from schema import SCRATCH_TABLES, TABLE, TABLES
from wire import Client

ARN_MARK = "@@ARN:"


class Outcome:
    """One compared request."""

    __slots__ = ("n", "req", "dl", "dd", "diffs", "klass", "stored")

    def __init__(self, n, req, dl, dd, diffs, klass, stored=None):
        self.n, self.req, self.dl, self.dd, self.diffs, self.klass, self.stored = n, req, dl, dd, diffs, klass, stored


class Stats:
    def __init__(self):
        self.requests = 0
        self.agree = 0
        self.known = {}
        self.gaps = {}
        self.unclassified = 0
        self.dl_5xx = 0
        self.dd_5xx = 0
        self.dl_dropped = 0
        self.dd_dropped = 0
        self.by_op = {}
        self.damaged = 0
        self.seconds = 0.0

    def add(self, other):
        for k, v in vars(other).items():
            if isinstance(v, dict):
                mine = getattr(self, k)
                for kk, vv in v.items():
                    if isinstance(vv, list):
                        mine.setdefault(kk, [0, 0])
                        mine[kk][0] += vv[0]
                        mine[kk][1] += vv[1]
                    else:
                        mine[kk] = mine.get(kk, 0) + vv
            else:
                setattr(self, k, getattr(self, k) + v)

    @property
    def divergences(self):
        return self.requests - self.agree


class Harness:
    def __init__(self, dl_port, dd_port, log=None):
        self.dl = Client("dynolab", dl_port)
        self.dd = Client("ddblocal", dd_port)
        self.log = log or (lambda *a: None)
        self.arn_prefix = {}
        self.state = {}  # table -> {key: item}: both servers' items, as last synchronised
        self.pre = {}  # self.state as it was before the request being compared

    # ---- transport ----------------------------------------------------------------------------

    def _body_for(self, client, body):
        if not isinstance(body, dict):
            return body
        text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
        if ARN_MARK in text:
            prefix = self.arn_prefix[client.name]
            while ARN_MARK in text:
                i = text.index(ARN_MARK)
                j = text.index("@@", i + len(ARN_MARK))
                text = text[:i] + prefix + text[i + len(ARN_MARK):j] + text[j + 2:]
        return text

    def send(self, op, body):
        return self.dl.call(op, self._body_for(self.dl, body)), self.dd.call(op, self._body_for(self.dd, body))

    def both(self, op, body, must=True):
        dl, dd = self.send(op, body)
        if must and not (dl.ok and dd.ok):
            raise RuntimeError(f"setup {op} failed: dynolab {dl.short()} / DynamoDB Local {dd.short()}")
        return dl, dd

    # ---- tables -------------------------------------------------------------------------------

    def list_tables(self, client):
        names, start = [], None
        while True:
            body = {"Limit": 100}
            if start:
                body["ExclusiveStartTableName"] = start
            a = client.call("ListTables", body)
            if not a.ok:
                raise RuntimeError(f"ListTables on {client.name}: {a.short()}")
            names += a.body.get("TableNames", [])
            start = a.body.get("LastEvaluatedTableName")
            if not start:
                return names

    def reset(self):
        """Deletes every table on both servers, then creates the fixed ones."""
        for c in (self.dl, self.dd):
            for name in self.list_tables(c):
                c.call("DeleteTable", {"TableName": name})
        for t in TABLES:
            self.both("CreateTable", t.create_request())
            self.state[t.name] = {}
        for c in (self.dl, self.dd):
            a = c.call("DescribeTable", {"TableName": TABLES[0].name})
            self.arn_prefix[c.name] = a.body["Table"]["TableArn"][: -len(TABLES[0].name)]

    def scan_all(self, client, table):
        items, start = {}, None
        t = TABLE[table]
        while True:
            body = {"TableName": table, "ConsistentRead": True}
            if start:
                body["ExclusiveStartKey"] = start
            a = client.call("Scan", body)
            if not a.ok:
                raise RuntimeError(f"Scan {table} on {client.name}: {a.short()}")
            for it in a.body.get("Items", []):
                items[state_key(it, t.key_attrs)] = it
            start = a.body.get("LastEvaluatedKey")
            if not start:
                return items

    def check_state(self, tables):
        """Compares the items of `tables` on both servers; makes dynolab's equal to DynamoDB Local's
        where they differ. Returns the differences found, as text."""
        found = []
        for table in sorted(tables):
            a, b = self.scan_all(self.dl, table), self.scan_all(self.dd, table)
            t = TABLE[table]
            for k in sorted(a.keys() | b.keys(), key=repr):
                ia, ib = a.get(k), b.get(k)
                if ia is not None and ib is not None and canon_item(ia) == canon_item(ib):
                    continue
                found.append(f"{table} {show({n: v for n, v in (ib or ia).items() if n in t.key_attrs})}: "
                             f"dynolab {show(ia, 200)} / DynamoDB Local {show(ib, 200)}")
                self.resync_item(table, t, ia, ib)
            self.state[table] = self.scan_all(self.dd, table) if found else b
        return found

    def resync_item(self, table, t, ia, ib):
        if ib is None:
            self.dl.call("DeleteItem", {"TableName": table, "Key": {k: ia[k] for k in t.key_attrs}})
            return
        a = self.dl.call("PutItem", {"TableName": table, "Item": ib})
        if not a.ok:
            key = {k: ib[k] for k in t.key_attrs}
            self.dd.call("DeleteItem", {"TableName": table, "Key": key})
            self.dl.call("DeleteItem", {"TableName": table, "Key": key})

    def restore(self, tables, snapshot):
        """Puts both servers' `tables` back to `snapshot` ({table: {key: item}})."""
        for table in tables:
            t = TABLE[table]
            want = snapshot.get(table, {})
            for c in (self.dl, self.dd):
                have = self.scan_all(c, table)
                for k, it in have.items():
                    if k not in want:
                        c.call("DeleteItem", {"TableName": table, "Key": {n: it[n] for n in t.key_attrs}})
                for k, it in want.items():
                    if k not in have or canon_item(have[k]) != canon_item(it):
                        c.call("PutItem", {"TableName": table, "Item": it})

    def settle(self, name, seconds=5):
        """Waits until DynamoDB Local's table and its indexes are ACTIVE (it keeps a new index
        CREATING for about half a second; dynolab's is ACTIVE at once by default)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            a = self.dd.call("DescribeTable", {"TableName": name})
            t = (a.body or {}).get("Table") if a.ok else None
            if t is None or (t.get("TableStatus") == "ACTIVE" and all(
                    g.get("IndexStatus") == "ACTIVE" for g in t.get("GlobalSecondaryIndexes") or [])):
                return
            time.sleep(0.05)

    def live_scratch(self):
        """The scratch tables that exist on either server."""
        return {n for c in (self.dl, self.dd) for n in self.list_tables(c) if n not in TABLE}

    def drop_scratch(self, name):
        for c in (self.dl, self.dd):
            c.call("DeleteTable", {"TableName": name})

    # ---- one request --------------------------------------------------------------------------

    def run_one(self, req, gen=None):
        """Sends `req` to both servers and compares; returns (dl, dd, diffs, stored-state diffs)."""
        dl, dd = self.send(req.op, req.body)
        if gen is not None:
            gen.remember_answer(req, dd)
        read = req.read
        if req.op == "ExecuteStatement" and req.damage and read is not None and read.ordered:
            # A damaged statement may no longer pin its partition (a Scan has no defined order).
            read = Read(False, read.key_attrs, read.filtered, read.paged_request)
        diffs = compare(req.op, req.body if isinstance(req.body, dict) else {}, read, dl, dd)
        stored = []
        if req.write and (dl.ok or dd.ok or dl.dropped or dd.dropped) and req.tables:
            stored = self.check_state(req.tables & TABLE.keys())
            if stored and not diffs:
                diffs = [Diff("stored items", stored[0], "")]
        if req.op in ("CreateTable", "UpdateTable") and dd.ok:
            self.settle(req.body.get("TableName"))
        if req.op in CONTROL_OPS and diffs:
            name = req.body.get("TableName") if isinstance(req.body, dict) else None
            for s in SCRATCH_TABLES:
                if name == s or (isinstance(req.body, dict) and s in json.dumps(req.body)):
                    self.drop_scratch(s)
                    if gen is not None:
                        gen.scratch.pop(s, None)
        return dl, dd, diffs, stored

    def classify(self, req, dl, dd, diffs):
        return known_deviations.classify(req, dl, dd, diffs, self)

    def run(self, seed, count, on_divergence=None, deadline=None):
        gen = Generator(seed)
        stats = Stats()
        started = time.monotonic()
        for i in range(count):
            if deadline is not None and time.monotonic() > deadline:
                self.log(f"seed {seed}: stopped at the deadline after {i} requests")
                break
            req = gen.next()
            pre = {t: dict(self.state[t]) for t in self.state}
            self.pre = pre
            dl, dd, diffs, stored = self.run_one(req, gen)
            stats.requests += 1
            stats.damaged += bool(req.damage)
            per_op = stats.by_op.setdefault(req.op, [0, 0])
            per_op[0] += 1
            if dl.dropped:
                stats.dl_dropped += 1
            if dd.dropped:
                stats.dd_dropped += 1
            if dl.status and dl.status >= 500:
                stats.dl_5xx += 1
            if dd.status and dd.status >= 500:
                stats.dd_5xx += 1
            if not diffs:
                stats.agree += 1
                continue
            per_op[1] += 1
            klass = self.classify(req, dl, dd, diffs)
            if klass is None:
                stats.unclassified += 1
            elif klass.startswith("gap:"):
                stats.gaps[klass[4:]] = stats.gaps.get(klass[4:], 0) + 1
            else:
                for part in klass.split("+"):
                    stats.known[part] = stats.known.get(part, 0) + 1
            if on_divergence is not None:
                on_divergence(Outcome(gen.n, req, dl, dd, diffs, klass, stored), pre)
        stats.seconds += time.monotonic() - started
        return stats
