"""dynolab for Python: the local DynamoDB endpoint, a way to run it, and a pytest plugin.

The wheel carries the `dynolab` binary (on PATH once installed: `dynolab serve`) and this
package:

- `Server`: starts `dynolab serve` on a free port (in memory or on a data directory, on the
  real or a virtual clock, with any `serve` flag), and gives boto3 clients of it, the virtual
  clock (`advance`, `now`), CloudWatch metrics, throttles by reason, Contributor Insights'
  top keys and the cost.
- `assert_no_throttles`, `assert_throttled`, `expect_throttle`: assertions on a server's
  throttles and on one call's `ThrottlingReasons`.
- The pytest plugin (`dynolab.pytest_plugin`, on by installing the wheel): fixtures `dynolab`,
  `dynolab_virtual` and `dynolab_table`.

    >>> from dynolab import Server
    >>> with Server(clock="virtual") as server:
    ...     ddb = server.client()
    ...     server.advance(300)
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from ._binary import BinaryNotFoundError, find_binary
from .assertions import assert_no_throttles, assert_throttled, expect_throttle, throttling_reasons
from .server import AdminError, DynolabError, Metric, Server, ServerStartError

try:
    __version__ = version("dynolab")
except PackageNotFoundError:  # imported from a source tree, not installed
    __version__ = "0.0.0+source"

__all__ = [
    "AdminError",
    "BinaryNotFoundError",
    "DynolabError",
    "Metric",
    "Server",
    "ServerStartError",
    "__version__",
    "assert_no_throttles",
    "assert_throttled",
    "expect_throttle",
    "find_binary",
    "throttling_reasons",
]
