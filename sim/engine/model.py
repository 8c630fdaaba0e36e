"""One simulation of a scenario: the clock, the queues, the promises and the population.

The story — arrivals, choice, journeys, complaints, word of mouth, churn — is told by the
processes of :mod:`sim.engine.processes`; :class:`Model` holds what they share and
:meth:`Model.run` turns the counters into a :class:`~sim.result.Result`.

Randomness is counter-based (:mod:`sim.rng`, every draw named in :mod:`sim.engine.draws`):
every draw is tied to a customer, a purpose and an episode, so a policy change does not
reshuffle who arrives or what each customer is like (common random numbers).

>>> from sim import examples
>>> result = run(examples.load("pizza"), seed=1, horizon="30 d")
>>> bool(result.kpis["acquired"] > 0)
True
"""

from __future__ import annotations

import math
import numbers
import time

import numpy as np
import simpy
from tqdm.auto import tqdm

from sim import behaviour
from sim.distributions import Exponential
from sim.engine import processes
from sim.engine.aftercare import anything_after
from sim.engine.calendar import (
    Rhythm,
    ShiftPriorityResource,
    ShiftResource,
    openings_of,
    shifts_of,
)
from sim.engine.collector import Collector
from sim.engine.customer import Newcomers
from sim.engine.plan import JourneyPlan, Step
from sim.engine.population import CustomerBook
from sim.engine.scoring import Visit
from sim.engine.servers import PriorityServers, Servers
from sim.metrics import customer_table, episode_table
from sim.policies import QuoteContext, Quoter, SlottedQuoter
from sim.result import Result
from sim.rng import MAX_SEED, Streams
from sim.scenario import Scenario, ScenarioError
from sim.units import DurationError, horizon_hours, shown

#: Seconds of wall time before a single run shows its progress bar.
PROGRESS_AFTER_S = 3.0


class Model:
    """One simulation of a scenario. Use :func:`run` unless you need the live model.

    ``seed`` fixes every random number; ``horizon`` is hours or a string ("180 d").
    """

    def __init__(
        self,
        scenario: Scenario,
        seed: int = 1,
        horizon: float | str | None = None,
        episodes: bool = False,
    ) -> None:
        self.scenario = scenario
        self.seed = seed
        self.horizon = _horizon(scenario.horizon if horizon is None else horizon)
        problems = [p for p in (seed_problem(seed), workload(scenario, self.horizon)) if p]
        if problems:
            raise ScenarioError(problems)
        self.env = simpy.Environment()
        self.streams = Streams(seed)
        self.plan = JourneyPlan(scenario)
        od = scenario.overdelivery
        self.aftercare = anything_after(scenario)
        # expedited orders jump the queues of the over-delivering touchpoint
        expedited = (
            {s.resource for s in scenario.touchpoint(od.touchpoint).stages}
            if od.touchpoint and od.time.share > 0
            else set()
        )
        self.rhythm = Rhythm.of(scenario.calendar)  # None: demand is flat
        self.shifts = shifts_of(scenario)
        self.openings = openings_of(scenario)
        # the first touchpoint's opening hours when a customer finding it closed is lost
        lost = scenario.calendar.when_closed == "lost"
        self.turns_away = self.openings[0] if lost else None
        self.resources = {
            r.name: self._resource(r, r.name in expedited) for r in scenario.resources
        }
        self.support = self.resources.get(scenario.complaints.resource)
        self.steps = [
            Step(
                k,
                tp,
                self.plan,
                self.resources,
                bool(od.touchpoint) and tp.name == od.touchpoint,
                self.openings[k],
            )
            for k, tp in enumerate(scenario.touchpoints)
        ]
        self.quoters = self._quoters()
        slotted = {c for c, q in enumerate(self.quoters) if isinstance(q, SlottedQuoter)}
        # the quoters that learn from deliveries, by cell, and whether they learn by the hour
        self.learners = {
            cell: (quoter, cell in slotted)
            for cell, quoter in enumerate(self.quoters)
            if quoter is not None and type(quoter).observe is not Quoter.observe
        }
        # Cells where both we and the rival promise something: what prospects compare.
        plan = self.plan
        compared = [
            cell
            for cell in range(len(plan.cells))
            if self.quoters[cell] is not None and not np.isnan(plan.competitor[cell])
        ]
        self.compared_quoters = [self.quoters[cell] for cell in compared]
        self.compared_per_jnd = [
            plan.weight[cell] * plan.direction[cell] / plan.jnd[cell] for cell in compared
        ]
        self.compared_rivals = [plan.competitor[cell] for cell in compared]
        self.newcomers = Newcomers(scenario)
        self.referral_delay = Exponential(scenario.wom.delay)
        calendar = scenario.calendar
        by_time = not calendar.flat or bool(calendar.shifts or calendar.opening)
        self.metrics = Collector(self.plan, self.horizon, episodes, by_time)
        for name, shifts in self.shifts.items():
            self.metrics.staffed[name] = shifts.server_hours(self.horizon)
            self.metrics.peak[name] = max(servers for _, servers in shifts.changes)
        self.customers = CustomerBook()
        self.prospects = 0  # everyone who has made a buy/not-buy decision

    def _resource(self, spec, expedited: bool) -> simpy.Resource:
        """The queue of resource ``spec``: with shifts, its servers follow them."""
        shifts = self.shifts.get(spec.name)
        if shifts is None:
            return (PriorityServers if expedited else Servers)(self.env, spec.capacity)
        return (ShiftPriorityResource if expedited else ShiftResource)(self.env, shifts.first)

    def _now(self) -> float:
        return self.env.now

    def _quoters(self) -> list:
        quoters = []
        for k, dim in self.plan.cells:
            tp = self.scenario.touchpoints[k]
            policy = getattr(tp.promise, dim)
            if policy is None:
                quoters.append(None)
                continue
            parts = (
                [s.duration for s in tp.stages] if dim == "time" else [getattr(tp.delivered, dim)]
            )
            queues = (
                [self.resources.get(s.resource) for s in tp.stages] if dim == "time" else [None]
            )
            context = QuoteContext(queues, self.plan.competitor[len(quoters)], self._now)
            quoters.append(policy.quoter(parts, dim != "service", context))
        return quoters

    # ------------------------------------------------------------------ promises
    def promises(self) -> list[float]:
        """The promise currently quoted per cell (NaN where nothing is promised)."""
        return [math.nan if q is None else q.value for q in self.quoters]

    def promised_advantage(self) -> float:
        """How much better our promises are than the rival's right now, in weighted jnd
        (:func:`behaviour.promised_advantage`), over the cells where both promise."""
        return behaviour.promised_advantage(
            [quoter.value for quoter in self.compared_quoters],
            self.compared_rivals,
            self.compared_per_jnd,
        )

    def observe(self, visit: Visit, promised: list[float], ordered: float) -> None:
        """Each quoter learns from what its cell delivered against what it promised (a
        promise by the hour learns in the slot of ``ordered``, when the order was placed)."""
        learners = self.learners
        if not learners:  # fixed promises only: nothing learns
            return
        for cell, level in zip(visit.cells, visit.delivered, strict=True):
            if cell not in learners:
                continue
            quoter, by_the_hour = learners[cell]
            if by_the_hour:
                quoter.observe_at(ordered, level, promised[cell])
            else:
                quoter.observe(level, promised[cell])

    # ------------------------------------------------------------------ running
    def run(self, progress: bool = True) -> Result:
        """Simulate up to the horizon and return the :class:`~sim.result.Result`.

        With ``progress``, a run still going after a few seconds shows a bar of simulated
        days.
        """
        started = time.perf_counter()
        self.env.process(processes.paid_arrivals(self))
        self.env.process(processes.daily_snapshots(self))
        for name, shifts in self.shifts.items():
            self.env.process(shifts.run(self.env, self.resources[name]))
        with tqdm(
            total=self.metrics.days,
            desc=self.scenario.name,
            unit="day",
            delay=PROGRESS_AFTER_S,
            disable=not progress,
            leave=False,
        ) as self.progress:
            self.env.run(until=self.horizon)
        wall_time = time.perf_counter() - started
        metrics = self.metrics
        metrics.close()
        customers = customer_table(self.customers.columns(), self.scenario)
        daily = metrics.daily_table()
        return Result(
            scenario=self.scenario,
            seed=self.seed,
            horizon=self.horizon,
            kpis=metrics.kpis(self.scenario, self.prospects, customers, daily),
            daily=daily,
            touchpoints=metrics.touchpoint_table(),
            customers=customers,
            driver_counts=metrics.driver_table(),
            wall_time=wall_time,
            resources=metrics.resource_table(self.scenario.resources, self.resources),
            episodes=episode_table(metrics.episode_log),
            by_time=metrics.time_table(),
            resources_by_time=metrics.resource_time_table(self.scenario.resources, self.shifts),
        )


