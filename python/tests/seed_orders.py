"""The seed's orders code, written out with boto3 the way the seed's reader writes it.

This is application code, not test code: `test_seed_orders.py` runs it against dynolab and
measures what it does. Two functions carry the seed's own mistakes on purpose, and the test
shows them: `put_order(..., sharded=False)` puts every premium order on one partition key, and
`batch_get_orders` never retries `UnprocessedKeys`. `batch_get_orders_fixed` is the corrected
loop. Every wait goes through a `sleep` argument (default `time.sleep`) so that a test on a
virtual clock can move the server's time instead of sleeping.

The table (single-table design, as in examples/orders-app):

| Item    | PK                     | SK                               | GSI1PK / GSI1SK                   | GSI2PK             |
|---------|------------------------|----------------------------------|-----------------------------------|--------------------|
| User    | `USER#{user_id}`       | `PROFILE`                        | -                                 | -                  |
| Order   | `USER#{user_id}`       | `ORDER#{created_at}#{order_id}`  | `STATUS#{status}` / `{created_at}`| `ORDER#{order_id}` |
| Product | `PRODUCT#{product_id}` | `METADATA`                       | `CATEGORY#{category}` / `{name}`  | -                  |

`ByAmount` is a GSI keyed `PK` / `amount`: a user's orders by amount, so "orders over $500"
reads only those orders instead of filtering all of them.
The orders table of the seed's throttling story keys orders by user *type* instead
(`USER#premium`), which is what `put_order` and `query_orders_by_type` use.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

from boto3.dynamodb.conditions import Attr, Key
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

SHARD_COUNT = 10
MAX_RETRIES = 12
Sleep = Callable[[float], Any]

_serialize = TypeSerializer().serialize
_deserialize = TypeDeserializer().deserialize


def to_item(attributes: dict[str, Any]) -> dict[str, Any]:
    return {k: _serialize(v) for k, v in attributes.items()}


def from_item(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _deserialize(v) for k, v in item.items()}


# --- the seed's throttling story: orders keyed by user type ------------------------------------


def get_sharded_pk(user_type: str, shard_count: int = SHARD_COUNT, rng: random.Random | None = None) -> str:
    """The write-sharded partition key: `USER#premium#0` ... `USER#premium#9`."""
    return f"USER#{user_type}#{(rng or random).randrange(shard_count)}"


def put_order(table: Any, order: dict[str, Any], *, sharded: bool, rng: random.Random | None = None) -> dict[str, Any]:
    """Writes one order; `sharded=False` is the seed's original key (`USER#{user_type}`)."""
    pk = get_sharded_pk(order["user_type"], rng=rng) if sharded else f"USER#{order['user_type']}"
    item = {"PK": pk, "SK": f"ORDER#{order['created_at']}#{order['order_id']}", **order}
    return table.put_item(Item=item, ReturnConsumedCapacity="TOTAL")


def query_orders_by_type(dynamodb: Any, table_name: str, user_type: str, shard_count: int = SHARD_COUNT) -> list[dict[str, Any]]:
    """Scatter-gather over the shards of `USER#{user_type}` with a thread pool (one query per
    shard, every page), merged newest first. Uses the low-level client: boto3 clients are
    thread-safe, resources are not."""

    def one_shard(shard: int) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "TableName": table_name,
            "KeyConditionExpression": "PK = :pk",
            "ExpressionAttributeValues": {":pk": {"S": f"USER#{user_type}#{shard}"}},
        }
        while True:
            page = dynamodb.query(**kwargs)
            items += [from_item(i) for i in page["Items"]]
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    with ThreadPoolExecutor(max_workers=shard_count) as pool:
        per_shard = list(pool.map(one_shard, range(shard_count)))
    return sorted((o for shard in per_shard for o in shard), key=lambda o: o["SK"], reverse=True)


# --- batches ------------------------------------------------------------------------------------


def chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def batch_write_orders(dynamodb: Any, table_name: str, orders: Sequence[dict[str, Any]], sleep: Sleep = time.sleep) -> int:
    """Writes `orders` 25 at a time, retrying `UnprocessedItems` with exponential backoff (and a
    batch refused whole with ProvisionedThroughputExceededException, which DynamoDB answers when
    none of it could be written). Returns how many unprocessed items it had to retry.

    Raises RuntimeError if items are still unprocessed after MAX_RETRIES: nothing is dropped
    silently."""
    retried = 0
    for chunk in chunks(orders, 25):
        pending = [{"PutRequest": {"Item": to_item(o)}} for o in chunk]
        attempt = 0
        while pending:
            try:
                response = dynamodb.batch_write_item(RequestItems={table_name: pending})
                pending = response.get("UnprocessedItems", {}).get(table_name, [])
            except dynamodb.exceptions.ProvisionedThroughputExceededException:
                pass  # nothing was written: retry the same requests
            if not pending:
                break
            retried += len(pending)
            if attempt == MAX_RETRIES:
                raise RuntimeError(f"{len(pending)} orders still unprocessed after {MAX_RETRIES} retries")
            sleep(min(0.1 * 2**attempt, 20.0))
            attempt += 1
    return retried


