"""Charts for workshops: each function returns a matplotlib Figure and takes an optional Axes.

* :func:`gap_map` — where the brand breaks promises (touchpoint × dimension);
* :func:`satisfaction_distribution` — likelihood to recommend with NPS bands;
* :func:`kpi_timeseries` — active customers, trust, satisfaction, word of mouth over time;
* :func:`retention_curves` — cohort retention by month of acquisition;
* :func:`policy_frontier` — a lever against KPIs, with 95% CI bands from replications;
* :func:`tornado` — sensitivity indices, most influential first;
* :func:`why_they_left` — churn, complaints and negative talk by their cause;
* :func:`policy_cards` — policies side by side: KPIs with CIs and paired differences;
* :func:`robustness_chart` — regret across plausible worlds, and where an answer flips.
* :func:`when_promises_break` — a heat-map of hour of day × weekday: kept rate, wait or
  utilisation.

>>> import sim
>>> from sim import plot
>>> result = sim.run(sim.examples.load("pizza"), seed=1, horizon="20 d")
>>> plot.gap_map(result).axes[0].get_title()
'Where promises meet delivery'
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from sim.experiment.stats import mean_ci
from sim.kpis import KPIS, parameter_label, parameter_unit
from sim.result import Result
from sim.scenario import DIMENSIONS
from sim.scenario.calendar import WEEKDAY_NAMES
from sim.units import level_text

#: Colours, safe for colour-blind readers: the Okabe & Ito (2008) palette for categories and
#: ColorBrewer's red–blue for the gap (worse than expected red, better blue).
_GAP_COLOURS = "RdBu"
_BLUE, _ORANGE, _VERMILION, _SKY, _GREY = "#0072B2", "#E69F00", "#D55E00", "#56B4E9", "#999999"
_DETRACTOR, _PASSIVE, _PROMOTER = _VERMILION, _GREY, _BLUE
#: The gap map's colour scale, fixed so colours mean the same in every run: ± this many
#: just-noticeable differences (beyond it, full colour).
GAP_SCALE_JND = 3.0
#: Fonts legible on a projector (points).
_STYLE = {
    "font.size": 13,
    "axes.titlesize": 14,
    "axes.labelsize": 13,
    "xtick.labelsize": 12,
    "ytick.labelsize": 12,
    "legend.fontsize": 12,
    "figure.titlesize": 14,
    "axes.formatter.useoffset": False,
    "axes.prop_cycle": plt.cycler(color=[_BLUE, _ORANGE, "#009E73", _VERMILION, _SKY, "#CC79A7"]),
}


def _styled(chart):
    """Draw ``chart`` with projector-sized fonts (the figure keeps them once drawn)."""

    @functools.wraps(chart)
    def draw(*args, **kwargs):
        with plt.rc_context(_STYLE):
            return chart(*args, **kwargs)

    return draw


def _kpi_axis(axis, kpi: str) -> None:
    """Tick labels in the KPI's own format: thousands separators, percent, no 1e6 offset."""
    spec = KPIS[kpi]
    scale = 100 if spec.kind == "share" else 1
    decimals = 2 if spec.kind in ("score", "ratio") else 0
    axis.set_major_formatter(
        FuncFormatter(lambda v, _: f"{v * scale:,.{decimals}f}".replace("-", "−"))
    )


def _axes(ax: Axes | None, size=(8, 4.5)) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax
    fig, ax = plt.subplots(figsize=size, layout="constrained")
    return fig, ax


