"""sim.calibrate on hostile input: impossible targets and bad arguments are refused together
before anything runs, a fit that misses a target says so, the progress bar ends where the
work ends, and runs that give no numbers raise instead of returning a fit of NaN.

Runs are short (240 h, 2 replications, a handful of points) and in this process.
"""

import importlib
import math
import re
import warnings

import numpy as np
import pytest

import sim
from sim.metrics import KPI_NAMES, KPI_RANGES

calibrate_module = importlib.import_module(
    "sim.experiment.calibrate"
)  # `sim.calibrate` is the function
SHOCK = {"retention.bad_episode_shock": (0.0, 6.0)}
QUICK = dict(reps=2, horizon=240, workers=1, progress=False)


@pytest.fixture
def nothing_runs(monkeypatch):
    """Fail the test if calibrate starts a single run."""

    def execute(*args, **kwargs):
        raise AssertionError("calibrate ran the model before refusing its input")

    monkeypatch.setattr(calibrate_module, "execute", execute)


def refused(pizza, targets, params=SHOCK, **options) -> list[str]:
    with pytest.raises(sim.ScenarioError) as error:
        sim.calibrate(pizza, targets, params, **{**QUICK, **options})
    return error.value.problems


# --------------------------------------------------------------------------- KPI ranges
def test_every_kpi_has_a_range_and_a_run_stays_inside_it(pizza):
    assert set(KPI_RANGES) == set(KPI_NAMES)
    assert all(low < high for low, high in KPI_RANGES.values())
    kpis = sim.run(pizza, seed=1, horizon=240).kpis
    outside = {
        name: value
        for name, value in kpis.items()
        if not math.isnan(value) and not KPI_RANGES[name][0] <= value <= KPI_RANGES[name][1]
    }
    assert outside == {}


# --------------------------------------------------------------------------- targets
@pytest.mark.parametrize(
    ("targets", "problem"),
    [
        (
            {"churn_rate": 5},
            "targets.churn_rate: 5 — churn_rate lies between 0 and 1; for 5% give 0.05",
        ),
        ({"churn_rate": -0.1}, "targets.churn_rate: -0.1 — churn_rate lies between 0 and 1"),
        ({"nps": 150}, "targets.nps: 150 — nps lies between -100 and 100"),
        (
            {"satisfaction_mean": 4.0},
            "targets.satisfaction_mean: 4.0 — satisfaction_mean lies between -1 and 1",
        ),
        ({"purchases": -3}, "targets.purchases: -3 — purchases cannot be below 0"),
        ({"churn_rate": float("nan")}, "targets.churn_rate: nan — must be a finite number"),
        ({"churn_rate": float("inf")}, "targets.churn_rate: inf — must be a finite number"),
        ({"churn_rate": True}, "targets.churn_rate: True — must be a finite number"),
        ({"churn_rate": "0.3"}, "targets.churn_rate: '0.3' — must be a finite number"),
        ({"churn_rate": None}, "targets.churn_rate: None — must be a finite number"),
        (
            {"churn_rate": (0.3, 0.0)},
            "targets.churn_rate sd: 0.0 — must be a finite positive number",
        ),
        ({"churn_rate": (0.3, -1)}, "targets.churn_rate sd: -1 — must be a finite positive number"),
        (
            {"churn_rate": (0.3, float("inf"))},
            "targets.churn_rate sd: inf — must be a finite positive",
        ),
        (
            {"churn_rate": (0.3, float("nan"))},
            "targets.churn_rate sd: nan — must be a finite positive",
        ),
        (
            {"churn_rate": (0.3, 0.1, 2)},
            "targets.churn_rate: (0.3, 0.1, 2) — give a value or (value, sd)",
        ),
        (
            {"churn_rat": 0.3},
            "targets.churn_rat: not a statistic calibrate knows; did you mean 'churn_rate'?",
        ),
        ({1: 0.3}, "targets: 1 — name a statistic as text"),
        ({}, "targets: give at least one statistic"),
    ],
)
def test_impossible_targets_are_refused_before_anything_runs(pizza, nothing_runs, targets, problem):
    problems = refused(pizza, targets)
    assert len(problems) == 1 and problems[0].startswith(problem), problems


def test_targets_inside_their_range_and_custom_statistics_are_accepted(pizza, nothing_runs):
    # reps=0 is the only problem: a negative profit and a statistic named in statistics= are fine
    problems = refused(
        pizza,
        {"profit": -1e6, "nps": -100, "long_stays": (2.0, 0.5)},
        statistics={"long_stays": lambda r: 0.0},
        reps=0,
    )
    assert problems == ["reps: 0 — must be a whole number ≥ 1"]


