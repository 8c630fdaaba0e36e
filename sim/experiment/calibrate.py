"""Calibration: fit chosen parameters so simulated statistics match targets.

**Method of simulated moments** (McFadden 1989; Pakes & Pollard 1989). For parameters θ
the model is run ``reps`` times and each statistic's mean over the replications, m̄ᵢ(θ), is
compared with its target tᵢ. The fit minimises

    Q(θ) = Σᵢ ((m̄ᵢ(θ) − tᵢ) / σᵢ)²

where σᵢ is the target's own standard deviation when given (a survey's sampling error, the
slack you allow), else the standard error of m̄ᵢ at the start point (so every statistic counts
in units of its own simulation noise: the usual diagonal MSM weighting). The weights are fixed
before the search, so Q does not move under the optimiser's feet.

**Common random numbers.** Every evaluation uses the same seeds (replication r draws from
``SeedSequence(seed, spawn_key=(r,))``, each draw tied to a customer and a purpose), so
Q(θ) is a deterministic function of θ: comparing two parameter values compares the same
customers, not two samples. What is left is a fine "staircase" — a small change of θ flips
a few customers' decisions — so Q is not differentiable, and gradient methods (which divide
tiny differences by tiny steps) fail on it.

**Search.** The parameters are rescaled to the unit box [0, 1]ᵈ. A Latin-hypercube design
(``initial`` points, plus the start point) is run first, all in parallel, and the best point
starts a bounded Nelder–Mead simplex (scipy.optimize) whose first steps span a quarter of each
range. Nelder–Mead needs no derivatives, shrugs off a staircase finer than its simplex, and
with a space-filling start rarely stops in a poor local minimum; it stops when the simplex is
smaller than ``tolerance`` (1% of each range by default: finer than that, CRN steps make the
answer meaningless) or after ``max_evaluations``. ``method="powell"`` (bounded Powell line
searches) is the alternative.

**Identification.** At the optimum each parameter is moved to both ends of its range (the
others held at the fit), and by ±``step`` of its range for a local Jacobian. A parameter is
*not identified* when, over its whole range, no target moves by more than 2σᵢ (or the move is
within CRN noise); two parameters are *confounded* when their Jacobian columns (scaled by
range and σ) are nearly collinear, or the scaled Jacobian is nearly rank-deficient — the
targets then pin down a combination of them, not each. More parameters than targets is
always flagged. Each finding is in ``Calibration.warnings`` and raised as an
:class:`IdentificationWarning`.

>>> import sim
>>> fit = sim.calibrate(sim.examples.load("pizza"), {"every_promise_kept": 0.8},
...                     {"touchpoints.delivery.promise.time": (30, 90)}, reps=2,
...                     horizon="5 d", max_evaluations=10, progress=False, workers=1)
>>> 30 <= fit.values["touchpoints.delivery.promise.time"] <= 90
True
>>> list(fit.fit.columns[:3])
['target', 'sd', 'simulated']
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import inspect
import math
import numbers
import pickle
import sys
import uuid
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Unpack

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from sim.experiment.arguments import Arguments, RunOptions
from sim.experiment.runner import RunsFailedError, RunSpec, execute, local_executor
from sim.experiment.stats import mean_ci
from sim.metrics import KPI_NAMES, KPI_RANGES
from sim.result import Result
from sim.scenario import Scenario, ScenarioError
from sim.units import significant

METHODS = ("nelder-mead", "powell")
#: Objective value of a point where some statistic could not be computed (all NaN).
_UNUSABLE = 1e12
#: A target is *missed* when the fit is further from it than this many σ (|z| > 2).
MISSED_Z = 2.0


class IdentificationWarning(UserWarning):
    """A parameter the targets cannot pin down (see :func:`calibrate`)."""


# --------------------------------------------------------------------------- statistics
class Statistics:
    """Custom statistics computed from each run's :class:`~sim.result.Result`.

    ``functions`` is either ``{name: f}`` with ``f(result) -> float``, or one callable
    ``f(result) -> Mapping[str, float]`` (a ``pandas.Series`` works) giving many at once.
    Runs that compute them record the episode log (``Result.episodes``). ``key`` identifies
    what is computed (names, source code, defaults and closures of the functions), so stored
    and cached runs are reused only for the same statistics; a function whose source cannot
    be read gets a unique key (never reused).

    >>> stats = Statistics({"long_stays": lambda r: float((r.customers["episodes"] > 3).mean())})
    >>> stats.names
    ['long_stays']
    """

    episodes = True

    def __init__(self, functions: Mapping[str, Callable] | Callable) -> None:
        if callable(functions) and not isinstance(functions, Mapping):
            self.functions: dict[str, Callable] | Callable = functions
            self.names: list[str] | None = None  # known after the first run
        elif isinstance(functions, Mapping) and functions:
            bad = [name for name, f in functions.items() if not callable(f)]
            if bad:
                raise ValueError(
                    f"statistics[{bad[0]!r}]: {functions[bad[0]]!r} — give a function "
                    "f(result) -> float"
                )
            self.functions = dict(functions)
            self.names = list(functions)
        else:
            raise ValueError(
                f"statistics: {functions!r} — give {{name: f(result) -> float}} or one "
                "f(result) -> {name: float}"
            )
        parts = (
            [_identity(self.functions)]
            if self.names is None
            else [f"{name}={_identity(f)}" for name, f in self.functions.items()]
        )
        if any(part is None or part.endswith("=None") for part in parts):
            parts.append(uuid.uuid4().hex)  # unknowable: never reuse a stored run
        self.key = hashlib.sha256("\n".join(map(str, parts)).encode()).hexdigest()[:16]

    def __call__(self, result: Result) -> dict[str, float]:
        if self.names is None:
            values = self.functions(result)
            return {str(name): float(value) for name, value in dict(values).items()}
        return {name: float(f(result)) for name, f in self.functions.items()}

    def picklable(self) -> bool:
        """Whether worker processes can receive these functions (not, say, a lambda or a
        function defined in a notebook)."""
        functions = [self.functions] if self.names is None else self.functions.values()
        for f in functions:
            target = f.func if isinstance(f, functools.partial) else f
            module = sys.modules.get(getattr(target, "__module__", None) or "", None)
            in_main = module is not None and module.__name__ == "__main__"
            if in_main and getattr(module, "__file__", None) is None:  # notebook or REPL
                return False
        try:
            pickle.dumps(self)
        except (pickle.PicklingError, AttributeError, TypeError):
            return False
        return True


def _identity(f: Any) -> str | None:
    """Text that changes when what ``f`` computes changes (None when it cannot be told)."""
    if isinstance(f, functools.partial):
        inner = _identity(f.func)
        return None if inner is None else f"partial({inner}, {f.args!r}, {f.keywords!r})"
    if not hasattr(f, "__code__"):
        return None
    try:
        source = inspect.getsource(f)
        closure = [cell.cell_contents for cell in f.__closure__ or ()]
    except (OSError, TypeError, ValueError):
        return None
    return (
        f"{f.__module__}.{f.__qualname__}\n{source}\n{f.__defaults__!r}\n"
        f"{f.__kwdefaults__!r}\n{closure!r}"
    )


# --------------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class _Param:
    path: str
    low: float
    high: float
    integer: bool

    def value(self, u: float) -> float | int:
        """The parameter value at unit coordinate ``u`` ∈ [0, 1]."""
        x = self.low + min(max(u, 0.0), 1.0) * (self.high - self.low)
        return round(x) if self.integer else float(f"{x:.10g}")  # no 11.489999999999998

    @property
    def span(self) -> float:
        return self.high - self.low


def _check_params(scenario: Scenario, params: Any, arguments: Arguments) -> list[_Param]:
    """The ranges to search; each problem goes to ``arguments``."""
    if not isinstance(params, Mapping) or not params:
        arguments.problems.append(
            "params: give at least one dotted path with (low, high) bounds, e.g. "
            "{'retention.bad_episode_shock': (0.0, 6.0)}"
        )
        return []
    checked = []
    for path, bounds in params.items():
        where = f"params[{path!r}]"
        if (
            isinstance(bounds, str | bytes)
            or not hasattr(bounds, "__len__")
            or len(bounds) != 2
            or not all(_real(b) for b in bounds)
        ):
            arguments.fail(where, bounds, "give numeric bounds (low, high), e.g. (0.0, 6.0)")
            continue
        low, high = float(bounds[0]), float(bounds[1])
        if not (math.isfinite(high - low) and low < high):  # also catches NaN and ±inf
            arguments.fail(where, bounds, "need finite low < high, e.g. (0.0, 6.0)")
            continue
        param = _Param(path, low, high, _integer_field(scenario, path))
        if param.value(0.0) == param.value(1.0):  # a whole-number field, say (1.2, 1.4)
            arguments.fail(where, bounds, f"holds one value only, {param.value(0.0)}; widen it")
            continue
        checked.append(param)
    # Both ends of every range must be valid values of their fields: one replace per end
    # reports bad paths (with did-you-mean) and out-of-range bounds, before anything runs.
    found = {}
    for end, u in (("low", 0.0), ("high", 1.0)):
        try:
            scenario.replace({p.path: p.value(u) for p in checked})
            found[end] = []
        except ScenarioError as error:
            found[end] = error.problems
    for problem in dict.fromkeys(found["low"] + found["high"]):
        if problem in found["low"] and problem in found["high"]:
            arguments.problems.append(problem)  # the same at both ends: the path, not a bound
        else:
            end = "low" if problem in found["low"] else "high"
            arguments.problems.append(f"{problem} (the {end} bound of params)")
    return checked


def _integer_field(scenario: Scenario, path: str) -> bool:
    """Whether the field at ``path`` takes integers only (capacities, counts): it then
    rejects a fractional value with a message about integers."""
    try:
        scenario.replace({path: 1.5})
    except ScenarioError as error:
        return any("integer" in problem for problem in error.problems)  # only this field changed
    return False


def _check_targets(
    targets: Any, known: list[str] | None, arguments: Arguments
) -> dict[str, tuple[float, float | None]]:
    """``{name: (value, sd or None)}``; each problem goes to ``arguments``. ``known`` lists
    the statistics there will be (None: not known before the first run)."""
    if not isinstance(targets, Mapping) or not targets:
        arguments.problems.append(
            "targets: give at least one statistic and its target, e.g. {'churn_rate': 0.3} "
            "or {'churn_rate': (0.3, 0.02)} with a standard deviation"
        )
        return {}
    checked = {}
    for name, target in targets.items():
        where = f"targets.{name}"
        if not isinstance(name, str):
            arguments.fail("targets", name, "name a statistic as text, e.g. 'churn_rate'")
            continue
        if known is not None and name not in known:
            arguments.problems.append(_unknown(name, known))
            continue
        value, sd = target, None
        if isinstance(target, tuple | list):
            if len(target) != 2:
                arguments.fail(where, target, "give a value or (value, sd), e.g. (0.3, 0.02)")
                continue
            value, sd = target
        problems = len(arguments.problems)
        if not _real(value) or not math.isfinite(value):
            arguments.fail(where, value, "must be a finite number, e.g. 0.3")
        elif reason := _outside(name, value):
            arguments.fail(where, value, reason)
        if sd is not None and not (_real(sd) and math.isfinite(sd) and sd > 0):
            arguments.fail(
                f"{where} sd",
                sd,
                "must be a finite positive number: how far the fit may miss, in the "
                "statistic's unit",
            )
        if len(arguments.problems) == problems:
            checked[name] = (float(value), None if sd is None else float(sd))
    return checked


def _outside(name: str, value: float) -> str:
    """Why ``value`` cannot be a target for KPI ``name`` ('' when it can)."""
    low, high = KPI_RANGES.get(name, (-math.inf, math.inf))
    if low <= value <= high:
        return ""
    if high == math.inf:
        return f"{name} cannot be below {low:g}"
    percent = f"; for {value:g}% give {value / 100:g}" if (low, high) == (0, 1) else ""
    return f"{name} lies between {low:g} and {high:g}" + (percent if 1 < value <= 100 else "")


def _real(x: Any) -> bool:
    """A real number (numpy's too), not a bool."""
    return isinstance(x, numbers.Real) and not isinstance(x, bool | np.bool_)


def _unknown(name: str, known: list[str]) -> str:
    own = [n for n in known if n not in KPI_NAMES]
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return (
        f"targets.{name}: not a statistic calibrate knows{hint} Use a KPI "
        f"({', '.join(KPI_NAMES)}) or name it in statistics= (have: {', '.join(own) or 'none'})"
    )


def _start_point(space: list[_Param], start: Any, arguments: Arguments) -> tuple:
    """The start as a unit-box point (the middle of each range unless given)."""
    if start is not None and not isinstance(start, Mapping):
        arguments.fail("start", start, "give {path: value} for some of the params, or leave it out")
        start = None
    start = dict(start or {})
    for path in start.keys() - {p.path for p in space}:
        arguments.fail("start", path, "is not one of the params; give a value for each of those")
    point = []
    for p in space:
        value = start.get(p.path, (p.low + p.high) / 2.0)
        if not _real(value) or not p.low <= value <= p.high:
            arguments.fail(f"start[{p.path!r}]", value, f"must lie within ({p.low:g}, {p.high:g})")
            value = (p.low + p.high) / 2.0
        point.append((value - p.low) / p.span)
    return tuple(point)


# --------------------------------------------------------------------------- the result
@dataclass
class Calibration:
    """Result of :func:`calibrate`.

    * ``values`` — fitted parameter values, by path; ``scenario`` — with them applied;
    * ``fit`` — per target: target, sd (σ used in the objective), simulated mean, its 95% CI
      over replications (ci_low, ci_high), and z = (simulated − target)/σ;
    * ``objective`` — Q at the fit (Σ z²); ``evaluations`` — parameter points simulated in the
      search (each ``reps`` runs; the identification diagnostics add 4 per parameter);
    * ``jacobian`` — d(statistic)/d(parameter) at the fit, natural units (central finite
      differences with common random numbers);
    * ``sensitivity`` — each statistic's change when a parameter goes from its low to its
      high bound (others at the fit), in units of σ: the evidence behind ``warnings``;
    * ``history`` — every evaluated point: parameters, statistic means, objective;
    * ``warnings`` — identification problems and fits on a bound, in words;
    * ``missed`` — targets the fit misses by more than ``MISSED_Z`` σ (|z| > 2);
    * ``manifest`` — provenance (versions, seeds, replications, horizon, wall time).
    """

    values: dict[str, float]
    scenario: Scenario
    fit: pd.DataFrame
    objective: float
    evaluations: int
    jacobian: pd.DataFrame
    sensitivity: pd.DataFrame
    history: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    manifest: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        bounds = self.manifest.get("bounds", {})
        lines = [
            f"calibrated {len(self.values)} parameter(s) in {self.evaluations} evaluations × "
            f"{self.manifest.get('reps')} replications; objective Σz² = {_num(self.objective)}"
        ]
        for path, value in self.values.items():
            low, high = bounds.get(path, (math.nan, math.nan))
            lines.append(f"  {path} = {_num(value)}   (searched {_num(low)} … {_num(high)})")
        header = f"{'target':>10}{'± sd':>9}{'simulated [95% CI]':>28}{'z':>7}"
        lines.append(f"  {'statistic':<28}{header}")
        for name, row in self.fit.iterrows():
            ci = f"{_num(row.simulated)} [{_num(row.ci_low)}, {_num(row.ci_high)}]"
            lines.append(
                f"  {name:<28}{_num(row.target):>10}{_num(row.sd):>9}{ci:>28}{row.z:>7.2f}"
            )
            if name in self.missed:
                lines.append(f"    {_missed(row.z)}")
        lines += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def _num(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    text = significant(value, 4)  # like 4 significant digits, but never an exponent
    return text.rstrip("0").rstrip(".") if "." in text else text


def _missed(z: float) -> str:
    shown = f"{z:.1f}".replace("-", "−")  # a minus sign, not a hyphen
    return (
        f"missed: z = {shown}; the parameters' ranges may not allow this target, or the "
        "target conflicts with another"
    )


# --------------------------------------------------------------------------- calibrate
def calibrate(
    scenario: Scenario,
    targets: Mapping[str, float | tuple[float, float]],
    params: Mapping[str, tuple[float, float]],
    *,
    statistics: Mapping[str, Callable[[Result], float]]
    | Callable[[Result], Mapping[str, float]]
    | None = None,
    reps: int = 8,
    seed: int = 1,
    horizon: float | str | None = None,
    start: Mapping[str, float] | None = None,
    method: str = "nelder-mead",
    initial: int | None = None,
    max_evaluations: int = 60,
    tolerance: float = 0.01,
    step: float = 0.1,
    diagnostics: bool = True,
    **options: Unpack[RunOptions],
) -> Calibration:
    """Fit ``params`` so the simulated means of ``targets`` match them (see the module doc).

    ``targets`` maps a statistic to its target value, or to ``(value, sd)`` where ``sd``
    (same unit) sets how closely it must be matched; statistics are KPIs of ``Result.kpis``
    (``churn_rate``, ``nps``, ``every_promise_kept``, …; each within its
    :data:`~sim.metrics.KPI_RANGES`) or named in ``statistics`` (functions of a
    :class:`~sim.result.Result`, see :class:`Statistics`). ``params`` maps dotted scenario
    paths to ``(low, high)`` in the field's unit; integer fields (capacities) search
    integers. ``start`` (default: the middle of each range) is where the weights are
    measured and the design is anchored; ``initial`` Latin-hypercube points (default 2d + 2)
    are tried before the local search; ``max_evaluations`` caps the points simulated in the
    search, each with ``reps`` replications sharing the same seeds (common random numbers);
    ``horizon`` is hours or a duration like ``"180 d"``. ``diagnostics=False`` skips the
    identification runs (4 points per parameter). ``tolerance`` and ``step`` are fractions
    of each range.

    Every problem with the arguments (impossible targets, bad paths, bounds outside a
    field's allowed range, unknown statistics, bad counts) is raised at once, as a
    :class:`~sim.scenario.ScenarioError`, before anything runs; names from a ``statistics``
    function that returns a mapping are checked after the first point has run. A target
    missed by more than ``MISSED_Z`` σ is named in ``Calibration.missed`` and warned about
    (``RuntimeWarning``). When no point yields every target (all runs fail, or a statistic
    is never computable), a ``RuntimeError`` says why.

    >>> import sim
    >>> calibrate(sim.examples.load("pizza"), {"churn_rate": 35},
    ...           {"retention.bad_episode_shock": (0, 6)})
    Traceback (most recent call last):
    ...
    sim.experiment.arguments.ArgumentError: 1 problem(s):
      - targets.churn_rate: 35 — churn_rate lies between 0 and 1; for 35% give 0.35
    """
    arguments = Arguments()
    arguments.scenario(scenario)
    if method not in METHODS:
        arguments.fail("method", method, f"use one of {', '.join(METHODS)}")
    reps = arguments.whole(reps, "reps")
    seed = arguments.seed(seed)
    max_evaluations = arguments.whole(max_evaluations, "max_evaluations")
    initial = None if initial is None else arguments.whole(initial, "initial", minimum=0)
    if not (_real(step) and 0 < step <= 0.5):
        arguments.fail("step", step, "a fraction of each range in (0, 0.5], e.g. 0.1")
    if not (_real(tolerance) and 0 < tolerance < 1):
        arguments.fail("tolerance", tolerance, "a fraction of each range in (0, 1), e.g. 0.01")
    workers = arguments.run_options(options)
    executor, progress = options.get("executor"), options.get("progress", True)
    measure, known = None, list(KPI_NAMES)
    try:
        measure = None if statistics is None else Statistics(statistics)
    except ValueError as error:
        arguments.problems.append(str(error))
        known = None  # its names are unknown: do not call the targets unknown too
    if measure is not None and measure.names is None:
        known = None  # named by the first run
    elif measure is not None:
        for name in sorted(set(measure.names) & set(KPI_NAMES)):
            arguments.problems.append(f"statistics: {name!r} is a KPI name already; rename it")
        known += measure.names
    wanted = _check_targets(targets, known, arguments)
    if reps == 1 and any(sd is None for _, sd in wanted.values()):
        arguments.fail(
            "reps",
            reps,
            "targets without an sd are weighted by their noise over replications, which "
            "needs reps ≥ 2; give reps=2 or more, or each target as (value, sd)",
        )
    space, x0, hours = [], (), None
    if isinstance(scenario, Scenario):
        hours = arguments.horizon(scenario, horizon)
        space = _check_params(scenario, params, arguments)
        x0 = _start_point(space, start, arguments)
    arguments.done()
    n_initial = 2 * len(space) + 2 if initial is None else initial

    run_workers = workers
    parallel = executor is None and (workers is None or workers > 1)
    if measure is not None and parallel and not measure.picklable():
        warnings.warn(
            "statistics: these functions cannot be sent to worker processes (a lambda, or "
            "defined in a notebook?); running in this process. Define them in a module to "
            "run in parallel.",
            RuntimeWarning,
            stacklevel=2,
        )
        run_workers = 1
    pool, n_workers = (executor, 0) if executor is not None else local_executor(run_workers, reps)
    search = _Search(
        scenario,
        space,
        wanted,
        measure,
        reps,
        seed,
        hours,
        dict(executor=pool, workers=1, store=options.get("store"), cache=options.get("cache")),
    )
    diagnostic_points = 4 * len(space) if diagnostics else 0
    bar = tqdm(
        total=max_evaluations + diagnostic_points,  # at most; set to what ran at the end
        desc="calibrate",
        unit="point",
        disable=not progress,
    )
    search.bar = bar
    try:
        design = _design(len(space), n_initial, seed, max_evaluations - 1)
        search.batch([x0, *design])  # one parallel round: the start and the design
        search.weights_at(x0)
        if search.evaluations < max_evaluations:
            _local_search(search, np.array(search.best()), method, tolerance, max_evaluations)
        else:
            search.stopped = "max_evaluations reached"
        best = search.best()
        bar.total = bar.n + diagnostic_points  # the search may stop before max_evaluations
        bar.refresh()
        evaluations = search.evaluations
        jacobian, sensitivity, notes = (
            _diagnose(search, np.array(best), step)
            if diagnostics
            else (pd.DataFrame(), pd.DataFrame(), [])
        )
        bar.total = bar.n  # diagnostic points the search had already run are not run again
    finally:
        bar.close()
        if executor is None and pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    values = {p.path: p.value(u) for p, u in zip(space, best, strict=True)}
    notes = _bound_notes(space, best) + notes
    if len(space) > len(wanted):
        notes.insert(
            0,
            f"{len(space)} parameters but {len(wanted)} target(s): at most {len(wanted)} "
            "combination(s) of the parameters can be identified",
        )
    for note in notes:
        warnings.warn(note, IdentificationWarning, stacklevel=2)
    point = search.memo[best]
    fit = _fit_table(point, wanted, search.sigma)
    missed = [name for name, z in fit["z"].items() if abs(z) > MISSED_Z]
    for name in missed:
        row = fit.loc[name]
        warnings.warn(
            f"targets.{name}: simulated {_num(row.simulated)} for a target of "
            f"{_num(row.target)} ± {_num(row.sd)}, {_missed(row.z)}; widen the ranges, add a "
            "parameter that moves it, or give it a larger sd",
            RuntimeWarning,
            stacklevel=2,
        )
    manifest = dict(
        search.manifest(),
        method=method,
        bounds={p.path: (p.low, p.high) for p in space},
        start={p.path: p.value(u) for p, u in zip(space, x0, strict=True)},
        workers=n_workers or 1,
        stopped=search.stopped,
    )
    return Calibration(
        values=values,
        scenario=scenario.replace(values),
        fit=fit,
        objective=point["objective"],
        evaluations=evaluations,
        jacobian=jacobian,
        sensitivity=sensitivity,
        history=search.history(),
        warnings=notes,
        missed=missed,
        manifest=manifest,
    )


def _design(d: int, n: int, seed: int, budget: int) -> list[tuple]:
    n = max(0, min(n, budget))
    if n == 0:
        return []
    from scipy.stats import qmc  # imported on use: `import sim` stays light for workers

    unit = qmc.LatinHypercube(d=d, seed=seed).random(n)
    return [tuple(float(u) for u in row) for row in unit]


# --------------------------------------------------------------------------- the search
class _Search:
    """Evaluates unit-box points (memoised), keeps the weights, the history and the count."""

    def __init__(self, scenario, space, wanted, measure, reps, seed, hours, options) -> None:
        self.scenario, self.space, self.wanted = scenario, space, wanted
        self.measure, self.reps, self.seed, self.hours = measure, reps, seed, hours
        self.options = options
        self.memo: dict[tuple, dict[str, Any]] = {}
        self.order: list[tuple] = []
        self.sigma: dict[str, float] = {}
        self.evaluations = 0
        self.executions: list = []
        self.bar = None
        self.stopped = "converged"

    def _key(self, x) -> tuple:
        """The point on a grid of 0.1% of each range (integers: on the integers); finer
        differences are below what common random numbers can resolve."""
        key = []
        for p, u in zip(self.space, x, strict=True):
            u = round(min(max(float(u), 0.0), 1.0), 3)
            key.append(round((p.value(u) - p.low) / p.span, 6) if p.integer else u)
        return tuple(key)

    def batch(self, points, count: bool = True) -> list[dict[str, Any]]:
        """Simulate every new point (all replications of all points in one parallel call)."""
        keys = [self._key(x) for x in points]
        new = list(dict.fromkeys(k for k in keys if k not in self.memo))
        if new:
            specs = []
            for key in new:
                variant = self.scenario.replace(
                    {p.path: p.value(u) for p, u in zip(self.space, key, strict=True)}
                )
                specs += [
                    RunSpec(variant, self.seed, r, self.hours, measure=self.measure)
                    for r in range(self.reps)
                ]
            execution = execute(specs, progress=False, description="calibrate", **self.options)
            self.executions.append(execution)
            for i, key in enumerate(new):
                outcomes = execution.outcomes[i * self.reps : (i + 1) * self.reps]
                failed = [o for o in outcomes if o.error is not None]
                if len(failed) == len(outcomes):
                    raise RunsFailedError(
                        f"calibrate: every run failed at {self._labels(key)}; first: "
                        f"{failed[0].error}",
                        execution,
                    )
                self._record(key, outcomes)
            if count:
                self.evaluations += len(new)
            if self.bar is not None:
                self.bar.update(len(new))
                best = min(v["objective"] for v in self.memo.values()) if self.sigma else None
                if best is not None:
                    self.bar.set_postfix(best=f"{best:.3g}")
        return [self.memo[k] for k in keys]

    def _record(self, key, outcomes) -> None:
        if self.measure is not None and self.measure.names is None and not self.order:
            kpis = next(o.kpis for o in outcomes if o.kpis is not None)
            names = list(KPI_NAMES) + [n for n in kpis if n not in KPI_NAMES]
            for name in self.wanted:
                if name not in names:
                    raise ValueError(_unknown(name, names))
        samples = {}
        for name in self.wanted:
            values = np.array(
                [np.nan if o.kpis is None else o.kpis.get(name, np.nan) for o in outcomes],
                dtype=float,
            )
            samples[name] = np.where(np.isfinite(values), values, np.nan)  # ±inf: not a value
        usable = all(not np.isnan(values).all() for values in samples.values())
        self.memo[key] = {"samples": samples, "objective": math.nan, "usable": usable}
        self.order.append(key)
        if self.sigma:
            self.memo[key]["objective"] = self._objective(samples)

    def weights_at(self, x0) -> None:
        """σᵢ: the target's sd if given, else the standard error of the mean at ``x0``."""
        [point] = self.batch([x0])
        for name, (value, sd) in self.wanted.items():
            if sd is None:
                ci = mean_ci(point["samples"][name])
                if ci.n < 2:
                    warnings.warn(
                        f"targets.{name}: fewer than 2 replications could compute it at the "
                        "start point, so its noise is unknown; give the target an sd, "
                        "(value, sd), or a longer horizon",
                        RuntimeWarning,
                        stacklevel=4,
                    )
                se = ci.std / math.sqrt(ci.n) if ci.n >= 2 else math.nan
                floor = 1e-3 * max(abs(value), 1e-3)  # a noiseless statistic still needs a scale
                sd = se if math.isfinite(se) and se > floor else floor
            self.sigma[name] = sd
        for entry in self.memo.values():
            entry["objective"] = self._objective(entry["samples"])

    def _objective(self, samples) -> float:
        total = 0.0
        for name, (value, _) in self.wanted.items():
            values = samples[name][~np.isnan(samples[name])]
            if values.size == 0:
                return _UNUSABLE
            total += ((values.mean() - value) / self.sigma[name]) ** 2
        return float(total)

    def best(self) -> tuple:
        """The point with the lowest objective among those where every target has a value."""
        usable = [key for key in self.order if self.memo[key]["usable"]]
        if not usable:
            empty = {  # per target: at how many points no replication gave it a value
                name: sum(np.isnan(self.memo[key]["samples"][name]).all() for key in self.order)
                for name in self.wanted
            }
            never = [name for name, count in empty.items() if count == len(self.order)]
            names = never or [name for name, count in empty.items() if count]
            raise RuntimeError(
                f"calibrate: none of the {len(self.order)} points tried gave every target a "
                f"value: {', '.join(names)} came out NaN in every replication at "
                f"{'every point' if never else 'some points'} (e.g. a rate with nobody to "
                "count in the horizon); lengthen the horizon or target another statistic"
            )
        return min(usable, key=lambda key: self.memo[key]["objective"])

    def __call__(self, x) -> float:
        """The objective at unit point ``x`` (what scipy minimises)."""
        return self.batch([x])[0]["objective"]

    def _labels(self, key) -> dict[str, float]:
        return {p.path: p.value(u) for p, u in zip(self.space, key, strict=True)}

    def history(self) -> pd.DataFrame:
        rows = []
        for i, key in enumerate(self.order):
            entry = self.memo[key]
            rows.append(
                {
                    "evaluation": i,
                    **self._labels(key),
                    **{n: float(np.nanmean(s)) for n, s in entry["samples"].items()},
                    "objective": entry["objective"],
                }
            )
        return pd.DataFrame(rows)

    def manifest(self) -> dict[str, Any]:
        from sim.experiment.replications import _combined_manifest

        manifest = _combined_manifest(self.executions)
        manifest["scenarios"] = len(manifest["scenarios"])  # one per point: a count will do
        targets = {k: v[0] for k, v in self.wanted.items()}
        return dict(manifest, targets=targets, sigma=dict(self.sigma), reps=self.reps)


class _Budget(Exception):
    """Raised inside the objective when ``max_evaluations`` points have been simulated."""


def _local_search(search: _Search, x0: np.ndarray, method: str, tolerance: float, limit: int):
    """Polish from ``x0`` with bounded Nelder–Mead (or Powell) until converged or ``limit``."""
    d = len(x0)
    if method == "nelder-mead":
        simplex = [x0]
        for j in range(d):  # first steps span a quarter of each range, pointing inwards
            vertex = x0.copy()
            vertex[j] += 0.25 if vertex[j] + 0.25 <= 1.0 else -0.25
            simplex.append(vertex)
        options = dict(initial_simplex=np.array(simplex), xatol=tolerance, fatol=0.05)
    else:
        options = dict(xtol=tolerance, ftol=1e-3, direc=np.eye(d) * 0.25)
    options["maxfev"] = 10 * limit  # repeated points are free (memoised); the cap is below

    def objective(x) -> float:
        key = search._key(x)
        if key not in search.memo and search.evaluations >= limit:
            raise _Budget
        return search(x)

    from scipy import optimize as scipy_optimize  # imported on use, like qmc above

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # scipy's "maxfev reached"
        try:
            scipy_optimize.minimize(
                objective,
                x0,
                method="Nelder-Mead" if method == "nelder-mead" else "Powell",
                bounds=[(0.0, 1.0)] * d,
                options=options,
            )
        except _Budget:
            search.stopped = "max_evaluations reached"


# --------------------------------------------------------------------------- diagnostics
def _diagnose(search: _Search, best: np.ndarray, step: float):
    """Local Jacobian (±step of each range) and whole-range effects at the optimum."""
    d, names = len(best), list(search.wanted)
    points = []
    for j in range(d):
        for u in (best[j] - step, best[j] + step, 0.0, 1.0):
            x = best.copy()
            x[j] = min(max(u, 0.0), 1.0)
            points.append(x)
    results = search.batch(points, count=False)
    jacobian = pd.DataFrame(index=names, columns=[p.path for p in search.space], dtype=float)
    effect = jacobian.copy()
    moved = jacobian.copy().astype(bool)
    for j, p in enumerate(search.space):
        minus, plus, low, high = results[4 * j : 4 * j + 4]
        du = min(best[j] + step, 1.0) - max(best[j] - step, 0.0)
        for name in names:
            sigma = search.sigma[name]
            difference = np.nanmean(plus["samples"][name] - minus["samples"][name])
            jacobian.loc[name, p.path] = difference / (du * p.span) if du > 0 else math.nan
            change = high["samples"][name] - low["samples"][name]
            ci = mean_ci(change)
            effect.loc[name, p.path] = ci.mean / sigma
            noise = ci.half_width if math.isfinite(ci.half_width) else 0.0
            moved.loc[name, p.path] = abs(ci.mean) > max(2.0 * sigma, noise)
    notes = []
    for p in search.space:
        if not moved[p.path].any():
            strongest = effect[p.path].abs().max()
            notes.append(
                f"{p.path} is not identified: over its whole range ({_num(p.low)} … "
                f"{_num(p.high)}) no target moves by more than 2σ (largest move "
                f"{strongest:.2g}σ); its fitted value is arbitrary — fix it from other "
                "evidence or add a target it moves"
            )
    notes += _collinearity(jacobian, search)
    jacobian.index.name = effect.index.name = "statistic"
    return jacobian, effect, notes


def _collinearity(jacobian: pd.DataFrame, search: _Search) -> list[str]:
    """Nearly collinear or rank-deficient scaled Jacobian columns (among moving parameters)."""
    scale = np.array([[p.span / search.sigma[n] for p in search.space] for n in jacobian.index])
    scaled = jacobian.to_numpy(dtype=float) * scale
    if not np.isfinite(scaled).all() or scaled.shape[1] < 2:
        return []
    norms = np.linalg.norm(scaled, axis=0)
    live = [j for j in range(scaled.shape[1]) if norms[j] > 1e-9]
    notes = []
    paths = [p.path for p in search.space]
    for a in range(len(live)):
        for b in range(a + 1, len(live)):
            i, j = live[a], live[b]
            cosine = float(scaled[:, i] @ scaled[:, j] / (norms[i] * norms[j]))
            if abs(cosine) > 0.98:
                notes.append(
                    f"{paths[i]} and {paths[j]} are confounded: they move the targets in "
                    f"nearly the same proportions (|cos| = {abs(cosine):.3f}); the targets pin "
                    "down a combination of them, not each"
                )
    if len(live) >= 2 and not notes:
        unit = scaled[:, live] / norms[live]
        singular = np.linalg.svd(unit, compute_uv=False)
        rank = int((singular > 0.05 * singular[0]).sum())
        if rank < len(live):
            notes.append(
                f"the scaled Jacobian has rank {rank} for {len(live)} moving parameters "
                f"(singular values {', '.join(f'{s:.2g}' for s in singular)}): the targets "
                f"pin down only {rank} combination(s) of them"
            )
    return notes


def _bound_notes(space: list[_Param], best) -> list[str]:
    notes = []
    for p, u in zip(space, best, strict=True):
        if u <= 0.01 or u >= 0.99:
            side = "low" if u <= 0.01 else "high"
            notes.append(
                f"{p.path} = {_num(p.value(u))} is on its {side} bound: the best fit may lie "
                "outside the range — widen it if the field allows"
            )
    return notes


def _fit_table(point, wanted, sigma) -> pd.DataFrame:
    rows = {}
    for name, (value, _) in wanted.items():
        ci = mean_ci(point["samples"][name])
        rows[name] = {
            "target": value,
            "sd": sigma[name],
            "simulated": ci.mean,
            "ci_low": ci.low,
            "ci_high": ci.high,
            "n": ci.n,
            "z": (ci.mean - value) / sigma[name],
        }
    table = pd.DataFrame(rows).T
    table["n"] = table["n"].astype(int)
    table.index.name = "statistic"
    return table
