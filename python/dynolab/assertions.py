"""Assertions about throttling: on what a server recorded, and on one call's error.

`assert_no_throttles` and `assert_throttled` read the server's per-cause CloudWatch metrics
(`Server.throttles`), so they see every throttle of every client, including those a retrying
SDK hid from the caller. `expect_throttle` checks one call's own error and its
`ThrottlingReasons`, as DynamoDB returns them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .server import Server

__all__ = ["assert_no_throttles", "assert_throttled", "expect_throttle", "throttling_reasons"]

#: The error codes DynamoDB throttles with (provisioned tables; on-demand tables and
#: control-plane limits).
THROTTLE_CODES = frozenset({"ProvisionedThroughputExceededException", "ThrottlingException"})


def assert_no_throttles(server: Server, table: str, *, index: str | None = None, minutes: int = 60) -> None:
    """Fails if `table` (or its GSI `index`) was throttled in the last `minutes` of the server's
    clock; the message lists the throttle events by reason."""
    found = server.throttles(table, index=index, minutes=minutes)
    where = f"{table}/{index}" if index else table
    assert not found, f"{where} was throttled: {found}"


def assert_throttled(
    server: Server,
    table: str,
    reason: str | None = None,
    *,
    index: str | None = None,
    at_least: int = 1,
    minutes: int = 60,
) -> int:
    """Fails unless `table` (or its GSI `index`) has at least `at_least` throttle events in the
    last `minutes`, of `reason` when given (a `ThrottlingReasons` reason such as
    `TableWriteKeyRangeThroughputExceeded`). Returns the count, for further assertions."""
    found = server.throttles(table, index=index, minutes=minutes)
    count = found.get(reason, 0) if reason is not None else sum(found.values())
    what = reason or "any reason"
    assert count >= at_least, f"expected at least {at_least} throttle(s) of {what} on {table}, found {found or 'none'}"
    return count


def throttling_reasons(error: BaseException) -> list[str]:
    """The `ThrottlingReasons` reasons of a botocore `ClientError` (empty for anything else)."""
    response: Any = getattr(error, "response", None)
    if not isinstance(response, dict):
        return []
    return [r.get("reason", "") for r in response.get("ThrottlingReasons", [])]


class ThrottleInfo:
    """What `expect_throttle` caught: the error, its code and its `ThrottlingReasons`."""

    error: BaseException | None = None
    code: str = ""
    reasons: list[str]

    def __init__(self) -> None:
        self.reasons = []


@contextmanager
def expect_throttle(reason: str | None = None) -> Iterator[ThrottleInfo]:
    """A `with` block that must raise DynamoDB's throttling error, with `reason` among its
    `ThrottlingReasons` when given. The error is swallowed and described by the yielded value.

        with expect_throttle(reason="TableWriteKeyRangeThroughputExceeded") as caught:
            table.put_item(Item=...)
        assert caught.code == "ProvisionedThroughputExceededException"
    """
    info = ThrottleInfo()
    try:
        yield info
    except Exception as e:  # botocore's ClientError, without importing botocore here
        response: Any = getattr(e, "response", None)
        code = response.get("Error", {}).get("Code", "") if isinstance(response, dict) else ""
        if code not in THROTTLE_CODES:
            raise
        info.error, info.code, info.reasons = e, code, throttling_reasons(e)
        if reason is not None and reason not in info.reasons:
            raise AssertionError(f"throttled with reasons {info.reasons}, expected {reason}") from e
        return
    raise AssertionError(f"expected a throttle{f' ({reason})' if reason else ''}, but the call succeeded")
