"""boto3 against dynolab serve: tables, items, queries, batches, typed errors, capacity."""

import uuid

import pytest
from boto3.dynamodb.conditions import Attr, Key


def make_table(ddb, gsi=False):
    name = "py-" + uuid.uuid4().hex[:8]
    attrs = [{"AttributeName": "PK", "AttributeType": "S"}, {"AttributeName": "SK", "AttributeType": "S"}]
    kwargs = {}
    if gsi:
        attrs.append({"AttributeName": "GSI1PK", "AttributeType": "S"})
        kwargs["GlobalSecondaryIndexes"] = [{
            "IndexName": "GSI1",
            "KeySchema": [{"AttributeName": "GSI1PK", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"},
        }]
    ddb.create_table(
        TableName=name,
        AttributeDefinitions=attrs,
        KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
        BillingMode="PAY_PER_REQUEST",
        **kwargs,
    )
    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 5})
    return name


def test_items_round_trip(ddb):
    table = make_table(ddb)
    ddb.put_item(TableName=table, Item={"PK": {"S": "u"}, "SK": {"S": "p"}, "n": {"N": "1.50"}, "tags": {"SS": ["a", "b"]}})
    item = ddb.get_item(TableName=table, Key={"PK": {"S": "u"}, "SK": {"S": "p"}})["Item"]
    assert item["n"] == {"N": "1.5"}
    assert sorted(item["tags"]["SS"]) == ["a", "b"]
    out = ddb.update_item(
        TableName=table,
        Key={"PK": {"S": "u"}, "SK": {"S": "p"}},
        UpdateExpression="SET n = n + :d",
        ExpressionAttributeValues={":d": {"N": "2"}},
        ReturnValues="UPDATED_NEW",
        ReturnConsumedCapacity="TOTAL",
    )
    assert out["Attributes"] == {"n": {"N": "3.5"}}
    assert out["ConsumedCapacity"]["CapacityUnits"] == 1.0


def test_resource_layer_query_and_filter(ddb, endpoint, aws_env):
    import boto3

    table_name = make_table(ddb, gsi=True)
    resource = boto3.resource(
        "dynamodb", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id=aws_env["AWS_ACCESS_KEY_ID"], aws_secret_access_key=aws_env["AWS_SECRET_ACCESS_KEY"],
    )
    table = resource.Table(table_name)
    with table.batch_writer() as batch:
        for i in range(60):
            batch.put_item(Item={"PK": "USER#1", "SK": f"ORDER#{i:03}", "amount": i, "GSI1PK": f"STATUS#{i % 3}"})
    newest = table.query(KeyConditionExpression=Key("PK").eq("USER#1") & Key("SK").begins_with("ORDER#"), ScanIndexForward=False, Limit=20)
    assert [i["SK"] for i in newest["Items"]][:2] == ["ORDER#059", "ORDER#058"]
    assert "LastEvaluatedKey" in newest
    big = table.query(KeyConditionExpression=Key("PK").eq("USER#1"), FilterExpression=Attr("amount").gt(49))
    assert big["Count"] == 10 and big["ScannedCount"] == 60
    by_status = table.query(IndexName="GSI1", KeyConditionExpression=Key("GSI1PK").eq("STATUS#0"))
    assert by_status["Count"] == 20


def test_typed_errors(ddb):
    table = make_table(ddb)
    with pytest.raises(ddb.exceptions.ResourceNotFoundException):
        ddb.describe_table(TableName="does-not-exist")
    ddb.put_item(TableName=table, Item={"PK": {"S": "a"}, "SK": {"S": "b"}})
    with pytest.raises(ddb.exceptions.ConditionalCheckFailedException):
        ddb.put_item(TableName=table, Item={"PK": {"S": "a"}, "SK": {"S": "b"}}, ConditionExpression="attribute_not_exists(PK)")
    with pytest.raises(ddb.exceptions.ClientError) as info:
        ddb.query(TableName=table, KeyConditionExpression="PK = :p", ProjectionExpression="status", ExpressionAttributeValues={":p": {"S": "a"}})
    assert info.value.response["Error"]["Code"] == "ValidationException"
    assert "reserved keyword: status" in info.value.response["Error"]["Message"]