def _horizon(horizon: float | str) -> float:
    try:
        return horizon_hours(horizon)
    except DurationError as error:
        raise ScenarioError([f"horizon: {horizon!r} — {error.reason}"]) from None


def seed_problem(seed: object) -> str:
    """Why ``seed`` cannot seed a run ('' if it can): a whole number from 0 to 2¹²⁸ − 1
    (what a ``numpy.random.SeedSequence`` keeps), or a seed sequence.

    >>> seed_problem(7), seed_problem(-1)
    ('', 'seed: -1 — must be a whole number from 0 to 2^128 − 1')
    """
    if isinstance(seed, np.random.SeedSequence):
        return ""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= seed < MAX_SEED:
        return f"seed: {shown(seed)} — must be a whole number from 0 to 2^128 − 1"
    return ""


def workload(scenario: Scenario, hours: float) -> str:
    """Why a run of ``hours`` would be refused before it starts ('' if it would not): more
    paid prospects expected than the scenario's ``max_prospects``.

    >>> from sim import examples
    >>> workload(examples.load("pizza"), 180 * 24.0)
    ''
    """
    market = scenario.market
    expected = market.prospects_per_day * hours / 24.0
    if market.population:
        expected = min(expected, market.population)
    if expected <= scenario.max_prospects:
        return ""
    return (
        f"max_prospects: this run would meet about {expected:,.0f} paid prospects "
        f"({market.prospects_per_day:,.1f} a day × {hours / 24:,.0f} days), "
        f"more than the limit of {scenario.max_prospects:,}; lower market.prospects_per_day "
        "or the horizon, set market.population, or raise max_prospects"
    )


def run(
    scenario: Scenario,
    seed: int = 1,
    horizon: float | str | None = None,
    episodes: bool = False,
    progress: bool = True,
) -> Result:
    """Simulate ``scenario`` once and return a :class:`~sim.result.Result`.

    ``seed`` (int) fixes every random number: same scenario + seed = identical numbers, in
    any process. ``horizon`` is hours or a string like ``"180 d"`` (default: the scenario's).
    ``progress`` shows a bar of simulated days once a run takes more than a few seconds.
    ``episodes=True`` also keeps one row per purchase episode in ``Result.episodes`` (for
    validation and survey-style questions; memory then grows with purchases, not customers).

    >>> from sim import examples
    >>> r = run(examples.load("pizza"), seed=3, horizon="20 d")
    >>> bool(r.kpis["prospects"] == r.kpis["acquired"] + r.kpis["lost"])
    True
    """
    return Model(scenario, seed=seed, horizon=horizon, episodes=episodes).run(progress)
