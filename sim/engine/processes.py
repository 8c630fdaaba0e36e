"""The SimPy processes: prospects arrive, choose, and customers live through their journeys.

Each process is a generator over the :class:`~sim.engine.model.Model` (its clock, queues,
promises and counters) and reads like the story it models:

* :func:`paid_arrivals` — prospects from paid channels, a Poisson stream (following the
  demand profile of ``calendar``, :func:`later`);
* :func:`word_of_mouth_referral` — a person told about us shops a little later (a timeout
  with a callback, as are advice conversations: no process of their own);
* :func:`prospect` — compares our promises with the rival's, buys or leaves;
* :func:`lifecycle` — a customer's purchases, one after another until they leave;
* :func:`purchase` — one purchase episode: the journey, how it felt, a complaint if
  dissatisfied, what the customer learns and tells, then leave or come back;
* :func:`journey` — one purchase through the touchpoints; capacity-limited stages queue at a
  ``simpy.Resource`` so delivered time = waiting + work;
* :func:`voice` / :func:`complain` — a dissatisfied customer may complain; the complaint
  queues at support and is handled (recovery) or given up on;
* :func:`talk` — word of mouth: praise or criticism to people who may come to shop;
* :func:`advise` / :func:`recommendation` — between purchases, a satisfied customer asked
  for advice recommends us.

Every behavioural equation is in :mod:`sim.behaviour`; the customer's updates are
:class:`~sim.engine.customer.Customer` methods; every random draw is named in
:mod:`sim.engine.draws`.

>>> from sim import examples
>>> from sim.engine.model import Model
>>> model = Model(examples.load("pizza"), seed=1, horizon="2 d")
>>> _ = model.env.process(paid_arrivals(model))
>>> model.env.run(until=model.horizon)
>>> totals = model.metrics.totals
>>> model.prospects == totals["prospects_paid"] + totals["prospects_wom"]
True
"""

from __future__ import annotations

import math
from functools import partial

import numpy as np

from sim import behaviour
from sim.distributions import poisson_inverse
from sim.engine.aftercare import NOTHING, Aftermath, aftermath
from sim.engine.customer import Customer, Feeling
from sim.engine.draws import MAX_ADVICE, AdviceDraws, ArrivalDraws, EpisodeDraws, ProspectDraws
from sim.engine.scoring import EpisodeScore, Visit, felt_surprise, score_visit, with_aftermath
from sim.scenario import ScenarioError
from sim.units import HOURS_PER_UNIT


# ---------------------------------------------------------------------- acquisition
def paid_arrivals(model):
    """Paid prospects arrive as a Poisson stream (thinned by the untouched market share
    when the population is finite)."""
    market = model.scenario.market
    rate = market.prospects_per_day / 24.0
    if rate <= 0:
        return
    arrivals = ArrivalDraws(model.streams)
    population = market.population
    n = 0
    while not population or model.prospects < population:  # a used-up market: no one left
        yield model.env.timeout(later(model, -math.log(arrivals.gap(n)) / rate))
        if in_market(model, arrivals.in_market(n)):
            prospect(model, arrivals.key(n), "paid", valence=0.0, prior=None)
        n += 1


def word_of_mouth_referral(model, key: int, valence: float, prior: np.ndarray) -> None:
    """Someone who heard word of mouth shops after a delay, if still in the market.

    One timeout with a callback (:func:`shop_after_referral`), not a process: a process
    would cost two more SimPy events (its start and its end) for the same story, at the
    same times."""
    draws = ProspectDraws(key)
    delay = later(model, model.referral_delay.sample(draws.referral_delay()))
    model.env.timeout(delay).callbacks.append(
        partial(shop_after_referral, model, draws, valence, prior)
    )


def shop_after_referral(
    model, draws: ProspectDraws, valence: float, prior: np.ndarray, _event=None
) -> None:
    """The referred person comes to shop (the callback of :func:`word_of_mouth_referral`)."""
    if in_market(model, draws.in_market()):
        prospect(model, draws.key, "wom", valence, prior)


