"""Check an experiment's arguments before anything runs, and report every problem at once.

Each problem names the argument, the value given and the fix, like the scenario's own
checks; :class:`ArgumentError` is a :class:`~sim.scenario.ScenarioError`, so callers that
catch bad input catch both.

>>> import numpy as np
>>> arguments = Arguments()
>>> arguments.whole(np.int64(3), "reps")
3
>>> arguments.whole(0, "reps")
>>> arguments.seed(-1)
>>> arguments.problems
['reps: 0 — must be a whole number ≥ 1', 'seed: -1 — must be a whole number from 0 to 2^128 − 1']
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Iterable, Mapping
from concurrent.futures import Executor
from pathlib import Path
from typing import Any, TypedDict

from sim.engine.model import seed_problem, workload
from sim.scenario import Scenario, ScenarioError, suggest
from sim.units import DurationError, format_duration, horizon_hours, shown

#: Columns every run table has besides its labels: a sweep parameter or a label with one of
#: these names would overwrite it.
RESERVED_COLUMNS = (
    "point",
    "policy",
    "replication",
    "seed",
    "stream",
    "scenario",
    "horizon_hours",
    "error",
    "wall_time",
)


#: The most runs one call may make: a day of computing at a few seconds a run on a laptop.
#: Split a bigger design into several calls sharing one store.
MAX_RUNS = 100_000


class RunOptions(TypedDict, total=False):
    """How an experiment's runs are executed: the keywords every experiment takes.

    ``executor``: any ``concurrent.futures.Executor`` (a dask ``client.get_executor()``
    included); default, a process pool on all local cores. ``workers``: that pool's size.
    ``store``: an SQLite file (or :class:`~sim.experiment.store.RunStore`) keeping every
    finished run, so a re-run resumes. ``cache``: the run cache (default: on inside a
    notebook). ``progress``: a progress bar (default on).
    """

    executor: Executor | None
    workers: int | None
    store: str | Path | None
    cache: bool | str | Path | None
    progress: bool


def _count(n: int) -> str:
    """A count with thousands separators, or words where it has too many digits to print.

    >>> _count(120_000), _count(10**5000)
    ('120,000', 'more than 10^15')
    """
    return f"{n:,}" if n < 10**15 else "more than 10^15"


class ShortHorizonWarning(UserWarning):
    """A horizon shorter than one day: few customers come back in it."""


class ArgumentError(ScenarioError):
    """Arguments of a run or an experiment that cannot be used (one line per problem)."""


class Arguments:
    """Collects argument problems; :meth:`done` raises them together."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, name: str, value: Any, fix: str) -> None:
        self.problems.append(f"{name}: {shown(value)} — {fix}")

    def done(self) -> None:
        """Raise :class:`ArgumentError` if any check failed."""
        if self.problems:
            raise ArgumentError(self.problems)

    # ------------------------------------------------------------------ single values
    def whole(self, value: Any, name: str, minimum: int = 1) -> int | None:
        """``value`` as an int (numpy integers welcome), or None after failing."""
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            self.fail(name, value, f"must be a whole number ≥ {minimum}")
            return None
        if value < minimum:
            self.fail(name, value, f"must be a whole number ≥ {minimum}")
            return None
        return int(value)

    def seed(self, value: Any) -> int | None:
        """A random seed (see :func:`sim.engine.model.seed_problem`)."""
        problem = seed_problem(value)
        if problem:
            self.problems.append(problem)
            return None
        return int(value)

    def run_options(self, options: Mapping[str, Any]) -> int | None:
        """Check :class:`RunOptions` keywords (a misspelt one would otherwise be ignored);
        return the workers."""
        known = list(RunOptions.__annotations__)
        for name, value in options.items():
            if name not in known:
                self.fail(
                    name, value, f"not an option{suggest(name, known)}; use {', '.join(known)}"
                )
        self.executor(options.get("executor"))
        return self.workers(options.get("workers"))

    def scenario(self, value: Any, name: str = "scenario") -> None:
        """A :class:`~sim.scenario.Scenario` object (not a name or a path)."""
        if not isinstance(value, Scenario):
            self.fail(
                name,
                value,
                "pass a Scenario, e.g. sim.examples.load('pizza') or Scenario.load('shop.toml')",
            )

    def workers(self, value: Any) -> int | None:
        """Worker processes: None (all cores) or a whole number ≥ 1."""
        return None if value is None else self.whole(value, "workers")

    def horizon(self, scenario: Scenario, value: Any) -> float | None:
        """Run length in hours: the scenario's when None; a number means hours here."""
        try:
            hours = horizon_hours(scenario.horizon if value is None else value)
        except DurationError as error:
            self.fail("horizon", value, error.reason)
            return None
        too_much = workload(scenario, hours)
        if too_much:
            self.problems.append(too_much)
        if hours < 24 and value is not None:  # a scenario's own horizon warned when loaded
            hint = f" (write '{value} d' if you meant days)" if not isinstance(value, str) else ""
            warnings.warn(
                f"horizon {value!r} is {format_duration(hours)}, shorter than one day: few "
                f"customers come back in it{hint}",
                ShortHorizonWarning,
                stacklevel=3,
            )
        return hours

    def executor(self, value: Any) -> None:
        """None (our own process pool) or an object with ``submit`` (an Executor)."""
        if isinstance(value, type):
            self.fail(
                "executor",
                value,
                f"a class, not an executor; pass an instance, e.g. {value.__name__}(4)",
            )
        elif value is not None and not callable(getattr(value, "submit", None)):
            self.fail(
                "executor",
                value,
                "not an executor; pass a concurrent.futures.Executor (or a dask "
                "client.get_executor()), or leave it out to use all local cores",
            )

    def runs(self, *factors: int) -> None:
        """Refuse a call whose runs (the product of ``factors``: points, policies,
        replications…) would be more than :data:`MAX_RUNS`."""
        count = math.prod(factors)
        if count > MAX_RUNS:
            how = " × ".join(_count(f) for f in factors)
            self.fail(
                "runs",
                f"{_count(count)} ({how})",
                f"more than the {MAX_RUNS:,} one call may make; use fewer points or "
                "replications, or split the design into calls sharing one store",
            )

    # ------------------------------------------------------------------ names
    def kpis(self, names: Iterable[Any], known: Iterable[str], name: str = "kpis") -> list[str]:
        """Names that must be KPIs (or other statistics in ``known``)."""
        known = list(known)
        good = []
        for kpi in names:
            if kpi in known:
                good.append(kpi)
            else:
                self.fail(name, kpi, f"not a KPI{suggest(str(kpi), known)}; see docs/model.md")
        return good

    def precision(self, targets: Mapping[str, Any] | None, known: Iterable[str]) -> dict:
        """``{kpi: half-width}``: each a KPI with a positive, finite target."""
        if targets is None:
            return {}
        if not isinstance(targets, Mapping):
            self.fail("precision", targets, "give {KPI: half-width}, e.g. {'profit': 20000}")
            return {}
        checked = {}
        for kpi in self.kpis(list(targets), known, "precision"):
            target = targets[kpi]
            if (
                isinstance(target, bool)
                or not isinstance(target, numbers.Real)
                or not math.isfinite(target)
                or target <= 0
            ):
                self.fail(f"precision[{kpi!r}]", target, "must be a positive half-width")
            else:
                checked[kpi] = float(target)
        return checked

    def labels(self, names: Iterable[Any], what: str, reserved: Iterable[str] = ()) -> None:
        """Names that become table columns or labels: text, not reserved, not repeated."""
        reserved = set(reserved)
        seen = set()
        for label in names:
            if not isinstance(label, str) or not label.strip():
                self.fail(what, label, "must be a non-empty name")
            elif label in reserved:
                self.fail(what, label, "is a name the results table uses; pick another")
            elif label in seen:
                self.fail(what, label, "is given twice; give each a different name")
            seen.add(label)
