"""Run many simulations: seeds, executors, the store, the cache, progress, interruption.

A :class:`RunSpec` is everything that determines one run's numbers. Replication ``r`` of an
experiment with seed ``s`` draws from ``SeedSequence(s, spawn_key=(r,))`` whatever the policy
or parameter values, so every policy meets the same prospects with the same personal draws
(common random numbers; :mod:`sim.rng` ties each draw to a customer and a purpose, so this
holds even when a policy changes the order of events).

:func:`execute` runs specs on any ``concurrent.futures.Executor`` (default: a process pool
on all local cores, started with ``spawn`` so it works in Jupyter on every OS), writes every
finished run to the store at once, shows a tqdm bar, and survives failures and Ctrl-C.
Results do not depend on the executor or the number of workers: a run is a pure function of
its spec.

>>> from sim import examples
>>> spec = RunSpec(examples.load("pizza"), seed=1, replication=0, horizon=48.0)
>>> [outcome] = execute([spec], progress=False).outcomes
>>> outcome.kpis["prospects"] > 0
True
"""

from __future__ import annotations

import ast
import hashlib
import inspect
import json
import multiprocessing
import os
import sys
import threading
import time
import warnings
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Unpack

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from sim.engine import run
from sim.experiment.arguments import Arguments, RunOptions
from sim.experiment.store import RunStore
from sim.metrics import KPI_NAMES
from sim.scenario import Scenario
from sim.version import __version__


def _model_version() -> str:
    """Package version plus a hash of the package's source and of the versions of the
    libraries whose numbers it uses: any change to either is a new model."""
    import scipy
    import simpy

    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parents[1].rglob("*.py")):
        digest.update(path.read_bytes())
    for library in (np, scipy, simpy):
        digest.update(f"{library.__name__}={library.__version__}".encode())
    return f"{__version__}+{digest.hexdigest()[:10]}"


MODEL_VERSION = _model_version()


@dataclass(frozen=True)
class RunSpec:
    """One run: a scenario, the experiment seed, a replication index and a horizon (hours).

    ``stream`` > 0 gives the run its own random numbers instead of sharing replication r's
    with every other spec (used to show what common random numbers buy).
    ``labels`` (policy name, parameter values) travel with the run into the output table.
    ``measure`` (optional) computes more statistics from the run's
    :class:`~sim.result.Result`: a picklable callable returning ``{name: float}``, with a
    ``key`` (text identifying what it computes, part of the store key) and ``episodes``
    (whether it needs ``Result.episodes``); see :class:`sim.experiment.calibrate.Statistics`.
    """

    scenario: Scenario
    seed: int
    replication: int
    horizon: float
    labels: dict[str, Any] = field(default_factory=dict, compare=False)
    stream: int = 0
    measure: Any = None

    @property
    def seed_sequence(self) -> np.random.SeedSequence:
        spawn_key = (self.replication,) if self.stream == 0 else (self.replication, self.stream)
        return np.random.SeedSequence(self.seed, spawn_key=spawn_key)

    @cached_property  # frozen dataclass: cached_property writes the instance dict directly
    def key(self) -> str:
        """Content hash of what determines the numbers (the store and cache key)."""
        identity = [
            MODEL_VERSION,
            self.scenario.fingerprint,
            self.seed,
            self.replication,
            self.stream,
            repr(float(self.horizon)),
        ]
        if self.measure is not None:  # only then: keys of plain runs stay as they were
            identity.append(self.measure.key)
        return hashlib.sha256(json.dumps(identity).encode()).hexdigest()[:24]

    def record(self) -> dict[str, Any]:
        """Labels plus the run's identity, as stored and as shown in tables."""
        return {
            **self.labels,
            "replication": self.replication,
            "seed": self.seed,
            "stream": self.stream,
            "scenario": self.scenario.fingerprint,
            "horizon_hours": self.horizon,
        }


