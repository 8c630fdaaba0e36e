"""Engine ratio: the full model against the bare-SimPy skeleton, alternately in one process.

What is measured: for the shipped pizza scenario at its horizon (180 d; 60 d with
``--quick``), the wall time of ``sim.Model(scenario, seed, horizon).run()`` and of
:class:`benchmarks.skeleton.Skeleton` with the same seed and horizon, each timed from
construction to the end of the run (``time.perf_counter``), with ``gc.collect()`` before
each. The two alternate within each round (model first in even rounds, skeleton first in odd
ones, so slow drifts of a shared machine hit both alike); 5 rounds (3 with ``--quick``) with
seeds 1, 2, …; the medians of per-round figures are reported.

* episodes/s = purchase episodes completed in the horizon / wall time (model:
  ``kpis["purchases"]``; skeleton: its episode counter);
* events/s = SimPy events processed / wall time, counted as ``next(env._eid) −
  len(env._queue)`` after the run (free at run time);
* engine ratio = model episodes/s ÷ skeleton episodes/s (target ≥ 0.5): the share of bare
  SimPy speed the toolkit keeps once behaviour and metrics are added.

The skeleton's rates are measured on an untimed model run first (see
:mod:`benchmarks.skeleton`); both episode counts are printed so the match can be checked.
"""

from __future__ import annotations

import gc

from benchmarks.common import HOURS_PER_DAY, Stopwatch, count_events, log, median, per_second
from benchmarks.report import Section, Table, Target

#: Issue 14's throughput target: about twice the 13 k episodes/s it started from.
ISSUE_14_EPISODES = "pizza customer-episodes/s, one core (issue 14)"


def run(quick: bool = False) -> Section:
    import sim
    from benchmarks.skeleton import Skeleton, calibrate, tune

    scenario = sim.examples.load("pizza")
    horizon = 60 * HOURS_PER_DAY if quick else scenario.horizon
    rounds = 3 if quick else 5
    log(f"engine: calibrating the skeleton on a pizza model run ({horizon / 24:.0f} d)")
    rates = tune(scenario, calibrate(scenario, 1, horizon), horizon)
    rows = {"model": [], "skeleton": []}
    for index in range(rounds):
        seed = index + 1
        order = ("model", "skeleton") if index % 2 == 0 else ("skeleton", "model")
        for kind in order:
            gc.collect()
            with Stopwatch() as watch:
                if kind == "model":
                    model = sim.Model(scenario, seed=seed, horizon=horizon)
                    result = model.run()
                    episodes, events = int(result.kpis["purchases"]), count_events(model.env)
                    customers = int(result.kpis["acquired"])
                else:
                    done = Skeleton(scenario, rates, seed, horizon).run()
                    episodes, events, customers = done.episodes, done.events, done.customers
            rows[kind].append((watch.seconds, episodes, events, customers))
            log(
                f"engine: round {index + 1}/{rounds} {kind:8s} {watch.seconds:6.2f} s, "
                f"{episodes:,} episodes, {per_second(episodes, watch.seconds):,.0f} episodes/s"
            )
    figures = {"scenario": "pizza", "horizon_days": horizon / 24, "rounds": rounds}
    table = Table(
        f"ENGINE RATIO — pizza, {horizon / 24:.0f} d, median of {rounds} alternating rounds",
        [
            "engine",
            "wall s",
            "episodes",
            "customers",
            "events",
            "events/episode",
            "episodes/s",
            "events/s",
        ],
    )
    for kind, runs in rows.items():
        seconds, episodes, events, customers = (
            median(column) for column in zip(*runs, strict=True)
        )
        eps = median(per_second(r[1], r[0]) for r in runs)
        evs = median(per_second(r[2], r[0]) for r in runs)
        figures[kind] = {
            "wall_s": seconds,
            "episodes": episodes,
            "customers": customers,
            "events": events,
            "episodes_per_s": eps,
            "events_per_s": evs,
            "rounds": [
                {"wall_s": r[0], "episodes": r[1], "events": r[2], "customers": r[3]} for r in runs
            ],
        }
        table.rows.append(
            [kind, seconds, episodes, customers, events, per_second(events, episodes), eps, evs]
        )
    ratio = figures["model"]["episodes_per_s"] / figures["skeleton"]["episodes_per_s"]
    events_ratio = figures["model"]["events_per_s"] / figures["skeleton"]["events_per_s"]
    match = figures["skeleton"]["episodes"] / figures["model"]["episodes"] - 1.0
    figures.update(
        ratio=ratio,
        events_ratio=events_ratio,
        episode_mismatch=match,
        skeleton_rates=rates.as_dict(),
    )
    table.rows.append(["ratio model/skeleton", "", "", "", "", "", ratio, events_ratio])
    table.notes += [
        f"skeleton episodes {match:+.1%} vs the model (median of the rounds); "
        f"repurchase gap {rates.gap_hours / 24:.1f} d (scenario interval "
        f"{scenario.retention.interval / 24:.1f} d), churn {rates.churn:.3f}/episode, "
        f"talk {rates.talk:.3f}/episode × {rates.listeners:.2f} listeners",
        f"conversion paid {rates.paid_conversion:.3f}, referral "
        f"{rates.referral_conversion:.3f}; complaint {rates.complaint:.3f}/episode",
    ]
    targets = [
        Target("engine ratio (model/skeleton)", 0.5, "", True, ratio, "engine"),
        Target(
            "pizza customer-episodes/s, one core",
            50_000,
            "/s",
            True,
            figures["model"]["episodes_per_s"],
            f"engine ({horizon / 24:.0f} d)",
        ),
        Target(
            ISSUE_14_EPISODES,
            25_000,
            "/s",
            True,
            figures["model"]["episodes_per_s"],
            f"engine ({horizon / 24:.0f} d)",
        ),
    ]
    return Section("engine", [table], figures, targets)
