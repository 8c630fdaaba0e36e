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
import math
import numbers
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Unpack

import numpy as np
import pandas as pd

from sim.experiment.arguments import RESERVED_COLUMNS, Arguments, RunOptions
from sim.experiment.runner import RunSpec, execute
from sim.metrics import KPI_NAMES
from sim.scenario import Scenario

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
    arguments = Arguments()
    paths = _check_design(arguments, params, design, n, seed)
    arguments.done()
    if design == "grid":
        values = [list(params[path]) for path in paths]
        return [dict(zip(paths, combo, strict=True)) for combo in itertools.product(*values)]
    bounds = [_range(arguments, path, params[path]) for path in paths]
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


def _check_design(arguments: Arguments, params, design, n, seed, reps=1) -> list[str]:
    """Check a design's arguments (and its number of runs); return the parameter paths."""
    if design not in DESIGNS:
        arguments.fail("design", design, f"use one of {', '.join(DESIGNS)}")
    if not isinstance(params, Mapping) or not params:
        arguments.fail("params", params, "give {dotted path: values}, at least one")
        return []
    paths = list(params)
    arguments.labels(paths, "params", RESERVED_COLUMNS + KPI_NAMES)
    arguments.seed(seed)
    points = 1
    for path in paths:
        if design == "grid":
            options = params[path]
            if isinstance(options, str | bytes) or not isinstance(options, Sequence) or not options:
                arguments.fail(f"params[{path!r}]", options, "a grid needs a non-empty list")
            else:
                points *= len(options)
        elif design in DESIGNS:
            _range(arguments, path, params[path])
    if design in ("lhs", "sobol"):
        points = arguments.whole(n, "n") or 1
    arguments.runs(points, reps or 1)
    return paths


def _range(arguments: Arguments, path: str, bounds) -> tuple[float, float, bool] | None:
    """``(low, high, integer)`` of a sampled parameter, or None after failing."""
    where = f"params[{path!r}]"
    if not isinstance(bounds, Sequence) or isinstance(bounds, str) or len(bounds) != 2:
        arguments.fail(where, bounds, "a sampled design needs (low, high)")
        return None
    low, high = bounds
    if not all(
        isinstance(b, numbers.Real) and not isinstance(b, bool) and math.isfinite(b) for b in bounds
    ):
        arguments.fail(where, bounds, "bounds must be finite numbers")
        return None
    if not low < high:
        arguments.fail(where, bounds, "low must be below high")
        return None
    integer = all(isinstance(b, numbers.Integral) for b in bounds)
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
    **options: Unpack[RunOptions],
) -> pd.DataFrame:
    """Run every design point × ``reps`` replications; one tidy row per run.

    All points are validated before anything runs (a bad path or value fails at once). With
    ``store="sweep.sqlite"`` each finished run is saved immediately and a re-run resumes.
    Failed runs appear with an ``error`` and NaN KPIs; their count is in
    ``table.attrs["manifest"]["failed"]``. ``points`` may be given directly instead of a
    design.
    """
    arguments = Arguments()  # everything is checked before anything runs
    arguments.scenario(scenario)
    reps = arguments.whole(reps, "reps")
    seed = arguments.seed(seed)
    hours = arguments.horizon(scenario, horizon) if isinstance(scenario, Scenario) else None
    arguments.run_options(options)
    if points is None:
        _check_design(arguments, params, design, n, seed, reps)
    elif not isinstance(points, Sequence) or not points:
        arguments.fail("points", points, "give a non-empty list of {path: value} points")
    else:
        design = "points"
        arguments.labels(list(points[0]), "points", RESERVED_COLUMNS + KPI_NAMES)
        arguments.runs(len(points), reps or 1)
    arguments.done()
    if design != "points":
        points = design_points(params, design, n, seed)
    variants = [scenario.replace(point) for point in points]
    specs = [
        RunSpec(variant, seed, r, hours, labels={"point": i, **point})
        for i, (variant, point) in enumerate(zip(variants, points, strict=True))
        for r in range(reps)
    ]
    execution = execute(specs, description="sweep", **options)
    table = execution.frame()
    table.attrs["manifest"] = execution.manifest(
        design=design, params=list(points[0]), points=len(points), reps=reps
    )
    # what charts need to label money and times (sim.plot.policy_frontier)
    table.attrs["units"] = {"currency": scenario.economics.currency, "time": scenario.time_unit}
    return table
