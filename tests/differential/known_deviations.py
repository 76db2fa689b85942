"""DynamoDB Local's own deviations from DynamoDB, each with its evidence, and the classifier that
recognises it: a predicate over (request, dynolab's answer, DynamoDB Local's answer, differences).

A divergence that no entry matches is "dynolab differs": CI fails on it. Every entry here is also
listed in docs/COMPAT.md ("DynamoDB Local's deviations"). Sources:
- AWS: the DynamoDB API Reference and Developer Guide (docs.aws.amazon.com/amazondynamodb/...).
- dynalite: architect/dynalite test/*.js, a suite written against the live service (its
  test/helpers.js sends every request to dynamodb.us-east-1.amazonaws.com when REMOTE is set).
- Alternator: scylladb/scylladb test/alternator/*.py, run against DynamoDB as well as ScyllaDB
  (`test/alternator/run --aws`); tests marked scylla_only are not evidence.

`GAPS` is a separate, short list: divergences the harness found where dynolab is likely wrong, or
where neither answer is established yet (each entry says which). CI tolerates them and the harness
reports them apart ("dynolab gap under repair"); an entry leaves the list when its fix lands or a
source settles it (issue 20's items 1-9 all left it).
"""

from compare import norm_cc, norm_table
from schema import TABLE


class Deviation:
    def __init__(self, id, title, dynamodb, ddblocal, evidence, matches):
        self.id, self.title, self.dynamodb, self.ddblocal = id, title, dynamodb, ddblocal
        self.evidence = evidence
        self.matches = matches


def table_of(name):
    return TABLE.get(name) if isinstance(name, str) else None


def body(req):
    return req.body if isinstance(req.body, dict) else {}


def only(diffs, *fields):
    return bool(diffs) and all(d.field in fields for d in diffs)


def outcome(diffs):
    return diffs[0] if len(diffs) == 1 and diffs[0].field == "outcome" else None


def rcc(req):
    return body(req).get("ReturnConsumedCapacity") in ("TOTAL", "INDEXES")


# ---- request shapes, for "a member of the wrong JSON type" ---------------------------------------
# Each member's JSON type, as the DynamoDB API Reference gives it. Names are context free except
# `Key` and `Value`, which are strings inside `Tags` and attribute values elsewhere.

S, I, BOOL = "string", "integer", "boolean"
AV = ("av",)
ITEM = ("map", AV)
CONDITION = ("struct", {"ComparisonOperator": S, "AttributeValueList": ("list", AV)})
EXPECTED = ("struct", {"Value": AV, "Exists": BOOL, "ComparisonOperator": S, "AttributeValueList": ("list", AV)})
KEY_SCHEMA = ("list", ("struct", {"AttributeName": S, "KeyType": S}))
PROJECTION = ("struct", {"ProjectionType": S, "NonKeyAttributes": ("list", S)})
THROUGHPUT = ("struct", {"ReadCapacityUnits": I, "WriteCapacityUnits": I})
INDEX = ("struct", {"IndexName": S, "KeySchema": KEY_SCHEMA, "Projection": PROJECTION, "ProvisionedThroughput": THROUGHPUT})
EXPR = {"ConditionExpression": S, "ExpressionAttributeNames": ("map", S), "ExpressionAttributeValues": ("map", AV),
        "ReturnValuesOnConditionCheckFailure": S, "TableName": S}
MEMBERS = {
    "TableName": S, "IndexName": S, "Item": ITEM, "Key": ITEM, "ExclusiveStartKey": ITEM,
    "ConditionExpression": S, "UpdateExpression": S, "FilterExpression": S, "ProjectionExpression": S,
    "KeyConditionExpression": S, "ExpressionAttributeNames": ("map", S), "ExpressionAttributeValues": ("map", AV),
    "ReturnValues": S, "ReturnConsumedCapacity": S, "ReturnItemCollectionMetrics": S,
    "ReturnValuesOnConditionCheckFailure": S, "Select": S, "ConditionalOperator": S, "Limit": I, "Segment": I,
    "TotalSegments": I, "ConsistentRead": BOOL, "ScanIndexForward": BOOL, "AttributesToGet": ("list", S),
    "Expected": ("map", EXPECTED), "KeyConditions": ("map", CONDITION), "QueryFilter": ("map", CONDITION),
    "ScanFilter": ("map", CONDITION),
    "AttributeUpdates": ("map", ("struct", {"Action": S, "Value": AV})),
    "Statement": S, "Parameters": ("list", AV), "NextToken": S, "ClientRequestToken": S,
    "RequestItems": ("requestitems",),
    "TransactItems": ("list", ("struct", {
        "Put": ("struct", dict(EXPR, Item=ITEM)),
        "Update": ("struct", dict(EXPR, Key=ITEM, UpdateExpression=S)),
        "Delete": ("struct", dict(EXPR, Key=ITEM)),
        "ConditionCheck": ("struct", dict(EXPR, Key=ITEM)),
        "Get": ("struct", {"TableName": S, "Key": ITEM, "ProjectionExpression": S, "ExpressionAttributeNames": ("map", S)}),
    })),
    "KeySchema": KEY_SCHEMA,
    "AttributeDefinitions": ("list", ("struct", {"AttributeName": S, "AttributeType": S})),
    "ProvisionedThroughput": THROUGHPUT, "BillingMode": S,
    "GlobalSecondaryIndexes": ("list", INDEX), "LocalSecondaryIndexes": ("list", INDEX),
    "GlobalSecondaryIndexUpdates": ("list", ("struct", {"Create": INDEX, "Delete": ("struct", {"IndexName": S}),
                                                        "Update": INDEX})),
    "StreamSpecification": ("struct", {"StreamEnabled": BOOL, "StreamViewType": S}),
    "TimeToLiveSpecification": ("struct", {"Enabled": BOOL, "AttributeName": S}),
    "ResourceArn": S, "Tags": ("list", ("struct", {"Key": S, "Value": S})), "TagKeys": ("list", S),
    "DeletionProtectionEnabled": BOOL, "TableClass": S,
}
KEYS_AND_ATTRIBUTES = ("struct", {"Keys": ("list", ITEM), "AttributesToGet": ("list", S), "ConsistentRead": BOOL,
                                  "ProjectionExpression": S, "ExpressionAttributeNames": ("map", S)})
WRITE_REQUEST = ("struct", {"PutRequest": ("struct", {"Item": ITEM}), "DeleteRequest": ("struct", {"Key": ITEM})})
AV_MEMBERS = {"S": S, "N": S, "B": S, "SS": ("list", S), "NS": ("list", S), "BS": ("list", S), "L": ("list", AV),
              "M": ("map", AV), "BOOL": BOOL, "NULL": BOOL}