def later(model, hours: float) -> float:
    """How long from now until ``hours`` of average demand have passed: ``hours`` itself
    when demand is flat; with a demand profile, longer in quiet hours and shorter at the
    peak (:meth:`~sim.engine.calendar.Rhythm.advance`: the same draw, moved in time)."""
    if model.rhythm is None:
        return hours
    now = model.env.now
    return model.rhythm.advance(now, hours) - now


def turned_away(model) -> bool:
    """Whether a customer arriving now finds the journey's first touchpoint closed and,
    per ``calendar.when_closed``, goes to the rival (counted)."""
    opening = model.turns_away  # the first touchpoint's hours, if closed means lost
    if opening is None:
        return False
    if opening.wait(model.env.now) == 0.0:
        return False
    model.metrics.closed(model.env.now, lost=True)
    return True


def in_market(model, u: float) -> bool:
    """Whether an arriving prospect (uniform ``u``) has not decided yet, in a finite market
    (:func:`behaviour.undecided_share`)."""
    return u < behaviour.undecided_share(model.scenario.market.population, model.prospects)


def prospect(model, key: int, source: str, valence: float, prior: np.ndarray | None) -> None:
    """A prospect compares our promises with the competitor's (logit) and buys or leaves.

    Word of mouth shifts the choice (valence +1 praise, −1 complaint) and, for a buyer,
    sets the prior: what the friend experienced.
    """
    model.prospects += 1
    if model.prospects > model.scenario.max_prospects:
        raise ScenarioError([_runaway(model)])
    market = model.scenario.market
    if turned_away(model):
        model.metrics.prospect(model.env.now, source, bought=False)
        return
    draws = ProspectDraws(key)
    traits = model.newcomers.traits(draws)
    sensitivity = market.promise_sensitivity * traits.promise_sensitivity
    probability = behaviour.choice_probability(
        behaviour.choice_utility(
            model.promised_advantage(),
            valence,
            market.brand_preference,
            sensitivity,
            market.wom_positive_lift,
            market.wom_negative_lift,
        )
    )
    buys = draws.choice() < probability
    model.metrics.prospect(model.env.now, source, buys)
    if not buys:
        return
    customer = model.newcomers.customer(
        model.customers.count,
        draws,
        source,
        model.env.now,
        (model.plan.norm_list if prior is None else prior).copy(),
        traits,
    )
    model.customers.open(customer)
    model.metrics.acquired(customer)
    model.env.process(lifecycle(model, customer))


def _runaway(model) -> str:
    """Why the run stopped at ``max_prospects``: a market that grows without bound."""
    return (
        f"max_prospects: {model.scenario.max_prospects:,} prospects by day "
        f"{model.env.now / 24:,.0f} of {model.horizon / 24:,.0f} — the market keeps "
        f"growing ({model.metrics.totals['prospects_wom']:,.0f} came by word of mouth). Set "
        "market.population, lower wom.reach or market.prospects_per_day, shorten the "
        "horizon, or raise max_prospects"
    )


# ---------------------------------------------------------------------- the customer
def lifecycle(model, c: Customer):
    """Buy, feel, maybe complain, maybe talk, then leave or come back later."""
    while True:
        wait = yield from purchase(model, c)
        if wait is None:
            return
        # the purchase's frame is gone: a waiting customer holds no episode data
        yield model.env.timeout(later(model, wait))
        attempt = 0
        while turned_away(model):  # this purchase went to the rival: try again later
            mean = c.mean_interval(model.scenario, 0)
            retry = EpisodeDraws(c.key, c.episodes + 1).retry(attempt)
            yield model.env.timeout(later(model, -mean * math.log(retry)))
            attempt += 1


