"""The calendar's cost (module not named calendar: it would hide the standard library's).

Pizza with and without a demand profile, shifts and opening hours.

What is measured: four versions of the shipped pizza scenario, each
``sim.Model(scenario, seed, horizon).run()`` timed from construction to the returned
result (``time.perf_counter``, ``gc.collect()`` before each), at 180 d (60 d with
``--quick``). The versions alternate within each round, in a rotated order, so slow drifts
of a shared machine hit all alike; 7 rounds (3 with ``--quick``), seeds 1, 2, …; medians of
the per-round figures, and the fastest round (a shared machine only ever adds time, so the
fastest round is the least disturbed: the targets use it).

* **round the clock** — pizza without its calendar: flat demand, 7 ovens and 11 drivers
  working (and paid) 24/7: the baseline;
* **flat profile** — the same with ``calendar.hours`` all equal: equal weights are no
  profile, so this must cost nothing (target: within 5% of the baseline, the noise of a
  shared machine);
* **dinner peak** — the baseline with pizza's hour and weekday demand profile (inversion of
  the non-homogeneous Poisson process for every arrival, referral and repeat purchase);
* **pizza as shipped** — the peak plus shifts and opening hours.

Run time per purchase episode is the fair comparison (a peak changes how many purchases the
same market makes); the target is the issue's: a peaked profile adds at most 15%.
"""

from __future__ import annotations

import gc

from benchmarks.common import HOURS_PER_DAY, Stopwatch, log, median, per_second
from benchmarks.report import Section, Table, Target

VERSIONS = ("round the clock", "flat profile", "dinner peak", "pizza as shipped")


def scenarios() -> dict:
    """The four versions of pizza, by name."""
    import sim

    pizza = sim.examples.load("pizza")
    calendar = pizza.calendar
    assert not calendar.flat, "the shipped pizza has a demand profile"
    baseline = pizza.replace({"calendar": {}})
    return {
        "round the clock": baseline,
        "flat profile": baseline.replace({"calendar.hours": [1.0] * 24}),
        "dinner peak": baseline.replace(
            {"calendar.hours": list(calendar.hours), "calendar.days": list(calendar.days)}
        ),
        "pizza as shipped": pizza,
    }


def run(quick: bool = False) -> Section:
    import sim

    versions = scenarios()
    horizon = (60 if quick else 180) * HOURS_PER_DAY
    rounds = 3 if quick else 7
    runs: dict[str, list[tuple[float, int]]] = {name: [] for name in VERSIONS}
    for index in range(rounds):
        order = VERSIONS[index % 4 :] + VERSIONS[: index % 4]
        for name in order:
            gc.collect()
            with Stopwatch() as watch:
                result = sim.Model(versions[name], seed=index + 1, horizon=horizon).run()
            episodes = int(result.kpis["purchases"])
            runs[name].append((watch.seconds, episodes))
            log(
                f"timetable: round {index + 1}/{rounds} {name:16s} {watch.seconds:6.2f} s, "
                f"{episodes:,} episodes"
            )
    table = Table(
        f"TIMETABLE (calendar) — pizza, {horizon / 24:.0f} d, {rounds} alternating rounds",
        [
            "version",
            "wall s (median)",
            "episodes",
            "µs/episode (median)",
            "µs/episode (fastest)",
            "vs round the clock (median)",
            "vs round the clock (fastest)",
        ],
    )
    figures: dict = {"horizon_days": horizon / 24, "rounds": rounds}
    base = median(s / e * 1e6 for s, e in runs["round the clock"])
    base_fastest = min(s / e * 1e6 for s, e in runs["round the clock"])
    for name in VERSIONS:
        seconds = median(s for s, _ in runs[name])
        episodes = median(e for _, e in runs[name])
        per_episode = median(s / e * 1e6 for s, e in runs[name])
        fastest = min(s / e * 1e6 for s, e in runs[name])
        figures[name] = {
            "wall_s": seconds,
            "episodes": episodes,
            "episodes_per_s": per_second(episodes, seconds),
            "us_per_episode": per_episode,
            "us_per_episode_fastest": fastest,
            "overhead": per_episode / base - 1.0,
            "overhead_fastest": fastest / base_fastest - 1.0,
            "rounds": [{"wall_s": s, "episodes": e} for s, e in runs[name]],
        }
        table.rows.append(
            [
                name,
                seconds,
                episodes,
                per_episode,
                fastest,
                f"{per_episode / base - 1.0:+.1%}",
                f"{fastest / base_fastest - 1.0:+.1%}",
            ]
        )
    table.notes.append(
        "overhead = µs per purchase episode against round the clock (same seeds, same market);"
        " flat profile runs the very same code as round the clock, so its figure is the noise"
    )
    targets = [
        Target(
            "flat profile overhead per episode",
            0.05,
            "",
            False,
            figures["flat profile"]["overhead_fastest"],
            "timetable",
        ),
        Target(
            "dinner-peak overhead per episode",
            0.15,
            "",
            False,
            figures["dinner peak"]["overhead_fastest"],
            "timetable",
        ),
    ]
    return Section("timetable", [table], figures, targets)