def wrong_json_type(value, spec):
    """True when `value` (or anything in it) has a JSON type its member cannot have. JSON null is
    an absent member and never wrong."""
    if value is None:
        return False
    if spec == S:
        return not isinstance(value, str)
    if spec == I:
        return isinstance(value, bool) or not isinstance(value, (int, float))
    if spec == BOOL:
        return not isinstance(value, bool)
    kind = spec[0]
    if kind == "av":
        return not isinstance(value, dict) or any(k in AV_MEMBERS and wrong_json_type(v, AV_MEMBERS[k]) for k, v in value.items())
    if kind == "map":
        return not isinstance(value, dict) or any(wrong_json_type(v, spec[1]) for v in value.values())
    if kind == "list":
        return not isinstance(value, list) or any(wrong_json_type(v, spec[1]) for v in value)
    if kind == "struct":
        return not isinstance(value, dict) or any(k in spec[1] and wrong_json_type(v, spec[1][k]) for k, v in value.items())
    if kind == "requestitems":
        if not isinstance(value, dict):
            return True
        for v in value.values():
            if isinstance(v, list):
                if any(wrong_json_type(x, WRITE_REQUEST) for x in v):
                    return True
            elif wrong_json_type(v, KEYS_AND_ATTRIBUTES):
                return True
        return False
    return False


def has_wrong_json_type(req):
    if not isinstance(req.body, dict):
        return True
    return any(k in MEMBERS and wrong_json_type(v, MEMBERS[k]) for k, v in req.body.items())


def tables_named(req):
    b = body(req)
    names = set()
    if isinstance(b.get("TableName"), str):
        names.add(b["TableName"])
    if isinstance(b.get("RequestItems"), dict):
        names.update(b["RequestItems"])
    for t in b.get("TransactItems") or []:
        if isinstance(t, dict):
            for a in t.values():
                if isinstance(a, dict) and isinstance(a.get("TableName"), str):
                    names.add(a["TableName"])
    return names


# ---- classifiers ----------------------------------------------------------------------------------

def bad_base64(req):
    """A B or BS member that is not valid base64 (dynalite: "can not be converted to a Blob")."""
    import base64 as _b64
    import binascii

    def bad(s):
        if not isinstance(s, str):
            return False
        try:
            _b64.b64decode(s, validate=True)
            return False
        except (binascii.Error, ValueError):
            return True

    def walk(v):
        if isinstance(v, dict):
            for k, x in v.items():
                if k == "B" and bad(x):
                    return True
                if k == "BS" and isinstance(x, list) and any(bad(y) for y in x):
                    return True
                if walk(x):
                    return True
        elif isinstance(v, list):
            return any(walk(x) for x in v)
        return False

    return walk(req.body)


def serialization(req, dl, dd, diffs, h):
    o = outcome(diffs)
    return (o is not None and dl.type == "SerializationException" and dd.type != "SerializationException"
            and (has_wrong_json_type(req) or bad_base64(req)))


def missing_required_member(req, dl, dd, diffs, h):
    o = outcome(diffs)
    return (o is not None and (dd.status or 0) >= 500 and dl.type == "ValidationException"
            and "Member must not be null" in (dl.message or ""))


TRANSACTION_VALIDATION_REASONS = (
    "One or more parameter values were invalid", "One or more parameter values are not valid",
    "The update expression attempted to update a secondary index key", "The update expression attempted to update the secondary index key",
    "An operand in the update expression has an incorrect data type", "Item size to update has exceeded",
    "Number overflow", "Type mismatch for attribute to update", "Nesting Levels have exceeded",
    "The document path provided in the update expression is invalid for update",
    "The provided expression refers to an attribute that does not exist in the item",
)


def transaction_validation_reason(req, dl, dd, diffs, h):
    o = outcome(diffs)
    if o is None or req.op != "TransactWriteItems" or dl.type != "TransactionCanceledException" \
            or dd.type != "ValidationException":
        return False
    codes = [r.get("Code") for r in (dl.body or {}).get("CancellationReasons") or []]
    return "ValidationError" in codes and any(m in (dd.message or "") for m in TRANSACTION_VALIDATION_REASONS)


def on_demand_throughput(req, dl, dd, diffs, h):
    o = outcome(diffs)
    m = dl.message or ""
    return (o is not None and req.op in ("CreateTable", "UpdateTable") and dd.ok and dl.type == "ValidationException"
            and ("when BillingMode is PAY_PER_REQUEST" in m or "provisionedThroughput" in m
                 or "ProvisionedThroughput must be specified" in m)) or on_demand_index_throughput(req, dl, dd, diffs)


def on_demand_index_throughput(req, dl, dd, diffs):
    """The aftermath on a scratch table: DynamoDB Local keeps the index throughput it accepted on an
    on-demand table, where dynolab's indexes show 0 units."""
    if req.op not in ("UpdateTable", "DescribeTable", "DeleteTable") or not only(diffs, "TableDescription", "Table"):
        return False
    key = "Table" if req.op == "DescribeTable" else "TableDescription"
    a, b = norm_table(dl.body.get(key)), norm_table(dd.body.get(key))
    if not isinstance(a, dict) or not isinstance(b, dict) or set(a) != set(b):
        return False
    if [k for k in a if a[k] != b[k]] != ["GSIs"] or len(a["GSIs"]) != len(b["GSIs"]):
        return False
    return all(x[:3] == y[:3] and x[4:] == y[4:] and x[3] == (0, 0) for x, y in zip(a["GSIs"], b["GSIs"]))


def internal_failure(req, dl, dd, diffs, h):
    o = outcome(diffs)
    return o is not None and (dd.status or 0) >= 500 and dl.status is not None and 400 <= dl.status < 500


def first_cancellation_reason(req, dl, dd, diffs, h):
    if not only(diffs, "CancellationReasons"):
        return False
    a = [r.get("Code") for r in dl.body.get("CancellationReasons") or []]
    b = [r.get("Code") for r in dd.body.get("CancellationReasons") or []]
    return len(a) == len(b) and all(x == y or y == "None" for x, y in zip(a, b)) and a != b


def ttl_cooldown(req, dl, dd, diffs, h):
    o = outcome(diffs)
    return (o is not None and req.op == "UpdateTimeToLive" and dd.ok
            and "modified multiple times within a fixed interval" in (dl.message or ""))


def empty_parameters(req, dl, dd, diffs, h):
    o = outcome(diffs)
    return (o is not None and req.op == "ExecuteStatement" and body(req).get("Parameters") == []
            and dl.type == "ValidationException" and "parameters" in (dl.message or "") and dd.type != "ValidationException")


def client_request_token(req, dl, dd, diffs, h):
    o = outcome(diffs)
    tok = body(req).get("ClientRequestToken")
    return (o is not None and isinstance(tok, str) and not 1 <= len(tok) <= 36 and dl.type == "ValidationException"
            and "clientRequestToken" in (dl.message or "") and dd.type != "ValidationException")


def item_collection_metrics(req, dl, dd, diffs, h):
    b = body(req)
    t = table_of(b.get("TableName"))
    return (only(diffs, "ItemCollectionMetrics.ItemCollectionKey") and t is not None and t.lsis
            and b.get("ReturnItemCollectionMetrics") == "SIZE" and "ItemCollectionMetrics" in dl.body
            and "ItemCollectionMetrics" not in dd.body)


