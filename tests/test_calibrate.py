"""sim.calibrate: recovers a parameter the model itself generated, flags what the targets
cannot identify, and rejects bad input before anything runs.

Short horizons and few replications keep this fast; the recovery tolerance is stated up
front and is several times the noise of the target's estimate.
"""

import warnings

import numpy as np
import pytest

import sim
from sim.experiment.calibrate import IdentificationWarning, Statistics

HORIZON = "20 d"
TRUE_SHOCK = 2.0
#: |fitted − true| allowed for retention.bad_episode_shock (searched over 0 … 6). The target
#: comes from independent replications (another seed): with a slope of ≈ 0.1 churn per unit
#: of shock and SEs ≈ 0.007 (target) and ≈ 0.01 (fit) in churn, the estimate has an SE ≈ 0.12:
#: 0.5 is ~4 SE.
SHOCK_TOLERANCE = 0.5


@pytest.fixture(scope="module")
def pizza():
    # everyone alike and no habit: the shock then acts on every bad episode, so churn and
    # NPS identify it within this short horizon (the test is about calibrate, not the model)
    return sim.examples.load("pizza").replace({"retention.shock_cv": 0.0, "retention.habit": 0.0})


@pytest.fixture(scope="module")
def truth(pizza):
    """churn_rate and NPS of the pizza scenario at a known shock, from seeds 101…"""
    known = pizza.replace({"retention.bad_episode_shock": TRUE_SHOCK})
    reps = sim.replicate(known, reps=8, seed=101, horizon=HORIZON, progress=False, workers=1)
    return reps.summary.loc[["churn_rate", "nps"], "mean"].to_dict()


@pytest.fixture(scope="module")
def fitted(pizza, truth):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = sim.calibrate(
            pizza,
            {"churn_rate": truth["churn_rate"], "nps": truth["nps"]},
            {
                "retention.bad_episode_shock": (0.0, 6.0),
                "economics.discount_rate": (0.0, 0.5),  # moves neither churn nor NPS
            },
            start={"retention.bad_episode_shock": 5.0},
            reps=4,
            horizon=HORIZON,
            max_evaluations=20,
            progress=False,
            workers=1,
        )
    return fit, [w for w in caught if issubclass(w.category, IdentificationWarning)]


def test_recovers_a_known_parameter_from_model_generated_targets(fitted):
    fit, _ = fitted
    shock = fit.values["retention.bad_episode_shock"]
    assert abs(shock - TRUE_SHOCK) <= SHOCK_TOLERANCE, fit
    assert fit.scenario.retention.bad_episode_shock == pytest.approx(shock)
    assert set(fit.fit.index) == {"churn_rate", "nps"}
    assert (fit.fit["z"].abs() < 3).all(), fit.fit
    assert fit.evaluations <= 20
    assert len(fit.history) >= fit.evaluations


def test_flags_a_parameter_no_target_moves(fitted):
    fit, caught = fitted
    unidentified = [w for w in fit.warnings if "not identified" in w]
    assert len(unidentified) == 1 and "economics.discount_rate" in unidentified[0]
    assert any("economics.discount_rate" in str(w.message) for w in caught)
    # the evidence: over its range the discount rate moves no target at all, while the shock
    # moves churn by many σ
    assert np.allclose(fit.sensitivity["economics.discount_rate"], 0.0)
    assert fit.sensitivity.loc["churn_rate", "retention.bad_episode_shock"] > 2
    assert fit.jacobian.loc["churn_rate", "retention.bad_episode_shock"] > 0


def test_warns_when_parameters_outnumber_targets(pizza):
    with pytest.warns(IdentificationWarning, match="2 parameters but 1 target"):
        sim.calibrate(
            pizza,
            {"churn_rate": (0.3, 0.05)},
            {"retention.bad_episode_shock": (0.0, 6.0), "retention.satisfaction_effect": (0, 3)},
            reps=2,
            horizon="3 d",
            max_evaluations=3,
            diagnostics=False,
            progress=False,
            workers=1,
        )


