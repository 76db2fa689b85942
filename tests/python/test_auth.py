"""`serve --credentials`: boto3's and the AWS CLI's SigV4 signatures verified over a real socket,
each failure answered as DynamoDB answers it (issue 17)."""

import os
import shutil
import subprocess
import sys
import uuid

import boto3
import botocore
import pytest
from botocore.config import Config

from conftest import start_server

KEYS = """
[[key]]
id = "AKIDADMIN"
secret = "admin-secret"

[[key]]
id = "AKIDORDERS"
secret = "orders-secret"
tables = ["orders"]
"""


@pytest.fixture(scope="module")
def signed_endpoint(tmp_path_factory):
    path = tmp_path_factory.mktemp("auth") / "credentials.toml"
    path.write_text(KEYS)
    proc, url = start_server("--credentials", str(path))
    yield url
    proc.kill()
    proc.wait()


def client(endpoint, key, secret, **config):
    return boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=key,
                        aws_secret_access_key=secret, config=Config(retries={"max_attempts": 1}, **config))


def error(call):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call()
    return e.value.response["Error"]["Code"], e.value.response["Error"]["Message"]


def test_boto3_with_the_right_key_and_each_refusal(signed_endpoint):
    admin = client(signed_endpoint, "AKIDADMIN", "admin-secret")
    for name in ("orders", "other"):
        admin.create_table(TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                           AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                           BillingMode="PAY_PER_REQUEST")
    admin.put_item(TableName="orders", Item={"pk": {"S": "o1"}})
    orders = client(signed_endpoint, "AKIDORDERS", "orders-secret")
    assert orders.get_item(TableName="orders", Key={"pk": {"S": "o1"}})["Item"] == {"pk": {"S": "o1"}}

    code, message = error(lambda: orders.get_item(TableName="other", Key={"pk": {"S": "o1"}}))
    assert code == "AccessDeniedException"
    assert message.startswith("User: arn:aws:iam::000000000000:user/AKIDORDERS is not authorized to perform: "
                              "dynamodb:GetItem on resource: arn:aws:dynamodb:us-east-1:000000000000:table/other")
    # A PartiQL statement and a batch name their tables too.
    code, _ = error(lambda: orders.execute_statement(Statement='SELECT * FROM "other"'))
    assert code == "AccessDeniedException"
    code, _ = error(lambda: orders.batch_get_item(RequestItems={"other": {"Keys": [{"pk": {"S": "o1"}}]}}))
    assert code == "AccessDeniedException"

    assert error(lambda: client(signed_endpoint, "AKIDADMIN", "nope").list_tables()) == (
        "InvalidSignatureException",
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret "
        "Access Key and signing method. Consult the service documentation for details.")
    assert error(lambda: client(signed_endpoint, "AKIDWHO", "x").list_tables()) == (
        "UnrecognizedClientException", "The security token included in the request is invalid.")
    # The credential scope names the server's region (`serve --region`, us-east-1 here).
    elsewhere = boto3.client("dynamodb", endpoint_url=signed_endpoint, region_name="eu-west-1",
                             aws_access_key_id="AKIDADMIN", aws_secret_access_key="admin-secret",
                             config=Config(retries={"max_attempts": 1}))
    assert error(lambda: elsewhere.list_tables()) == (
        "InvalidSignatureException", "Credential should be scoped to a valid region, not 'eu-west-1'. ")
    unsigned = client(signed_endpoint, "AKIDADMIN", "admin-secret", signature_version=botocore.UNSIGNED)
    assert error(lambda: unsigned.list_tables()) == (
        "MissingAuthenticationTokenException", "Request is missing Authentication Token")