@_styled
def gap_map(result: Result, ax: Axes | None = None) -> Figure:
    """Touchpoints × dimensions: text = the mean gap between delivery and expectation in the
    dimension's own unit (time in the scenario's unit, cost in its currency, service in
    points; + is better than expected) and, where something was promised, the share of
    promises kept; colour = the same gap in just-noticeable differences on a fixed scale
    (±:data:`GAP_SCALE_JND`), so a colour means the same in every run. The one picture of
    where the brand breaks promises. ``result`` needs ``scenario`` and ``touchpoints``."""
    scenario = result.scenario
    fig, ax = _axes(ax, (9, 1.2 + 0.9 * len(scenario.touchpoints)))
    names = [tp.name for tp in scenario.touchpoints]
    jnd = scenario.perception.jnd
    grid = np.full((len(names), len(DIMENSIONS)), np.nan)
    labels = [["" for _ in DIMENSIONS] for _ in names]
    for row in result.touchpoints.itertuples():
        i, j = names.index(row.touchpoint), DIMENSIONS.index(row.dimension)
        grid[i, j] = row.gap / getattr(jnd, row.dimension)
        text = level_text(
            row.gap, row.dimension, scenario.time_unit, scenario.economics.currency, True, "pts"
        )
        if not pd.isna(row.kept_rate):
            text += f"\nkept {row.kept_rate:.0%}"
        labels[i][j] = text
    image = ax.imshow(
        np.ma.masked_invalid(grid),
        cmap=_GAP_COLOURS,
        vmin=-GAP_SCALE_JND,
        vmax=GAP_SCALE_JND,
        aspect="auto",
    )
    for i, row in enumerate(labels):
        for j, text in enumerate(row):
            strong = np.isfinite(grid[i, j]) and abs(grid[i, j]) > 0.6 * GAP_SCALE_JND
            ax.text(
                j, i, text or "—", ha="center", va="center", color="white" if strong else "black"
            )
    ax.set_xticks(range(len(DIMENSIONS)), DIMENSIONS)
    ax.set_yticks(range(len(names)), names)
    ax.set_xlabel("dimension")
    ax.set_ylabel("touchpoint")
    ax.set_title("Where promises meet delivery")
    bar = fig.colorbar(image, ax=ax, ticks=[-GAP_SCALE_JND, 0, GAP_SCALE_JND])
    bar.ax.set_yticklabels(["worse", "as expected", "better"])
    bar.set_label("gap, in noticeable steps")
    return fig


@_styled
def satisfaction_distribution(result: Result, ax: Axes | None = None) -> Figure:
    """Customers' likelihood to recommend (0–10), coloured by NPS band, NPS in the title."""
    fig, ax = _axes(ax)
    answers = np.floor(result.customers.loc[result.customers["episodes"] > 0, "ltr"] + 0.5)
    counts = answers.value_counts().reindex(range(11), fill_value=0)
    colours = [_DETRACTOR] * 7 + [_PASSIVE] * 2 + [_PROMOTER] * 2
    ax.bar(counts.index, counts.to_numpy(), color=colours)
    ax.set_xticks(range(11))
    ax.set_xlabel("likelihood to recommend (0–10)")
    ax.set_ylabel("customers")
    _kpi_axis(ax.yaxis, "acquired")
    ax.set_title(
        f"NPS {KPIS['nps'].number(result.kpis['nps'], signed=True)}: detractors 0–6, "
        "passives 7–8, promoters 9–10"
    )
    return fig


_TIMESERIES = {
    "active": "active customers",
    "trust": "trust in promises (mean)",
    "satisfaction": "satisfaction per purchase (mean)",
    "wom": "word of mouth per day",
}


@_styled
def kpi_timeseries(
    result: Result, kpis: Sequence[str] = tuple(_TIMESERIES), axes: Sequence[Axes] | None = None
) -> Figure:
    """Daily KPIs, one panel each: ``active``, ``trust``, ``satisfaction``, ``wom`` (positive
    and negative talks), or any column of ``result.daily``."""
    if axes is None:
        fig, axes = plt.subplots(
            len(kpis),
            1,
            figsize=(9, 2.4 * len(kpis)),
            sharex=True,
            layout="constrained",
            squeeze=False,
        )
        axes = axes[:, 0]
    fig = axes[0].figure
    daily = result.daily
    for ax, kpi in zip(axes, kpis, strict=True):
        if kpi == "wom":
            ax.plot(daily["day"], daily["wom_positive"], color=_PROMOTER, label="positive")
            ax.plot(daily["day"], daily["wom_negative"], color=_DETRACTOR, label="negative")
            ax.legend(loc="upper left", frameon=False)
        else:
            ax.plot(daily["day"], daily[kpi], color=_BLUE)
        ax.set_ylabel(_TIMESERIES.get(kpi, kpi), fontsize=12)
    axes[-1].set_xlabel("day")
    axes[0].set_title(f"{result.scenario.name}: the run day by day")
    return fig


