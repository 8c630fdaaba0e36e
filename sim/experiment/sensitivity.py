"""Global sensitivity analysis: which parameters actually move profit, NPS, churn?

A sweep shows *what happens* as parameters change; a sensitivity analysis ranks them: over
the whole box of plausible values (``ranges``), how much of the variation in an output is
due to each parameter? The sampling and the estimators are SALib's reference
implementations; this module only turns a scenario and a few dotted paths into a SALib
problem, runs the points with :func:`sim.sweep` (parallel, reproducible, resumable with
``store=``) and returns one tidy table.

Two methods:

* ``"sobol"`` — variance-based indices. **S1** (first order) is the share of the output's
  variance explained by the parameter alone: 0.4 means "if we knew this value exactly,
  the output would vary 40% less". **ST** (total order) is the share the parameter is
  involved in, including its interactions with the others; ST ≈ 0 means the parameter can
  be fixed anywhere in its range without changing the output. ST − S1 measures
  interactions. Both are fractions (0–1) of the output variance, so they are unit-free and
  comparable across outputs. Estimators: Saltelli et al. (2010) for S1 and Jansen (1999) for
  ST, from a Saltelli sample of ``n × (D + 2)`` runs for ``D`` parameters (second-order
  indices are not computed). The ``*_conf`` columns are bootstrap 95% confidence
  half-widths; if they are comparable to the index, increase ``n``.
* ``"morris"`` — elementary-effects screening, much cheaper (``n × (D + 1)`` runs for ``n``
  trajectories), good for ranking many parameters before a Sobol study. **mu_star** (μ*)
  is the mean absolute elementary effect: the typical change in the output when the
  parameter moves across its range (steps are scaled to the full range), in the output's
  own units (THB for profit, points for NPS). **mu** is the signed mean (mu ≪ mu_star
  means the effect changes sign), **sigma** its standard deviation (large sigma:
  non-linear or interacting). Morris (1991); μ* as in Campolongo et al. (2007).

Outputs are averaged over ``reps`` replications at each point (common random numbers, so
seed noise is shared between points rather than mistaken for a parameter effect).

References: Saltelli, A., Annoni, P., Azzini, I., Campolongo, F., Ratto, M., Tarantola, S.
(2010), Variance based sensitivity analysis of model output, Computer Physics
Communications 181(2):259–270. Jansen, M.J.W. (1999), Analysis of variance designs for
model output, Computer Physics Communications 117:35–43. Morris, M.D. (1991), Factorial
sampling plans for preliminary computational experiments, Technometrics 33(2):161–174.
Campolongo, F., Cariboni, J., Saltelli, A. (2007), An effective screening design for
sensitivity analysis of large models, Environmental Modelling & Software 22:1509–1518.

>>> import sim
>>> table = sim.sensitivity(
...     sim.examples.load("pizza"),
...     {"touchpoints.delivery.promise.time": (20, 80), "resources.driver.capacity": (3, 8)},
...     method="morris", n=2, horizon="3 d", workers=1, progress=False)
>>> sorted(table["parameter"])
['resources.driver.capacity', 'touchpoints.delivery.promise.time']
>>> list(table.columns)
['output', 'parameter', 'mu_star', 'mu_star_conf', 'mu', 'sigma']
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Unpack

import numpy as np
import pandas as pd

from sim.experiment.arguments import Arguments, RunOptions
from sim.experiment.sweep import sweep
from sim.metrics import KPI_NAMES
from sim.scenario import Scenario

METHODS = ("morris", "sobol")
#: Index columns per method, in output order; the first one ranks the parameters.
COLUMNS = {
    "sobol": ("S1", "S1_conf", "ST", "ST_conf"),
    "morris": ("mu_star", "mu_star_conf", "mu", "sigma"),
}
RANK_BY = {"sobol": "ST", "morris": "mu_star"}
#: Morris grid levels, used for both sampling and analysis (they must agree).
MORRIS_LEVELS = 4


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise ValueError(f"method: {method!r} — use one of {', '.join(METHODS)}")


def analyze(
    problem: dict, X: np.ndarray, Y: np.ndarray, method: str = "sobol", seed: int = 1
) -> pd.DataFrame:
    """Sensitivity indices of one output ``Y`` (one value per row of ``X``), via SALib.

    ``problem`` is a SALib problem (``names``, ``bounds``; ``num_vars`` is filled in if
    missing) and ``X`` the matching SALib sample: ``sobol`` needs a Saltelli sample drawn
    with ``calc_second_order=False``, ``morris`` a Morris sample with 4 levels. Returns a
    DataFrame indexed by parameter name with columns ``S1, S1_conf, ST, ST_conf`` (sobol;
    fractions of output variance, conf = 95% bootstrap half-width) or ``mu_star,
    mu_star_conf, mu, sigma`` (morris; in the units of ``Y``). ``seed`` fixes the bootstrap.

    >>> from SALib.sample import morris as morris_sample
    >>> problem = {"names": ["x", "y"], "bounds": [[0, 1], [0, 1]]}
    >>> X = morris_sample.sample(problem, 10, num_levels=4, seed=1)
    >>> analyze(problem, X, 3 * X[:, 0], method="morris")["mu_star"].round(6).tolist()
    [3.0, 0.0]
    """
    _check_method(method)
    problem = dict(problem)
    names = list(problem.get("names", []))
    if not names or len(problem.get("bounds", [])) != len(names):
        raise ValueError("problem: needs 'names' and one [low, high] in 'bounds' per name")
    problem.setdefault("num_vars", len(names))
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float).ravel()
    if X.ndim != 2 or X.shape != (len(Y), len(names)):
        raise ValueError(
            f"X: shape {X.shape} — expected one row of {len(names)} values per output value "
            f"({len(Y)})"
        )
    if not np.all(np.isfinite(Y)):
        bad = int(np.sum(~np.isfinite(Y)))
        raise ValueError(f"Y: {bad} of {len(Y)} values are NaN or infinite — indices need all")
    if method == "sobol":
        if len(Y) % (len(names) + 2):
            raise ValueError(
                f"Y: {len(Y)} values — a Saltelli sample without second order has "
                f"N × (D + 2) = N × {len(names) + 2} rows"
            )
        if np.ptp(Y) == 0:
            warnings.warn(
                "Y is constant: variance-based indices are undefined (NaN)",
                RuntimeWarning,
                stacklevel=2,
            )
            nan = np.full(len(names), np.nan)
            result = dict.fromkeys(COLUMNS["sobol"], nan)
        else:
            from SALib.analyze import sobol as sobol_analyze  # SALib is slow to import

            result = sobol_analyze.analyze(
                problem, Y, calc_second_order=False, seed=seed, print_to_console=False
            )
    else:
        from SALib.analyze import morris as morris_analyze

        result = morris_analyze.analyze(
            problem, X, Y, num_levels=MORRIS_LEVELS, seed=seed, print_to_console=False
        )
    columns = COLUMNS[method]
    frame = pd.DataFrame(
        {column: np.asarray(result[column], dtype=float) for column in columns},
        index=pd.Index(names, name="parameter"),
    )
    return frame


def _bounds(ranges: Mapping[str, Any]) -> tuple[list[list[float]], list[bool]]:
    if not isinstance(ranges, Mapping) or not ranges:
        raise ValueError("ranges: give at least one dotted path → (low, high) to vary")
    bounds, integer = [], []
    for path, pair in ranges.items():
        if not isinstance(path, str):
            raise ValueError(f"ranges: {path!r} — paths are dotted strings")
        if isinstance(pair, str | bytes) or not isinstance(pair, Sequence) or len(pair) != 2:
            raise ValueError(f"ranges[{path!r}]: {pair!r} — give (low, high)")
        if not all(
            isinstance(b, int | float) and not isinstance(b, bool) and math.isfinite(b)
            for b in pair
        ):
            raise ValueError(f"ranges[{path!r}]: {pair!r} — bounds must be finite numbers")
        low, high = pair
        if not low < high:
            raise ValueError(f"ranges[{path!r}]: {pair!r} — low must be below high")
        bounds.append([float(low), float(high)])
        integer.append(all(isinstance(b, int) for b in pair))
    return bounds, integer


def sensitivity(
    scenario: Scenario,
    ranges: Mapping[str, tuple[float, float]],
    outputs: str | Iterable[str] = ("profit",),
    method: str = "sobol",
    n: int = 64,
    reps: int = 1,
    seed: int = 1,
    horizon: float | str | None = None,
    **options: Unpack[RunOptions],
) -> pd.DataFrame:
    """Rank the parameters in ``ranges`` by their influence on each KPI in ``outputs``.

    ``ranges`` maps dotted scenario paths (as in :meth:`Scenario.replace`) to ``(low,
    high)`` in the scenario's units (bare numbers are in its ``time_unit`` for durations,
    its currency for money); parameters whose bounds are both integers (capacities) are
    sampled as integers. ``outputs`` are KPI names as in the sweep table (``profit``,
    ``nps``, ``satisfaction_mean``, ``churn_rate``, …).

    Cost: ``sobol`` runs ``n × (D + 2)`` points, ``morris`` ``n × (D + 1)``, each ×
    ``reps``, for ``D`` parameters. Sobol' samples are best with ``n`` a power of 2.

    Returns one row per (output, parameter): ``output, parameter, S1, S1_conf, ST,
    ST_conf`` for sobol (fractions of the output's variance: S1 = that parameter alone, ST =
    including its interactions) or ``output, parameter, mu_star, mu_star_conf, mu, sigma``
    for morris (in the output's units: mu_star = typical absolute change across the range).
    Outputs keep the order given; within each, the most influential parameter (highest ST or
    mu_star) comes first. ``table.attrs["manifest"]`` has the sweep's provenance plus the
    method, n, outputs and ranges.

    Raises ``ValueError`` for a bad method, empty or malformed ranges, or an unknown output
    (checked after the runs, since KPI names come from the results; with ``store=`` the
    runs are kept and a corrected call does not repeat them) and ``RuntimeError`` if any run
    failed or an output is undefined (NaN) at some point — every point is needed.
    """
    _check_method(method)
    bounds, integer = _bounds(ranges)
    outputs = [outputs] if isinstance(outputs, str) else list(outputs)
    if not outputs or not all(isinstance(o, str) for o in outputs):
        raise ValueError(f"outputs: {outputs!r} — give one or more KPI names, e.g. 'profit'")
    unknown = [o for o in outputs if o not in KPI_NAMES]
    if unknown:  # before anything runs
        raise ValueError(f"outputs: {unknown!r} unknown — valid KPIs: {', '.join(KPI_NAMES)}")
    arguments = Arguments()
    n = arguments.whole(n, "n")
    arguments.seed(seed)
    per_sample = len(ranges) + (2 if method == "sobol" else 1)
    arguments.runs(n or 1, per_sample, reps or 1)
    arguments.done()
    paths = list(ranges)
    problem = {"num_vars": len(paths), "names": paths, "bounds": bounds}
    if method == "sobol":
        from SALib.sample import sobol as sobol_sample

        X = sobol_sample.sample(problem, n, calc_second_order=False, seed=seed)
    else:
        from SALib.sample import morris as morris_sample

        X = morris_sample.sample(problem, n, num_levels=MORRIS_LEVELS, seed=seed)
    points = [
        {
            path: int(np.floor(x + 0.5)) if is_int else float(x)
            for path, x, is_int in zip(paths, row, integer, strict=True)
        }
        for row in X
    ]
    table = sweep(
        scenario,
        params={},
        points=points,
        reps=reps,
        seed=seed,
        horizon=horizon,
        **options,
    )
    failed = table["error"].notna()
    if failed.any():
        first = table.loc[failed, "error"].iloc[0]
        raise RuntimeError(
            f"{int(failed.sum())} of {len(table)} runs failed (first: {first}); sensitivity "
            "indices need every point — fix the cause or narrow the ranges"
        )
    frames = []
    for output in outputs:
        values = table[output].astype(float)
        undefined = ~np.isfinite(values)
        if undefined.any():  # checked per run: a mean over replications would hide it
            raise RuntimeError(
                f"{output}: undefined (NaN) in {int(undefined.sum())} of {len(table)} runs "
                f"(e.g. churn_rate with no customers); sensitivity indices need every point "
                f"— lengthen the horizon or narrow the ranges"
            )
        Y = values.groupby(table["point"]).mean().sort_index().to_numpy()
        frame = analyze(problem, X, Y, method=method, seed=seed).reset_index()
        frame.insert(0, "output", output)
        frames.append(frame.sort_values(RANK_BY[method], ascending=False, kind="stable"))
    result = pd.concat(frames, ignore_index=True)
    result.attrs["units"] = table.attrs.get("units", {})  # the scenario's time unit, currency
    result.attrs["manifest"] = {
        **table.attrs.get("manifest", {}),
        "design": f"salib-{method}",
        "method": method,
        "n": n,
        "outputs": outputs,
        "ranges": {path: list(pair) for path, pair in ranges.items()},
    }
    return result
