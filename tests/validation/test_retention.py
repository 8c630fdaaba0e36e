"""Retention validation area: cohort survival follows the sBG model (sim.validation).

The reduction itself is checked on a small cohort; the full comparison (two 10,000-customer
cohorts and the published fits, about 10 CPU-seconds) runs ``checks()`` once.
"""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.validation import retention, verdict


def test_the_scenario_maps_alpha_and_beta():
    s = retention.cohort_scenario(0.704, 1.182, customers=500)
    assert (s.retention.churn_a, s.retention.churn_b) == (0.704, 1.182)
    assert s.retention.satisfaction_effect == 0.0 and s.retention.bad_episode_shock == 0.0
    assert s.market.population == 500 and s.wom.reach == 0.0


def test_in_the_reduced_model_churn_is_the_baseline_propensity():
    """Nobody is dissatisfied, nobody is referred, the whole cohort arrives, and a customer
    with h₀ ≈ 1 leaves after one purchase while one with h₀ ≈ 0 never does."""
    scenario = retention.cohort_scenario(0.704, 1.182, customers=400)
    result = sim.run(scenario, seed=5, episodes=True)
    customers, episodes = result.customers, result.episodes
    assert len(customers) == 400 and result.kpis["prospects_wom"] == 0
    assert (episodes["satisfaction"] == 0.0).all() and not episodes["complained"].any()
    assert customers["acquired_day"].max() * 24.0 < retention.ACQUISITION * retention.INTERVAL
    assert customers.loc[customers["baseline_churn"] > 0.999, "episodes"].eq(1).all()
    never = customers[customers["baseline_churn"] < 1e-4]
    assert never["active"].all()


def test_survivors_by_period_counts_churn_decisions():
    counts = retention.survivors_by_period(
        episodes=[1, 1, 2, 3, 3, 9], active=[False, True, False, False, True, False], periods=4
    )
    assert counts.tolist() == [6, 5, 4, 3, 3]
    assert np.all(np.diff(counts) <= 0)


@pytest.fixture(scope="module")
def results():
    return retention.checks()


def test_every_retention_check_passes(results):
    problems = verdict(results)  # the rule every area follows (sim.validation.checks)
    assert not problems, "\n".join(problems)


def test_retention_checks_are_complete(results):
    assert len(results) == 14
    assert all(check.area == "retention" for check in results)