@_styled
def retention_curves(result: Result, ax: Axes | None = None, cohort_days: int = 30) -> Figure:
    """Share of each cohort (customers acquired in the same ``cohort_days``) still active
    after t days — the curves a shifted-beta-geometric model describes (Fader & Hardie 2007)."""
    fig, ax = _axes(ax)
    c = result.customers
    horizon_days = result.horizon / 24.0
    cohorts = (c["acquired_day"] // cohort_days).astype(int)
    for cohort, members in c.groupby(cohorts):
        start = cohort * cohort_days
        span = horizon_days - (start + cohort_days)
        if span <= 0 or len(members) < 20:
            continue
        ages = np.arange(0, int(span) + 1)
        lifetime = (members["churned_day"] - members["acquired_day"]).fillna(np.inf).to_numpy()
        alive = [(lifetime > age).mean() for age in ages]
        ax.plot(ages, alive, label=f"days {start:.0f}–{start + cohort_days:.0f}")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("days since acquisition")
    ax.set_ylabel("still a customer (%)")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v * 100:.0f}"))
    ax.set_title("Cohort retention")
    if ax.lines:
        ax.legend(title="acquired", frameon=False)
    return fig


@_styled
def policy_frontier(
    runs: pd.DataFrame,
    lever: str,
    kpis: Sequence[str] = ("profit",),
    axes: Sequence[Axes] | None = None,
    currency: str = "",
    unit: str = "",
) -> Figure:
    """A lever (e.g. the promised time) against KPIs: mean over replications with its 95% CI
    band (clipped to what the KPI can take), the best value marked. ``runs`` is a
    :func:`sim.sweep` table (or ``Optimum.runs``); ``currency`` names money on the axes and
    ``unit`` the lever's unit (e.g. "min"); by default both come from the sweep's scenario."""
    if axes is None:
        fig, axes = plt.subplots(
            1, len(kpis), figsize=(5.5 * len(kpis), 4.2), layout="constrained", squeeze=False
        )
        axes = axes[0]
    fig = axes[0].figure
    units = runs.attrs.get("units", {})
    currency = currency or units.get("currency", "")
    name = parameter_label(lever, unit or parameter_unit(lever, units.get("time", ""), currency))
    for ax, kpi in zip(axes, kpis, strict=True):
        spec = KPIS[kpi]
        rows = []
        for value, group in runs.groupby(lever):
            ci = mean_ci(group[kpi])
            rows.append((value, ci.mean, *spec.clip(ci.low, ci.high)))
        x, mean, low, high = (np.array(v, dtype=float) for v in zip(*rows, strict=True))
        ax.fill_between(x, low, high, alpha=0.25, color=_BLUE, label="95% CI")
        ax.plot(x, mean, marker="o", color=_BLUE, label="mean")
        best = int(np.nanargmin(mean)) if spec.better < 0 else int(np.nanargmax(mean))
        ax.axvline(x[best], color=_GREY, linestyle=":", linewidth=1.5)
        ax.set_xlabel(name)
        ax.set_ylabel(spec.axis_label(currency))
        _kpi_axis(ax.yaxis, kpi)
        ax.set_title(spec.label)
    axes[0].legend(frameon=False)
    return fig


