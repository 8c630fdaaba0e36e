"""Global sensitivity analysis: the SALib wrapper reproduces known indices, and the
simulation wrapper ranks parameters the way the model's logic says it must.

Validation target: the Ishigami function f(x) = sin x1 + a sin² x2 + b x3⁴ sin x1 with
x ~ U[−π, π]³, a = 7, b = 0.1 (Ishigami & Homma 1990; Saltelli et al. 2010), whose
variance decomposition is known in closed form:

    V   = a²/8 + b π⁴/5 + b² π⁸/18 + 1/2                  = 13.8446
    V1  = ½ (1 + b π⁴/5)²                                  =  4.3459
    V2  = a²/8                                             =  6.1250
    V3  = 0                    (E[f | x3] is constant: E[sin x1] = 0)
    V13 = b² π⁸/18 − b² π⁸/50 = 8 b² π⁸ / 225              =  3.3737
    V12 = V23 = V123 = 0

so S1 = (V1, V2, V3)/V = (0.3139, 0.4424, 0) and ST = (V1 + V13, V2, V13)/V =
(0.5576, 0.4424, 0.2437).
"""

from __future__ import annotations

import math
import time
from concurrent.futures import Executor, Future

import numpy as np
import pytest
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

import sim
from sim.experiment.sensitivity import analyze

A, B = 7.0, 0.1
PROBLEM = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-math.pi, math.pi]] * 3}


def ishigami(X: np.ndarray) -> np.ndarray:
    return np.sin(X[:, 0]) + A * np.sin(X[:, 1]) ** 2 + B * X[:, 2] ** 4 * np.sin(X[:, 0])


def ishigami_indices() -> tuple[list[float], list[float]]:
    pi = math.pi
    V = A**2 / 8 + B * pi**4 / 5 + B**2 * pi**8 / 18 + 0.5
    V1 = 0.5 * (1 + B * pi**4 / 5) ** 2
    V2 = A**2 / 8
    V13 = B**2 * pi**8 * (1 / 18 - 1 / 50)
    return [V1 / V, V2 / V, 0.0], [(V1 + V13) / V, V2 / V, V13 / V]


def test_analytic_ishigami_indices_are_the_published_ones():
    s1, st = ishigami_indices()
    assert s1 == pytest.approx([0.3139, 0.4424, 0.0], abs=1e-4)
    assert st == pytest.approx([0.5576, 0.4424, 0.2437], abs=1e-4)


def test_sobol_indices_of_ishigami_match_the_analytic_values():
    X = sobol_sample.sample(PROBLEM, 1024, calc_second_order=False, seed=7)
    assert X.shape == (1024 * 5, 3)  # N × (D + 2) without second order
    table = analyze(PROBLEM, X, ishigami(X), method="sobol", seed=7)
    assert list(table.columns) == ["S1", "S1_conf", "ST", "ST_conf"]
    assert list(table.index) == ["x1", "x2", "x3"]
    s1, st = ishigami_indices()
    # Tolerance from the estimator's own bootstrap 95% half-width: at N = 1024 it is
    # ≈ 0.05–0.06 for S1 and 0.02–0.08 for ST, so 2 × conf is a ~4σ band; the 0.03 floor
    # keeps the check meaningful where conf is tiny. A wrong estimator (or swapped columns:
    # S1 and ST differ by 0.24 for x1 and x3) fails this.
    for name, s1_true, st_true in zip(table.index, s1, st, strict=True):
        row = table.loc[name]
        assert abs(row.S1 - s1_true) <= max(0.03, 2 * row.S1_conf), (name, row.S1, s1_true)
        assert abs(row.ST - st_true) <= max(0.03, 2 * row.ST_conf), (name, row.ST, st_true)
        assert row.S1_conf < 0.1 and row.ST_conf < 0.1  # N = 1024 is enough to be precise
    # the interaction x1·x3 is visible: ST − S1 ≈ V13/V for x1 and x3, ≈ 0 for x2
    assert table.loc["x3", "ST"] - table.loc["x3", "S1"] > 0.15
    assert table.loc["x2", "ST"] == pytest.approx(table.loc["x2", "S1"], abs=0.1)


