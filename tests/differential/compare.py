"""What "the same answer" means.

Compared: the outcome (HTTP status class, and the error `__type` after its last '#'); on success the
returned items (set members unordered, numbers by value, binaries by their bytes), `Count`,
`ScannedCount`, `LastEvaluatedKey`, `Attributes`, batch `Responses` and unprocessed requests,
`ConsumedCapacity` (each `CapacityUnits`, and read/write units where both servers give them), the
table, TTL and tag descriptions of the control plane (the parts both servers define the same way:
not ARNs, ids, times or item counts); on a cancelled transaction the reason codes. Not compared:
error messages, `ItemCollectionMetrics` size estimates, PartiQL `NextToken` values (opaque), and the
order of items where DynamoDB does not define one (see `Read`).
"""

import base64
import json
from decimal import Decimal, InvalidOperation


def canon_number(s):
    try:
        d = Decimal(s)
    except (InvalidOperation, TypeError, ValueError):
        return ("?", repr(s))
    if d.is_nan() or d.is_infinite():
        return ("?", repr(s))
    return "0" if d == 0 else str(d.normalize())


def canon_binary(s):
    try:
        return base64.b64decode(s, validate=False)
    except (ValueError, TypeError):
        return ("?", repr(s))


def canon(av):
    """A hashable canonical form of an AttributeValue (or of anything unexpected)."""
    if not isinstance(av, dict) or len(av) != 1:
        return ("raw", json.dumps(av, sort_keys=True))
    (t, v), = av.items()
    try:
        if t == "S":
            return ("S", v)
        if t == "N":
            return ("N", canon_number(v))
        if t == "B":
            return ("B", canon_binary(v))
        if t == "SS":
            return ("SS", frozenset(v))
        if t == "NS":
            return ("NS", frozenset(canon_number(x) for x in v))
        if t == "BS":
            return ("BS", frozenset(canon_binary(x) for x in v))
        if t == "L":
            return ("L", tuple(canon(x) for x in v))
        if t == "M":
            return ("M", canon_item(v))
        if t in ("BOOL", "NULL"):
            return (t, v)
    except TypeError:
        pass
    return ("raw", json.dumps(av, sort_keys=True))


def canon_item(item):
    if not isinstance(item, dict):
        return ("raw", json.dumps(item, sort_keys=True))
    return frozenset((k, canon(v)) for k, v in item.items())


def multiset(items):
    out = {}
    for it in items or []:
        c = canon_item(it)
        out[c] = out.get(c, 0) + 1
    return out


class Read:
    """How a read's items can be compared. `ordered`: the order is DynamoDB's (a table Query, a
    PartiQL SELECT that is one Query of a table). Otherwise DynamoDB defines no order (Scan order,
    ties of an index key): items are compared as a multiset when the read is complete on both
    sides (no ExclusiveStartKey given, no LastEvaluatedKey returned), and otherwise only counts
    that do not depend on the order, whether a LastEvaluatedKey was returned, and the index key
    attributes of it (`key_attrs`: the index's own key, whose order is defined)."""

    def __init__(self, ordered, key_attrs=(), filtered=False, paged_request=False):
        self.ordered, self.key_attrs = ordered, tuple(key_attrs)
        self.filtered, self.paged_request = filtered, paged_request


def norm_cc_entry(e):
    if not isinstance(e, dict):
        return {"raw": json.dumps(e, sort_keys=True)}
    out = {"CapacityUnits": e.get("CapacityUnits"), "_rw": {}}
    for k in ("ReadCapacityUnits", "WriteCapacityUnits"):
        if k in e:
            out["_rw"][k] = e[k]
    for part in ("Table",):
        if part in e:
            out[part] = norm_cc_entry(e[part])
    for part in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if part in e and isinstance(e[part], dict):
            out[part] = {k: norm_cc_entry(v) for k, v in e[part].items()}
    return out