def validation_before_table(req, dl, dd, diffs, h):
    # dynolab answers a ValidationException for a table that exists on neither server, so its check
    # cannot depend on the table's schema: it is request-level validation.
    o = outcome(diffs)
    if o is not None and req.op == "CreateTable" and dl.type == "ValidationException" \
            and dd.type == "ResourceInUseException":
        return True  # the request is invalid in itself: that is checked before the name is looked up
    if o is None or dl.type != "ValidationException" or dd.type != "ResourceNotFoundException":
        return False
    named = tables_named(req)
    return bool(named) and any(n not in TABLE and n not in h.live_scratch() for n in named)


def unrequested_capacity(req, dl, dd, diffs, h):
    if not only(diffs, "ConsumedCapacity") or rcc(req):
        return False
    return "ConsumedCapacity" not in (dl.body or {}) and "ConsumedCapacity" in (dd.body or {})


def units(cc):
    return {t: float(e.get("CapacityUnits") or 0) for t, e in (norm_cc(cc) or {}).items()}


def read_minimum(req, dl, dd, diffs, h):
    """DynamoDB Local charges 0 for a read that finds nothing; DynamoDB charges the minimum (0.5
    eventually consistent, 1 strongly consistent) for a Query or Scan that returns nothing, and a
    GetItem's cost for each BatchGetItem key that finds nothing."""
    if not only(diffs, "ConsumedCapacity") or not rcc(req):
        return False
    a, b = units(dl.body.get("ConsumedCapacity")), units(dd.body.get("ConsumedCapacity"))
    if a.keys() != b.keys():
        return False
    rb = body(req)
    if req.op in ("Query", "Scan"):
        unit = 1.0 if rb.get("ConsistentRead") is True else 0.5
        return dd.body.get("ScannedCount") == 0 and all(b[t] == 0 and a[t] == unit for t in a)
    if req.op == "BatchGetItem":
        for t in a:
            spec = (rb.get("RequestItems") or {}).get(t) or {}
            unit = 1.0 if spec.get("ConsistentRead") is True else 0.5
            missing = len(spec.get("Keys") or []) - len((dd.body.get("Responses") or {}).get(t) or [])
            if abs(a[t] - b[t] - max(missing, 0) * unit) > 1e-9:
                return False
        return any(a[t] != b[t] for t in a)
    return False


def transactional_write_units(req, dl, dd, diffs, h):
    """DynamoDB Local charges a transactional write of an existing item four units per KB (and its
    index writes twice as much too); DynamoDB charges two. (It charges a delete of a missing item
    two, as dynolab does.) So DynamoDB Local's figures are at most twice dynolab's."""
    if req.op != "TransactWriteItems" or not only(diffs, "ConsumedCapacity"):
        return False
    a, b = norm_cc(dl.body.get("ConsumedCapacity")), norm_cc(dd.body.get("ConsumedCapacity"))
    if not a or a.keys() != b.keys():
        return False
    pairs = []

    def collect(x, y):
        if set(x) - {"_rw"} != set(y) - {"_rw"}:
            return False
        for k in x:
            if k == "CapacityUnits":
                pairs.append((float(x[k] or 0), float(y[k] or 0)))
            elif k == "Table":
                if not collect(x[k], y[k]):
                    return False
            elif k in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
                if x[k].keys() != y[k].keys() or any(not collect(x[k][i], y[k][i]) for i in x[k]):
                    return False
        return True

    if not all(collect(a[t], b[t]) for t in a):
        return False
    if sparse_touch(written_keys(req), h):
        # DynamoDB Local's sparse-index surcharge (sparse-index-write-units) doubled as well.
        return all(x <= y for x, y in pairs) and any(y > x for x, y in pairs)
    # And it charges nothing for some items that share a partition key with another item of the
    # transaction (measured: two new items under one partition key cost 4 units in all, three
    # items over two partition keys 4 as well), so its figures can also fall below dynolab's.
    return all(0 < y <= 2 * x or x == y == 0 for x, y in pairs) and any(y != x for x, y in pairs)


def written_keys(req):
    """{table: [key]} of the items a write request names (Item or Key, batches and transactions)."""
    out = {}
    b = body(req)

    def add(table, it):
        t = TABLE.get(table) if isinstance(table, str) else None
        if t is not None and isinstance(it, dict):
            out.setdefault(table, []).append({k: it.get(k) for k in t.key_attrs})

    if req.op in ("PutItem",):
        add(b.get("TableName"), b.get("Item"))
    elif req.op in ("UpdateItem", "DeleteItem"):
        add(b.get("TableName"), b.get("Key"))
    elif req.op == "BatchWriteItem":
        for t, reqs in (b.get("RequestItems") or {}).items():
            for r in reqs if isinstance(reqs, list) else []:
                if isinstance(r, dict):
                    add(t, (r.get("PutRequest") or {}).get("Item") or (r.get("DeleteRequest") or {}).get("Key"))
    elif req.op == "TransactWriteItems":
        for a in b.get("TransactItems") or []:
            for kind, act in (a.items() if isinstance(a, dict) else []):
                if isinstance(act, dict):
                    add(act.get("TableName"), act.get("Item") if kind == "Put" else act.get("Key"))
    return out


def lookup(state, table, key):
    from compare import state_key
    return state.get(table, {}).get(state_key(key, TABLE[table].key_attrs))


def sparse_index_write(req, dl, dd, diffs, h):
    """DynamoDB Local charges an index write when an item changes index key attributes without
    being in the index before or after (one of the index's key attributes is missing both times);
    DynamoDB writes nothing to the index then, and charges nothing."""
    if req.op not in ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems") \
            or not only(diffs, "ConsumedCapacity"):
        return False
    a, b = norm_cc(dl.body.get("ConsumedCapacity")), norm_cc(dd.body.get("ConsumedCapacity"))
    if not a or not b or a.keys() != b.keys():
        return False
    keys = written_keys(req)
    if body(req).get("ReturnConsumedCapacity") == "TOTAL":
        # No breakdown: DynamoDB Local charges more, and the write did touch an index key of an item
        # that is outside that index before or after.
        return (all(float(b[t]["CapacityUnits"] or 0) >= float(a[t]["CapacityUnits"] or 0) for t in a)
                and any(float(b[t]["CapacityUnits"] or 0) > float(a[t]["CapacityUnits"] or 0) for t in a)
                and sparse_touch(keys, h))
    extra = False
    for t in a:
        if t not in TABLE:
            return False
        for kind in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            ia, ib = a[t].get(kind, {}), b[t].get(kind, {})
            for name in set(ia) | set(ib):
                ua = float((ia.get(name) or {}).get("CapacityUnits") or 0)
                ub = float((ib.get(name) or {}).get("CapacityUnits") or 0)
                if ua == ub:
                    continue
                if ub < ua:
                    return False
                index = TABLE[t].index(name)
                for key in keys.get(t, []):
                    for state in (h.pre, h.state):
                        item = lookup(state, t, key)
                        if item is not None and all(k in item for k in index.key_attrs):
                            return False
                extra = True
    if not extra:
        return False
    # Everything else (the table's own units) agrees once the index surplus is taken away, and
    # DynamoDB Local's surcharge on batch deletes of missing items (batch-delete-missing-units).
    for t in a:
        ta, tb = a[t].get("Table", {}).get("CapacityUnits"), b[t].get("Table", {}).get("CapacityUnits")
        if ta is not None and tb is not None and float(ta) != float(tb) + 0 and \
                float(tb) - float(ta) != missing_deletes(req, h, t):
            return False
    return True


