"""The bare-SimPy skeleton: the model's event structure with no behaviour and no metrics.

The engine ratio (:mod:`benchmarks.engine`) divides the full model's throughput by this
skeleton's, so the skeleton must schedule the *same SimPy events* as the model does for the
same scenario, and nothing else:

* paid prospects arrive as a Poisson stream at ``market.prospects_per_day`` (one timeout
  each); as in the model, with a finite ``market.population`` a prospect is still in the
  market with probability (population − prospects so far) / population; one who is buys
  with the conversion rate measured on the model for their source (paid or referral);
* a buyer starts a customer process that repeats episodes. An episode walks the scenario's
  touchpoints along their routes (``only_after_failure`` touchpoints only after a failure);
  each stage with a resource requests it (``simpy.Resource``, or ``PriorityResource`` where
  the model uses one) and holds it for ``stage.duration.sample(u)``, a stage without one is
  a plain timeout; a touchpoint failure (its ``failure.probability``) adds ``failure.delay``;
* after the journey, as often as in the model: a proactive recovery (a timeout of the
  handling time) or a complaint (a support request raced against ``complaints.patience``,
  then the handling time), and word of mouth: with the model's talk rate, Poisson(the
  model's listeners per talk) referral processes, each a timeout of Exponential(``wom.delay``)
  then, if still in the market, a prospect who buys with the model's referral conversion;
* the customer churns with the model's churn probability per episode (churned episodes /
  all episodes: the maximum-likelihood geometric rate, which accounts for customers still
  active at the horizon), otherwise waits an exponential repurchase gap and buys again;
* a daily tick, like the model's ``daily_snapshots``.

Referrals are included, as extra arrivals, because in the shipped scenarios word of mouth
brings roughly as many prospects as paid channels: without them the skeleton would process
far fewer episodes than the model. The repurchase gap is the model's *measured* mean gap
(time from the end of one episode to the start of the next, maximum likelihood with the
gaps still open at the horizon as censored observations), not ``retention.interval``: the
model stretches or shortens the interval with each customer's attitude, so the scenario's
interval alone would give a different number of episodes. All rates come from one untimed
calibration run of the model (:func:`calibrate`). Pooled rates ignore that customers differ
(baseline churn, attitude) and that attitude drifts over a customer's life, which leaves
the skeleton some 5–10 % off the model's episode count, so :func:`tune` then scales the gap
until the skeleton's mean episode count over a few seeds matches the calibration run's. The
engine section prints both episode counts so the reader can check they match within a few
per cent.

Random numbers: one ``random.Random(seed)``; uniforms feed the scenario's own
distributions (``stage.duration.sample(u)``), so per-draw sampling cost is the same as in
the model, minus the model's counter-based streams.
"""

from __future__ import annotations

import math
import random
from dataclasses import asdict, dataclass, replace

import simpy

from benchmarks.common import HOURS_PER_DAY, Stopwatch, count_events


@dataclass(frozen=True)
class Rates:
    """Per-prospect and per-episode probabilities measured on one model run."""

    paid_conversion: float  # paid customers / paid prospects
    referral_conversion: float  # word-of-mouth customers / word-of-mouth prospects
    churn: float  # churned / episodes
    complaint: float  # complaints queued at support / episodes
    proactive: float  # proactive recoveries (a timeout, no queue) / episodes
    talk: float  # episodes after which the customer talked / episodes
    listeners: float  # people told per talk
    gap_hours: float  # mean repurchase gap, hours
    model_episodes: int  # episodes of the calibration run, for reference
    model_events: int | None

    def as_dict(self) -> dict:
        return asdict(self)


def calibrate(scenario, seed: int, horizon: float) -> Rates:
    """Run the model once (with the episode log) and measure the skeleton's rates."""
    import sim

    model = sim.Model(scenario, seed=seed, horizon=horizon, episodes=True)
    result = model.run()
    k = result.kpis
    purchases = float(k["purchases"])
    customers = result.customers
    episodes = result.episodes.sort_values(["customer", "episode"])
    sources = customers["source"].value_counts()
    talked = float(episodes["talked"].sum())
    # repurchase gaps: end of one episode to the start of the customer's next one
    next_start = episodes.groupby("customer")["start_day"].shift(-1)
    completed = (next_start - episodes["end_day"]).dropna()
    last = episodes[next_start.isna() & ~episodes["churned"].astype(bool)]
    open_gaps = (horizon / HOURS_PER_DAY - last["end_day"]).clip(lower=0.0)
    if len(completed):
        gap_days = (completed.sum() + open_gaps.sum()) / len(completed)
    else:
        gap_days = scenario.retention.interval / HOURS_PER_DAY
    return Rates(
        paid_conversion=_ratio(sources.get("paid", 0), k["prospects_paid"]),
        referral_conversion=_ratio(sources.get("wom", 0), k["prospects_wom"]),
        churn=_ratio(k["churned"], purchases),
        complaint=_ratio(k["complaints"], purchases),
        proactive=_ratio(k["proactive_recoveries"], purchases),
        talk=_ratio(talked, purchases),
        listeners=_ratio(episodes["told"].sum(), talked),
        gap_hours=float(gap_days * HOURS_PER_DAY),
        model_episodes=int(purchases),
        model_events=count_events(model.env),
    )


def tune(scenario, rates: Rates, horizon: float, seeds: int = 3, rounds: int = 3) -> Rates:
    """Scale the repurchase gap so the skeleton's mean episode count over ``seeds`` seeds
    matches the calibration run's (fixed-point iteration, ``rounds`` times)."""
    for _ in range(rounds):
        runs = [Skeleton(scenario, rates, seed, horizon).run() for seed in range(1, seeds + 1)]
        mean = sum(r.episodes for r in runs) / seeds
        if not mean or not rates.model_episodes:
            break
        ratio = mean / rates.model_episodes
        if abs(ratio - 1.0) < 0.005:
            break
        rates = replace(rates, gap_hours=rates.gap_hours * ratio)
    return rates


