"""The README's images come from code (docs/make_images.py) and say what the model says.

Each image has a sidecar JSON of the words and numbers drawn on it. Both images are redrawn
here and compared with their sidecars, so a model change that moves a number on one fails
until ``python docs/make_images.py [--frontier]`` redraws it.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import matplotlib.pyplot as plt
import pytest

from sim.kpis import KPIS

ROOT = Path(__file__).resolve().parents[1]
IMAGES = ROOT / "docs" / "img"


def _make_images():
    spec = importlib.util.spec_from_file_location("make_images", ROOT / "docs" / "make_images.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_readme_gap_map_says_what_the_model_says():
    make = _make_images()
    figure = make.gap_map()
    drawn = make.words(figure)
    plt.close(figure)
    committed = json.loads((IMAGES / "pizza_gap_map.json").read_text(encoding="utf-8"))
    assert drawn == committed, "docs/img/pizza_gap_map.png is stale: python docs/make_images.py"


@pytest.mark.slow
def test_the_readme_policy_frontier_says_what_the_model_says():
    """The frontier's words (titles, axes, ticks) and numbers (the mean at every promise as a
    reader reads it, three significant figures, and the best promise of each panel) are the
    model's. Cost: the sweep behind it, 10 promises × 3 replications of 180 days = 30 runs,
    about 65 s of computing, 35 s on 2 cores."""
    make = _make_images()
    figure = make.policy_frontier()
    drawn = make.sidecar("pizza_policy_frontier", figure)
    plt.close(figure)
    committed = json.loads((IMAGES / "pizza_policy_frontier.json").read_text(encoding="utf-8"))
    assert drawn["numbers"] == committed["numbers"], (
        "docs/img/pizza_policy_frontier.png is stale: python docs/make_images.py --frontier"
    )
    assert drawn == committed


def test_the_readme_describes_the_frontier_it_shows():
    """The README's sentence under the frontier names its design and each panel's best
    promise, as the sidecar (checked against the model above) records them."""
    make = _make_images()
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    numbers = json.loads((IMAGES / "pizza_policy_frontier.json").read_text(encoding="utf-8"))[
        "numbers"
    ]
    promises = make.FRONTIER_PROMISES
    design = (
        f"{len(promises)} promised times from {promises[0]} to {promises[-1]} minutes × "
        f"{make.FRONTIER_REPS} replications"
    )
    assert design in readme, f"README.md should say: {design!r}"
    for kpi, panel in numbers.items():
        claim = f"{panel['best']:.0f} min for {KPIS[kpi].phrase}"
        assert claim in readme, f"README.md should say: {claim!r}"
    profit = [_amount(text) for text in numbers["profit"]["means"].values()]
    assert "so profit keeps rising" in readme
    assert profit == sorted(profit), "profit no longer keeps rising with the promise"


def _amount(text: str) -> float:
    """'−155,000 THB' → −155000.0."""
    return float(text.split()[0].replace("−", "-").replace(",", ""))


def test_every_readme_image_is_drawn_by_the_script():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in ("pizza_gap_map", "pizza_policy_frontier"):
        assert f"docs/img/{name}.png" in readme
        assert (IMAGES / f"{name}.json").exists(), f"{name}: python docs/make_images.py"