def missing_deletes(req, h, t):
    if req.op != "BatchWriteItem":
        return 0
    reqs = (body(req).get("RequestItems") or {}).get(t) or []
    return sum(1 for r in reqs if isinstance(r, dict) and "DeleteRequest" in r
               and lookup(h.pre, t, r["DeleteRequest"].get("Key") or {}) is None)


def sparse_touch(keys, h):
    """Some written item is outside one of its table's indexes before or after the write while
    having one of that index's key attributes."""
    for t, ks in keys.items():
        for key in ks:
            for index in TABLE[t].indexes:
                attrs = [a for a in index.key_attrs if a not in TABLE[t].key_attrs]
                for state in (h.pre, h.state):
                    item = lookup(state, t, key)
                    if item is not None and any(a in item for a in attrs) and not all(a in item for a in attrs):
                        return True
    return False


def batch_delete_missing(req, dl, dd, diffs, h):
    """DynamoDB Local charges 2 WCU for a BatchWriteItem DeleteRequest of a missing item (its own
    DeleteItem charges 1, as dynolab does)."""
    if req.op != "BatchWriteItem" or not only(diffs, "ConsumedCapacity"):
        return False
    a, b = units(dl.body.get("ConsumedCapacity")), units(dd.body.get("ConsumedCapacity"))
    if a.keys() != b.keys():
        return False
    for t, reqs in (body(req).get("RequestItems") or {}).items():
        if t not in TABLE or t not in a:
            continue
        missing = sum(1 for r in reqs if isinstance(r, dict) and "DeleteRequest" in r
                      and lookup(h.pre, t, r["DeleteRequest"].get("Key") or {}) is None)
        if b[t] - a[t] != missing:
            return False
    return any(a[t] != b[t] for t in a)


def number_key_duplicates(req, dl, dd, diffs, h):
    """Two keys of one request equal as numbers but spelt differently ("10" and "1E1", "-1.5" and
    "-15e-1"): DynamoDB Local misses the duplicate in BatchGetItem, and in TransactWriteItems for
    some spellings."""
    o = outcome(diffs)
    if o is None or not dd.ok or dl.type != "ValidationException":
        return False
    if req.op == "BatchGetItem":
        return batch_get_number_duplicates(req, dl, dd, diffs, h)
    if req.op not in ("TransactWriteItems", "TransactGetItems") or "multiple operations on one item" not in (dl.message or ""):
        return False
    from compare import canon_item
    b = body(req)
    keys = []
    for a in b.get("TransactItems") or []:
        for kind, act in (a.items() if isinstance(a, dict) else []):
            t = table_of(act.get("TableName")) if isinstance(act, dict) else None
            if t is not None:
                src = act.get("Item") if kind == "Put" else act.get("Key")
                if isinstance(src, dict):
                    keys.append((t.name, {k: src.get(k) for k in t.key_attrs}))
    canon = {(t, canon_item(k)) for t, k in keys}
    raw = {(t, json_key(k)) for t, k in keys}
    return len(canon) < len(keys) and len(raw) == len(keys)


def lsi_read_units(req, dl, dd, diffs, h):
    b = body(req)
    t = table_of(b.get("TableName"))
    index = t.index(b.get("IndexName")) if t is not None and isinstance(b.get("IndexName"), str) else None
    if req.op not in ("Query", "Scan") or index is None or not only(diffs, "ConsumedCapacity"):
        return False
    if b.get("Select") in ("ALL_ATTRIBUTES",) or b.get("ProjectionExpression") or b.get("AttributesToGet"):
        return False
    a, bb = units(dl.body.get("ConsumedCapacity")), units(dd.body.get("ConsumedCapacity"))
    return a.keys() == bb.keys() and all(bb[x] > a[x] for x in a)


def batch_get_number_duplicates(req, dl, dd, diffs, h):
    """BatchGetItem keys equal as numbers but spelt differently ("10", "1E1"): DynamoDB Local's
    BatchGetItem does not see the duplicate (its BatchWriteItem and TransactWriteItems do)."""
    o = outcome(diffs)
    if o is None or req.op != "BatchGetItem" or not dd.ok or dl.type != "ValidationException" \
            or "duplicates" not in (dl.message or ""):
        return False
    from compare import canon_item
    for spec in (body(req).get("RequestItems") or {}).values():
        keys = spec.get("Keys") or []
        raw = {json_key(k) for k in keys}
        canon = {canon_item(k) for k in keys}
        if len(canon) < len(keys) and len(raw) == len(keys):
            return True
    return False


def json_key(k):
    import json as _json
    return _json.dumps(k, sort_keys=True)


def partiql_capacity(req, dl, dd, diffs, h):
    if req.op != "ExecuteStatement" or not rcc(req):
        return False
    cc = [d for d in diffs if d.field == "ConsumedCapacity"]
    return (len(cc) == 1 and "ConsumedCapacity" in (dl.body or {}) and "ConsumedCapacity" not in (dd.body or {})
            and only(diffs, "ConsumedCapacity", "LastEvaluatedKey.present"))


def partiql_last_evaluated_key(req, dl, dd, diffs, h):
    if req.op != "ExecuteStatement":
        return False
    lek = [d for d in diffs if d.field == "LastEvaluatedKey.present"]
    return (len(lek) == 1 and lek[0].dynolab is True and lek[0].ddblocal is False and "NextToken" in dl.body
            and only(diffs, "LastEvaluatedKey.present", "ConsumedCapacity")
            and (not any(d.field == "ConsumedCapacity" for d in diffs) or partiql_capacity(req, dl, dd, [d for d in diffs if d.field == "ConsumedCapacity"], h)))


def duplicate_item(req, dl, dd, diffs, h):
    o = outcome(diffs)
    stmt = body(req).get("Statement")
    return (o is not None and req.op == "ExecuteStatement" and dl.type == "DuplicateItemException"
            and (dd.type == "DuplicateItem" or (dd.type == "ConditionalCheckFailedException" and isinstance(stmt, str)
                                                and stmt.lstrip().upper().startswith("INSERT"))))


def delete_table_status(req, dl, dd, diffs, h):
    if req.op != "DeleteTable" or not only(diffs, "TableDescription"):
        return False
    a = dict(norm_table(dl.body.get("TableDescription")))
    b = dict(norm_table(dd.body.get("TableDescription")))
    return a.pop("TableStatus") == "DELETING" and b.pop("TableStatus") == "ACTIVE" and a == b


