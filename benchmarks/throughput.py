"""Throughput of every shipped scenario: SimPy events/s and customer-episodes/s.

What is measured: for each name in ``sim.examples.names()``, ``sim.Model(scenario,
seed).run()`` at the scenario's own horizon (at most 60 d with ``--quick``), timed from
model construction to the returned :class:`sim.Result` (``time.perf_counter``; imports and
scenario loading are outside), seeds 1–5 (one run with ``--quick``), median of the per-run
figures.

* episodes/s = ``result.kpis["purchases"]`` / wall time — customer purchase episodes;
* events/s = SimPy events processed / wall time, counted as ``next(env._eid) −
  len(env._queue)`` after the run;
* ``result.wall_time`` (the model's own timer: simulation plus building the result, without
  construction) is kept in the JSON as ``engine_wall_s``.

The pizza row is the figure for the target ≥ 50 k customer-episodes/s on one core.
"""

from __future__ import annotations

import gc

from benchmarks.common import HOURS_PER_DAY, Stopwatch, count_events, log, median, per_second
from benchmarks.engine import ISSUE_14_EPISODES
from benchmarks.report import Section, Table, Target

QUICK_HORIZON_DAYS = 60


def run(quick: bool = False) -> Section:
    import sim

    rounds = 1 if quick else 5
    table = Table(
        f"THROUGHPUT — shipped scenarios, median of {rounds} seed{'s' * (rounds > 1)}",
        [
            "scenario",
            "horizon d",
            "wall s",
            "customers",
            "episodes",
            "events",
            "events/episode",
            "events/s",
            "episodes/s",
        ],
    )
    figures: dict = {"rounds": rounds}
    targets = []
    for name in sim.examples.names():
        scenario = sim.examples.load(name)
        horizon = scenario.horizon
        if quick:
            horizon = min(horizon, QUICK_HORIZON_DAYS * HOURS_PER_DAY)
        runs = []
        for seed in range(1, rounds + 1):
            gc.collect()
            with Stopwatch() as watch:
                model = sim.Model(scenario, seed=seed, horizon=horizon)
                result = model.run()
            runs.append(
                {
                    "seed": seed,
                    "wall_s": watch.seconds,
                    "engine_wall_s": result.wall_time,
                    "customers": int(result.kpis["acquired"]),
                    "episodes": int(result.kpis["purchases"]),
                    "events": count_events(model.env),
                }
            )
            log(
                f"throughput: {name} seed {seed}: {watch.seconds:.2f} s, "
                f"{runs[-1]['episodes']:,} episodes"
            )
        row = {key: median(r[key] for r in runs) for key in runs[0] if key != "seed"}
        row["episodes_per_s"] = median(per_second(r["episodes"], r["wall_s"]) for r in runs)
        row["events_per_s"] = median(per_second(r["events"], r["wall_s"]) for r in runs)
        row["events_per_episode"] = per_second(row["events"], row["episodes"])
        row["horizon_days"] = horizon / HOURS_PER_DAY
        row["runs"] = runs
        figures[name] = row
        table.rows.append(
            [
                name,
                horizon / HOURS_PER_DAY,
                row["wall_s"],
                row["customers"],
                row["episodes"],
                row["events"],
                row["events_per_episode"],
                row["events_per_s"],
                row["episodes_per_s"],
            ]
        )
        if name == "pizza":
            targets.append(
                Target(
                    "pizza customer-episodes/s, one core",
                    50_000,
                    "/s",
                    True,
                    row["episodes_per_s"],
                    f"throughput ({horizon / HOURS_PER_DAY:.0f} d)",
                )
            )
            targets.append(
                Target(
                    ISSUE_14_EPISODES,
                    25_000,
                    "/s",
                    True,
                    row["episodes_per_s"],
                    f"throughput ({horizon / HOURS_PER_DAY:.0f} d)",
                )
            )
    table.notes.append("wall s: model construction + run + building the Result; one process")
    return Section("throughput", [table], figures, targets)