def test_morris_ranks_ishigami_x1_and_x2_above_x3():
    X = morris_sample.sample(PROBLEM, 500, num_levels=4, seed=1)
    table = analyze(PROBLEM, X, ishigami(X), method="morris", seed=1)
    assert list(table.columns) == ["mu_star", "mu_star_conf", "mu", "sigma"]
    assert table.loc["x3", "mu_star"] < min(table.loc["x1", "mu_star"], table.loc["x2", "mu_star"])
    # Exact values on the 4-level grid {−π, −π/3, π/3, π} with step Δ = 2/3 of the range
    # (SALib divides by Δ, so μ* is "change across the range"): x2 always moves between
    # sin² = 0 and ¾, μ* = 7·¾/(2/3) = 7.875 exactly; x1 moves |sin x1| by √3/2 times
    # (1 + b x3⁴), x3⁴ ∈ {π⁴, π⁴/81}: μ* = (√3/2)(1 + b(π⁴ + π⁴/81)/2)/(2/3) = 7.704;
    # x3 moves b x3⁴ by b(π⁴ − π⁴/81) times |sin x1| ∈ {0, √3/2}: μ* = 6.249.
    pi4 = math.pi**4
    expected = {
        "x1": (math.sqrt(3) / 2) * (1 + B * (pi4 + pi4 / 81) / 2) * 1.5,
        "x2": A * 0.75 * 1.5,
        "x3": 0.5 * (math.sqrt(3) / 2) * B * (pi4 - pi4 / 81) * 1.5,
    }
    for name, value in expected.items():
        row = table.loc[name]
        assert abs(row.mu_star - value) <= max(0.05, 2 * row.mu_star_conf), (name, row.mu_star)


def test_analyze_rejects_bad_inputs():
    X = morris_sample.sample(PROBLEM, 4, num_levels=4, seed=1)
    with pytest.raises(ValueError, match=r"method.*morris, sobol"):
        analyze(PROBLEM, X, ishigami(X), method="fast")
    with pytest.raises(ValueError, match="shape"):
        analyze(PROBLEM, X[:-1], ishigami(X))
    Y = ishigami(X)
    Y[3] = np.nan
    with pytest.raises(ValueError, match="1 of 16 values"):
        analyze(PROBLEM, X, Y, method="morris")


PROMISE = "touchpoints.delivery.promise.time"
PROSPECTS = "market.prospects_per_day"


def test_promise_time_drives_satisfaction_more_than_demand():
    started = time.perf_counter()
    table = sim.sensitivity(
        sim.examples.load("pizza"),
        {PROMISE: (20, 80), PROSPECTS: (10, 40)},
        outputs=["satisfaction_mean"],
        method="morris",
        n=4,
        horizon="30 d",
        workers=1,
        progress=False,
    )
    assert time.perf_counter() - started < 20
    assert list(table.columns) == [
        "output",
        "parameter",
        "mu_star",
        "mu_star_conf",
        "mu",
        "sigma",
    ]
    assert set(table["parameter"]) == {PROMISE, PROSPECTS}
    assert (table["output"] == "satisfaction_mean").all()
    assert np.isfinite(table[["mu_star", "mu_star_conf", "mu", "sigma"]].to_numpy()).all()
    # Satisfaction is driven by disconfirmation: delivered (~45 min) against promised. Moving
    # the promise across 20–80 min flips deliveries from "late" to "early" for everyone,
    # whereas 10–40 prospects a day barely loads 3 ovens and 5 drivers, so delivered times
    # hardly change. Over seeds 1–5 μ*(promise) ≈ 0.63–0.84 vs μ*(prospects) ≈ 0.006–0.02:
    # a 30× gap, not a seed accident. A longer promise must also *raise* satisfaction
    # (mu > 0): a wrong sign would mean disconfirmation is inverted.
    rows = table.set_index("parameter")
    assert rows.loc[PROMISE, "mu_star"] > 0
    assert rows.loc[PROMISE, "mu_star"] > 5 * rows.loc[PROSPECTS, "mu_star"]
    assert rows.loc[PROMISE, "mu"] > 0
    assert table["parameter"].iloc[0] == PROMISE  # ranked first
    manifest = table.attrs["manifest"]
    assert manifest["method"] == "morris"
    assert manifest["n"] == 4
    assert manifest["outputs"] == ["satisfaction_mean"]
    assert manifest["runs"] == 4 * (2 + 1)
    assert manifest["failed"] == 0


