"""Diffusion validation area: ads and word of mouth follow the Bass curve (sim.validation).

The reduction itself is checked fast on a small market; the full comparison (20 × 10,000
adopters) runs ``checks()`` once and is marked slow.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import sim
from sim.validation import diffusion, verdict


def test_the_scenario_maps_p_and_q():
    s = diffusion.bass_scenario(p=0.03, q=0.38, population=10_000, interval=10.0, period=168.0)
    assert s.market.prospects_per_day * 168.0 / 24.0 == pytest.approx(0.03 * 10_000)
    assert s.wom.reach / (s.retention.interval / 168.0) == pytest.approx(0.38)
    assert s.wom.delay == s.retention.interval  # the condition that makes q exact
    assert s.horizon == diffusion.PERIODS * 168.0


def test_in_the_reduced_model_everyone_buys_talks_and_stays():
    scenario = diffusion.bass_scenario(population=300)
    result = sim.run(scenario, seed=3, horizon=8 * diffusion.PERIOD, episodes=True)
    k, episodes = result.kpis, result.episodes
    assert k["lost"] == 0 and k["churned"] == 0 and k["complaints"] == 0
    assert k["acquired"] == k["prospects"] > 0
    assert (episodes["satisfaction"] == 0.0).all()  # exactly the norm: no gap at all
    assert episodes["talked"].all()
    assert (episodes["start_day"] == episodes["end_day"]).all()  # zero-time purchase
    first = episodes[episodes["episode"] == 1]
    acquired = result.customers.set_index("id")["acquired_day"]
    assert np.allclose(first["start_day"].to_numpy(), acquired.loc[first["customer"]].to_numpy())


def test_bass_formulas():
    t_star = diffusion.bass_peak()
    assert t_star == pytest.approx(6.19, abs=0.005)
    assert diffusion.bass_adoption(t_star) == pytest.approx((0.38 - 0.03) / (2 * 0.38))
    # F solves dF/dt = (1 − F)(p + qF)
    t, h = 4.0, 1e-5
    slope = (diffusion.bass_adoption(t + h) - diffusion.bass_adoption(t - h)) / (2 * h)
    f = diffusion.bass_adoption(t)
    assert slope == pytest.approx((1 - f) * (0.03 + 0.38 * f), rel=1e-6)
    # innovators: the integral of p(1 − F)
    grid = np.linspace(0.0, 20.0, 200_001)
    integral = np.trapezoid(0.03 * (1 - diffusion.bass_adoption(grid)), grid)
    assert diffusion.bass_innovators(20.0) == pytest.approx(integral, rel=1e-6)
    assert math.isclose(diffusion.bass_adoption(0.0), 0.0, abs_tol=1e-15)


@pytest.fixture(scope="module")
def results():
    return diffusion.checks()


@pytest.mark.slow
def test_every_diffusion_check_passes(results):
    problems = verdict(results)  # the rule every area follows (sim.validation.checks)
    assert not problems, "\n".join(problems)


@pytest.mark.slow
def test_diffusion_checks_are_complete(results):
    assert len(results) == 4
    assert all(check.area == "diffusion" for check in results)
