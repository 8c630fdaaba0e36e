"""The workshop app's numbers, without a browser: levers, paired tiles, the store, the handout."""

from __future__ import annotations

import math
import re
import shlex

import matplotlib.pyplot as plt
import pytest

import sim
from sim.app.handout import command, handout
from sim.app.levers import levers
from sim.app.workshop import TILES, Details, Workshop, comparison_table, when_promises_break
from sim.engine.calendar import shifts_of
from sim.experiment.runner import RunSpec
from sim.kpis import KPIS

DRIVERS = "resources.driver.capacity"


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    store = tmp_path_factory.mktemp("app") / "runs.sqlite"
    workshop = Workshop(sim.examples.load("pizza"), horizon="15 d", reps=3, workers=1, store=store)
    yield workshop
    workshop.close()


@pytest.mark.parametrize("name", sim.examples.names())
def test_no_lever_snaps_a_shipped_value(name):
    """Each shipped value lies inside its slider's range and exactly on its step grid."""
    scenario = sim.examples.load(name)
    found = levers(scenario)
    assert any(lever.path == "complaints.probability" for lever in found)
    assert len({lever.path for lever in found}) == len(found)
    for lever in found:
        assert lever.low <= lever.value <= lever.high, lever
        steps = (lever.value - lever.low) / lever.step
        assert math.isclose(steps, round(steps), abs_tol=1e-9), lever
        assert scenario.replace({lever.path: lever.value}) == scenario  # the same shop


def test_answers_stream_and_the_store_answers_a_repeat(shop):
    answers = list(shop.stream(shop.shipped))
    assert [a.done for a in answers] == [1, 2, 3]
    assert all(a.runs["replication"].tolist() == list(range(a.done)) for a in answers)
    again = shop.answer(shop.shipped)
    assert again.runs["profit"].tolist() == answers[-1].runs["profit"].tolist()
    assert again.seconds < answers[-1].seconds  # read from the store, not run


def test_tiles_pair_replications_against_the_baseline(shop):
    base = shop.answer(shop.shipped)
    more = shop.answer({**shop.shipped, DRIVERS: shop.shipped[DRIVERS] + 2})
    same = shop.tiles(base, base)
    assert [t.kpi for t in same] == list(TILES)
    assert all(t.change == 0 and not t.significant for t in same)  # common random numbers
    # two more drivers on the dinner shift, idle at this demand: every replication meets the
    # same customers, so the paired change is exactly their wages for the hours they are
    # staffed, with no noise at all
    crews = {
        name: shifts_of(shop.scenario.replace(settings))["driver"].server_hours(shop.hours)
        for name, settings in (("base", {}), ("more", {DRIVERS: shop.shipped[DRIVERS] + 2}))
    }
    wages = shop.scenario.resource("driver").cost_per_hour * (crews["more"] - crews["base"])
    assert wages > 0
    profit = next(t for t in shop.tiles(more, base) if t.kpi == "profit")
    assert profit.change == pytest.approx(-wages)
    assert profit.change_high - profit.change_low == pytest.approx(0.0, abs=1e-6)
    assert profit.significant and profit.better() is False
    # a longer promise changes who stays: the change is the mean of the paired differences
    longer = shop.answer({**shop.shipped, "touchpoints.delivery.promise.time": 45})
    tiles = {t.kpi: t for t in shop.tiles(longer, base)}
    paired = longer.runs["profit"].to_numpy() - base.runs["profit"].to_numpy()
    profit = tiles["profit"]
    assert profit.change == pytest.approx(paired.mean())
    assert profit.change_low < profit.change < profit.change_high
    churn = tiles["churn_rate"]
    assert 0.0 <= churn.low <= churn.high <= 1.0  # clipped to what a rate can take


def test_the_first_answer_has_no_interval_yet(shop):
    first = next(shop.stream({**shop.shipped, DRIVERS: 4}))
    tiles = shop.tiles(first, shop.answer(shop.shipped))
    assert first.done == 1
    assert all(math.isnan(t.low) and math.isnan(t.change_low) for t in tiles)
    assert all(not math.isnan(t.change) for t in tiles)


def test_charts_read_an_answer_in_native_units(shop):
    from sim import plot

    answer = shop.answer(shop.shipped)
    texts = [t.get_text() for t in plot.gap_map(answer).axes[0].texts]
    assert any(re.match(r"[−+]?\d+\.\d min", t) for t in texts), texts
    drivers = answer.drivers()
    assert drivers["churn"].sum() == pytest.approx(answer.runs["churned"].mean())


