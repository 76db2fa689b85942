"""The history of a table through boto3: DynamoDB Streams read with the `dynamodbstreams` client
(records in commit order, images per view type), and point-in-time recovery and backups. The
server runs on a virtual clock moved through its admin API.
"""

import datetime

import boto3
import pytest
from botocore.exceptions import ClientError

from conftest import admin

VIEW_TYPES = ["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"]


def client(kind, endpoint, aws_env):
    return boto3.client(
        kind,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=aws_env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=aws_env["AWS_SECRET_ACCESS_KEY"],
    )


def create(ddb, name, **extra):
    return ddb.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}, {"AttributeName": "g", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[{"IndexName": "by_g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}],
        BillingMode="PAY_PER_REQUEST",
        **extra,
    )["TableDescription"]


def read_all(streams, arn):
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    records = []
    while True:
        page = streams.get_records(ShardIterator=it, Limit=2)
        records += page["Records"]
        if not page["Records"] or "NextShardIterator" not in page:
            return records
        it = page["NextShardIterator"]


@pytest.mark.parametrize("view", VIEW_TYPES)
def test_stream_records_in_commit_order_with_images_per_view_type(virtual_endpoint, aws_env, view):
    ddb = client("dynamodb", virtual_endpoint, aws_env)
    streams = client("dynamodbstreams", virtual_endpoint, aws_env)
    table = f"stream_{view.lower()}"
    arn = create(ddb, table, StreamSpecification={"StreamEnabled": True, "StreamViewType": view})["LatestStreamArn"]
    item = lambda i, v: {"id": {"S": i}, "g": {"S": "x"}, "v": {"N": v}}
    ddb.put_item(TableName=table, Item=item("a", "1"))
    ddb.put_item(TableName=table, Item=item("a", "1"))  # identical: no record
    ddb.update_item(TableName=table, Key={"id": {"S": "a"}}, UpdateExpression="SET v = v + :one", ExpressionAttributeValues={":one": {"N": "1"}})
    ddb.batch_write_item(RequestItems={table: [{"PutRequest": {"Item": item("b", "5")}}, {"DeleteRequest": {"Key": {"id": {"S": "nothing"}}}}]})
    ddb.transact_write_items(TransactItems=[
        {"Delete": {"TableName": table, "Key": {"id": {"S": "a"}}}},
        {"Put": {"TableName": table, "Item": item("c", "7")}},
    ])

    records = read_all(streams, arn)
    assert [(r["eventName"], r["dynamodb"]["Keys"]["id"]["S"]) for r in records] == [
        ("INSERT", "a"), ("MODIFY", "a"), ("INSERT", "b"), ("REMOVE", "a"), ("INSERT", "c"),
    ]
    sequence = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
    assert sequence == sorted(sequence) and len(set(sequence)) == len(sequence)
    for r in records:
        assert r["eventSource"] == "aws:dynamodb" and r["eventVersion"] == "1.1" and r["awsRegion"] == "us-east-1"
        assert r["dynamodb"]["StreamViewType"] == view
        assert isinstance(r["dynamodb"]["ApproximateCreationDateTime"], datetime.datetime)
    modify = records[1]["dynamodb"]
    new, old = modify.get("NewImage"), modify.get("OldImage")
    assert new == (item("a", "2") if view in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES") else None)
    assert old == (item("a", "1") if view in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES") else None)
    assert "OldImage" not in records[0]["dynamodb"] and "NewImage" not in records[3]["dynamodb"]

    # Disabling closes the shard; enabling again starts a new stream with a new label.
    ddb.update_table(TableName=table, StreamSpecification={"StreamEnabled": False})
    closed = streams.describe_stream(StreamArn=arn)["StreamDescription"]
    assert closed["StreamStatus"] == "DISABLED"
    assert "EndingSequenceNumber" in closed["Shards"][0]["SequenceNumberRange"]
    with pytest.raises(ClientError) as e:
        ddb.update_table(TableName=table, StreamSpecification={"StreamEnabled": False})
    assert e.value.response["Error"]["Message"] == f"Table has no stream to disable: TableName: {table}"
    admin(virtual_endpoint, "/_dynolab/clock/advance", {"seconds": 1})
    again = ddb.update_table(TableName=table, StreamSpecification={"StreamEnabled": True, "StreamViewType": view})["TableDescription"]
    assert again["LatestStreamArn"] != arn
    assert [s["StreamArn"] for s in streams.list_streams(TableName=table)["Streams"]] == [arn, again["LatestStreamArn"]]


def test_expired_iterator(virtual_endpoint, aws_env):
    ddb = client("dynamodb", virtual_endpoint, aws_env)
    streams = client("dynamodbstreams", virtual_endpoint, aws_env)
    arn = create(ddb, "expiring", StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="LATEST")["ShardIterator"]
    admin(virtual_endpoint, "/_dynolab/clock/advance", {"seconds": 901})
    with pytest.raises(ClientError) as e:
        streams.get_records(ShardIterator=it)
    assert e.value.response["Error"]["Code"] == "ExpiredIteratorException"


def test_point_in_time_restore_and_backups(virtual_endpoint, aws_env):
    ddb = client("dynamodb", virtual_endpoint, aws_env)
    create(ddb, "ledger")
    with pytest.raises(ClientError) as e:
        ddb.restore_table_to_point_in_time(SourceTableName="ledger", TargetTableName="ledger_copy", UseLatestRestorableTime=True)
    assert e.value.response["Error"]["Code"] == "PointInTimeRecoveryUnavailableException"
    ddb.update_continuous_backups(TableName="ledger", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": 7})
    items = [{"id": {"S": f"k{i:03}"}, "g": {"S": f"g{i % 3}"}, "n": {"N": str(i)}, "l": {"L": [{"S": "x"}, {"BOOL": True}]}} for i in range(60)]
    for i in range(0, len(items), 25):
        ddb.batch_write_item(RequestItems={"ledger": [{"PutRequest": {"Item": it}} for it in items[i:i + 25]]})
    backup = ddb.create_backup(TableName="ledger", BackupName="before_delete")["BackupDetails"]
    assert backup["BackupStatus"] == "AVAILABLE"
    admin(virtual_endpoint, "/_dynolab/clock/advance", {"seconds": 30})
    t = admin(virtual_endpoint, "/_dynolab/clock")["epoch_seconds"]
    admin(virtual_endpoint, "/_dynolab/clock/advance", {"seconds": 1})
    for i in range(0, len(items), 25):
        ddb.batch_write_item(RequestItems={"ledger": [{"DeleteRequest": {"Key": {"id": it["id"]}}} for it in items[i:i + 25]]})
    assert ddb.scan(TableName="ledger")["Count"] == 0
    admin(virtual_endpoint, "/_dynolab/clock/advance", {"seconds": 301})

    window = ddb.describe_continuous_backups(TableName="ledger")["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    assert window["PointInTimeRecoveryStatus"] == "ENABLED" and window["RecoveryPeriodInDays"] == 7
    assert window["EarliestRestorableDateTime"].timestamp() <= t <= window["LatestRestorableDateTime"].timestamp()
    restored = ddb.restore_table_to_point_in_time(
        SourceTableName="ledger", TargetTableName="ledger_at_t",
        RestoreDateTime=datetime.datetime.fromtimestamp(t, tz=datetime.timezone.utc),
    )["TableDescription"]
    assert restored["TableStatus"] == "ACTIVE" and restored["ItemCount"] == len(items)
    by_id = lambda rows: sorted(rows, key=lambda r: r["id"]["S"])
    assert by_id(ddb.scan(TableName="ledger_at_t")["Items"]) == items
    g0 = ddb.query(TableName="ledger_at_t", IndexName="by_g", KeyConditionExpression="g = :g", ExpressionAttributeValues={":g": {"S": "g0"}})["Items"]
    assert by_id(g0) == [it for it in items if it["g"]["S"] == "g0"]
    with pytest.raises(ClientError) as e:
        ddb.restore_table_to_point_in_time(SourceTableName="ledger", TargetTableName="ledger_at_t", UseLatestRestorableTime=True)
    assert e.value.response["Error"]["Code"] == "TableAlreadyExistsException"

    listed = ddb.list_backups(TableName="ledger")["BackupSummaries"]
    assert [b["BackupArn"] for b in listed] == [backup["BackupArn"]]
    described = ddb.describe_backup(BackupArn=backup["BackupArn"])["BackupDescription"]
    assert described["SourceTableDetails"]["ItemCount"] == len(items)
    from_backup = ddb.restore_table_from_backup(TargetTableName="ledger_from_backup", BackupArn=backup["BackupArn"])["TableDescription"]
    assert from_backup["RestoreSummary"]["SourceBackupArn"] == backup["BackupArn"]
    assert by_id(ddb.scan(TableName="ledger_from_backup")["Items"]) == items
    assert ddb.delete_backup(BackupArn=backup["BackupArn"])["BackupDescription"]["BackupDetails"]["BackupStatus"] == "DELETED"
    with pytest.raises(ClientError) as e:
        ddb.describe_backup(BackupArn=backup["BackupArn"])
    assert e.value.response["Error"]["Code"] == "BackupNotFoundException"
