"""The two servers under comparison: `dynolab serve --in-memory --capacity off` and DynamoDB Local.

DynamoDB Local 1.25.1 ships inside the npm package amplify-dynamodb-simulator@2.9.30 (folder
`emulator/`: DynamoDBLocal.jar and DynamoDBLocal_lib); `ensure_ddblocal` fetches it once with
`npm pack` into a cache folder (`.cache/ddblocal` at the repository's root by default). It needs a
Java 17 runtime; scripts/test installs Debian's openjdk-17-jre-headless when `java` is missing.
Both servers listen on loopback only (DynamoDB Local has no bind option: only loopback traffic is
ever sent to it).
"""

import http.client
import json
import os
import pathlib
import shutil
import socket
import subprocess
import tarfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
DDBLOCAL_PACKAGE = "amplify-dynamodb-simulator"
DDBLOCAL_PACKAGE_VERSION = "2.9.30"
DDBLOCAL_VERSION = "1.25.1"
DEFAULT_CACHE = ROOT / ".cache" / "ddblocal"


class SetupError(RuntimeError):
    """Something the harness needs (npm, java, the package) is missing."""


def ensure_ddblocal(cache_dir=None):
    """Returns the `emulator/` folder holding DynamoDBLocal.jar, installing the npm package into
    `cache_dir` first when it is not there yet."""
    cache = pathlib.Path(cache_dir or os.environ.get("DDBLOCAL_DIR") or DEFAULT_CACHE)
    emulator = cache / f"{DDBLOCAL_PACKAGE}-{DDBLOCAL_PACKAGE_VERSION}" / "emulator"
    if (emulator / "DynamoDBLocal.jar").is_file() and (emulator / "DynamoDBLocal_lib").is_dir():
        return emulator
    npm = shutil.which("npm")
    if npm is None:
        raise SetupError("npm is missing: install Debian's npm package (scripts/test does, as root)")
    cache.mkdir(parents=True, exist_ok=True)
    spec = f"{DDBLOCAL_PACKAGE}@{DDBLOCAL_PACKAGE_VERSION}"
    subprocess.run([npm, "pack", "--silent", spec], cwd=cache, check=True, stdout=subprocess.DEVNULL)
    tgz = cache / f"{DDBLOCAL_PACKAGE}-{DDBLOCAL_PACKAGE_VERSION}.tgz"
    staging = cache / "staging"
    shutil.rmtree(staging, ignore_errors=True)
    with tarfile.open(tgz) as tar:
        members = [m for m in tar.getmembers() if m.name.startswith("package/emulator/")]
        try:
            tar.extractall(staging, members=members, filter="data")
        except TypeError:  # Python without extraction filters
            tar.extractall(staging, members=members)
    shutil.rmtree(emulator.parent, ignore_errors=True)
    (staging / "package").rename(emulator.parent)
    shutil.rmtree(staging, ignore_errors=True)
    tgz.unlink()
    if not (emulator / "DynamoDBLocal.jar").is_file():
        raise SetupError(f"{spec} has no emulator/DynamoDBLocal.jar")
    return emulator


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A running server: its name, process and loopback port."""

    def __init__(self, name, proc, port, log):
        self.name, self.proc, self.port, self.log = name, proc, port, log

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.log is not None:
            self.log.close()

    def alive(self):
        return self.proc.poll() is None


def wait_ready(port, proc, seconds, name):
    """Waits until ListTables answers 200 on `port`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SetupError(f"{name} exited with {proc.returncode} while starting")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("POST", "/", body=b"{}", headers={
                "X-Amz-Target": "DynamoDB_20120810.ListTables",
                "Content-Type": "application/x-amz-json-1.0",
                "Authorization": "AWS4-HMAC-SHA256 Credential=local/20240101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0",
            })
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SetupError(f"{name} did not answer on port {port} within {seconds}s")


def start_dynolab(binary=None):
    binary = binary or os.environ.get("DYNOLAB_BIN") or str(ROOT / "target" / "debug" / "dynolab")
    if not os.path.exists(binary):
        raise SetupError(f"no dynolab binary at {binary} (cargo build --bin dynolab, or set DYNOLAB_BIN)")
    port = free_port()
    proc = subprocess.Popen(
        [binary, "serve", "--in-memory", "--capacity", "off", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    wait_ready(port, proc, 30, "dynolab")
    return Server("dynolab", proc, port, None)


def start_ddblocal(emulator_dir):
    java = shutil.which("java")
    if java is None:
        raise SetupError("java is missing: install Debian's openjdk-17-jre-headless (scripts/test does, as root)")
    port = free_port()
    log = open(pathlib.Path(emulator_dir).parent / "ddblocal.log", "w")
    proc = subprocess.Popen(
        [java, "-Xms256m", "-XX:+UseSerialGC", "-Djava.library.path=DynamoDBLocal_lib", "-jar", "DynamoDBLocal.jar",
         "-inMemory", "-sharedDb", "-disableTelemetry", "-port", str(port)],
        cwd=emulator_dir, stdout=log, stderr=subprocess.STDOUT,
    )
    wait_ready(port, proc, 90, "DynamoDB Local")
    return Server("ddblocal", proc, port, log)


def dump(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
