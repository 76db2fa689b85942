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
