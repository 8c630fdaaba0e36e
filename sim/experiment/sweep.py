"""Parameter sweeps: a grid or a space-filling sample of dotted-path values, × replications.

``params`` maps dotted scenario paths (as in :meth:`Scenario.replace`) to

* a list of values, for ``design="grid"`` (every combination);
* a ``(low, high)`` range, for ``design="lhs"`` (Latin hypercube) or ``"sobol"`` (scrambled
  Sobol' sequence), both from :mod:`scipy.stats.qmc` with ``n`` points, seeded so the design
  is reproducible. Ranges whose bounds are both integers give integer values (capacities).

Every point runs ``reps`` replications with common random numbers (replication r has the
same random numbers at every point), so differences between points are not seed noise. The
result is one tidy DataFrame: parameter columns, replication, every KPI, error, wall time.

>>> import sim
>>> table = sim.sweep(sim.examples.load("pizza"), {"touchpoints.delivery.promise.time": [30, 60]},
...                   reps=2, horizon="7 d", progress=False, workers=1)
>>> table.groupby("touchpoints.delivery.promise.time")["prospects"].count().tolist()
[2, 2]
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from typing import Any

import numpy as np
import pandas as pd

from sim.experiment.runner import RunSpec, execute
from sim.scenario import Scenario
from sim.units import parse_duration

DESIGNS = ("grid", "lhs", "sobol")


def design_points(
    params: Mapping[str, Any], design: str = "grid", n: int | None = None, seed: int = 1
) -> list[dict[str, Any]]:
    """The parameter points of a design, as a list of ``{path: value}`` dicts.

    >>> design_points({"a": [1, 2], "b": ["x"]})
    [{'a': 1, 'b': 'x'}, {'a': 2, 'b': 'x'}]
    >>> len(design_points({"a": (0.0, 1.0), "b": (1, 5)}, design="lhs", n=4))
    4
    """
    if design not in DESIGNS:
        raise ValueError(f"design: {design!r} — use one of {', '.join(DESIGNS)}")
    if not params:
        raise ValueError("params: give at least one dotted path to vary")
    paths = list(params)
    if design == "grid":
        values = []
        for path in paths:
            options = params[path]
            if isinstance(options, str | bytes) or not isinstance(options, Sequence) or not options:
                raise ValueError(f"params[{path!r}]: {options!r} — a grid needs a non-empty list")
            values.append(list(options))
        return [dict(zip(paths, combo, strict=True)) for combo in itertools.product(*values)]
    if n is None or n < 1:
        raise ValueError(f"n: {n!r} — a {design} design needs the number of points, n ≥ 1")
    bounds = [_range(path, params[path]) for path in paths]
    if design == "lhs":
        from scipy.stats import qmc  # imported on use: worker processes never need it

        unit = qmc.LatinHypercube(d=len(paths), seed=seed).random(n)
    else:
        if n & (n - 1):
            warnings.warn(
                f"n = {n}: Sobol' points are balanced only for powers of 2 "
                f"(try {1 << max(n - 1, 1).bit_length()})",
                stacklevel=2,
            )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # scipy's own power-of-2 warning
            from scipy.stats import qmc

            unit = qmc.Sobol(d=len(paths), scramble=True, seed=seed).random(n)
    points = []
    for row in unit:
        point = {}
        for path, (low, high, integer), u in zip(paths, bounds, row, strict=True):
            value = low + u * (high - low)
            point[path] = int(np.floor(low + u * (high - low + 1))) if integer else float(value)
        points.append(point)
    return points


def _range(path: str, bounds) -> tuple[float, float, bool]:
    if not isinstance(bounds, Sequence) or isinstance(bounds, str) or len(bounds) != 2:
        raise ValueError(f"params[{path!r}]: {bounds!r} — a sampled design needs (low, high)")
    low, high = bounds
    integer = all(isinstance(b, int) and not isinstance(b, bool) for b in bounds)
    if not all(isinstance(b, int | float) and not isinstance(b, bool) for b in bounds):
        raise ValueError(f"params[{path!r}]: {bounds!r} — bounds must be numbers")
    if not low < high:
        raise ValueError(f"params[{path!r}]: {bounds!r} — low must be below high")
    return float(low), float(high), integer


def sweep(
    scenario: Scenario,
    params: Mapping[str, Any],
    reps: int = 1,
    seed: int = 1,
    design: str = "grid",
    n: int | None = None,
    horizon: float | str | None = None,
    *,
    points: list[dict[str, Any]] | None = None,
    executor: Executor | None = None,
    workers: int | None = None,
    store=None,
    cache: bool | None = None,
    progress: bool = True,
) -> pd.DataFrame:
    """Run every design point × ``reps`` replications; one tidy row per run.

    All points are validated before anything runs (a bad path or value fails at once). With
    ``store="sweep.sqlite"`` each finished run is saved immediately and a re-run resumes.
    Failed runs appear with an ``error`` and NaN KPIs; their count is in
    ``table.attrs["manifest"]["failed"]``. ``points`` may be given directly instead of a
    design.
    """
    if reps < 1:
        raise ValueError(f"reps: {reps!r} — must be at least 1")
    if points is None:
        points = design_points(params, design, n, seed)
    elif not points:
        raise ValueError("points: the list is empty — give at least one {path: value} point")
    else:
        design = "points"
    variants = [scenario.replace(point) for point in points]
    hours = scenario.horizon if horizon is None else parse_duration(horizon)
    specs = [
        RunSpec(variant, seed, r, hours, labels={"point": i, **point})
        for i, (variant, point) in enumerate(zip(variants, points, strict=True))
        for r in range(reps)
    ]
    execution = execute(
        specs,
        executor=executor,
        workers=workers,
        store=store,
        cache=cache,
        progress=progress,
        description="sweep",
    )
    table = execution.frame()
    table.attrs["manifest"] = execution.manifest(
        design=design, params=list(points[0]), points=len(points), reps=reps
    )
    return table
