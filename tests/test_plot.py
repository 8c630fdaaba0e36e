"""Charts: each returns a Figure with the expected axes and labels, and draws into given Axes."""

from __future__ import annotations

import itertools
import re

import matplotlib.pyplot as plt
import pytest
from matplotlib.figure import Figure

import sim
from sim import plot
from sim.kpis import KPIS

PROMISE = "touchpoints.delivery.promise.time"


@pytest.fixture(scope="module")
def result():
    return sim.run(sim.examples.load("pizza"), seed=1, horizon="60 d")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_gap_map_shows_every_touchpoint_and_the_kept_rate(result):
    fig = plot.gap_map(result)
    ax = fig.axes[0]
    assert isinstance(fig, Figure)
    assert ax.get_title() == "Where promises meet delivery"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["website", "order", "delivery"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["time", "cost", "service"]
    texts = [t.get_text() for t in ax.texts]
    assert any("kept" in text for text in texts)
    assert len(fig.axes) == 2  # the map and its colour bar


def test_satisfaction_distribution_has_eleven_bars_and_the_nps(result):
    fig = plot.satisfaction_distribution(result)
    ax = fig.axes[0]
    assert len(ax.patches) == 11
    assert ax.get_xlabel() == "likelihood to recommend (0–10)"
    assert f"NPS {KPIS['nps'].number(result.kpis['nps'], signed=True)}:" in ax.get_title()
    heights = sum(p.get_height() for p in ax.patches)
    assert heights == (result.customers["episodes"] > 0).sum()


def test_timeseries_has_a_panel_per_kpi(result):
    fig = plot.kpi_timeseries(result)
    assert len(fig.axes) == 4
    assert fig.axes[-1].get_xlabel() == "day"
    assert len(fig.axes[0].lines[0].get_xdata()) == len(result.daily)


def test_retention_curves_start_at_one_and_never_rise(result):
    fig = plot.retention_curves(result)
    ax = fig.axes[0]
    assert ax.lines
    for line in ax.lines:
        y = line.get_ydata()
        assert y[0] <= 1.0 and all(a >= b for a, b in itertools.pairwise(y))


def test_why_they_left_uses_the_drivers(result):
    fig = plot.why_they_left(result)
    ax = fig.axes[0]
    assert ax.get_title() == "Why they left"
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "delivery · time" in labels
    # counts, not shares: the churn bars add up to the customers lost to a named cause
    drivers = result.drivers().head(8)
    churn_bars = ax.patches[: len(labels)]
    assert sum(p.get_width() for p in churn_bars) == drivers["churn"].sum()


def test_policy_frontier_draws_a_band_per_kpi():
    runs = sim.sweep(
        sim.examples.load("pizza"),
        {PROMISE: [30, 60]},
        reps=2,
        horizon="10 d",
        workers=1,
        progress=False,
    )
    fig = plot.policy_frontier(runs, PROMISE, kpis=("profit", "nps"))
    assert len(fig.axes) == 2
    assert fig.axes[1].get_ylabel() == "NPS (points)"
    # units from the sweep's scenario: its time unit and its currency
    assert fig.axes[0].get_xlabel() == "delivery promise (min)"
    assert fig.axes[0].get_ylabel() == "Profit (THB)"
    fig = plot.policy_frontier(runs, PROMISE, kpis=("profit",), unit="hours", currency="€")
    assert fig.axes[0].get_xlabel() == "delivery promise (hours)"
    assert fig.axes[0].get_ylabel() == "Profit (€)"
    assert len(fig.axes[0].collections) == 1  # the CI band


def test_tornado_from_sensitivity():
    indices = sim.sensitivity(
        sim.examples.load("pizza"),
        {PROMISE: (20, 80), "market.prospects_per_day": (10, 40)},
        outputs=["satisfaction_mean"],
        method="morris",
        n=2,
        horizon="10 d",
        workers=1,
        progress=False,
    )
    fig = plot.tornado(indices)
    ax = fig.axes[0]
    assert ax.get_title() == "What drives satisfaction per purchase"
    assert {t.get_text() for t in ax.get_yticklabels()} == {
        "delivery promise (min)",  # in the scenario's time unit
        "prospects (per day)",
    }


def test_policy_cards_annotate_paired_differences():
    comparison = sim.compare(
        sim.examples.load("pizza"),
        {"30": {}, "60": {PROMISE: 60}},
        reps=2,
        horizon="10 d",
        workers=1,
        progress=False,
    )
    fig = plot.policy_cards(comparison, kpis=("nps", "churn_rate"))
    assert [ax.get_title() for ax in fig.axes] == ["NPS (points)", "Churn rate (%)"]
    assert any(t.get_text().startswith("Δ") for t in fig.axes[0].texts)
    _assert_for_the_room(fig)
    # the churn interval is cut at 0 and 1: no whisker outside what a rate can take
    for line in fig.axes[1].lines:
        assert all(0.0 <= y <= 1.0 for y in line.get_ydata())
    # the difference is written above the interval, not on top of it
    [label] = [t for t in fig.axes[1].texts if t.get_text().startswith("Δ")]
    summary = comparison.summary.xs("churn_rate", level="kpi")
    assert label.xy[1] >= min(summary.loc["60", "ci_high"], 1.0) - 1e-12


def _assert_for_the_room(fig):
    """What a strategist sees: fonts of 12 pt or more, no code names, no 1e5 notation."""
    texts = [t for ax in fig.axes for t in ax.texts]
    for ax in fig.axes:
        texts += [ax.title, ax.xaxis.label, ax.yaxis.label]
        texts += ax.get_xticklabels() + ax.get_yticklabels()
    fig.canvas.draw()  # tick labels exist once drawn
    for text in texts:
        words = text.get_text()
        if not words:
            continue
        assert text.get_fontsize() >= 12, words
        assert not re.search(r"\de[+-]?\d", words), words
        assert "_" not in words, words


def test_gap_map_speaks_in_native_units_on_a_fixed_scale(result):
    """The gap map says what the report says (−8.1 min, not −1.6 jnd), and its colours do
    not rescale from run to run."""
    fig = plot.gap_map(result)
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    delivery = result.touchpoints.set_index(["touchpoint", "dimension"]).loc[("delivery", "time")]
    minutes = delivery["gap"] * 60
    assert any(t.startswith(f"{minutes:+.1f} min".replace("-", "−")) for t in texts), texts
    assert f"{minutes:+.1f} min".replace("-", "−") in result.report()
    other = sim.run(sim.examples.load("pizza").replace({PROMISE: 90}), seed=1, horizon="20 d")
    clim = ax.images[0].get_clim()
    assert plot.gap_map(other).axes[0].images[0].get_clim() == clim
    assert clim == (-plot.GAP_SCALE_JND, plot.GAP_SCALE_JND)
    _assert_for_the_room(fig)


def test_every_chart_is_fit_for_the_room(result):
    for chart in (
        plot.satisfaction_distribution,
        plot.why_they_left,
        plot.retention_curves,
    ):
        _assert_for_the_room(chart(result))


def test_charts_draw_into_given_axes(result):
    fig, (left, right) = plt.subplots(1, 2)
    assert plot.gap_map(result, ax=left) is fig
    assert plot.why_they_left(result, ax=right) is fig


def test_cli_out_writes_the_main_charts(tmp_path):
    from sim.cli import main

    assert main(["--horizon", "5d", "--out", str(tmp_path)]) == 0
    for name in (
        "gap_map",
        "satisfaction",
        "timeseries",
        "retention",
        "why_they_left",
        "when_promises_break",
    ):
        assert (tmp_path / f"{name}.png").stat().st_size > 1000


@pytest.mark.parametrize("show", ["kept", "wait", "utilisation"])
def test_when_promises_break_is_an_hour_by_weekday_heat_map(result, show):
    fig = plot.when_promises_break(result, show=show)
    ax = fig.axes[0]
    image = ax.get_images()[0]
    assert image.get_array().shape == (7, 24)
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "Mon",
        "Tue",
        "Wed",
        "Thu",
        "Fri",
        "Sat",
        "Sun",
    ]
    assert "hour" in ax.get_xlabel()
    if show == "kept":
        cells = result.by_time.set_index(["weekday", "hour"])["every_promise_kept"]
        assert image.get_array()[4, 19] == pytest.approx(100 * cells[(4, 19)])


def test_when_promises_break_refuses_what_it_cannot_show(result):
    with pytest.raises(ValueError, match="show: 'queue'"):
        plot.when_promises_break(result, show="queue")
    with pytest.raises(ValueError, match="resource: 'oven'"):
        plot.when_promises_break(result, show="utilisation", resource="oven")


def test_without_a_calendar_there_is_no_heat_map_and_the_error_says_why(tmp_path):
    plain = sim.run(sim.examples.load("airline"), seed=1, horizon="5 d", progress=False)
    with pytest.raises(ValueError, match="has no calendar: every hour is alike"):
        plot.when_promises_break(plain)
    names = {p.stem for p in plot.save_report_charts(plain, tmp_path)}
    assert "when_promises_break" not in names and "gap_map" in names
