"""Streaming metrics: running sums per day, per cell and per driver — never per event.

Memory is fixed by the horizon (days) and the journey (cells); customers are kept in the
model's :class:`~sim.engine.population.CustomerBook` for the per-customer table. Nothing
grows with the number of events (except the episode log, when asked for). What the KPIs
and tables are is defined in :mod:`sim.metrics`.

>>> from sim import examples
>>> from sim.engine.plan import JourneyPlan
>>> metrics = Collector(JourneyPlan(examples.load("pizza")), horizon=48.0)
>>> metrics.prospect(30.0, "paid", bought=False)
>>> metrics.close()
>>> metrics.daily_table()["prospects"].tolist()
[0, 1]
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim import behaviour
from sim.engine.aftercare import NOTHING
from sim.engine.calendar import WEEK_HOURS, slot
from sim.metrics import AFTER_PURCHASE, DRIVER_OUTCOMES, KPI_NAMES

if TYPE_CHECKING:  # pragma: no cover
    from sim.engine.customer import Customer, Feeling
    from sim.engine.plan import JourneyPlan
    from sim.engine.scoring import EpisodeScore, Visit
    from sim.scenario import Scenario

#: Daily counters, in report order. Rates and means are derived from them in :meth:`daily_table`.
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


#: Counters per hour of the week, for :meth:`Collector.time_table`.
_SLOTTED = ("orders", "promised", "kept", "queued", "closed_waited", "closed_lost")


def _spread(hours: list[float], start: float, end: float) -> None:
    """Add the interval [start, end) to ``hours``, split by the hour of the week it covers."""
    while start < end:
        boundary = math.floor(start) + 1.0
        if boundary >= end:  # the rest lies within this hour (most waits and services)
            hours[slot(start)] += end - start
            return
        hours[slot(start)] += boundary - start
        start = boundary


class Collector:
    """Receives the model's notifications and keeps only aggregates."""

    def __init__(
        self, plan: JourneyPlan, horizon: float, episodes: bool = False, by_time: bool = False
    ) -> None:
        self.plan = plan
        self.by_time = by_time  # keep the tables by hour of the week (a scenario's calendar)
        self.horizon = horizon
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
                *AFTER_PURCHASE,
            )
        }
        self.active = 0
        self.trust_sum = 0.0
        # per resource: requests served, hours waited for a server, server-hours worked
        self.resource_use: dict[str, list[float]] = {}
        # one tuple per purchase episode when asked for (memory grows with episodes)
        self.episode_log: list[tuple] | None = [] if episodes else None
        # server-hours staffed by the resources that work in shifts (the model fills it)
        self.staffed: dict[str, float] = {}
        self.peak: dict[str, int] = {}  # and the most servers they have at work at once
        # per hour of the week (sim.engine.calendar.slot) of the order: orders, orders with
        # a promise, their kept degree, hours queued; customers who found a touchpoint
        # closed and waited, or went to the rival
        self.by_slot = {name: [0.0] * WEEK_HOURS for name in _SLOTTED}
        # per resource and hour of the week: requests, requests that queued, hours waited
        # (by the hour of the request), queue-hours and busy server-hours (by the hour
        # they fall in)
        self.resource_slots: dict[str, list[list[float]]] = {}

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

    def served(self, resource: str, now: float, waited: float, work: float) -> None:
        """A request got a server after ``waited`` hours and will work ``work`` hours (only
        the part before the horizon counts as busy time)."""
        use = self.resource_use.get(resource)
        if use is None:
            use = self.resource_use[resource] = [0.0, 0.0, 0.0]
        use[0] += 1
        use[1] += waited
        left = self.horizon - now  # busy time counts up to the horizon only
        use[2] += work if work <= left else (left if left > 0.0 else 0.0)
        if self.by_time:
            self._served_at(resource, now, waited, work)

    def _served_at(self, resource: str, now: float, waited: float, work: float) -> None:
        """The request's wait, queueing and work by the hour of the week they fall in."""
        slots = self.resource_slots.get(resource)
        if slots is None:
            slots = self.resource_slots[resource] = [[0.0] * WEEK_HOURS for _ in range(5)]
        requests, queued, waits, queue_hours, busy_hours = slots
        asked = now - waited
        hour = slot(asked)
        requests[hour] += 1
        if waited > 0.0:
            queued[hour] += 1
            waits[hour] += waited
            _spread(queue_hours, asked, now)
        done = now + work
        _spread(busy_hours, now, done if done <= self.horizon else self.horizon)

    def resource_table(self, specs: tuple, resources: dict) -> pd.DataFrame:
        """Per resource: capacity, requests served, utilisation, mean wait, queue at the end.

        ``specs`` are the scenario's resources, ``resources`` the ``simpy`` resources by name.
        Busy time counts each job's full work when it starts, so utilisation can exceed the
        true value by at most the work still in progress at the horizon.
        """
        rows = []
        horizon = self.horizon
        for spec in specs:
            served, waited, busy = self.resource_use.get(spec.name, (0.0, 0.0, 0.0))
            queue = len(resources[spec.name].queue)
            staffed = self.staffed.get(spec.name, spec.capacity * horizon)
            # in shifts: the most servers at work at once
            capacity = self.peak.get(spec.name, spec.capacity)
            rows.append(
                {
                    "resource": spec.name,
                    "capacity": capacity,
                    "served": int(served),
                    "utilisation": min(1.0, busy / staffed) if staffed else float("nan"),
                    "mean_wait": waited / served if served else float("nan"),
                    "queue_at_end": queue,
                    "overloaded": queue > 5 * capacity and busy >= 0.95 * staffed,
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

    def ordered(self, started: float, score: EpisodeScore, visit: Visit) -> None:
        """An order placed at ``started`` was delivered: count it in its hour of the week."""
        hour, by = slot(started), self.by_slot
        by["orders"][hour] += 1
        if score.promises_kept + score.promises_broken > 0:
            by["promised"][hour] += 1
            by["kept"][hour] += score.all_kept
        by["queued"][hour] += sum(visit.waited)

    def closed(self, now: float, lost: bool) -> None:
        """A customer found a touchpoint closed and waited for it, or went to the rival."""
        self.by_slot["closed_lost" if lost else "closed_waited"][slot(now)] += 1

    def exposure(self) -> list[float]:
        """Hours of the run in each hour of the week."""
        weeks, rest = divmod(self.horizon, WEEK_HOURS)
        return [weeks + min(max(rest - h, 0.0), 1.0) for h in range(WEEK_HOURS)]

    def time_table(self) -> pd.DataFrame:
        """One row per hour of the week (empty without a calendar: every hour is alike) by
        the hour the order was placed: orders, those
        with a promise and the share of them whose every promise was kept, mean hours queued, and customers who found a
        touchpoint closed (waited or lost to the rival)."""
        if not self.by_time:
            return pd.DataFrame()
        by = {name: np.asarray(values) for name, values in self.by_slot.items()}
        with np.errstate(invalid="ignore", divide="ignore"):
            return pd.DataFrame(
                {
                    "weekday": np.repeat(np.arange(7), 24),
                    "hour": np.tile(np.arange(24), 7),
                    "orders": by["orders"].astype(int),
                    "promised": by["promised"].astype(int),
                    "every_promise_kept": by["kept"] / by["promised"],
                    "waited": by["queued"] / by["orders"],
                    "closed_waited": by["closed_waited"].astype(int),
                    "closed_lost": by["closed_lost"].astype(int),
                }
            )

    def resource_time_table(self, specs: tuple, shifts: dict) -> pd.DataFrame:
        """One row per resource × hour of the week (empty without a calendar): mean servers
        at work, requests, the
        share that queued, mean wait (hours, per request), mean queue length and
        utilisation (busy server-hours / staffed server-hours)."""
        if not self.by_time:
            return pd.DataFrame()
        exposure = np.asarray(self.exposure())
        frames = []
        for spec in specs:
            slots = self.resource_slots.get(spec.name)
            use = np.asarray(slots) if slots else np.zeros((5, WEEK_HOURS))
            servers = np.asarray(
                shifts[spec.name].hourly if spec.name in shifts else [spec.capacity] * WEEK_HOURS,
                dtype=float,
            )
            with np.errstate(invalid="ignore", divide="ignore"):
                frames.append(
                    pd.DataFrame(
                        {
                            "resource": spec.name,
                            "weekday": np.repeat(np.arange(7), 24),
                            "hour": np.tile(np.arange(24), 7),
                            "servers": servers,
                            "requests": use[0].astype(int),
                            "wait_probability": use[1] / use[0],
                            "mean_wait": use[2] / use[0],
                            "mean_queue": use[3] / exposure,
                            # off shift, services finishing late are not utilisation
                            "utilisation": np.where(
                                servers > 0, use[4] / (servers * exposure), np.nan
                            ),
                        }
                    )
                )
        columns = ["resource", "weekday", "hour", "servers", "requests", "wait_probability"]
        columns += ["mean_wait", "mean_queue", "utilisation"]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)

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
        expected, gap, has_promise = score.expected, score.gap, score.has_promise
        promise, kept = score.promise, score.kept
        for i, c in enumerate(cells):
            visits[c] += 1.0
            expected_sum[c] += expected[i]
            delivered_sum[c] += delivered[i]
            waited_sum[c] += waited[i]
            gap_sum[c] += gap[i]
            if has_promise[i]:
                promised[c] += 1.0
                promised_sum[c] += promise[i]
                kept_count[c] += kept[i]

    def snapshot(self, day: int) -> None:
        if day < self.days:
            self.daily["active"][day] = self.active
            self.daily["trust_sum"][day] = self.trust_sum
            self.snapshot_taken[day] = True

    # ------------------------------------------------------------------ tables
    def close(self) -> None:
        """The run is over: the last, partial day ends with it; the counters become arrays
        for the tables."""
        for day in np.flatnonzero(~self.snapshot_taken):
            self.snapshot(int(day))  # the last, partial day ends with the run
        self.daily = {name: np.asarray(values) for name, values in self.daily.items()}
        self.cell = {name: np.asarray(values) for name, values in self.cell.items()}
        self.drivers = np.asarray(self.drivers)

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

    def kpis(
        self, scenario: Scenario, prospects: int, customers: pd.DataFrame, daily: pd.DataFrame
    ) -> pd.Series:
        """Every KPI of :data:`sim.metrics.KPI_NAMES`, from the counters, the customers table
        and the daily table; ``prospects`` counts everyone who made a buy/not-buy decision."""
        t = self.totals
        days = self.horizon / 24.0
        acquired = int(daily["acquired"].sum())
        churned = int(daily["churned"].sum())
        purchases = int(daily["purchases"].sum())
        revenue = float(daily["revenue"].sum())
        staffed = self.staffed  # resources in shifts are paid for their staffed hours only
        capacity_cost = sum(
            r.capacity * r.cost_per_hour for r in scenario.resources if r.name not in staffed
        ) * self.horizon + sum(
            staffed[r.name] * r.cost_per_hour for r in scenario.resources if r.name in staffed
        )
        ad_spend = scenario.market.ad_spend_per_day * days
        costs = t["variable_cost"] + t["compensation"] + t["extra_costs"] + capacity_cost + ad_spend
        episodes_promised = float(self.daily["promised_episodes"].sum())
        surveyed = customers[customers["episodes"] > 0]
        nan = float("nan")
        kpis = pd.Series(
            {
                "prospects": prospects,
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
                **{name: t[name] for name in AFTER_PURCHASE},
            },
            name=scenario.name,
        )
        assert tuple(kpis.index) == KPI_NAMES, "KPI_NAMES must list every KPI in order"
        return kpis

    def log_episode(
        self,
        c: Customer,
        started: float,
        now: float,
        complaints_before: int,
        visit: Visit,
        score: EpisodeScore,
        feeling: Feeling,
        valence: float,
        told: int,
        churns: bool,
        hazard: float,
    ) -> None:
        """Append one row of :data:`sim.metrics.EPISODE_COLUMNS` (``run(..., episodes=True)``)."""
        is_time = self.plan.is_time
        late = any(
            is_time[cell] and not on_time
            for cell, on_time in zip(visit.cells, score.on_time, strict=True)
        )
        # how much faster (+) or slower (−) than expected the episode's times were, in jnd:
        # a weighted mean over the time cells visited
        # and how far inside (+) or past (−) its time promises, in jnd
        constants = self.plan.cell_constants
        time_gap = time_weight = margin = margin_weight = 0.0
        for i, cell in enumerate(visit.cells):
            if is_time[cell]:
                _, jnd, _, weight, importance = constants[cell]
                time_gap += weight * importance * score.gap[i] / jnd
                time_weight += weight * importance
                if score.has_promise[i]:
                    margin += weight * importance * (score.promise[i] - visit.delivered[i]) / jnd
                    margin_weight += weight * importance
        time_gap = time_gap / time_weight if time_weight > 0.0 else math.nan
        margin = margin / margin_weight if margin_weight > 0.0 else math.nan
        self.episode_log.append(
            (
                c.id,
                c.episodes,
                started / 24.0,
                now / 24.0,
                score.satisfaction,
                feeling.reported,
                feeling.loyalty,
                feeling.surprise,
                score.promises_kept,
                score.promises_broken,
                late,
                time_gap,
                margin,
                sum(visit.waited),
                c.complaints > complaints_before,
                valence != 0.0,
                valence,
                told,
                churns,
                hazard,
            )
        )
