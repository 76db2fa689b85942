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