def cc_equal(a, b):
    if a.keys() != b.keys():
        return False
    for k in a:
        if k == "_rw":
            common = a[k].keys() & b[k].keys()
            if any(float(a[k][c]) != float(b[k][c]) for c in common):
                return False
        elif k == "CapacityUnits":
            if a[k] is None or b[k] is None:
                if a[k] != b[k]:
                    return False
            elif float(a[k]) != float(b[k]):
                return False
        elif isinstance(a[k], dict) and "CapacityUnits" in a[k]:
            if not cc_equal(a[k], b[k]):
                return False
        elif isinstance(a[k], dict):
            if a[k].keys() != b[k].keys() or any(not cc_equal(a[k][i], b[k][i]) for i in a[k]):
                return False
        elif a[k] != b[k]:
            return False
    return True


def norm_cc(cc):
    """ConsumedCapacity (one object or a list of them) as {TableName: entry}."""
    if cc is None:
        return None
    entries = cc if isinstance(cc, list) else [cc]
    out = {}
    for e in entries:
        name = e.get("TableName") if isinstance(e, dict) else None
        out[name] = norm_cc_entry(e)
    return out


def cc_differs(a, b):
    na, nb = norm_cc(a), norm_cc(b)
    if (na is None) != (nb is None):
        return True
    if na is None:
        return False
    if na.keys() != nb.keys():
        return True
    return any(not cc_equal(na[k], nb[k]) for k in na)


def norm_key_schema(ks):
    return [(k.get("AttributeName"), k.get("KeyType")) for k in ks or []]


def norm_projection(p):
    p = p or {}
    return (p.get("ProjectionType"), tuple(sorted(p.get("NonKeyAttributes") or [])))


def norm_pt(pt):
    pt = pt or {}
    return (pt.get("ReadCapacityUnits"), pt.get("WriteCapacityUnits"))


