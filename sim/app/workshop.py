"""What the workshop app computes, without any browser: answers to a setting of the levers,
replication by replication, and the tiles, tables and charts made from them.

Replication r of every setting uses the same seed (common random numbers), so a change from
the pinned baseline is a paired difference with a Student-t 95% CI
(:func:`sim.experiment.stats.mean_ci`). The first replication runs in this process (the
first answer comes fast); the others stream in from a process pool. Every run goes through
the results store (:mod:`sim.experiment.store`), so a setting seen before is read, not run.

>>> import sim, tempfile, os
>>> shop = Workshop(sim.examples.load("pizza"), horizon="10 d", reps=2, workers=1,
...                 store=os.path.join(tempfile.mkdtemp(), "app.sqlite"))
>>> answers = list(shop.stream(shop.shipped))
>>> [answer.done for answer in answers]
[1, 2]
>>> tile = shop.tiles(answers[-1], baseline=answers[-1])[0]
>>> tile.label, tile.change
('Profit', 0.0)
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim import plot
from sim.app.levers import Lever, levers, overrides
from sim.experiment.runner import RunSpec, execute, local_executor
from sim.experiment.stats import mean_ci
from sim.kpis import KPIS, derived
from sim.metrics import KPI_NAMES
from sim.scenario import Scenario
from sim.units import horizon_hours

#: The tiles, in order: money, then the customer's view, then the promise itself.
TILES = (
    "profit",
    "nps",
    "churn_rate",
    "satisfaction_mean",
    "talk_ratio",
    "every_promise_kept",
)


class Details:
    """What the app shows beyond the KPIs, measured on every run and stored with it: each
    touchpoint × dimension's gap and kept rate, the counts behind "why they left", each
    resource's load and queue, and, for a scenario with a calendar, the orders with a promise
    and those whose every promise was kept by hour of the week. A picklable :class:`~sim.experiment.runner.RunSpec` measure.

    >>> import sim
    >>> result = sim.run(sim.examples.load("pizza"), seed=1, horizon="5 d")
    >>> Details()(result)["gap|delivery|time"] < 0
    True
    """

    key = "app-details-2"
    episodes = False

    def __call__(self, result) -> dict[str, float]:
        values = {}
        for row in result.touchpoints.itertuples():
            values[f"gap|{row.touchpoint}|{row.dimension}"] = float(row.gap)
            values[f"kept|{row.touchpoint}|{row.dimension}"] = float(row.kept_rate)
        for row in result.driver_counts.itertuples():
            for outcome in ("churn", "complaints", "wom_negative"):
                values[f"left|{row.touchpoint}|{row.dimension}|{outcome}"] = float(
                    getattr(row, outcome)
                )
        for row in result.resources.itertuples():
            for column in ("utilisation", "mean_wait", "queue_at_end", "overloaded"):
                values[f"queue|{row.resource}|{column}"] = float(getattr(row, column))
        for row in result.by_time.itertuples():  # empty without a calendar
            slot = f"hour|{row.weekday}|{row.hour}"
            values[f"{slot}|promised"] = float(row.promised)
            kept = row.every_promise_kept * row.promised if row.promised else 0.0
            values[f"{slot}|kept"] = float(kept)
        return values


@dataclass
class Answer:
    """The runs of one setting so far: ``runs`` has one row per finished replication (KPIs,
    the talk ratio and the :class:`Details`); ``reps`` is how many are planned."""

    scenario: Scenario
    settings: dict[str, float]
    runs: pd.DataFrame
    reps: int
    seconds: float = 0.0

    @property
    def done(self) -> int:
        """Replications finished."""
        return len(self.runs)

    def mean(self, column: str) -> float:
        """Mean over the finished replications."""
        return float(self.runs[column].mean()) if column in self.runs else math.nan

    @property
    def touchpoints(self) -> pd.DataFrame:
        """Mean gap and kept rate per touchpoint × dimension (what :func:`sim.plot.gap_map`
        reads)."""
        rows = []
        for column in self.runs.columns:
            kind, *where = column.split("|")
            if kind == "gap":
                touchpoint, dimension = where
                kept = f"kept|{touchpoint}|{dimension}"
                rows.append((touchpoint, dimension, self.mean(column), self.mean(kept)))
        return pd.DataFrame(rows, columns=["touchpoint", "dimension", "gap", "kept_rate"])

    def drivers(self) -> pd.DataFrame:
        """Why they left: mean counts per run by cause (what :func:`sim.plot.why_they_left`
        reads), most customers lost first."""
        causes: dict[tuple[str, str], dict[str, float]] = {}
        for column in self.runs.columns:
            kind, *where = column.split("|")
            if kind == "left":
                touchpoint, dimension, outcome = where
                causes.setdefault((touchpoint, dimension), {})[outcome] = self.mean(column)
        table = pd.DataFrame(
            [{"touchpoint": t, "dimension": d, **counts} for (t, d), counts in causes.items()],
            columns=["touchpoint", "dimension", "churn", "complaints", "wom_negative"],
        )
        return table.sort_values(
            ["churn", "complaints", "wom_negative"], ascending=False, kind="stable"
        ).reset_index(drop=True)

    @property
    def resources(self) -> pd.DataFrame:
        """Per resource: servers, mean utilisation, mean wait (hours), queue at the end and
        the share of runs whose queue kept growing."""
        rows = []
        for resource in self.scenario.resources:
            prefix = f"queue|{resource.name}|"
            rows.append(
                {
                    "resource": resource.name,
                    "capacity": resource.capacity,
                    "utilisation": self.mean(prefix + "utilisation"),
                    "mean_wait": self.mean(prefix + "mean_wait"),
                    "queue_at_end": self.mean(prefix + "queue_at_end"),
                    "overloaded": self.mean(prefix + "overloaded"),
                }
            )
        return pd.DataFrame(rows)

    @property
    def by_time(self) -> pd.DataFrame:
        """Per hour of the week the order was placed (weekday 0 = Monday, hour 0–23): the
        share of orders with a promise whose every promise was kept, pooled over the finished
        replications (what :func:`sim.plot.when_promises_break` reads; NaN for an hour without
        such orders). Empty for a scenario without a calendar."""
        counts: dict[tuple[int, int], dict[str, float]] = {}
        for column in self.runs.columns:
            kind, *where = column.split("|")
            if kind == "hour":
                weekday, hour, count = where
                counts.setdefault((int(weekday), int(hour)), {})[count] = float(
                    self.runs[column].sum()
                )
        rows = [
            (weekday, hour, c["kept"] / c["promised"] if c["promised"] else math.nan)
            for (weekday, hour), c in counts.items()
        ]
        return pd.DataFrame(rows, columns=["weekday", "hour", "every_promise_kept"])


def when_promises_break(answer: Answer) -> Figure | None:
    """The "when promises break" heat-map of an answer: the share of orders whose every
    promise was kept, by hour of day and weekday; None for a scenario without a calendar
    (every hour is alike, so there is nothing to show).

    >>> import sim, tempfile, os
    >>> shop = Workshop(sim.examples.load("pizza"), horizon="5 d", reps=1, workers=1,
    ...                 store=os.path.join(tempfile.mkdtemp(), "app.sqlite"))
    >>> when_promises_break(shop.answer(shop.shipped)).axes[0].get_title()
    'Every promise kept, by hour and weekday'
    """
    if answer.by_time.empty:
        return None
    return plot.when_promises_break(answer, show="kept")


@dataclass(frozen=True)
class Tile:
    """One KPI tile: the mean with its 95% CI, and the paired change from the baseline with
    its 95% CI (NaN bounds until two replications are in). Intervals are clipped to what the
    KPI can take."""

    kpi: str
    label: str
    value: float
    low: float
    high: float
    change: float
    change_low: float
    change_high: float
    n: int

    @property
    def significant(self) -> bool:
        """The change's CI excludes zero."""
        return not (self.change_low <= 0.0 <= self.change_high)

    def better(self) -> bool | None:
        """Whether the change is an improvement (None: no change, or neither direction)."""
        return KPIS[self.kpi].is_better(self.change)


