"""boto3 against dynolab serve: transaction idempotency, tags, TTL and table status transitions."""

import uuid

import pytest
from botocore.exceptions import ClientError


def hash_table(ddb, **kwargs):
    name = "feat-" + uuid.uuid4().hex[:8]
    ddb.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}] + kwargs.pop("extra_attrs", []),
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
        **kwargs,
    )
    return name


def test_client_request_token_applies_a_transaction_once(ddb):
    table = hash_table(ddb)

    def add(amount):
        return ddb.transact_write_items(
            TransactItems=[{"Update": {
                "TableName": table, "Key": {"pk": {"S": "c"}}, "UpdateExpression": "ADD n :v",
                "ExpressionAttributeValues": {":v": {"N": amount}},
            }}],
            ClientRequestToken="boto3-token",
            ReturnConsumedCapacity="TOTAL",
        )

    assert add("1")["ConsumedCapacity"][0]["WriteCapacityUnits"] == 2.0
    repeat = add("1")
    assert repeat["ConsumedCapacity"][0]["ReadCapacityUnits"] == 1.0
    item = ddb.get_item(TableName=table, Key={"pk": {"S": "c"}})["Item"]
    assert item["n"] == {"N": "1"}
    with pytest.raises(ClientError) as err:
        add("2")
    assert err.value.response["Error"]["Code"] == "IdempotentParameterMismatchException"
    assert ddb.get_item(TableName=table, Key={"pk": {"S": "c"}})["Item"]["n"] == {"N": "1"}


def test_tags_on_create_and_through_the_tagging_api(ddb):
    table = hash_table(ddb, Tags=[{"Key": "env", "Value": "prod"}])
    arn = ddb.describe_table(TableName=table)["Table"]["TableArn"]
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": f"k{i:02}", "Value": str(i)} for i in range(15)])
    ddb.untag_resource(ResourceArn=arn, TagKeys=["k00", "not-there"])
    first = ddb.list_tags_of_resource(ResourceArn=arn)
    assert len(first["Tags"]) == 10 and "NextToken" in first
    rest = ddb.list_tags_of_resource(ResourceArn=arn, NextToken=first["NextToken"])
    assert "NextToken" not in rest
    got = {t["Key"]: t["Value"] for t in first["Tags"] + rest["Tags"]}
    assert got == {"env": "prod", **{f"k{i:02}": str(i) for i in range(1, 15)}}
    with pytest.raises(ClientError) as err:
        ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "aws:reserved", "Value": "x"}])
    assert err.value.response["Error"]["Message"] == "Tag Key cannot be prefixed with aws:, Key: aws:reserved"
    with pytest.raises(ClientError) as err:
        ddb.list_tags_of_resource(ResourceArn=arn + "/index/gsi")
    assert err.value.response["Error"]["Code"] == "ValidationException"
    ddb.delete_table(TableName=table)
    with pytest.raises(ClientError) as err:
        ddb.list_tags_of_resource(ResourceArn=arn)
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"


def wait_active(ddb, advance, table):
    advance(5)
    assert ddb.describe_table(TableName=table)["Table"]["TableStatus"] == "ACTIVE"


def test_expired_items_disappear_from_table_and_gsi_when_the_clock_moves(vddb, advance):
    table = hash_table(
        vddb,
        extra_attrs=[{"AttributeName": "user", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[{
            "IndexName": "by_user",
            "KeySchema": [{"AttributeName": "user", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"},
        }],
    )
    wait_active(vddb, advance, table)
    vddb.update_time_to_live(TableName=table, TimeToLiveSpecification={"AttributeName": "expires", "Enabled": True})
    assert vddb.describe_time_to_live(TableName=table)["TimeToLiveDescription"] == {
        "TimeToLiveStatus": "ENABLED", "AttributeName": "expires"}
    with pytest.raises(ClientError) as err:
        vddb.update_time_to_live(TableName=table, TimeToLiveSpecification={"AttributeName": "other", "Enabled": True})
    assert err.value.response["Error"]["Message"] == (
        "TimeToLive is active on a different AttributeName: current AttributeName is expires")
    now = int(advance(0))
    for pk, expires in [("gone", now + 10), ("kept", now + 3600)]:
        vddb.put_item(TableName=table, Item={"pk": {"S": pk}, "user": {"S": "u"}, "expires": {"N": str(expires)}})

    def in_table():
        return sorted(i["pk"]["S"] for i in vddb.scan(TableName=table)["Items"])

    def in_index():
        items = vddb.query(TableName=table, IndexName="by_user", KeyConditionExpression="#u = :u",
                           ExpressionAttributeNames={"#u": "user"},
                           ExpressionAttributeValues={":u": {"S": "u"}})["Items"]
        return sorted(i["pk"]["S"] for i in items)

    advance(20)  # expired, but the TTL service has not run on it yet: still readable
    assert in_table() == ["gone", "kept"]
    assert vddb.get_item(TableName=table, Key={"pk": {"S": "gone"}})["Item"]["pk"] == {"S": "gone"}
    advance(60)
    assert in_table() == ["kept"]
    assert in_index() == ["kept"]


def test_table_and_index_statuses_follow_the_virtual_clock(vddb, advance):
    table = hash_table(vddb)
    assert vddb.describe_table(TableName=table)["Table"]["TableStatus"] == "CREATING"
    with pytest.raises(ClientError) as err:
        vddb.put_item(TableName=table, Item={"pk": {"S": "a"}})
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as err:
        vddb.delete_table(TableName=table)
    assert err.value.response["Error"]["Code"] == "ResourceInUseException"
    assert err.value.response["Error"]["Message"] == (
        f"Attempt to change a resource which is still in use: Table is being created: {table}")
    wait_active(vddb, advance, table)
    vddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "g": {"S": "x"}})
    vddb.update_table(
        TableName=table,
        AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexUpdates=[{"Create": {
            "IndexName": "by_g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "KEYS_ONLY"},
        }}],
    )
    described = vddb.describe_table(TableName=table)["Table"]
    assert described["TableStatus"] == "UPDATING"
    assert described["GlobalSecondaryIndexes"][0]["IndexStatus"] == "CREATING"
    assert described["GlobalSecondaryIndexes"][0]["Backfilling"] is True

    def query():
        return vddb.query(TableName=table, IndexName="by_g", KeyConditionExpression="g = :g",
                          ExpressionAttributeValues={":g": {"S": "x"}})

    with pytest.raises(ClientError) as err:
        query()
    assert err.value.response["Error"]["Message"] == "Cannot read from backfilling global secondary index: by_g"
    wait_active(vddb, advance, table)
    assert query()["Count"] == 1
    assert vddb.delete_table(TableName=table)["TableDescription"]["TableStatus"] == "DELETING"
    assert table in vddb.list_tables()["TableNames"]
    advance(5)
    assert table not in vddb.list_tables()["TableNames"]
