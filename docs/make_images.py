"""Draw the README's images from code: ``python docs/make_images.py [--frontier]``.

Each image is written with a sidecar JSON of the words and numbers drawn on it, so
``tests/test_readme_images.py`` can redraw each image and fail when the committed one no
longer says what the model says. The policy frontier (a 30-run sweep, about 35 s on 2 cores)
is redrawn only with ``--frontier``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sim  # noqa: E402
from sim import plot  # noqa: E402
from sim.kpis import KPIS  # noqa: E402

IMAGES = ROOT / "docs" / "img"
PROMISE = "touchpoints.delivery.promise.time"
#: The frontier's design: ten promised times (minutes) × 3 replications of the shipped 180
#: days, 30 runs: coarse enough for the test suite to redraw it on every change.
FRONTIER_PROMISES = list(range(15, 106, 10))
FRONTIER_REPS = 3
FRONTIER_KPIS = ("profit", "satisfaction_mean", "acquired")


def gap_map():
    """The pizza shop's gap map: the shipped scenario, seed 1, its own horizon."""
    return plot.gap_map(sim.run(sim.examples.load("pizza"), seed=1))


def policy_frontier():
    """Profit, satisfaction and customers won against the promised delivery time."""
    runs = sim.sweep(
        sim.examples.load("pizza"),
        {PROMISE: FRONTIER_PROMISES},
        reps=FRONTIER_REPS,
        progress=False,
        cache=True,  # redrawing after a style change reuses the runs
    )
    return plot.policy_frontier(runs, PROMISE, kpis=FRONTIER_KPIS, currency="THB", unit="min")


def numbers(figure) -> dict[str, dict]:
    """What a reader takes from each panel of the frontier, by KPI: the mean drawn at every
    promise, rounded to three significant figures and written as the KPI registry writes it,
    and the best promise (the dotted line)."""
    kpis = {kpi.label: kpi for kpi in KPIS.values()}
    panels = {}
    for ax in figure.axes:
        kpi = kpis[ax.get_title()]
        curve = next(line for line in ax.lines if line.get_marker() == "o")
        [marker] = [line for line in ax.lines if line is not curve]
        panels[kpi.name] = {
            "means": {
                f"{x:g}": kpi.format(float(f"{y:.3g}"), currency="THB")
                for x, y in zip(curve.get_xdata(), curve.get_ydata(), strict=True)
            },
            "best": float(marker.get_xdata()[0]),
        }
    return panels


def words(figure) -> list[str]:
    """Every text drawn on the figure's first axes: title, labels, ticks and annotations."""
    figure.canvas.draw()
    texts = []
    for ax in figure.axes:
        texts += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        texts += [t.get_text() for t in ax.texts]
        texts += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
    return [t for t in texts if t]


def sidecar(name: str, figure) -> list | dict:
    """What the sidecar JSON holds: the words drawn, and for the frontier its numbers."""
    if name == "pizza_policy_frontier":
        return {"words": words(figure), "numbers": numbers(figure)}
    return words(figure)


def save(name: str, figure) -> None:
    figure.savefig(IMAGES / f"{name}.png", dpi=100)
    text = json.dumps(sidecar(name, figure), ensure_ascii=False, indent=1)
    (IMAGES / f"{name}.json").write_text(text + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frontier", action="store_true", help="also redraw the frontier")
    args = parser.parse_args()
    save("pizza_gap_map", gap_map())
    if args.frontier:
        save("pizza_policy_frontier", policy_frontier())


if __name__ == "__main__":
    main()
