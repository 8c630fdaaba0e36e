"""The policy library: each policy does what its docstring says, in isolation."""

from __future__ import annotations

import math

import numpy as np
import pytest
import simpy

import sim
from sim.distributions import Exponential
from sim.policies import DynamicPromise, MatchCompetitor, QuoteContext
from sim.validation.stations import single_station

PROMISE = "touchpoints.delivery.promise.time"


def kept(result, touchpoint="service", dimension="time"):
    table = result.touchpoints.set_index(["touchpoint", "dimension"])
    return table.loc[(touchpoint, dimension), "kept_rate"]


def test_dynamic_quote_is_kept_q_of_the_time_on_a_busy_queue():
    """On M/M/1 the dynamic quote is the exact Erlang quantile of the time in system given
    the queue, so it is kept q of the time at any load (here ρ = 0.8)."""
    scenario = single_station(0.8, promise={"policy": "dynamic", "q": 0.9})
    # on time to the letter (the episode log's late flag), not the felt kept degree
    runs = [sim.run(scenario, seed=seed, episodes=True) for seed in range(6)]
    rates = [1.0 - run.episodes["late"].mean() for run in runs]
    assert np.mean(rates) == pytest.approx(0.9, abs=0.015)


def test_dynamic_quote_grows_with_the_queue():
    class Busy:
        capacity, count, queue = 1, 1, [object()] * 4

    quoter = DynamicPromise(0.5).quoter([Exponential(1.0)], True, QuoteContext([Busy()]))
    idle = DynamicPromise(0.5).quoter([Exponential(1.0)], True, QuoteContext([None]))
    assert quoter.value > idle.value + 3  # five departures ahead, one hour each
    assert idle.value == pytest.approx(math.log(2), rel=1e-9)  # median of Exp(1)


def test_match_competitor_promises_the_rivals_level_plus_offset(pizza):
    matched = pizza.replace({PROMISE: MatchCompetitor(offset=0.25)})
    model = sim.Model(matched, seed=1, horizon="1 d")
    cell = next(
        i
        for i, (k, d) in enumerate(model.plan.cells)
        if model.plan.touchpoint_names[k] == "delivery" and d == "time"
    )
    assert model.quoters[cell].value == pytest.approx(0.5 + 0.25)  # rival 30 min + 15 min
    with pytest.raises(ValueError, match="competitor"):
        MatchCompetitor().quoter([Exponential(1.0)], True, QuoteContext([None]))


def test_dynamic_quote_is_for_time_only(pizza):
    with pytest.raises(sim.ScenarioError, match="time only"):
        pizza.replace({"touchpoints.order.promise.cost": {"policy": "dynamic", "q": 0.9}})


def test_expedite_jumps_the_queue_and_speeds_the_work(pizza):
    busy = pizza.replace({"resources.driver.capacity": 3, "overdelivery.touchpoint": "delivery"})
    plain = sim.run(busy, seed=2, horizon="30 d")
    fast = sim.run(
        busy.replace({"overdelivery.time.share": 1.0, "overdelivery.time.cost": 20}),
        seed=2,
        horizon="30 d",
    )
    delivered = lambda r: r.touchpoints.set_index(["touchpoint", "dimension"]).loc[  # noqa: E731
        ("delivery", "time"), "delivered"
    ]
    assert delivered(fast) < 0.85 * delivered(plain)
    assert fast.kpis["extra_costs"] == pytest.approx(20 * fast.kpis["purchases"], rel=0.01)


def test_expedite_uses_priority_queues_only_where_it_exceeds(pizza):
    """Expedited orders need a simpy.PriorityResource at the over-delivering touchpoint's
    resources; every other resource stays a plain (faster) Resource."""
    busy = pizza.replace(
        {
            "resources.driver.capacity": 3,
            "overdelivery.touchpoint": "delivery",
            "overdelivery.time.share": 0.5,
            "overdelivery.time.speedup": 0.0,
        }
    )
    model = sim.Model(busy, seed=3, horizon="20 d")
    assert all(
        isinstance(r, type(model.resources["driver"]))
        for r in (model.resources["kitchen"], model.resources["driver"])
    )
    assert isinstance(model.resources["driver"], simpy.PriorityResource)  # in shifts, too
    assert not isinstance(model.resources["support"], simpy.PriorityResource)