def purchase(model, c: Customer):
    """One purchase episode; returns hours until the next one, or None if the customer
    leaves."""
    s, env, metrics = model.scenario, model.env, model.metrics
    perception = s.perception
    started, complaints_before = env.now, c.complaints
    promised = model.promises()  # what the customer is told when ordering
    draws = EpisodeDraws(c.key, c.episodes + 1)
    visit = yield from journey(model, draws)
    c.episodes += 1
    score = score_visit(
        model.plan, visit, promised, c.prior, c.promise_weight(perception.prior_weight)
    )
    model.observe(visit, promised, started)
    if model.aftercare:
        after = aftermath(s, draws)
        score = with_aftermath(score, after, perception.satisfaction_scale)
    else:  # nothing can happen after delivery in this scenario
        after = NOTHING
    if score.satisfaction < s.complaints.threshold:
        feeling = yield from voice(model, c, score, draws)
    else:  # satisfied enough not to complain: nothing to voice or recover
        feeling = Feeling.as_scored(score, perception.satisfaction_scale)
    account(model, c, visit, score, feeling, after)  # basket: attitude before
    if metrics.by_time:
        metrics.ordered(started, score, visit)
    acted = c.acts_on(feeling.loyalty)
    metrics.trust_changed(c.learn(visit, score, feeling, acted, s))
    valence, told = talk(model, c, feeling, score.worst_cell, draws)
    hazard = c.churn_hazard(acted, feeling.unheard, s)
    churns = draws.churn() < hazard
    c.remember(feeling)
    if metrics.episode_log is not None:
        metrics.log_episode(
            c,
            started,
            env.now,
            complaints_before,
            visit,
            score,
            feeling,
            valence,
            told,
            churns,
            hazard,
        )
    if churns:
        c.leave(env.now)
        metrics.churned(c, score.worst_cell)
        model.customers.close(c)
        return None
    wait = -float(c.mean_interval(s, after.contacts)) * math.log(draws.repurchase())
    advise(model, c, wait, draws)
    return wait


def journey(model, draws: EpisodeDraws):
    """One purchase through the touchpoints; returns a :class:`~sim.engine.scoring.Visit`.

    At the over-delivering touchpoint an expedited order jumps the queues and is worked
    faster, a discounted bill comes in below the estimate, an upgrade lifts service.
    Draws whose outcome cannot matter (a failure of probability 0, a route with one
    way out, a constant level) are skipped: every draw is keyed by its own slot, so
    skipping one changes no other. A free server is taken without waiting for SimPy to
    grant it (:class:`~sim.engine.servers.Servers`): the queue is the same.
    """
    env, od, metrics = model.env, model.scenario.overdelivery, model.metrics
    expedite = od.time.share > 0 and draws.expedite() < od.time.share
    discount = od.cost.share > 0 and draws.discount() < od.cost.share
    upgrade = od.service.share > 0 and draws.upgrade() < od.service.share
    visit = Visit()
    failed = False
    k: int | None = 0
    while k is not None:
        step = model.steps[k]
        if step.only_after_failure and not failed:
            k = step.next(draws)
            continue
        here = step.overdelivers
        fast = here and expedite
        started = now = env.now
        queueing = 0.0
        opening = step.opening
        if opening is not None and (closed := opening.wait(now)) > 0.0:
            metrics.closed(now, lost=False)  # waits for the touchpoint to open
            yield env.timeout(closed)
            queueing += closed
        for index, (sample, resource, name, priority) in enumerate(step.stages):
            work = sample(draws.stage(k, index))
            if fast:
                work *= 1.0 - od.time.speedup
            if resource is None:
                yield env.timeout(work)
                continue
            asked = env.now
            request = resource.take((0 if fast else 1) if priority else None)
            if request is not None:  # every server busy: queue until one is handed over
                yield request
            now = env.now
            queueing += now - asked
            metrics.served(name, now, now - asked, work)
            yield env.timeout(work)
            resource.give_back(request)
        if fast:
            visit.cost += od.time.cost
        failure = step.failure_probability > 0 and draws.failure(k) < step.failure_probability
        if failure:
            failed = True
            if step.failure_delay > 0:
                yield env.timeout(step.failure_delay)
        position = len(visit.visited)
        visit.visited.append(k)
        for cell, dim, sample, fixed in step.cells:
            if dim == "time":
                visit.add(cell, position, env.now - started, queueing)
                continue
            if dim == "cost":
                level = fixed if fixed is not None else sample(draws.cost(k))
                if here and discount:
                    level *= 1.0 - od.cost.discount  # the bill comes in below the estimate
                visit.bill += level
            else:
                level = fixed if fixed is not None else sample(draws.service(k))
                if failure:
                    level = max(1.0, level - step.service_drop)
                if here and upgrade:
                    level = min(5.0, level + od.service.points)
                    visit.cost += od.service.cost
            visit.add(cell, position, level, 0.0)
        k = step.next(draws) if step.branches else step.following
    return visit


