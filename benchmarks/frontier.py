"""The policy frontier: the README's 200-run sweep of pizza's promised delivery time.

What is measured: ``sim.sweep(pizza, {"touchpoints.delivery.promise.time": [15, 20, …,
110]}, reps=10, workers=2, progress=False, cache=False)`` at the scenario's horizon (180 d) —
20 promises × 10 replications = 200 runs on a pool of 2 ``spawn`` processes, no store and no
cache, so every run is computed. This is the sweep ``docs/make_images.py --frontier`` draws
(the same promises and replications). The wall time (``time.perf_counter``) includes starting
the pool, as it does for a user. One call (``--quick``: 4 promises × 2 replications at 60 d,
8 runs). "Sum of run times" adds up the runs' own ``wall_time`` column: about twice the wall
time on 2 idle cores, less on a busy machine.

Target (issue 14): the 200-run sweep in ≤ 80 s on 2 cores.
"""

from __future__ import annotations

import gc
import os

from benchmarks.common import Stopwatch, log
from benchmarks.report import Section, Table, Target

PROMISE = "touchpoints.delivery.promise.time"
FULL = {"promises": list(range(15, 111, 5)), "reps": 10, "horizon": "180 d"}
QUICK = {"promises": [15, 45, 75, 105], "reps": 2, "horizon": "60 d"}
WORKERS = 2
TARGET_SECONDS = 80.0


def run(quick: bool = False) -> Section:
    import sim

    size = QUICK if quick else FULL
    runs = len(size["promises"]) * size["reps"]
    pizza = sim.examples.load("pizza")
    log(f"frontier: {runs} runs of pizza at {size['horizon']}, {WORKERS} workers")
    gc.collect()
    with Stopwatch() as watch:
        table = sim.sweep(
            pizza,
            {PROMISE: size["promises"]},
            reps=size["reps"],
            horizon=size["horizon"],
            workers=WORKERS,
            progress=False,
            cache=False,
        )
    busy = float(table["wall_time"].sum())
    episodes = int(table["purchases"].sum())
    log(f"frontier: {watch.seconds:.1f} s")
    result = Table(
        f"FRONTIER — pizza, {len(size['promises'])} delivery promises × {size['reps']} "
        f"replications at {size['horizon']} ({runs} runs), {WORKERS} workers",
        ["runs", "wall s", "runs/s", "sum of run times s", "episodes", "episodes/s"],
        [[runs, watch.seconds, runs / watch.seconds, busy, episodes, episodes / watch.seconds]],
    )
    result.notes += [
        "wall s includes starting the process pool (spawn, import sim); no store, no cache",
        f"{os.cpu_count()} CPU(s) on this machine",
    ]
    figures = {
        "runs": runs,
        "wall_s": watch.seconds,
        "sum_run_seconds": busy,
        "episodes": episodes,
        "workers": WORKERS,
        **size,
    }
    targets = (
        []
        if quick
        else [
            Target(
                "frontier sweep, 200 runs", TARGET_SECONDS, "s", False, watch.seconds, "frontier"
            )
        ]
    )
    return Section("frontier", [result], figures, targets)