def presigned(endpoint, key, secret, target, body, expires=300, send=None):
    """A request signed in its query string by botocore's presigner (`SigV4QueryAuth`). botocore
    would move a body into the query string, which the JSON protocol cannot take, so the body
    stays where it is and is signed as the header form signs it (SHA-256 over plain HTTP)."""
    import json
    import urllib.error
    import urllib.request

    from botocore.auth import SigV4QueryAuth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    class JsonQueryAuth(SigV4QueryAuth):
        def _modify_request_before_signing(self, request):
            data, request.data = request.data, ""
            super()._modify_request_before_signing(request)
            request.data = data

    request = AWSRequest(method="POST", url=endpoint + "/", data=json.dumps(body).encode(),
                         headers={"X-Amz-Target": "DynamoDB_20120810." + target,
                                  "Content-Type": "application/x-amz-json-1.0"})
    JsonQueryAuth(Credentials(key, secret), "dynamodb", "us-east-1", expires=expires).add_auth(request)
    prepared = request.prepare()
    assert "X-Amz-Signature=" in prepared.url and "authorization" not in {k.lower() for k in prepared.headers}
    sent = prepared.body if send is None else json.dumps(send).encode()
    headers = {k: v for k, v in prepared.headers.items() if k.lower() != "content-length"}
    http = urllib.request.Request(prepared.url, data=sent, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(http) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_presigned_requests(signed_endpoint):
    status, answer = presigned(signed_endpoint, "AKIDADMIN", "admin-secret", "ListTables", {})
    assert status == 200 and "TableNames" in answer
    status, answer = presigned(signed_endpoint, "AKIDADMIN", "not-the-secret", "ListTables", {})
    assert (status, answer["__type"].split("#")[-1]) == (400, "InvalidSignatureException")
    # The body is signed: another body under the same URL is refused.
    status, answer = presigned(signed_endpoint, "AKIDADMIN", "admin-secret", "ListTables", {}, send={"Limit": 1})
    assert (status, answer["__type"].split("#")[-1]) == (400, "InvalidSignatureException")
    # The key's table limits hold for presigned requests too.
    status, answer = presigned(signed_endpoint, "AKIDORDERS", "orders-secret", "DescribeTable", {"TableName": "other"})
    assert (status, answer["__type"].split("#")[-1]) == (400, "AccessDeniedException")

def aws(endpoint, key, secret, *args):
    exe = shutil.which("aws", path=os.path.dirname(sys.executable)) or "aws"
    env = dict(os.environ, AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret, AWS_DEFAULT_REGION="us-east-1",
               NO_PROXY="127.0.0.1,localhost")
    return subprocess.run([exe, "--endpoint-url", endpoint, "--output", "json", *args], env=env,
                          capture_output=True, text=True)


def test_aws_cli_signatures(signed_endpoint):
    table = "cli-" + uuid.uuid4().hex[:8]
    out = aws(signed_endpoint, "AKIDADMIN", "admin-secret", "dynamodb", "create-table", "--table-name", table,
              "--attribute-definitions", "AttributeName=pk,AttributeType=S", "--key-schema",
              "AttributeName=pk,KeyType=HASH", "--billing-mode", "PAY_PER_REQUEST")
    assert out.returncode == 0, out.stderr
    out = aws(signed_endpoint, "AKIDADMIN", "wrong", "dynamodb", "list-tables")
    assert out.returncode != 0
    assert "InvalidSignatureException" in out.stderr
    out = aws(signed_endpoint, "AKIDORDERS", "orders-secret", "dynamodb", "describe-table", "--table-name", table)
    assert out.returncode != 0
    assert "AccessDeniedException" in out.stderr


@pytest.fixture(scope="module")
def tls_endpoint(tmp_path_factory):
    """A server on HTTPS with a self-signed certificate for 127.0.0.1, and the certificate."""
    d = tmp_path_factory.mktemp("tls")
    cert, key = d / "cert.pem", d / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    proc, url = start_server("--tls-cert", str(cert), "--tls-key", str(key))
    yield url, str(cert)
    proc.kill()
    proc.wait()


def test_https_with_a_certificate_the_client_trusts(tls_endpoint):
    url, cert = tls_endpoint
    assert url.startswith("https://")
    ddb = boto3.client("dynamodb", endpoint_url=url, region_name="us-east-1", aws_access_key_id="AKIDTEST",
                       aws_secret_access_key="secret", verify=cert)
    table = "tls-" + uuid.uuid4().hex[:8]
    ddb.create_table(TableName=table, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    ddb.put_item(TableName=table, Item={"pk": {"S": "k"}})
    assert ddb.get_item(TableName=table, Key={"pk": {"S": "k"}})["Item"] == {"pk": {"S": "k"}}
    # A client that does not trust the certificate refuses the connection.
    untrusting = boto3.client("dynamodb", endpoint_url=url, region_name="us-east-1", aws_access_key_id="AKIDTEST",
                              aws_secret_access_key="secret", config=Config(retries={"max_attempts": 1}))
    with pytest.raises(botocore.exceptions.SSLError):
        untrusting.list_tables()
    out = subprocess.run([shutil.which("aws", path=os.path.dirname(sys.executable)) or "aws", "--endpoint-url", url,
                          "--ca-bundle", cert, "--output", "json", "dynamodb", "describe-table", "--table-name", table],
                         env=dict(os.environ, AWS_ACCESS_KEY_ID="AKIDTEST", AWS_SECRET_ACCESS_KEY="secret",
                                  AWS_DEFAULT_REGION="us-east-1", NO_PROXY="127.0.0.1,localhost"),
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert '"TableStatus": "ACTIVE"' in out.stdout
