"""The seed's own boto3 code (`seed_orders.py`) against dynolab, on a virtual clock, with numbers.

This is also the README's Python walk-through: each test is one claim about the seed's table,
proved by counting.

- The unsharded `put_order` is throttled on `USER#premium` with
  `TableWriteKeyRangeThroughputExceeded`, on 80% of the traffic, while the table uses well
  under half of what it provisions; `get_sharded_pk` spreads the same writes and nothing is
  throttled, and the thread-pool scatter-gather reads every order back.
- `batch_write_orders`' UnprocessedItems loop loses no order under real throttling.
- The seed's `batch_get_orders` never retries UnprocessedKeys: on a 1-RCU table it silently
  returns fewer orders than asked, while the corrected loop returns all of them.
- A FilterExpression query is charged for every order it read, not for the few it returned (and
  a ProjectionExpression for the whole items); the GSI on amount reads only the matching orders.
- The five single-table access patterns answer what was written.

Waits never sleep: the seed's backoff and the SDK's own retry waits move the server's clock.
"""

from __future__ import annotations

import random
import time
import types
from decimal import Decimal

import botocore.endpoint
import pytest
from botocore.config import Config

import dynolab
import seed_orders as seed

KEYS = [{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}]
SECONDS = 10
ORDERS_PER_SECOND = 160


def user_type_of(i: int) -> str:
    """80% premium, 15% standard, 5% free, as in the seed's traffic."""
    return "premium" if i % 20 < 16 else ("standard" if i % 20 < 19 else "free")


def flash_sale(server, table, *, sharded):
    """SECONDS virtual seconds of ORDERS_PER_SECOND orders of ~9 KB (9 WCU each) through
    `put_order`; returns attempts and throttles per user type, the reasons seen, and the
    consumed WCU the answers reported."""
    rng = random.Random(7)
    attempts = {"premium": 0, "standard": 0, "free": 0}
    throttled = dict.fromkeys(attempts, 0)
    reasons: set[str] = set()
    consumed = 0.0
    n = 0
    for _second in range(SECONDS):
        for i in range(ORDERS_PER_SECOND):
            n += 1
            user_type = user_type_of(i)
            order = {"order_id": f"{n:06}", "created_at": f"2026-11-27T10:00:{n:06}", "user_type": user_type,
                     "amount": Decimal(n % 1000), "details": "x" * 8800}
            attempts[user_type] += 1
            try:
                consumed += seed.put_order(table, order, sharded=sharded, rng=rng)["ConsumedCapacity"]["CapacityUnits"]
            except table.meta.client.exceptions.ProvisionedThroughputExceededException as e:
                throttled[user_type] += 1
                reasons.update(dynolab.throttling_reasons(e))
        server.advance(1)
    return attempts, throttled, reasons, consumed


def orders_table(name):
    return {"TableName": name, "KeySchema": KEYS,
            "ProvisionedThroughput": {"ReadCapacityUnits": 1000, "WriteCapacityUnits": 3000}}


def test_unsharded_put_order_throttles_on_user_premium_and_sharding_fixes_it(dynolab_virtual, dynolab_table):
    server = dynolab_virtual
    hot = dynolab_table(orders_table("orders"))
    server.client().update_contributor_insights(TableName="orders", ContributorInsightsAction="ENABLE")
    attempts, throttled, reasons, consumed = flash_sale(server, hot, sharded=False)
    total = sum(attempts.values())
    assert total == SECONDS * ORDERS_PER_SECOND == 1600
    assert attempts["premium"] / total == 0.8
    # 128 premium orders x 9 WCU = 1,152 WCU/s on one key, above one partition's 1,000 WCU/s:
    # every throttle is premium, for the key range, never for the table's capacity.
    assert throttled["premium"] > 50
    assert throttled["standard"] == throttled["free"] == 0
    assert reasons == {"TableWriteKeyRangeThroughputExceeded"}
    assert server.throttles("orders") == {"TableWriteKeyRangeThroughputExceeded": throttled["premium"]}
    assert server.top_keys("orders")["most_throttled"] == [{"key": ["USER#premium"], "count": throttled["premium"]}]
    # Meanwhile the table used well under half of the 3,000 WCU/s it pays for.
    cloudwatch_consumed = server.metrics("orders", "ConsumedWriteCapacityUnits").total
    assert cloudwatch_consumed == consumed == 9 * (total - throttled["premium"])
    assert consumed / (3000 * SECONDS) < 0.5

    sharded = dynolab_table(orders_table("orders_sharded"))
    attempts, throttled, reasons, consumed = flash_sale(server, sharded, sharded=True)
    assert sum(throttled.values()) == 0 and reasons == set()
    dynolab.assert_no_throttles(server, "orders_sharded")
    assert consumed == 9 * 1600
    # The scatter-gather over the ten shards reads back every premium order, newest first.
    premium = seed.query_orders_by_type(server.client(), "orders_sharded", "premium")
    assert len(premium) == attempts["premium"] == 1280
    assert [o["SK"] for o in premium] == sorted((o["SK"] for o in premium), reverse=True)
    assert {o["PK"] for o in premium} == {f"USER#premium#{s}" for s in range(seed.SHARD_COUNT)}


