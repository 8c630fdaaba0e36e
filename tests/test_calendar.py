"""The calendar: demand profiles, shifts and opening hours.

* bad input is refused with a line naming the field and the fix;
* a flat profile is exactly the run without one; a changed profile moves when customers come,
  never who they are (common random numbers);
* demand never comes in an hour of weight 0, first purchases and repeats alike;
* a resource in shifts is paid only for them, and a capacity drop finishes the services in
  progress;
* a closed touchpoint makes customers wait or sends them to the rival, and both are counted.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import simpy

import sim
from sim import Scenario, ScenarioError, examples
from sim.engine.calendar import Rhythm, ShiftResource, Shifts
from sim.scenario.calendar import WEEK_MINUTES

#: A small shop: one clerk at one desk, open by day.
SHOP = {
    "name": "shop",
    "touchpoints": [{"name": "desk", "stages": [{"duration": 0.25, "resource": "clerk"}]}],
    "resources": [{"name": "clerk", "capacity": 2, "cost_per_hour": 10.0}],
    "market": {"prospects_per_day": 40, "brand_preference": 50.0},
    "wom": {"reach": 0.0},
}
NIGHTS_OFF = [0.0] * 8 + [1.0] * 12 + [0.0] * 4  # demand 08:00–20:00 only


def shop(**calendar) -> dict:
    return {**SHOP, "calendar": calendar}


def problems(data: dict) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        Scenario.from_dict(data)
    return info.value.problems


def problem(data: dict, path: str, *fragments: str) -> str:
    lines = [p for p in problems(data) if p.startswith(f"{path}:")]
    assert lines, f"no problem at {path}: {problems(data)}"
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


# --------------------------------------------------------------------------- bad input
def test_a_profile_of_the_wrong_length_is_refused():
    problem(shop(hours=[1.0] * 23), "calendar.hours", "24 numbers", "wrong length")
    problem(shop(days=[1.0] * 8), "calendar.days", "7 numbers")
    problem(shop(week=[[1.0] * 24] * 6), "calendar.week", "7 rows")
    problem(shop(week=[[1.0] * 24] * 6 + [[1.0] * 25]), "calendar.week[6]", "24 numbers")


def test_negative_or_all_zero_weights_are_refused():
    problem(shop(hours=[1.0] * 23 + [-1.0]), "calendar.hours[23]", "between 0 and")
    problem(shop(hours=[0.0] * 24), "calendar.hours", "not all 0")
    problem(shop(daily=[0, 0, 0]), "calendar.daily", "not all 0")
    problem(shop(week=[[0.0] * 24] * 7), "calendar.week", "not all 0")


def test_overlapping_shifts_are_refused():
    shifts = [
        {"resource": "clerk", "start": "00:00", "end": "13:00", "capacity": 1},
        {"resource": "clerk", "start": "12:00", "end": "24:00", "capacity": 2},
    ]
    problem(shop(shifts=shifts), "calendar.shifts[1]", "overlaps shift [0] at Mon 12:00")


def test_gapped_shifts_are_refused_while_the_touchpoint_is_open():
    shifts = [{"resource": "clerk", "start": "08:00", "end": "20:00", "capacity": 2}]
    problem(shop(shifts=shifts), "calendar.shifts", "gapped shifts", "Mon 00:00", "desk")
    opening = [{"touchpoint": "desk", "start": "09:00", "end": "19:00"}]
    Scenario.from_dict(shop(shifts=shifts, opening=opening))  # staffed whenever open
    late = [{"touchpoint": "desk", "start": "09:00", "end": "21:00"}]
    problem(shop(shifts=shifts, opening=late), "calendar.shifts", "gapped", "Mon 20:00")


def test_capacity_zero_during_opening_hours_is_refused():
    shifts = [
        {"resource": "clerk", "start": "08:00", "end": "12:00", "capacity": 2},
        {"resource": "clerk", "start": "12:00", "end": "13:00", "capacity": 0},
        {"resource": "clerk", "start": "13:00", "end": "20:00", "capacity": 2},
    ]
    opening = [{"touchpoint": "desk", "start": "08:00", "end": "20:00"}]
    problem(shop(shifts=shifts, opening=opening), "calendar.shifts", "capacity 0", "Mon 12:00")


@pytest.mark.parametrize("written", ["25:00", "12:60", "noon", "7", "24:01"])
def test_a_time_that_is_not_on_the_clock_is_refused(written):
    shifts = [{"resource": "clerk", "start": written, "end": "20:00", "capacity": 2}]
    problem(shop(shifts=shifts), "calendar.shifts[0].start", "clock time", "'17:30'")


def test_bad_weekdays_are_refused_with_a_suggestion():
    opening = [{"touchpoint": "desk", "days": "mon-fir", "start": "08:00", "end": "20:00"}]
    problem(shop(opening=opening), "calendar.opening[0].days", "did you mean 'fri'")


def test_a_schedule_for_an_unknown_resource_is_refused():
    shifts = [{"resource": "clerc", "start": "00:00", "end": "24:00", "capacity": 2}]
    problem(shop(shifts=shifts), "calendar.shifts[0].resource", "not a resource", "'clerk'")
    opening = [{"touchpoint": "till", "start": "08:00", "end": "20:00"}]
    problem(shop(opening=opening), "calendar.opening[0].touchpoint", "not a touchpoint")


def test_week_and_hours_together_are_refused():
    problem(shop(week=[[1.0] * 24] * 7, hours=NIGHTS_OFF), "calendar.week", "not both")


# --------------------------------------------------------------------------- demand
def test_a_flat_profile_is_exactly_no_profile():
    pizza = examples.load("pizza")
    plain = pizza.replace({"calendar": {}})
    flat = pizza.replace({"calendar": {"hours": [3.0] * 24, "days": [1.0] * 7}})
    a = sim.run(plain, seed=4, horizon="20 d", progress=False)
    b = sim.run(flat, seed=4, horizon="20 d", progress=False)
    assert a.kpis.equals(b.kpis)


def test_a_changed_profile_keeps_who_the_customers_are():
    """Inversion moves each paid prospect in time but keeps its order and its draws: the
    customers acquired are the same people, in the same order."""
    pizza = examples.load("pizza").replace({"wom.reach": 0.0, "calendar": {}})
    peaked = pizza.replace({"calendar.hours": [1.0] * 17 + [5.0] * 4 + [1.0] * 3})
    a = sim.run(pizza, seed=2, horizon="20 d", progress=False).customers
    b = sim.run(peaked, seed=2, horizon="20 d", progress=False).customers
    n = min(len(a), len(b))
    assert n > 100
    assert a["baseline_churn"][:n].tolist() == b["baseline_churn"][:n].tolist()
    assert a["acquired_day"][:n].tolist() != b["acquired_day"][:n].tolist()


def test_demand_never_comes_in_an_hour_without_weight():
    """Paid prospects and repeat purchases alike follow the profile: no order is placed in
    an hour of weight 0, and the busy hours get about their share."""
    data = shop(hours=NIGHTS_OFF)
    data["retention"] = {"interval": "2 d"}
    result = sim.run(Scenario.from_dict(data), seed=3, horizon="28 d", progress=False)
    orders = result.by_time.groupby("hour")["orders"].sum()
    assert orders[[h for h, w in enumerate(NIGHTS_OFF) if w == 0]].sum() == 0
    assert result.kpis.purchases > result.kpis.acquired > 0  # repeats happened


def test_inversion_gives_poisson_counts_with_the_profile_mean():
    """Unit-rate exponential gaps run through the rhythm: counts per hour average the
    hour's weight (a Poisson process of intensity w(t))."""
    rhythm = Rhythm([0.5, 2.0, 0.0, 1.5])
    rng = np.random.default_rng(1)
    t, counts = 0.0, np.zeros(4)
    cycles = 20_000
    while True:
        t = rhythm.advance(t, rng.exponential())
        if t >= 4 * cycles:
            break
        counts[int(t % 4)] += 1
    assert counts / cycles == pytest.approx(rhythm.weights, abs=0.03)