def test_discount_and_upgrade_exceed_on_cost_and_service(pizza):
    base = pizza.replace({"overdelivery.touchpoint": "delivery"})
    upgraded = sim.run(
        base.replace({"overdelivery.service.share": 1.0, "overdelivery.service.cost": 10}),
        seed=1,
        horizon="20 d",
    )
    plain = sim.run(base, seed=1, horizon="20 d")
    service = lambda r: r.touchpoints.set_index(["touchpoint", "dimension"]).loc[  # noqa: E731
        ("delivery", "service"), "delivered"
    ]
    assert service(upgraded) > service(plain) + 0.5
    with pytest.raises(sim.ScenarioError, match="delivers no cost"):
        base.replace({"overdelivery.cost.share": 1.0})
    order = pizza.replace(
        {
            "overdelivery.touchpoint": "order",
            "overdelivery.cost.share": 1.0,
            "overdelivery.cost.discount": 0.1,
        }
    )
    cheaper = sim.run(order, seed=1, horizon="20 d")
    bill = cheaper.touchpoints.set_index(["touchpoint", "dimension"]).loc[("order", "cost")]
    assert bill["delivered"] == pytest.approx(0.9 * 299)
    assert bill["kept_rate"] == 1.0 and bill["gap"] > 0  # below the estimate: exceeded


def test_bonus_costs_money_and_lifts_satisfaction(pizza):
    plain = sim.run(pizza, seed=1, horizon="20 d")
    gift = sim.run(
        pizza.replace(
            {
                "overdelivery.bonus.probability": 1.0,
                "overdelivery.bonus.cost": 15,
                "overdelivery.bonus.effect": 1.0,
            }
        ),
        seed=1,
        horizon="20 d",
    )
    assert gift.kpis["satisfaction_mean"] > plain.kpis["satisfaction_mean"]
    assert gift.kpis["extra_costs"] == pytest.approx(15 * gift.kpis["purchases"])


def test_contacts_beyond_the_tolerated_number_annoy_about_23_percent(pizza):
    one_extra = sim.run(
        pizza.replace({"followup.contacts": 2, "followup.tolerated_contacts": 1}),
        seed=1,
        horizon="60 d",
    )
    share = one_extra.kpis["annoyed"] / one_extra.kpis["purchases"]
    assert share == pytest.approx(0.23, abs=0.02)  # Customer in Context 2018: 23% feel stalked
    tolerated = sim.run(pizza.replace({"followup.contacts": 1}), seed=1, horizon="60 d")
    assert tolerated.kpis["annoyed"] == 0


def test_proactive_recovery_reaches_the_unheard(pizza):
    reactive = sim.run(pizza, seed=1, horizon="60 d")
    proactive = sim.run(pizza.replace({"recovery.proactive": 0.8}), seed=1, horizon="60 d")
    assert proactive.kpis["proactive_recoveries"] > 0
    assert proactive.kpis["complaints"] < reactive.kpis["complaints"]
    assert proactive.kpis["churn_rate"] < reactive.kpis["churn_rate"]


def test_apology_points_are_redeemed_on_the_next_purchase(pizza):
    without = sim.run(pizza, seed=1, horizon="60 d")
    points = sim.run(pizza.replace({"recovery.credit": 50}), seed=1, horizon="60 d")
    # points reduce the next bill: revenue per purchase falls by about the points redeemed
    per_purchase = lambda r: r.kpis["revenue"] / r.kpis["purchases"]  # noqa: E731
    assert per_purchase(points) < per_purchase(without)