def index_key_type_on_update(req, dl, dd, diffs, h):
    """DynamoDB Local's UpdateItem (alone or in a transaction) stores a GSI or LSI key attribute of
    the wrong type; DynamoDB refuses the update."""
    o = outcome(diffs)
    if o is None or req.op not in ("UpdateItem", "TransactWriteItems", "ExecuteStatement") or not dd.ok:
        return False
    if req.op == "TransactWriteItems" and dl.type == "TransactionCanceledException":
        # The same refusal inside a transaction: a cancellation with a ValidationError reason.
        return any(r.get("Code") == "ValidationError" and "Type mismatch for Index Key" in (r.get("Message") or "")
                   for r in dl.body.get("CancellationReasons") or [])
    return dl.type == "ValidationException" and "Type mismatch for Index Key" in (dl.message or "")


def no_tagging(req, dl, dd, diffs, h):
    o = outcome(diffs)
    return (o is not None and req.op in ("TagResource", "UntagResource", "ListTagsOfResource")
            and dd.type == "UnknownOperationException")


def index_filter_base_item(req, dl, dd, diffs, h):
    b = body(req)
    t = table_of(b.get("TableName"))
    index = t.index(b["IndexName"]) if t is not None and isinstance(b.get("IndexName"), str) else None
    return (req.op in ("Scan", "Query") and index is not None and dl.ok and dd.ok
            and {d.field for d in diffs} <= {"Items", "Count", "ScannedCount", "ConsumedCapacity"}
            and unprojected_reference(req, dl, dd, diffs, h))


def lsi_scan_fetch_units(req, dl, dd, diffs, h):
    b = body(req)
    t = table_of(b.get("TableName"))
    index = t.index(b["IndexName"]) if t is not None and isinstance(b.get("IndexName"), str) else None
    if req.op != "Scan" or index is None or not index.local or not only(diffs, "ConsumedCapacity"):
        return False
    a, c = norm_cc(dl.body.get("ConsumedCapacity")), norm_cc(dd.body.get("ConsumedCapacity"))
    ea, ec = (a or {}).get(t.name), (c or {}).get(t.name)
    if not isinstance(ea, dict) or not isinstance(ec, dict):
        return False
    if "LocalSecondaryIndexes" not in ea:
        # ReturnConsumedCapacity TOTAL: only the sum, which the fetches raise.
        return float(ea.get("CapacityUnits") or 0) > float(ec.get("CapacityUnits") or 0)
    lsi = lambda e: float(((e.get("LocalSecondaryIndexes") or {}).get(index.name) or {}).get("CapacityUnits") or 0)
    table = lambda e: float((e.get("Table") or {}).get("CapacityUnits") or 0)
    return lsi(ea) == lsi(ec) and table(ec) == 0 and table(ea) > 0


def size_in_bytes(req, dl, dd, diffs, h):
    """A condition or filter with size() over items holding non-ASCII strings."""
    import json as _json
    if "size(" not in expressions_text(req):
        return False
    o = outcome(diffs)
    if o is None:
        if not ({d.field for d in diffs} <= {"Items", "Count", "ScannedCount", "ConsumedCapacity"}):
            return False
    elif not {dl.type, dd.type} <= {None, "ConditionalCheckFailedException", "TransactionCanceledException"}:
        return False
    return any(not _json.dumps(list(items.values()), ensure_ascii=False).isascii() for items in h.pre.values())


def start_key_at_closing_bound(req, dl, dd, diffs, h):
    b = body(req)
    kce = b.get("KeyConditionExpression") if isinstance(b.get("KeyConditionExpression"), str) else ""
    return (req.op == "Query" and outcome(diffs) is not None and dl.ok and "ExclusiveStartKey" in b
            and any(op in kce for op in ("<=", ">=", "BETWEEN"))
            and "does not match the range key predicate" in (dd.message or ""))


def partiql_index_filter(req, dl, dd, diffs, h):
    return (req.op == "ExecuteStatement" and outcome(diffs) is not None and dd.ok
            and "does not project" in (dl.message or "") and unprojected_reference(req, dl, dd, diffs, h))


