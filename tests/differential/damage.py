"""Damage to a well-formed request: wrong JSON member types, bad numbers and sets, malformed
attribute values, broken expressions, invalid parameter combinations, missing or extra key
attributes, unknown tables and indexes, bad attribute names. `apply` picks one (sometimes two)
that fit the request and records their names in `Request.damage`."""

import copy

from schema import MISSING_TABLE, TABLE

CONTROL_OPS = {"CreateTable", "UpdateTable", "DeleteTable", "DescribeTable", "UpdateTimeToLive",
               "DescribeTimeToLive", "TagResource", "UntagResource", "ListTagsOfResource"}


def walk(obj, path=()):
    """Every (path, value) below obj, parents before children."""
    yield path, obj
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from walk(v, path + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from walk(v, path + (i,))


def get(obj, path):
    for p in path:
        obj = obj[p]
    return obj


def put(obj, path, value):
    get(obj, path[:-1])[path[-1]] = value


def attribute_values(body):
    """Paths of AttributeValues: members of Item/Key/ExclusiveStartKey/ExpressionAttributeValues/
    Parameters/AttributeValueList/Value and their nested members."""
    out = []
    containers = {"Item", "Key", "ExpressionAttributeValues", "ExclusiveStartKey"}
    for path, v in walk(body):
        if not path:
            continue
        parent = path[-2] if len(path) >= 2 else None
        if parent in containers and isinstance(v, dict):
            out.append(path)
        elif parent in ("Parameters", "AttributeValueList", "Keys") and isinstance(v, dict):
            if parent == "Keys":
                out.extend(path + (k,) for k in v)
            else:
                out.append(path)
        elif path[-1] == "Value" and isinstance(v, dict) and len(v) == 1:
            out.append(path)
    nested = []

    def inner(p):
        av = get(body, p)
        if isinstance(av, dict) and isinstance(av.get("L"), list):
            for i in range(len(av["L"])):
                nested.append(p + ("L", i))
                inner(p + ("L", i))
        if isinstance(av, dict) and isinstance(av.get("M"), dict):
            for k in av["M"]:
                nested.append(p + ("M", k))
                inner(p + ("M", k))

    for p in out:
        inner(p)
    return out + nested


def typed(body, types):
    return [p for p in attribute_values(body) if isinstance(get(body, p), dict) and len(get(body, p)) == 1
            and next(iter(get(body, p))) in types]


BAD_NUMBERS = ["abc", "", "1e126", "1e-131", "1.2.3", "123456789012345678901234567890123456789", " 1", "+1",
               "0x10", "Infinity", "NaN", "1e", ".5", "5.", "-", "1,5", "1_000", "9.9999999999999999999999999999999999999E+125"]


def wrong_json_type(g, body):
    r = g.rnd
    paths = [p for p, v in walk(body) if p]
    if not paths:
        return False
    p = r.choice(paths)
    v = get(body, p)
    choices = [123, "str", True, None, [], {}, 1.5, ["x"], {"S": "x"}]
    choices = [c for c in choices if type(c) is not type(v)]
    put(body, p, r.choice(choices))
    return True


def bad_number(g, body):
    paths = typed(body, {"N", "NS"})
    if not paths:
        return False
    p = g.rnd.choice(paths)
    av = get(body, p)
    bad = g.rnd.choice(BAD_NUMBERS)
    if "N" in av:
        av["N"] = bad
    else:
        av["NS"] = list(av["NS"]) + [bad]
    return True


def bad_set(g, body):
    paths = typed(body, {"SS", "NS", "BS"})
    r = g.rnd
    if not paths:
        paths = typed(body, {"S", "N", "B"})
        if not paths:
            return False
        p = r.choice(paths)
        (t, v), = get(body, p).items()
        put(body, p, {t + "S": r.choice([[], [v, v], [v, "" if t != "N" else v]])})
        return True
    p = r.choice(paths)
    av = get(body, p)
    (t, v), = av.items()
    choice = r.randint(0, 4)
    if choice == 0:
        av[t] = []
    elif choice == 1:
        av[t] = list(v) + [v[0]] if v else v
    elif choice == 2 and t == "NS":
        av[t] = ["1", "1.0"]
    elif choice == 3 and t == "BS":
        av[t] = ["AA==", ""]
    elif t == "SS":
        av[t] = ["x", ""]
    else:
        av[t] = [1, 2] if t == "NS" else [None]
    return True


def bad_attribute_value(g, body):
    paths = attribute_values(body)
    if not paths:
        return False
    p = g.rnd.choice(paths)
    put(body, p, g.rnd.choice([
        {}, {"S": "a", "N": "1"}, {"NULL": False}, {"BOOL": "true"}, {"X": "1"}, {"S": 1}, {"N": 1},
        {"B": "not base64!"}, {"B": ""}, {"S": ""}, {"L": {}}, {"M": []}, {"M": {"": {"S": "x"}}},
        {"SS": "x"}, {"s": "x"}, {"NULL": True, "S": "x"},
    ]))
    return True


EXPRESSION_MEMBERS = ("ConditionExpression", "UpdateExpression", "FilterExpression", "ProjectionExpression",
                      "KeyConditionExpression", "Statement")
TOKENS = ["(", ")", "AND", "OR", "NOT", ",", "=", "<>", "#", ":", "size", "foo(", "BETWEEN", "IN", "SET", "REMOVE",
          ".", "[", "]", "[-1]", "#zz", ":zz", "attribute_exists", "NOT NOT", "''", "\"", "ADD", "..", "1", "a.b",
          "begins_with(", "contains(pk, pk)", "#n0 = #n0", "SET a = a + :v0,", "sk.x", "pk[0]", "g.x"]


def broken_expression(g, body):
    r = g.rnd
    holders = [p for p, v in walk(body) if p and p[-1] in EXPRESSION_MEMBERS and isinstance(v, str)]
    if not holders:
        return False
    p = r.choice(holders)
    e = get(body, p)
    kind = r.randint(0, 7)
    if kind == 0 and len(e) > 1:
        e = e[: r.randint(0, len(e) - 1)]
    elif kind <= 2:
        i = r.randint(0, len(e))
        e = e[:i] + " " + r.choice(TOKENS) + " " + e[i:]
    elif kind == 3:
        toks = e.split(" ")
        if len(toks) > 1:
            del toks[r.randrange(len(toks))]
        e = " ".join(toks)
    elif kind == 4:
        e = e.replace(":v0", ":vundefined", 1) if ":v0" in e else e.replace("#n0", "#nundefined", 1) if "#n0" in e else e + " )"
    elif kind == 5:
        parent = get(body, p[:-1])
        parent.setdefault("ExpressionAttributeValues", {})[":unused"] = {"S": "x"}
    elif kind == 6:
        parent = get(body, p[:-1])
        parent.setdefault("ExpressionAttributeNames", {})["#unused"] = "x"
    else:
        parent = get(body, p[:-1])
        parent.pop("ExpressionAttributeValues", None) if r.random() < 0.5 else parent.pop("ExpressionAttributeNames", None)
    put(body, p, e)
    return True


def invalid_combination(g, body, op):
    r = g.rnd
    options = []
    if op in ("PutItem", "DeleteItem"):
        options += [lambda: body.__setitem__("ReturnValues", r.choice(["UPDATED_NEW", "ALL_NEW", "UPDATED_OLD", "all_old"])),
                    lambda: body.__setitem__("Expected", {"a": {"Exists": False}}),
                    lambda: body.__setitem__("ConditionalOperator", r.choice(["AND", "OR"])),
                    lambda: body.__setitem__("Expected", {"a": {"Exists": True}})]
    if op == "UpdateItem":
        options += [lambda: body.__setitem__("AttributeUpdates", {"a": {"Action": "PUT", "Value": {"S": "x"}}}),
                    lambda: body.__setitem__("ReturnValues", "ALL"),
                    lambda: body.__setitem__("ConditionalOperator", "AND"),
                    lambda: body.pop("UpdateExpression", None)]
    if op in ("Query", "Scan"):
        options += [lambda: body.__setitem__("Select", "COUNT") or body.__setitem__("ProjectionExpression", "a"),
                    lambda: body.__setitem__("Select", "SPECIFIC_ATTRIBUTES"),
                    lambda: body.__setitem__("Select", "ALL_PROJECTED_ATTRIBUTES"),
                    lambda: body.__setitem__("Select", r.choice(["ALL_ATTRIBUTES", "NONE", "count"])),
                    lambda: body.__setitem__("Limit", r.choice([0, -1, 10**7])),
                    lambda: body.__setitem__("AttributesToGet", ["a"]) or body.__setitem__("ProjectionExpression", "a"),
                    lambda: body.__setitem__("ConsistentRead", True),
                    lambda: body.__setitem__("ConditionalOperator", "OR"),
                    lambda: body.__setitem__("ExclusiveStartKey", {"pk": {"S": "a"}}),
                    lambda: body.__setitem__("ExclusiveStartKey", {"zz": {"S": "a"}, "pk": {"S": "a"}, "sk": {"N": "1"}}),
                    lambda: body.__setitem__("ReturnConsumedCapacity", "ALL")]
    if op == "Query":
        options += [lambda: body.__setitem__("KeyConditions", {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "a"}]}}),
                    lambda: body.pop("KeyConditionExpression", None),
                    lambda: body.__setitem__("QueryFilter", {"a": {"ComparisonOperator": "NULL"}}),
                    lambda: body.__setitem__("FilterExpression", "pk = :pkv") or body.setdefault("ExpressionAttributeValues", {}).__setitem__(":pkv", {"S": "a"})]
    if op == "Scan":
        options += [lambda: body.__setitem__("Segment", r.choice([0, 1, 5])),
                    lambda: body.__setitem__("TotalSegments", r.choice([0, 1, 1000001])) or body.__setitem__("Segment", 0),
                    lambda: body.__setitem__("Segment", 3) or body.__setitem__("TotalSegments", 2),
                    lambda: body.__setitem__("ScanIndexForward", False)]
    if op in ("GetItem", "BatchGetItem", "TransactGetItems"):
        options += [lambda: body.__setitem__("AttributesToGet", ["a", "a"]),
                    lambda: body.__setitem__("ReturnConsumedCapacity", "SOME")]
    if op == "GetItem":
        options += [lambda: body.__setitem__("AttributesToGet", ["a"]) or body.__setitem__("ProjectionExpression", "a")]
    if op == "TransactGetItems" and body.get("TransactItems"):
        options += [lambda: body["TransactItems"].append(copy.deepcopy(body["TransactItems"][0])),
                    lambda: body.__setitem__("TransactItems", [])]
    if op == "TransactWriteItems" and body.get("TransactItems"):
        options += [lambda: body["TransactItems"].append(copy.deepcopy(body["TransactItems"][0])),
                    lambda: body.__setitem__("TransactItems", []),
                    lambda: body.__setitem__("ClientRequestToken", ""),
                    lambda: body["TransactItems"][0].__setitem__("Get", {"TableName": "dl_hash", "Key": {"pk": {"S": "a"}}}),
                    lambda: body["TransactItems"].append({"Put": {"TableName": "dl_hash", "Item": {"pk": {"S": "a"}}},
                                                          "Delete": {"TableName": "dl_hash", "Key": {"pk": {"S": "a"}}}})]
    if op == "BatchWriteItem":
        first = next(iter(body.get("RequestItems", {}).values()), None)
        if isinstance(first, list) and first:
            options += [lambda: first.append(copy.deepcopy(first[0])),
                        lambda: first.append({"PutRequest": {"Item": {"pk": {"S": "a"}}}, "DeleteRequest": {"Key": {"pk": {"S": "a"}}}}),
                        lambda: first.append({})]
        options += [lambda: body.__setitem__("RequestItems", {})]
    if op == "BatchGetItem":
        first = next(iter(body.get("RequestItems", {}).values()), None)
        if isinstance(first, dict) and first.get("Keys"):
            options += [lambda: first["Keys"].append(copy.deepcopy(first["Keys"][0])),
                        lambda: first.__setitem__("Keys", []),
                        lambda: first.__setitem__("AttributesToGet", ["a"]),
                        lambda: first.__setitem__("ProjectionExpression", "a") or first.__setitem__("AttributesToGet", ["a"])]
    if op == "ExecuteStatement":
        options += [lambda: body.__setitem__("Parameters", []),
                    lambda: body.setdefault("Parameters", []).append({"S": "extra"}),
                    lambda: body.__setitem__("Limit", r.choice([0, -1])),
                    lambda: body.__setitem__("NextToken", "bogus"),
                    lambda: body.__setitem__("ReturnValuesOnConditionCheckFailure", "ALL_OLD")]
    if op == "CreateTable":
        options += [lambda: body.pop("AttributeDefinitions", None),
                    lambda: body.setdefault("AttributeDefinitions", []).append({"AttributeName": "unused", "AttributeType": "S"}),
                    lambda: body.__setitem__("BillingMode", "PROVISIONED"),
                    lambda: body.__setitem__("ProvisionedThroughput", {"ReadCapacityUnits": 0, "WriteCapacityUnits": 1}),
                    lambda: body.__setitem__("KeySchema", list(reversed(body.get("KeySchema") or []))),
                    lambda: body.__setitem__("KeySchema", []),
                    lambda: body.__setitem__("GlobalSecondaryIndexes", []),
                    lambda: body.__setitem__("LocalSecondaryIndexes", [{"IndexName": "lsi", "KeySchema": body.get("KeySchema"), "Projection": {"ProjectionType": "ALL"}}]),
                    lambda: body.__setitem__("TableName", "x" * 256)]
    if op == "UpdateTable":
        options += [lambda: body.__setitem__("BillingMode", "PROVISIONED"),
                    lambda: body.__setitem__("ProvisionedThroughput", {"ReadCapacityUnits": 0, "WriteCapacityUnits": 5}),
                    lambda: body.__setitem__("GlobalSecondaryIndexUpdates", [])]
    if op in ("TagResource", "UntagResource", "ListTagsOfResource"):
        options += [lambda: body.__setitem__("ResourceArn", r.choice(["arn:aws:dynamodb:us-east-1:1:table/x", "not-an-arn", ""])),
                    lambda: body.__setitem__("Tags", [{"Key": "aws:x", "Value": "1"}]),
                    lambda: body.__setitem__("Tags", [{"Key": "", "Value": "1"}]),
                    lambda: body.__setitem__("Tags", [{"Key": "k", "Value": "v" * 257}]),
                    lambda: body.__setitem__("TagKeys", [])]
    if op == "UpdateTimeToLive":
        options += [lambda: body["TimeToLiveSpecification"].__setitem__("AttributeName", ""),
                    lambda: body["TimeToLiveSpecification"].pop("Enabled", None)]
    if not options:
        return False
    r.choice(options)()
    return True