def norm_table(t):
    """The parts of a TableDescription both servers define the same way."""
    if not isinstance(t, dict):
        return t
    billing = (t.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED")
    out = {
        "TableName": t.get("TableName"),
        "TableStatus": t.get("TableStatus"),
        "KeySchema": norm_key_schema(t.get("KeySchema")),
        "AttributeDefinitions": sorted((a.get("AttributeName"), a.get("AttributeType")) for a in t.get("AttributeDefinitions") or []),
        "BillingMode": billing,
        "ProvisionedThroughput": norm_pt(t.get("ProvisionedThroughput")),
        "GSIs": sorted(
            (g.get("IndexName"), tuple(norm_key_schema(g.get("KeySchema"))), norm_projection(g.get("Projection")),
             norm_pt(g.get("ProvisionedThroughput")), g.get("IndexStatus"))
            for g in t.get("GlobalSecondaryIndexes") or []),
        "LSIs": sorted(
            (g.get("IndexName"), tuple(norm_key_schema(g.get("KeySchema"))), norm_projection(g.get("Projection")))
            for g in t.get("LocalSecondaryIndexes") or []),
        "DeletionProtectionEnabled": t.get("DeletionProtectionEnabled", False),
        "TableClass": (t.get("TableClassSummary") or {}).get("TableClass", "STANDARD"),
    }
    ss = t.get("StreamSpecification")
    if ss:
        out["Stream"] = (ss.get("StreamEnabled"), ss.get("StreamViewType"))
    return out


def norm_updated_table(t):
    """UpdateTable's answer: statuses left out (dynolab's transitions are instant by default), and
    the indexes and attribute definitions too (an index being created or deleted shows differently
    while in transition). The DescribeTable that follows compares the settled state."""
    n = norm_table(t)
    if isinstance(n, dict):
        n = dict(n, GSIs=None, AttributeDefinitions=None, TableStatus=None)
    return n


def show(v, limit=400):
    s = json.dumps(v, sort_keys=True, default=str, ensure_ascii=False) if not isinstance(v, str) else v
    return s if len(s) <= limit else s[:limit] + "..."


class Diff(tuple):
    """(field, what dynolab said, what DynamoDB Local said)."""

    def __new__(cls, field, dl, dd):
        return super().__new__(cls, (field, dl, dd))

    field = property(lambda s: s[0])
    dynolab = property(lambda s: s[1])
    ddblocal = property(lambda s: s[2])


def compare(op, req, read, dl, dd):
    """The differences between dynolab's answer `dl` and DynamoDB Local's `dd` to request `req`
    (a dict) of operation `op`; `read` is a `Read` for Query/Scan/ExecuteStatement SELECTs."""
    if dl.outcome != dd.outcome:
        return [Diff("outcome", dl.outcome, dd.outcome)]
    if dl.dropped:
        return []
    if read is not None and not read.ordered and ("ExclusiveStartKey" in req or "Segment" in req):
        # A start key or a segment the damage added after generation: which items follow it
        # depends on an order DynamoDB does not define.
        read = Read(False, read.key_attrs, read.filtered, paged_request=True)
    a, b = dl.body if isinstance(dl.body, dict) else {}, dd.body if isinstance(dd.body, dict) else {}
    diffs = []
    if not dl.ok:
        if dl.type == "TransactionCanceledException":
            ra = [r.get("Code") for r in a.get("CancellationReasons") or []]
            rb = [r.get("Code") for r in b.get("CancellationReasons") or []]
            if ra != rb:
                diffs.append(Diff("CancellationReasons", ra, rb))
            ia = [canon_item(r.get("Item")) for r in a.get("CancellationReasons") or [] if "Item" in r]
            ib = [canon_item(r.get("Item")) for r in b.get("CancellationReasons") or [] if "Item" in r]
            if ra == rb and ia != ib:
                diffs.append(Diff("CancellationReasons.Item", show(a.get("CancellationReasons")), show(b.get("CancellationReasons"))))
        elif dl.type == "ConditionalCheckFailedException":
            if canon_item(a.get("Item")) != canon_item(b.get("Item")) and ("Item" in a or "Item" in b):
                diffs.append(Diff("Item", show(a.get("Item")), show(b.get("Item"))))
        return diffs

    def field(name, fa, fb, norm=lambda x: x):
        if norm(fa) != norm(fb):
            diffs.append(Diff(name, show(fa), show(fb)))

    if ("ConsumedCapacity" in a or "ConsumedCapacity" in b) and not order_dependent(op, read, a, b):
        if cc_differs(a.get("ConsumedCapacity"), b.get("ConsumedCapacity")):
            diffs.append(Diff("ConsumedCapacity", show(a.get("ConsumedCapacity")), show(b.get("ConsumedCapacity"))))

    if op == "GetItem":
        field("Item", a.get("Item"), b.get("Item"), lambda x: None if x is None else canon_item(x))
    elif op in ("PutItem", "UpdateItem", "DeleteItem"):
        field("Attributes", a.get("Attributes"), b.get("Attributes"), lambda x: None if x is None else canon_item(x))
        ka = (a.get("ItemCollectionMetrics") or {}).get("ItemCollectionKey")
        kb = (b.get("ItemCollectionMetrics") or {}).get("ItemCollectionKey")
        field("ItemCollectionMetrics.ItemCollectionKey", ka, kb, lambda x: None if x is None else canon_item(x))
    elif op in ("Query", "Scan") or (op == "ExecuteStatement" and read is not None):
        diffs.extend(compare_read(op, read or Read(True), a, b))
    elif op == "ExecuteStatement":
        field("Items", a.get("Items"), b.get("Items"), lambda x: None if x is None else [canon_item(i) for i in x])
    elif op == "BatchGetItem":
        ra, rb = a.get("Responses") or {}, b.get("Responses") or {}
        field("Responses", ra, rb, lambda r: {t: multiset(v) for t, v in r.items()})
        field("UnprocessedKeys", bool(a.get("UnprocessedKeys")), bool(b.get("UnprocessedKeys")))
    elif op == "BatchWriteItem":
        field("UnprocessedItems", bool(a.get("UnprocessedItems")), bool(b.get("UnprocessedItems")))
    elif op == "TransactGetItems":
        field("Responses", a.get("Responses"), b.get("Responses"),
              lambda r: None if r is None else [canon_item(x.get("Item")) if isinstance(x, dict) and "Item" in x else None for x in r])
    elif op == "UpdateTable":
        # dynolab's indexes are ACTIVE at once by default (a deliberate difference, docs/COMPAT.md);
        # DynamoDB and DynamoDB Local answer CREATING first. The rest must agree.
        field("TableDescription", a.get("TableDescription"), b.get("TableDescription"), norm_updated_table)
    elif op in ("CreateTable", "DeleteTable"):
        field("TableDescription", a.get("TableDescription"), b.get("TableDescription"), norm_table)
    elif op == "DescribeTable":
        field("Table", a.get("Table"), b.get("Table"), norm_table)
    elif op == "DescribeTimeToLive":
        field("TimeToLiveDescription", a.get("TimeToLiveDescription"), b.get("TimeToLiveDescription"))
    elif op == "UpdateTimeToLive":
        field("TimeToLiveSpecification", a.get("TimeToLiveSpecification"), b.get("TimeToLiveSpecification"))
    elif op == "ListTagsOfResource":
        field("Tags", a.get("Tags"), b.get("Tags"),
              lambda t: sorted((x.get("Key"), x.get("Value")) for x in t or []))
    return diffs


def order_dependent(op, read, a, b):
    """True for a read whose consumed capacity depends on an order DynamoDB does not define: an
    unordered read that did not read everything (a page of a Scan, a parallel-scan segment)."""
    if read is None or read.ordered:
        return False
    return read.paged_request or "LastEvaluatedKey" in a or "LastEvaluatedKey" in b or "NextToken" in a or "NextToken" in b


def compare_read(op, read, a, b):
    diffs = []
    ia, ib = a.get("Items"), b.get("Items")
    la, lb = a.get("LastEvaluatedKey"), b.get("LastEvaluatedKey")
    if op == "ExecuteStatement":
        # A PartiQL page ends with a NextToken; LastEvaluatedKey is compared where both give it.
        pa, pb = "NextToken" in a, "NextToken" in b
        if pa != pb:
            diffs.append(Diff("NextToken.present", pa, pb))
        if la is not None and lb is not None and canon_item(la) != canon_item(lb):
            diffs.append(Diff("LastEvaluatedKey", show(la), show(lb)))
        elif (la is None) != (lb is None):
            diffs.append(Diff("LastEvaluatedKey.present", la is not None, lb is not None))
        complete = not pa and not pb and not read.paged_request
        counts = False
    else:
        complete = la is None and lb is None and not read.paged_request
        counts = True
    if read.ordered:
        if ia is not None or ib is not None:
            if [canon_item(i) for i in ia or []] != [canon_item(i) for i in ib or []]:
                diffs.append(Diff("Items", show(ia), show(ib)))
        if op != "ExecuteStatement" and (la is None) != (lb is None):
            diffs.append(Diff("LastEvaluatedKey.present", la is not None, lb is not None))
        elif op != "ExecuteStatement" and la is not None and canon_item(la) != canon_item(lb):
            diffs.append(Diff("LastEvaluatedKey", show(la), show(lb)))
        if counts:
            for k in ("Count", "ScannedCount"):
                if a.get(k) != b.get(k):
                    diffs.append(Diff(k, a.get(k), b.get(k)))
        return diffs
    if complete:
        if multiset(ia) != multiset(ib):
            diffs.append(Diff("Items", show(ia), show(ib)))
        if counts:
            for k in ("Count", "ScannedCount"):
                if a.get(k) != b.get(k):
                    diffs.append(Diff(k, a.get(k), b.get(k)))
        return diffs
    if op != "ExecuteStatement":
        if (la is None) != (lb is None):
            if not read.paged_request:
                diffs.append(Diff("LastEvaluatedKey.present", la is not None, lb is not None))
        elif la is not None and read.key_attrs:
            pa = {k: canon(la.get(k)) for k in read.key_attrs}
            pb = {k: canon(lb.get(k)) for k in read.key_attrs}
            if pa != pb:
                diffs.append(Diff("LastEvaluatedKey", show(la), show(lb)))
        if a.get("ScannedCount") != b.get("ScannedCount") and not read.paged_request:
            diffs.append(Diff("ScannedCount", a.get("ScannedCount"), b.get("ScannedCount")))
        if not read.filtered and not read.paged_request and a.get("Count") != b.get("Count"):
            diffs.append(Diff("Count", a.get("Count"), b.get("Count")))
    return diffs


def state_key(item, key_attrs):
    return tuple(canon(item.get(k)) for k in key_attrs)