DEVIATIONS = [
    Deviation(
        "ttl-cooldown",
        "UpdateTimeToLive again within an hour",
        "ValidationException 'Time to live has been modified multiple times within a fixed interval'",
        "applies every change",
        ["AWS API Reference, UpdateTimeToLive: 'Any additional UpdateTimeToLive calls for the same table during "
         "this one hour duration result in a ValidationException.'"],
        ttl_cooldown),
    Deviation(
        "cancellation-reasons",
        "Every failing action of a cancelled transaction has its reason",
        "CancellationReasons holds one entry per action, in order, each with its own code (every action whose "
        "condition fails is ConditionalCheckFailed)",
        "stops at the first failing action and reports None for the later ones",
        ["AWS API Reference, TransactWriteItems / TransactionCanceledException: 'CancellationReasons ... ordered "
         "according to the ordering of the TransactWriteItems request parameter. If no error occurred for the "
         "associated item an error with a Null code and Null message will be present.'"],
        first_cancellation_reason),
    Deviation(
        "partiql-empty-parameters",
        "ExecuteStatement with an empty Parameters list",
        "ValidationException: Parameters has at least one member",
        "runs the statement",
        ["AWS API Reference, ExecuteStatement: Parameters 'Array Members: Minimum number of 1 item.'"],
        empty_parameters),
    Deviation(
        "client-request-token-length",
        "An empty (or over 36 characters) ClientRequestToken",
        "ValidationException: ClientRequestToken has length 1 to 36",
        "accepts it (or answers IdempotentParameterMismatchException)",
        ["AWS API Reference, TransactWriteItems: ClientRequestToken 'Length Constraints: Minimum length of 1. "
         "Maximum length of 36.'"],
        client_request_token),
    Deviation(
        "item-collection-metrics",
        "ItemCollectionMetrics of a single-item write to a table with local secondary indexes",
        "ItemCollectionMetrics (ItemCollectionKey and SizeEstimateRangeGB) when ReturnItemCollectionMetrics is SIZE",
        "returns none for PutItem",
        ["AWS API Reference, PutItem response: 'ItemCollectionMetrics ... This is returned only if the table has "
         "local secondary indexes and ReturnItemCollectionMetrics was specified.'"],
        item_collection_metrics),
    Deviation(
        "missing-required-member",
        "A request without a required member",
        "ValidationException '1 validation error detected: Value null at '<member>' failed to satisfy "
        "constraint: Member must not be null'",
        "HTTP 500 InternalFailure for some operations (ExecuteStatement without Statement, GetItem without "
        "TableName, ...)",
        ["dynalite test/*.js 'should return ValidationException for no TableName' and the like, e.g. "
         "test/putItem.js: '2 validation errors detected: Value null at 'tableName' failed to satisfy "
         "constraint: Member must not be null; ...'"],
        missing_required_member),
    Deviation(
        "transaction-validation-reason",
        "Item-level validation errors inside TransactWriteItems",
        "TransactionCanceledException with a ValidationError cancellation reason for errors that depend on the "
        "item (an invalid document path for update, an operand of the wrong type, a missing attribute, ...)",
        "ValidationException for the whole request",
        ["AWS API Reference, TransactWriteItems, TransactionCanceledException: 'Validation Error: Code: "
         "ValidationError; Messages: ... The document path provided in the update expression is invalid for "
         "update. / The provided expression refers to an attribute that does not exist in the item. / An "
         "operand in the update expression has an incorrect data type ...'"],
        transaction_validation_reason),
    Deviation(
        "billing-mode-throughput",
        "ProvisionedThroughput that does not fit the billing mode",
        "ValidationException 'One or more parameter values were invalid: Neither ReadCapacityUnits nor "
        "WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST' (and 'ProvisionedThroughput "
        "should not be specified for index: <name> when BillingMode is PAY_PER_REQUEST'); and "
        "'ProvisionedThroughput must be specified when BillingMode is PROVISIONED' when it is missing",
        "accepts the throughput (even 0 units), and its absence; and then keeps an index's accepted throughput on "
        "an on-demand table, where DynamoDB (and dynolab) report 0 units",
        ["dynalite test/updateTable.js 'should return ValidationException for ProvisionedThroughput update when "
         "PAY_PER_REQUEST' (that message) and 'should return ValidationException for PROVISIONED without "
         "ProvisionedThroughput'; test/createTable.js for CreateTable ('should return ValidationException "
         "for low ReadCapacityUnits': 'Member must have value greater than or equal to 1')"],
        on_demand_throughput),
    Deviation(
        "sparse-index-write-units",
        "No index write for an item that is in the index neither before nor after",
        "an index is charged only for writes that put, change or remove an index entry; an item missing "
        "one of the index's key attributes before and after the write costs the index nothing",
        "charges one index write unit when such a write adds or removes one of the index key attributes",
        ["AWS Developer Guide, GSI.html 'Provisioned throughput considerations for global secondary indexes' "
         "and LSI.html: index writes happen only for items that appear in the index (sparse indexes); "
         "dynolab docs/design/capacity-model.md 'Secondary indexes' table (item in the index neither before "
         "nor after: 0)"],
        sparse_index_write),
    Deviation(
        "batch-delete-missing-units",
        "A BatchWriteItem delete of a missing item",
        "each request of a batch costs what the single-item operation costs: a DeleteRequest of a missing "
        "item costs what DeleteItem of it costs (1 WCU in DynamoDB Local's own DeleteItem)",
        "charges 2 WCU for it",
        ["AWS Developer Guide, read-write-operations.html: BatchWriteItem 'processes each item in the batch as "
         "an individual PutItem or DeleteItem request'; DynamoDB Local's own DeleteItem of the same key: 1 WCU"],
        batch_delete_missing),
    Deviation(
        "number-key-duplicates",
        "Keys that are the same number spelt twice in one request",
        "ValidationException 'Provided list of item keys contains duplicates': numbers are values (10 and 1E1 "
        "are one key)",
        "reads both in BatchGetItem, and for some spellings runs both actions of a TransactWriteItems "
        "(its BatchWriteItem finds the duplicate; so does TransactWriteItems for '10' and '1E1')",
        ["dynalite test/batchGetItem.js 'should return ValidationException for duplicated keys'",
         "AWS Developer Guide, HowItWorks.NamingRulesDataTypes.html (Number: leading and trailing zeroes are "
         "trimmed, numbers are compared by value)",
         "AWS API Reference, TransactWriteItems: 'Transaction request cannot include multiple operations on one item'"],
        number_key_duplicates),
    Deviation(
        "index-read-units",
        "Reading a secondary index for its projected attributes",
        "a Query or Scan of an index that needs only projected attributes (the default for an index: "
        "ALL_PROJECTED_ATTRIBUTES) is charged by the size of the index entries read",
        "charges the size of the base table items, as if it fetched them",
        ["AWS API Reference, Query/Scan Select: 'If neither Select nor ProjectionExpression are specified, DynamoDB "
         "defaults to ALL_ATTRIBUTES when accessing a table, and ALL_PROJECTED_ATTRIBUTES when accessing an index'",
         "AWS Developer Guide, LSI.html: base table items are fetched (and charged) only for attributes the index "
         "does not project"],
        lsi_read_units),
    Deviation(
        "update-index-key-type",
        "An update that gives an index key attribute the wrong type",
        "ValidationException 'One or more parameter values were invalid: Type mismatch for Index Key <name> "
        "Expected: <type> Actual: <type> IndexName: <index>' (UpdateItem, and the same check in "
        "transactions and PartiQL UPDATE)",
        "applies the update: the item holds an index key of the wrong type and is missing from the index "
        "(PutItem is checked; UpdateItem is not)",
        ["dynalite test/updateItem.js 'should return ValidationException if trying to update wrong type on "
         "index' (SET and ADD of a Number to a String GSI/LSI key: 'Type mismatch for Index Key c Expected: S "
         "Actual: N IndexName: index...')"],
        index_key_type_on_update),
    Deviation(
        "partiql-duplicate-item-type",
        "The error type of a PartiQL INSERT of an existing key",
        "DuplicateItemException",
        "__type '...#DuplicateItem' (same message); ConditionalCheckFailedException when the request also "
        "has ReturnValuesOnConditionCheckFailure",
        ["AWS Developer Guide, ql-reference.insert.html: 'If the DynamoDB table already has an item with the same "
         "primary key as the primary key of the item being inserted, DuplicateItemException is returned.'",
         "AWS API Reference, ExecuteStatement errors: DuplicateItemException"],
        duplicate_item),
    Deviation(
        "delete-table-status",
        "DeleteTable's answer",
        "TableDescription with TableStatus DELETING",
        "TableStatus ACTIVE",
        ["AWS API Reference, DeleteTable: 'After a DeleteTable request, the specified table is in the DELETING "
         "state until DynamoDB completes the deletion', and its example response shows \"TableStatus\": \"DELETING\""],
        delete_table_status),
    Deviation(
        "serialization-exception",
        "A member of the wrong JSON type",
        "SerializationException (HTTP 400) before any other check: a string where a number, boolean, "
        "list or structure belongs, and so on, at any depth (attribute values included)",
        "coerces scalars (true, 1.5 and 123 become strings: the request then runs, or fails later, e.g. "
        "ResourceNotFoundException for TableName true) and answers HTTP 500 InternalFailure for a list or "
        "structure in a scalar's place",
        ["dynalite test/putItem.js, getItem.js, query.js, scan.js, ... 'serializations': "
         "'should return SerializationException when TableName is not a string' and the like, each member "
         "tried with every wrong JSON type (test/helpers.js assertType)"],
        serialization),
    Deviation(
        "validation-before-table",
        "Request-level validation comes before the table lookup",
        "ValidationException for a request that is invalid in itself (enum values, ReturnValues the "
        "operation does not allow, malformed or unused expressions and placeholders, attribute values, "
        "parameter combinations) even when the table does not exist",
        "ResourceNotFoundException first",
        ["dynalite test/putItem.js, updateItem.js, query.js, scan.js, ... 'validations': every assertValidation "
         "case names a table that does not exist ('abc', 'aaa') and expects the ValidationException"],
        validation_before_table),
    Deviation(
        "capacity-unrequested",
        "ConsumedCapacity returned when not requested",
        "ConsumedCapacity only when ReturnConsumedCapacity is TOTAL or INDEXES",
        "returns it on some writes (DeleteItem) without ReturnConsumedCapacity",
        ["AWS API Reference, DeleteItem (and PutItem, UpdateItem) response: 'ConsumedCapacity ... is only "
         "returned if the ReturnConsumedCapacity parameter was specified.'"],
        unrequested_capacity),
    Deviation(
        "read-minimum-capacity",
        "Reads that find nothing still consume capacity",
        "a Query or Scan that reads nothing consumes the minimum (0.5 RCU eventually consistent, 1 strongly "
        "consistent); each BatchGetItem key is a GetItem, and a GetItem of a missing item costs the same",
        "reports 0 units for a Query or Scan that reads nothing and for BatchGetItem keys that find nothing",
        ["AWS Developer Guide, read-write-operations.html: Query and Scan are charged by read consistency "
         "and the partitions read 'even if no data exists'; 'Queries that do not return results consume the "
         "minimum number of read capacity units for that type of read operation'; BatchGetItem 'processes "
         "each item in the batch as an individual GetItem request'",
         "dynolab docs/design/capacity-model.md (units table, and ../shared/reference/dynamodb-facts.md §4.2)"],
        read_minimum),
    Deviation(
        "transactional-write-units",
        "Transactional writes cost 2 units per KB",
        "TransactWriteItems consumes 2 WCU per 1 KB written (one to prepare, one to commit), on the table "
        "and each index",
        "reports 4 per KB for some items (twice DynamoDB's figure) and nothing for others that share a partition "
        "key with another item of the transaction",
        ["AWS Developer Guide, read-write-operations.html: 'A transactional write request of an item up to "
         "1 KB requires two write units'; transaction-apis.html 'Capacity management for transactions'"],
        transactional_write_units),
    Deviation(
        "partiql-consumed-capacity",
        "ExecuteStatement reports ConsumedCapacity",
        "ExecuteStatement with ReturnConsumedCapacity TOTAL or INDEXES returns ConsumedCapacity",
        "never returns it",
        ["AWS API Reference, ExecuteStatement: request member ReturnConsumedCapacity, response member "
         "ConsumedCapacity ('The capacity units consumed by an operation ... only returned if the request "
         "asked for it')"],
        partiql_capacity),
    Deviation(
        "partiql-last-evaluated-key",
        "A paged ExecuteStatement returns LastEvaluatedKey",
        "a SELECT page that ends early returns LastEvaluatedKey beside NextToken",
        "returns NextToken only",
        ["AWS API Reference, ExecuteStatement response: 'LastEvaluatedKey: The primary key of the item where "
         "the operation stopped, inclusive of the previous result set. Use this value to start a new "
         "operation, excluding this value in the new request.'"],
        partiql_last_evaluated_key),
    Deviation(
        "no-tagging",
        "Tagging operations",
        "TagResource, UntagResource and ListTagsOfResource work on tables",
        "UnknownOperationException 'Tagging is not currently supported in DynamoDB Local.'",
        ["AWS API Reference: TagResource, UntagResource, ListTagsOfResource"],
        no_tagging),
    Deviation(
        "internal-failure",
        "HTTP 500 for a malformed request",
        "an HTTP 400 error naming the problem (SerializationException, ValidationException): InternalFailure "
        "(500) is a server fault, never the answer to a client's mistake",
        "HTTP 500 InternalFailure for some malformed requests (a bogus PartiQL NextToken, null list elements, "
        "...), where dynolab answers 400",
        ["AWS API Reference, Common Errors: InternalFailure, HTTP 500: 'The request processing has failed because "
         "of an unknown error, exception or failure.'; dynalite's suites never expect a 500"],
        internal_failure),
    Deviation(
        "partiql-index-filter-base-item",
        "A PartiQL SELECT on a secondary index whose WHERE names attributes the index does not project",
        "the index holds only its projection, so such a WHERE cannot be evaluated on it: dynolab refuses it as "
        "Query and Scan refuse a FilterExpression on an unprojected attribute ('Secondary index ... does not "
        "project one or more filter attributes'); a PartiQL SELECT reads the index as a Query does",
        "evaluates the WHERE on the table's full item and returns the index's projection of the items that pass, "
        "something a global secondary index, which never reads the base table, cannot do",
        ["AWS Developer Guide, Global secondary indexes / Attribute projections: 'If you query a global secondary "
         "index, you can only request attributes that are projected into the index' and 'a global secondary index "
         "... does not fetch attributes from the base table'"],
        partiql_index_filter),
    Deviation(
        "index-filter-base-item",
        "A Scan of a secondary index whose filter names attributes the index does not project",
        "the filter is evaluated on the index's item, where an unprojected attribute is absent (a global secondary "
        "index never reads the base table; a Query of any index with such a filter is refused, as DynamoDB Local "
        "refuses it too, and dynolab's Scan reads the index as its Query does)",
        "evaluates a Scan's filter on the table's full item, so items pass that the index's data could not select",
        ["AWS Developer Guide, Global secondary indexes / Attribute projections: 'a global secondary index ... does "
         "not fetch attributes from the base table'; Filter expressions for Query/Scan: the filter is applied to the "
         "items the read returns"],
        index_filter_base_item),
    Deviation(
        "lsi-scan-fetch-units",
        "A Scan of a local secondary index that fetches attributes the index does not project",
        "each item fetched from the table is a table read, charged beside the index read (as for a Query of the "
        "index)",
        "charges the index read only, for a Scan (it charges the fetches for a Query)",
        ["AWS Developer Guide, LSI.html: 'If you query or scan a local secondary index, you can request attributes "
         "that are not projected in to the index. DynamoDB automatically fetches those attributes from the base "
         "table', at the cost of a table read per item fetched"],
        lsi_scan_fetch_units),
    Deviation(
        "size-in-bytes",
        "size() of a string with characters outside ASCII",
        "the size of a String is its length in bytes (UTF-8), as for a Binary",
        "counts characters",
        ["AWS Developer Guide, ql-functions.size.html: size 'Returns a number representing an attribute's size in "
         "bytes' (the PartiQL page, which defers to the condition-expression size function for the types); the "
         "item-size rules count strings in UTF-8 bytes (CapacityUnitCalculations.html)"],
        size_in_bytes),
    Deviation(
        "start-key-at-closing-bound",
        "A Query whose ExclusiveStartKey's sort key is the inclusive bound the Query reads towards",
        "the start key satisfies the key condition (`sk <= :v` or `sk BETWEEN :a AND :v` read forward with sk = :v; "
        "`sk >= :v` or `BETWEEN :v AND :b` read backward), so the page starts after it: an empty page. A start key "
        "outside the condition is refused ('The provided starting key does not match the range key predicate', "
        "which dynolab gives as DynamoDB Local does)",
        "refuses it, as if that bound were exclusive (it accepts the same key as the bound it reads away from, and "
        "for `=`)",
        ["AWS API Reference, Query: ExclusiveStartKey is 'The primary key of the first item that this operation "
         "will evaluate'; a key that satisfies the condition is a valid start (tests/differential measured DynamoDB "
         "Local accepting it for `>=` read forward and for `=`)"],
        start_key_at_closing_bound),
]