def key_damage(g, body, op):
    r = g.rnd
    holders = [p for p, v in walk(body) if p and p[-1] in ("Key", "Item") and isinstance(v, dict)]
    holders += [p + (i,) for p, v in walk(body) if p and p[-1] == "Keys" and isinstance(v, list) for i in range(len(v))]
    if not holders:
        return False
    p = r.choice(holders)
    k = get(body, p)
    if not isinstance(k, dict):
        return False
    kind = r.randint(0, 5)
    names = [n for n in ("pk", "sk") if n in k]
    if kind == 0 and names:
        k.pop(r.choice(names))
    elif kind == 1:
        k[r.choice(["zz", "a", "g"])] = {"S": "x"}
    elif kind == 2 and names:
        n = r.choice(names)
        k[n] = r.choice([{"S": "a"}, {"N": "1"}, {"B": "AA=="}, {"SS": ["a"]}, {"NULL": True}])
    elif kind == 3 and names:
        k[r.choice(names)] = r.choice([{"S": ""}, {"B": ""}])
    elif kind == 4 and p[-1] == "Item":
        for a in ("g", "h", "a", "n", "s"):
            k[a] = r.choice([{"N": "1"}, {"S": "x"}, {"S": ""}, {"B": "AA=="}, {"SS": ["x"]}])
            break
    else:
        k.clear()
    return True