def _ratio(numerator, denominator) -> float:
    return min(1e9, float(numerator) / float(denominator)) if float(denominator) else 0.0


@dataclass
class SkeletonRun:
    episodes: int
    customers: int
    events: int | None
    seconds: float


class Skeleton:
    """One skeleton run of ``scenario`` with ``rates`` (see the module docstring)."""

    def __init__(self, scenario, rates: Rates, seed: int, horizon: float) -> None:
        self.scenario = scenario
        self.rates = rates
        self.horizon = horizon
        self.env = env = simpy.Environment()
        self.random = random.Random(seed).random
        od = scenario.overdelivery
        expedited = (
            {s.resource for s in scenario.touchpoint(od.touchpoint).stages}
            if od.touchpoint and od.time.share > 0
            else set()
        )
        self.resources = {
            r.name: (simpy.PriorityResource if r.name in expedited else simpy.Resource)(
                env, r.capacity
            )
            for r in scenario.resources
        }
        names = [tp.name for tp in scenario.touchpoints]
        # per touchpoint: stages (sample, resource, priority?), failure, routes, only-after
        self.touchpoints = []
        for k, tp in enumerate(scenario.touchpoints):
            stages = []
            for stage in tp.stages:
                resource = self.resources.get(stage.resource)
                priority = isinstance(resource, simpy.PriorityResource)
                stages.append((stage.duration.sample, resource, priority))
            if tp.routes:
                routes, total = [], 0.0
                for target, probability in tp.routes:
                    total += probability
                    routes.append((total, None if target == "end" else names.index(target)))
            else:
                routes = [(1.0, k + 1 if k + 1 < len(names) else None)]
            self.touchpoints.append(
                (
                    stages,
                    tp.failure.probability,
                    tp.failure.delay,
                    routes,
                    tp.only_after_failure,
                )
            )
        complaints = scenario.complaints
        self.support = self.resources.get(complaints.resource)
        self.handle_time = complaints.handle_time.sample
        self.patience = complaints.patience
        self.population = scenario.market.population
        self.prospects = 0
        self.episodes = 0
        self.customers = 0

    def run(self) -> SkeletonRun:
        """Simulate to the horizon (``seconds``: this call, not the construction)."""
        with Stopwatch() as watch:
            self.env.process(self.arrivals())
            self.env.process(self.days())
            self.env.run(until=self.horizon)
        return SkeletonRun(self.episodes, self.customers, count_events(self.env), watch.seconds)

    def _u(self) -> float:
        return self.random() or 0.5  # never exactly 0 (inverse CDFs reject it)

    def arrivals(self):
        rate = self.scenario.market.prospects_per_day / HOURS_PER_DAY
        if rate <= 0:
            return
        env, rnd, r = self.env, self.random, self.rates
        while True:
            yield env.timeout(-math.log(1.0 - rnd()) / rate)
            self.prospect(r.paid_conversion)

    def referral(self):
        env, rnd, r = self.env, self.random, self.rates
        yield env.timeout(-self.scenario.wom.delay * math.log(1.0 - rnd()))
        self.prospect(r.referral_conversion)

    def prospect(self, conversion: float) -> None:
        """Still in the market (finite population, as in the model)? Then maybe buy."""
        rnd, population = self.random, self.population
        if population and rnd() >= (population - self.prospects) / population:
            return
        self.prospects += 1
        if rnd() < conversion:
            self.customers += 1
            self.env.process(self.customer())

    def customer(self):
        env, rnd, r = self.env, self.random, self.rates
        while True:
            yield from self.journey()
            u = rnd()
            if u < r.proactive:
                yield env.timeout(self.handle_time(self._u()))
            elif u < r.proactive + r.complaint:
                yield from self.complain()
            self.episodes += 1
            if rnd() < r.talk:
                for _ in range(_poisson(r.listeners, rnd)):
                    env.process(self.referral())
            if rnd() < r.churn:
                return
            yield env.timeout(-r.gap_hours * math.log(1.0 - rnd()))

    def journey(self):
        env, rnd, touchpoints = self.env, self.random, self.touchpoints
        failed = False
        k = 0
        while k is not None:
            stages, failure, delay, routes, only_after_failure = touchpoints[k]
            if not only_after_failure or failed:
                for sample, resource, priority in stages:
                    work = sample(self._u())
                    if resource is None:
                        yield env.timeout(work)
                        continue
                    request = resource.request(priority=1) if priority else resource.request()
                    with request:
                        yield request
                        yield env.timeout(work)
                if rnd() < failure:
                    failed = True
                    if delay > 0:
                        yield env.timeout(delay)
            k = _route(routes, rnd())

    def complain(self):
        env = self.env
        handling = self.handle_time(self._u())
        if self.support is None:
            yield env.timeout(handling)
            return
        with self.support.request() as request:
            outcome = yield request | env.timeout(self.patience)
            if request in outcome:
                yield env.timeout(handling)

    def days(self):
        while True:
            yield self.env.timeout(HOURS_PER_DAY)


def _route(routes: list[tuple[float, int | None]], u: float) -> int | None:
    """The next touchpoint: the first route whose cumulative probability exceeds ``u``."""
    for cumulative, target in routes:
        if u < cumulative:
            return target
    return routes[-1][1]


def _poisson(mean: float, rnd) -> int:
    """Poisson(``mean``) by multiplying uniforms (Knuth); fine for the small means here."""
    limit, k, product = math.exp(-mean), 0, rnd()
    while product > limit:
        k += 1
        product *= rnd()
    return k
