"""`Server`: one `dynolab serve` process on a free port, and what it can tell.

The server prints `dynolab listening on http://ADDR (...)` as its first line on stdout once its
socket is bound; `Server` reads the address from that line, then asks the admin API for the
clock, so that when the constructor returns the endpoint has answered a request.
Its stderr goes to a temporary file that `Server.stderr` reads, so a failure can show it.
"""

from __future__ import annotations

import base64
import json
import os
import selectors
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

from ._binary import find_binary

__all__ = [
    "AdminError",
    "DynolabError",
    "Metric",
    "Server",
    "ServerStartError",
    "merge_flags",
    "reason_of_metric",
]

#: Credentials every client of a local server gets; nothing is ever sent to AWS.
DUMMY_ACCESS_KEY = "dynolab"
DUMMY_SECRET_KEY = "dynolab"

#: The per-cause CloudWatch metrics the server records for throttles (one event per throttled
#: table or index of a request), by the suffix of DynamoDB's `ThrottlingReasons` reason.
_TOTAL_THROTTLE_METRICS = ("ReadThrottleEvents", "WriteThrottleEvents")


def _flag_groups(args: Sequence[str]) -> list[tuple[str, list[str]]]:
    """`["--a", "1", "--b", "--c=2"]` -> `[("--a", ["--a", "1"]), ("--b", ["--b"]), ("--c", ["--c=2"])]`."""
    groups: list[tuple[str, list[str]]] = []
    for token in args:
        if token.startswith("--") or not groups:
            groups.append((token.split("=", 1)[0], [token]))
        else:
            groups[-1][1].append(token)
    return groups


def merge_flags(base: Sequence[str], override: Sequence[str]) -> list[str]:
    """`serve` flags: `base` less every flag that `override` gives again, then `override`
    (the `serve` command refuses a flag given twice)."""
    overridden = {name for name, _ in _flag_groups(override)}
    kept = [t for name, tokens in _flag_groups(base) if name not in overridden for t in tokens]
    return kept + list(override)


class DynolabError(RuntimeError):
    """Base class of this package's errors."""


class ServerStartError(DynolabError):
    """The server exited or did not answer in time; the message ends with its stderr."""

    def __init__(self, message: str, stderr: str) -> None:
        super().__init__(f"{message}\n--- dynolab stderr ---\n{stderr}" if stderr else message)
        self.stderr = stderr