@dataclass
class Workshop:
    """The app's model: a scenario, its levers, and answers to settings of them.

    ``horizon`` is the simulated time of each run (default 90 days), ``reps`` the
    replications per setting (default 10), ``seed`` the experiment seed, ``workers`` the
    processes that run replications after the first (default: all cores), ``store`` the
    SQLite file that keeps every run (default: the user's run cache,
    :func:`sim.experiment.runner.default_cache_path`).
    """

    scenario: Scenario
    seed: int = 1
    horizon: float | str = "90 d"
    reps: int = 10
    workers: int | None = None
    store: str | Path | None = None
    levers: list[Lever] = field(init=False)
    _pool: object = field(init=False, default=None, repr=False)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self.levers = levers(self.scenario)
        self.hours = horizon_hours(self.horizon, self.scenario.time_unit)
        if self.store is None:
            from sim.experiment.runner import default_cache_path

            self.store = default_cache_path()

    @property
    def shipped(self) -> dict[str, float]:
        """The settings of the scenario as shipped."""
        return {lever.path: lever.value for lever in self.levers}

    def overrides(self, settings: dict[str, float]) -> dict[str, float]:
        """The settings that differ from the shipped scenario."""
        return overrides(self.scenario, settings)

    def scenario_for(self, settings: dict[str, float]) -> Scenario:
        """The scenario with these settings."""
        changed = self.overrides(settings)
        return self.scenario.replace(changed) if changed else self.scenario

    def stream(
        self, settings: dict[str, float], cancel: threading.Event | None = None
    ) -> Iterator[Answer]:
        """Answers to ``settings`` as replications finish: the first after one replication
        (run here), then after each batch run in the pool, until ``reps`` (or ``cancel``)."""
        scenario = self.scenario_for(settings)
        specs = [
            RunSpec(scenario, self.seed, r, self.hours, measure=Details()) for r in range(self.reps)
        ]
        frames: list[pd.DataFrame] = []
        spent = 0.0
        first, rest = specs[:1], specs[1:]
        batches = [first]
        size = max(1, self.workers or 2)
        batches += [rest[i : i + size] for i in range(0, len(rest), size)]
        for batch in batches:
            if cancel is not None and cancel.is_set():
                return
            executor = self.executor() if batch is not first else None
            execution = execute(
                batch, store=self.store, progress=False, workers=1, executor=executor
            )
            failed = execution.failed
            if failed:
                raise RuntimeError(failed[0].error)
            frames.append(execution.frame())
            spent += execution.wall_time
            runs = pd.concat(frames, ignore_index=True)
            talk = pd.DataFrame([derived(row) for _, row in runs.iterrows()], index=runs.index)
            yield Answer(
                scenario, dict(settings), pd.concat([runs, talk], axis=1), self.reps, spent
            )

    def answer(self, settings: dict[str, float]) -> Answer:
        """All replications of ``settings`` (the last answer of :meth:`stream`)."""
        *_, last = self.stream(settings)
        return last

    def warm_up(self) -> None:
        """Start the process pool now, so the first streamed replications do not wait for it."""
        executor = self.executor()
        if executor is not None:
            for started in [executor.submit(time.sleep, 0.2) for _ in range(self.workers or 2)]:
                started.result()

    def executor(self):
        """The process pool for replications after the first and for robustness studies,
        started once (None: run here)."""
        with self._lock:
            if self._pool is None:
                pool, _ = local_executor(self.workers, self.reps)
                self._pool = pool or False
            return self._pool or None

    def close(self) -> None:
        """Stop the process pool."""
        if self._pool:
            self._pool.shutdown(cancel_futures=True)
        self._pool = None

    def tiles(self, answer: Answer, baseline: Answer | None = None) -> list[Tile]:
        """The KPI tiles of ``answer``: mean and 95% CI, and the paired change from
        ``baseline`` over the replications both have (NaN without a baseline)."""
        tiles = []
        for kpi in TILES:
            spec = KPIS[kpi]
            ci = mean_ci(answer.runs[kpi])
            low, high = spec.clip(ci.low, ci.high)
            change = change_low = change_high = math.nan
            if baseline is not None:
                paired = _paired(answer.runs, baseline.runs, kpi)
                if len(paired):
                    diff = mean_ci(paired)
                    change, change_low, change_high = diff.mean, diff.low, diff.high
                    if len(paired) < 2:
                        change_low = change_high = math.nan
            tiles.append(
                Tile(kpi, spec.label, ci.mean, low, high, change, change_low, change_high, ci.n)
            )
        return tiles


