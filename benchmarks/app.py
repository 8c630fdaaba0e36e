"""The workshop app: time from a lever move to the first answer, without a browser.

What is measured: what the app's server does when a lever moves — the first replication of
the new setting (``Workshop.stream``, 90-day pizza runs, written to a fresh store) and the
two charts the page draws from it (gap map, why they left, as PNG) — for several moves of
the drivers and promise levers, one at a time; then the same settings again, which the store
answers. ``tests/test_app_browser.py`` measures the same in the real page (with the
browser's and the websocket's share) and prints it.

Target: first answer ≤ 1.5 s after a lever move (median), on 2 cores (issue 16).

"How robust is this?" (issue 17): the app's study of a setting against the shipped one
(``sim.app.robust.study``: 16 worlds × 2 settings × 1 replication of 90-day pizza, on the
app's 2-process pool and a fresh store) — the time to its first sentence (2 worlds) and to
the end, then the same question again, which the store answers. Target: the whole study
≤ 60 s on 2 cores (the room talks while it runs; the first sentence comes after 2 worlds).
"""

from __future__ import annotations

import io
import tempfile
import time
from pathlib import Path

from benchmarks.common import Stopwatch, log, median
from benchmarks.report import Section, Table, Target

MOVES = [("resources.driver.capacity", v) for v in (6, 7, 4)] + [
    ("touchpoints.delivery.promise.time", v) for v in (35, 45, 60, 25)
]


def _answer(shop, settings) -> None:
    import matplotlib.pyplot as plt

    from sim import plot

    answer = next(shop.stream(settings))
    for chart in (plot.gap_map, plot.why_they_left):
        figure = chart(answer)
        figure.savefig(io.BytesIO(), format="png", dpi=90)
        plt.close(figure)


def run(quick: bool = False) -> Section:
    import sim
    from sim.app.workshop import Workshop

    moves = MOVES[:3] if quick else MOVES
    with tempfile.TemporaryDirectory() as folder:
        shop = Workshop(
            sim.examples.load("pizza"), reps=1, workers=1, store=Path(folder) / "runs.sqlite"
        )
        _answer(shop, shop.shipped)  # imports and the first store write, as on page load
        first, again = [], []
        for times in (first, again):
            for path, value in moves:
                with Stopwatch() as watch:
                    _answer(shop, {**shop.shipped, path: value})
                times.append(watch.seconds)
            log(f"app: {len(moves)} moves, median {median(times):.2f} s")
    table = Table(
        f"APP — lever move to first answer, {len(moves)} moves (90-day pizza, 1 replication)",
        ["setting", "first time s", "again (store) s"],
        [
            [f"{p.split('.')[-2]} = {v}", a, b]
            for (p, v), a, b in zip(moves, first, again, strict=True)
        ],
    )
    table.notes.append("includes drawing the gap map and why-they-left charts as PNG")
    robust, robust_table = _robust(quick)
    figures = {"first_s": first, "again_s": again, "median_first_s": median(first), **robust}
    targets = [
        Target("app: lever move to first answer", 1.5, "s", False, median(first), "app (median)"),
        Target(
            "app: how robust is this? (whole study)",
            60.0,
            "s",
            False,
            robust["robust_total_s"],
            f"app ({robust['robust_worlds']} worlds)",
        ),
    ]
    return Section("app", [table, robust_table], figures, targets)


def _robust(quick: bool) -> tuple[dict, Table]:
    """The "How robust is this?" study of promise 60 against the shipped 30 minutes."""
    import sim
    from sim.app.robust import WORLDS, study
    from sim.app.workshop import Workshop

    worlds = 4 if quick else WORLDS
    with tempfile.TemporaryDirectory() as folder:
        shop = Workshop(
            sim.examples.load("pizza"), reps=2, workers=2, store=Path(folder) / "runs.sqlite"
        )
        shop.warm_up()  # the page starts the pool when it opens
        later = {**shop.shipped, "touchpoints.delivery.promise.time": 60}
        rows = []
        for label in ("first time", "again (store)"):
            with Stopwatch() as watch:
                steps = []
                for found in study(shop, later, shop.shipped, worlds=worlds):
                    steps.append((found.worlds, time.perf_counter() - watch.started))
            rows.append([label, steps[0][1], watch.seconds])
            log(f"app: how robust is this? {label}: {watch.seconds:.1f} s")
        shop.close()
    table = Table(
        f"APP — how robust is this? {worlds} worlds × 2 settings × 1 replication (90-day pizza, "
        "2 processes)",
        ["", "first sentence (2 worlds) s", "whole study s"],
        rows,
    )
    figures = {
        "robust_worlds": worlds,
        "robust_first_sentence_s": rows[0][1],
        "robust_total_s": rows[0][2],
        "robust_again_s": rows[1][2],
    }
    return figures, table
