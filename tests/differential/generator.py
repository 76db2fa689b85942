"""Seeded random requests: every data-plane operation on the fixed tables and their indexes, PartiQL,
and the control plane on scratch tables; about a third of them damaged (`damage.py`).

`Generator(seed).next()` returns a `Request`. The only feedback it takes is `remember_answer`,
which keeps DynamoDB Local's LastEvaluatedKeys so later reads can start from them: a seed and the
servers' answers fix the whole sequence."""

import copy
import random

import damage
from compare import Read
from schema import (ATTRS, KEY_ALIASES, KEY_VALUES, MISSING_TABLE, RANGE_S, RESERVED, SCRATCH_TABLES,
                    TABLE, TABLES, Index, Table, b64)

WRITE_OPS = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
CONTROL_OPS = {"CreateTable", "UpdateTable", "DeleteTable", "DescribeTable", "UpdateTimeToLive",
               "DescribeTimeToLive", "TagResource", "UntagResource", "ListTagsOfResource"}


class Request:
    """One generated request. `tables`: the fixed tables it may change (their state is checked after
    it); `read`: how its items compare (compare.Read); `damage`: what was broken, if anything."""

    def __init__(self, op, body, tables=(), read=None, write=False, damage=None, partiql=None):
        self.op, self.body = op, body
        self.tables = set(tables)
        self.read, self.write, self.damage = read, write, damage
        self.partiql = partiql  # "select" | "insert" | "update" | "delete" for ExecuteStatement

    def copy(self, body):
        r = copy.copy(self)
        r.body = body
        return r


class Ctx:
    """Placeholders of one request's expressions."""

    def __init__(self, rnd):
        self.rnd = rnd
        self.names, self.values = {}, {}

    def name(self, attr, force=False):
        if force or attr in RESERVED or "." in attr or self.rnd.random() < 0.3:
            for k, v in self.names.items():
                if v == attr:
                    return k
            k = f"#n{len(self.names)}"
            self.names[k] = attr
            return k
        return attr

    def value(self, av):
        k = f":v{len(self.values)}"
        self.values[k] = av
        return k

    def attach(self, body):
        if self.names:
            body["ExpressionAttributeNames"] = dict(self.names)
        if self.values:
            body["ExpressionAttributeValues"] = dict(self.values)
        return body