# --------------------------------------------------------------------------- params
@pytest.mark.parametrize(
    ("params", "problem"),
    [
        (
            {"retention.bad_episode_shock": (6, 0)},
            "params['retention.bad_episode_shock']: (6, 0) — need finite low < high",
        ),
        ({"retention.bad_episode_shock": (2, 2)}, "— need finite low < high"),
        ({"retention.bad_episode_shock": (0, float("nan"))}, "— need finite low < high"),
        ({"retention.bad_episode_shock": (0, float("inf"))}, "— need finite low < high"),
        ({"retention.bad_episode_shock": ("0", 6)}, "— give numeric bounds (low, high)"),
        ({"retention.bad_episode_shock": (0, 3, 6)}, "— give numeric bounds (low, high)"),
        ({"retention.bad_episode_shock": 6}, "— give numeric bounds (low, high)"),
        ({"retention.bad_episode_shok": (0, 6)}, "did you mean 'bad_episode_shock'"),
        ({"resources.kitchen.capacity": (1.2, 1.4)}, "— holds one value only, 1; widen it"),
        ({}, "params: give at least one dotted path"),
    ],
)
def test_bad_param_ranges_are_refused_before_anything_runs(pizza, nothing_runs, params, problem):
    problems = refused(pizza, {"churn_rate": 0.3}, params)
    assert len(problems) == 1 and problem in problems[0], problems


def test_a_bound_outside_its_field_is_reported_by_the_field_once(pizza, nothing_runs):
    problems = refused(pizza, {"churn_rate": 0.3}, {"complaints.probability": (0.1, 1.5)})
    assert len(problems) == 1, problems
    assert problems[0].startswith("complaints.probability: 1.5 — must be a number between 0 and 1")
    assert problems[0].endswith("(the high bound of params)")


# --------------------------------------------------------------------------- other arguments
@pytest.mark.parametrize(
    ("options", "problem"),
    [
        (dict(reps=0), "reps: 0 — must be a whole number ≥ 1"),
        (dict(reps=2.0), "reps: 2.0 — must be a whole number ≥ 1"),
        (dict(reps="8"), "reps: '8' — must be a whole number ≥ 1"),
        (dict(reps=1), "reps: 1 — targets without an sd are weighted by their noise"),
        (dict(max_evaluations=0), "max_evaluations: 0 — must be a whole number ≥ 1"),
        (dict(seed=1.5), "seed: 1.5 — must be a whole number from 0 to 2^128 − 1"),
        (dict(seed=-1), "seed: -1 — must be a whole number from 0 to 2^128 − 1"),
        (dict(initial=float("nan")), "initial: nan — must be a whole number ≥ 0"),
        (dict(step="a"), "step: 'a' — a fraction of each range"),
        (dict(tolerance=float("nan")), "tolerance: nan — a fraction of each range"),
        (dict(method="bfgs"), "method: 'bfgs' — use one of nelder-mead, powell"),
        (
            dict(start={"retention.bad_episode_shock": 9}),
            "start['retention.bad_episode_shock']: 9 — must lie within (0, 6)",
        ),
        (
            dict(start={"retention.churn_a": 1}),
            "start: 'retention.churn_a' — is not one of the params",
        ),
        (dict(horizon=float("inf")), "horizon: inf"),
    ],
)
def test_bad_arguments_are_refused_before_anything_runs(pizza, nothing_runs, options, problem):
    problems = refused(pizza, {"churn_rate": 0.3}, **options)
    assert len(problems) == 1 and problems[0].startswith(problem), problems


def test_every_problem_is_reported_at_once(pizza, nothing_runs):
    problems = refused(
        pizza,
        {"churn_rate": 5, "nps": (0, -1)},
        {"retention.bad_episode_shock": (6, 0), "complaints.probability": (0.1, 1.5)},
        reps=0,
        seed=1.5,
    )
    expected = [
        "reps: 0",
        "seed: 1.5",
        "targets.churn_rate: 5",
        "targets.nps sd: -1",
        "params['retention.bad_episode_shock']: (6, 0)",
        "complaints.probability: 1.5",
    ]
    assert len(problems) == len(expected), problems
    for start in expected:
        assert any(p.startswith(start) for p in problems), (start, problems)