def test_batch_get_and_write(ddb):
    table = make_table(ddb)
    for start in range(0, 100, 25):
        requests = [{"PutRequest": {"Item": {"PK": {"S": "b"}, "SK": {"S": f"{i:03}"}}}} for i in range(start, start + 25)]
        out = ddb.batch_write_item(RequestItems={table: requests})
        assert out["UnprocessedItems"] == {}
    keys = [{"PK": {"S": "b"}, "SK": {"S": f"{i:03}"}} for i in range(100)]
    got = ddb.batch_get_item(RequestItems={table: {"Keys": keys}})
    assert len(got["Responses"][table]) == 100


def test_partiql_statements_batches_and_transactions(ddb):
    table = make_table(ddb, gsi=True)
    for i in range(4):
        ddb.execute_statement(
            Statement=f'INSERT INTO "{table}" VALUE {{\'PK\': ?, \'SK\': ?, \'GSI1PK\': \'g\', \'n\': ?}}',
            Parameters=[{"S": "user"}, {"S": f"s{i}"}, {"N": str(i)}],
        )
    with pytest.raises(ddb.exceptions.DuplicateItemException):
        ddb.execute_statement(Statement=f"INSERT INTO \"{table}\" VALUE {{'PK': 'user', 'SK': 's0'}}")
    out = ddb.execute_statement(
        Statement=f"SELECT SK, n FROM \"{table}\" WHERE PK = 'user' AND SK > 's0' ORDER BY SK DESC",
        ReturnConsumedCapacity="TOTAL",
    )
    assert [i["SK"]["S"] for i in out["Items"]] == ["s3", "s2", "s1"]
    assert out["ConsumedCapacity"]["CapacityUnits"] == 0.5
    first = ddb.execute_statement(Statement=f'SELECT * FROM "{table}"."GSI1" WHERE GSI1PK = \'g\'', Limit=3)
    assert len(first["Items"]) == 3 and "NextToken" in first
    rest = ddb.execute_statement(Statement=f'SELECT * FROM "{table}"."GSI1" WHERE GSI1PK = \'g\'', Limit=3,
                                 NextToken=first["NextToken"])
    assert len(rest["Items"]) == 1 and "NextToken" not in rest
    with pytest.raises(ddb.exceptions.ClientError) as err:
        ddb.execute_statement(Statement=f"UPDATE \"{table}\" SET n = 9 WHERE PK = 'user'")
    assert err.value.response["Error"]["Message"] == \
        "Where clause does not contain a mandatory equality on all key attributes"

    batch = ddb.batch_execute_statement(Statements=[
        {"Statement": f"UPDATE \"{table}\" SET n = n + 10 WHERE PK = 'user' AND SK = 's1' RETURNING ALL NEW *"},
        {"Statement": f"DELETE FROM \"{table}\" WHERE PK = 'user' AND SK = 's2' AND n = 99"},
    ])["Responses"]
    assert batch[0]["Item"]["n"] == {"N": "11"}
    assert batch[1]["Error"]["Code"] == "ConditionalCheckFailed"

    with pytest.raises(ddb.exceptions.TransactionCanceledException) as err:
        ddb.execute_transaction(TransactStatements=[
            {"Statement": f"DELETE FROM \"{table}\" WHERE PK = 'user' AND SK = 's3'"},
            {"Statement": f"EXISTS(SELECT * FROM \"{table}\" WHERE PK = 'user' AND SK = 's2' AND n > 5)"},
        ], ClientRequestToken="py-token")
    reasons = [r["Code"] for r in err.value.response["CancellationReasons"]]
    assert reasons == ["None", "ConditionalCheckFailed"]
    still = ddb.execute_statement(Statement=f"SELECT SK FROM \"{table}\" WHERE PK = 'user' AND SK = 's3'")
    assert still["Items"] == [{"SK": {"S": "s3"}}]