def simulate(spec: RunSpec) -> tuple[dict[str, float], float]:
    """Run one spec; return its KPIs (and the measure's statistics) and wall time. A
    top-level function so it pickles."""
    started = time.perf_counter()
    episodes = bool(getattr(spec.measure, "episodes", False))
    result = run(
        spec.scenario,
        seed=spec.seed_sequence,
        horizon=spec.horizon,
        episodes=episodes,
        progress=False,  # the experiment's own bar counts runs
    )
    kpis = {name: float(value) for name, value in result.kpis.items()}
    if spec.measure is not None:
        kpis.update({name: float(value) for name, value in spec.measure(result).items()})
    return kpis, time.perf_counter() - started


_WORKER_DIED = (
    "BrokenProcessPool: a worker process died (killed, out of memory, or could not start)"
)


class RunsFailedError(RuntimeError):
    """Every run of a call failed: there are no numbers to report. ``execution`` holds each
    run's error (all of them are also in the store, so a re-run retries them)."""

    def __init__(self, message: str, execution: Execution) -> None:
        super().__init__(message)
        self.execution = execution


@dataclass
class Outcome:
    """What happened to one spec: its KPIs, or the error it raised."""

    spec: RunSpec
    kpis: dict[str, float] | None
    error: str | None
    wall_time: float
    stored: bool = False  # came from the store or cache, not run now


@dataclass
class Execution:
    """Outcomes in spec order, with counts and timing for the manifest."""

    outcomes: list[Outcome]
    wall_time: float
    workers: int

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.error is not None]

    def frame(self) -> pd.DataFrame:
        """One row per run: labels, replication, seed, KPIs, error, wall time."""
        rows = []
        for outcome in self.outcomes:
            row = outcome.spec.record()
            # failed runs get NaN for every KPI, so the columns never depend on luck
            row.update(outcome.kpis or dict.fromkeys(KPI_NAMES, float("nan")))
            row["error"] = outcome.error
            row["wall_time"] = outcome.wall_time
            rows.append(row)
        return pd.DataFrame(rows)

    def manifest(self, **extra: Any) -> dict[str, Any]:
        """Provenance: versions, scenario hashes, seeds, horizon, counts, wall time."""
        specs = [o.spec for o in self.outcomes]
        return {
            "package": __version__,
            "model_version": MODEL_VERSION,
            "scenarios": sorted({s.scenario.fingerprint for s in specs}),
            "seeds": sorted({s.seed for s in specs}),
            "replications": len({s.replication for s in specs}),
            "horizon_hours": sorted({s.horizon for s in specs}),
            "runs": len(specs),
            "from_store": sum(o.stored for o in self.outcomes),
            "failed": len(self.failed),
            "workers": self.workers,
            "wall_time_s": round(self.wall_time, 3),
            **extra,
        }


