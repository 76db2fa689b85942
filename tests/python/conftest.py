"""Starts `dynolab serve` (in memory, on a free port) for the boto3 and AWS CLI smoke tests."""

import json
import os
import pathlib
import subprocess
import urllib.request

import boto3
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def endpoint():
    binary = os.environ.get("DYNOLAB_BIN", str(ROOT / "target" / "debug" / "dynolab"))
    proc = subprocess.Popen(
        [binary, "serve", "--in-memory", "--host", "127.0.0.1", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline()
    url = next(word for word in line.split() if word.startswith("http://"))
    yield url
    proc.kill()
    proc.wait()


@pytest.fixture(scope="module")
def virtual_endpoint():
    """A server on a virtual clock (moved with `admin`), one per test module."""
    binary = os.environ.get("DYNOLAB_BIN", str(ROOT / "target" / "debug" / "dynolab"))
    proc = subprocess.Popen([binary, "serve", "--in-memory", "--clock", "virtual", "--port", "0"], stdout=subprocess.PIPE, text=True)
    url = next(word for word in proc.stdout.readline().split() if word.startswith("http://"))
    yield url
    proc.kill()
    proc.wait()


def admin(endpoint, path, body=None):
    """Calls the admin API (`/_dynolab/...`): GET without a body, POST with one."""
    data = None if body is None else json.dumps(body).encode()
    with urllib.request.urlopen(urllib.request.Request(endpoint + path, data=data, method="POST" if data else "GET")) as r:
        return json.load(r)


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
