"""Find the best value of one or two levers on a noisy objective, with an honest range.

Method: evaluate a grid of candidate values with ``reps`` replications each, using common
random numbers (replication r meets the same customers at every candidate), then refine
around the best with a finer grid. Because the objective is noisy, the answer is not only a
point: every candidate is compared with the best by a **paired** 95% CI over replications,
and the candidates not significantly worse form the *plausible set* — "anything from 55 to
70 minutes is as good as we can tell; 62 looked best".

Grid search is deliberate: with one or two levers it is robust to the non-smooth, noisy
response of a queueing model, every evaluation can run in parallel, and it shows the whole
response curve (the policy frontier) for free.

>>> import sim
>>> best = sim.optimize(sim.examples.load("pizza"), "touchpoints.delivery.promise.time",
...                     (30, 60), reps=2, points=3, refine=False, horizon="7 d",
...                     progress=False, workers=1)
>>> sorted(best.candidates["touchpoints.delivery.promise.time"].tolist())
[30, 45, 60]
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Unpack

import numpy as np
import pandas as pd

from sim.experiment.arguments import Arguments, RunOptions
from sim.experiment.stats import Interval, mean_ci
from sim.experiment.sweep import sweep
from sim.kpis import KPIS, parameter_label, parameter_unit
from sim.metrics import KPI_NAMES
from sim.scenario import Scenario


@dataclass
class Optimum:
    """Result of :func:`optimize`.

    ``best``: lever values of the best candidate; ``value``: its objective (mean, 95% CI);
    ``plausible``: candidates whose paired difference to the best is not significantly
    negative; ``candidates``: every candidate with mean, CI and paired difference to the
    best (the response curve); ``runs``: every run; ``manifest``: provenance.
    """

    best: dict[str, Any]
    value: Interval
    objective: str
    maximize: bool
    candidates: pd.DataFrame
    runs: pd.DataFrame
    manifest: dict[str, Any]
    units: dict[str, str] = field(default_factory=dict)  # the scenario's currency and time

    @property
    def plausible(self) -> pd.DataFrame:
        return self.candidates[self.candidates["plausible"]]

    @property
    def interior(self) -> bool:
        """True when the best lies strictly inside the searched bounds on every lever."""
        return all(
            self.candidates[lever].min() < value < self.candidates[lever].max()
            for lever, value in self.best.items()
        )

    def __repr__(self) -> str:
        """The best levers and objective in a strategist's words: display names and units
        (:mod:`sim.kpis`), the CI clipped to what the objective can take."""
        kpi = KPIS[self.objective]
        names = {lever: self._lever_name(lever) for lever in self.best}
        levers = ", ".join(f"{names[k]} = {_num(v)}" for k, v in self.best.items())
        mean = kpi.format(self.value.mean, self.units.get("currency", ""))
        low, high = (kpi.number(v) for v in kpi.clip(self.value.low, self.value.high))
        lines = [f"best {levers}: {kpi.label} {mean} [95% CI {low} to {high}]"]
        for lever in self.best:
            values = self.plausible[lever]
            lines.append(
                f"  not significantly worse (paired 95% CI, {self.value.n} replications): "
                f"{names[lever]} from {_num(values.min())} to {_num(values.max())}"
            )
        if not self.interior:
            lines.append("  the best is on the edge of the bounds: widen them to be sure")
        return "\n".join(lines)

    def _lever_name(self, lever: str) -> str:
        """'delivery promise (min)': the lever in words with its unit."""
        unit = parameter_unit(lever, self.units.get("time", ""), self.units.get("currency", ""))
        return parameter_label(lever, unit)


def _num(value: float) -> str:
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.4g}"
    return text.replace("-", "−")


def optimize(
    scenario: Scenario,
    lever: str | Sequence[str],
    bounds: Sequence[float] | Sequence[Sequence[float]] | Mapping[str, Sequence[float]],
    objective: str = "profit",
    maximize: bool = True,
    reps: int = 10,
    seed: int = 1,
    horizon: float | str | None = None,
    points: int = 9,
    refine: bool = True,
    **options: Unpack[RunOptions],
) -> Optimum:
    """The best value of one or two ``lever`` paths within ``bounds`` for ``objective``.

    ``bounds`` is ``(low, high)`` for one lever, or one pair per lever (a list, or a dict by
    path). Integer bounds search integers (capacities). ``points`` candidates per lever in
    the first grid (for two levers, a points × points grid); ``refine`` adds a finer grid
    between the best's neighbours. Each candidate runs ``reps`` replications with common
    random numbers.
    """
    levers = [lever] if isinstance(lever, str) else list(lever)
    ranges = _bounds(levers, bounds)
    if not 1 <= len(levers) <= 2:
        raise ValueError(f"lever: {levers!r} — optimise one or two levers at a time")
    arguments = Arguments()  # before anything runs; a CI needs two replications
    points = arguments.whole(points, "points", minimum=2)
    reps = arguments.whole(reps, "reps", minimum=2)
    arguments.kpis([objective], KPI_NAMES, "objective")
    grid = (points or 2) ** len(levers) * (2 if refine else 1)
    arguments.runs(grid, reps or 2)
    arguments.done()
    common = dict(reps=reps, seed=seed, horizon=horizon, **options)
    axes = [_axis(low, high, points, integer) for low, high, integer in ranges]
    grid = [dict(zip(levers, combo, strict=True)) for combo in itertools.product(*axes)]
    runs = sweep(scenario, {}, points=grid, **common)
    if refine:
        finer = _refined(
            levers, axes, _best_point(runs, levers, objective, maximize), ranges, points
        )
        new = [p for p in finer if p not in grid]
        if new:
            more = sweep(scenario, {}, points=new, **common)
            more["point"] += len(grid)
            runs = pd.concat([runs, more], ignore_index=True)
    candidates, best, value = _candidates(runs, levers, objective, maximize)
    manifest = dict(
        runs.attrs.get("manifest", {}),
        levers=levers,
        objective=objective,
        maximize=maximize,
        candidates=len(candidates),
    )
    return Optimum(
        best=best,
        value=value,
        objective=objective,
        maximize=maximize,
        candidates=candidates,
        runs=runs,
        manifest=manifest,
        units={"currency": scenario.economics.currency, "time": scenario.time_unit},
    )


def _bounds(levers, bounds) -> list[tuple[float, float, bool]]:
    if isinstance(bounds, Mapping):
        pairs = [bounds[name] for name in levers]
    elif len(levers) == 1 and len(bounds) == 2 and not isinstance(bounds[0], Sequence):
        pairs = [bounds]
    else:
        pairs = list(bounds)
    if len(pairs) != len(levers):
        raise ValueError(f"bounds: {bounds!r} — give one (low, high) pair per lever")
    result = []
    for name, pair in zip(levers, pairs, strict=True):
        if len(pair) != 2 or not pair[0] < pair[1]:
            raise ValueError(f"bounds for {name!r}: {pair!r} — need (low, high) with low < high")
        integer = all(isinstance(b, int) and not isinstance(b, bool) for b in pair)
        result.append((pair[0], pair[1], integer))
    return result


def _axis(low, high, points, integer) -> list:
    values = np.linspace(low, high, points)
    if integer:
        return sorted({round(float(v)) for v in values})
    return [float(v) for v in values]


def _best_point(runs, levers, objective, maximize) -> dict[str, Any]:
    means = runs.groupby("point")[objective].mean()
    best = means.idxmax() if maximize else means.idxmin()
    row = runs[runs["point"] == best].iloc[0]
    return {lever: row[lever] for lever in levers}


def _refined(levers, axes, best, ranges, points) -> list[dict[str, Any]]:
    """A finer grid between the best candidate's neighbours on each axis."""
    finer_axes = []
    for lever, axis, (_, _, integer) in zip(levers, axes, ranges, strict=True):
        i = axis.index(best[lever])
        left = axis[max(i - 1, 0)]
        right = axis[min(i + 1, len(axis) - 1)]
        finer_axes.append(_axis(left, right, points, integer) if left < right else [axis[i]])
    return [dict(zip(levers, combo, strict=True)) for combo in itertools.product(*finer_axes)]


