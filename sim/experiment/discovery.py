"""Scenario discovery: the few ranges of the unknowns where an answer fails.

Given worlds (points of the uncertainty design, in unit coordinates) and whether an answer
fails in each, :func:`discover` fits a shallow classification tree (Breiman et al. 1984;
scikit-learn's ``DecisionTreeClassifier``, not ours) and reads the box where it fails off the
tree: the conditions on the way from the root to the leaves that predict failure. As with
PRIM (Friedman & Fisher 1999; Bryant & Lempert 2010) the box is judged by

* **coverage**: the share of all failing worlds that lie inside the box;
* **density**: the share of worlds inside the box that fail;
* **volume**: the share of plausible worlds the box spans (its size in the design's unit
  cube, where every world is equally plausible).

A shallow tree keeps the box to at most ``max_depth`` conditions, which a strategist can
read; every leaf holds at least 5% of the worlds, so one noisy world cannot make a box.

>>> import numpy as np, pandas as pd
>>> from sim.scenario.uncertainties import Uncertainty
>>> rng = np.random.default_rng(1)
>>> units = pd.DataFrame(rng.random((200, 2)), columns=["a", "b"])
>>> fails = (units["a"] > 0.7).to_numpy()
>>> box = discover(units, fails, [Uncertainty("a", "alpha", 0, 10), Uncertainty("b", "beta", 0, 1)])
>>> box.describe(), round(box.coverage, 2), round(box.density, 2)
('alpha > 7.1', 1.0, 1.0)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.scenario.uncertainties import Uncertainty

#: Least share of the worlds in a leaf of the tree (and so in a box).
MIN_LEAF_SHARE = 0.05


@dataclass(frozen=True)
class Box:
    """Ranges of the unknowns (unit coordinates, ``{path: (low, high)}``; a path left out is
    unrestricted) where an answer fails, with its coverage, density and volume (shares,
    0–1). ``base_rate``: the share of all ``worlds`` where it fails."""

    limits: dict[str, tuple[float, float]]
    uncertainties: Sequence[Uncertainty] = field(repr=False)
    coverage: float
    density: float
    volume: float
    base_rate: float
    worlds: int

    def ranges(self) -> dict[str, tuple[float, float]]:
        """The box in the parameters' own values: ``{path: (low, high)}``."""
        by_path = {u.path: u for u in self.uncertainties}
        return {
            p: (by_path[p].value(lo), by_path[p].value(hi)) for p, (lo, hi) in self.limits.items()
        }

    def describe(self) -> str:
        """The box in words, with display names and units: "promise sensitivity > 0.05
        logit per jnd and kept-promise credit < 0.5"."""
        by_path = {u.path: u for u in self.uncertainties}
        parts = []
        for path, (lo, hi) in self.limits.items():
            u = by_path[path]
            if lo > 0 and hi < 1:
                low, high = u.shown(u.value(lo)), u.shown(u.value(hi))
                parts.append(f"{u.name} is between {low} and {high}")
            elif lo > 0:
                parts.append(f"{u.name} > {u.shown(u.value(lo))}")
            else:
                parts.append(f"{u.name} < {u.shown(u.value(hi))}")
        return " and ".join(parts) if parts else "always"

    def contains(self, units: pd.DataFrame) -> np.ndarray:
        """Whether each row (unit coordinates by path) lies inside the box."""
        inside = np.ones(len(units), dtype=bool)
        for path, (lo, hi) in self.limits.items():
            values = units[path].to_numpy(float)
            inside &= (values > lo) & (values <= hi) if lo > 0 else values <= hi
        return inside


def discover(
    units: pd.DataFrame,
    fails: Sequence[bool] | np.ndarray,
    uncertainties: Sequence[Uncertainty],
    *,
    max_depth: int = 2,
    seed: int = 0,
) -> Box:
    """The box of the unknowns where an answer fails, from a shallow decision tree.

    ``units``: one row per world, one column per uncertainty path, values in [0, 1] (the
    design's unit coordinates); ``fails``: whether the answer fails in each world. Among the
    tree's branches whose every leaf predicts failure, the box is the one holding the most
    failing worlds (then the densest). Without failures, or failing everywhere, or with no
    branch that predicts failure, the box has no limits.
    """
    from sklearn.tree import DecisionTreeClassifier  # imported on use: slow to import

    fails = np.asarray(fails, dtype=bool)
    n = len(fails)
    base_rate = float(fails.mean()) if n else math.nan
    empty = Box({}, uncertainties, 1.0, base_rate, 1.0, base_rate, n)
    if n == 0 or base_rate in (0.0, 1.0):
        return empty
    columns = [u.path for u in uncertainties]
    X = units[columns].to_numpy(float)
    tree = DecisionTreeClassifier(
        max_depth=max_depth,
        min_samples_leaf=max(2, math.ceil(MIN_LEAF_SHARE * n)),
        random_state=seed,
    ).fit(X, fails)
    boxes = [
        _box(limits, units, fails, uncertainties) for limits in _failing_branches(tree, columns)
    ]
    if not boxes:
        return empty
    return max(boxes, key=lambda b: (b.coverage, b.density))


def _failing_branches(tree, columns: list[str]) -> list[dict[str, tuple[float, float]]]:
    """The limits of each largest branch of ``tree`` whose every leaf predicts failure."""
    t = tree.tree_
    fail_class = list(tree.classes_).index(True)
    branches = []

    def all_fail(node: int) -> bool:
        if t.children_left[node] == -1:
            return int(np.argmax(t.value[node][0])) == fail_class
        return all_fail(t.children_left[node]) and all_fail(t.children_right[node])

    def walk(node: int, limits: dict[str, tuple[float, float]]) -> None:
        if all_fail(node):
            branches.append(limits)
            return
        if t.children_left[node] == -1:
            return
        path, threshold = columns[t.feature[node]], float(t.threshold[node])
        lo, hi = limits.get(path, (0.0, 1.0))
        walk(t.children_left[node], {**limits, path: (lo, min(hi, threshold))})
        walk(t.children_right[node], {**limits, path: (max(lo, threshold), hi)})

    walk(0, {})
    return branches


def _box(limits, units, fails, uncertainties) -> Box:
    box = Box(limits, uncertainties, 0.0, 0.0, 0.0, float(fails.mean()), len(fails))
    inside = box.contains(units)
    volume = math.prod(hi - lo for lo, hi in limits.values())
    return Box(
        limits,
        uncertainties,
        coverage=float(fails[inside].sum() / fails.sum()),
        density=float(fails[inside].mean()) if inside.any() else 0.0,
        volume=volume,
        base_rate=box.base_rate,
        worlds=box.worlds,
    )
