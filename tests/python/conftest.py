"""Starts `dynolab serve` (in memory, on a free port) for the boto3 and AWS CLI smoke tests."""

import json
import os
import pathlib
import subprocess
import urllib.request

import boto3
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def start_server(*extra):
    """Starts `dynolab serve` in memory on a free port; returns the process and its URL."""
    binary = os.environ.get("DYNOLAB_BIN", str(ROOT / "target" / "debug" / "dynolab"))
    proc = subprocess.Popen(
        [binary, "serve", "--in-memory", "--host", "127.0.0.1", "--port", "0", *extra],
        stdout=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline()
    return proc, next(word for word in line.split() if word.startswith(("http://", "https://")))


def admin(endpoint, path, body=None):
    """Calls the admin API (`/_dynolab/...`): GET without a body, POST with one."""
    data = None if body is None else json.dumps(body).encode()
    with urllib.request.urlopen(urllib.request.Request(endpoint + path, data=data, method="POST" if data else "GET")) as r:
        return json.load(r)


@pytest.fixture(scope="session")
def endpoint():
    """A server on the real clock, shared by the whole session."""
    proc, url = start_server()
    yield url
    proc.kill()
    proc.wait()


@pytest.fixture(scope="module")
def virtual_endpoint():
    """A server on a virtual clock (moved with `admin`), one per test module. Tables and
    indexes are ACTIVE at once."""
    proc, url = start_server("--clock", "virtual")
    yield url
    proc.kill()
    proc.wait()


@pytest.fixture(scope="session")
def lifecycle_endpoint():
    """A server on a virtual clock where table, index and TTL transitions take 5 seconds and TTL
    deletes an item 60 seconds after its time: tests move the clock (`advance`) instead of
    sleeping."""
    proc, url = start_server(
        "--clock", "virtual", "--ttl-delay-secs", "60", "--table-create-secs", "5",
        "--table-update-secs", "5", "--table-delete-secs", "5", "--index-create-secs", "5",
        "--index-delete-secs", "5",
    )
    yield url
    proc.kill()
    proc.wait()


@pytest.fixture()
def vddb(lifecycle_endpoint, aws_env):
    """A DynamoDB client of `lifecycle_endpoint`."""
    return boto3.client(
        "dynamodb",
        endpoint_url=lifecycle_endpoint,
        region_name="us-east-1",
        aws_access_key_id=aws_env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=aws_env["AWS_SECRET_ACCESS_KEY"],
    )


@pytest.fixture()
def advance(lifecycle_endpoint):
    """Moves `lifecycle_endpoint`'s virtual clock forward by `seconds` and returns the new time
    (epoch seconds)."""
    return lambda seconds: admin(lifecycle_endpoint, "/_dynolab/clock/advance", {"seconds": seconds})["epoch_seconds"]


@pytest.fixture(scope="session")
def aws_env():
    """Credentials and region for clients; no real AWS is ever contacted."""
    env = dict(os.environ)
    env.update(
        AWS_ACCESS_KEY_ID="AKIDTEST",
        AWS_SECRET_ACCESS_KEY="secret",
        AWS_DEFAULT_REGION="us-east-1",
        NO_PROXY="127.0.0.1,localhost",
    )
    return env


@pytest.fixture()
def ddb(endpoint, aws_env):
    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=aws_env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=aws_env["AWS_SECRET_ACCESS_KEY"],
    )