def _candidates(runs, levers, objective, maximize):
    table = runs.pivot_table(index=levers, columns="replication", values=objective)
    sign = 1.0 if maximize else -1.0
    means = table.mean(axis=1)
    best_key = means.idxmax() if maximize else means.idxmin()
    best_row = table.loc[best_key]
    rows = []
    for key, row in table.iterrows():
        ci = mean_ci(row.to_numpy())
        diff = mean_ci((row - best_row).to_numpy() * sign)  # ≤ 0: worse than the best
        keys = key if isinstance(key, tuple) else (key,)
        rows.append(
            {
                **dict(zip(levers, keys, strict=True)),
                "mean": ci.mean,
                "ci_low": ci.low,
                "ci_high": ci.high,
                "n": ci.n,
                "shortfall": -diff.mean,
                "shortfall_ci_low": -diff.high,
                "shortfall_ci_high": -diff.low,
                "plausible": bool(key == best_key or math.isnan(diff.high) or diff.high >= 0),
            }
        )
    candidates = pd.DataFrame(rows).sort_values(levers, kind="stable").reset_index(drop=True)
    best_keys = best_key if isinstance(best_key, tuple) else (best_key,)
    best = dict(zip(levers, best_keys, strict=True))
    return candidates, best, mean_ci(best_row.to_numpy())