def _paired(runs: pd.DataFrame, baseline: pd.DataFrame, kpi: str) -> np.ndarray:
    """Replication-by-replication differences of ``kpi`` over the replications both ran."""
    merged = runs[["replication", kpi]].merge(
        baseline[["replication", kpi]], on="replication", suffixes=("", "_base")
    )
    diff = (merged[kpi] - merged[f"{kpi}_base"]).to_numpy(dtype=float)
    return diff[~np.isnan(diff)]


def comparison_table(
    workshop: Workshop, answers: dict[str, Answer], baseline: str | None = None
) -> pd.DataFrame:
    """Settings and KPIs of named answers side by side (the snapshot table and the
    handout's): one column per answer; KPI cells read "mean [low, high]" and, against the
    ``baseline`` answer, "Δ change [low, high]"; every number in its KPI's unit.

    >>> import sim, tempfile, os
    >>> shop = Workshop(sim.examples.load("pizza"), horizon="5 d", reps=2, workers=1,
    ...                 store=os.path.join(tempfile.mkdtemp(), "app.sqlite"))
    >>> table = comparison_table(shop, {"shipped": shop.answer(shop.shipped)})
    >>> table.index[0], table.index[len(shop.levers)]
    ('Delivery promise', 'Profit (THB)')
    """
    currency = workshop.scenario.economics.currency
    base = answers.get(baseline) if baseline else None
    columns = {}
    for name, answer in answers.items():
        cells = {lever.label: lever.text(answer.settings[lever.path]) for lever in workshop.levers}
        for tile in workshop.tiles(answer, base if base is not answer else None):
            spec = KPIS[tile.kpi]
            text = spec.format(tile.value, currency)
            if not math.isnan(tile.low):
                text += f" [{spec.number(tile.low)}, {spec.number(tile.high)}]"
            if not math.isnan(tile.change):
                text += f"; Δ {spec.format(tile.change, currency, signed=True)}"
                if not math.isnan(tile.change_low):
                    text += (
                        f" [{spec.number(tile.change_low, signed=True)}, "
                        f"{spec.number(tile.change_high, signed=True)}]"
                    )
            cells[spec.axis_label(currency)] = text
        cells["Replications"] = f"{answer.done}"
        columns[name] = cells
    return pd.DataFrame(columns)


__all__ = [
    "KPI_NAMES",
    "TILES",
    "Answer",
    "Details",
    "Tile",
    "Workshop",
    "comparison_table",
    "when_promises_break",
]
