"""Sweeps: the same sweep with 1 worker and with 2 worker processes; speed-up = t₁ / t₂.

What is measured: ``sim.sweep(pizza, {"touchpoints.delivery.promise.time": [30, 40, 50,
60]}, reps=4, workers=w, progress=False, cache=False)`` — 16 runs (``--quick``: promises 30
and 60, 8 runs), no store and no cache, so nothing is reused between the two. ``workers=1``
runs in this process; ``workers=2`` starts a pool of 2 ``spawn`` processes, and the time to
start them (a fresh interpreter importing ``sim`` each) is part of t₂, as it is for a user.
The horizon is chosen from two pilot runs so that one run takes about 1.5 s (0.4 s with
``--quick``), whatever the engine's speed; it is printed. The two alternate, 3 rounds (1
with ``--quick``), and the medians are reported. "Sum of run times" adds up the runs' own
``wall_time`` column: if it is much larger with 2 workers than with 1, the two processes
were competing for the cores (a busy machine). Both sweeps must give identical KPIs (a run
is a pure function of its spec); the table says whether they did.

Target: speed-up ≥ 1.8× with 2 workers (on a machine with at least 2 idle cores).
"""

from __future__ import annotations

import gc
import math
import os

from benchmarks.common import HOURS_PER_DAY, Stopwatch, log, median
from benchmarks.report import Section, Table, Target

PROMISES, QUICK_PROMISES = [30, 40, 50, 60], [30, 60]
REPS = 4
RUN_SECONDS, QUICK_RUN_SECONDS = 1.5, 0.4
PILOT_DAYS = 30


def _horizon_days(scenario, seconds: float) -> float:
    """Days for one run of about ``seconds``: a pilot of :data:`PILOT_DAYS`, then one run at
    the horizon it suggests and a correction (the work per day is not constant: word of
    mouth builds up and a finite market is used up)."""
    import sim

    days = float(PILOT_DAYS)
    for _ in range(2):
        with Stopwatch() as watch:
            sim.run(scenario, seed=1, horizon=days * HOURS_PER_DAY)
        days = float(min(720, max(7, math.ceil(days * seconds / watch.seconds))))
    return days


def run(quick: bool = False) -> Section:
    import sim

    scenario = sim.examples.load("pizza")
    promises = QUICK_PROMISES if quick else PROMISES
    rounds = 1 if quick else 3
    days = _horizon_days(scenario, QUICK_RUN_SECONDS if quick else RUN_SECONDS)
    params = {"touchpoints.delivery.promise.time": promises}
    runs = len(promises) * REPS
    log(f"sweeps: {runs} runs of pizza at {days:.0f} d, workers 1 and 2, {rounds} round(s)")
    times: dict[int, list[float]] = {1: [], 2: []}
    run_seconds: dict[int, list[float]] = {1: [], 2: []}
    tables = {}
    for index in range(rounds):
        for workers in (1, 2) if index % 2 == 0 else (2, 1):
            gc.collect()
            with Stopwatch() as watch:
                table = sim.sweep(
                    scenario,
                    params,
                    reps=REPS,
                    horizon=days * HOURS_PER_DAY,
                    workers=workers,
                    progress=False,
                    cache=False,
                )
            times[workers].append(watch.seconds)
            run_seconds[workers].append(float(table["wall_time"].sum()))
            tables[workers] = table
            log(f"sweeps: round {index + 1}/{rounds}, {workers} worker(s): {watch.seconds:.2f} s")
    t1, t2 = median(times[1]), median(times[2])
    speedup = t1 / t2
    kpis = ["prospects", "acquired", "purchases", "profit"]
    identical = tables[1][kpis].equals(tables[2][kpis])
    result = Table(
        f"SWEEPS — {runs} pizza runs of {days:.0f} d (promise × {REPS} reps), median of {rounds}",
        ["workers", "wall s", "sum of run times s", "overhead s", "runs/s", "speed-up"],
    )
    for workers, wall in ((1, t1), (2, t2)):
        busy = median(run_seconds[workers])
        result.rows.append([workers, wall, busy, wall - busy / workers, runs / wall, t1 / wall])
    cpus = os.cpu_count() or 1
    result.notes += [
        f"identical KPIs with 1 and 2 workers: {'yes' if identical else 'NO'}; "
        f"{cpus} CPU(s) on this machine",
        "2-worker wall time includes starting the process pool (spawn, import sim); "
        "overhead = wall − sum of run times / workers (pool start, pickling, imbalance)",
    ]
    figures = {
        "horizon_days": days,
        "runs": runs,
        "rounds": rounds,
        "t1_s": t1,
        "t2_s": t2,
        "speedup": speedup,
        "identical": identical,
        "cpus": cpus,
        "times": {str(k): v for k, v in times.items()},
        "sum_run_seconds": {str(k): v for k, v in run_seconds.items()},
    }
    targets = [Target("2-worker sweep speed-up", 1.8, "×", True, speedup, f"sweeps ({runs} runs)")]
    return Section("sweeps", [result], figures, targets)