class AdminError(DynolabError):
    """The admin API (`/_dynolab/...`) refused a call; `status` is the HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Metric:
    """One CloudWatch metric series: `(timestamp, value)` pairs in time order."""

    name: str
    statistic: str
    datapoints: list[tuple[datetime, float]] = field(default_factory=list)

    @property
    def values(self) -> list[float]:
        """The values alone, in time order."""
        return [v for _, v in self.datapoints]

    @property
    def total(self) -> float:
        """The sum of the values (for `Sum`, the total over the window)."""
        return float(sum(self.values))


def reason_of_metric(metric_name: str, index: str | None) -> str | None:
    """The `ThrottlingReasons` reason a per-cause throttle metric counts, or None.

    `WriteKeyRangeThroughputThrottleEvents` on the table is `TableWriteKeyRangeThroughputExceeded`;
    with a `GlobalSecondaryIndexName` dimension it is `IndexWriteKeyRangeThroughputExceeded`.
    """
    if not metric_name.endswith("ThrottleEvents") or metric_name in _TOTAL_THROTTLE_METRICS:
        return None
    cause = metric_name[: -len("ThrottleEvents")]
    return f"{'Index' if index else 'Table'}{cause}Exceeded"


class Server:
    """A `dynolab serve` process on a free port of 127.0.0.1, stopped by `stop()` or `with`.

    Args:
        data_dir: keep the data in this directory (durable across restarts); the default is
            in memory (`--in-memory`).
        clock: `"virtual"` starts a clock that moves only through `advance()` / `set_time()`;
            `"system"` (the default) is the real clock.
        capacity: False turns the partition and throttling model off (`--capacity off`).
        args: more `dynolab serve` flags, passed as given (for example
            `["--partition-write-units", "100"]`; `dynolab serve --help` lists them). A flag
            given here replaces the one `Server` would pass (`--in-memory` is no flag with a
            value: use `data_dir` instead).
        region: the region in ARNs and in the clients' configuration.
        binary: the `dynolab` binary; default `find_binary()` (the wheel's, or `DYNOLAB_BIN`).
        env: extra environment variables for the process (for example `DYNOLAB_LOG=debug`).
        start_timeout: seconds to wait for the first answer before giving up.
        credentials: `(access key id, secret)`: the server verifies every request's AWS
            Signature Version 4 against this key (`serve --credentials`); `client()`,
            `resource()` and the admin calls use it.

    The constructor returns once the server has answered a request.

    Raises:
        ServerStartError: the process exited or did not answer in time (with its stderr).
    """

    def __init__(
        self,
        *,
        data_dir: str | os.PathLike[str] | None = None,
        clock: Literal["system", "virtual"] = "system",
        capacity: bool = True,
        args: Sequence[str] = (),
        region: str = "us-east-1",
        binary: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None,
        start_timeout: float = 30.0,
        credentials: tuple[str, str] | None = None,
    ) -> None:
        if clock not in ("system", "virtual"):
            raise ValueError(f"clock must be 'system' or 'virtual', not {clock!r}")
        self.clock: Literal["system", "virtual"] = clock
        self.region = region
        self.binary = Path(binary) if binary is not None else find_binary()
        self.data_dir = Path(data_dir) if data_dir is not None else None
        defaults = ["--host", "127.0.0.1", "--port", "0", "--region", region, "--clock", clock]
        defaults += ["--capacity", "on" if capacity else "off"]
        defaults += ["--data-dir", str(self.data_dir)] if self.data_dir else ["--in-memory"]
        # `credentials=(key id, secret)`: the server verifies every request's SigV4 signature
        # against this one key (`serve --credentials`), and this object's clients and admin
        # calls use it.
        self.credentials = credentials
        self._credentials_file: str | None = None
        if credentials is not None:
            key_id, secret = credentials
            handle, self._credentials_file = tempfile.mkstemp(prefix="dynolab-keys-", suffix=".toml")
            with os.fdopen(handle, "w") as keys:
                keys.write(f"[[key]]\nid = {json.dumps(key_id)}\nsecret = {json.dumps(secret)}\n")
            defaults += ["--credentials", self._credentials_file]
        self.command: list[str] = [str(self.binary), "serve", *merge_flags(defaults, args)]
        command = self.command
        for name, tokens in _flag_groups(command[2:]):
            if name == "--clock":
                value = tokens[0].split("=", 1)[1] if "=" in tokens[0] else tokens[-1]
                self.clock = "virtual" if value == "virtual" else "system"
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        self._stderr_file = tempfile.NamedTemporaryFile(prefix="dynolab-stderr-", suffix=".log", delete=False)
        self._stderr_saved: str | None = None
        self._stdout_tail: list[str] = []
        self.endpoint_url = ""
        # Clients this object uses itself (CloudWatch for metrics, DynamoDB for table cleanup),
        # made once: a boto3 client takes tens of milliseconds to build.
        self._own_clients: dict[str, Any] = {}
        process_env = dict(os.environ)
        process_env.update(env or {})
        self._process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr_file,
            env=process_env,
        )
        try:
            self._wait_until_answering(start_timeout)
        except BaseException:
            self.stop()
            raise

    # --- lifecycle -------------------------------------------------------------------------

    def _wait_until_answering(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        stdout = self._process.stdout
        assert stdout is not None
        line = b""
        with selectors.DefaultSelector() as selector:
            selector.register(stdout, selectors.EVENT_READ)
            while not line.endswith(b"\n"):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ServerStartError(f"dynolab did not print its address within {timeout} s", self.stderr)
                if not selector.select(remaining):
                    continue
                chunk = os.read(stdout.fileno(), 4096)
                if not chunk:
                    self._process.wait()
                    raise ServerStartError(
                        f"dynolab exited with status {self._process.returncode} before listening "
                        f"(command: {' '.join(self.command)})",
                        self.stderr,
                    )
                line += chunk
        first, _, rest = line.decode().partition("\n")
        urls = [w for w in first.split() if w.startswith("http://")]
        if not urls:
            raise ServerStartError(f"unexpected first line from dynolab: {first!r}", self.stderr)
        self.endpoint_url = urls[0]
        if rest:
            self._stdout_tail.append(rest)
        # The server prints nothing else today; drain stdout anyway so a later line can never
        # fill the pipe and block it.
        threading.Thread(target=self._drain_stdout, name="dynolab-stdout", daemon=True).start()
        while True:
            try:
                self.admin("/_dynolab/clock")
                return
            except (OSError, AdminError):
                if time.monotonic() > deadline or self._process.poll() is not None:
                    raise ServerStartError("dynolab printed its address but did not answer", self.stderr) from None
                time.sleep(0.005)

    def _drain_stdout(self) -> None:
        stdout = self._process.stdout
        if stdout is None:
            return
        for raw in iter(stdout.readline, b""):
            self._stdout_tail.append(raw.decode(errors="replace"))
            del self._stdout_tail[:-100]

    @property
    def running(self) -> bool:
        """Whether the process is still running."""
        return self._process.poll() is None

    @property
    def pid(self) -> int:
        """The process id of the server."""
        return self._process.pid

    @property
    def stderr(self) -> str:
        """Everything the server wrote to stderr so far (its logs; `DYNOLAB_LOG=debug` for more)."""
        if self._stderr_saved is not None:
            return self._stderr_saved
        try:
            return Path(self._stderr_file.name).read_text(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        """Stops the server (SIGTERM, then SIGKILL after 5 s). Calling it again does nothing."""
        if self._stderr_saved is not None:
            return
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()
        self._stderr_saved = self.stderr
        self._stderr_file.close()
        for path in (self._stderr_file.name, self._credentials_file):
            try:
                if path:
                    os.unlink(path)
            except OSError:
                pass

    def __enter__(self) -> Server:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<dynolab.Server {self.endpoint_url} clock={self.clock} {state}>"

    # --- clients ---------------------------------------------------------------------------

    def _client_kwargs(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        kwargs.setdefault("endpoint_url", self.endpoint_url)
        kwargs.setdefault("region_name", self.region)
        key_id, secret = self.credentials or (DUMMY_ACCESS_KEY, DUMMY_SECRET_KEY)
        kwargs.setdefault("aws_access_key_id", key_id)
        kwargs.setdefault("aws_secret_access_key", secret)
        if self.clock == "virtual" and "config" not in kwargs:
            # On a virtual clock a retry after a throttle waits in real time while the server's
            # time stands still, so it would fail again: one attempt, and the test sees the
            # throttle.
            from botocore.config import Config

            kwargs["config"] = Config(retries={"total_max_attempts": 1})
        return kwargs

    def client(self, service: str = "dynamodb", **kwargs: Any) -> Any:
        """A boto3 client of this server (`dynamodb`, `dynamodbstreams` or `cloudwatch`).

        Dummy credentials and the server's region are filled in; `kwargs` go to
        `boto3.client` and win. On a virtual clock the client makes one attempt per call
        unless `config` is given, since a retry's real-time wait cannot refill capacity there.
        """
        import boto3

        return boto3.session.Session().client(service, **self._client_kwargs(kwargs))

    def _own(self, service: str) -> Any:
        if service not in self._own_clients:
            self._own_clients[service] = self.client(service)
        return self._own_clients[service]

    def resource(self, service: str = "dynamodb", **kwargs: Any) -> Any:
        """A boto3 resource (`boto3.resource("dynamodb", ...)`) of this server; as `client`."""
        import boto3

        return boto3.session.Session().resource(service, **self._client_kwargs(kwargs))

    # --- admin API -------------------------------------------------------------------------

    def admin(self, path: str, body: Mapping[str, Any] | None = None) -> Any:
        """Calls the admin API: GET `path` without a body, POST with one; returns the JSON.

        Raises:
            AdminError: the server answered with an error status.
        """
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.endpoint_url + path, data=data, method="POST" if data else "GET")
        if self.credentials is not None:
            # With `--credentials` the admin API takes a key by basic auth, as the live page does.
            token = base64.b64encode(":".join(self.credentials).encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        try:
            with self._opener.open(request, timeout=30) as response:
                return json.load(response)
        except urllib.error.HTTPError as e:
            try:
                message = json.load(e).get("message", "")
            except (ValueError, AttributeError):
                message = e.reason
            raise AdminError(e.code, str(message)) from None

    def now(self) -> float:
        """The server's current time, in epoch seconds (the virtual clock's on a virtual clock)."""
        return float(self.admin("/_dynolab/clock")["epoch_seconds"])

    def advance(self, seconds: float) -> float:
        """Moves the virtual clock forward and returns the new time (epoch seconds).

        Whatever became due happens before this returns: capacity refills, tables and indexes
        finish CREATING/UPDATING/DELETING, TTL deletes expired items.

        Raises:
            AdminError: the server runs on the system clock (HTTP 409).
        """
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        return float(self.admin("/_dynolab/clock/advance", {"seconds": seconds})["epoch_seconds"])

    def set_time(self, epoch_seconds: float) -> float:
        """Sets the virtual clock to `epoch_seconds` and returns it; as `advance`."""
        return float(self.admin("/_dynolab/clock/set", {"epoch_seconds": epoch_seconds})["epoch_seconds"])

    def top_keys(self, table: str, *, index: str | None = None, minutes: int = 60, limit: int = 10) -> dict[str, Any]:
        """Contributor Insights for `table` (or one of its GSIs): the most accessed and most
        throttled partition keys (and key pairs) of the last `minutes`, as `dynolab top-keys`.

        Keys `most_accessed`, `most_throttled`, `most_accessed_pairs`, `most_throttled_pairs`
        hold lists of `{"key": [...], "count": n}`. Contributor Insights must be enabled first
        (`UpdateContributorInsights`), as on AWS.

        Raises:
            AdminError: Contributor Insights is not enabled for that table or index (HTTP 404).
        """
        query = {"table": table, "minutes": str(minutes), "limit": str(limit)}
        if index is not None:
            query["index"] = index
        return dict(self.admin("/_dynolab/top-keys?" + urllib.parse.urlencode(query)))

    def cost(self, table: str | None = None) -> dict[str, Any]:
        """The bill so far and the monthly run rate (`dynolab cost`), from the server's ledger.

        Without `table`, the server's whole report (`total_so_far`, `monthly_run_rate`,
        `tables`: name -> components). With it, that table's `components` (the table and each
        GSI: request units, capacity-unit hours, `cost_so_far`, `monthly_run_rate`) with their
        sums as `total_so_far` and `monthly_run_rate`, in the report's `currency`.

        Raises:
            KeyError: the ledger has nothing for `table`.
        """
        report = dict(self.admin("/_dynolab/cost"))
        if table is None:
            return report
        components = list(report["tables"][table])
        return {
            "table": table,
            "currency": report.get("currency"),
            "components": components,
            "total_so_far": sum(float(c["cost_so_far"]["total"]) for c in components),
            "monthly_run_rate": sum(float(c["monthly_run_rate"]) for c in components),
        }

    def dashboard(self) -> dict[str, Any]:
        """What the live page draws (`/_dynolab/dashboard.json`): per table, partition heat,
        throttles by cause over the last hour, the hottest keys and the cost."""
        return dict(self.admin("/_dynolab/dashboard.json"))

    # --- CloudWatch ------------------------------------------------------------------------

    def metrics(
        self,
        table: str,
        metric: str,
        *,
        statistic: str = "Sum",
        index: str | None = None,
        operation: str | None = None,
        minutes: int = 60,
        period: int = 60,
    ) -> Metric:
        """One AWS/DynamoDB CloudWatch metric of `table` (or its GSI `index`, or one
        `operation` for the per-operation metrics) over the last `minutes` of the server's
        clock, read through the CloudWatch API the server answers on the same endpoint.

        For example `metrics("orders", "ConsumedWriteCapacityUnits").total`, or
        `metrics("orders", "ProvisionedWriteCapacityUnits", statistic="Average")`.
        """
        dimensions = [{"Name": "TableName", "Value": table}]
        if index is not None:
            dimensions.append({"Name": "GlobalSecondaryIndexName", "Value": index})
        if operation is not None:
            dimensions.append({"Name": "Operation", "Value": operation})
        now = self.now()
        answer = self._own("cloudwatch").get_metric_statistics(
            Namespace="AWS/DynamoDB",
            MetricName=metric,
            Dimensions=dimensions,
            StartTime=datetime.fromtimestamp(now - minutes * 60, timezone.utc),
            EndTime=datetime.fromtimestamp(now + 60, timezone.utc),
            Period=period,
            Statistics=[statistic],
        )
        points = sorted((p["Timestamp"], float(p[statistic])) for p in answer["Datapoints"])
        return Metric(name=metric, statistic=statistic, datapoints=points)

    def throttles(self, table: str, *, index: str | None = None, minutes: int = 60) -> dict[str, int]:
        """Throttle events of `table` over the last `minutes`, by DynamoDB's
        `ThrottlingReasons` reason, from the per-cause CloudWatch metrics.

        For example `{"TableWriteKeyRangeThroughputExceeded": 212,
        "IndexWriteKeyRangeThroughputExceeded": 530}`: a throttled request counts once per table
        or GSI it was throttled on, so index events are summed over the table's GSIs (or only
        `index`'s when given). Empty when nothing was throttled.
        """
        listed = self._own("cloudwatch").list_metrics(
            Namespace="AWS/DynamoDB", Dimensions=[{"Name": "TableName", "Value": table}]
        )["Metrics"]
        counts: dict[str, int] = {}
        for entry in listed:
            dims = {d["Name"]: d["Value"] for d in entry["Dimensions"]}
            entry_index = dims.get("GlobalSecondaryIndexName")
            if index is not None and entry_index != index:
                continue
            if set(dims) - {"TableName", "GlobalSecondaryIndexName"}:
                continue
            reason = reason_of_metric(entry["MetricName"], entry_index)
            if reason is None:
                continue
            total = self.metrics(table, entry["MetricName"], index=entry_index, minutes=minutes).total
            if total:
                counts[reason] = counts.get(reason, 0) + int(total)
        return counts

    # --- tables ----------------------------------------------------------------------------

    def table_names(self) -> list[str]:
        """Every table's name (all ListTables pages)."""
        ddb = self._own("dynamodb")
        names: list[str] = []
        kwargs: dict[str, Any] = {}
        while True:
            page = ddb.list_tables(**kwargs)
            names += page["TableNames"]
            if "LastEvaluatedTableName" not in page:
                return names
            kwargs["ExclusiveStartTableName"] = page["LastEvaluatedTableName"]

    def design_requests(self, path: str | os.PathLike[str]) -> list[dict[str, Any]]:
        """The CreateTable requests of a design file, as `dynolab design` reads it: a Terraform
        file (every `aws_dynamodb_table`, its variables and locals evaluated), a CreateTable
        request or `describe-table` output (`.json`).

        Raises:
            DynolabError: the binary could not read the file (its message says why).
        """
        out = subprocess.run(
            [str(self.binary), "design", "--design", os.fspath(path)], capture_output=True, text=True
        )
        if out.returncode != 0:
            raise DynolabError(out.stderr.strip() or f"dynolab design exited with status {out.returncode}")
        return list(json.loads(out.stdout))

    def apply_terraform(self, path: str | os.PathLike[str]) -> list[str]:
        """Creates on this server every table of a Terraform file (or CreateTable /
        describe-table JSON) and returns their names. Auto scaling policies are not applied:
        the tables get the design's provisioned capacity."""
        ddb = self.client()
        names = []
        for request in self.design_requests(path):
            ddb.create_table(**request)
            names.append(request["TableName"])
        return names

    def delete_all_tables(self) -> list[str]:
        """Deletes every table and returns their names (what the plugin does between tests)."""
        ddb = self._own("dynamodb")
        names = self.table_names()
        for name in names:
            try:
                ddb.delete_table(TableName=name)
            except ddb.exceptions.ResourceNotFoundException:
                pass
        return names