def test_the_cli_prints_each_problem_on_its_own_line(capsys, nothing_runs):
    from sim.cli import main

    argv = ["calibrate", "pizza", "--target", "churn_rate=35", "--target", "nps=-20:0"]
    code = main([*argv, "--param", "retention.bad_episode_shock=0:6", "--workers", "1"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "targets.churn_rate: 35 — churn_rate lies between 0 and 1; for 35% give 0.35" in err
    assert "targets.nps sd: 0 — must be a finite positive number" in err


def test_numpy_integers_are_whole_numbers(pizza):
    fit = sim.calibrate(
        pizza,
        {"churn_rate": (np.float64(0.3), np.float64(0.5))},
        {"retention.bad_episode_shock": (np.int64(0), np.int64(6))},
        **{**QUICK, "reps": np.int64(2)},
        seed=np.int64(3),
        max_evaluations=np.int64(1),
        diagnostics=False,
    )
    assert fit.evaluations == 1 and fit.manifest["reps"] == 2


# --------------------------------------------------------------------------- a missed target
def test_a_missed_target_is_warned_about_and_shown(pizza):
    with pytest.warns(RuntimeWarning, match=r"targets\.nps: .*missed: z = −\d") as caught:
        fit = sim.calibrate(
            pizza,
            {"nps": (100, 1.0), "churn_rate": (0.3, 1.0)},  # every customer a promoter: no
            SHOCK,
            **QUICK,
            max_evaluations=3,
            diagnostics=False,
        )
    assert fit.missed == ["nps"]
    assert fit.fit.loc["nps", "z"] < -2 and abs(fit.fit.loc["churn_rate", "z"]) <= 2
    assert not any("churn_rate" in str(w.message) for w in caught)
    lines = str(fit).splitlines()
    row = next(i for i, line in enumerate(lines) if line.strip().startswith("nps"))
    assert re.fullmatch(
        r"\s+missed: z = −\d+\.\d; the parameters' ranges may not allow this target, or the "
        r"target conflicts with another",
        lines[row + 1],
    ), lines
    assert sum("missed:" in line for line in lines) == 1
    assert repr(fit) == str(fit)


# --------------------------------------------------------------------------- progress bar
def test_the_progress_bar_ends_at_the_points_actually_run(pizza, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", calibrate_module.IdentificationWarning)
        fit = sim.calibrate(
            pizza,
            {"churn_rate": (0.3, 0.05)},
            SHOCK,
            **{**QUICK, "progress": True},
            max_evaluations=30,
        )
    assert fit.manifest["stopped"] == "converged"  # so the bar's first total was too high
    counts = re.findall(r"(\d+)/(\d+) \[", capsys.readouterr().err)
    assert counts, "no progress bar was drawn"
    done, total = map(int, counts[-1])
    assert done == total == len(fit.history) < 30 + 4


# --------------------------------------------------------------------------- runs without numbers
def test_when_every_run_fails_the_first_failure_is_raised(pizza):
    def broken(result):
        raise ZeroDivisionError("the statistic divided by zero")

    with pytest.raises(RuntimeError, match="ZeroDivisionError: the statistic divided by zero"):
        sim.calibrate(pizza, {"broken": (0.3, 0.1)}, SHOCK, statistics={"broken": broken}, **QUICK)


def test_a_statistic_that_is_never_computable_raises_instead_of_fitting_nan(pizza):
    with pytest.raises(
        RuntimeError, match="empty came out NaN in every replication at every point"
    ):
        sim.calibrate(
            pizza,
            {"empty": (0.3, 0.1)},
            SHOCK,
            statistics={"empty": lambda r: math.nan},
            **QUICK,
            max_evaluations=2,
            diagnostics=False,
        )


def test_a_failed_first_replication_does_not_break_named_by_run_statistics(pizza):
    calls = []

    def repeat_share(result):  # one function giving its statistics by name; the first run fails
        calls.append(1)
        if len(calls) == 1:
            raise ValueError("first run breaks")
        return {"repeat_share": float((result.customers["episodes"] > 1).mean())}

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # "1 of 2 runs failed"
        fit = sim.calibrate(
            pizza,
            {"repeat_share": (0.5, 0.5)},
            SHOCK,
            statistics=repeat_share,
            **QUICK,
            max_evaluations=2,
            diagnostics=False,
        )
    assert 0 <= fit.fit.loc["repeat_share", "simulated"] <= 1


def test_the_printed_fit_never_writes_a_number_with_an_exponent():
    """A tiny bound, σ or objective is written out (0.00001234), never as 1.234e-05."""
    from sim.experiment.calibrate import _num

    for value in (1.2345e-5, -4.2e-4, 0.3, 999.96, 1.5e7, 0.0):
        assert not re.search(r"[eE][+-]?\d", _num(value)), _num(value)
    assert _num(1.2345e-5) == "0.00001234" and _num(0.3) == "0.3" and _num(1.5e7) == "15,000,000"
