"""optimize finds the interior optimum of the promised delivery time, with an honest range."""

from __future__ import annotations

import re

import pytest

import sim
from sim.policies import QuantilePromise

LEVER = "touchpoints.delivery.promise.time"


@pytest.fixture(scope="module")
def best():
    # Promising 20 min breaks nearly every promise; where customers compare promises keenly
    # (0.15 logit per jnd) promising 100 min loses most prospects: profit must peak in between
    # (Ho & Zheng 2004's interior optimal commitment).
    return sim.optimize(
        sim.examples.load("pizza").replace({"market.promise_sensitivity": 0.15}),
        LEVER,
        (20, 100),
        objective="profit",
        reps=4,
        points=5,
        horizon="60 d",
        progress=False,
    )


def test_finds_an_interior_optimum(best):
    assert best.interior
    assert 30 < best.best[LEVER] < 90
    curve = best.candidates.set_index(LEVER)["mean"]
    assert curve[20] < best.value.mean and curve[100] < best.value.mean


def test_reports_a_plausible_range_around_the_best(best):
    plausible = best.plausible[LEVER]
    assert plausible.min() <= best.best[LEVER] <= plausible.max()
    # the edges are clearly worse: their paired shortfall CI lies above zero
    edges = best.candidates[best.candidates[LEVER].isin([20, 100])]
    assert (edges["shortfall_ci_low"] > 0).all() and not edges["plausible"].any()
    assert "not significantly worse" in repr(best)


def test_the_answer_reads_in_display_names_and_units(best):
    """The printed answer names the lever and the objective as a strategist reads them (the
    KPI registry's display name, the scenario's currency and time unit), never a code name."""
    text = repr(best)
    assert text.startswith("best delivery promise (min) = "), text
    assert ": Profit " in text and " THB [95% CI " in text
    assert "delivery promise (min) from " in text
    assert "touchpoints." not in text and "profit" not in text.replace("Profit", "")
    assert not re.search(r"\d[eE][+-]?\d", text)


def test_refinement_adds_points_between_the_neighbours_of_the_best(best):
    levels = sorted(best.candidates[LEVER])
    assert len(levels) > 5  # the first grid had 5 points
    assert best.manifest["candidates"] == len(levels)
    assert best.manifest["objective"] == "profit"


def test_minimising_churn_prefers_long_promises():
    result = sim.optimize(
        sim.examples.load("pizza"),
        LEVER,
        (20, 80),
        objective="churn_rate",
        maximize=False,
        reps=2,
        points=3,
        refine=False,
        horizon="30 d",
        progress=False,
        workers=1,
    )
    assert result.best[LEVER] == 80


def test_bad_arguments_are_reported():
    pizza = sim.examples.load("pizza")
    with pytest.raises(ValueError, match="objective"):
        sim.optimize(
            pizza,
            LEVER,
            (20, 80),
            objective="happiness",
            reps=2,
            points=2,
            refine=False,
            horizon="2 d",
            progress=False,
            workers=1,
        )
    with pytest.raises(ValueError, match="low < high"):
        sim.optimize(pizza, LEVER, (80, 20), reps=2, points=2, progress=False)
    with pytest.raises(ValueError, match="one or two levers"):
        sim.optimize(
            pizza,
            [LEVER, "market.prospects_per_day", "resources.driver.capacity"],
            [(1, 2), (1, 2), (1, 2)],
            reps=2,
            points=2,
            progress=False,
        )


def test_compare_accepts_policy_objects():
    comparison = sim.compare(
        sim.examples.load("pizza"),
        {"fixed 30": {}, "90% sure": {LEVER: QuantilePromise(0.9)}},
        reps=2,
        horizon="10 d",
        progress=False,
        workers=1,
    )
    kept = comparison.summary.loc[("90% sure", "every_promise_kept"), "mean"]
    assert kept > comparison.summary.loc[("fixed 30", "every_promise_kept"), "mean"]