def make_orders(count, size=900):
    return [{"PK": f"USER#{i % 50}", "SK": f"ORDER#{i:06}", "order_id": f"{i:06}", "details": "x" * size}
            for i in range(count)]


def test_batch_write_retry_loop_loses_no_order_under_throttling(dynolab_virtual, dynolab_table):
    server = dynolab_virtual
    dynolab_table({"TableName": "orders", "KeySchema": KEYS,
                   "ProvisionedThroughput": {"ReadCapacityUnits": 1000, "WriteCapacityUnits": 5}})
    orders = make_orders(2000)
    # 2,000 writes of 1 WCU into 5 WCU/s: the burst runs out and batches come back unprocessed
    # or are refused whole; the loop's backoff moves the clock until all are written.
    retried = seed.batch_write_orders(server.client(), "orders", orders, sleep=server.advance)
    assert retried > 100
    assert server.throttles("orders")["TableWriteProvisionedThroughputExceeded"] > 0
    server.advance(600)
    stored = server.resource().Table("orders").scan(ProjectionExpression="order_id")
    items = stored["Items"]
    while "LastEvaluatedKey" in stored:
        stored = server.resource().Table("orders").scan(ProjectionExpression="order_id", ExclusiveStartKey=stored["LastEvaluatedKey"])
        items += stored["Items"]
    assert sorted(i["order_id"] for i in items) == [o["order_id"] for o in orders]


@pytest.fixture
def sdk_waits_move_the_clock(monkeypatch, dynolab_virtual):
    """botocore's retry waits (`time.sleep` in botocore.endpoint) advance the virtual clock, so
    the SDK's own retries behave as they would in real time, without sleeping."""
    clock = types.SimpleNamespace(**{name: getattr(time, name) for name in dir(time) if not name.startswith("_")})
    clock.sleep = dynolab_virtual.advance
    monkeypatch.setattr(botocore.endpoint, "time", clock)


