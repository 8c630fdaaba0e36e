"""Promise policies deliver what they claim: a quantile promise is kept with probability q.

Validation target (literature.md §5): quoting the s-quantile of delivered time makes the
on-time rate exactly s. For an M/M/1 station (λ = 0.5/h, μ = 1/h) the time in system is
Exp(μ − λ), so T_q = −ln(1 − q)/(μ − λ).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import sim
from sim.distributions import Exponential
from sim.policies import BufferPromise, FixedPromise, QuantilePromise
from sim.validation.stations import single_station

ARRIVALS_PER_HOUR = 0.5


def station(promise, capacity: int | None = 1) -> sim.Scenario:
    return single_station(ARRIVALS_PER_HOUR, servers=capacity, promise=promise)


def kept_rate(scenario: sim.Scenario, seeds=range(6)) -> float:
    rates = [sim.run(scenario, seed=seed).touchpoints.iloc[0]["kept_rate"] for seed in seeds]
    return float(np.mean(rates))


def test_policies_quote_from_the_delivery_distribution():
    exponential = [Exponential(1.0)]
    assert FixedPromise(2.0).quoter(exponential, lower_is_better=True).value == 2.0
    assert QuantilePromise(0.9).quoter(exponential, True).value == pytest.approx(math.log(10))
    # for service (higher is better) keeping the promise means delivering at least it
    assert QuantilePromise(0.9).quoter(exponential, False).value == pytest.approx(-math.log(0.9))
    assert BufferPromise(add=0.5, percent=0.1).quoter(exponential, True).value == pytest.approx(1.6)


@pytest.mark.parametrize("q", [0.5, 0.9])
def test_fixed_promise_at_the_mm1_quantile_is_kept_with_probability_q(q):
    quantile = -math.log(1 - q) / (1.0 - ARRIVALS_PER_HOUR)
    assert kept_rate(station(quantile)) == pytest.approx(q, abs=0.02)


@pytest.mark.parametrize("q", [0.5, 0.9])
def test_quantile_policy_learns_the_queue_and_keeps_its_promise_q_of_the_time(q):
    """The first quote ignores queueing (service only); the policy must learn it."""
    learned = kept_rate(station({"policy": "quantile", "q": q}))
    assert learned == pytest.approx(q, abs=0.02)


def test_quantile_policy_without_a_queue_is_exact_from_the_start():
    assert kept_rate(station({"policy": "quantile", "q": 0.8}, capacity=None)) == pytest.approx(
        0.8, abs=0.015
    )


def test_buffer_policy_promises_the_typical_delivery_plus_the_buffer():
    # no queue, Exp(1 h): promise ≈ 1 h + 1 h, kept with probability 1 − e^−2 ≈ 0.865
    scenario = station({"policy": "buffer", "add": 1.0}, capacity=None)
    assert kept_rate(scenario) == pytest.approx(1 - math.exp(-2), abs=0.02)
    result = sim.run(scenario, seed=0)
    assert result.touchpoints.iloc[0]["promised"] == pytest.approx(2.0, abs=0.1)


def test_longer_promises_are_kept_more_often_and_win_fewer_prospects():
    pizza = sim.examples.load("pizza")
    runs = {
        m: sim.run(pizza.replace({"touchpoints.delivery.promise.time": m}), seed=4, horizon="30 d")
        for m in (30, 45, 60)
    }
    kept = [
        runs[m]
        .touchpoints.set_index(["touchpoint", "dimension"])
        .loc[("delivery", "time"), "kept_rate"]
        for m in (30, 45, 60)
    ]
    assert kept[0] < kept[1] < kept[2]
