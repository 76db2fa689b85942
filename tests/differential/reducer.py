"""Shrinks a diverging request to a minimal one that still diverges the same way, and prints it as
a regression case ready to paste into crates/dynolab-engine/tests/it (with the items it needs).

"The same way": still unclassified, with the same differing fields and the same outcome on each
server. Each trial starts from the same items: both servers' tables are put back to the snapshot
taken before the original request, itself shrunk (items dropped) once the request is minimal.
"""

import copy
import json
import time

from generator import CONTROL_OPS
from schema import SCRATCH_TABLES, TABLE


def signature(dl, dd, diffs):
    return (tuple(sorted({d.field for d in diffs})), dl.outcome, dd.outcome)


def paths(obj, path=()):
    """Every path into a JSON value, deepest last."""
    out = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.append(path + (k,))
            out.extend(paths(v, path + (k,)))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out.append(path + (i,))
            out.extend(paths(v, path + (i,)))
    return out


def get(obj, path):
    for p in path:
        obj = obj[p]
    return obj


def string_candidates(s):
    """Shorter variants of a string: expression clauses, conjuncts, list items dropped; NOT and
    parentheses removed; then plain truncation."""
    out = []
    for sep in (" AND ", " OR ", ", ", ","):
        parts = s.split(sep)
        if len(parts) > 1:
            for i in range(len(parts)):
                out.append(sep.join(parts[:i] + parts[i + 1:]))
    for kw in (" SET ", " REMOVE ", " ADD ", " DELETE "):
        i = s.find(kw)
        if i > 0:
            out.extend([s[:i], s[i + 1:]])
    for token in ("NOT ", "(", ")"):
        if token in s:
            out.append(s.replace(token, "", 1))
    if s.startswith("(") and s.endswith(")"):
        out.append(s[1:-1])
    if len(s) > 8:
        out.extend([s[: len(s) // 2], s[len(s) // 2:]])
    elif len(s) > 1:
        out.append(s[:1])
    seen, uniq = set(), []
    for c in out:
        c = c.strip()
        if c != s and c not in seen:
            seen.add(c)
            uniq.append(c)
    return uniq


def candidates(body):
    """Smaller bodies: a member or element removed, a list halved, a string shortened."""
    for p in paths(body):
        parent = get(body, p[:-1])
        value = parent[p[-1]]
        b = copy.deepcopy(body)
        par = get(b, p[:-1])
        if isinstance(par, dict):
            del par[p[-1]]
        else:
            par.pop(p[-1])
        yield b
        if isinstance(value, list) and len(value) > 2:
            b = copy.deepcopy(body)
            get(b, p[:-1])[p[-1]] = value[: len(value) // 2]
            yield b
        if isinstance(value, str) and len(value) > 1:
            for s in string_candidates(value):
                b = copy.deepcopy(body)
                get(b, p[:-1])[p[-1]] = s
                yield b
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value not in (0, 1):
            b = copy.deepcopy(body)
            get(b, p[:-1])[p[-1]] = 1
            yield b


class Reducer:
    def __init__(self, harness, budget_seconds=30):
        self.h, self.budget = harness, budget_seconds

    def reduce(self, outcome, pre_state):
        h, req = self.h, outcome.req
        want = signature(outcome.dl, outcome.dd, outcome.diffs)
        control = req.op in CONTROL_OPS
        tables = sorted(t for t in TABLE if t in json.dumps(req.body)) if not control else []
        after = {t: dict(h.state[t]) for t in tables}
        snapshot = {t: dict(pre_state.get(t, {})) for t in tables}
        deadline = time.monotonic() + self.budget
        trials = 0

        def same(body, snap):
            nonlocal trials
            trials += 1
            if control:
                for s in SCRATCH_TABLES:
                    h.drop_scratch(s)
            else:
                h.restore(tables, snap)
            r = req.copy(body)
            h.pre = snap
            dl, dd, diffs, _ = h.run_one(r)
            if not diffs or h.classify(r, dl, dd, diffs) is not None:
                return None
            return (dl, dd, diffs) if signature(dl, dd, diffs) == want else None

        body = req.body
        final = same(body, snapshot)
        if final is None:
            # Not reproducible from the snapshot alone (it depended on something else): report
            # the original request as it was.
            final = (outcome.dl, outcome.dd, outcome.diffs)
        else:
            progress = True
            while progress and time.monotonic() < deadline:
                progress = False
                for cand in candidates(body):
                    if time.monotonic() > deadline:
                        break
                    got = same(cand, snapshot)
                    if got is not None:
                        body, final, progress = cand, got, True
                        break
            # Then the items: drop each one the divergence does not need.
            for t in tables:
                for k in list(snapshot[t]):
                    if time.monotonic() > deadline:
                        break
                    smaller = dict(snapshot)
                    smaller[t] = {kk: v for kk, v in snapshot[t].items() if kk != k}
                    got = same(body, smaller)
                    if got is not None:
                        snapshot, final = smaller, got
        # Put both servers back where the run left them.
        if control:
            for s in SCRATCH_TABLES:
                h.drop_scratch(s)
        else:
            h.restore(tables, after)
            for t in tables:
                h.state[t] = after[t]
        dl, dd, diffs = final
        return Case(req.op, body, {t: list(v.values()) for t, v in snapshot.items() if v}, dl, dd, diffs, trials,
                    req.damage)


def rust_string(s):
    return json.dumps(s, ensure_ascii=False)


class Case:
    """A minimal reproducer."""

    def __init__(self, op, body, items, dl, dd, diffs, trials, damage):
        self.op, self.body, self.items = op, body, items
        self.dl, self.dd, self.diffs, self.trials, self.damage = dl, dd, diffs, trials, damage

    def as_json(self):
        return {
            "operation": self.op,
            "request": self.body,
            "items": self.items,
            "dynolab": {"status": self.dl.status, "type": self.dl.type, "message": self.dl.message,
                        "body": self.dl.body if self.dl.ok else None, "dropped": self.dl.dropped},
            "dynamodb_local": {"status": self.dd.status, "type": self.dd.type, "message": self.dd.message,
                               "body": self.dd.body if self.dd.ok else None},
            "differences": [list(d) for d in self.diffs],
        }

    def rust_test(self, name):
        """The case as a test for crates/dynolab-engine/tests/it (support::{engine, ok, err, call})."""
        lines = [
            f"/// Found by tests/differential. DynamoDB Local 1.25.1 answers {self.dd.short()[:300]!s}.",
            "/// Source for DynamoDB's answer: TODO (AWS docs, or a suite verified against DynamoDB).",
            "#[test]",
            f"fn {name}() {{",
            "    let e = engine();",
        ]
        for t in sorted({t for t in TABLE if t in json.dumps(self.body)}):
            lines.append(f"    ok(&e, \"CreateTable\", json!({json.dumps(TABLE[t].create_request())}));")
        for t, items in self.items.items():
            for it in items:
                lines.append(f"    ok(&e, \"PutItem\", json!({json.dumps({'TableName': t, 'Item': it})}));")
        req = json.dumps(self.body, ensure_ascii=False)
        if self.dd.ok:
            lines.append(f"    let got = ok(&e, {rust_string(self.op)}, json!({req}));")
            shown = {k: v for k, v in (self.dd.body or {}).items() if k not in ("ConsumedCapacity",)}
            for k, v in shown.items():
                lines.append(f"    assert_eq!(got[{rust_string(k)}], json!({json.dumps(v, ensure_ascii=False)}));")
        else:
            lines.append(f"    assert_eq!(err(&e, {rust_string(self.op)}, json!({req})), {rust_string(self.dd.message or '')});")
        lines.append("}")
        return "\n".join(lines)

    def render(self, title):
        out = [f"--- {title}: {self.op} (reduced in {self.trials} trials; damage: {self.damage or 'none'})"]
        for d in self.diffs:
            out.append(f"    differs in {d.field}: dynolab {str(d.dynolab)[:300]} / DynamoDB Local {str(d.ddblocal)[:300]}")
        out.append(f"    dynolab:        {self.dl.short()[:400]}")
        out.append(f"    DynamoDB Local: {self.dd.short()[:400]}")
        if self.items:
            out.append(f"    items: {json.dumps(self.items, ensure_ascii=False)[:1500]}")
        out.append(f"    request: {json.dumps(self.body, ensure_ascii=False)}")
        out.append("    as a regression test:")
        out.extend("    " + line for line in self.rust_test("differential_case").splitlines())
        return "\n".join(out)