@_styled
def tornado(indices: pd.DataFrame, output: str | None = None, ax: Axes | None = None) -> Figure:
    """Sensitivity indices of one output from :func:`sim.sensitivity`, largest on top:
    total-order (ST) and first-order (S1) bars for Sobol, μ* for Morris."""
    output = output or indices["output"].iloc[0]
    table = indices[indices["output"] == output]
    fig, ax = _axes(ax, (8, 1.2 + 0.6 * len(table)))
    title = KPIS[output].phrase if output in KPIS else output
    if "ST" in table:
        table = table.sort_values("ST")
        y = np.arange(len(table))
        ax.barh(
            y + 0.2,
            table["ST"],
            height=0.4,
            xerr=table["ST_conf"],
            label="total (ST)",
            color=_BLUE,
        )
        ax.barh(
            y - 0.2,
            table["S1"],
            height=0.4,
            xerr=table["S1_conf"],
            label="alone (S1)",
            color=_SKY,
        )
        ax.set_xlabel("share of output variance")
        ax.legend(frameon=False)
    else:
        table = table.sort_values("mu_star")
        y = np.arange(len(table))
        ax.barh(y, table["mu_star"], xerr=table["mu_star_conf"], color=_BLUE)
        ax.set_xlabel(f"μ*: typical change of {title} across the range")
    units = indices.attrs.get("units", {})
    names = [
        parameter_label(p, parameter_unit(p, units.get("time", ""), units.get("currency", "")))
        for p in table["parameter"]
    ]
    ax.set_yticks(y, names)
    ax.set_title(f"What drives {title}")
    return fig


@_styled
def why_they_left(result: Result, ax: Axes | None = None, top: int = 8) -> Figure:
    """Customers lost, complaints and criticisms, counted by the touchpoint × dimension that
    hurt most in the triggering episode (``result.drivers()``): counts, not shares, so a
    small churn does not look as alarming as a large one."""
    drivers = result.drivers().head(top).iloc[::-1]
    fig, ax = _axes(ax, (8, 1.4 + 0.6 * len(drivers)))
    labels = [
        f"{t} · {d}" if d else t
        for t, d in zip(drivers["touchpoint"], drivers["dimension"], strict=True)
    ]
    y = np.arange(len(drivers))
    for offset, (column, colour, name) in zip(
        (0.27, 0.0, -0.27),
        (
            ("churn", _VERMILION, "customers lost"),
            ("complaints", _ORANGE, "complaints"),
            ("wom_negative", _SKY, "criticisms"),
        ),
        strict=True,
    ):
        ax.barh(y + offset, drivers[column], height=0.27, color=colour, label=name)
    ax.set_yticks(y, labels)
    ax.set_xlabel("count")
    _kpi_axis(ax.xaxis, "churned")
    ax.set_title("Why they left")
    ax.legend(frameon=False, loc="lower right")
    return fig


@_styled
def policy_cards(
    comparison,
    kpis: Sequence[str] = ("profit", "nps", "churn_rate"),
    axes: Sequence[Axes] | None = None,
    currency: str = "",
) -> Figure:
    """Policies side by side, one card per KPI: mean with its 95% CI (clipped to what the
    KPI can take), and the paired difference to the baseline written above each bar's
    interval in the KPI's unit (* = the difference's CI excludes zero)."""
    if axes is None:
        fig, axes = plt.subplots(
            1, len(kpis), figsize=(5.2 * len(kpis), 4.6), layout="constrained", squeeze=False
        )
        axes = axes[0]
    fig = axes[0].figure
    currency = currency or getattr(comparison, "currency", "")
    policies = list(comparison.summary.index.get_level_values("policy").unique())
    for ax, kpi in zip(axes, kpis, strict=True):
        spec = KPIS[kpi]
        rows = comparison.summary.xs(kpi, level="kpi").loc[policies]
        low, high = np.maximum(rows["ci_low"], spec.low), np.minimum(rows["ci_high"], spec.high)
        x = np.arange(len(policies))
        error = np.vstack([rows["mean"] - low, high - rows["mean"]]).clip(min=0)
        colours = [_GREY if p == comparison.baseline else _BLUE for p in policies]
        ax.bar(x, rows["mean"], yerr=np.nan_to_num(error), color=colours, capsize=4)
        for i, policy in enumerate(policies):
            if policy == comparison.baseline:
                continue
            d = comparison.differences.loc[(policy, kpi)]
            mark = "*" if d["significant"] else ""
            top = np.nanmax([high.iloc[i], rows["mean"].iloc[i], 0.0])
            ax.annotate(
                f"Δ {spec.format(d['mean'], currency, signed=True)}{mark}",
                (i, top),
                textcoords="offset points",
                xytext=(0, 6),
                ha="center",
                fontsize=12,
            )
        ax.margins(y=0.18)
        ax.set_xticks(x, policies, rotation=20, ha="right")
        ax.set_title(spec.axis_label(currency))
        _kpi_axis(ax.yaxis, kpi)
    axes[0].set_ylabel("mean [95% CI]")
    fig.suptitle(
        f"vs {comparison.baseline} (paired, {comparison.manifest['replications']} "
        "replications; * significant)"
    )
    return fig


