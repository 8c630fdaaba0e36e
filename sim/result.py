"""The outcome of one run: KPIs, tidy tables, "why did they leave?" and a text report.

Times in tables are engine units (hours) unless the column says days; money is in the
scenario's currency; satisfaction is on [−1, 1]; likelihood to recommend on 0–10.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sim.kpis import KPIS, derived
from sim.scenario import Scenario
from sim.scenario.calendar import WEEKDAY_NAMES
from sim.units import format_duration, level_text

#: The report's sections and the KPIs each shows, in this order: every KPI of the registry
#: (:data:`sim.kpis.KPIS`) but those after the sale, shown only when they happened.
REPORT_SECTIONS: dict[str, tuple[str, ...]] = {
    "CUSTOMERS": (
        "prospects",
        "prospects_paid",
        "prospects_wom",
        "acquired",
        "lost",
        "active",
        "churned",
        "churn_rate",
        "purchases",
    ),
    "EXPERIENCE": ("satisfaction_mean", "nps", "every_promise_kept", "trust_mean"),
    "WORD OF MOUTH AND COMPLAINTS": (
        "wom_positive",
        "wom_negative",
        "talk_ratio",
        "wom_listeners",
        "complaints",
        "recovered",
        "unresolved",
    ),
    "MONEY": ("revenue", "costs", "profit", "clv", "cac"),
}
#: KPIs of returns, cancellations, refunds and recoveries: most journeys have none of them.
AFTER_SALE = (
    "proactive_recoveries",
    "paradox_recoveries",
    "cancelled",
    "returns",
    "refused_returns",
    "fraud_refunds",
    "annoyed",
    "refunds",
    "extra_costs",
)


@dataclass(frozen=True)
class Result:
    """What :func:`sim.run` returns.

    * ``kpis`` — a ``pandas.Series`` of headline numbers (prospects, acquired, active,
      churned, purchases, revenue, profit, satisfaction_mean, nps, every_promise_kept (share
      of purchases whose every promise felt kept; each promise's own kept rate is in
      ``touchpoints``), wom_positive, wom_negative, complaints,
      recovered, churn_rate, clv, ...);
    * ``daily`` — one row per day;
    * ``touchpoints`` — one row per touchpoint × dimension: promised, expected, delivered,
      waited (queueing part of delivered time), gap (positive = better than expected, in the
      dimension's unit), kept rate (how kept the promise felt, 0…1, on average: a shortfall
      inside the zone of tolerance counts as kept) and the market norm;
    * ``customers`` — one row per acquired customer, with its segment (:meth:`segments`);
    * ``episodes`` — one row per purchase episode, only with ``run(..., episodes=True)``
      (else None): customer, episode, start_day, end_day, satisfaction, reported, loyalty,
      promises_kept, promises_broken, late (delivered after the promise, to the letter),
      waited (hours), complained, talked, valence, told, churned, hazard (the probability of
      leaving after it);
    * ``resources`` — per capacity-limited resource: requests served, utilisation, mean wait
      (hours) and the queue at the end; ``overloaded`` flags a queue that keeps growing;
    * ``by_time`` — with a ``calendar`` (else empty: every hour is alike), one row per hour
      of the week (weekday 0 = Monday, hour 0–23) by when
      the order was placed: orders, promised (orders with a promise), every_promise_kept, waited (hours queued per order),
      closed_waited and closed_lost (customers who found a touchpoint closed and waited,
      or went to the rival);
    * ``resources_by_time`` — with a ``calendar``, one row per resource × hour of the week:
      servers (mean at
      work), requests, wait_probability (share that queued), mean_wait (hours),
      mean_queue (customers queueing, time average) and utilisation;
    * :meth:`drivers` — churn, complaints and negative word of mouth attributed to the
      touchpoint × dimension that hurt most in the triggering episode;
    * :meth:`report` — the text the CLI prints.

    >>> from sim import examples, run
    >>> result = run(examples.load("pizza"), seed=1, horizon="10 d")
    >>> sorted(result.touchpoints.columns)[:3]
    ['delivered', 'dimension', 'expected']
    """

    scenario: Scenario
    seed: int
    horizon: float
    kpis: pd.Series
    daily: pd.DataFrame
    touchpoints: pd.DataFrame
    customers: pd.DataFrame
    driver_counts: pd.DataFrame = field(repr=False)
    wall_time: float = 0.0
    resources: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    episodes: pd.DataFrame | None = field(default=None, repr=False)
    by_time: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    resources_by_time: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    def drivers(self) -> pd.DataFrame:
        """Why they left: outcomes by the touchpoint × dimension that hurt most.

        Columns: touchpoint, dimension, churn, complaints, wom_negative (counts) and
        ``*_share`` (fraction of the column's total); rows sorted by churn.

        >>> from sim import examples, run
        >>> run(examples.load("pizza"), seed=1, horizon="30 d").drivers().columns[:3].tolist()
        ['touchpoint', 'dimension', 'churn']
        """
        table = self.driver_counts.copy()
        for outcome in ("churn", "complaints", "wom_negative"):
            total = table[outcome].sum()
            table[f"{outcome}_share"] = table[outcome] / total if total else 0.0
        return table.sort_values(
            ["churn", "complaints", "wom_negative"], ascending=False, kind="stable"
        ).reset_index(drop=True)

    def save(self, directory: str | Path) -> list[Path]:
        """Write kpis, daily, touchpoints, customers and drivers (and episodes, if recorded,
        and the tables by time, for a scenario with a calendar) as CSV files; return the
        paths. ``kpis.csv`` and ``touchpoints.csv`` carry a ``unit`` column (and the KPIs
        their display ``label``), since their rows mix units.

        >>> import sim, tempfile, pandas as pd
        >>> folder = tempfile.mkdtemp()
        >>> _ = sim.run(sim.examples.load("pizza"), seed=1, horizon="5 d").save(folder)
        >>> pd.read_csv(f"{folder}/kpis.csv").set_index("kpi").loc["profit", "unit"]
        'THB'
        """
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        currency = self.scenario.economics.currency
        kpis = self.kpis.rename("value").rename_axis("kpi").reset_index()
        kpis["label"] = [KPIS[k].label for k in kpis["kpi"]]
        kpis["unit"] = [
            "share, 0 … 1" if KPIS[k].kind == "share" else KPIS[k].unit_text(currency)
            for k in kpis["kpi"]
        ]
        touchpoints = self.touchpoints.copy()
        units = {"time": "hours", "cost": currency, "service": "service points"}
        touchpoints.insert(2, "unit", touchpoints["dimension"].map(units))
        tables = {
            "kpis": kpis,
            "daily": self.daily,
            "touchpoints": touchpoints,
            "customers": self.customers,
            "drivers": self.drivers(),
        }
        if self.episodes is not None:
            tables["episodes"] = self.episodes
        if not self.by_time.empty:  # a scenario with a calendar
            tables["by_time"] = self.by_time
            tables["resources_by_time"] = self.resources_by_time
        paths = []
        for name, table in tables.items():
            path = directory / f"{name}.csv"
            table.to_csv(path, index=False)
            paths.append(path)
        return paths

    # ------------------------------------------------------------------ the report
    def report(self, overrides: Mapping[str, object] | None = None) -> str:
        """A readable report of the run, as printed by ``python -m sim``; the header lists
        the ``overrides`` (``--set``) that made this scenario, when given. Every KPI is named
        and formatted by the registry (:data:`sim.kpis.KPIS`); see :meth:`report_kpis`.

        >>> from sim import examples, run
        >>> text = run(examples.load("pizza"), seed=1, horizon="5 d").report(
        ...     {"resources.driver.capacity": 6})
        >>> text.splitlines()[3]
        'overrides: resources.driver.capacity = 6'
        """
        from sim.provenance import overrides_text

        s = self.scenario
        lines = [
            f"promise-gap · {s.name}",
            s.description,
            f"seed {self.seed} · horizon {format_duration(self.horizon)} · "
            f"simulated in {self.wall_time:.1f} s",
            None if overrides is None else f"overrides: {overrides_text(overrides)}",
        ]
        for heading, names in self.report_kpis().items():
            lines += ["", heading, *(self._kpi_line(name) for name in names)]
        lines += [
            "",
            "WHERE PROMISES MEET DELIVERY (mean per visit; service on 1–5; gap > 0 is better than "
            "expected)",
            self._touchpoint_lines(),
            "",
            "WHY CUSTOMERS LEFT (share of each outcome by the touchpoint that hurt most in "
            "their last purchase)",
            self._driver_lines(),
            "",
            *self._segment_lines(),
            "CAPACITY",
            self._capacity_lines(),
            *self._when_lines(),
        ]
        return "\n".join(line for line in lines if line is not None)

    def report_kpis(self) -> dict[str, tuple[str, ...]]:
        """The KPIs the report shows, by section: every KPI of the registry, except the
        after-sale ones (returns, refunds, ...) that never happened in this run.

        >>> from sim import examples, run
        >>> run(examples.load("pizza"), seed=1, horizon="5 d").report_kpis()["MONEY"]
        ('revenue', 'costs', 'profit', 'clv', 'cac')
        """
        after_sale = tuple(name for name in AFTER_SALE if self.kpis[name] != 0)
        return {**REPORT_SECTIONS, **({"AFTER THE SALE": after_sale} if after_sale else {})}

    def _kpi_line(self, name: str) -> str:
        """'  Customers won       1,958 customers   48% of prospects': the registry's display
        name and format, then a number that puts it in context, or else its meaning."""
        kpi, k = KPIS[name], self.kpis
        value = {**k, **derived(k)}[name]
        context = {
            "prospects_paid": _share(k.prospects_paid, k.prospects, "prospects"),
            "prospects_wom": _share(k.prospects_wom, k.prospects, "prospects"),
            "acquired": _share(k.acquired, k.prospects, "prospects"),
            "lost": _share(k.lost, k.prospects, "prospects"),
            "purchases": f"{k.purchases / max(k.acquired, 1):,.1f} per customer won",
            "every_promise_kept": f"each promise: {self._kept_by_promise()}",
        }
        note = context.get(name, kpi.meaning)
        formatted = kpi.format(value, self.scenario.economics.currency)
        return f"  {kpi.label:<30}{formatted:>16}   {note}".rstrip()

    def segments(self) -> pd.DataFrame:
        """One row per customer segment: customers, churn, purchases, attitude, CLV.

        >>> from sim import examples, run
        >>> run(examples.load("pizza"), seed=1, horizon="10 d").segments().index.tolist()
        ['everyone']
        """
        c = self.customers
        grouped = c.groupby("segment", sort=False)
        table = pd.DataFrame(
            {
                "customers": grouped.size(),
                "churn_rate": grouped["active"].apply(lambda a: 1.0 - a.mean()),
                "purchases_per_customer": grouped["episodes"].mean(),
                "attitude": grouped["attitude"].mean(),
                "clv": grouped["clv"].mean(),
            }
        )
        order = [s.name for s in self.scenario.segments] or ["everyone"]
        return table.reindex([name for name in order if name in table.index])

    def _segment_lines(self) -> list[str]:
        if not self.scenario.segments:
            return []
        clv = KPIS["clv"].axis_label(self.scenario.economics.currency)
        rows = [
            "SEGMENTS",
            f"  {'segment':<16}{KPIS['acquired'].label:>15}{KPIS['churn_rate'].label:>12}"
            f"{'purchases each':>16}{'attitude':>10}{clv:>31}",
        ]
        for name, row in self.segments().iterrows():
            rows.append(
                f"  {name:<16}{row.customers:>15,.0f}{row.churn_rate:>12.0%}"
                f"{row.purchases_per_customer:>16.1f}"
                f"{f'{row.attitude:+.2f}'.replace('-', '−'):>10}{row.clv:>31,.0f}"
            )
        return [*rows, ""]

    def _kept_by_promise(self) -> str:
        """'delivery time 12% · order cost 100%': the kept rate of each promise made."""
        promised = self.touchpoints.dropna(subset=["kept_rate"])
        if promised.empty:
            return "none made"
        return " · ".join(
            f"{row.touchpoint} {row.dimension} {row.kept_rate:.0%}" for row in promised.itertuples()
        )

    def _touchpoint_lines(self) -> str:
        rows = [
            f"  {'touchpoint':<14}{'dimension':<10}{'promised':>12}{'expected':>12}"
            f"{'delivered':>12}{'gap':>12}{'kept':>7}"
        ]
        unit, money = self.scenario.time_unit, self.scenario.economics.currency
        for row in self.touchpoints.itertuples():
            levels = (row.promised, row.expected, row.delivered)
            shown = [level_text(value, row.dimension, unit, money) for value in levels]
            shown.append(level_text(row.gap, row.dimension, unit, money, signed=True))
            kept = "—" if pd.isna(row.kept_rate) else f"{row.kept_rate:.0%}"
            rows.append(
                f"  {row.touchpoint:<14}{row.dimension:<10}"
                + "".join(f"{text:>12}" for text in shown)
                + f"{kept:>7}"
            )
        return "\n".join(rows)

    def _capacity_lines(self) -> str:
        table = self.resources
        if table.empty:
            return "  no capacity-limited resources"
        rows = [f"  {'resource':<16}{'servers':>8}{'busy':>7}{'mean wait':>12}{'queue at end':>14}"]
        for row in table.itertuples():
            wait = "—" if pd.isna(row.mean_wait) else format_duration(row.mean_wait)
            line = (
                f"  {row.resource:<16}{row.capacity:>8}{row.utilisation:>7.0%}{wait:>12}"
                f"{row.queue_at_end:>14,}"
            )
            if row.overloaded:
                line += "   OVERLOADED: the queue keeps growing — add capacity or promise less"
            rows.append(line)
        return "\n".join(rows)

    def _when_lines(self) -> list[str]:
        """WHEN PROMISES BREAK: the hours of the day where the fewest orders had every
        promise kept (over all weekdays), each weekday, the busiest resource hour and the
        customers who found a touchpoint closed."""
        table = self.by_time
        if table.empty or table["orders"].sum() == 0:
            return []
        kept = table["every_promise_kept"].fillna(0.0) * table["promised"]
        queued = table["waited"].fillna(0.0) * table["orders"]
        hours = pd.DataFrame(
            {
                "orders": table.groupby("hour")["orders"].sum(),
                "kept": kept.groupby(table["hour"]).sum() / table.groupby("hour")["promised"].sum(),
                "queued": queued.groupby(table["hour"]).sum()
                / table.groupby("hour")["orders"].sum(),
            }
        )
        lines = [
            "",
            "WHEN PROMISES BREAK (by the hour the order was placed)",
        ]
        busy = hours[hours["orders"] >= 0.5 * hours["orders"].mean()].dropna(subset=["kept"])
        if not busy.empty:
            lines.append(
                f"  {'hour of day':<16}{KPIS['every_promise_kept'].label:>20}"
                f"{'queued per order':>18}{'orders':>10}"
            )
            worst = busy.nsmallest(3, "kept", keep="first")
            best = busy.drop(worst.index).nlargest(1, "kept", keep="first")
            for label, part in (("worst", worst), ("best", best)):
                for hour, row in part.iterrows():
                    lines.append(
                        f"  {_hours(hour):<16}{row.kept:>20.0%}"
                        f"{format_duration(row.queued):>18}{row.orders:>10,.0f}   {label}"
                    )
        by_day = kept.groupby(table["weekday"]).sum() / table.groupby("weekday")["promised"].sum()
        lines.append(
            f"  {KPIS['every_promise_kept'].label} by weekday: "
            + " · ".join(f"{WEEKDAY_NAMES[d]} {v:.0%}" for d, v in by_day.dropna().items())
        )
        use = self.resources_by_time
        use = use[use["servers"] > 0] if not use.empty else use  # hours off shift: not busy
        if not use.empty:
            mean = use.groupby(["resource", "hour"], sort=False)[
                ["utilisation", "servers", "mean_queue"]
            ].mean()
            peak = mean.dropna(subset=["utilisation"]).nlargest(1, "utilisation", keep="first")
            for (resource, hour), row in peak.iterrows():
                lines.append(
                    f"  busiest hour: {resource} at {_hours(hour)}, {row.utilisation:.0%} busy "
                    f"with {row.servers:,.1f} at work and {row.mean_queue:,.1f} queueing"
                )
        waited, lost = int(table["closed_waited"].sum()), int(table["closed_lost"].sum())
        if waited or lost:
            lines.append(
                f"  found it closed: {waited:,} waited for it to open · {lost:,} went to the rival"
            )
        return lines

    def _driver_lines(self) -> str:
        table = self.drivers()
        table = table[table["churn"] > 0]
        if table.empty:
            return "  nobody churned"
        outcomes = {"churn": "churned", "complaints": "complaints", "wom_negative": "wom_negative"}
        names = [KPIS[kpi].label for kpi in outcomes.values()]
        rows = [f"  {'':<24}" + "".join(f"{name:>16}" for name in names)]
        for row in table.head(6).itertuples():
            where = f"{row.touchpoint} {row.dimension}" if row.dimension else row.touchpoint
            shares = "".join(f"{getattr(row, f'{o}_share'):>16.0%}" for o in outcomes)
            rows.append(f"  {where:<24}{shares}")
        return "\n".join(rows)


def _hours(hour: int) -> str:
    """'19:00–20:00'."""
    return f"{hour:02d}:00–{(hour + 1) % 24:02d}:00"


def _share(part: float, whole: float, of: str) -> str:
    """'48% of prospects' (nothing when there is no whole)."""
    return f"{part / whole:.0%} of {of}" if whole else ""
