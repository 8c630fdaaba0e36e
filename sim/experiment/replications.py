"""Replications of one scenario, and policy comparisons with paired confidence intervals.

Both accept a stopping rule: ``precision={"profit": 20_000}`` keeps adding replications until
the 95% CI half-width of each named KPI (for :func:`compare`: of each paired difference
against the baseline) is at most its target, or ``max_reps`` is reached. That answers "how
many replications do we need?" with the data.

>>> import sim
>>> reps = sim.replicate(sim.examples.load("pizza"), reps=3, seed=1, horizon="10 d",
...                      progress=False, workers=1)
>>> int(reps.summary.loc["profit", "n"])
3
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Unpack

import pandas as pd

from sim.experiment.arguments import Arguments, RunOptions
from sim.experiment.runner import Execution, RunSpec, execute
from sim.experiment.stats import Interval, mean_ci, precise_enough
from sim.kpis import KPIS
from sim.metrics import KPI_NAMES
from sim.scenario import Scenario

#: Replications added per round at most when a stopping rule is active.
_MAX_BATCH = 50


def _summary(frame: pd.DataFrame, kpis: list[str]) -> tuple[pd.DataFrame, dict[str, Interval]]:
    intervals = {kpi: mean_ci(frame[kpi]) for kpi in kpis}
    table = pd.DataFrame(
        {
            kpi: {
                "mean": ci.mean,
                "std": ci.std,
                "n": ci.n,
                "ci_low": ci.low,
                "ci_high": ci.high,
                "half_width": ci.half_width,
            }
            for kpi, ci in intervals.items()
        }
    ).T
    table["n"] = table["n"].astype(int)
    table.index.name = "kpi"
    return table, intervals


def _next_batch(
    intervals: dict[str, Interval], targets: Mapping[str, float], n: int, max_reps: int
) -> int:
    """How many more replications the widest CI needs (half-width shrinks like 1/√n)."""
    needed = n
    for kpi, target in targets.items():
        half = intervals[kpi].half_width
        if math.isnan(half):
            needed = max(needed, n + 2)
        elif half > target:
            needed = max(needed, math.ceil(n * (half / target) ** 2))
    return max(1, min(needed - n, _MAX_BATCH, max_reps - n))


@dataclass
class Replications:
    """Result of :func:`replicate`.

    ``runs``: one row per replication × KPI (columns replication, kpi, value).
    ``summary``: per KPI mean, std, n and the 95% CI (ci_low, ci_high, half_width).
    ``manifest``: versions, scenario hash, seeds, horizon, wall time.
    """

    runs: pd.DataFrame
    summary: pd.DataFrame
    manifest: dict[str, Any]

    def __repr__(self) -> str:
        shown = self.summary[["mean", "ci_low", "ci_high", "n"]]
        return f"Replications of {self.manifest['scenarios']}:\n{shown.to_string()}"


def replicate(
    scenario: Scenario,
    reps: int = 10,
    seed: int = 1,
    horizon: float | str | None = None,
    *,
    precision: Mapping[str, float] | None = None,
    max_reps: int = 200,
    **options: Unpack[RunOptions],
) -> Replications:
    """Independent replications of ``scenario``: tidy runs and a summary with 95% CIs.

    Replication r uses ``SeedSequence(seed, spawn_key=(r,))``. With ``precision`` the call
    keeps adding replications until each named KPI's CI half-width is at most its target
    (``reps`` is then the first batch, ``max_reps`` the ceiling).
    """
    kpis = list(KPI_NAMES)
    arguments = Arguments()  # everything is checked before anything runs
    arguments.scenario(scenario)
    reps, max_reps, seed, hours, targets = _common(
        arguments, scenario, reps, max_reps, seed, horizon, precision, options
    )
    arguments.done()

    def specs(first: int, count: int) -> list[RunSpec]:
        return [RunSpec(scenario, seed, r, hours) for r in range(first, first + count)]

    def widest(wide: pd.DataFrame) -> dict[str, Interval]:
        return _summary(wide, list(targets))[1]

    wide, executions = _run_until_precise(
        specs,
        widest,
        targets,
        reps,
        max_reps,
        "replications",
        options,
    )
    summary, _ = _summary(wide, kpis)
    runs = wide.melt(id_vars=["replication"], value_vars=kpis, var_name="kpi")
    manifest = _combined_manifest(executions, precision=dict(targets) or None)
    return Replications(runs=runs, summary=summary, manifest=manifest)


def _common(arguments, scenario, reps, max_reps, seed, horizon, precision, options, variants=1):
    """The arguments :func:`replicate` and :func:`compare` share, checked (``variants``:
    how many scenarios each replication runs)."""
    reps = arguments.whole(reps, "reps")
    max_reps = arguments.whole(max_reps, "max_reps")
    seed = arguments.seed(seed)
    hours = arguments.horizon(scenario, horizon) if isinstance(scenario, Scenario) else None
    targets = arguments.precision(precision, KPI_NAMES)
    arguments.run_options(options)
    most = max(reps or 1, max_reps or 1) if targets else reps or 1
    arguments.runs(variants, most)
    return reps, max_reps, seed, hours, targets


def _run_until_precise(specs, widest, targets, reps, max_reps, description, options):
    """Run replications in batches until every target half-width is met, or ``max_reps``.

    ``specs(first, count)`` gives the runs of replications first … first + count − 1;
    ``widest(frame)`` gives, per targeted KPI, the widest CI that must meet its target.
    Returns the table of all runs and the executions (for the manifest).
    """
    frames, executions = [], []
    n, batch = 0, reps
    while True:
        execution = execute(specs(n, batch), description=description, **options)
        executions.append(execution)
        frames.append(execution.frame())
        n += batch
        table = pd.concat(frames, ignore_index=True)
        if not targets or n >= max_reps:
            return table, executions
        intervals = widest(table)
        if precise_enough(intervals, targets):
            return table, executions
        batch = _next_batch(intervals, targets, n, max_reps)


def _combined_manifest(executions: list[Execution], **extra) -> dict[str, Any]:
    outcomes = [o for e in executions for o in e.outcomes]
    merged = Execution(
        outcomes, sum(e.wall_time for e in executions), max(e.workers for e in executions)
    )
    return merged.manifest(**extra)


# --------------------------------------------------------------------------- compare
@dataclass
class Comparison:
    """Result of :func:`compare`.

    ``runs``: one row per policy × replication with every KPI.
    ``summary``: per policy and KPI, mean and 95% CI.
    ``differences``: per policy and KPI, the mean paired difference against the baseline
    (policy − baseline, replication by replication) with its 95% CI and whether the CI
    excludes zero.
    """

    runs: pd.DataFrame
    summary: pd.DataFrame
    differences: pd.DataFrame
    baseline: str
    manifest: dict[str, Any]
    currency: str = ""  # the scenario's, for money in the table

    def table(self, kpis: list[str] | None = None) -> str:
        """A readable policy table: mean [95% CI] and the difference to the baseline, each
        KPI under its display name and unit (:mod:`sim.kpis`), intervals clipped to what
        the KPI can take; shares in percent, their differences in percentage points."""
        kpis = kpis or [
            "profit",
            "satisfaction_mean",
            "nps",
            "churn_rate",
            "acquired",
            "every_promise_kept",
            "wom_negative",
        ]
        lines = [
            f"baseline: {self.baseline}; differences are paired (same customers), "
            f"{self.manifest['replications']} replications"
        ]
        for kpi in kpis:
            spec = KPIS.get(kpi)
            lines.append(f"\n{spec.axis_label(self.currency) if spec else kpi}")
            policies = self.summary.index.get_level_values("policy").unique()
            scale = max(abs(self.summary.loc[(p, kpi), "mean"]) for p in policies)
            digits = 0 if scale >= 100 else 3  # statistics outside the registry: by size

            def fmt(value, signed=False, spec=spec, digits=digits):
                return spec.number(value, signed) if spec else _fmt(value, digits, signed)

            for policy in policies:
                s = self.summary.loc[(policy, kpi)]
                low, high = (
                    spec.clip(s["ci_low"], s["ci_high"]) if spec else (s["ci_low"], s["ci_high"])
                )
                line = f"  {policy:<18}{fmt(s['mean']):>12}  [{fmt(low)}, {fmt(high)}]"
                if policy != self.baseline:
                    d = self.differences.loc[(policy, kpi)]
                    mark = "*" if d["significant"] else " "
                    line += (
                        f"   Δ {fmt(d['mean'], signed=True)} "
                        f"[{fmt(d['ci_low'], signed=True)}, {fmt(d['ci_high'], signed=True)}]{mark}"
                    )
                lines.append(line)
        lines.append("\n* the 95% CI of the paired difference excludes zero")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.table()


def _fmt(value: float, digits: int, signed: bool = False) -> str:
    if math.isnan(value):
        return "—"
    return f"{value:+,.{digits}f}" if signed else f"{value:,.{digits}f}"


def compare(
    scenario: Scenario,
    policies: Mapping[str, Mapping[str, Any] | Scenario],
    reps: int = 10,
    seed: int = 1,
    horizon: float | str | None = None,
    *,
    baseline: str | None = None,
    crn: bool = True,
    precision: Mapping[str, float] | None = None,
    max_reps: int = 200,
    **options: Unpack[RunOptions],
) -> Comparison:
    """Compare policies with common random numbers and paired differences.

    ``policies`` maps a name to overrides (``{"touchpoints.delivery.promise.time": 60}``,
    values may be policy objects such as ``QuantilePromise(0.9)``) or to a whole scenario.
    Replication r of every policy meets the same prospects with the same personal draws, so
    the paired difference policy − baseline has far less noise than the two means do.
    ``crn=False`` gives each policy its own random numbers (to see what CRN buys).
    ``precision`` targets CI half-widths of the *differences*.
    """
    kpis = list(KPI_NAMES)
    arguments = Arguments()  # everything is checked before anything runs
    arguments.scenario(scenario)
    reps, max_reps, seed, hours, targets = _common(
        arguments,
        scenario,
        reps,
        max_reps,
        seed,
        horizon,
        precision,
        options,
        variants=len(policies) if isinstance(policies, Mapping) else 1,
    )
    if not isinstance(policies, Mapping) or not policies:
        arguments.fail("policies", policies, "give {name: overrides}, e.g. {'promise 60': {...}}")
        arguments.done()
    names = list(policies)
    arguments.labels(names, "policies")
    if baseline is not None and baseline not in policies:
        arguments.fail(
            "baseline", baseline, f"not one of the policies: {', '.join(map(str, names))}"
        )
    arguments.done()
    variants = {
        name: value if isinstance(value, Scenario) else scenario.replace(value)
        for name, value in policies.items()
    }
    baseline = names[0] if baseline is None else baseline

    def specs(first: int, count: int) -> list[RunSpec]:
        return [
            RunSpec(
                variants[name],
                seed,
                r,
                hours,
                labels={"policy": name},
                stream=0 if crn else index + 1,
            )
            for index, name in enumerate(names)
            for r in range(first, first + count)
        ]

    def widest(runs: pd.DataFrame) -> dict[str, Interval]:
        """Per targeted KPI, the widest CI of a paired difference against the baseline."""
        _, intervals = _paired(runs, names, baseline, list(targets))
        return {
            k: max(
                (intervals[(p, k)] for p in names if p != baseline), key=lambda ci: ci.half_width
            )
            for k in targets
        }

    runs, executions = _run_until_precise(
        specs,
        widest,
        targets,
        reps,
        max_reps,
        "policy runs",
        options,
    )
    differences, _ = _paired(runs, names, baseline, kpis)
    summary = _policy_summary(runs, names, kpis)
    manifest = _combined_manifest(
        executions, policies=names, baseline=baseline, crn=crn, precision=targets or None
    )
    return Comparison(
        runs=runs,
        summary=summary,
        differences=differences,
        baseline=baseline,
        manifest=manifest,
        currency=variants[baseline].economics.currency,
    )


def _policy_summary(runs: pd.DataFrame, names: list[str], kpis: list[str]) -> pd.DataFrame:
    rows = {}
    for name in names:
        table, _ = _summary(runs[runs["policy"] == name], kpis)
        for kpi, row in table.iterrows():
            rows[(name, kpi)] = row
    summary = pd.DataFrame(rows).T
    summary.index.names = ["policy", "kpi"]
    return summary


def _paired(runs, names, baseline, kpis):
    base = runs[runs["policy"] == baseline].set_index("replication")
    rows, intervals = {}, {}
    for name in names:
        if name == baseline:
            continue
        other = runs[runs["policy"] == name].set_index("replication")
        for kpi in kpis:
            ci = mean_ci((other[kpi] - base[kpi]).to_numpy())
            intervals[(name, kpi)] = ci
            rows[(name, kpi)] = {
                "mean": ci.mean,
                "ci_low": ci.low,
                "ci_high": ci.high,
                "half_width": ci.half_width,
                "n": ci.n,
                "significant": bool(ci.low > 0 or ci.high < 0),
            }
    table = pd.DataFrame(rows).T
    if not table.empty:
        table.index.names = ["policy", "kpi"]
    return table, intervals