def table_damage(g, body, op):
    r = g.rnd
    holders = [p for p, v in walk(body) if p and p[-1] in ("TableName", "IndexName") and isinstance(v, str)]
    if "RequestItems" in body and isinstance(body["RequestItems"], dict) and body["RequestItems"]:
        if r.random() < 0.5:
            items = body["RequestItems"]
            k = r.choice(list(items))
            items[r.choice([MISSING_TABLE, "a", "bad name!"])] = items.pop(k)
            return True
    if not holders:
        return False
    p = r.choice(holders)
    if op in CONTROL_OPS:
        # The control plane only ever names scratch tables: never point it at a fixed one.
        put(body, p, r.choice([MISSING_TABLE, "ab", "bad name!"]))
        return True
    if p[-1] == "IndexName":
        put(body, p, r.choice(["nope", "by_g", "by_a", "g_keys", "by_s", "x"]))
    else:
        put(body, p, r.choice([MISSING_TABLE, MISSING_TABLE, "ab", "bad name!", "dl_comp", "dl_hash", "dl_bin"]))
    return True


def attribute_name_damage(g, body, op):
    items = [p for p, v in walk(body) if p and p[-1] == "Item" and isinstance(v, dict)]
    r = g.rnd
    if items:
        item = get(body, r.choice(items))
        item[r.choice(["", "x" * 65536, "y" * 256, "\u00e9" * 40000])] = {"S": "v"}
        return True
    exprs = [p for p, v in walk(body) if p and p[-1] == "ExpressionAttributeNames" and isinstance(v, dict) and v]
    if exprs:
        names = get(body, r.choice(exprs))
        k = r.choice(list(names))
        names[k] = r.choice(["", "x" * 65536])
        return True
    return False