def test_the_daily_multiplier_repeats_and_keeps_the_mean():
    calendar = Scenario.from_dict(shop(daily=[1.0, 3.0])).calendar
    rhythm = Rhythm.of(calendar)
    assert rhythm.period == 14 * 24
    assert rhythm.intensity(0.5) == pytest.approx(0.5)
    assert rhythm.intensity(24.5) == pytest.approx(1.5)
    assert math.fsum(rhythm.weights) / rhythm.period == pytest.approx(1.0)


# --------------------------------------------------------------------------- shifts
def test_a_capacity_drop_finishes_the_services_in_progress():
    env = simpy.Environment()
    desk = ShiftResource(env, 3)
    finished, started = [], []

    def customer(name):
        with desk.request() as request:
            yield request
            started.append((name, env.now))
            yield env.timeout(2.0)
            finished.append((name, env.now))

    for name in "abcd":
        env.process(customer(name))
    env.run(until=1.0)
    desk.staff(1)  # two of the three go off shift: nobody is dropped
    env.run(until=10.0)
    assert finished[:3] == [("a", 2.0), ("b", 2.0), ("c", 2.0)]
    # d starts once the services in progress fall below the new capacity of 1
    assert dict(started)["d"] == 2.0 and finished[3] == ("d", 4.0)