def voice(model, c: Customer, score: EpisodeScore, draws: EpisodeDraws):
    """A dissatisfied customer (below ``complaints.threshold``) may complain; a handled
    complaint recovers part of the loss.

    The firm may also spot the bad episode itself and fix it before any complaint
    (``recovery.proactive``). Returns a :class:`~sim.engine.customer.Feeling`. Recovery
    follows Smith, Bolton & Wagner (1999); the recovery paradox may lift reported
    satisfaction for a mild first failure but never loyalty or talk (de Matos, Henrique &
    Rossi 2007).
    """
    s, env = model.scenario, model.env
    scale = s.perception.satisfaction_scale
    feeling = Feeling.as_scored(score, scale)
    first_failure = c.dissatisfied()
    if draws.proactive() < s.recovery.proactive:
        model.metrics.proactive(env.now)
        handling = s.complaints.handle_time.sample(draws.handling())
        yield env.timeout(handling)  # the firm calls: no queue, nobody gives up
        resolution_time: float | None = handling
    elif draws.complains() < s.complaints.probability:
        c.complained()
        model.metrics.complaint(env.now, score.worst_cell)
        resolution_time = yield from complain(model, draws)
        if resolution_time is None:
            model.metrics.unresolved(env.now)
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
    feeling.reported = float(
        behaviour.utility_to_satisfaction(score.utility + share * score.loss, scale)
    )
    feeling.loyalty = float(
        behaviour.utility_to_satisfaction(score.utility + min(share, 1.0) * score.loss, scale)
    )
    feeling.surprise = felt_surprise(score, scale, min(share, 1.0))
    feeling.compensation = r.compensation
    c.credit(r.credit)
    model.metrics.recovered(env.now, r.compensation, paradox=share > 1.0)
    return feeling


def complain(model, draws: EpisodeDraws):
    """Queue at support; returns the time to resolution, or None if the customer gave up."""
    env, complaints = model.env, model.scenario.complaints
    started = env.now
    handling = complaints.handle_time.sample(draws.handling())
    if model.support is None:
        yield env.timeout(handling)
        return env.now - started
    support = model.support
    request = support.take()
    if request is not None:  # every agent busy: queue, as long as patience lasts
        outcome = yield request | env.timeout(complaints.patience)
        if request not in outcome:  # gave up: leave the queue (as SimPy's `with` does)
            request.cancel()
            support.release(request)
            return None
    model.metrics.served(complaints.resource, env.now, env.now - started, handling)
    yield env.timeout(handling)
    support.give_back(request)
    return env.now - started


