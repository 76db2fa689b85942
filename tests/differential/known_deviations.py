"""DynamoDB Local's own deviations from DynamoDB, each with its evidence, and the classifier that
recognises it: a predicate over (request, dynolab's answer, DynamoDB Local's answer, differences).

A divergence that no entry matches is "dynolab differs": CI fails on it. Every entry here is also
listed in docs/COMPAT.md ("DynamoDB Local's deviations"). Sources:
- AWS: the DynamoDB API Reference and Developer Guide (docs.aws.amazon.com/amazondynamodb/...).
- dynalite: architect/dynalite test/*.js, a suite written against the live service (its
  test/helpers.js sends every request to dynamodb.us-east-1.amazonaws.com when REMOTE is set).
- Alternator: scylladb/scylladb test/alternator/*.py, run against DynamoDB as well as ScyllaDB
  (`test/alternator/run --aws`); tests marked scylla_only are not evidence.

`GAPS` is a separate, temporary list: rules dynolab does not yet enforce and that are being fixed
(issue 20, items 1-9). They are dynolab's bugs, not DynamoDB Local's; CI tolerates them until the
fix lands, and the harness reports them apart ("dynolab gap under repair").
"""

from compare import norm_cc, norm_table
from schema import TABLE


class Deviation:
    def __init__(self, id, title, dynamodb, ddblocal, evidence, matches):
        self.id, self.title, self.dynamodb, self.ddblocal = id, title, dynamodb, ddblocal
        self.evidence = evidence
        self.matches = matches


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

def serialization(req, dl, dd, diffs, h):
    o = outcome(diffs)
    return (o is not None and dl.type == "SerializationException" and dd.type != "SerializationException"
            and has_wrong_json_type(req))


def validation_before_table(req, dl, dd, diffs, h):
    # dynolab answers a ValidationException for a table that exists on neither server, so its check
    # cannot depend on the table's schema: it is request-level validation.
    o = outcome(diffs)
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
    """DynamoDB Local charges a transactional write four units per KB (and its index writes twice
    as much too); DynamoDB charges two."""
    if req.op != "TransactWriteItems" or not only(diffs, "ConsumedCapacity"):
        return False
    a, b = norm_cc(dl.body.get("ConsumedCapacity")), norm_cc(dd.body.get("ConsumedCapacity"))
    if not a or a.keys() != b.keys():
        return False

    def doubled(x, y):
        if set(x) - {"_rw"} != set(y) - {"_rw"}:
            return False
        for k in x:
            if k == "CapacityUnits":
                if float(y[k] or 0) != 2 * float(x[k] or 0):
                    return False
            elif k in ("Table",):
                if not doubled(x[k], y[k]):
                    return False
            elif k in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
                if x[k].keys() != y[k].keys() or any(not doubled(x[k][i], y[k][i]) for i in x[k]):
                    return False
        return True

    return all(doubled(a[t], b[t]) for t in a)


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
    return (o is not None and req.op == "ExecuteStatement" and dl.type == "DuplicateItemException"
            and dd.type == "DuplicateItem")


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
    return dl.type == "ValidationException" and "Type mismatch for Index Key" in (dl.message or "")


def no_tagging(req, dl, dd, diffs, h):
    o = outcome(diffs)
    return (o is not None and req.op in ("TagResource", "UntagResource", "ListTagsOfResource")
            and dd.type == "UnknownOperationException")


DEVIATIONS = [
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
        "__type '...#DuplicateItem' (same message)",
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
        "reports 4 per KB (twice DynamoDB's figure everywhere)",
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


def absent_not_equal(req, dl, dd, diffs, h):
    # Item 1: `a <> b` is true when both are absent. Shows as different items, counts or stored
    # state, or a conditional write one server refuses, for a request whose expressions use <>.
    text = expressions_text(req)
    if "<>" not in text and "!=" not in text and '"NE"' not in text:
        return False
    fields = {d.field for d in diffs}
    if fields <= {"Items", "Count", "ScannedCount", "stored items", "LastEvaluatedKey", "LastEvaluatedKey.present",
                  "ConsumedCapacity", "Responses", "NextToken.present"}:
        return True
    o = outcome(diffs)
    return o is not None and {dl.type, dd.type} <= {None, "ConditionalCheckFailedException", "TransactionCanceledException"}


def not_not(req, dl, dd, diffs, h):
    o = outcome(diffs)
    return o is not None and "NOT NOT" in expressions_text(req) and dl.type == "ValidationException"


def gap(id, item, title, matches):
    return Deviation(id, title, f"issue 20 item {item}", "", ["issue 20"], matches)


GAPS = [
    gap("absent-not-equal", 1, "An absent attribute is not equal to anything, even another absent one", absent_not_equal),
    gap("unprojected-index-attributes", 2, "Index reads naming attributes the index does not project",
        ddblocal_says("does not project")),
    gap("nested-path-under-key", 3, "Nested paths under table or index key attributes",
        ddblocal_says("Key attributes must be scalars")),
    gap("distinct-operands", 4, "Distinct operands for BETWEEN, IN and if_not_exists",
        ddblocal_says("must be distinct from the remaining operands")),
    gap("not-not", 5, "NOT NOT condition is grammatical", not_not),
    gap("attribute-name-length", 6, "Empty or overlong attribute names",
        ddblocal_says("Empty attribute name", "attribute name", "Attribute name")),
    gap("conditional-operator-alone", 7, "ConditionalOperator without Expected, QueryFilter or ScanFilter",
        ddblocal_says("ConditionalOperator cannot be used without")),
    gap("transact-get-duplicates", 8, "TransactGetItems naming one item twice",
        ddblocal_says("Transaction request cannot include multiple operations on one item")),
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
    return None
