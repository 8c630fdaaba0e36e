"""Robustness: the cost of a robustness study, first run and re-run from the store.

What is measured: ``sim.robustness(pizza, {"30 min": {}, "60 min": promise 60},
n_worlds=64, reps=3, horizon="90 d", workers=2, cache=False, store=<new file>)`` — 2 policies
× 64 worlds × 3 replications = 384 runs on 2 worker processes (``--quick``: 8 worlds, 1
replication, 14 days). The wall time includes starting the pool and the scenario discovery of
the answer's sentence. Then the same call again: every run comes from the store, so a re-run
(or a study that adds policies or Sobol' worlds to the same store) costs only what is new.

Target (issue 17): the 384-run study in ≤ 180 s on 2 cores.
"""

from __future__ import annotations

import gc
import os
import tempfile
from pathlib import Path

from benchmarks.common import Stopwatch, log
from benchmarks.report import Section, Table, Target

POLICIES = {"30 min": {}, "60 min": {"touchpoints.delivery.promise.time": 60}}
FULL = {"n_worlds": 64, "reps": 3, "horizon": "90 d"}
QUICK = {"n_worlds": 8, "reps": 1, "horizon": "14 d"}
TARGET_SECONDS = 180.0


def run(quick: bool = False) -> Section:
    import sim

    size = QUICK if quick else FULL
    runs = len(POLICIES) * size["n_worlds"] * size["reps"]
    pizza = sim.examples.load("pizza")
    times, sentences, busy = [], [], []
    with tempfile.TemporaryDirectory() as folder:
        store = Path(folder) / "robust.sqlite"
        for attempt in ("first run", "re-run"):
            gc.collect()
            log(f"robustness: {runs} runs of pizza at {size['horizon']}, {attempt}")
            with Stopwatch() as watch:
                study = sim.robustness(
                    pizza, POLICIES, **size, workers=2, store=store, cache=False, progress=False
                )
                sentences.append(study.sentence("60 min", "30 min", "profit"))
            times.append(watch.seconds)
            busy.append(float(study.runs["wall_time"].sum()))
            log(f"robustness: {attempt} {watch.seconds:.1f} s")
    first, again = times
    table = Table(
        f"ROBUSTNESS — pizza, 2 policies × {size['n_worlds']} worlds × {size['reps']} "
        f"replications at {size['horizon']} ({runs} runs), 2 workers",
        ["call", "wall s", "runs/s", "from the store", "sum of run times s"],
        [
            ["first run", first, runs / first, 0, busy[0]],
            ["re-run", again, runs / again, runs, None],  # nothing ran
        ],
    )
    table.notes += [
        f"answer: {sentences[0]}",
        "sum of run times: the runs' own wall times added up; on 2 idle cores the first "
        "call's wall time is about half of it plus the pool's start (more: a busy machine)",
        f"the same answer from the store: {'yes' if sentences[0] == sentences[1] else 'NO'}; "
        f"{os.cpu_count()} CPU(s) on this machine",
    ]
    figures = {
        "runs": runs,
        "first_s": first,
        "rerun_s": again,
        "sum_run_seconds": busy[0],
        "sentence": sentences[0],
        **size,
    }
    targets = (
        []
        if quick
        else [Target("robustness study, 384 runs", TARGET_SECONDS, "s", False, first, "robustness")]
    )
    return Section("robustness", [table], figures, targets)
