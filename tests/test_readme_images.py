"""The README's images come from code (docs/make_images.py) and say what the model says.

Each image has a sidecar JSON of the words and numbers drawn on it. The gap map is redrawn
here (one run) and compared with its sidecar, so a model change that moves a number on it
fails until ``python docs/make_images.py`` redraws it. (The policy frontier takes a
200-run sweep: ``python docs/make_images.py --frontier`` redraws it.)
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import matplotlib.pyplot as plt

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


def test_every_readme_image_is_drawn_by_the_script():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in ("pizza_gap_map", "pizza_policy_frontier"):
        assert f"docs/img/{name}.png" in readme
        assert (IMAGES / f"{name}.json").exists(), f"{name}: python docs/make_images.py"
