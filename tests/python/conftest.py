"""Starts `dynolab serve` (in memory, on a free port) for the boto3 and AWS CLI smoke tests."""

import os
import pathlib
import subprocess

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


def start_server(*extra):
    binary = os.environ.get("DYNOLAB_BIN", str(ROOT / "target" / "debug" / "dynolab"))
    proc = subprocess.Popen(
        [binary, "serve", "--in-memory", "--host", "127.0.0.1", "--port", "0", *extra],
        stdout=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline()
    return proc, next(word for word in line.split() if word.startswith("http://"))


@pytest.fixture(scope="session")
def virtual_endpoint():
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
def vddb(virtual_endpoint, aws_env):
    return boto3.client(
        "dynamodb",
        endpoint_url=virtual_endpoint,
        region_name="us-east-1",
        aws_access_key_id=aws_env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=aws_env["AWS_SECRET_ACCESS_KEY"],
    )


@pytest.fixture()
def advance(virtual_endpoint):
    """Moves the virtual clock forward by `seconds` and returns the new time (epoch seconds)."""
    import json
    import urllib.request

    def move(seconds):
        req = urllib.request.Request(
            virtual_endpoint + "/_dynolab/clock/advance",
            data=json.dumps({"seconds": seconds}).encode(),
            method="POST",
        )
        with urllib.request.urlopen(req) as resp:
            return json.load(resp)["epoch_seconds"]

    return move


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
