"""The pytest plugin, registered by the wheel's `pytest11` entry point: installing the wheel is
enough to have these fixtures in every test.

Fixtures:

- `dynolab`: a `Server` on the real clock, one per session (so one per pytest-xdist worker:
  each worker is its own process with its own port). Every table is deleted after each test,
  unless the test is marked `@pytest.mark.dynolab_keep_tables`.
- `dynolab_virtual`: a `Server` on a virtual clock, one per test, so each test starts from an
  empty server at its own time. `@pytest.mark.dynolab(args=[...], capacity=False)` passes
  `serve` flags to it.
- `dynolab_table`: a factory: `dynolab_table({...CreateTable request...})` creates a table on
  the test's server (`dynolab_virtual` if the test uses it, else `dynolab`) and returns a boto3
  `Table` resource. A path to a Terraform file (`aws_dynamodb_table`) or to a JSON file with a
  CreateTable request or `describe-table` output works too (read by `dynolab design`).

The ini option `dynolab_args` (and the environment variable `DYNOLAB_SERVE_ARGS`, split as a
shell would) adds `serve` flags to every server the plugin starts.
When a test fails, the report gets a section with the stderr of each server it used.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest

from .assertions import assert_no_throttles, assert_throttled, expect_throttle
from .server import Server, merge_flags

__all__ = [
    "assert_no_throttles",
    "assert_throttled",
    "create_table_request",
    "dynolab",
    "dynolab_table",
    "dynolab_virtual",
    "expect_throttle",
]

#: The servers a test used, with the length of their stderr when it started.
_SERVERS_USED: pytest.StashKey[list[tuple[Server, int]]] = pytest.StashKey()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "dynolab_args",
        type="args",
        default=[],
        help="dynolab serve flags for every server the dynolab plugin starts",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "dynolab_keep_tables: do not delete the session server's tables after this test",
    )
    config.addinivalue_line(
        "markers",
        "dynolab(args=[...], capacity=True): dynolab serve flags for this test's dynolab_virtual server",
    )


def _ini_args(config: pytest.Config) -> list[str]:
    args = list(config.getini("dynolab_args"))
    extra = os.environ.get("DYNOLAB_SERVE_ARGS")
    return args + (shlex.split(extra) if extra else [])


def _track(request: pytest.FixtureRequest, server: Server) -> None:
    used = request.node.stash.setdefault(_SERVERS_USED, [])
    used.append((server, len(server.stderr)))


@pytest.fixture(scope="session")
def _dynolab_session_server(pytestconfig: pytest.Config) -> Iterator[Server]:
    with Server(args=_ini_args(pytestconfig)) as server:
        yield server


@pytest.fixture
def dynolab(request: pytest.FixtureRequest, _dynolab_session_server: Server) -> Iterator[Server]:
    """The session's `dynolab.Server` (real clock, in memory). Tables are deleted after each test
    unless it is marked `dynolab_keep_tables`."""
    server = _dynolab_session_server
    _track(request, server)
    yield server
    if request.node.get_closest_marker("dynolab_keep_tables") is None and server.running:
        server.delete_all_tables()


@pytest.fixture
def dynolab_virtual(request: pytest.FixtureRequest, pytestconfig: pytest.Config) -> Iterator[Server]:
    """A `dynolab.Server` on a virtual clock for this test alone: time moves only with
    `advance()`, so a test can drain burst capacity and jump minutes without sleeping."""
    marker = request.node.get_closest_marker("dynolab")
    args = _ini_args(pytestconfig)
    capacity = True
    if marker is not None:
        args = merge_flags(args, list(marker.kwargs.get("args", ())))
        capacity = bool(marker.kwargs.get("capacity", True))
    with Server(clock="virtual", capacity=capacity, args=args) as server:
        _track(request, server)
        yield server


def create_table_request(definition: Mapping[str, Any]) -> dict[str, Any]:
    """A CreateTable request from a dict, with what it leaves out filled in:
    `AttributeDefinitions` for key attributes not defined (type `S`), and `BillingMode`
    `PAY_PER_REQUEST` when there is no `ProvisionedThroughput`."""
    request = dict(definition)
    keys = [k["AttributeName"] for k in request.get("KeySchema", [])]
    for index in [*request.get("GlobalSecondaryIndexes", []), *request.get("LocalSecondaryIndexes", [])]:
        keys += [k["AttributeName"] for k in index.get("KeySchema", [])]
    defined = {a["AttributeName"] for a in request.get("AttributeDefinitions", [])}
    missing = [k for k in dict.fromkeys(keys) if k not in defined]
    request["AttributeDefinitions"] = [
        *request.get("AttributeDefinitions", []),
        *({"AttributeName": k, "AttributeType": "S"} for k in missing),
    ]
    if "BillingMode" not in request and "ProvisionedThroughput" not in request:
        request["BillingMode"] = "PAY_PER_REQUEST"
    return request


@pytest.fixture
def dynolab_table(request: pytest.FixtureRequest) -> Callable[..., Any]:
    """A factory: `dynolab_table(definition, server=None, table=None)` creates a table and returns
    its boto3 `Table` resource. `definition` is a CreateTable request (a dict, completed by
    `create_table_request`) or the path of a design file (Terraform `.tf`, or CreateTable /
    describe-table `.json`: every table in it is created, and `table` chooses the one returned
    when there are several). The table is created on `server`, else on `dynolab_virtual` if the
    test uses it, else on `dynolab`."""

    def make(
        definition: Mapping[str, Any] | str | os.PathLike[str],
        *,
        server: Server | None = None,
        table: str | None = None,
    ) -> Any:
        if server is None:
            name = "dynolab_virtual" if "dynolab_virtual" in request.fixturenames else "dynolab"
            server = request.getfixturevalue(name)
        if isinstance(definition, Mapping):
            table_request = create_table_request(definition)
            server.client().create_table(**table_request)
            return server.resource().Table(table_request["TableName"])
        names = server.apply_terraform(definition)
        if table is None and len(names) != 1:
            raise ValueError(f"{definition} has the tables {names}: pass table=NAME to choose one")
        chosen = table if table is not None else names[0]
        if chosen not in names:
            raise ValueError(f"{definition} has no table {chosen} (it has {names})")
        return server.resource().Table(chosen)

    return make


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if not report.failed:
        return
    for server, offset in item.stash.get(_SERVERS_USED, []):
        text = server.stderr[offset:]
        if not server.running:
            text += f"\n(dynolab exited with status {server._process.returncode})"
        report.sections.append(
            (f"dynolab stderr ({server.endpoint_url}, during this test)", text or "(nothing)")
        )
