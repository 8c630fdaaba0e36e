"""Charts for workshops: each function returns a matplotlib Figure and takes an optional Axes.

* :func:`gap_map` — where the brand breaks promises (touchpoint × dimension);
* :func:`satisfaction_distribution` — likelihood to recommend with NPS bands;
* :func:`kpi_timeseries` — active customers, trust, satisfaction, word of mouth over time;
* :func:`retention_curves` — cohort retention by month of acquisition;
* :func:`policy_frontier` — a lever against KPIs, with 95% CI bands from replications;
* :func:`tornado` — sensitivity indices, most influential first;
* :func:`why_they_left` — churn, complaints and negative talk by their cause;
* :func:`policy_cards` — policies side by side: KPIs with CIs and paired differences;
* :func:`when_promises_break` — a heat-map of hour of day × weekday: kept rate, wait or
  utilisation.

>>> import sim
>>> from sim import plot
>>> result = sim.run(sim.examples.load("pizza"), seed=1, horizon="20 d")
>>> plot.gap_map(result).axes[0].get_title()
'Where promises meet delivery'
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.experiment.stats import mean_ci
from sim.result import Result
from sim.scenario import DIMENSIONS

#: Colours: worse than expected (red) … better (green); NPS bands.
_GAP_COLOURS = "RdYlGn"
_DETRACTOR, _PASSIVE, _PROMOTER = "#d7301f", "#bdbdbd", "#1a9850"


def _axes(ax: Axes | None, size=(7, 4)) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax
    fig, ax = plt.subplots(figsize=size, layout="constrained")
    return fig, ax


def gap_map(result: Result, ax: Axes | None = None) -> Figure:
    """Touchpoints × dimensions; colour = mean gap between delivery and expectation in jnd
    (negative: worse than expected), text = the gap and, where something was promised, the
    share of promises kept. The one picture of where the brand breaks promises."""
    fig, ax = _axes(ax, (7, 0.6 + 0.55 * len(result.scenario.touchpoints)))
    table = result.touchpoints
    names = [tp.name for tp in result.scenario.touchpoints]
    jnd = result.scenario.perception.jnd
    grid = np.full((len(names), len(DIMENSIONS)), np.nan)
    labels = [["" for _ in DIMENSIONS] for _ in names]
    for row in table.itertuples():
        i, j = names.index(row.touchpoint), DIMENSIONS.index(row.dimension)
        grid[i, j] = row.gap / getattr(jnd, row.dimension)
        text = f"{grid[i, j] + 0.0:+.1f}".replace("-0.0", "0.0").replace("+0.0", "0.0")
        if not pd.isna(row.kept_rate):
            text += f"\nkept {row.kept_rate:.0%}"
        labels[i][j] = text
    limit = max(1.0, float(np.nanmax(np.abs(grid))) if np.isfinite(grid).any() else 1.0)
    image = ax.imshow(
        np.ma.masked_invalid(grid), cmap=_GAP_COLOURS, vmin=-limit, vmax=limit, aspect="auto"
    )
    for i, row in enumerate(labels):
        for j, text in enumerate(row):
            ax.text(j, i, text or "—", ha="center", va="center", fontsize=9)
    ax.set_xticks(range(len(DIMENSIONS)), DIMENSIONS)
    ax.set_yticks(range(len(names)), names)
    ax.set_xlabel("dimension")
    ax.set_ylabel("touchpoint")
    ax.set_title("Where promises meet delivery")
    fig.colorbar(image, ax=ax, label="gap (jnd, + better)")
    return fig


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
    ax.set_title(f"NPS {result.kpis['nps']:+.0f}: detractors 0–6, passives 7–8, promoters 9–10")
    return fig


_TIMESERIES = {
    "active": "active customers",
    "trust": "trust in promises (mean)",
    "satisfaction": "satisfaction per purchase (mean)",
    "wom": "word of mouth per day",
}


def kpi_timeseries(
    result: Result, kpis: Sequence[str] = tuple(_TIMESERIES), axes: Sequence[Axes] | None = None
) -> Figure:
    """Daily KPIs, one panel each: ``active``, ``trust``, ``satisfaction``, ``wom`` (positive
    and negative talks), or any column of ``result.daily``."""
    if axes is None:
        fig, axes = plt.subplots(
            len(kpis),
            1,
            figsize=(8, 2.1 * len(kpis)),
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
            ax.plot(daily["day"], daily[kpi], color="#2c7fb8")
        ax.set_ylabel(_TIMESERIES.get(kpi, kpi), fontsize=8)
    axes[-1].set_xlabel("day")
    axes[0].set_title(f"{result.scenario.name}: the run day by day")
    return fig


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
    ax.set_ylabel("share still a customer")
    ax.set_title("Cohort retention")
    if ax.lines:
        ax.legend(title="acquired", fontsize=8, frameon=False)
    return fig


def policy_frontier(
    runs: pd.DataFrame,
    lever: str,
    kpis: Sequence[str] = ("profit",),
    axes: Sequence[Axes] | None = None,
) -> Figure:
    """A lever (e.g. the promised time) against KPIs: mean over replications with its 95% CI
    band. ``runs`` is a :func:`sim.sweep` table (or ``Optimum.runs``)."""
    if axes is None:
        fig, axes = plt.subplots(
            1, len(kpis), figsize=(4.2 * len(kpis), 3.4), layout="constrained", squeeze=False
        )
        axes = axes[0]
    fig = axes[0].figure
    for ax, kpi in zip(axes, kpis, strict=True):
        rows = []
        for value, group in runs.groupby(lever):
            ci = mean_ci(group[kpi])
            rows.append((value, ci.mean, ci.low, ci.high))
        x, mean, low, high = (np.array(v, dtype=float) for v in zip(*rows, strict=True))
        ax.fill_between(x, low, high, alpha=0.25, color="#2c7fb8", label="95% CI")
        ax.plot(x, mean, marker="o", color="#2c7fb8", label="mean")
        best = (
            int(np.nanargmax(mean))
            if kpi not in ("churn_rate", "costs")
            else int(np.nanargmin(mean))
        )
        ax.axvline(x[best], color="grey", linestyle=":", linewidth=1)
        label = " ".join(lever.split(".")[-2:])  # "promise time" for ...promise.time
        ax.set_xlabel(label)
        ax.set_ylabel(kpi)
        ax.set_title(f"{kpi} against {label}")
    axes[0].legend(frameon=False, fontsize=8)
    return fig


def tornado(indices: pd.DataFrame, output: str | None = None, ax: Axes | None = None) -> Figure:
    """Sensitivity indices of one output from :func:`sim.sensitivity`, largest on top:
    total-order (ST) and first-order (S1) bars for Sobol, μ* for Morris."""
    output = output or indices["output"].iloc[0]
    table = indices[indices["output"] == output]
    fig, ax = _axes(ax, (7, 0.8 + 0.5 * len(table)))
    if "ST" in table:
        table = table.sort_values("ST")
        y = np.arange(len(table))
        ax.barh(
            y + 0.2,
            table["ST"],
            height=0.4,
            xerr=table["ST_conf"],
            label="total (ST)",
            color="#2c7fb8",
        )
        ax.barh(
            y - 0.2,
            table["S1"],
            height=0.4,
            xerr=table["S1_conf"],
            label="alone (S1)",
            color="#a6bddb",
        )
        ax.set_xlabel("share of output variance")
        ax.legend(frameon=False)
    else:
        table = table.sort_values("mu_star")
        y = np.arange(len(table))
        ax.barh(y, table["mu_star"], xerr=table["mu_star_conf"], color="#2c7fb8")
        ax.set_xlabel(f"μ*: typical change of {output} across the range")
    ax.set_yticks(y, table["parameter"])
    ax.set_title(f"What drives {output}")
    return fig


def why_they_left(result: Result, ax: Axes | None = None, top: int = 8) -> Figure:
    """Churn, complaints and negative talk attributed to the touchpoint × dimension that hurt
    most in the triggering episode (``result.drivers()``), as shares of each outcome."""
    drivers = result.drivers().head(top).iloc[::-1]
    fig, ax = _axes(ax, (7, 0.8 + 0.45 * len(drivers)))
    labels = [
        f"{t}.{d}" if d else t
        for t, d in zip(drivers["touchpoint"], drivers["dimension"], strict=True)
    ]
    y = np.arange(len(drivers))
    for offset, (column, colour, name) in zip(
        (0.27, 0.0, -0.27),
        (
            ("churn_share", _DETRACTOR, "churned"),
            ("complaints_share", "#fc8d59", "complaints"),
            ("wom_negative_share", "#fee08b", "negative talk"),
        ),
        strict=True,
    ):
        ax.barh(y + offset, drivers[column], height=0.27, color=colour, label=name)
    ax.set_yticks(y, labels)
    ax.set_xlabel("share of each outcome")
    ax.set_title("Why they left")
    ax.legend(frameon=False, fontsize=8)
    return fig


def policy_cards(
    comparison,
    kpis: Sequence[str] = ("profit", "nps", "churn_rate"),
    axes: Sequence[Axes] | None = None,
) -> Figure:
    """Policies side by side, one card per KPI: mean with its 95% CI, and the paired
    difference to the baseline written on each bar (* = CI excludes zero)."""
    if axes is None:
        fig, axes = plt.subplots(
            1, len(kpis), figsize=(4.2 * len(kpis), 3.6), layout="constrained", squeeze=False
        )
        axes = axes[0]
    fig = axes[0].figure
    policies = list(comparison.summary.index.get_level_values("policy").unique())
    for ax, kpi in zip(axes, kpis, strict=True):
        rows = comparison.summary.xs(kpi, level="kpi").loc[policies]
        x = np.arange(len(policies))
        error = np.vstack([rows["mean"] - rows["ci_low"], rows["ci_high"] - rows["mean"]])
        colours = ["#969696" if p == comparison.baseline else "#2c7fb8" for p in policies]
        ax.bar(x, rows["mean"], yerr=error, color=colours, capsize=3)
        for i, policy in enumerate(policies):
            if policy == comparison.baseline:
                continue
            d = comparison.differences.loc[(policy, kpi)]
            mark = "*" if d["significant"] else ""
            ax.annotate(
                f"Δ {d['mean']:+.3g}{mark}",
                (i, rows["mean"].iloc[i]),
                textcoords="offset points",
                xytext=(0, 4),
                ha="center",
                fontsize=8,
            )
        ax.set_xticks(x, policies, rotation=20, ha="right")
        ax.set_title(kpi)
    axes[0].set_ylabel("mean [95% CI]")
    fig.suptitle(
        f"vs {comparison.baseline} (paired, {comparison.manifest['replications']} "
        "replications; * significant)",
        fontsize=9,
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
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


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
    ax.set_yticks(range(7), _WEEKDAYS)
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