# ---- dynolab gaps under repair (temporary) ---------------------------------------------------------
# Issue 20 items 1-9: DynamoDB rules dynolab does not enforce yet, being fixed on main. Each entry
# says which item it is; delete it when the fix lands (the harness then counts any such divergence
# as unclassified again).

def ddblocal_says(*texts):
    def pred(req, dl, dd, diffs, h):
        o = outcome(diffs)
        return o is not None and dd.type == "ValidationException" and any(t in (dd.message or "") for t in texts) \
            and not (dl.type == "ValidationException" and any(t in (dl.message or "") for t in texts))
    return pred


def expressions_text(req):
    import json as _json
    return _json.dumps(req.body) if isinstance(req.body, dict) else str(req.body)


def projected(table, index):
    """The attributes an index holds."""
    if index.projection == "ALL":
        return None
    return set(table.key_attrs) | set(index.key_attrs) | set(index.non_key)


def unprojected_reference(req, dl, dd, diffs, h):
    # Item 2 (and its LSI form): a read of an index that names attributes the index does not
    # project, in a filter, a projection or a PartiQL WHERE.
    import re
    b = body(req)
    t, index = table_of(b.get("TableName")), None
    if t is not None and isinstance(b.get("IndexName"), str):
        index = t.index(b["IndexName"])
    stmt = b.get("Statement")
    if isinstance(stmt, str):
        m = re.search(r'FROM\s+"([^"]+)"\."([^"]+)"', stmt)
        if m and m.group(1) in TABLE:
            t = TABLE[m.group(1)]
            index = t.index(m.group(2))
    if t is None or index is None:
        return False
    have = projected(t, index)
    if have is None:
        return False
    names = b.get("ExpressionAttributeNames") if isinstance(b.get("ExpressionAttributeNames"), dict) else {}
    text = " ".join(v for k, v in b.items() if k in ("FilterExpression", "ProjectionExpression", "Statement")
                    and isinstance(v, str))
    words = set(re.findall(r'#\w+|"[^"]+"|[A-Za-z_][\w]*', text))
    refs = set()
    for w in words:
        if w.startswith("#"):
            refs.add(names.get(w, w))
        else:
            refs.add(w.strip('"'))
    from schema import ATTRS
    refs &= set(ATTRS) | {"zz"}
    if b.get("Select") == "ALL_ATTRIBUTES" or b.get("AttributesToGet"):
        refs |= set(ATTRS)
    return bool(refs - have)