def test_custom_statistics_and_target_sd(pizza):
    def repeat_share(result):
        return float((result.customers["episodes"] > 1).mean())

    fit = sim.calibrate(
        pizza,
        {"repeat_share": (0.5, 0.05)},
        {"retention.bad_episode_shock": (0.0, 6.0)},
        statistics={"repeat_share": repeat_share},
        reps=2,
        horizon="10 d",
        max_evaluations=6,
        diagnostics=False,
        progress=False,
        workers=1,
    )
    assert fit.fit.loc["repeat_share", "sd"] == 0.05
    assert 0 <= fit.fit.loc["repeat_share", "simulated"] <= 1


def test_statistics_identity_tracks_the_code():
    def share(result, k=1):
        return k

    def other(result, k=2):
        return k

    assert Statistics({"s": share}).key == Statistics({"s": share}).key
    assert Statistics({"s": share}).key != Statistics({"s": other}).key
    assert Statistics({"s": lambda r: 1}).picklable() is False


@pytest.mark.parametrize(
    ("targets", "params", "message"),
    [
        ({"churn_rat": 0.3}, {"retention.churn_b": (5, 50)}, "did you mean 'churn_rate'"),
        ({"churn_rate": 0.3}, {}, "params: give at least one"),
        ({}, {"retention.churn_b": (5, 50)}, "targets: give at least one"),
        ({"churn_rate": 0.3}, {"retention.churn_b": (50, 5)}, "low < high"),
        ({"churn_rate": 0.3}, {"retention.churn_b": (5, 5)}, "low < high"),
        ({"churn_rate": 0.3}, {"retention.churn_b": "5..50"}, "numeric bounds"),
        ({"churn_rate": (0.3, 0.0)}, {"retention.churn_b": (5, 50)}, "positive number"),
        ({"churn_rate": float("nan")}, {"retention.churn_b": (5, 50)}, "finite number"),
    ],
)
def test_bad_input_fails_before_running(pizza, targets, params, message):
    with pytest.raises(ValueError, match=message):
        sim.calibrate(pizza, targets, params, progress=False, workers=1)


def test_bad_paths_and_out_of_range_bounds_name_the_field(pizza):
    with pytest.raises(sim.ScenarioError, match=r"did you mean 'bad_episode_shock'"):
        sim.calibrate(pizza, {"churn_rate": 0.3}, {"retention.bad_episode_shok": (0, 6)}, workers=1)
    with pytest.raises(sim.ScenarioError) as error:
        sim.calibrate(
            pizza,
            {"churn_rate": 0.3},
            {"complaints.probability": (0.1, 1.5), "retention.churn_a": (-1.0, 2.0)},
            workers=1,
        )
    text = str(error.value)
    assert "complaints.probability: 1.5 — must be a number between 0 and 1" in text
    assert "retention.churn_a: -1.0 — must be a positive number" in text
    assert "high bound" in text and "low bound" in text
    with pytest.raises(sim.ScenarioError, match=r"economics\.currency: 0\.0 — must be text"):
        sim.calibrate(pizza, {"churn_rate": 0.3}, {"economics.currency": (0, 1)}, workers=1)


def test_statistic_names_must_not_shadow_kpis(pizza):
    with pytest.raises(ValueError, match="'nps' is a KPI name"):
        sim.calibrate(
            pizza,
            {"nps": 0.0},
            {"retention.churn_b": (5, 50)},
            statistics={"nps": lambda r: 0.0},
            workers=1,
        )


def test_cli_calibrate_prints_the_fit_and_the_overrides(capsys):
    from sim.cli import main

    common = ["calibrate", "pizza", "--horizon", "5d", "--reps", "2", "--workers", "1"]
    code = main(
        [
            *common,
            "--target",
            "churn_rate=0.3:0.05",
            "--param",
            "retention.bad_episode_shock=0:6",
            "--max-evaluations",
            "4",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "churn_rate" in out and "--set retention.bad_episode_shock=" in out
    assert main([*common, "--target", "churn_rat=0.3", "--param", "retention.churn_b=5:50"]) == 2
    assert "did you mean 'churn_rate'" in capsys.readouterr().err