#: What :func:`when_promises_break` can show: (table, column, title, colour-bar label,
#: colour map, as percent).
_HEAT = {
    "kept": (
        "by_time",
        "every_promise_kept",
        "Every promise kept",
        "orders kept (%)",
        "RdYlGn",
        True,
    ),
    "wait": ("by_time", "waited", "Time queued per order", "minutes queued", "Reds", False),
    "utilisation": (
        "resources_by_time",
        "utilisation",
        "Utilisation",
        "servers busy (%)",
        "Reds",
        True,
    ),
}


def when_promises_break(
    result: Result, show: str = "kept", resource: str = "", ax: Axes | None = None
) -> Figure:
    """Hour of day × weekday heat-map of ``show``: "kept" (share of orders whose every
    promise was kept, by the hour the order was placed), "wait" (minutes queued per order)
    or "utilisation" (of ``resource``; the busiest resource when empty). Hours without
    orders (or staff) stay blank.

    >>> import sim
    >>> result = sim.run(sim.examples.load("pizza"), seed=1, horizon="14 d", progress=False)
    >>> when_promises_break(result).axes[0].get_title()
    'Every promise kept, by hour and weekday'
    """
    if show not in _HEAT:
        raise ValueError(f"show: {show!r} — must be one of {', '.join(_HEAT)}")
    table_name, column, title, label, colours, percent = _HEAT[show]
    table = getattr(result, table_name)
    if table.empty:
        raise ValueError(
            f"{result.scenario.name} has no calendar: every hour is alike; give it one "
            "(calendar.hours, shifts or opening hours) to see when promises break"
        )
    if show == "utilisation":
        names = list(dict.fromkeys(table["resource"]))
        if resource and resource not in names:
            raise ValueError(f"resource: {resource!r} — must be one of {', '.join(names)}")
        if not resource:
            resource = table.groupby("resource")["utilisation"].mean().idxmax()
        table = table[table["resource"] == resource]
        title = f"Utilisation of {resource}"
    grid = table.pivot(index="weekday", columns="hour", values=column).reindex(
        index=range(7), columns=range(24)
    )
    values = grid.to_numpy(dtype=float) * (100.0 if percent else 1.0)
    if show == "wait":
        values = values * 60.0  # hours to minutes
    fig, ax = _axes(ax, (10, 3.6))
    limits = (0.0, 100.0) if percent else (0.0, max(1.0, float(np.nanmax(values, initial=0.0))))
    image = ax.imshow(
        np.ma.masked_invalid(values),
        cmap=colours,
        vmin=limits[0],
        vmax=limits[1],
        aspect="auto",
    )
    ax.set_xticks(range(0, 24, 2), [f"{h:02d}:00" for h in range(0, 24, 2)], fontsize=8)
    ax.set_yticks(range(7), WEEKDAY_NAMES)
    ax.set_xlabel("hour of day (order placed)")
    ax.set_title(f"{title}, by hour and weekday")
    fig.colorbar(image, ax=ax, label=label)
    return fig


