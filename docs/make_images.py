"""Draw the README's images from code: ``python docs/make_images.py [--frontier]``.

Each image is written with a sidecar JSON of the words and numbers drawn on it, so
``tests/test_readme_images.py`` can redraw the gap map and fail when the committed image no
longer says what the model says. The policy frontier (a 20-value × 10-replication sweep,
a few minutes) is redrawn only with ``--frontier``.
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

IMAGES = ROOT / "docs" / "img"
PROMISE = "touchpoints.delivery.promise.time"


def gap_map():
    """The pizza shop's gap map: the shipped scenario, seed 1, its own horizon."""
    return plot.gap_map(sim.run(sim.examples.load("pizza"), seed=1))


def policy_frontier():
    """Profit, satisfaction and customers won against the promised delivery time."""
    runs = sim.sweep(
        sim.examples.load("pizza"),
        {PROMISE: list(range(15, 111, 5))},
        reps=10,
        progress=False,
        cache=True,  # redrawing after a style change reuses the runs
    )
    kpis = ("profit", "satisfaction_mean", "acquired")
    return plot.policy_frontier(runs, PROMISE, kpis=kpis, currency="THB", unit="min")


def words(figure) -> list[str]:
    """Every text drawn on the figure's first axes: title, labels, ticks and annotations."""
    figure.canvas.draw()
    texts = []
    for ax in figure.axes:
        texts += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        texts += [t.get_text() for t in ax.texts]
        texts += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
    return [t for t in texts if t]


def save(name: str, figure) -> None:
    figure.savefig(IMAGES / f"{name}.png", dpi=100)
    sidecar = IMAGES / f"{name}.json"
    sidecar.write_text(json.dumps(words(figure), ensure_ascii=False, indent=1) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frontier", action="store_true", help="also redraw the frontier")
    args = parser.parse_args()
    save("pizza_gap_map", gap_map())
    if args.frontier:
        save("pizza_policy_frontier", policy_frontier())


if __name__ == "__main__":
    main()
