"""Shared helpers: the checkout's ``sim`` on the path, timing, event counts, progress lines.

The benchmarks must measure the ``sim`` package of *this* checkout, not whatever an editable
install points at, so :func:`use_checkout` puts the repository root first on ``sys.path``
and on ``PYTHONPATH`` (inherited by the memory probes and the sweep's worker processes).
"""

from __future__ import annotations

import math
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOURS_PER_DAY = 24.0
_STARTED = time.perf_counter()


def use_checkout() -> None:
    """Make ``import sim`` load ``ROOT/sim`` here and in every child process."""
    root = str(ROOT)
    if sys.path[0] != root:
        sys.path.insert(0, root)
    paths = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and p != root]
    os.environ["PYTHONPATH"] = os.pathsep.join([root, *paths])


def log(message: str) -> None:
    """A progress line on stderr, stamped with the seconds since the benchmarks started."""
    print(f"[{time.perf_counter() - _STARTED:7.1f} s] {message}", file=sys.stderr, flush=True)


def count_events(env) -> int | None:
    """Events SimPy has processed so far: ids handed out minus events still queued.

    Free at run time (SimPy numbers every scheduled event). None if the environment does
    not expose SimPy's counter (an engine that no longer uses ``simpy.Environment``).
    """
    try:
        return next(env._eid) - len(env._queue)
    except (AttributeError, TypeError):
        return None


def median(values) -> float:
    """Median, ignoring None and NaN (NaN if nothing is left)."""
    kept = [v for v in values if v is not None and not math.isnan(v)]
    return statistics.median(kept) if kept else math.nan


def per_second(count, seconds: float) -> float:
    """``count / seconds``, NaN if either is missing or the time is zero."""
    if count is None or not seconds or seconds <= 0:
        return math.nan
    return count / seconds


def linear_fit(xs, ys) -> tuple[float, float, float]:
    """Least-squares line y = a + b·x: returns (a, b, R²)."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    syy = sum((y - my) ** 2 for y in ys)
    slope = sxy / sxx if sxx else math.nan
    intercept = my - slope * mx
    r2 = (sxy * sxy) / (sxx * syy) if sxx and syy else math.nan
    return intercept, slope, r2


def stationary_pizza(factor: float = 1.0, overrides: dict | None = None):
    """Pizza with an unlimited market (``market.population = 0``) and ``factor`` × the paid
    prospects per day; for ``factor`` > 1 every resource's capacity is also multiplied by
    ``factor`` (rounded) so utilisation and waits stay as in the shipped scenario.

    With an unlimited market the flow of new customers does not dry up, so after a warm-up
    of a few customer lifetimes the number of active customers is stationary and the work per
    simulated day is constant: the right base for memory and scaling measurements. (The
    shipped pizza has a finite market of 6,000 people, whose acquisitions slow down.)
    """
    import sim

    base = sim.examples.load("pizza")
    changes = {
        "market.population": 0,
        "market.prospects_per_day": base.market.prospects_per_day * factor,
    }
    if factor > 1:
        for resource in base.resources:
            changes[f"resources.{resource.name}.capacity"] = max(
                1, round(resource.capacity * factor)
            )
    changes.update(overrides or {})
    return base.replace(changes)


class Stopwatch:
    """``with Stopwatch() as t: ...`` then ``t.seconds`` (``time.perf_counter``)."""

    def __enter__(self) -> Stopwatch:
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.seconds = time.perf_counter() - self.started
