"""The SimPy engine: prospects arrive, choose, and customers live through their journeys.

Processes (each a short generator that reads like the story it models):

* :meth:`Model.paid_arrivals` — prospects from paid channels, a Poisson stream;
* :meth:`Model.referral` — a person reached by word of mouth, who shops a little later;
* :meth:`Model.lifecycle` — a customer's purchases: journey, feelings, complaint, talk,
  churn or come back after an inter-purchase time;
* :meth:`Model.journey` — one purchase through the touchpoints; capacity-limited stages
  queue at a ``simpy.Resource`` so delivered time = waiting + work;
* :meth:`Model.voice` / :meth:`Model.complain` — a dissatisfied customer may complain; the
  complaint queues at support and is handled (recovery) or given up on.

Randomness is counter-based (:mod:`sim.rng`): every draw is tied to a customer, a purpose
and an episode, so a policy change does not reshuffle who arrives or what each customer is
like (common random numbers).

>>> from sim import examples
>>> result = run(examples.load("pizza"), seed=1, horizon="30 d")
>>> bool(result.kpis["acquired"] > 0)
True
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

import numpy as np
import simpy
from tqdm.auto import tqdm

from sim import behaviour
from sim.aftercare import NOTHING, Aftermath, aftermath, anything_after
from sim.distributions import Beta, Exponential, Gamma, poisson_inverse
from sim.journey import EpisodeScore, JourneyPlan, score_episode
from sim.metrics import Collector, CustomerBook
from sim.policies import QuoteContext
from sim.result import Result
from sim.rng import (
    ARRIVAL,
    CHOICE,
    CHURN,
    COMPLAIN,
    EXCEED,
    REFERRAL,
    REPURCHASE,
    ROUTE,
    SERVICE,
    SLOTS,
    TALK,
    TRAITS,
    Streams,
    derive_key,
    uniform,
)
from sim.scenario import MAX_STAGES, MAX_TOUCHPOINTS, Scenario, ScenarioError
from sim.units import DurationError, horizon_hours

# Slots within one touchpoint's block of an episode's random numbers (see sim.rng.SLOTS):
# stages use slots 0 .. MAX_STAGES − 1, then cost, service, failure and route draws.
_SLOTS_PER_TOUCHPOINT = 16
#: Seconds of wall time before a single run shows its progress bar.
PROGRESS_AFTER_S = 3.0
_COST_SLOT, _SERVICE_SLOT, _FAILURE_SLOT, _ROUTE_SLOT = 12, 13, 14, 15
assert MAX_STAGES <= _COST_SLOT and MAX_TOUCHPOINTS * _SLOTS_PER_TOUCHPOINT <= SLOTS


class Customer:
    """One customer's state. Small on purpose: the engine keeps every customer for the
    per-customer table, so memory grows with customers, not with events."""

    __slots__ = (
        "acquired_at",
        "attitude",
        "bad_episodes",
        "baseline_churn",
        "churned_at",
        "complaints",
        "cumulative",
        "discounted_margin",
        "episodes",
        "good_episodes",
        "habit",
        "id",
        "interval_factor",
        "key",
        "last_satisfaction",
        "points",
        "prior",
        "revenue",
        "segment",
        "sensitivity",
        "source",
        "trust_broken",
        "trust_kept",
    )

    def __init__(
        self,
        cid: int,
        key: int,
        source: str,
        now: float,
        prior: np.ndarray,
        trust_kept: float,
        trust_broken: float,
        baseline_churn: float,
        traits: Traits,
    ) -> None:
        self.id = cid
        self.key = key
        self.source = source
        self.acquired_at = now
        self.prior = prior
        self.trust_kept = trust_kept
        self.trust_broken = trust_broken
        self.baseline_churn = baseline_churn
        self.segment = traits.segment
        self.sensitivity = traits.shock
        self.habit = traits.habit
        self.interval_factor = traits.interval
        self.good_episodes = 0  # episodes so far that felt at least as good as expected
        self.attitude = 0.0
        self.cumulative = 0.0
        self.episodes = 0
        self.bad_episodes = 0
        self.complaints = 0
        self.churned_at = math.nan
        self.revenue = 0.0
        self.discounted_margin = 0.0
        self.points = 0.0  # apology points waiting to be redeemed on the next purchase
        self.last_satisfaction = math.nan

    @property
    def trust(self) -> float:
        return self.trust_kept / (self.trust_kept + self.trust_broken)


class Traits:
    """Who a prospect is, drawn once from its own random numbers (common random numbers):
    segment, and the multipliers of promise sensitivity, shock, habit and purchase interval."""

    __slots__ = ("habit", "interval", "promise_sensitivity", "segment", "shock")

    def __init__(self, segment, promise_sensitivity, shock, habit, interval) -> None:
        self.segment = segment
        self.promise_sensitivity = promise_sensitivity
        self.shock = shock
        self.habit = habit
        self.interval = interval


class Feeling:
    """How an episode ends up feeling, after any complaint.

    ``reported`` is the satisfaction a survey would record (the recovery paradox may lift
    it); ``loyalty`` is the satisfaction that drives attitude and churn (never lifted above
    the no-failure level); ``surprise`` (−1…1) is what is left of the felt surprise after any
    recovery, and drives word of mouth. ``unheard``: dissatisfied and not complaining, or
    gave up.
    """

    __slots__ = ("compensation", "loyalty", "reported", "surprise", "unheard")

    def __init__(
        self, reported: float, loyalty: float, surprise: float, unheard: bool, compensation: float
    ) -> None:
        self.reported = reported
        self.loyalty = loyalty
        self.surprise = surprise
        self.unheard = unheard
        self.compensation = compensation


class Visit:
    """What one journey delivered, cell by cell, and what over-delivering it cost."""

    __slots__ = ("cells", "cost", "delivered", "positions", "visited", "waited")

    def __init__(self) -> None:
        self.visited: list[int] = []  # touchpoints, in order
        self.cells: list[int] = []
        self.positions: list[int] = []  # position in `visited` of each cell's touchpoint
        self.delivered: list[float] = []
        self.waited: list[float] = []  # queueing part of delivered time (time cells)
        self.cost = 0.0  # expedite and upgrade costs

    def add(self, cell: int, position: int, level: float, waited: float) -> None:
        self.cells.append(cell)
        self.positions.append(position)
        self.delivered.append(level)
        self.waited.append(waited)


class Step:
    """One touchpoint compiled for :meth:`Model.journey`: samplers, resources, cells, routes."""

    __slots__ = (
        "cells",
        "failure_delay",
        "failure_probability",
        "k",
        "only_after_failure",
        "plan",
        "service_drop",
        "stages",
    )

    def __init__(self, k: int, tp, plan: JourneyPlan, resources: dict) -> None:
        self.stages = []
        for stage in tp.stages:
            resource = resources.get(stage.resource)
            priority = isinstance(resource, simpy.PriorityResource)
            self.stages.append((stage.duration.sample, resource, stage.resource, priority))
        self.cells = []
        for cell in plan.cells_of[k]:
            dim = plan.cells[cell][1]
            sample = None if dim == "time" else getattr(tp.delivered, dim).sample
            self.cells.append((cell, dim, sample))
        self.failure_probability = tp.failure.probability
        self.failure_delay = tp.failure.delay
        self.service_drop = tp.failure.service_drop
        self.only_after_failure = tp.only_after_failure
        self.k, self.plan = k, plan

    def next(self, key: int, slot: int) -> int | None:
        """The touchpoint after this one (None: the journey ends); no draw if one way out."""
        routes = self.plan.routes[self.k]
        if len(routes) == 1:
            return routes[0][1]
        return self.plan.next_touchpoint(self.k, uniform(key, ROUTE, slot + _ROUTE_SLOT))


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
        too_much = workload(scenario, self.horizon)
        if too_much:
            raise ScenarioError([too_much])
        self.env = simpy.Environment()
        self.streams = Streams(seed)
        self.plan = JourneyPlan(scenario)
        od = scenario.overdelivery
        self.aftercare = anything_after(scenario)
        self.exceed_at = (
            [tp.name for tp in scenario.touchpoints].index(od.touchpoint) if od.touchpoint else -1
        )
        # expedited orders jump the queues of the over-delivering touchpoint
        expedited = (
            {s.resource for s in scenario.touchpoint(od.touchpoint).stages}
            if od.touchpoint and od.time.share > 0
            else set()
        )
        self.resources = {
            r.name: (simpy.PriorityResource if r.name in expedited else simpy.Resource)(
                self.env, r.capacity
            )
            for r in scenario.resources
        }
        self.support = self.resources.get(scenario.complaints.resource)
        self.steps = [
            Step(k, tp, self.plan, self.resources) for k, tp in enumerate(scenario.touchpoints)
        ]
        self.quoters = self._quoters()
        # Cells where both we and the rival promise something: what prospects compare.
        plan = self.plan
        self.compared = [
            (
                self.quoters[cell],
                plan.weight[cell] * plan.direction[cell] / plan.jnd[cell],
                plan.competitor[cell],
            )
            for cell in range(len(plan.cells))
            if self.quoters[cell] is not None and not np.isnan(plan.competitor[cell])
        ]
        self.churn_propensity = Beta(scenario.retention.churn_a, scenario.retention.churn_b)
        self.segments = list(scenario.segments)
        self.segment_bounds = np.cumsum([s.share for s in self.segments]).tolist()
        retention, market = scenario.retention, scenario.market
        self.shock_spread = Gamma(1.0, retention.shock_cv) if retention.shock_cv > 0 else None
        self.sensitivity_spread = (
            Gamma(1.0, market.sensitivity_cv) if market.sensitivity_cv > 0 else None
        )
        self.referral_delay = Exponential(scenario.wom.delay)
        self.metrics = Collector(self.plan, self.horizon)
        self.customers = CustomerBook()
        # one tuple per purchase episode when asked for (memory grows with episodes)
        self.episode_log: list[tuple] | None = [] if episodes else None
        self.prospects = 0  # everyone who has made a buy/not-buy decision
        self._paid = 0

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
            context = QuoteContext(queues, self.plan.competitor[len(quoters)])
            quoters.append(policy.quoter(parts, dim != "service", context))
        return quoters

    # ------------------------------------------------------------------ running
    def run(self, progress: bool = True) -> Result:
        """Simulate up to the horizon and return the :class:`~sim.result.Result`.

        With ``progress``, a run still going after a few seconds shows a bar of simulated
        days.
        """
        started = time.perf_counter()
        self.env.process(self.paid_arrivals())
        self.env.process(self.daily_snapshots())
        with tqdm(
            total=self.metrics.days,
            desc=self.scenario.name,
            unit="day",
            delay=PROGRESS_AFTER_S,
            disable=not progress,
            leave=False,
        ) as self.progress:
            self.env.run(until=self.horizon)
        return self.metrics.result(self, wall_time=time.perf_counter() - started)

    def promises(self) -> list[float]:
        """The promise currently quoted per cell (NaN where nothing is promised)."""
        return [math.nan if q is None else q.value for q in self.quoters]

    # ------------------------------------------------------------------ acquisition
    def paid_arrivals(self):
        """Paid prospects arrive as a Poisson stream (thinned by the untouched market share
        when the population is finite)."""
        market = self.scenario.market
        rate = market.prospects_per_day / 24.0
        if rate <= 0:
            return
        key = self.streams.market_key
        population = market.population
        while not population or self.prospects < population:  # a used-up market: no one left
            n = self._paid
            self._paid += 1
            yield self.env.timeout(-math.log(uniform(key, ARRIVAL, 2 * n)) / rate)
            if self._market_reachable(uniform(key, ARRIVAL, 2 * n + 1)):
                self.prospect(self.streams.prospect_key(n), "paid", valence=0.0, prior=None)

    def referral(self, key: int, valence: float, prior: np.ndarray):
        """Someone who heard word of mouth shops after a delay, if still in the market."""
        yield self.env.timeout(self.referral_delay.sample(uniform(key, REFERRAL, 0)))
        if self._market_reachable(uniform(key, REFERRAL, 1)):
            self.prospect(key, "wom", valence, prior)

    def _runaway(self) -> str:
        """Why the run stopped at ``max_prospects``: a market that grows without bound."""
        return (
            f"max_prospects: {self.scenario.max_prospects:,} prospects by day "
            f"{self.env.now / 24:,.0f} of {self.horizon / 24:,.0f} — the market keeps "
            f"growing ({self.metrics.totals['prospects_wom']:,.0f} came by word of mouth). Set "
            "market.population, lower wom.reach or market.prospects_per_day, shorten the "
            "horizon, or raise max_prospects"
        )

    def _market_reachable(self, u: float) -> bool:
        population = self.scenario.market.population
        return population == 0 or u < (population - self.prospects) / population

    def prospect(self, key: int, source: str, valence: float, prior: np.ndarray | None) -> None:
        """A prospect compares our promises with the competitor's (logit) and buys or leaves.

        Word of mouth shifts the choice (valence +1 praise, −1 complaint) and, for a buyer,
        sets the prior: what the friend experienced.
        """
        self.prospects += 1
        if self.prospects > self.scenario.max_prospects:
            raise ScenarioError([self._runaway()])
        plan, market = self.plan, self.scenario.market
        # promised advantage over the rival, in weighted jnd (positive: our promise is better)
        advantage = sum(
            per_jnd * (quoter.value - rival) for quoter, per_jnd, rival in self.compared
        )
        lift = (
            market.wom_positive_lift
            if valence > 0
            else -market.wom_negative_lift
            if valence < 0
            else 0.0
        )
        traits = self.traits(key)
        sensitivity = market.promise_sensitivity * traits.promise_sensitivity
        probability = behaviour.choice_probability(
            market.brand_preference + sensitivity * advantage + lift
        )
        buys = uniform(key, CHOICE, 0) < probability
        self.metrics.prospect(self.env.now, source, buys)
        if not buys:
            return
        trust = self.scenario.trust
        customer = Customer(
            cid=self.customers.count,
            key=key,
            source=source,
            now=self.env.now,
            prior=(plan.norm_list if prior is None else prior).copy(),
            trust_kept=trust.prior_kept,
            trust_broken=trust.prior_broken,
            baseline_churn=self.churn_propensity.sample(uniform(key, TRAITS, 0)),
            traits=traits,
        )
        self.customers.open(customer)
        self.metrics.acquired(customer)
        self.env.process(self.lifecycle(customer))

    def traits(self, key: int) -> Traits:
        """The prospect's segment and personal multipliers (TRAITS slots 1–3)."""
        retention = self.scenario.retention
        segment, shock, habit, interval, sensitivity = -1, 1.0, retention.habit, 1.0, 1.0
        if self.segments:
            u = uniform(key, TRAITS, 1)
            segment = next(
                (i for i, bound in enumerate(self.segment_bounds) if u < bound),
                len(self.segments) - 1,
            )
            kind = self.segments[segment]
            shock, habit = kind.shock, habit * kind.habit
            interval, sensitivity = kind.interval, kind.promise_sensitivity
        if self.shock_spread is not None:
            shock *= self.shock_spread.sample(uniform(key, TRAITS, 2))
        if self.sensitivity_spread is not None:
            sensitivity *= self.sensitivity_spread.sample(uniform(key, TRAITS, 3))
        return Traits(segment, sensitivity, shock, habit, interval)

    # ------------------------------------------------------------------ the customer
    def lifecycle(self, c: Customer):
        """Buy, feel, maybe complain, maybe talk, then leave or come back later."""
        while True:
            wait = yield from self.purchase(c)
            if wait is None:
                return
            # the purchase's frame is gone: a waiting customer holds no episode data
            yield self.env.timeout(wait)

    def purchase(self, c: Customer):
        """One purchase episode; returns hours until the next one, or None if the customer
        leaves."""
        retention = self.scenario.retention
        started, complaints_before = self.env.now, c.complaints
        promised = self.promises()
        visit = yield from self.journey(c)
        c.episodes += 1
        score = score_episode(
            self.plan,
            visit.cells,
            visit.positions,
            visit.visited,
            visit.delivered,
            [promised[cell] for cell in visit.cells],
            c.prior,
            behaviour.promise_weight(
                c.trust, c.episodes - 1, self.scenario.perception.prior_weight
            ),
        )
        for cell, level in zip(visit.cells, visit.delivered, strict=True):
            if self.quoters[cell] is not None:
                self.quoters[cell].observe(level, promised[cell])
        after = aftermath(self.scenario, c.key, c.episodes) if self.aftercare else NOTHING
        score = self._with_aftermath(score, after)
        if score.satisfaction < self.scenario.complaints.threshold:
            feeling = yield from self.voice(c, score)
        else:  # satisfied enough not to complain: nothing to voice or recover
            feeling = Feeling(
                score.satisfaction, score.satisfaction, self._surprise(score), False, 0.0
            )
        self._account(c, visit, score, feeling, after)  # basket: attitude before
        acted = behaviour.habitual_response(feeling.loyalty, c.cumulative, c.habit, c.good_episodes)
        self._update_beliefs(c, visit.cells, visit.delivered, score, feeling, acted)
        valence, told = self.talk(c, feeling, score.worst_cell)
        hazard = self.churn_hazard(c, c.cumulative, feeling, acted)
        churns = uniform(c.key, CHURN, c.episodes) < hazard
        if feeling.loyalty >= 0.0:
            c.good_episodes += 1
        if self.episode_log is not None:
            self._log_episode(
                c, started, complaints_before, visit, score, feeling, valence, told, churns, hazard
            )
        if churns:
            c.churned_at = self.env.now
            self.metrics.churned(c, score.worst_cell)
            self.customers.close(c)
            return None
        mean_gap = (
            behaviour.purchase_interval(
                retention.interval * c.interval_factor, c.cumulative, retention.attitude_effect
            )
            * (1.0 - self.scenario.followup.contact_lift) ** after.contacts
        )
        return -float(mean_gap) * math.log(uniform(c.key, REPURCHASE, c.episodes))

    def _log_episode(
        self,
        c: Customer,
        started: float,
        complaints_before: int,
        visit: Visit,
        score: EpisodeScore,
        feeling: Feeling,
        valence: float,
        told: int,
        churns: bool,
        hazard: float,
    ) -> None:
        """Append one row of :data:`sim.metrics.EPISODE_COLUMNS`."""
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
                self.env.now / 24.0,
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

    def _with_aftermath(self, score: EpisodeScore, after: Aftermath) -> EpisodeScore:
        """The episode's score including bonus, thanks, annoyance and a refused return."""
        if after.utility == 0.0:
            return score
        utility = score.utility + after.utility
        scale = self.scenario.perception.satisfaction_scale
        return replace(
            score,
            utility=utility,
            loss=score.loss + after.loss,
            surprise=score.surprise + after.utility,  # a bonus, a thank-you, an annoyance
            felt_loss=score.felt_loss + after.loss,
            satisfaction=float(behaviour.utility_to_satisfaction(utility, scale)),
        )

    def _surprise(self, score: EpisodeScore, recovered: float = 0.0) -> float:
        """Felt surprise on −1…1 after a recovery that gave back ``recovered`` (0…1) of the
        felt loss: a complaint handled well takes the sting out of the story."""
        scale = self.scenario.perception.satisfaction_scale
        return float(
            behaviour.utility_to_satisfaction(score.surprise + recovered * score.felt_loss, scale)
        )

    def voice(self, c: Customer, score: EpisodeScore):
        """A dissatisfied customer (below ``complaints.threshold``) may complain; a handled
        complaint recovers part of the loss.

        The firm may also spot the bad episode itself and fix it before any complaint
        (``recovery.proactive``). Returns a :class:`Feeling`. Recovery follows Smith, Bolton
        & Wagner (1999); the recovery paradox may lift reported satisfaction for a mild first
        failure but never loyalty or talk (de Matos, Henrique & Rossi 2007).
        """
        s = self.scenario
        feeling = Feeling(
            score.satisfaction,
            score.satisfaction,
            self._surprise(score),
            unheard=False,
            compensation=0.0,
        )
        first_failure = c.bad_episodes == 0  # "first failure" in the recovery literature
        c.bad_episodes += 1
        index = c.episodes * SLOTS
        if uniform(c.key, COMPLAIN, index + 2) < s.recovery.proactive:
            self.metrics.proactive(self.env.now)
            handling = s.complaints.handle_time.sample(uniform(c.key, COMPLAIN, index + 1))
            yield self.env.timeout(handling)  # the firm calls: no queue, nobody gives up
            resolution_time: float | None = handling
        elif uniform(c.key, COMPLAIN, index) < s.complaints.probability:
            c.complaints += 1
            self.metrics.complaint(self.env.now, score.worst_cell)
            resolution_time = yield from self.complain(c)
            if resolution_time is None:
                self.metrics.unresolved(self.env.now)
        else:
            resolution_time = None
        if resolution_time is None:
            feeling.unheard = True
            return feeling
        r = s.recovery
        share = float(
            behaviour.recovery_share(
                r.compensation + r.credit * r.credit_value,
                resolution_time,
                score.loss,
                first_failure,
                apology=r.apology,
                compensation_half=r.compensation_half,
                compensation_weight=r.compensation_weight,
                speed_weight=r.speed_weight,
                speed_scale=r.speed_scale,
                paradox_cap=r.paradox_cap,
                mild_loss=r.mild_loss,
            )
        )
        scale = s.perception.satisfaction_scale
        feeling.reported = float(
            behaviour.utility_to_satisfaction(score.utility + share * score.loss, scale)
        )
        feeling.loyalty = float(
            behaviour.utility_to_satisfaction(score.utility + min(share, 1.0) * score.loss, scale)
        )
        feeling.surprise = self._surprise(score, min(share, 1.0))
        feeling.compensation = r.compensation
        c.points += r.credit
        self.metrics.recovered(self.env.now, r.compensation, paradox=share > 1.0)
        return feeling

    def churn_hazard(self, c: Customer, cumulative: float, feeling: Feeling, acted: float) -> float:
        """Probability that the customer leaves after this episode, given cumulative
        satisfaction and the episode's satisfaction ``acted`` on (proportional hazard,
        Bolton 1998; :func:`behaviour.churn_probability`)."""
        retention = self.scenario.retention
        hazard = float(
            behaviour.churn_probability(
                c.baseline_churn,
                cumulative,
                acted,
                retention.satisfaction_effect,
                retention.bad_episode_shock,
                c.sensitivity,
            )
        )
        if feeling.unheard:
            hazard = min(1.0, hazard * self.scenario.complaints.unvoiced_multiplier)
        return hazard

    def journey(self, c: Customer):
        """One purchase through the touchpoints; returns a :class:`Visit`.

        At the over-delivering touchpoint an expedited order jumps the queues and is worked
        faster, a discounted bill comes in below the estimate, an upgrade lifts service.
        Draws whose outcome cannot matter (a failure of probability 0, a route with one
        way out) are skipped: every draw is keyed by its own slot, so skipping one changes
        no other.
        """
        env, od, key = self.env, self.scenario.overdelivery, c.key
        block = (c.episodes + 1) * SLOTS
        expedite = od.time.share > 0 and uniform(key, EXCEED, block) < od.time.share
        discount = od.cost.share > 0 and uniform(key, EXCEED, block + 1) < od.cost.share
        upgrade = od.service.share > 0 and uniform(key, EXCEED, block + 2) < od.service.share
        visit = Visit()
        failed = False
        k: int | None = 0
        while k is not None:
            step = self.steps[k]
            slot = block + k * _SLOTS_PER_TOUCHPOINT
            if step.only_after_failure and not failed:
                k = step.next(key, slot)
                continue
            here = k == self.exceed_at
            fast = here and expedite
            started = env.now
            queueing = 0.0
            for index, (sample, resource, name, priority) in enumerate(step.stages):
                work = sample(uniform(key, SERVICE, slot + index))
                if fast:
                    work *= 1.0 - od.time.speedup
                if resource is None:
                    yield env.timeout(work)
                    continue
                asked = env.now
                if priority:
                    request = resource.request(priority=0 if fast else 1)
                else:
                    request = resource.request()
                with request:
                    yield request
                    queueing += env.now - asked
                    self.metrics.served(name, env.now, env.now - asked, work, self.horizon)
                    yield env.timeout(work)
            if fast:
                visit.cost += od.time.cost
            failure = (
                step.failure_probability > 0
                and uniform(key, ROUTE, slot + _FAILURE_SLOT) < step.failure_probability
            )
            if failure:
                failed = True
                if step.failure_delay > 0:
                    yield env.timeout(step.failure_delay)
            position = len(visit.visited)
            visit.visited.append(k)
            for cell, dim, sample in step.cells:
                if dim == "time":
                    visit.add(cell, position, env.now - started, queueing)
                    continue
                if dim == "cost":
                    level = sample(uniform(key, SERVICE, slot + _COST_SLOT))
                    if here and discount:
                        level *= 1.0 - od.cost.discount  # the bill comes in below the estimate
                else:
                    level = sample(uniform(key, SERVICE, slot + _SERVICE_SLOT))
                    if failure:
                        level = max(1.0, level - step.service_drop)
                    if here and upgrade:
                        level = min(5.0, level + od.service.points)
                        visit.cost += od.service.cost
                visit.add(cell, position, level, 0.0)
            k = step.next(key, slot)
        return visit

    def complain(self, c: Customer):
        """Queue at support; returns the time to resolution, or None if the customer gave up."""
        complaints = self.scenario.complaints
        started = self.env.now
        handling = complaints.handle_time.sample(uniform(c.key, COMPLAIN, c.episodes * SLOTS + 1))
        if self.support is None:
            yield self.env.timeout(handling)
            return self.env.now - started
        with self.support.request() as request:
            outcome = yield request | self.env.timeout(complaints.patience)
            if request not in outcome:
                return None
            self.metrics.served(
                complaints.resource, self.env.now, self.env.now - started, handling, self.horizon
            )
            yield self.env.timeout(handling)
        return self.env.now - started

    def talk(self, c: Customer, feeling: Feeling, worst_cell: int) -> tuple[float, int]:
        """Word of mouth: maybe praise or criticise to Poisson(reach) people, who may come
        to shop. Surprise makes people talk, fans recommend (:func:`behaviour.talk_probabilities`).

        Returns the valence (+1 praise, −1 criticism, 0 kept quiet) and how many were told."""
        w = self.scenario.wom
        positive, negative = behaviour.talk_probabilities(
            feeling.surprise,
            c.attitude,
            w.base,
            w.positive_slope,
            w.negative_slope,
            w.curvature,
            w.advocacy,
            w.referral_bonus,
            behaviour.track_record(c.good_episodes),
        )
        if feeling.unheard and negative > 0.0:  # not heard by the firm: tells others instead
            negative = min(1.0 - positive, negative * self.scenario.complaints.unvoiced_multiplier)
        index = c.episodes * SLOTS
        u = uniform(c.key, TALK, index)
        if u >= positive + negative:
            return 0.0, 0
        valence = -1.0 if u < negative else 1.0
        listeners = poisson_inverse(w.reach, uniform(c.key, TALK, index + 1))
        self.metrics.talk(self.env.now, valence, listeners, worst_cell)
        for listener in range(listeners):
            key = derive_key(c.key, REFERRAL, index + listener)
            # a copy: the listener hears what the friend knows now, not what they learn later
            self.env.process(self.referral(key, valence, c.prior.copy()))
        return valence, listeners

    # ------------------------------------------------------------------ bookkeeping
    def _update_beliefs(
        self, c: Customer, cells, delivered, score, feeling: Feeling, acted: float
    ) -> None:
        """Trust (Beta), prior (EWMA), attitude (running mean of what was felt), cumulative
        satisfaction (of what was ``acted`` on, after habit): each by its equation in
        :mod:`sim.behaviour`."""
        s = self.scenario
        before = c.trust
        c.trust_kept, c.trust_broken = behaviour.update_trust(
            c.trust_kept,
            c.trust_broken,
            score.promises_kept,
            score.promises_broken,
            s.trust.kept_weight,
            s.trust.broken_weight,
        )
        weight = s.perception.prior_weight
        prior = c.prior
        for cell, level in zip(cells, delivered, strict=True):
            prior[cell] = behaviour.update_prior(prior[cell], level, weight)
        c.attitude = behaviour.running_mean(c.attitude, feeling.loyalty, c.episodes)
        c.cumulative = behaviour.cumulative_satisfaction(
            c.cumulative, acted, c.episodes, s.retention.memory_floor
        )
        c.last_satisfaction = feeling.reported
        self.metrics.trust_changed(c.trust - before)

    def _account(
        self, c: Customer, visit: Visit, score: EpisodeScore, feeling: Feeling, after: Aftermath
    ) -> None:
        """Revenue is the delivered bill × basket, less refunds and redeemed apology points;
        margin (less goods, compensation and the episode's extra costs) is discounted into
        the customer's lifetime value."""
        s = self.scenario
        basket = float(behaviour.basket_size(c.attitude, s.retention.basket_effect))
        is_cost = self.plan.is_cost
        bill = 0.0
        for cell, level in zip(visit.cells, visit.delivered, strict=True):
            if is_cost[cell]:
                bill += level
        bill *= basket
        redeemed = min(c.points, bill)
        c.points -= redeemed
        revenue = 0.0 if after.refunded else bill - redeemed
        goods = s.economics.unit_cost * basket
        extra = visit.cost + after.cost
        margin = revenue - goods - feeling.compensation - extra
        years = (self.env.now - c.acquired_at) / 8760.0
        c.revenue += revenue
        c.discounted_margin += margin * (1.0 + s.economics.discount_rate) ** -years
        self.metrics.episode(
            self.env.now,
            visit.cells,
            visit.delivered,
            visit.waited,
            score,
            feeling.reported,
            revenue,
            goods,
        )
        self.metrics.aftermath(after, extra, refund=bill - redeemed if after.refunded else 0.0)

    def daily_snapshots(self):
        """Record active customers and their mean trust at the end of each day."""
        day = 0
        while True:
            yield self.env.timeout(24.0)
            self.metrics.snapshot(day)
            self.progress.update(1)
            day += 1


def _horizon(horizon: float | str) -> float:
    try:
        return horizon_hours(horizon)
    except DurationError as error:
        raise ScenarioError([f"horizon: {horizon!r} — {error.reason}"]) from None


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