def test_resources_in_shifts_are_paid_only_for_their_hours():
    shifts = [
        {"resource": "clerk", "days": "mon-fri", "start": "08:00", "end": "20:00", "capacity": 2},
        {"resource": "clerk", "days": "sat", "start": "10:00", "end": "14:00", "capacity": 1},
    ]
    opening = [
        {"touchpoint": "desk", "days": "mon-fri", "start": "08:00", "end": "20:00"},
        {"touchpoint": "desk", "days": "sat", "start": "10:00", "end": "14:00"},
    ]
    data = shop(shifts=shifts, opening=opening, hours=NIGHTS_OFF)
    data["economics"] = {"unit_cost": 0.0}
    data["market"] = {**SHOP["market"], "ad_spend_per_day": 0.0}
    result = sim.run(Scenario.from_dict(data), seed=1, horizon="14 d", progress=False)
    paid = 2 * (5 * 12 * 2) + 2 * (1 * 4 * 1)  # two weeks
    assert result.kpis.costs == pytest.approx(paid * 10.0)
    staffed = result.resources_by_time
    assert staffed.loc[(staffed.weekday == 6), "servers"].sum() == 0
    assert result.resources.loc[0, "capacity"] == 2


def test_shifts_count_server_hours_across_the_week():
    minutes = [2] * (WEEK_MINUTES // 2) + [0] * (WEEK_MINUTES // 2)
    shifts = Shifts(minutes)
    assert shifts.server_hours(168.0) == pytest.approx(168.0)
    assert shifts.server_hours(168.0 + 10.0) == pytest.approx(188.0)
    assert shifts.servers_at(100.0) == 0 and shifts.servers_at(80.0 + 168.0) == 2


# --------------------------------------------------------------------------- opening hours
@pytest.mark.parametrize("when_closed", ["wait", "lost"])
def test_a_closed_touchpoint_is_counted_either_way(when_closed):
    opening = [{"touchpoint": "desk", "start": "09:00", "end": "17:00"}]
    data = shop(opening=opening, when_closed=when_closed)  # demand all day, open by day
    result = sim.run(Scenario.from_dict(data), seed=5, horizon="14 d", progress=False)
    table = result.by_time
    night = table[(table.hour < 9) | (table.hour >= 17)]
    if when_closed == "wait":
        assert night["closed_waited"].sum() > 0 and table["closed_lost"].sum() == 0
        # an order placed at night waits for the morning: hours, not minutes
        assert table.loc[table.hour == 3, "waited"].mean() > 5.0
        assert (
            table.loc[table.hour == 3, "waited"].mean()
            > 2 * table.loc[table.hour == 14, "waited"].mean()
        )
    else:
        assert night["closed_lost"].sum() > 0 and table["closed_waited"].sum() == 0
        assert night["orders"].sum() == 0  # nobody is served at night
        assert result.kpis.lost > 0  # new prospects who found it closed went to the rival
    assert "closed" in result.report()


# --------------------------------------------------------------------------- promises
PEAK = [0.2] * 11 + [1.0] * 6 + [4.0] * 4 + [1.0] * 2 + [0.2]


@pytest.mark.parametrize(
    "policy",
    [{"policy": "quantile", "q": 0.9, "by": "hour"}, {"policy": "buffer", "add": 10, "by": "hour"}],
)
def test_a_learning_promise_by_the_hour_quotes_longer_at_the_peak(policy):
    from sim.engine.model import Model

    pizza = examples.load("pizza").replace(
        {
            "calendar": {"hours": PEAK},  # round the clock, no shifts: 3 ovens, 5 drivers
            "resources.kitchen.capacity": 3,
            "resources.driver.capacity": 5,
            "touchpoints.delivery.promise.time": policy,
        }
    )
    model = Model(pizza, seed=1, horizon="45 d")
    model.run(progress=False)
    cell = next(c for c, (k, d) in enumerate(model.plan.cells) if (k, d) == (2, "time"))
    quotes = [q.value for q in model.quoters[cell]._quoters]
    # six minutes longer at least, on average over the peak's hours and the afternoon's
    assert np.mean(quotes[18:21]) > np.mean(quotes[11:17]) + 0.1


def test_a_fixed_promise_stays_one_number_and_by_is_kept_when_saved(tmp_path):
    pizza = examples.load("pizza")
    assert pizza.touchpoint("delivery").promise.time.value == 0.5
    slotted = pizza.replace(
        {"touchpoints.delivery.promise.time": {"policy": "quantile", "q": 0.8, "by": "hour"}}
    )
    path = tmp_path / "slotted.toml"
    slotted.save(path)
    assert Scenario.load(path).touchpoint("delivery").promise.time.by == "hour"
    bad = {"policy": "quantile", "q": 0.8, "by": "minute"}
    with pytest.raises(ScenarioError, match=r"promise.time.by: 'minute' — must be one of hour"):
        pizza.replace({"touchpoints.delivery.promise.time": bad})


def test_a_shift_without_a_capacity_staffs_the_resource_capacity():
    """So resources.NAME.capacity stays a lever: pizza's dinner crews follow it."""
    pizza = examples.load("pizza")
    fewer = pizza.replace({"resources.driver.capacity": 6})
    a = sim.run(pizza, seed=1, horizon="21 d", progress=False).resources_by_time
    b = sim.run(fewer, seed=1, horizon="21 d", progress=False).resources_by_time
    dinner = (a.resource == "driver") & (a.hour == 19)
    lunch = (a.resource == "driver") & (a.hour == 12)
    assert set(a.loc[dinner, "servers"]) == {11} and set(b.loc[dinner, "servers"]) == {6}
    assert set(a.loc[lunch, "servers"]) == set(b.loc[lunch, "servers"]) == {8}
    assert b.loc[dinner, "wait_probability"].mean() > a.loc[dinner, "wait_probability"].mean()


# --------------------------------------------------------------------------- the README
def _dinner_kept(result) -> float:
    """Share of orders placed 18:00–21:00 whose every promise was kept."""
    table = result.by_time[result.by_time.hour.isin([18, 19, 20])]
    return float((table.every_promise_kept * table.promised).sum() / table.promised.sum())


def test_readme_pizza_answer_with_and_without_the_dinner_peak():
    from pathlib import Path

    readme = " ".join((Path(__file__).parents[1] / "README.md").read_text("utf-8").split())
    pizza = examples.load("pizza")
    promise = "touchpoints.delivery.promise.time"
    flat = pizza.replace(
        {"calendar": {}, "resources.kitchen.capacity": 3, "resources.driver.capacity": 5}
    )
    profits = []
    for shop_ in (pizza, flat):
        at_30 = sim.run(shop_, seed=1, progress=False).kpis
        at_60 = sim.run(shop_.replace({promise: 60}), seed=1, progress=False).kpis
        for kpi, better in (("satisfaction_mean", 1), ("nps", 1), ("churn_rate", -1)):
            assert better * (at_60[kpi] - at_30[kpi]) > 0, kpi
        profits.append(f"from {at_30.profit / 1e6:.1f} M to {at_60.profit / 1e6:.1f} M THB")
    assert f"profit rising {profits[0]} with the peak and {profits[1]} without" in readme
    few = pizza.replace({promise: 60, "resources.driver.capacity": 6})
    kept_few = _dinner_kept(sim.run(few, seed=1, progress=False))
    kept_all = _dinner_kept(sim.run(pizza.replace({promise: 60}), seed=1, progress=False))
    assert f"kept for {kept_few:.0%} of dinner orders (18:00–21:00) instead of {kept_all:.0%}" in (
        readme
    )


@pytest.mark.parametrize("amount", [0.0, 1e-300, 1e-9, 0.37, 30.0, 500.0])
def test_inversion_never_goes_back_in_time_and_accumulates_the_amount(amount):
    """From any moment, also inside hours without demand and for vanishing amounts, the
    time returned is not earlier and the demand accumulated up to it is the amount."""
    rhythm = Rhythm.of(examples.load("pizza").calendar)

    def accumulated(t):
        cycles, x = divmod(t, rhythm.period)
        hour = int(x)
        return cycles * rhythm.total + rhythm.cumulative[hour] + rhythm.weights[hour] * (x - hour)

    for t in np.random.default_rng(7).uniform(0.0, 3 * rhythm.period, 2_000):
        later = rhythm.advance(float(t), amount)
        assert later >= t
        assert accumulated(later) - accumulated(t) == pytest.approx(amount, rel=1e-9, abs=1e-7)
