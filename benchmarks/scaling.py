"""Scaling: wall time against the horizon and against the arrival rate (should be linear).

What is measured: ``sim.Model(scenario, seed=1, horizon).run()`` in this process, timed from
construction to the returned Result, median of 3 runs of the same seed per point (1 with
``--quick``), on
the stationary pizza variant (:func:`benchmarks.common.stationary_pizza`: unlimited market,
so the work per simulated day does not fall as a finite market is used up).

* horizon: 45, 90, 180 and 360 d (15, 30, 60, 120 d with ``--quick``) at pizza's arrival
  rate;
* arrival rate: ``market.prospects_per_day`` × 0.5, 1, 2 and 4 at 90 d (30 d with
  ``--quick``); for factors above 1 the capacities are multiplied too, so utilisation and
  waits stay as in the shipped scenario and the rows differ only in the number of customers.

For each series least-squares lines of wall time against the varied quantity and against
the number of episodes are fitted and their R² reported, and the time per episode at every
point: linear scaling means a constant time per episode (no super-linear cost from a
growing event heap, customer list or queue); the spread of per-episode times (max/min) is
reported too. Against the horizon the work per day is not yet constant in the first months:
word of mouth and the pool of active customers take about a year to settle even in an
unlimited market, so the episodes per day still grow over the shorter horizons; judge
linearity by the time per episode and the fit against episodes.
"""

from __future__ import annotations

import gc

from benchmarks.common import (
    HOURS_PER_DAY,
    Stopwatch,
    count_events,
    linear_fit,
    log,
    median,
    stationary_pizza,
)
from benchmarks.report import Section, Table

HORIZONS, QUICK_HORIZONS = (45, 90, 180, 360), (15, 30, 60, 120)
FACTORS = (0.5, 1, 2, 4)
RATE_DAYS, QUICK_RATE_DAYS = 90, 30


def _measure(factor: float, days: float, rounds: int) -> dict:
    import sim

    scenario = stationary_pizza(factor)
    runs = []
    for _ in range(rounds):  # the same seed every round: the same work, timed again
        gc.collect()
        with Stopwatch() as watch:
            model = sim.Model(scenario, seed=1, horizon=days * HOURS_PER_DAY)
            result = model.run()
        runs.append(
            {
                "wall_s": watch.seconds,
                "episodes": int(result.kpis["purchases"]),
                "customers": int(result.kpis["acquired"]),
                "events": count_events(model.env),
            }
        )
    wall = median(r["wall_s"] for r in runs)
    episodes = runs[0]["episodes"]
    log(f"scaling: ×{factor} {days} d: {wall:.2f} s, {episodes:,} episodes")
    return {
        "factor": factor,
        "horizon_days": days,
        "wall_s": wall,
        "episodes": episodes,
        "customers": runs[0]["customers"],
        "events": runs[0]["events"],
        "us_per_episode": wall / episodes * 1e6 if episodes else float("nan"),
        "runs": runs,
    }


def _series(title: str, column: str, key: str, points: list[dict]) -> tuple[Table, dict]:
    xs = [p[key] for p in points]
    intercept, slope, r2 = linear_fit(xs, [p["wall_s"] for p in points])
    per_episode = [p["us_per_episode"] for p in points]
    spread = max(per_episode) / min(per_episode)
    table = Table(
        title,
        [column, "customers", "episodes", "events", "wall s", "µs / episode"],
        [
            [p[key], p["customers"], p["episodes"], p["events"], p["wall_s"], p["us_per_episode"]]
            for p in points
        ],
    )
    _, per_episode, r2_episodes = linear_fit(
        [p["episodes"] for p in points], [p["wall_s"] for p in points]
    )
    table.notes += [
        f"wall = {intercept:.3f} s + {slope:.4g} s × {column}; R² = {r2:.4f}",
        f"wall against episodes: {per_episode * 1e6:,.0f} µs per extra episode, "
        f"R² = {r2_episodes:.4f}; µs/episode max/min = {spread:.2f}",
    ]
    fit = {
        "intercept_s": intercept,
        "slope_s": slope,
        "r2": r2,
        "s_per_extra_episode": per_episode,
        "r2_episodes": r2_episodes,
        "per_episode_spread": spread,
    }
    return table, fit


def run(quick: bool = False) -> Section:
    rounds = 1 if quick else 3
    horizons = QUICK_HORIZONS if quick else HORIZONS
    rate_days = QUICK_RATE_DAYS if quick else RATE_DAYS
    by_horizon = [_measure(1, days, rounds) for days in horizons]
    by_rate = [_measure(factor, rate_days, rounds) for factor in FACTORS]
    horizon_table, horizon_fit = _series(
        f"SCALING — wall time against horizon (stationary pizza, median of {rounds})",
        "horizon d",
        "horizon_days",
        by_horizon,
    )
    rate_table, rate_fit = _series(
        f"SCALING — wall time against arrival rate (stationary pizza, {rate_days} d, "
        f"median of {rounds})",
        "rate ×",
        "factor",
        by_rate,
    )
    figures = {
        "horizon": {"points": by_horizon, "fit": horizon_fit},
        "rate": {"points": by_rate, "fit": rate_fit},
    }
    return Section("scaling", [horizon_table, rate_table], figures, [])