def test_sobol_through_the_simulation_gives_one_row_per_output_and_parameter():
    table = sim.sensitivity(
        sim.examples.load("pizza"),
        {PROSPECTS: (10, 40), "resources.driver.capacity": (3, 8)},
        outputs=["profit", "nps"],
        method="sobol",
        n=2,
        horizon="3 d",
        workers=1,
        progress=False,
    )
    assert list(table.columns) == ["output", "parameter", "S1", "S1_conf", "ST", "ST_conf"]
    assert list(table["output"]) == ["profit", "profit", "nps", "nps"]
    for _, group in table.groupby("output"):
        assert group["ST"].is_monotonic_decreasing
    assert table.attrs["manifest"]["runs"] == 2 * (2 + 2)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"method": "fast"}, "method: 'fast' — use one of morris, sobol"),
        ({"ranges": {}}, "ranges: give at least one"),
        ({"ranges": {PROMISE: (80, 20)}}, "low must be below high"),
        ({"ranges": {PROMISE: (20,)}}, r"give \(low, high\)"),
        ({"n": 0}, "n: 0"),
    ],
)
def test_bad_arguments_fail_before_anything_runs(kwargs, message):
    arguments = {"ranges": {PROMISE: (20, 80)}, "method": "morris", "n": 1, **kwargs}
    with pytest.raises(ValueError, match=message):
        sim.sensitivity(
            sim.examples.load("pizza"), horizon="1 d", workers=1, progress=False, **arguments
        )


def test_unknown_output_names_the_valid_kpis():
    with pytest.raises(ValueError, match=r"\['proft'\] unknown — valid KPIs: .*profit"):
        sim.sensitivity(
            sim.examples.load("pizza"),
            {PROSPECTS: (10, 40)},
            outputs="proft",
            method="morris",
            n=1,
            horizon="1 d",
            workers=1,
            progress=False,
        )


def test_undefined_kpi_at_some_point_is_an_error_not_a_silent_mean():
    # 30 minutes: in some runs nobody is acquired yet, so churn_rate = churned / acquired is
    # NaN there (and defined in others); averaging over replications would silently skip it
    with pytest.raises(RuntimeError, match=r"churn_rate: undefined \(NaN\) in [1-4] of 4 runs"):
        sim.sensitivity(
            sim.examples.load("pizza"),
            {PROSPECTS: (10, 40)},
            outputs=["churn_rate"],
            method="morris",
            n=1,
            reps=2,
            horizon="30 min",
            workers=1,
            progress=False,
        )


class FailingExecutor(Executor):
    """Every run raises, as a crashed worker would."""

    def submit(self, fn, /, *args, **kwargs):
        future: Future = Future()
        future.set_exception(OSError("worker lost"))
        return future


def test_failed_runs_are_an_error_with_their_count():
    with pytest.raises(RuntimeError, match=r"all 2 runs failed; first: OSError: worker lost"):
        sim.sensitivity(
            sim.examples.load("pizza"),
            {PROSPECTS: (10, 40)},
            method="morris",
            n=1,
            horizon="1 d",
            executor=FailingExecutor(),
            progress=False,
        )
