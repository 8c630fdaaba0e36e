"""Streaming metrics: running sums per day, per cell and per driver — never per event.

Memory is fixed by the horizon (days) and the journey (cells); customers are kept by the
model for the per-customer table. Nothing grows with the number of events.
"""

from __future__ import annotations

import math
from array import array
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim import behaviour
from sim.aftercare import NOTHING
from sim.result import Result

if TYPE_CHECKING:  # pragma: no cover
    from sim.journey import EpisodeScore, JourneyPlan
    from sim.model import Customer, Model

#: Daily counters, in report order. Rates and means are derived from them in :meth:`daily`.
_DAILY = (
    "prospects",
    "acquired",
    "churned",
    "purchases",
    "revenue",
    "satisfaction_sum",
    "promised_episodes",
    "all_kept",
    "wom_positive",
    "wom_negative",
    "complaints",
    "recovered",
    "active",
    "trust_sum",
)
#: Running totals reported as they are (recovery outcomes and after-purchase events).
_AFTER_PURCHASE = (
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
#: Every KPI of a run, in report order (``Result.kpis`` has exactly these).
KPI_NAMES = (
    "prospects",
    "prospects_paid",
    "prospects_wom",
    "acquired",
    "lost",
    "active",
    "churned",
    "churn_rate",
    "purchases",
    "revenue",
    "costs",
    "profit",
    "clv",
    "cac",
    "satisfaction_mean",
    "nps",
    "trust_mean",
    "every_promise_kept",
    "wom_positive",
    "wom_negative",
    "wom_listeners",
    "complaints",
    "recovered",
    "unresolved",
    *_AFTER_PURCHASE,
)
#: The values each KPI can take, (low, high), to check targets and bounds before anything
#: runs: counts and money received or spent are never negative; rates and shares lie in
#: [0, 1]; NPS in [−100, 100]; satisfaction on its −1 … +1 scale; trust in [0, 1]; profit
#: and customer lifetime value (a margin) can be any number.
KPI_RANGES: dict[str, tuple[float, float]] = {
    "prospects": (0.0, math.inf),
    "prospects_paid": (0.0, math.inf),
    "prospects_wom": (0.0, math.inf),
    "acquired": (0.0, math.inf),
    "lost": (0.0, math.inf),
    "active": (0.0, math.inf),
    "churned": (0.0, math.inf),
    "churn_rate": (0.0, 1.0),
    "purchases": (0.0, math.inf),
    "revenue": (0.0, math.inf),
    "costs": (0.0, math.inf),
    "profit": (-math.inf, math.inf),
    "clv": (-math.inf, math.inf),
    "cac": (0.0, math.inf),
    "satisfaction_mean": (-1.0, 1.0),
    "nps": (-100.0, 100.0),
    "trust_mean": (0.0, 1.0),
    "every_promise_kept": (0.0, 1.0),
    "wom_positive": (0.0, math.inf),
    "wom_negative": (0.0, math.inf),
    "wom_listeners": (0.0, math.inf),
    "complaints": (0.0, math.inf),
    "recovered": (0.0, math.inf),
    "unresolved": (0.0, math.inf),
    "proactive_recoveries": (0.0, math.inf),
    "paradox_recoveries": (0.0, math.inf),
    "cancelled": (0.0, math.inf),
    "returns": (0.0, math.inf),
    "refused_returns": (0.0, math.inf),
    "fraud_refunds": (0.0, math.inf),
    "annoyed": (0.0, math.inf),
    "refunds": (0.0, math.inf),
    "extra_costs": (0.0, math.inf),
}
#: What can be attributed to the worst touchpoint × dimension of an episode.
DRIVER_OUTCOMES = ("churn", "complaints", "wom_negative")


class Collector:
    """Receives the model's notifications and keeps only aggregates."""

    def __init__(self, plan: JourneyPlan, horizon: float) -> None:
        self.plan = plan
        self.days = max(1, math.ceil(horizon / 24.0 - 1e-9))
        # Plain lists while running (a numpy element update costs ~10× a list's);
        # :meth:`result` turns them into arrays.
        self.daily = {name: [0.0] * self.days for name in _DAILY}
        self.snapshot_taken = np.zeros(self.days, dtype=bool)
        n = len(plan.cells)
        self.cell = {
            name: [0.0] * n
            for name in (
                "visits",
                "promised",
                "promised_sum",
                "expected_sum",
                "delivered_sum",
                "waited_sum",
                "gap_sum",
                "kept",
            )
        }
        # one extra row for episodes where nothing fell short ("no gap")
        self.drivers = [[0.0] * len(DRIVER_OUTCOMES) for _ in range(n + 1)]
        self.totals = {
            name: 0.0
            for name in (
                "prospects_paid",
                "prospects_wom",
                "lost",
                "variable_cost",
                "compensation",
                "unresolved",
                "listeners",
                *_AFTER_PURCHASE,
            )
        }
        self.active = 0
        self.trust_sum = 0.0
        # per resource: requests served, hours waited for a server, server-hours worked
        self.resource_use: dict[str, list[float]] = {}

    def _day(self, now: float) -> int:
        return min(int(now // 24.0), self.days - 1)

    # ------------------------------------------------------------------ notifications
    def prospect(self, now: float, source: str, bought: bool) -> None:
        self.daily["prospects"][self._day(now)] += 1
        self.totals["prospects_paid" if source == "paid" else "prospects_wom"] += 1
        if not bought:
            self.totals["lost"] += 1

    def acquired(self, customer: Customer) -> None:
        self.daily["acquired"][self._day(customer.acquired_at)] += 1
        self.active += 1
        self.trust_sum += customer.trust

    def trust_changed(self, delta: float) -> None:
        self.trust_sum += delta

    def churned(self, customer: Customer, worst_cell: int) -> None:
        self.daily["churned"][self._day(customer.churned_at)] += 1
        self.active -= 1
        self.trust_sum -= customer.trust
        self.drivers[worst_cell][0] += 1

    def complaint(self, now: float, worst_cell: int) -> None:
        self.daily["complaints"][self._day(now)] += 1
        self.drivers[worst_cell][1] += 1

    def recovered(self, now: float, compensation: float, paradox: bool) -> None:
        self.daily["recovered"][self._day(now)] += 1
        self.totals["compensation"] += compensation
        self.totals["paradox_recoveries"] += paradox

    def proactive(self, now: float) -> None:
        self.totals["proactive_recoveries"] += 1

    def aftermath(self, after, extra_costs: float, refund: float) -> None:
        """Returns, cancellations, annoyance, and money spent beyond goods and capacity."""
        if after is NOTHING and extra_costs == 0.0 and refund == 0.0:
            return
        t = self.totals
        t["cancelled"] += after.cancelled
        t["returns"] += after.returned
        t["refused_returns"] += after.refused
        t["fraud_refunds"] += after.fraud
        t["annoyed"] += after.annoyed
        t["refunds"] += refund
        t["extra_costs"] += extra_costs

    def unresolved(self, now: float) -> None:
        self.totals["unresolved"] += 1

    def served(self, resource: str, now: float, waited: float, work: float, horizon: float) -> None:
        """A request got a server after ``waited`` hours and will work ``work`` hours (only
        the part before the horizon counts as busy time)."""
        use = self.resource_use.get(resource)
        if use is None:
            use = self.resource_use[resource] = [0.0, 0.0, 0.0]
        use[0] += 1
        use[1] += waited
        use[2] += min(work, max(horizon - now, 0.0))

    def resource_table(self, model: Model) -> pd.DataFrame:
        """Per resource: capacity, requests served, utilisation, mean wait, queue at the end.

        Busy time counts each job's full work when it starts, so utilisation can exceed the
        true value by at most the work still in progress at the horizon.
        """
        rows = []
        for spec in model.scenario.resources:
            served, waited, busy = self.resource_use.get(spec.name, (0.0, 0.0, 0.0))
            queue = len(model.resources[spec.name].queue)
            rows.append(
                {
                    "resource": spec.name,
                    "capacity": spec.capacity,
                    "served": int(served),
                    "utilisation": min(1.0, busy / (spec.capacity * model.horizon)),
                    "mean_wait": waited / served if served else float("nan"),
                    "queue_at_end": queue,
                    "overloaded": queue > 5 * spec.capacity
                    and busy >= 0.95 * spec.capacity * model.horizon,
                }
            )
        return pd.DataFrame(
            rows,
            columns=[
                "resource",
                "capacity",
                "served",
                "utilisation",
                "mean_wait",
                "queue_at_end",
                "overloaded",
            ],
        )

    def talk(self, now: float, valence: float, listeners: int, worst_cell: int) -> None:
        day = self._day(now)
        if valence > 0:
            self.daily["wom_positive"][day] += 1
        else:
            self.daily["wom_negative"][day] += 1
            self.drivers[worst_cell][2] += 1
        self.totals["listeners"] += listeners

    def episode(
        self,
        now: float,
        cells: list[int],
        delivered: list[float],
        waited: list[float],
        score: EpisodeScore,
        satisfaction: float,
        revenue: float,
        variable_cost: float,
    ) -> None:
        day = self._day(now)
        daily = self.daily
        daily["purchases"][day] += 1
        daily["revenue"][day] += revenue
        daily["satisfaction_sum"][day] += satisfaction
        if score.promises_kept + score.promises_broken > 0:
            # every promise of the episode kept: its least kept degree (continuous)
            daily["promised_episodes"][day] += 1
            daily["all_kept"][day] += score.all_kept
        self.totals["variable_cost"] += variable_cost
        cell = self.cell
        visits, expected_sum, delivered_sum = (
            cell["visits"],
            cell["expected_sum"],
            cell["delivered_sum"],
        )
        waited_sum, gap_sum = cell["waited_sum"], cell["gap_sum"]
        promised, promised_sum, kept_count = cell["promised"], cell["promised_sum"], cell["kept"]
        for i, c in enumerate(cells):
            visits[c] += 1.0
            expected_sum[c] += score.expected[i]
            delivered_sum[c] += delivered[i]
            waited_sum[c] += waited[i]
            gap_sum[c] += score.gap[i]
            if score.has_promise[i]:
                promised[c] += 1.0
                promised_sum[c] += score.promise[i]
                kept_count[c] += score.kept[i]

    def snapshot(self, day: int) -> None:
        if day < self.days:
            self.daily["active"][day] = self.active
            self.daily["trust_sum"][day] = self.trust_sum
            self.snapshot_taken[day] = True

    # ------------------------------------------------------------------ tables
    def result(self, model: Model, wall_time: float) -> Result:
        for day in np.flatnonzero(~self.snapshot_taken):
            self.snapshot(int(day))  # the last, partial day ends with the run
        self.daily = {name: np.asarray(values) for name, values in self.daily.items()}
        self.cell = {name: np.asarray(values) for name, values in self.cell.items()}
        self.drivers = np.asarray(self.drivers)
        scenario = model.scenario
        customers = customer_table(model.customers, scenario)
        daily = self.daily_table()
        touchpoints = self.touchpoint_table()
        kpis = self.kpis(model, customers, daily)
        drivers = self.driver_table()
        resources = self.resource_table(model)
        return Result(
            scenario=scenario,
            seed=model.seed,
            horizon=model.horizon,
            kpis=kpis,
            daily=daily,
            touchpoints=touchpoints,
            customers=customers,
            driver_counts=drivers,
            wall_time=wall_time,
            resources=resources,
            episodes=episode_table(model.episode_log),
        )

    def daily_table(self) -> pd.DataFrame:
        d = self.daily
        with np.errstate(invalid="ignore", divide="ignore"):
            table = pd.DataFrame(
                {
                    "day": np.arange(self.days),
                    "prospects": d["prospects"].astype(int),
                    "acquired": d["acquired"].astype(int),
                    "churned": d["churned"].astype(int),
                    "active": d["active"].astype(int),
                    "purchases": d["purchases"].astype(int),
                    "revenue": d["revenue"],
                    "satisfaction": d["satisfaction_sum"] / d["purchases"],
                    "every_promise_kept": d["all_kept"] / d["promised_episodes"],
                    "trust": d["trust_sum"] / d["active"],
                    "wom_positive": d["wom_positive"].astype(int),
                    "wom_negative": d["wom_negative"].astype(int),
                    "complaints": d["complaints"].astype(int),
                    "recovered": d["recovered"].astype(int),
                }
            )
        return table

    def touchpoint_table(self) -> pd.DataFrame:
        plan, c = self.plan, self.cell
        visits = c["visits"]
        is_time = np.array(plan.is_time)
        with np.errstate(invalid="ignore", divide="ignore"):
            table = pd.DataFrame(
                {
                    "touchpoint": [plan.touchpoint_names[k] for k, _ in plan.cells],
                    "dimension": [d for _, d in plan.cells],
                    "visits": visits.astype(int),
                    "promised": c["promised_sum"] / c["promised"],
                    "expected": c["expected_sum"] / visits,
                    "delivered": c["delivered_sum"] / visits,
                    "waited": np.where(is_time, c["waited_sum"] / visits, np.nan),
                    "gap": c["gap_sum"] / visits,
                    "kept_rate": c["kept"] / c["promised"],
                    "norm": plan.norm,
                }
            )
        return table

    def driver_table(self) -> pd.DataFrame:
        plan = self.plan
        labels = [(plan.touchpoint_names[k], d) for k, d in plan.cells] + [("(no shortfall)", "")]
        table = pd.DataFrame(self.drivers.astype(int), columns=list(DRIVER_OUTCOMES))
        table.insert(0, "dimension", [d for _, d in labels])
        table.insert(0, "touchpoint", [t for t, _ in labels])
        return table

    def kpis(self, model: Model, customers: pd.DataFrame, daily: pd.DataFrame) -> pd.Series:
        scenario, t = model.scenario, self.totals
        days = model.horizon / 24.0
        acquired = int(daily["acquired"].sum())
        churned = int(daily["churned"].sum())
        purchases = int(daily["purchases"].sum())
        revenue = float(daily["revenue"].sum())
        capacity_cost = (
            sum(r.capacity * r.cost_per_hour for r in scenario.resources) * model.horizon
        )
        ad_spend = scenario.market.ad_spend_per_day * days
        costs = t["variable_cost"] + t["compensation"] + t["extra_costs"] + capacity_cost + ad_spend
        episodes_promised = float(self.daily["promised_episodes"].sum())
        surveyed = customers[customers["episodes"] > 0]
        nan = float("nan")
        kpis = pd.Series(
            {
                "prospects": model.prospects,
                "prospects_paid": int(t["prospects_paid"]),
                "prospects_wom": int(t["prospects_wom"]),
                "acquired": acquired,
                "lost": int(t["lost"]),
                "active": self.active,
                "churned": churned,
                "churn_rate": churned / acquired if acquired else nan,
                "purchases": purchases,
                "revenue": revenue,
                "costs": costs,
                "profit": revenue - costs,
                "clv": float(customers["clv"].sum()) / acquired if acquired else nan,
                "cac": ad_spend / acquired if acquired else nan,
                "satisfaction_mean": float(self.daily["satisfaction_sum"].sum()) / purchases
                if purchases
                else nan,
                "nps": behaviour.net_promoter_score(surveyed["ltr"]),
                "trust_mean": float(surveyed["trust"].mean()) if len(surveyed) else nan,
                "every_promise_kept": float(self.daily["all_kept"].sum()) / episodes_promised
                if episodes_promised
                else nan,
                "wom_positive": int(daily["wom_positive"].sum()),
                "wom_negative": int(daily["wom_negative"].sum()),
                "wom_listeners": int(t["listeners"]),
                "complaints": int(daily["complaints"].sum()),
                "recovered": int(daily["recovered"].sum()),
                "unresolved": int(t["unresolved"]),
                **{name: t[name] for name in _AFTER_PURCHASE},
            },
            name=scenario.name,
        )
        assert tuple(kpis.index) == KPI_NAMES, "KPI_NAMES must list every KPI in order"
        return kpis


EPISODE_COLUMNS = (
    "customer",  # id, as in the customers table
    "episode",  # 1, 2, ... for that customer
    "start_day",  # when the journey began, days since the start
    "end_day",  # when it ended, after any complaint handling
    "satisfaction",  # episode satisfaction before recovery, −1 … +1
    "reported",  # what a survey records (the recovery paradox may lift it)
    "loyalty",  # what drove attitude and churn
    "surprise",  # felt surprise after any recovery, −1 … +1: what drives talk
    "promises_kept",
    "promises_broken",
    "late",  # a time promise was broken, to the letter (delivered after the promise)
    "time_gap",  # how much faster (+) or slower (−) than expected, jnd (weighted time cells)
    "time_margin",  # how far inside (+) or past (−) the time promises, jnd (weighted)
    "waited",  # hours spent queueing in this episode (all touchpoints)
    "complained",
    "talked",  # told someone about it
    "valence",  # +1 praised, −1 criticised, 0 kept quiet
    "told",  # people reached
    "churned",  # this was the customer's last purchase
    "hazard",  # the probability of leaving after it, on which `churned` was drawn
)


def episode_table(log: list[tuple] | None) -> pd.DataFrame | None:
    """One row per purchase episode (``run(..., episodes=True)``), or None if not recorded."""
    if log is None:
        return None
    return pd.DataFrame.from_records(log, columns=list(EPISODE_COLUMNS))


class CustomerBook:
    """Every acquired customer: live ones as objects, churned ones as compact rows.

    A churned customer's state is copied into typed arrays (about 100 bytes a row) and the
    object is let go, so memory grows with the customers still active plus a small row per
    customer who left, not with whole objects for everyone ever acquired.
    """

    FLOATS = (
        "acquired_at",
        "churned_at",
        "attitude",
        "trust",
        "cumulative",
        "last_satisfaction",
        "revenue",
        "discounted_margin",
        "baseline_churn",
        "sensitivity",
    )
    INTEGERS = ("id", "episodes", "complaints", "paid", "segment")

    def __init__(self) -> None:
        self.count = 0  # customers ever acquired; the next id
        self.active: dict[int, Customer] = {}
        self.closed = {name: array("d") for name in self.FLOATS}
        self.closed.update({name: array("q") for name in self.INTEGERS})

    def open(self, customer: Customer) -> None:
        self.active[customer.id] = customer
        self.count += 1

    def close(self, customer: Customer) -> None:
        """Keep the churned customer's final state as a row; forget the object."""
        for name, values in _row(customer).items():
            self.closed[name].append(values)
        del self.active[customer.id]

    def columns(self) -> dict[str, np.ndarray]:
        """All customers, in id order, as arrays named like :attr:`FLOATS` and :attr:`INTEGERS`."""
        live = [_row(c) for c in self.active.values()]
        columns = {
            name: np.concatenate([np.asarray(values), [row[name] for row in live]])
            for name, values in self.closed.items()
        }
        order = np.argsort(columns["id"], kind="stable")
        return {name: values[order] for name, values in columns.items()}


def _row(c: Customer) -> dict[str, float | int]:
    return {
        "acquired_at": c.acquired_at,
        "churned_at": c.churned_at,
        "attitude": c.attitude,
        "trust": c.trust,
        "cumulative": c.cumulative,
        "last_satisfaction": c.last_satisfaction,
        "revenue": c.revenue,
        "discounted_margin": c.discounted_margin,
        "baseline_churn": c.baseline_churn,
        "id": c.id,
        "episodes": c.episodes,
        "complaints": c.complaints,
        "paid": c.source == "paid",
        "sensitivity": c.sensitivity,
        "segment": c.segment,
    }


def customer_table(book: CustomerBook, scenario) -> pd.DataFrame:
    """One row per acquired customer; days since the start for times. ``segment`` is the
    customer's segment name ("everyone" when the scenario declares none)."""
    perception = scenario.perception
    c = book.columns()
    names = np.array([s.name for s in scenario.segments] + ["everyone"], dtype=object)
    churned_day = c["churned_at"] / 24.0
    table = pd.DataFrame(
        {
            "id": c["id"].astype(int),
            "segment": names[c["segment"].astype(int)],
            "source": np.where(c["paid"] == 1, "paid", "wom").astype(object),
            "acquired_day": c["acquired_at"] / 24.0,
            "episodes": c["episodes"].astype(int),
            "active": np.isnan(churned_day),
            "churned_day": churned_day,
            "attitude": c["attitude"],
            "trust": c["trust"],
            "cumulative_satisfaction": c["cumulative"],
            "last_satisfaction": c["last_satisfaction"],
            "complaints": c["complaints"].astype(int),
            "revenue": c["revenue"],
            "clv": c["discounted_margin"],
            "baseline_churn": c["baseline_churn"],
            "shock_sensitivity": c["sensitivity"],
        }
    )
    table.insert(
        8,
        "ltr",
        behaviour.likelihood_to_recommend(
            table["attitude"].to_numpy(), perception.ltr_neutral, perception.ltr_slope
        ),
    )
    return table
