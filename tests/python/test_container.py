"""The container image's contract, checked without a container engine (this machine has only
Docker's client; `scripts/container_smoke.sh` builds and runs the real image where an engine
is): the Dockerfile's own ENTRYPOINT + CMD and HEALTHCHECK, read from the file, run as the
image's non-root user against a data directory it owns; acknowledged writes survive kill -9;
the compose example agrees with the Dockerfile."""

import json
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import boto3
import pytest
import yaml

from conftest import ROOT

IMAGE_BINARY = "/usr/local/bin/dynolab"
NONROOT = 65532


def final_stage():
    """The instructions of the Dockerfile's last stage, continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text()
    text = re.sub(r"\\\n\s*", " ", text)
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    last_from = max(i for i, line in enumerate(lines) if line.startswith("FROM "))
    return lines[last_from:]


def instruction(stage, name):
    found = [line[len(name) + 1:] for line in stage if line.startswith(name + " ")]
    assert len(found) == 1, (name, found)
    return found[0]


def exec_form(text):
    """A JSON exec-form array (`["a", "b"]`), as Docker reads it."""
    value = json.loads(text[text.index("["):])
    assert isinstance(value, list) and all(isinstance(v, str) for v in value), text
    return value


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def image_root():
    """A directory the image's user can reach (pytest's own tmp_path is private to root)."""
    path = pathlib.Path(tempfile.mkdtemp(prefix="dynolab-image-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_the_dockerfiles_command_and_health_check_work_as_the_image_runs_them(image_root):
    stage = final_stage()
    entrypoint = exec_form(instruction(stage, "ENTRYPOINT"))
    cmd = exec_form(instruction(stage, "CMD"))
    health = exec_form(instruction(stage, "HEALTHCHECK").split(" CMD ", 1)[1])
    assert entrypoint == [IMAGE_BINARY]
    assert instruction(stage, "USER") == f"{NONROOT}:{NONROOT}"
    assert instruction(stage, "EXPOSE") == "8000"
    assert exec_form(instruction(stage, "VOLUME")) == ["/data"]
    assert cmd[:2] == ["serve", "--host"] and "0.0.0.0" in cmd and "/data" in cmd

    binary = os.environ.get("DYNOLAB_BIN", str(ROOT / "target" / "debug" / "dynolab"))
    data = image_root / "data"
    data.mkdir()
    port = free_port()

    def as_image(argv):
        """The image's argv with its paths and port mapped onto this machine."""
        mapped = [binary if a == IMAGE_BINARY else str(data) if a == "/data" else a for a in argv]
        return [a.replace("127.0.0.1:8000", f"127.0.0.1:{port}") if "8000" in a else a for a in mapped]

    server_argv = as_image(entrypoint + cmd)
    server_argv[server_argv.index("--port") + 1] = str(port)
    drop = {}
    if os.geteuid() == 0:
        # As in the image: uid 65532 owns /data and runs the server.
        os.chown(data, NONROOT, NONROOT)
        drop = {"user": NONROOT, "group": NONROOT, "extra_groups": []}

    def healthy():
        return subprocess.run(as_image(health), capture_output=True, text=True, timeout=30, **drop).returncode == 0

    assert not healthy(), "the health check must fail while nothing listens"

    def start():
        proc = subprocess.Popen(server_argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **drop)
        deadline = time.monotonic() + 30
        while not healthy():
            assert proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline, "never healthy"
            time.sleep(0.1)
        return proc

    proc = start()
    client = boto3.client("dynamodb", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                          aws_access_key_id="local", aws_secret_access_key="local")
    client.create_table(TableName="orders", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                        BillingMode="PAY_PER_REQUEST")
    client.put_item(TableName="orders", Item={"pk": {"S": "USER#premium"}, "n": {"N": "1"}})
    if drop:
        owners = {p.stat().st_uid for p in data.rglob("*")}
        assert owners == {NONROOT}, owners
    assert any(data.iterdir()), "the server wrote nothing to its data directory"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not healthy()

    proc = start()
    try:
        item = client.get_item(TableName="orders", Key={"pk": {"S": "USER#premium"}})["Item"]
        assert item == {"pk": {"S": "USER#premium"}, "n": {"N": "1"}}
    finally:
        proc.kill()
        proc.wait()


def test_the_compose_example_runs_the_image_as_the_dockerfile_says():
    stage = final_stage()
    compose = yaml.safe_load((ROOT / "examples" / "container" / "docker-compose.yml").read_text())
    service = compose["services"]["dynamodb"]
    assert service["ports"] == ["8000:8000"]
    assert service["volumes"] == ["dynolab-data:/data"] and "dynolab-data" in compose["volumes"]
    assert service["command"] == exec_form(instruction(stage, "CMD"))
    assert (ROOT / "examples" / "container" / service["build"] / "Dockerfile").resolve() == ROOT / "Dockerfile"
    app = compose["services"]["app"]
    assert app["depends_on"]["dynamodb"]["condition"] == "service_healthy"


def test_the_build_context_leaves_out_build_output():
    ignored = (ROOT / ".dockerignore").read_text().split()
    for path in ("target", ".venv", ".git", "tests/js/node_modules"):
        assert path in ignored, path


@pytest.mark.skipif(shutil.which("docker") is None or subprocess.run(["docker", "info"], capture_output=True).returncode != 0,
                    reason="no Docker engine here (only the client, or nothing): the image itself is not built")
def test_the_image_builds_and_serves():
    subprocess.run([str(ROOT / "scripts" / "container_smoke.sh")], check=True)