def batch_get_orders(dynamodb: Any, table_name: str, keys: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The seed's batch read: 100 keys per BatchGetItem, and whatever comes back. It never looks
    at `UnprocessedKeys`, so under throttling it silently returns fewer orders than asked."""
    orders: list[dict[str, Any]] = []
    for chunk in chunks(keys, 100):
        response = dynamodb.batch_get_item(RequestItems={table_name: {"Keys": [to_item(k) for k in chunk]}})
        orders += [from_item(i) for i in response["Responses"].get(table_name, [])]
    return orders


def batch_get_orders_fixed(dynamodb: Any, table_name: str, keys: Sequence[dict[str, Any]], sleep: Sleep = time.sleep) -> list[dict[str, Any]]:
    """The corrected loop: `UnprocessedKeys` (and a batch throttled whole) are retried with
    exponential backoff until every key is answered."""
    orders: list[dict[str, Any]] = []
    for chunk in chunks(keys, 100):
        request: dict[str, Any] = {table_name: {"Keys": [to_item(k) for k in chunk]}}
        attempt = 0
        while request:
            try:
                response = dynamodb.batch_get_item(RequestItems=request)
                orders += [from_item(i) for i in response["Responses"].get(table_name, [])]
                request = response.get("UnprocessedKeys", {})
            except dynamodb.exceptions.ProvisionedThroughputExceededException:
                pass
            if request:
                if attempt == MAX_RETRIES:
                    raise RuntimeError("keys still unprocessed after retries")
                sleep(min(0.1 * 2**attempt, 20.0))
                attempt += 1
    return orders


# --- the single-table access patterns ----------------------------------------------------------


def get_user(table: Any, user_id: str) -> dict[str, Any] | None:
    return table.get_item(Key={"PK": f"USER#{user_id}", "SK": "PROFILE"}).get("Item")


def get_user_orders(table: Any, user_id: str, limit: int = 10) -> list[dict[str, Any]]:
    """A user's orders, newest first."""
    return table.query(
        KeyConditionExpression=Key("PK").eq(f"USER#{user_id}") & Key("SK").begins_with("ORDER#"),
        ScanIndexForward=False,
        Limit=limit,
    )["Items"]


def get_order(table: Any, order_id: str) -> dict[str, Any] | None:
    items = table.query(IndexName="GSI2", KeyConditionExpression=Key("GSI2PK").eq(f"ORDER#{order_id}"))["Items"]
    return items[0] if items else None


def get_orders_by_status(table: Any, status: str) -> list[dict[str, Any]]:
    """Orders in a status, newest first (GSI1, overloaded)."""
    return table.query(
        IndexName="GSI1", KeyConditionExpression=Key("GSI1PK").eq(f"STATUS#{status}"), ScanIndexForward=False
    )["Items"]


def get_products_by_category(table: Any, category: str) -> list[dict[str, Any]]:
    """Products of a category by name (GSI1, overloaded)."""
    return table.query(IndexName="GSI1", KeyConditionExpression=Key("GSI1PK").eq(f"CATEGORY#{category}"))["Items"]


def order_summaries(table: Any, user_id: str) -> dict[str, Any]:
    """A user's orders, only the fields a list page shows (a ProjectionExpression): less data on
    the wire, but DynamoDB charges for reading the whole items."""
    return table.query(
        KeyConditionExpression=Key("PK").eq(f"USER#{user_id}") & Key("SK").begins_with("ORDER#"),
        ProjectionExpression="order_id, amount, #s",
        ExpressionAttributeNames={"#s": "status"},
        ReturnConsumedCapacity="TOTAL",
    )


def high_value_orders_filtered(table: Any, user_id: str, minimum: int) -> dict[str, Any]:
    """Orders over `minimum` with a FilterExpression: DynamoDB reads (and charges for) every
    order of the user, then drops the cheap ones."""
    return table.query(
        KeyConditionExpression=Key("PK").eq(f"USER#{user_id}") & Key("SK").begins_with("ORDER#"),
        FilterExpression=Attr("amount").gt(minimum),
        ReturnConsumedCapacity="TOTAL",
    )


def high_value_orders_by_amount(table: Any, user_id: str, minimum: int) -> dict[str, Any]:
    """The same orders from the ByAmount GSI: only the matching orders are read."""
    return table.query(
        IndexName="ByAmount",
        KeyConditionExpression=Key("PK").eq(f"USER#{user_id}") & Key("amount").gt(Decimal(minimum)),
        ReturnConsumedCapacity="INDEXES",
    )
