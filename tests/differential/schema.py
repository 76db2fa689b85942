"""The fixed tables every run creates on both servers, and the small key spaces that make requests
collide (the same items are written, read, conditioned on and deleted over and over)."""

import base64

TYPES = {"S", "N", "B"}


class Index:
    def __init__(self, name, hash_key, range_key=None, projection="ALL", non_key=(), local=False):
        self.name, self.hash, self.range = name, hash_key, range_key
        self.projection, self.non_key, self.local = projection, tuple(non_key), local

    @property
    def key_attrs(self):
        return [k for k in (self.hash, self.range) if k]

    def wire(self, throughput=None):
        ks = [{"AttributeName": self.hash, "KeyType": "HASH"}]
        if self.range:
            ks.append({"AttributeName": self.range, "KeyType": "RANGE"})
        proj = {"ProjectionType": self.projection}
        if self.non_key:
            proj["NonKeyAttributes"] = list(self.non_key)
        out = {"IndexName": self.name, "KeySchema": ks, "Projection": proj}
        if throughput and not self.local:
            out["ProvisionedThroughput"] = {"ReadCapacityUnits": throughput[0], "WriteCapacityUnits": throughput[1]}
        return out


class Table:
    def __init__(self, name, hash_key, range_key=None, types=None, gsis=(), lsis=(), throughput=None):
        self.name, self.hash, self.range = name, hash_key, range_key
        self.types = dict(types or {})
        self.gsis, self.lsis = list(gsis), list(lsis)
        self.throughput = throughput  # None: PAY_PER_REQUEST

    @property
    def key_attrs(self):
        return [k for k in (self.hash, self.range) if k]

    @property
    def indexes(self):
        return self.gsis + self.lsis

    def index(self, name):
        return next((i for i in self.indexes if i.name == name), None)

    def index_key_attrs(self):
        out = set()
        for i in self.indexes:
            out.update(i.key_attrs)
        return out

    def create_request(self):
        attrs = set(self.key_attrs) | self.index_key_attrs()
        body = {
            "TableName": self.name,
            "KeySchema": [{"AttributeName": self.hash, "KeyType": "HASH"}]
            + ([{"AttributeName": self.range, "KeyType": "RANGE"}] if self.range else []),
            "AttributeDefinitions": [{"AttributeName": a, "AttributeType": self.types[a]} for a in sorted(attrs)],
        }
        if self.throughput:
            body["ProvisionedThroughput"] = {"ReadCapacityUnits": self.throughput[0], "WriteCapacityUnits": self.throughput[1]}
        else:
            body["BillingMode"] = "PAY_PER_REQUEST"
        if self.gsis:
            body["GlobalSecondaryIndexes"] = [g.wire(self.throughput) for g in self.gsis]
        if self.lsis:
            body["LocalSecondaryIndexes"] = [l.wire() for l in self.lsis]
        return body


def b64(raw):
    return base64.b64encode(raw).decode()


# Key spaces: a handful of values per key attribute, so that items collide. Some numbers have two
# spellings of one value ("10" and "1E1") and must address the same item.
KEY_VALUES = {
    "S": ["a", "b", "c", "d"],
    "N": ["1", "2", "3", "10", "-1.5"],
    "B": [b64(b"\x00"), b64(b"\x01"), b64(b"ab"), b64(b"\xff\x00")],
}
KEY_ALIASES = {"N": {"10": ["1E1", "10.0"], "1": ["1.00"], "-1.5": ["-15e-1"]}}
RANGE_S = ["x", "y", "xy", "z", "x#1"]

TABLES = [
    Table("dl_hash", "pk", types={"pk": "S"}),
    Table(
        "dl_comp", "pk", "sk", types={"pk": "S", "sk": "N", "g": "S", "h": "N", "a": "S", "n": "N"},
        gsis=[
            Index("by_g", "g", "h", "ALL"),
            Index("g_keys", "g", None, "KEYS_ONLY"),
            Index("by_n", "n", "sk", "INCLUDE", ["a", "c"]),
        ],
        lsis=[
            Index("by_a", "pk", "a", "KEYS_ONLY", local=True),
            Index("by_h", "pk", "h", "INCLUDE", ["m"], local=True),
        ],
    ),
    Table(
        "dl_bin", "pk", "sk", types={"pk": "B", "sk": "S", "s": "S"},
        gsis=[Index("by_s", "s", None, "INCLUDE", ["m", "data"])],
        throughput=(5, 5),
    ),
]
TABLE = {t.name: t for t in TABLES}

# Non-key attributes and the type they usually have. `data` and `name` are reserved words (they
# need ExpressionAttributeNames); `x.y` holds a dot.
ATTRS = {
    "a": "S", "g": "S", "h": "N", "n": "N", "s": "S", "c": "SS", "ns": "NS", "bs": "BS",
    "l": "L", "m": "M", "data": "S", "name": "S", "bo": "BOOL", "nu": "NULL", "t": "N", "b": "B", "x.y": "S",
}
RESERVED = {"data", "name"}
SCRATCH_TABLES = ["dl_scratch1", "dl_scratch2"]
MISSING_TABLE = "dl_missing"
