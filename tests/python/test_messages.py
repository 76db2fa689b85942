"""The message table (tests/messages/cases.json, issue 12) over a real socket.

Goal: every sourced row gets DynamoDB's exact error code and message from `dynolab serve`, as an
SDK sees it. Method: one server of our own (so no other test's tables interfere), the file's
tables created first, then each row sent through boto3's serializer with parameter validation
off (`client._make_api_call`; a row with `"service": "streams"` through a DynamoDB Streams client), or
as raw JSON 1.0 when boto3 would change the body (a wrong JSON type, a blob it would base64-encode
again, a member its model does not have). Every differing row
is collected and reported at once. A row with a `gap` (docs/COMPAT.md, "Known message gaps")
must still differ, so a fix shows up as a row to promote.
"""

import json
import urllib.error
import urllib.request

import boto3
import botocore.config
import botocore.exceptions
import pytest

from conftest import ROOT, start_server

CASES = json.loads((ROOT / "tests" / "messages" / "cases.json").read_text())
BLOB_KEYS = {"B", "BS"}


@pytest.fixture(scope="module")
def server():
    proc, url = start_server()
    yield url
    proc.kill()
    proc.wait()


TARGETS = {"dynamodb": "DynamoDB_20120810", "dynamodbstreams": "DynamoDBStreams_20120810"}


def service(row):
    return "dynamodbstreams" if row.get("service") == "streams" else "dynamodb"


def boto_client(server, name):
    return boto3.client(
        name,
        endpoint_url=server,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=botocore.config.Config(parameter_validation=False, retries={"max_attempts": 1}),
    )


@pytest.fixture(scope="module")
def client(server):
    """One boto3 client per service the rows name, after the file's tables exist."""
    clients = {name: boto_client(server, name) for name in TARGETS}
    for table in CASES["tables"]:
        clients["dynamodb"].create_table(**table)
    return clients


def has_blob(value):
    if isinstance(value, dict):
        return any(k in BLOB_KEYS or has_blob(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_blob(v) for v in value)
    return False


def fits_model(client, op, request):
    """Whether boto3's serializer sends `request` unchanged: every member is in the model."""
    model = client.meta.service_model.operation_model(op).input_shape

    def fits(shape, value):
        if shape.type_name == "structure":
            return isinstance(value, dict) and all(
                k in shape.members and fits(shape.members[k], v) for k, v in value.items()
            )
        if shape.type_name == "list":
            return isinstance(value, list) and all(fits(shape.member, v) for v in value)
        if shape.type_name == "map":
            return isinstance(value, dict) and all(fits(shape.value, v) for v in value.values())
        return shape.type_name != "blob"

    return fits(model, request)


def raw_call(endpoint, op, request, target="DynamoDB_20120810"):
    """The row as raw JSON 1.0, with a dummy SigV4 header (dynolab does not verify it)."""
    req = urllib.request.Request(
        endpoint + "/",
        data=json.dumps(request).encode(),
        method="POST",
        headers={
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": f"{target}.{op}",
            "Authorization": "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, "
            "SignedHeaders=host;x-amz-target, Signature=0",
        },
    )
    try:
        with urllib.request.urlopen(req) as r:
            return None, json.load(r)
    except urllib.error.HTTPError as e:
        body = json.loads(e.read() or b"{}")
        return body.get("__type", "").rsplit("#", 1)[-1], body.get("message", body.get("Message", ""))


def sdk_call(client, op, request):
    try:
        return None, client._make_api_call(op, request)
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"]["Message"]


def sendable(client, row):
    """Whether boto3 can send the row's body unchanged."""
    request = row["request"]
    return not has_blob(request) and fits_model(client[service(row)], row["op"], request)


def answer(server, client, row):
    op, request, name = row["op"], row["request"], service(row)
    if row["type"] == "SerializationException" or not sendable(client, row):
        return raw_call(server, op, request, TARGETS[name])
    try:
        return sdk_call(client[name], op, request)
    except (botocore.exceptions.BotoCoreError, TypeError, ValueError, KeyError):
        # boto3 cannot build this request at all (its endpoint rules read members the row
        # leaves out, e.g. `keys(RequestItems)`): the body goes as raw JSON 1.0 instead.
        return raw_call(server, op, request, TARGETS[name])


def test_every_sourced_message_matches_over_the_socket(server, client):
    rows = CASES["cases"]
    assert len(rows) >= 150
    failures, fixed_gaps = [], []
    for row in rows:
        code, message = answer(server, client, row)
        matches = code == row["type"] and message == row["message"]
        if not matches and "gap" not in row:
            failures.append(f"{row['id']} ({row['op']})\n  expected {row['type']}: {row['message']}\n  got      {code}: {message}")
        if matches and "gap" in row:
            fixed_gaps.append(row["id"])
    assert not failures, f"{len(failures)} of {len(rows)} rows differ:\n" + "\n".join(failures)
    assert not fixed_gaps, f"rows marked as gaps now match; drop their `gap`: {fixed_gaps}"


def test_rows_take_both_paths(client):
    # Both transports must carry rows, or one of them would be checked by nothing.
    sdk = [r for r in CASES["cases"] if sendable(client, r)]
    assert 100 <= len(sdk) < len(CASES["cases"])
    assert any(service(r) == "dynamodbstreams" for r in sdk)