class Generator:
    def __init__(self, seed):
        self.seed = seed
        self.rnd = random.Random(seed)
        self.n = 0
        self.leks = {}  # (table, index) -> recent LastEvaluatedKeys from DynamoDB Local
        self.scratch = {}  # scratch table name -> Table as created on DynamoDB Local
        self.tokens = []

    # ---- values -------------------------------------------------------------------------------

    def s(self):
        return self.rnd.choice(["x", "y", "z", "xy", "xyz", "abc", "a b", "\u00e9", "", "x#1", "y\u00e9"])

    def num(self):
        return self.rnd.choice(["0", "1", "-1", "2.5", "10", "1E1", "100", "0.001", "-0", "3", "1e2", "99999999999999999999"])

    def binary(self):
        return b64(self.rnd.choice([b"\x00", b"\x01", b"ab", b"abc", b"\xff\x00", b"x"]))

    def av(self, t=None, depth=0):
        r = self.rnd
        if t is None:
            t = r.choice(["S", "S", "N", "N", "B", "SS", "NS", "BS", "L", "M", "BOOL", "NULL"])
            if depth >= 2 and t in ("L", "M"):
                t = "S"
        if t == "S":
            return {"S": self.s()}
        if t == "N":
            return {"N": self.num()}
        if t == "B":
            return {"B": self.binary()}
        if t == "SS":
            return {"SS": r.sample(["x", "y", "z", "xy", "abc"], r.randint(1, 3))}
        if t == "NS":
            return {"NS": r.sample(["1", "2", "2.5", "-1", "100", "0"], r.randint(1, 3))}
        if t == "BS":
            return {"BS": [b64(x) for x in r.sample([b"\x00", b"\x01", b"ab", b"x"], r.randint(1, 3))]}
        if t == "L":
            return {"L": [self.av(None, depth + 1) for _ in range(r.randint(0, 3))]}
        if t == "M":
            return {"M": {k: self.av(None, depth + 1) for k in r.sample(["x", "y", "z", "w"], r.randint(0, 3))}}
        if t == "BOOL":
            return {"BOOL": r.random() < 0.5}
        return {"NULL": True}

    def attr_value(self, attr):
        t = ATTRS.get(attr)
        if t is None or self.rnd.random() < 0.06:
            return self.av()
        return self.av(t)

    def key_value(self, t, range_key=False, table=None):
        if t == "S" and range_key:
            return {"S": self.rnd.choice(RANGE_S)}
        v = self.rnd.choice(KEY_VALUES[t])
        aliases = KEY_ALIASES.get(t, {}).get(v)
        if aliases and self.rnd.random() < 0.3:
            v = self.rnd.choice(aliases)
        return {t: v}

    def key(self, table):
        k = {table.hash: self.key_value(table.types[table.hash])}
        if table.range:
            k[table.range] = self.key_value(table.types[table.range], True)
        return k

    def item(self, table):
        it = self.key(table)
        for a in self.rnd.sample(sorted(ATTRS), self.rnd.randint(0, 6)):
            if a not in it:
                it[a] = self.attr_value(a)
        # Index keys usually well typed, so most items land in the indexes.
        for a in sorted(table.index_key_attrs()):
            if a not in it and self.rnd.random() < 0.5:
                it[a] = self.key_value(table.types[a], a in ("h", "sk", "a"))
        return it

    # ---- expressions --------------------------------------------------------------------------

    def path(self, ctx, attrs=None):
        r = self.rnd
        attr = r.choice(attrs or sorted(ATTRS) + ["pk", "sk", "zz"])
        p = ctx.name(attr)
        roll = r.random()
        if roll < 0.12:
            p += "." + ctx.name(r.choice(["x", "y", "z"]))
        elif roll < 0.2:
            p += f"[{r.randint(0, 2)}]"
        elif roll < 0.23:
            p += f".{ctx.name('x')}[0]"
        return p, attr

    def operand_value(self, attr):
        t = ATTRS.get(attr) or ("S" if attr in ("pk", "zz") else "N")
        return self.av(t) if self.rnd.random() < 0.8 else self.av()

    def condition(self, ctx, depth=0, attrs=None):
        r = self.rnd
        roll = r.random()
        if depth < 2 and roll < 0.22:
            op = r.choice(["AND", "OR"])
            return f"{self.condition(ctx, depth + 1, attrs)} {op} {self.condition(ctx, depth + 1, attrs)}"
        if depth < 2 and roll < 0.28:
            return f"NOT {self.condition(ctx, depth + 1, attrs)}"
        if depth < 2 and roll < 0.33:
            return f"({self.condition(ctx, depth + 1, attrs)})"
        p, attr = self.path(ctx, attrs)
        kind = r.random()
        if kind < 0.35:
            cmp = r.choice(["=", "<>", "<", "<=", ">", ">="])
            if r.random() < 0.15:
                other, _ = self.path(ctx, attrs)
                return f"{p} {cmp} {other}"
            return f"{p} {cmp} {ctx.value(self.operand_value(attr))}"
        if kind < 0.42:
            return f"{p} BETWEEN {ctx.value(self.operand_value(attr))} AND {ctx.value(self.operand_value(attr))}"
        if kind < 0.49:
            vals = ", ".join(ctx.value(self.operand_value(attr)) for _ in range(r.randint(1, 3)))
            return f"{p} IN ({vals})"
        if kind < 0.62:
            return f"attribute_exists({p})"
        if kind < 0.72:
            return f"attribute_not_exists({p})"
        if kind < 0.77:
            t = r.choice(["S", "N", "B", "SS", "NS", "BS", "L", "M", "BOOL", "NULL"])
            return f"attribute_type({p}, {ctx.value({'S': t})})"
        if kind < 0.84:
            return f"begins_with({p}, {ctx.value(self.av('S') if r.random() < 0.8 else self.av('B'))})"
        if kind < 0.92:
            return f"contains({p}, {ctx.value(self.av(r.choice(['S', 'S', 'N'])))})"
        cmp = r.choice(["=", "<", ">", "<>", ">="])
        return f"size({p}) {cmp} {ctx.value({'N': str(r.randint(0, 4))})}"

    def update_expression(self, ctx, table):
        r = self.rnd
        keys = set(table.key_attrs)
        attrs = [a for a in sorted(ATTRS) if a not in keys]
        used = set()
        clauses = {}

        def fresh():
            for _ in range(10):
                a = r.choice(attrs)
                if a not in used:
                    used.add(a)
                    return a
            return None

        for _ in range(r.randint(1, 4)):
            a = fresh()
            if a is None:
                break
            t = ATTRS[a]
            n = ctx.name(a)
            kind = r.random()
            if kind < 0.45:
                if t == "N" and r.random() < 0.3:
                    rhs = f"{n} {r.choice(['+', '-'])} {ctx.value({'N': self.num()})}"
                elif t == "L" and r.random() < 0.4:
                    lst = ctx.value(self.av("L"))
                    rhs = f"list_append({n}, {lst})" if r.random() < 0.5 else f"list_append({lst}, {n})"
                elif r.random() < 0.2:
                    rhs = f"if_not_exists({n}, {ctx.value(self.attr_value(a))})"
                else:
                    rhs = ctx.value(self.attr_value(a))
                target = n
                if t == "M" and r.random() < 0.4:
                    target = f"{n}.{ctx.name(r.choice(['x', 'y']))}"
                    rhs = ctx.value(self.av())
                elif t == "L" and r.random() < 0.3:
                    target = f"{n}[{r.randint(0, 3)}]"
                    rhs = ctx.value(self.av())
                clauses.setdefault("SET", []).append(f"{target} = {rhs}")
            elif kind < 0.65:
                target = n
                if t in ("M", "L") and r.random() < 0.4:
                    target = f"{n}.{ctx.name('x')}" if t == "M" else f"{n}[{r.randint(0, 2)}]"
                clauses.setdefault("REMOVE", []).append(target)
            elif kind < 0.85:
                if t in ("N", "SS", "NS", "BS"):
                    clauses.setdefault("ADD", []).append(f"{n} {ctx.value(self.attr_value(a))}")
                else:
                    clauses.setdefault("ADD", []).append(f"{n} {ctx.value(self.av(r.choice(['N', 'SS'])))}")
            else:
                st = t if t in ("SS", "NS", "BS") else r.choice(["SS", "NS"])
                clauses.setdefault("DELETE", []).append(f"{n} {ctx.value(self.av(st))}")
        parts = [f"{k} {', '.join(v)}" for k, v in clauses.items()]
        r.shuffle(parts)
        return " ".join(parts) or f"SET {ctx.name('a')} = {ctx.value({'S': 'x'})}"

    def projection(self, ctx, table=None, index=None):
        pool = sorted(ATTRS) + ["pk", "sk", "zz"]
        paths = []
        for _ in range(self.rnd.randint(1, 4)):
            p, _ = self.path(ctx, pool)
            if p not in paths:
                paths.append(p)
        return ", ".join(paths)

    def key_condition(self, ctx, hash_attr, hash_t, range_attr, range_t, range_is_s_key=False):
        r = self.rnd
        hv = self.key_value(hash_t)
        if hash_attr in ("g", "s") and r.random() < 0.6:
            hv = {"S": r.choice(["x", "y", "z", "xy"])}
        if hash_attr == "n":
            hv = {"N": r.choice(["1", "2", "10", "2.5", "0"])}
        expr = f"{ctx.name(hash_attr)} = {ctx.value(hv)}"
        if range_attr and r.random() < 0.6:
            rn = ctx.name(range_attr)

            def rv():
                if range_t == "S":
                    return {"S": r.choice(RANGE_S + ["x", "y", "z", "xy"])}
                if range_t == "N":
                    return {"N": r.choice(KEY_VALUES["N"] + ["0", "2.5", "5"])}
                return {"B": self.binary()}

            kind = r.random()
            if kind < 0.55:
                cond = f"{rn} {r.choice(['=', '<', '<=', '>', '>='])} {ctx.value(rv())}"
            elif kind < 0.8:
                cond = f"{rn} BETWEEN {ctx.value(rv())} AND {ctx.value(rv())}"
            else:
                cond = f"begins_with({rn}, {ctx.value(rv() if range_t != 'N' else {'S': 'x'})})"
            expr = f"{expr} AND {cond}" if r.random() < 0.8 else f"{cond} AND {expr}"
        return expr

    # ---- options ------------------------------------------------------------------------------

    def maybe(self, body, key, p, value):
        if self.rnd.random() < p:
            body[key] = value() if callable(value) else value

    def rcc(self, body, p=0.45):
        self.maybe(body, "ReturnConsumedCapacity", p, lambda: self.rnd.choice(["TOTAL", "INDEXES", "NONE"]))

    def table(self):
        return self.rnd.choice(TABLES)

    # ---- operations ---------------------------------------------------------------------------

    def put_item(self):
        t = self.table()
        body = {"TableName": t.name, "Item": self.item(t)}
        ctx = Ctx(self.rnd)
        if self.rnd.random() < 0.4:
            body["ConditionExpression"] = self.condition(ctx)
        elif self.rnd.random() < 0.08:
            body["Expected"] = self.expected()
        ctx.attach(body)
        self.maybe(body, "ReturnValues", 0.3, lambda: self.rnd.choice(["NONE", "ALL_OLD"]))
        self.maybe(body, "ReturnValuesOnConditionCheckFailure", 0.15, lambda: self.rnd.choice(["NONE", "ALL_OLD"]))
        self.maybe(body, "ReturnItemCollectionMetrics", 0.1, lambda: self.rnd.choice(["SIZE", "NONE"]))
        self.rcc(body)
        return Request("PutItem", body, [t.name], write=True)

    def expected(self):
        r = self.rnd
        out = {}
        for a in r.sample(["a", "h", "c", "zz", "m"], r.randint(1, 2)):
            kind = r.random()
            if kind < 0.3:
                out[a] = {"Exists": False}
            elif kind < 0.5:
                out[a] = {"Value": self.attr_value(a)}
            else:
                op = r.choice(["EQ", "NE", "LT", "GE", "NULL", "NOT_NULL", "CONTAINS", "BEGINS_WITH", "IN", "BETWEEN"])
                n = {"NULL": 0, "NOT_NULL": 0, "BETWEEN": 2, "IN": r.randint(1, 2)}.get(op, 1)
                e = {"ComparisonOperator": op}
                if n:
                    e["AttributeValueList"] = [self.attr_value(a) for _ in range(n)]
                out[a] = e
        return out

    def update_item(self):
        t = self.table()
        body = {"TableName": t.name, "Key": self.key(t)}
        ctx = Ctx(self.rnd)
        if self.rnd.random() < 0.9:
            body["UpdateExpression"] = self.update_expression(ctx, t)
        else:
            body["AttributeUpdates"] = {
                a: ({"Action": "DELETE"} if self.rnd.random() < 0.3 else
                    {"Action": self.rnd.choice(["PUT", "ADD"]), "Value": self.attr_value(a)})
                for a in self.rnd.sample(["a", "h", "c", "ns", "l"], 2)
            }
        if self.rnd.random() < 0.35:
            body["ConditionExpression"] = self.condition(ctx)
        ctx.attach(body)
        self.maybe(body, "ReturnValues", 0.5, lambda: self.rnd.choice(["NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"]))
        self.maybe(body, "ReturnValuesOnConditionCheckFailure", 0.1, "ALL_OLD")
        self.rcc(body)
        return Request("UpdateItem", body, [t.name], write=True)

    def delete_item(self):
        t = self.table()
        body = {"TableName": t.name, "Key": self.key(t)}
        ctx = Ctx(self.rnd)
        if self.rnd.random() < 0.35:
            body["ConditionExpression"] = self.condition(ctx)
        ctx.attach(body)
        self.maybe(body, "ReturnValues", 0.4, lambda: self.rnd.choice(["NONE", "ALL_OLD"]))
        self.rcc(body)
        return Request("DeleteItem", body, [t.name], write=True)

    def get_item(self):
        t = self.table()
        body = {"TableName": t.name, "Key": self.key(t)}
        ctx = Ctx(self.rnd)
        if self.rnd.random() < 0.4:
            body["ProjectionExpression"] = self.projection(ctx)
        elif self.rnd.random() < 0.05:
            body["AttributesToGet"] = self.rnd.sample(["a", "h", "pk", "m", "zz"], 2)
        ctx.attach(body)
        self.maybe(body, "ConsistentRead", 0.3, lambda: self.rnd.random() < 0.5)
        self.rcc(body)
        return Request("GetItem", body)

    def pick_index(self, t, p=0.45):
        if t.indexes and self.rnd.random() < p:
            return self.rnd.choice(t.indexes)
        return None

    def read_options(self, body, ctx, t, index, op):
        r = self.rnd
        filtered = False
        if r.random() < 0.35:
            body["FilterExpression"] = self.condition(ctx)
            filtered = True
        if r.random() < 0.3:
            body["ProjectionExpression"] = self.projection(ctx)
        sel = r.random()
        if sel < 0.12:
            body["Select"] = "COUNT"
        elif sel < 0.18:
            body["Select"] = "ALL_ATTRIBUTES"
        elif sel < 0.22 and index is not None:
            body["Select"] = "ALL_PROJECTED_ATTRIBUTES"
        elif sel < 0.25 and "ProjectionExpression" in body:
            body["Select"] = "SPECIFIC_ATTRIBUTES"
        self.maybe(body, "Limit", 0.35, lambda: r.randint(1, 6))
        self.maybe(body, "ConsistentRead", 0.2, lambda: r.random() < 0.5 if index is None or index.local else False)
        leks = self.leks.get((t.name, index.name if index else None))
        paged = False
        if leks and r.random() < 0.3:
            body["ExclusiveStartKey"] = copy.deepcopy(r.choice(leks))
            paged = True
        self.rcc(body)
        return filtered, paged

    def query(self):
        r = self.rnd
        t = self.table()
        index = self.pick_index(t)
        body = {"TableName": t.name}
        if index is not None:
            body["IndexName"] = index.name
            h, rg = index.hash, index.range
        else:
            h, rg = t.hash, t.range
        ctx = Ctx(r)
        if r.random() < 0.93:
            body["KeyConditionExpression"] = self.key_condition(ctx, h, t.types[h], rg, t.types.get(rg) if rg else None)
        else:
            body["KeyConditions"] = {h: {"ComparisonOperator": "EQ", "AttributeValueList": [self.key_value(t.types[h])]}}
        filtered, paged = self.read_options(body, ctx, t, index, "Query")
        ctx.attach(body)
        self.maybe(body, "ScanIndexForward", 0.25, lambda: r.random() < 0.5)
        if index is None:
            read = Read(True, filtered=filtered, paged_request=paged)
        else:
            read = Read(False, key_attrs=index.key_attrs, filtered=filtered, paged_request=paged)
        return Request("Query", body, read=read)

    def scan(self):
        r = self.rnd
        t = self.table()
        index = self.pick_index(t, 0.3)
        body = {"TableName": t.name}
        if index is not None:
            body["IndexName"] = index.name
        ctx = Ctx(r)
        filtered, paged = self.read_options(body, ctx, t, index, "Scan")
        ctx.attach(body)
        if r.random() < 0.1 and "ExclusiveStartKey" not in body:
            # Which segment holds a key is DynamoDB's hash, not defined: no start key with segments.
            total = r.randint(1, 4)
            body["TotalSegments"] = total
            body["Segment"] = r.randint(0, total - 1)
            if total > 1:
                paged = True  # which items a segment holds is not DynamoDB-defined either
        if r.random() < 0.04:
            body["ScanFilter"] = {"a": {"ComparisonOperator": r.choice(["EQ", "NOT_NULL", "BEGINS_WITH"]),
                                        **({} if r.random() < 0.3 else {"AttributeValueList": [{"S": "x"}]})}}
        return Request("Scan", body, read=Read(False, filtered=filtered or "ScanFilter" in body, paged_request=paged))

    def write_request(self, t):
        if self.rnd.random() < 0.65:
            return {"PutRequest": {"Item": self.item(t)}}
        return {"DeleteRequest": {"Key": self.key(t)}}

    def batch_write(self):
        r = self.rnd
        items = {}
        for t in r.sample(TABLES, r.randint(1, 2)):
            items[t.name] = [self.write_request(t) for _ in range(r.randint(1, 4))]
        body = {"RequestItems": items}
        self.rcc(body)
        self.maybe(body, "ReturnItemCollectionMetrics", 0.1, "SIZE")
        return Request("BatchWriteItem", body, items.keys(), write=True)

    def batch_get(self):
        r = self.rnd
        items = {}
        for t in r.sample(TABLES, r.randint(1, 2)):
            keys = []
            for _ in range(r.randint(1, 4)):
                k = self.key(t)
                if k not in keys:
                    keys.append(k)
            entry = {"Keys": keys}
            ctx = Ctx(r)
            if r.random() < 0.3:
                entry["ProjectionExpression"] = self.projection(ctx)
            ctx.attach(entry)
            self.maybe(entry, "ConsistentRead", 0.3, True)
            items[t.name] = entry
        body = {"RequestItems": items}
        self.rcc(body)
        return Request("BatchGetItem", body)

    def transact_write(self):
        r = self.rnd
        actions = []
        tables = set()
        for _ in range(r.randint(1, 4)):
            t = self.table()
            tables.add(t.name)
            ctx = Ctx(r)
            kind = r.random()
            if kind < 0.35:
                a = {"TableName": t.name, "Item": self.item(t)}
                if r.random() < 0.3:
                    a["ConditionExpression"] = self.condition(ctx)
                name = "Put"
            elif kind < 0.65:
                a = {"TableName": t.name, "Key": self.key(t), "UpdateExpression": self.update_expression(ctx, t)}
                if r.random() < 0.3:
                    a["ConditionExpression"] = self.condition(ctx)
                name = "Update"
            elif kind < 0.85:
                a = {"TableName": t.name, "Key": self.key(t)}
                if r.random() < 0.3:
                    a["ConditionExpression"] = self.condition(ctx)
                name = "Delete"
            else:
                a = {"TableName": t.name, "Key": self.key(t), "ConditionExpression": self.condition(ctx)}
                name = "ConditionCheck"
            ctx.attach(a)
            self.maybe(a, "ReturnValuesOnConditionCheckFailure", 0.15, "ALL_OLD")
            actions.append({name: a})
        body = {"TransactItems": actions}
        self.rcc(body)
        if r.random() < 0.1:
            body["ClientRequestToken"] = f"tok-{self.seed}-{self.n}"
        return Request("TransactWriteItems", body, tables, write=True)

    def transact_get(self):
        r = self.rnd
        actions = []
        for _ in range(r.randint(1, 4)):
            t = self.table()
            g = {"TableName": t.name, "Key": self.key(t)}
            ctx = Ctx(r)
            if r.random() < 0.3:
                g["ProjectionExpression"] = self.projection(ctx)
            ctx.attach(g)
            actions.append({"Get": g})
        body = {"TransactItems": actions}
        self.rcc(body)
        return Request("TransactGetItems", body)

    # ---- PartiQL ------------------------------------------------------------------------------

    def pq_literal(self, av, params, nested=False):
        """A PartiQL literal for `av`, or a `?` parameter. DynamoDB Local refuses parameters inside
        list, map and set literals ("Unsupported data type"), and DynamoDB documents none there:
        nested values are always literals (a binary or null becomes a string)."""
        (t, v), = av.items()
        if not nested and (self.rnd.random() < 0.3 or t in ("B", "BS", "NULL")):
            params.append(av)
            return "?"
        if t in ("S", "B"):
            return "'" + str(v).replace("'", "''") + "'"
        if t == "N":
            return v
        if t == "BOOL":
            return "true" if v else "false"
        if t in ("SS", "NS", "BS"):
            return "<<" + ", ".join(self.pq_literal({t[0]: x}, params, True) for x in v) + ">>"
        if t == "L":
            return "[" + ", ".join(self.pq_literal(x, params, True) for x in v) + "]"
        if t == "M":
            return "{" + ", ".join(f"'{k}': {self.pq_literal(x, params, True)}" for k, x in v.items()) + "}"
        return "'null'"

    def pq_name(self, attr):
        return f'"{attr}"' if attr in RESERVED or "." in attr or self.rnd.random() < 0.3 else attr

    def pq_condition(self, params, depth=0):
        r = self.rnd
        roll = r.random()
        if depth < 2 and roll < 0.2:
            return f"{self.pq_condition(params, depth + 1)} {r.choice(['AND', 'OR'])} {self.pq_condition(params, depth + 1)}"
        if depth < 2 and roll < 0.25:
            return f"NOT ({self.pq_condition(params, depth + 1)})"
        attr = r.choice(sorted(ATTRS))
        n = self.pq_name(attr)
        kind = r.random()
        if kind < 0.45:
            return f"{n} {r.choice(['=', '<>', '<', '>=', '!='])} {self.pq_literal(self.attr_value(attr), params)}"
        if kind < 0.55:
            return f"{n} IS {r.choice(['MISSING', 'NOT MISSING', 'NULL'])}"
        if kind < 0.65:
            return f"begins_with({n}, {self.pq_literal(self.av('S'), params)})"
        if kind < 0.75:
            return f"contains({n}, {self.pq_literal(self.av('S'), params)})"
        if kind < 0.85:
            return f"attribute_type({n}, {self.pq_literal({'S': r.choice(['S', 'N', 'L'])}, params)})"
        lo, hi = self.attr_value(attr), self.attr_value(attr)
        return f"{n} BETWEEN {self.pq_literal(lo, params)} AND {self.pq_literal(hi, params)}"

    def pq_key_where(self, t, params, full=True):
        k = self.key(t)
        parts = [f"{self.pq_name(a)} = {self.pq_literal(v, params)}" for a, v in k.items()]
        if not full and t.range and self.rnd.random() < 0.5:
            parts = parts[:1]
        return " AND ".join(parts)

    def execute_statement(self):
        r = self.rnd
        t = self.table()
        params = []
        kind = r.random()
        read = None
        tables = []
        if kind < 0.45:
            index = self.pick_index(t, 0.2)
            target = f'"{t.name}"' + (f'."{index.name}"' if index else "")
            proj = "*" if r.random() < 0.6 else ", ".join(self.pq_name(a) for a in r.sample(sorted(ATTRS) + ["pk", "sk"], 2))
            where = []
            pinned = False
            if index is None and r.random() < 0.6:
                where.append(self.pq_key_where(t, params, full=False))
                pinned = True
            if r.random() < 0.5:
                # In parentheses: a top-level OR would unpin the partition (a Scan, unordered).
                cond = self.pq_condition(params)
                where.append(f"({cond})" if pinned else cond)
            stmt = f"SELECT {proj} FROM {target}" + (f" WHERE {' AND '.join(where)}" if where else "")
            body = {"Statement": stmt}
            self.maybe(body, "Limit", 0.3, lambda: r.randint(1, 5))
            self.maybe(body, "ConsistentRead", 0.2, lambda: r.random() < 0.5)
            read = Read(pinned and index is None)
            what = "select"
        elif kind < 0.65:
            item = self.item(t)
            body_lit = "{" + ", ".join(f"'{a}': {self.pq_literal(v, params)}" for a, v in item.items()) + "}"
            body = {"Statement": f'INSERT INTO "{t.name}" VALUE {body_lit}'}
            tables = [t.name]
            what = "insert"
        elif kind < 0.85:
            sets = []
            for a in r.sample(["a", "h", "m", "l", "data", "bo"], r.randint(1, 2)):
                sets.append(f"SET {self.pq_name(a)} = {self.pq_literal(self.attr_value(a), params)}")
            if r.random() < 0.3:
                sets.append(f"REMOVE {self.pq_name(r.choice(['c', 'ns', 'x.y']))}")
            where = self.pq_key_where(t, params)
            if r.random() < 0.3:
                where += f" AND {self.pq_condition(params)}"
            stmt = f'UPDATE "{t.name}" {" ".join(sets)} WHERE {where}'
            if r.random() < 0.2:
                stmt += f" RETURNING {r.choice(['ALL_OLD', 'ALL_NEW', 'MODIFIED_OLD', 'MODIFIED_NEW'])} *"
            body = {"Statement": stmt}
            tables = [t.name]
            what = "update"
        else:
            where = self.pq_key_where(t, params)
            if r.random() < 0.3:
                where += f" AND {self.pq_condition(params)}"
            stmt = f'DELETE FROM "{t.name}" WHERE {where}'
            if r.random() < 0.15:
                stmt += " RETURNING ALL_OLD *"
            body = {"Statement": stmt}
            tables = [t.name]
            what = "delete"
        if params:
            body["Parameters"] = params
        self.rcc(body, 0.4)
        return Request("ExecuteStatement", body, tables, read=read, write=bool(tables), partiql=what)

    # ---- control plane ------------------------------------------------------------------------

    def random_schema(self, name):
        r = self.rnd
        types = {}

        def attr(pool):
            a = r.choice(pool)
            types.setdefault(a, r.choice(["S", "N", "B"]))
            return a

        h = attr(["pk", "id"])
        rg = attr(["sk", "ts"]) if r.random() < 0.6 else None
        gsis, lsis = [], []
        for i in range(r.choice([0, 0, 1, 2])):
            gh = attr(["g", "h", "sk"])
            gr = attr(["h2", "ts", "pk"]) if r.random() < 0.5 else None
            if gr == gh:
                gr = None
            proj = r.choice(["ALL", "KEYS_ONLY", "INCLUDE"])
            gsis.append(Index(f"gsi{i}", gh, gr, proj, ["a", "b"][: r.randint(1, 2)] if proj == "INCLUDE" else ()))
        if rg and r.random() < 0.3:
            lr = attr(["l1", "ts2"])
            lsis.append(Index("lsi0", h, lr, r.choice(["ALL", "KEYS_ONLY"]), local=True))
        throughput = (r.randint(1, 10), r.randint(1, 10)) if r.random() < 0.4 else None
        return Table(name, h, rg, types, gsis, lsis, throughput)

    def arn(self, name):
        return f"@@ARN:{name}@@"

    def control(self):
        r = self.rnd
        name = r.choice(SCRATCH_TABLES)
        kind = r.random()
        if kind < 0.25:
            t = self.random_schema(name)
            body = t.create_request()
            if r.random() < 0.2:
                body["Tags"] = [{"Key": k, "Value": r.choice(["1", "x", ""])} for k in r.sample(["env", "team", "cost"], 2)]
            if r.random() < 0.1:
                body["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": r.choice(["NEW_IMAGE", "KEYS_ONLY"])}
            req = Request("CreateTable", body)
            req.schema = t
            return req
        if kind < 0.35:
            return Request("DeleteTable", {"TableName": name})
        if kind < 0.5:
            return Request("DescribeTable", {"TableName": r.choice([name, r.choice(TABLES).name])})
        if kind < 0.62:
            t = self.scratch.get(name)
            body = {"TableName": name}
            roll = r.random()
            if roll < 0.3:
                if r.random() < 0.5:
                    body["BillingMode"] = "PAY_PER_REQUEST"
                else:
                    body["BillingMode"] = "PROVISIONED"
                    body["ProvisionedThroughput"] = {"ReadCapacityUnits": r.randint(1, 9), "WriteCapacityUnits": r.randint(1, 9)}
            elif roll < 0.5:
                body["ProvisionedThroughput"] = {"ReadCapacityUnits": r.randint(1, 9), "WriteCapacityUnits": r.randint(1, 9)}
            elif roll < 0.8:
                gname = f"gsi{r.randint(0, 3)}"
                ks = [{"AttributeName": "g", "KeyType": "HASH"}]
                create = {"IndexName": gname, "KeySchema": ks, "Projection": {"ProjectionType": "KEYS_ONLY"}}
                if t is not None and t.throughput:
                    create["ProvisionedThroughput"] = {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}
                body["AttributeDefinitions"] = [{"AttributeName": "g", "AttributeType": "S"}]
                body["GlobalSecondaryIndexUpdates"] = [{"Create": create}]
            else:
                gname = t.gsis[0].name if t is not None and t.gsis else "gsi0"
                body["GlobalSecondaryIndexUpdates"] = [{"Delete": {"IndexName": gname}}]
            return Request("UpdateTable", body)
        if kind < 0.72:
            return Request("UpdateTimeToLive", {"TableName": name, "TimeToLiveSpecification": {
                "Enabled": r.random() < 0.6, "AttributeName": r.choice(["ttl", "t", "exp"])}})
        if kind < 0.78:
            return Request("DescribeTimeToLive", {"TableName": name})
        if kind < 0.88:
            tags = [{"Key": r.choice(["env", "team", "cost", "owner"]), "Value": r.choice(["a", "b", "", "x y"])}
                    for _ in range(r.randint(1, 3))]
            return Request("TagResource", {"ResourceArn": self.arn(name), "Tags": tags})
        if kind < 0.93:
            return Request("UntagResource", {"ResourceArn": self.arn(name), "TagKeys": r.sample(["env", "team", "cost"], r.randint(1, 2))})
        return Request("ListTagsOfResource", {"ResourceArn": self.arn(r.choice([name, r.choice(TABLES).name]))})

    # ---- the mix ------------------------------------------------------------------------------

    MIX = [
        ("put_item", 14), ("update_item", 13), ("delete_item", 7), ("get_item", 10), ("query", 14),
        ("scan", 8), ("batch_write", 5), ("batch_get", 5), ("transact_write", 6), ("transact_get", 4),
        ("execute_statement", 9), ("control", 5),
    ]

    def next(self):
        self.n += 1
        names, weights = zip(*self.MIX)
        kind = self.rnd.choices(names, weights)[0]
        req = getattr(self, kind)()
        if self.rnd.random() < 0.33:
            damage.apply(self, req)
        return req

    def remember_answer(self, req, answer):
        """Keeps DynamoDB Local's LastEvaluatedKeys (for ExclusiveStartKey) and its view of the
        scratch tables."""
        body = answer.body if isinstance(answer.body, dict) else {}
        if req.op in ("Query", "Scan") and answer.ok and isinstance(body.get("LastEvaluatedKey"), dict):
            b = req.body if isinstance(req.body, dict) else {}
            key = (b.get("TableName"), b.get("IndexName"))
            lst = self.leks.setdefault(key, [])
            lst.append(body["LastEvaluatedKey"])
            del lst[:-6]
        if req.op == "CreateTable" and answer.ok and hasattr(req, "schema"):
            self.scratch[req.schema.name] = req.schema
        if req.op == "DeleteTable" and answer.ok:
            self.scratch.pop(req.body.get("TableName"), None)


def missing_table():
    return MISSING_TABLE