def nested_key_path(g, body, op):
    """Paths under key attributes (pk.x, sk[0], g.x) in expressions: DynamoDB refuses them."""
    r = g.rnd
    holders = [p for p, v in walk(body) if p and p[-1] in ("ConditionExpression", "FilterExpression", "ProjectionExpression")
               and isinstance(v, str)]
    if not holders:
        return False
    p = r.choice(holders)
    attr = r.choice(["pk.x", "sk[0]", "g.x", "h[1]", "s.y", "a.b"])
    e = get(body, p)
    if p[-1] == "ProjectionExpression":
        put(body, p, e + ", " + attr)
    else:
        put(body, p, f"({e}) AND attribute_exists({attr})")
    return True


def large_item(g, body, op):
    items = [p for p, v in walk(body) if p and p[-1] == "Item" and isinstance(v, dict)]
    if not items:
        return False
    get(body, g.rnd.choice(items))["big"] = {"S": "z" * g.rnd.choice([409_000, 400_000, 200_000])}
    return True


DAMAGES = [
    ("wrong_json_type", lambda g, b, op: wrong_json_type(g, b), 12),
    ("bad_number", lambda g, b, op: bad_number(g, b), 10),
    ("bad_set", lambda g, b, op: bad_set(g, b), 7),
    ("bad_attribute_value", lambda g, b, op: bad_attribute_value(g, b), 9),
    ("broken_expression", lambda g, b, op: broken_expression(g, b), 16),
    ("invalid_combination", invalid_combination, 16),
    ("key_damage", key_damage, 12),
    ("table_damage", table_damage, 7),
    ("attribute_name", attribute_name_damage, 3),
    ("nested_key_path", nested_key_path, 4),
    ("large_item", large_item, 1),
]


def apply(g, req):
    body = req.body
    names, fns, weights = zip(*DAMAGES)
    applied = []
    for _ in range(2 if g.rnd.random() < 0.15 else 1):
        for _ in range(8):
            i = g.rnd.choices(range(len(DAMAGES)), weights)[0]
            try:
                done = fns[i](g, body, req.op)
            except (AttributeError, TypeError, KeyError, IndexError):
                done = False  # an earlier damage changed the shape this one expects
            if done:
                applied.append(names[i])
                break
    req.damage = "+".join(applied) if applied else None
    # A damaged request may touch tables the generator did not plan for: check every fixed table
    # it names.
    if req.write:
        for _, v in walk(body):
            if isinstance(v, str) and v in TABLE:
                req.tables.add(v)
        if isinstance(body.get("RequestItems"), dict):
            req.tables.update(k for k in body["RequestItems"] if k in TABLE)