def talk(
    model, c: Customer, feeling: Feeling, worst_cell: int, draws: EpisodeDraws
) -> tuple[float, int]:
    """Word of mouth: maybe praise or criticise to Poisson(reach) people, who may come
    to shop. Surprise makes people talk, fans recommend (:func:`behaviour.talk_probabilities`).

    Returns the valence (+1 praise, −1 criticism, 0 kept quiet) and how many were told."""
    w = model.scenario.wom
    positive, negative = behaviour.talk_probabilities(
        feeling.surprise,
        c.attitude,
        w.base,
        w.positive_slope,
        w.negative_slope,
        w.curvature,
        w.referral_bonus,
    )
    if feeling.unheard and negative > 0.0:  # not heard by the firm: tells others instead
        negative = behaviour.unheard(
            negative, model.scenario.complaints.unvoiced_multiplier, 1.0 - positive
        )
    u = draws.talks()
    if u >= positive + negative:
        return 0.0, 0
    valence = -1.0 if u < negative else 1.0
    listeners = poisson_inverse(w.reach, draws.listeners())
    model.metrics.talk(model.env.now, valence, listeners, worst_cell)
    for listener in range(listeners):
        # a copy: the listener hears what the friend knows now, not what they learn later
        word_of_mouth_referral(model, draws.listener_key(listener), valence, c.prior.copy())
    return valence, listeners


def advise(model, c: Customer, hours: float, draws: EpisodeDraws) -> None:
    """Until the next purchase, ``hours`` away (or the end of the run, if sooner), a satisfied
    customer is asked for advice and recommends us at :func:`behaviour.advice_rate`: a
    Poisson number of conversations, each at a uniform time in that window. Only the window
    inside the run is drawn, so a purchase due in 100 years schedules nothing it cannot
    reach. A customer who leaves gives no more advice."""
    per_year = behaviour.advice_rate(
        c.attitude, behaviour.track_record(c.good_episodes), model.scenario.wom.advocacy
    )
    window = min(hours, model.horizon - model.env.now)
    if per_year <= 0.0 or window <= 0.0:
        return
    mean = per_year * window / HOURS_PER_UNIT["y"]
    count = min(poisson_inverse(mean, draws.advice_count()), MAX_ADVICE)
    for i in range(count):
        talk_draws = AdviceDraws(draws.advice_key(i))
        # one timeout with a callback, not a process (see word_of_mouth_referral)
        model.env.timeout(window * talk_draws.when()).callbacks.append(
            partial(recommendation, model, c, talk_draws)
        )


def recommendation(model, c: Customer, draws: AdviceDraws, _event=None) -> None:
    """One advice conversation, when :func:`advise` scheduled it: the customer praises us to
    Poisson(reach) people, who may come to shop."""
    listeners = poisson_inverse(model.scenario.wom.reach, draws.listeners())
    model.metrics.talk(model.env.now, 1.0, listeners, -1)
    for listener in range(listeners):
        word_of_mouth_referral(model, draws.listener_key(listener), 1.0, c.prior.copy())


# ---------------------------------------------------------------------- bookkeeping
def account(
    model, c: Customer, visit: Visit, score: EpisodeScore, feeling: Feeling, after: Aftermath
) -> None:
    """Revenue is the delivered bill × basket, less refunds and redeemed apology points;
    margin (less goods, compensation and the episode's extra costs) is discounted into
    the customer's lifetime value."""
    s = model.scenario
    basket = float(behaviour.basket_size(c.attitude, s.retention.basket_effect))
    bill = visit.bill * basket
    redeemed = c.redeem(bill)
    revenue = 0.0 if after.refunded else bill - redeemed
    goods = s.economics.unit_cost * basket
    extra = visit.cost + after.cost
    margin = revenue - goods - feeling.compensation - extra
    c.pay(revenue, margin, model.env.now, s.economics.discount_rate)
    model.metrics.episode(
        model.env.now,
        visit.cells,
        visit.delivered,
        visit.waited,
        score,
        feeling.reported,
        revenue,
        goods,
    )
    model.metrics.aftermath(after, extra, refund=bill - redeemed if after.refunded else 0.0)


def daily_snapshots(model):
    """Record active customers and their mean trust at the end of each day."""
    day = 0
    while True:
        yield model.env.timeout(24.0)
        model.metrics.snapshot(day)
        model.progress.update(1)
        day += 1