def found(id, title, matches, note):
    return Deviation(id, title, f"found by this harness: {note}", "", ["tests/differential"], matches)


def message_pair(dl_type, dd_text, ops=None):
    texts = dd_text if isinstance(dd_text, tuple) else (dd_text,)

    def pred(req, dl, dd, diffs, h):
        o = outcome(diffs)
        return (o is not None and (ops is None or req.op in ops) and dl.type == dl_type
                and any(t in (dd.message or "") for t in texts))
    return pred


def query_limit_hash_table(req, dl, dd, diffs, h):
    b = body(req)
    return (req.op == "Query" and only(diffs, "LastEvaluatedKey.present") and diffs[0].dynolab is True
            and dl.body.get("ScannedCount") == b.get("Limit"))


def null_list_element(req, dl, dd, diffs, h):
    o = outcome(diffs)
    return o is not None and (dd.status or 0) >= 500 and dl.ok and "null" in expressions_text(req)


def capacity_combined(req, dl, dd, diffs, h):
    return (only(diffs, "ConsumedCapacity") and req.op in ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem",
                                                            "TransactWriteItems")
            and sparse_touch(written_keys(req), h))


GAPS = [
    found("capacity-combined", "Write capacity where several of DynamoDB Local's capacity deviations combine",
          capacity_combined,
          "unresolved: a write touching an item outside an index (sparse-index-write-units) where another capacity "
          "rule also applies, so the classifiers cannot attribute the difference"),
    found("query-limit-last-item", "A Query whose Limit is reached on the last item of its key range",
          query_limit_hash_table, "unresolved: dynolab returns LastEvaluatedKey, DynamoDB Local does not"),
    found("transaction-duplicate-order", "TransactWriteItems naming one item twice whose conditions fail",
          message_pair("ValidationException", "Transaction cancelled", ("TransactWriteItems",)),
          "unresolved: which check comes first"),
    found("transact-get-bad-key", "TransactGetItems with a key that does not match the schema",
          message_pair("ValidationException", ("The number of conditions on the keys is invalid", "Type mismatch for key",
                                               "One of the required keys was not given a value"),
                       ("TransactGetItems",)),
          "unresolved: dynolab ValidationException, DynamoDB Local TransactionCanceledException"),
    found("transaction-item-validation", "An update in a transaction whose operand type does not fit the item",
          message_pair("TransactionCanceledException", "Invalid attribute value type", ("TransactWriteItems",)),
          "unresolved: dynolab cancels with ValidationError, DynamoDB Local answers ValidationException "
          "'Invalid attribute value type' (a message the API Reference does not list)"),
    found("null-list-element", "JSON null as an element of a request list", null_list_element,
          "unresolved: dynolab ignores it, DynamoDB Local answers HTTP 500"),
]

BY_ID = {d.id: d for d in DEVIATIONS + GAPS}


def classify(req, dl, dd, diffs, harness):
    """The id of the known deviation that explains `diffs`, "gap:<id>" for a dynolab gap under
    repair, or None: dynolab differs."""
    for d in DEVIATIONS:
        if d.matches(req, dl, dd, diffs, harness):
            return d.id
    for d in GAPS:
        if d.matches(req, dl, dd, diffs, harness):
            return "gap:" + d.id
    # Several differences in one answer, each explained by a known deviation on its own (an
    # ItemCollectionMetrics DynamoDB Local leaves out beside a capacity it over-charges): "a+b".
    if len(diffs) > 1:
        ids = set()
        for diff in diffs:
            one = next((d.id for d in DEVIATIONS if d.matches(req, dl, dd, [diff], harness)), None)
            if one is None:
                return None
            ids.add(one)
        return "+".join(sorted(ids))
    return None


def markdown():
    """The two tables docs/COMPAT.md shows between its `deviations` markers (test_differential.py
    checks they are the same; `python3 tests/differential/known_deviations.py` prints them)."""
    def cell(text):
        return text.replace("|", "\\|").replace("\n", " ")

    out = ["| Id | What | DynamoDB | DynamoDB Local 1.25.1 | Evidence |", "|---|---|---|---|---|"]
    for d in DEVIATIONS:
        out.append(f"| `{d.id}` | {cell(d.title)} | {cell(d.dynamodb)} | {cell(d.ddblocal)} | "
                   f"{cell('; '.join(d.evidence))} |")
    out += ["", "Divergences where dynolab is likely wrong, or where neither answer is established yet "
            "(`GAPS`; CI reports them apart and tolerates them):", "",
            "| Id | What | Status |", "|---|---|---|"]
    for d in GAPS:
        out.append(f"| `{d.id}` | {cell(d.title)} | {cell(d.dynamodb)} |")
    return "\n".join(out)


if __name__ == "__main__":
    print(markdown())