def save_report_charts(result: Result, directory: str | Path) -> list[Path]:
    """The main charts of one run as PNG files (used by ``python -m sim --out``); the
    hour × weekday heat-map only for a scenario with a calendar."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    charts = {
        "gap_map": gap_map,
        "satisfaction": satisfaction_distribution,
        "timeseries": kpi_timeseries,
        "retention": retention_curves,
        "why_they_left": why_they_left,
    }
    if not result.by_time.empty:  # a scenario with a calendar
        charts["when_promises_break"] = when_promises_break
    paths = []
    for name, chart in charts.items():
        fig = chart(result)
        path = directory / f"{name}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        paths.append(path)
    return paths


def robustness_chart(study, policy: str, other: str, kpi: str = "profit") -> Figure:
    """Two panels from a :func:`sim.robustness` study. Left: each policy's regret on
    ``kpi`` (shortfall against the best policy in the same world, in the KPI's units) over
    the plausible worlds, as a box plot with every world as a dot. Right: the worlds on the
    two unknowns that matter most for "``policy`` beats ``other``" (those of the discovered
    box first), coloured by whether it holds, with the discovered box shaded.

    >>> import sim
    >>> study = sim.robustness(sim.examples.load("pizza"),
    ...     {"30 min": {}, "60 min": {"touchpoints.delivery.promise.time": 60}},
    ...     n_worlds=4, reps=1, horizon="3 d", progress=False, workers=1)
    >>> robustness_chart(study, "60 min", "30 min").axes[0].get_title()
    'Regret on profit across 4 plausible worlds'
    """
    from matplotlib.patches import Rectangle
    from matplotlib.ticker import FuncFormatter, NullFormatter

    from sim.experiment.robustness import kpi_label
    from sim.units import significant

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
    regrets = [
        study.worlds.loc[study.worlds["policy"] == p, f"regret_{kpi}"].dropna()
        for p in study.policies
    ]
    left.boxplot(regrets, showfliers=False)
    left.set_xticks(range(1, len(study.policies) + 1), study.policies)
    jitter = np.random.default_rng(0)
    for i, values in enumerate(regrets, 1):
        left.scatter(i + jitter.uniform(-0.12, 0.12, len(values)), values, s=10, alpha=0.6)
    spec = KPIS[kpi]  # regret in the KPI's unit; a rate's in percentage points
    left.yaxis.set_major_formatter(FuncFormatter(lambda v, _: spec.number(v)))
    unit = "percentage points" if spec.kind == "share" else spec.unit_text(study.currency)
    left.set_ylabel(f"Regret ({unit}): shortfall against the best")
    left.set_title(f"Regret on {kpi_label(kpi)} across {len(regrets[0])} plausible worlds")

    box = study.discover(policy, other, kpi)
    ranked = list(box.limits) + [u.path for u in study.uncertainties if u.path not in box.limits]
    by_path = {u.path: u for u in study.uncertainties}
    x, y = (by_path[p] for p in (ranked + ranked)[:2])
    wins = study.wins(policy, other, kpi)
    points = study.worlds.drop_duplicates("world").set_index("world").loc[wins.index]
    for holds, colour, label in (
        (True, _PROMOTER, f"{policy} wins"),
        (False, _DETRACTOR, f"{other} wins"),
    ):
        chosen = wins.to_numpy() == holds
        right.scatter(points[x.path][chosen], points[y.path][chosen], c=colour, s=18, label=label)
    if box.limits:
        (x0, x1), (y0, y1) = (box.ranges().get(u.path, (u.low, u.high)) for u in (x, y))
        right.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, color=_DETRACTOR, alpha=0.12, lw=0))
    for axis, u in (("x", x), ("y", y)):
        if u.log:
            getattr(right, f"set_{axis}scale")("log")
        ruler = getattr(right, f"{axis}axis")
        ruler.set_major_formatter(FuncFormatter(lambda v, _: significant(v)))
        ruler.set_minor_formatter(NullFormatter())  # no 10⁻³ labels on a log axis
        getattr(right, f"set_{axis}label")(f"{u.name}{f' ({u.unit})' if u.unit else ''}")
        getattr(right, f"set_{axis}lim")(u.low, u.high)
    right.set_title(
        f"Where {other} beats {policy} on {kpi_label(kpi)} (shaded: the discovered range)"
    )
    right.legend(frameon=False, fontsize=8)
    return fig
