"""The AWS CLI against dynolab serve, with --endpoint-url, exactly as a user would type it."""

import json
import os
import shutil
import subprocess
import sys
import uuid


def aws(env, endpoint, *args):
    exe = shutil.which("aws", path=os.path.dirname(sys.executable)) or "aws"
    out = subprocess.run([exe, "--endpoint-url", endpoint, "--output", "json", *args], env=env, capture_output=True, text=True)
    return out


def test_cli_create_put_query(endpoint, aws_env):
    table = "cli-" + uuid.uuid4().hex[:8]
    out = aws(aws_env, endpoint, "dynamodb", "create-table", "--table-name", table,
              "--attribute-definitions", "AttributeName=PK,AttributeType=S", "AttributeName=SK,AttributeType=S",
              "--key-schema", "AttributeName=PK,KeyType=HASH", "AttributeName=SK,KeyType=RANGE",
              "--billing-mode", "PAY_PER_REQUEST")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["TableDescription"]["TableName"] == table
    for i in range(3):
        item = json.dumps({"PK": {"S": "USER#cli"}, "SK": {"S": f"ORDER#{i}"}, "amount": {"N": str(10 * i)}})
        out = aws(aws_env, endpoint, "dynamodb", "put-item", "--table-name", table, "--item", item)
        assert out.returncode == 0, out.stderr
    out = aws(aws_env, endpoint, "dynamodb", "query", "--table-name", table,
              "--key-condition-expression", "PK = :p", "--expression-attribute-values", '{":p": {"S": "USER#cli"}}',
              "--return-consumed-capacity", "TOTAL")
    assert out.returncode == 0, out.stderr
    answer = json.loads(out.stdout)
    assert answer["Count"] == 3
    assert answer["ConsumedCapacity"]["CapacityUnits"] == 0.5
    out = aws(aws_env, endpoint, "dynamodb", "list-tables")
    assert table in json.loads(out.stdout)["TableNames"]


def test_cli_reports_dynamodb_errors(endpoint, aws_env):
    out = aws(aws_env, endpoint, "dynamodb", "describe-table", "--table-name", "nope-" + uuid.uuid4().hex[:6])
    assert out.returncode != 0
    assert "ResourceNotFoundException" in out.stderr


def test_cli_execute_statement(endpoint, aws_env):
    table = "cli-" + uuid.uuid4().hex[:8]
    out = aws(aws_env, endpoint, "dynamodb", "create-table", "--table-name", table,
              "--attribute-definitions", "AttributeName=Artist,AttributeType=S",
              "--key-schema", "AttributeName=Artist,KeyType=HASH", "--billing-mode", "PAY_PER_REQUEST")
    assert out.returncode == 0, out.stderr
    insert = f"INSERT INTO \"{table}\" VALUE {{'Artist': 'Acme Band', 'Awards': 8}}"
    out = aws(aws_env, endpoint, "dynamodb", "execute-statement", "--statement", insert)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"Items": []}
    out = aws(aws_env, endpoint, "dynamodb", "execute-statement", "--statement", insert)
    assert out.returncode != 0
    assert "DuplicateItemException" in out.stderr and "Duplicate primary key exists in table" in out.stderr
    out = aws(aws_env, endpoint, "dynamodb", "execute-statement",
              "--statement", f"SELECT Awards FROM \"{table}\" WHERE Artist = ?",
              "--parameters", '[{"S": "Acme Band"}]')
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["Items"] == [{"Awards": {"N": "8"}}]