def test_batch_get_orders_loses_orders_and_the_fixed_loop_does_not(dynolab_virtual, dynolab_table, sdk_waits_move_the_clock):
    server = dynolab_virtual
    dynolab_table({"TableName": "orders", "KeySchema": KEYS,
                   "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1000}})
    orders = make_orders(1000)
    seed.batch_write_orders(server.client(), "orders", orders, sleep=server.advance)
    keys = [{"PK": o["PK"], "SK": o["SK"]} for o in orders]
    # The SDK's default retries, as the seed's reader has them (10 attempts for DynamoDB).
    sdk = server.client(config=Config(retries={"mode": "legacy"}))

    server.advance(300)  # a full burst bank: 300 RCU, 600 eventually consistent reads of 1 KB
    got = seed.batch_get_orders(sdk, "orders", keys)
    ids = [o["order_id"] for o in got]
    assert len(set(ids)) == len(ids)
    lost = len(keys) - len(got)
    # No exception, no warning: hundreds of orders are simply missing.
    print(f"batch_get_orders returned {len(got)} of {len(keys)} orders")
    assert 300 < lost < 450, lost
    assert set(ids) < {o["order_id"] for o in orders}

    server.advance(300)
    fixed = seed.batch_get_orders_fixed(sdk, "orders", keys, sleep=server.advance)
    assert sorted(o["order_id"] for o in fixed) == [o["order_id"] for o in orders]


SINGLE_TABLE = {
    "TableName": "shop",
    "KeySchema": KEYS,
    "AttributeDefinitions": [{"AttributeName": "amount", "AttributeType": "N"}],
    "GlobalSecondaryIndexes": [
        {"IndexName": "GSI1", "Projection": {"ProjectionType": "ALL"},
         "KeySchema": [{"AttributeName": "GSI1PK", "KeyType": "HASH"}, {"AttributeName": "GSI1SK", "KeyType": "RANGE"}]},
        {"IndexName": "GSI2", "Projection": {"ProjectionType": "ALL"},
         "KeySchema": [{"AttributeName": "GSI2PK", "KeyType": "HASH"}]},
        {"IndexName": "ByAmount", "Projection": {"ProjectionType": "KEYS_ONLY"},
         "KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "amount", "KeyType": "RANGE"}]},
    ],
}


def order_item(user_id, n, amount, status="PAID"):
    created = f"2026-11-{1 + n // 24:02}T{n % 24:02}:00:00Z"
    return {"PK": f"USER#{user_id}", "SK": f"ORDER#{created}#o{user_id}-{n}", "order_id": f"o{user_id}-{n}",
            "created_at": created, "status": status, "amount": amount, "note": "y" * 900,
            "GSI1PK": f"STATUS#{status}", "GSI1SK": created, "GSI2PK": f"ORDER#o{user_id}-{n}"}


def test_filter_and_projection_are_charged_for_what_was_read(dynolab_virtual, dynolab_table):
    table = dynolab_table(SINGLE_TABLE)
    with table.batch_writer() as batch:
        for n in range(100):
            batch.put_item(Item=order_item("u1", n, n * 10))
    filtered = seed.high_value_orders_filtered(table, "u1", 900)
    everything = table.query(KeyConditionExpression="PK = :pk", ExpressionAttributeValues={":pk": "USER#u1"},
                             ReturnConsumedCapacity="TOTAL")
    assert (filtered["Count"], filtered["ScannedCount"]) == (9, 100)
    # Charged for the ~100 KB read (eventually consistent: 0.5 RCU per 4 KB), as if nothing
    # had been filtered out.
    charged = filtered["ConsumedCapacity"]["CapacityUnits"]
    assert charged == everything["ConsumedCapacity"]["CapacityUnits"]
    assert charged >= 100 * 1000 / 4096 / 2
    # A ProjectionExpression trims what comes back, not what is read: same charge.
    summaries = seed.order_summaries(table, "u1")
    assert summaries["Count"] == 100
    assert set(summaries["Items"][0]) == {"order_id", "amount", "status"}
    assert summaries["ConsumedCapacity"]["CapacityUnits"] == charged
    by_amount = seed.high_value_orders_by_amount(table, "u1", 900)
    assert by_amount["Count"] == 9
    assert by_amount["ConsumedCapacity"]["CapacityUnits"] == 0.5
    assert charged / by_amount["ConsumedCapacity"]["CapacityUnits"] >= 12


def test_the_single_table_access_patterns(dynolab_virtual, dynolab_table):
    table = dynolab_table(SINGLE_TABLE)
    table.put_item(Item={"PK": "USER#u1", "SK": "PROFILE", "name": "Ada", "tier": "premium"})
    for n, (amount, status) in enumerate([(30, "PAID"), (700, "SHIPPED"), (45, "PAID")]):
        table.put_item(Item=order_item("u1", n, amount, status))
    table.put_item(Item=order_item("u2", 9, 12, "PAID"))
    for pid, name, category in [("p1", "Dune", "books"), ("p2", "Tetris", "games"), ("p3", "Emma", "books")]:
        table.put_item(Item={"PK": f"PRODUCT#{pid}", "SK": "METADATA", "name": name,
                             "GSI1PK": f"CATEGORY#{category}", "GSI1SK": name})

    assert seed.get_user(table, "u1")["name"] == "Ada"
    assert seed.get_user(table, "nobody") is None
    assert [o["order_id"] for o in seed.get_user_orders(table, "u1")] == ["ou1-2", "ou1-1", "ou1-0"]
    assert [o["order_id"] for o in seed.get_user_orders(table, "u1", limit=1)] == ["ou1-2"]
    assert seed.get_order(table, "ou1-1")["amount"] == 700
    assert seed.get_order(table, "missing") is None
    assert [o["order_id"] for o in seed.get_orders_by_status(table, "PAID")] == ["ou2-9", "ou1-2", "ou1-0"]
    assert [p["name"] for p in seed.get_products_by_category(table, "books")] == ["Dune", "Emma"]
    assert [o["SK"] for o in seed.high_value_orders_by_amount(table, "u1", 500)["Items"]] == [order_item("u1", 1, 700)["SK"]]
