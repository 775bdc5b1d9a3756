"""A CPU reference: a fixed pure-Python workload, timed, so figures taken at different times or on
different machines can be set side by side (lower is faster). This machine's reading varies by 2x
from one minute to the next."""

from __future__ import annotations

import json
import statistics
import time

__all__ = ["cpu_reference_ms"]


def cpu_reference_ms(runs: int = 5) -> float:
    """Milliseconds for 2,000 JSON round trips of a 10 KB reply: the median of `runs` (at least 5)."""
    sample = {"choices": [{"message": {"content": "x" * 400, "role": "assistant"}, "index": i} for i in range(20)]}
    times = []
    for _ in range(max(runs, 5)):
        started = time.perf_counter()
        for _ in range(2000):
            json.loads(json.dumps(sample, sort_keys=True))
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000