def test_the_handouts_command_repeats_its_numbers(shop, capsys):
    """The provenance's command, run in a terminal, prints the handout's means."""
    from sim.cli import main

    base = shop.answer(shop.shipped)
    longer = shop.answer({**shop.shipped, "touchpoints.delivery.promise.time": 45})
    answers = {"45 min": longer, "shipped": base}
    line = command(shop, answers)
    assert "--policy '45 min:touchpoints.delivery.promise.time=45'" in line
    argv = shlex.split(line)[3:]
    capsys.readouterr()
    assert main([*argv, "--workers", "1", "--kpis", "profit,nps"]) == 0
    printed = capsys.readouterr().out
    for answer in (longer, base):
        for kpi in ("profit", "nps"):
            assert KPIS[kpi].number(answer.mean(kpi)) in printed, (kpi, printed)


def test_the_snapshot_table_and_the_handout_say_the_same(shop):
    base = shop.answer(shop.shipped)
    longer = shop.answer({**shop.shipped, "touchpoints.delivery.promise.time": 45})
    table = comparison_table(shop, {"45 min": longer, "shipped": base}, baseline="shipped")
    assert table.loc["Delivery promise"].tolist() == ["45 min", "30 min"]
    assert table.loc["Complaint ease"].tolist() == ["32%", "32%"]
    profit = KPIS["profit"].axis_label("THB")
    assert "Δ" in table.loc[profit, "45 min"] and "Δ" not in table.loc[profit, "shipped"]
    page = handout(shop, {"45 min": longer, "shipped": base}, baseline="shipped")
    for cell in table.to_numpy().ravel():
        assert cell.replace("'", "&#x27;") in page
    assert "touchpoints.delivery.promise.time = 45" in page
    assert shop.scenario.fingerprint in page and "3 per setting" in page
    assert not re.search(r'(src|href)="https?:', page) and page.count("<svg") == 3


@pytest.fixture(scope="module")
def airline(tmp_path_factory):
    """A scenario without a calendar: every hour is alike."""
    store = tmp_path_factory.mktemp("app") / "runs.sqlite"
    workshop = Workshop(sim.examples.load("airline"), horizon="5 d", reps=1, workers=1, store=store)
    yield workshop
    workshop.close()


def test_when_promises_break_pools_the_runs_by_hour(shop):
    """The heat-map's kept rate per hour is the run's own (one replication) and, over
    several, the orders kept over the orders promised, pooled."""
    first = next(shop.stream(shop.shipped))
    spec = RunSpec(shop.scenario, shop.seed, 0, shop.hours, measure=Details())
    result = sim.run(shop.scenario, seed=spec.seed_sequence, horizon=shop.hours, progress=False)
    table = result.by_time.set_index(["weekday", "hour"])
    mine = first.by_time.set_index(["weekday", "hour"])["every_promise_kept"]
    assert len(mine) == 7 * 24 and mine.notna().sum() == (table["promised"] > 0).sum() > 0
    kept = table["every_promise_kept"].dropna()
    assert mine[kept.index].to_numpy() == pytest.approx(kept.to_numpy())
    every = shop.answer(shop.shipped)
    pooled = every.by_time.set_index(["weekday", "hour"])["every_promise_kept"]
    slot = pooled.dropna().index[len(pooled.dropna()) // 2]
    column = "hour|{}|{}|".format(*slot)
    runs = every.runs
    assert pooled[slot] == pytest.approx(
        runs[column + "kept"].sum() / runs[column + "promised"].sum()
    )
    assert ((pooled.dropna() >= 0) & (pooled.dropna() <= 1)).all()


def test_when_promises_break_only_with_a_calendar(shop, airline):
    """Pizza (dinner crews, opening hours) gets the panel and the handout's section, in the
    room's words; the airline (no calendar) gets neither, and no empty panel."""
    from sim.app.page import _charts

    pizza = shop.answer(shop.shipped)
    figure = when_promises_break(pizza)
    ax = figure.axes[0]
    assert ax.get_title() == "Every promise kept, by hour and weekday"
    assert ax.get_xlabel() == "hour of day (order placed)"
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "Mon",
        "Tue",
        "Wed",
        "Thu",
        "Fri",
        "Sat",
        "Sun",
    ]
    plt.close(figure)
    assert "breaks" in _charts(pizza)
    assert "When promises break" in handout(shop, {"now": pizza})
    flat = airline.answer(airline.shipped)
    assert flat.by_time.empty and when_promises_break(flat) is None
    assert set(_charts(flat)) == {"gap", "left"}
    page = handout(airline, {"now": flat})
    assert "When promises break" not in page and page.count("<svg") == 2
