"""`dynolab.Server()` start time (docs/benchmarks.md, section 11).

From the constructor's call to its return, that is until the server has printed its address and
answered a first request (GET /_dynolab/clock). Median of 30 starts per mode. Run it with the
interpreter of the environment the wheel was installed into.
"""

import statistics
import tempfile
import time

import dynolab


def measure(durable: bool = False, **kwargs: object) -> str:
    times = []
    for _ in range(30):
        with tempfile.TemporaryDirectory() as data_dir:
            if durable:
                kwargs["data_dir"] = data_dir
            start = time.perf_counter()
            server = dynolab.Server(**kwargs)  # type: ignore[arg-type]
            times.append((time.perf_counter() - start) * 1000)
            server.stop()
    times.sort()
    return f"median {statistics.median(times):.1f} ms, min {times[0]:.1f}, max {times[-1]:.1f}"


print("binary:", dynolab.find_binary())
print("in memory:          ", measure())
print("in memory, virtual: ", measure(clock="virtual"))
print("data dir (durable): ", measure(durable=True))