# --------------------------------------------------------------------------- the cache
def default_cache_path() -> Path:
    """Where cached runs live: ``$XDG_CACHE_HOME/promise-gap/runs.sqlite``."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "promise-gap" / "runs.sqlite"


def in_notebook() -> bool:
    """True inside a Jupyter kernel, where the cache is on by default."""
    return "ipykernel" in sys.modules


def clear_cache() -> None:
    """Forget every cached run (the next call simulates again).

    >>> clear_cache()
    """
    path = default_cache_path()
    if path.exists():
        cache = RunStore(path)
        cache.clear()
        cache.close()


def _open_stores(store, cache) -> tuple[list[RunStore], list[RunStore]]:
    """The stores to read and write, and those of them we opened (and so must close)."""
    stores, opened = [], []
    if store is not None:
        if isinstance(store, RunStore):
            stores.append(store)  # the caller's: used, never closed here
        else:
            opened.append(RunStore(store))
            stores.append(opened[-1])
    use_cache = in_notebook() if cache is None else bool(cache)
    if use_cache:
        path = default_cache_path() if cache in (None, True) else Path(cache)
        opened.append(RunStore(path))
        stores.append(opened[-1])
    return stores, opened


# --------------------------------------------------------------------------- execution
def local_executor(workers: int | None, runs: int) -> tuple[Executor | None, int]:
    """A process pool on ``workers`` cores (default: all), or None to run in-process.

    Uses the ``spawn`` start method: the work function is :func:`simulate`, importable by any
    fresh interpreter, so nothing defined in a notebook has to pickle. Each worker exits when
    this process dies (see :func:`_exit_with_parent`). Falls back to sequential with a
    warning where processes cannot be started, including a script that would start an
    experiment again in every worker (see :func:`unguarded_script`).
    """
    cores = os.cpu_count() or 1
    if workers and workers > cores:
        warnings.warn(
            f"workers={workers}: this machine has {cores} cores; using {cores} (more "
            "processes than cores only add memory)",
            RuntimeWarning,
            stacklevel=4,
        )
    workers = min(workers or cores, cores, max(runs, 1))
    if workers <= 1:
        return None, 1
    script = unguarded_script()
    if script:
        warnings.warn(
            f"running sequentially: {script}. Put the experiment under "
            "'if __name__ == \"__main__\":' to use every core",
            RuntimeWarning,
            stacklevel=4,
        )
        return None, 1
    try:
        pool = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_exit_with_parent,
        )
    except (OSError, NotImplementedError, ValueError) as error:
        warnings.warn(
            f"cannot start worker processes ({error}); running sequentially",
            RuntimeWarning,
            stacklevel=3,
        )
        return None, 1
    return pool, workers


def execute(
    specs: list[RunSpec], *, description: str = "runs", **options: Unpack[RunOptions]
) -> Execution:
    """Run ``specs``, skipping those already in the store or the cache; return every outcome.

    ``options`` are the :class:`~sim.experiment.arguments.RunOptions` every experiment
    takes (executor, workers, store, cache, progress). Each finished run is written to the
    store (and cache) the moment it returns. A run that raises is recorded with its error
    and the others go on. On Ctrl-C the pending runs are cancelled and everything finished
    stays stored; re-running the same call resumes.
    """
    arguments = Arguments()
    workers = arguments.run_options(options)
    arguments.done()
    executor, store = options.get("executor"), options.get("store")
    cache, progress = options.get("cache"), options.get("progress", True)
    started = time.perf_counter()
    stores, opened = _open_stores(store, cache)
    outcomes: dict[int, Outcome] = {}
    known: dict[str, dict] = {}
    keys = [spec.key for spec in specs]
    found_in = [s.get_many(keys) for s in stores]
    for hits in found_in:
        known.update({k: v for k, v in hits.items() if k not in known})
    # a run found in one store (say the cache) is copied into the others, so an explicit
    # store is always the full record of the experiment
    for s, hits in zip(stores, found_in, strict=True):
        for spec in specs:
            if spec.key in known and spec.key not in hits:
                hit = known[spec.key]
                s.put(spec.key, spec.record(), hit["kpis"], None, hit["wall_time"])
    pending = []
    for index, spec in enumerate(specs):
        hit = known.get(spec.key)
        if hit is None:
            pending.append(index)
        else:
            outcomes[index] = Outcome(spec, hit["kpis"], None, hit["wall_time"], stored=True)

    def finish(index: int, kpis, error, wall_time) -> None:
        outcomes[index] = Outcome(specs[index], kpis, error, wall_time)
        for s in stores:
            s.put(specs[index].key, specs[index].record(), kpis, error, wall_time)
        bar.update(1)

    own_pool = executor is None
    pool, n_workers = local_executor(workers, len(pending)) if own_pool else (executor, 0)
    bar = tqdm(
        total=len(specs),
        initial=len(specs) - len(pending),
        desc=description,
        unit="run",
        disable=not progress,
        leave=True,
    )
    try:
        if pool is None:
            for index in pending:
                kpis, error, wall_time = _run_here(specs[index])
                finish(index, kpis, error, wall_time)
        else:
            _run_on(pool, own_pool, pending, specs, finish, workers)
    finally:
        bar.close()
        for s in opened:
            s.close()
    order = [outcomes[i] for i in range(len(specs))]
    execution = Execution(order, time.perf_counter() - started, n_workers or _workers_of(pool))
    if execution.failed:
        first = execution.failed[0]
        if len(execution.failed) == len(specs):
            raise RunsFailedError(f"all {len(specs)} runs failed; first: {first.error}", execution)
        warnings.warn(
            f"{len(execution.failed)} of {len(specs)} runs failed; first: {first.error}",
            RuntimeWarning,
            stacklevel=2,
        )
    return execution


def unguarded_script() -> str:
    """Why worker processes cannot start here, or '' if they can.

    A ``spawn`` worker first re-runs the main script (as ``__mp_main__``). A script read from
    standard input cannot be re-run, and one that starts an experiment at module level,
    outside ``if __name__ == "__main__":``, would start it again in every worker, which
    Python refuses, so the pool breaks. Notebooks and ``python -c`` have no script to re-run.

    >>> unguarded_script()  # under pytest or a notebook there is no script to re-run
    ''
    """
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if path is None:
        return ""
    if not os.path.isfile(path):
        return f"the main script ({path}) cannot be re-run by worker processes"
    for frame_info in inspect.stack(context=0):
        frame = frame_info.frame
        at_top = frame.f_globals is main.__dict__ and frame.f_code.co_name == "<module>"
        if at_top and not _inside_main_guard(path, frame.f_lineno):
            return f"{os.path.basename(path)} starts it at module level (line {frame.f_lineno})"
    return ""


def _inside_main_guard(path: str, line: int) -> bool:
    """Whether ``line`` of the script lies inside an ``if __name__ == "__main__":`` block."""
    try:
        tree = ast.parse(Path(path).read_text(encoding="utf-8-sig"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return False
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.If)
            and isinstance(node.test, ast.Compare)
            and "__name__" in ast.unparse(node.test)
            and "__main__" in ast.unparse(node.test)
            and node.body[0].lineno <= line <= node.body[-1].end_lineno
        ):
            return True
    return False


def _exit_with_parent() -> None:
    """Worker initializer: end this worker as soon as the process that started it dies
    (``kill -9`` of a sweep must not leave workers simulating for nobody)."""
    parent = multiprocessing.parent_process()
    if parent is None:  # pragma: no cover - only ever called in a worker
        return

    def watch() -> None:
        parent.join()
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def _run_here(spec: RunSpec):
    started = time.perf_counter()
    try:
        kpis, wall_time = simulate(spec)
    except Exception as error:  # recorded, and the sweep goes on
        return None, f"{type(error).__name__}: {error}", time.perf_counter() - started
    return kpis, None, wall_time


def _run_on(pool: Executor, own_pool: bool, pending: list[int], specs, finish, workers) -> None:
    """Submit to ``pool``; if a worker process dies, retry the unfinished runs once on a
    fresh pool (only for pools we own) before recording them as failed."""
    attempts = {index: 0 for index in pending}
    queue = list(pending)
    interrupted = False
    try:
        while queue:
            futures = {pool.submit(simulate, specs[index]): index for index in queue}
            queue = []
            broken = False
            try:
                for future in as_completed(futures):
                    index = futures[future]
                    try:
                        kpis, wall_time = future.result()
                    except BrokenProcessPool:
                        broken = True
                        attempts[index] += 1
                        if own_pool and attempts[index] <= 1:
                            queue.append(index)
                        else:
                            finish(index, None, _WORKER_DIED, 0.0)
                    except Exception as error:
                        finish(index, None, f"{type(error).__name__}: {error}", 0.0)
                    else:
                        finish(index, kpis, None, wall_time)
            except KeyboardInterrupt:
                interrupted = True  # finished runs are already stored; drop the rest
                for future in futures:
                    future.cancel()
                raise
            if broken and queue:
                pool.shutdown(wait=False, cancel_futures=True)
                pool, _ = local_executor(workers, len(queue))
                if pool is None:  # cannot start processes any more: finish here
                    for index in queue:
                        finish(index, *_run_here(specs[index]))
                    return
    finally:
        if own_pool and pool is not None:
            pool.shutdown(wait=not interrupted, cancel_futures=True)


def _workers_of(pool) -> int:
    """Worker count of a process pool or a dask executor (1 if it cannot be told)."""
    if pool is None:
        return 1
    if hasattr(pool, "_max_workers"):
        return pool._max_workers
    client = getattr(pool, "_client", None)  # dask.distributed's ClientExecutor
    try:
        return max(1, len(client.scheduler_info()["workers"]))
    except (AttributeError, KeyError, TypeError):
        return 1
