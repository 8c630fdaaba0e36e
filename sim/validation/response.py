"""Response to promises: loss aversion, word of mouth by satisfaction, the recovery paradox.

Every figure comes from the engine's episode log (``sim.run(..., episodes=True)``), one row
per purchase; :mod:`sim.behaviour` is used only to say what a scenario means (how large a
failure's loss is), never to produce a checked figure. Behavioural parameters stay at their
defaults throughout: the scenarios set operations (delivery times, promises, failures) and,
for recovery, the firm's offer.

>>> s = promise_scenario(promise=2.5)
>>> s.touchpoints[0].promise.time.value, s.touchpoints[0].norm.time
(2.5, 3.0)
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd

import sim
from sim import behaviour
from sim.distributions import LogNormal
from sim.engine import processes
from sim.engine.scoring import score_episode
from sim.experiment.runner import local_executor
from sim.experiment.stats import mean_ci
from sim.scenario import Recovery
from sim.validation.checks import Check

AREA = "response"
SEED = 4  # issue 7, part 4; replication r draws from SeedSequence(SEED, spawn_key=(r,))

# --------------------------------------------------------------------------- design, stated up front
# Loss aversion and exceeding ≈ keeping (Gneezy & Epley 2014; bounds: docs/sources.md §16)
DELIVERED_HOURS = 3.0  # the one touchpoint always takes exactly this long
DELTAS_JND = (0.5, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0)  # promise − delivered, in time jnd
LOSS_RATIO_BOUND = 2.0  # |ΔS(late by δ)| / |ΔS(early by δ)| ≥ 2 at every δ
EXCEED_SHARE_BOUND = 0.10  # S(exceeded) − S(kept) ≤ 10% of S(kept) − S(broken) at every δ
PROMISE_PROSPECTS_PER_DAY, PROMISE_DAYS = 100, 3  # one purchase each: ~300 per arm

# Word of mouth by satisfaction (Anderson 1998; practitioner advice, docs/sources.md §15)
SPREAD_MEAN_HOURS, SPREAD_CV = 1.0, 0.6  # delivered time; promise = norm = the mean
SPREAD_PROSPECTS_PER_DAY, SPREAD_DAYS = 4000, 10  # one purchase each: ~40,000 episodes
BIN_EDGES = (-1.0, -0.9, -0.7, -0.5, -0.3, -0.1, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0)
TROUGH = (-0.1, 0.1)  # the bin around S = 0, where the least talk must be
MIN_BIN = 200  # bins with fewer episodes are not compared

# Positive:negative WOM at realistic satisfaction (East, Hammond & Wright 2007; Xie et al. 2024)
XIE_PROMISE_MIN = 42.5  # mean estimated delivery time on the platform
XIE_MEAN_MIN, XIE_SD_MIN = 37.8, 12.6  # actual delivery time
XIE_LATE_SHARE = 0.30  # share of orders late in Xie et al.
WOM_PROSPECTS_PER_DAY, WOM_DAYS, WOM_REPS = 20, 120, 20
WOM_RATIO_BAND = (1.5, 6.0)  # 3:1 within a factor of two (per-study spread not retrieved)
PLATFORM_JND_MIN = 5.0  # time jnd of a food order, as in the pizza example and Xie's scenario
SENSITIVITY_REPS = 10

# The same properties in the full model, on every shipped scenario, with noise
SHIPPED_REPS, SHIPPED_HORIZON = 4, "180 d"
SHIPPED_DELTA_JND = 2.0  # a time 2 jnd off expectation: 1 jnd beyond the zone of tolerance
SHIPPED_BIN_JND = 0.5  # half-width of each time-gap bin
SHIPPED_MIN_BIN = 30  # pooled episodes a bin needs before it is compared
UNSURPRISED_TALK_BOUND = 0.5  # unsurprised episodes talk at most half as often as surprised
SURPRISED = 0.25  # |surprise| from which an episode counts as surprising
#: Shipped scenarios where the model is known to miss a bound, each explained in its check:
#: their time promises are looser than the market norm, so exceeding them recovers quality.
LOOSE_PROMISES = ("car_service", "ecommerce")

# Recovery paradox (de Matos, Henrique & Rossi 2007; Magnini et al. 2007)
FAILURE_PROBABILITY = 0.2
MILD_DROP, SEVERE_DROP = 1.0, 2.0  # service points; 2 is the default failure.service_drop
GENEROUS_COMPENSATION = 10.0  # × recovery.compensation_half
GENEROUS_WEIGHT = 1.0  # compensation alone can give back the whole loss
HANDLE_HOURS = 0.1  # complaints are handled at once, without a queue
RECOVERY_PROSPECTS_PER_DAY, RECOVERY_DAYS, RECOVERY_REPS = 6, 150, 10

_RECOVERY = Recovery()  # the default recovery parameters (caps, mild_loss)
_TIE = 1e-9  # satisfaction differences below this are float noise, not effects

_SOURCES = {
    "ge": "Gneezy & Epley 2014",
    "anderson": "Anderson 1998",
    "no_talk": "practitioner advice: exactly as expected → no talk (docs/sources.md §15)",
    "east": "East, Hammond & Wright 2007",
    "pw": "Peterson & Wilson 1992",
    "dematos": "de Matos, Henrique & Rossi 2007",
    "magnini": "Magnini et al. 2007",
}

TITLE = "Response to promises: loss aversion, word of mouth, recovery"

INTRO = f"""
How customers respond to a promise kept, broken or exceeded; how satisfaction turns into
word of mouth; and what a service recovery can and cannot undo. Every figure is read from
the engine's episode log (`sim.run(..., episodes=True)`). Behavioural parameters are at
their defaults (docs/model.md §3–4) except where a reduction below says otherwise; scenarios
otherwise set only operations and the firm's recovery offer. Random numbers are common
across the arms of each comparison (same seed).

**Loss aversion; exceeding ≈ keeping** (Gneezy & Epley 2014). One touchpoint takes exactly
{DELIVERED_HOURS:g} h, which is also its norm, so quality is neutral and only the promise
moves satisfaction. Customers buy once (churn is certain and satisfaction does not change
it), so each episode starts from trust τ₀ = a₀/(a₀ + b₀) and prior X = norm. *Kept* is a promise of {DELIVERED_HOURS:g} h. *Broken by δ* is a promise
δ shorter, *exceeded by δ* one δ longer. In model terms E = τ₀P + (1 − τ₀)X moves by τ₀δ.
The felt gap is τ₀δ/jnd less the zone of tolerance z. A broken promise also forfeits the
kept-promise credit κ, even inside the zone. δ takes the values
{", ".join(f"{d:g}" for d in DELTAS_JND)} jnd of time, from inside the zone to where a
broken promise's satisfaction sits at the floor. The pass criteria were set in advance
(docs/sources.md §16). The first is |ΔS(late by δ)| ≥ {LOSS_RATIO_BOUND:g}·|ΔS(early
by δ)| at every δ, with ΔS measured from the kept promise. The second is S(exceeded) −
S(kept) ≤ {EXCEED_SHARE_BOUND:.0%} of S(kept) − S(broken) at every δ. Gneezy & Epley's effect
sizes were not retrieved, so both are bounds stated in advance; k⁺ = 0.10 was then chosen as
the largest round value within the second (docs/calibration.md). Nothing here is random, so
no CI is given, and all three rows hold by construction (sanity): the same properties are
measured with noise on the shipped scenarios below. A third row checks the tie rule: a
promise met exactly is kept.

**Word of mouth by satisfaction** (Anderson 1998; practitioner advice, docs/sources.md §15).
One touchpoint delivers a lognormal time (mean {SPREAD_MEAN_HOURS:g} h, cv {SPREAD_CV:g}) against a promise equal to
the mean and to the norm, so expectation equals the promise. About
{SPREAD_PROSPECTS_PER_DAY * SPREAD_DAYS:,} customers buy once each, as above. Talk rates are read per
bin of the loyalty satisfaction that drives talk. The bins are 0.2 wide, centred on 0, and
bins with fewer than {MIN_BIN} episodes are skipped. Three checks. The least talk must fall in
the bin around 0 (the U). At mirrored |S| the dissatisfied must talk more; Anderson found the
asymmetry smaller than folklore says, so only its direction is checked. An episode that met
expectations exactly (promise kept, delivery inside the zone of tolerance, nothing felt)
must talk no more than the trough does, the upper end of its 95% CI. That is the
practitioner advice that meeting expectations exactly gives the least word of mouth. Each
customer buys once here, so nobody has a track record yet and only surprise makes them talk:
these rows check the talk equation (sanity); the shipped scenarios below check it in use.

**Positive:negative WOM ≈ 3:1 at realistic satisfaction** (East, Hammond & Wright 2007: in
15 studies positive WOM outnumbered negative every time, 3:1 on average). "Realistic" is
taken from field data on delivery promises (Xie et al. 2024). The platform's mean estimate
was {XIE_PROMISE_MIN:g} min and the mean delivery {XIE_MEAN_MIN:g} min (SD {XIE_SD_MIN:g}),
with {XIE_LATE_SHARE:.0%} of orders late. The scenario delivers a lognormal time with that
mean and SD against a fixed {XIE_PROMISE_MIN:g}-min promise, with no tuning. The notes give
the on-time rate and mean satisfaction this produces. There are
{WOM_PROSPECTS_PER_DAY} paid prospects a day for {WOM_DAYS} days and {WOM_REPS}
replications. Listeners are not simulated (reach 0): the ratio counts talk events, and
reach does not enter the decision to talk. The satisfaction distribution must be negatively skewed, as
self-reported satisfaction invariably is (Peterson & Wilson 1992). East et al.'s per-study
ratios were not retrieved, only that all 15 exceeded 1:1 with a mean of 3:1. The band is
therefore a factor of two either side of 3, [{WOM_RATIO_BAND[0]:g}, {WOM_RATIO_BAND[1]:g}]:
a judgement, stated before running. The ratio's sensitivity to the time jnd (a placeholder
default) is reported in a note, using the model's default time jnd instead of {PLATFORM_JND_MIN:g} min.

**The same properties on every shipped scenario** (held-out predictions). Each shipped
example runs {SHIPPED_REPS} times for {SHIPPED_HORIZON} with everything on: many customers,
queues, learning expectations, complaints and recovery, talk and churn. Every episode logs
`time_gap`, how much faster (+) or slower (−) than the customer expected its times were, in
jnd. Episodes {SHIPPED_DELTA_JND:g} jnd late (± {SHIPPED_BIN_JND:g}), as expected and
{SHIPPED_DELTA_JND:g} jnd early are compared: being late must cost at least
{LOSS_RATIO_BOUND:g}× what being early gains (loss aversion beyond the zone of tolerance,
Tversky & Kahneman 1992; Mittal, Ross & Baldasare 1998). Episodes with nothing surprising
(felt surprise exactly 0) must be talked about at most {UNSURPRISED_TALK_BOUND:g} times as often
as clearly surprising ones (|surprise| ≥ {SURPRISED:g}); advice given between purchases
follows no episode and is not counted here. Bins need {SHIPPED_MIN_BIN} episodes.

*Exceeding ≈ keeping* is Gneezy & Epley's contrast: the same person, a promise broken, kept or
exceeded. A probe (`promise_probe`) listens to the same runs and re-scores every episode that
carries a time promise three times — each promised time broken by {SHIPPED_DELTA_JND:g} jnd,
kept exactly, exceeded by {SHIPPED_DELTA_JND:g} jnd — with everything else as it was: the
customer's trust, segment and other touchpoints as delivered. As in the experiments, the
customer expects what was promised (their prior for that time is set to the promise). What
exceeding adds must be at most {EXCEED_SHARE_BOUND:.0%} of what breaking takes away, per
replication, mean ± 95% CI over the {SHIPPED_REPS} runs. These rows are *calibrated*, not
predicted: k⁺ and the rule that a promise caps the quality credit come from the same paper.
(An earlier version of this check compared episodes by how far they beat the customer's
*expectation*; in pizza most episodes "as expected" broke the promise, so that contrast
measured breaking against keeping, not keeping against exceeding.) Bounds as above, stated in
advance.

**Recovery paradox** (de Matos, Henrique & Rossi 2007; Magnini et al. 2007). The journey is
a service touchpoint (service 4, norm 4, no promise) that fails with probability
{FAILURE_PROBABILITY:g}, then a delivery whose time promise is always kept. The prior does
not learn (ω = 0) and no promise rides on the failing cell. An episode's satisfaction
therefore depends only on its own draws. Each failure episode can then be compared with the
same customer's same episode in a run without failures: an exact counterfactual under common
random numbers. Every dissatisfied customer complains and is handled in {HANDLE_HOURS:g} h
with no queue. A failure drops service by {MILD_DROP:g} point or by {SEVERE_DROP:g} (the
default); the notes give each episode loss against `mild_loss`. The *generous* offer pays
{GENEROUS_COMPENSATION:g}× `compensation_half` with `compensation_weight` {GENEROUS_WEIGHT:g}.
Its share is then limited by the caps ({_RECOVERY.paradox_cap:g} for a mild first failure, 1
otherwise), not by the offer. The *default* offer pays the same with the default weights. The checks:

- a mild first failure lifts reported satisfaction above the no-failure level under both
  offers (de Matos: the paradox is significant and positive on satisfaction);
- a severe or repeat failure never does;
- loyalty satisfaction, which drives attitude, talk and churn, never exceeds the no-failure
  level;
- over {RECOVERY_REPS} paired replications, retention, purchases per customer and net WOM per
  purchase stay at or below the baseline (de Matos: no significant paradox on repurchase or
  WOM).
"""


# --------------------------------------------------------------------------- scenarios
def _one_purchase(prospects_per_day: float) -> dict:
    """Market and retention for customers who each buy exactly once and bring nobody.

    Logit utility 50 makes every prospect buy. A Beta(10⁶, 10⁻⁶) churn propensity that
    satisfaction does not lower makes every customer leave after the first purchase, so
    each episode starts from trust τ₀ and the market norm as prior. Listeners are not
    simulated (reach 0).
    """
    return {
        "market": {"prospects_per_day": prospects_per_day, "brand_preference": 50.0},
        "retention": {
            "churn_a": 1e6,
            "churn_b": 1e-6,
            "satisfaction_effect": 0.0,
            "bad_episode_shock": 0.0,
        },
        "wom": {"reach": 0.0},
    }


def promise_scenario(promise: float, delivered: float = DELIVERED_HOURS) -> sim.Scenario:
    """One touchpoint that always takes ``delivered`` hours against a ``promise`` (hours).

    The norm equals the delivered time, so the quality term γ·u is zero and only the
    promise (disconfirmation and the kept-promise credit κ) moves satisfaction.

    >>> promise_scenario(promise=3.5).touchpoints[0].stages[0].duration.mean
    3.0
    """
    return sim.Scenario.from_dict(
        {
            "name": "promise-response",
            "horizon": f"{PROMISE_DAYS} d",
            "touchpoints": [
                {
                    "name": "delivery",
                    "stages": [{"duration": delivered}],
                    "promise": {"time": promise},
                    "norm": {"time": delivered},
                }
            ],
            **_one_purchase(PROMISE_PROSPECTS_PER_DAY),
        }
    )


def spread_scenario() -> sim.Scenario:
    """One purchase per customer with lognormal delivered time against a promise = norm.

    Early deliveries keep the promise and add quality; late ones break it and, beyond the
    zone of tolerance, hurt with loss aversion: satisfaction spreads over most of [−1, 1].

    >>> spread_scenario().touchpoints[0].promise.time.value
    1.0
    """
    return sim.Scenario.from_dict(
        {
            "name": "wom-spread",
            "horizon": f"{SPREAD_DAYS} d",
            "touchpoints": [
                {
                    "name": "delivery",
                    "stages": [
                        {
                            "duration": {
                                "dist": "lognormal",
                                "mean": SPREAD_MEAN_HOURS,
                                "cv": SPREAD_CV,
                            }
                        }
                    ],
                    "promise": {"time": SPREAD_MEAN_HOURS},
                    "norm": {"time": SPREAD_MEAN_HOURS},
                }
            ],
            **_one_purchase(SPREAD_PROSPECTS_PER_DAY),
        }
    )


def delivery_platform_scenario(jnd_minutes: float | None = PLATFORM_JND_MIN) -> sim.Scenario:
    """Food delivery as Xie et al. (2024) observed it: lognormal time, fixed 42.5-min promise.

    Delivered time has mean 37.8 min and SD 12.6 min; customers buy repeatedly with the
    default retention, trust, prior learning, complaints and recovery. ``jnd_minutes`` is the
    time jnd (None: the model's default).

    >>> round(delivery_platform_scenario().touchpoints[0].promise.time.value * 60, 6)  # minutes
    42.5
    """
    data = {
        "name": "delivery-platform",
        "time_unit": "min",
        "horizon": f"{WOM_DAYS} d",
        "touchpoints": [
            {
                "name": "delivery",
                "stages": [
                    {
                        "duration": {
                            "dist": "lognormal",
                            "mean": XIE_MEAN_MIN,
                            "cv": XIE_SD_MIN / XIE_MEAN_MIN,
                        }
                    }
                ],
                "promise": {"time": XIE_PROMISE_MIN},
            }
        ],
        "market": {"prospects_per_day": WOM_PROSPECTS_PER_DAY},
        "wom": {"reach": 0.0},
    }
    if jnd_minutes is not None:
        data["perception"] = {"jnd": {"time": jnd_minutes}}
    return sim.Scenario.from_dict(data)


def recovery_scenario(
    failure_probability: float = FAILURE_PROBABILITY,
    service_drop: float = MILD_DROP,
    generous: bool = True,
) -> sim.Scenario:
    """A failing service touchpoint, then a kept delivery promise; every complaint handled.

    Service is always 4 points against a norm of 4 with no promise; with
    ``failure_probability`` it drops by ``service_drop``. The delivery takes 1 h against a
    1.25-h promise (always kept, inside the zone). The prior does not learn
    (``prior_weight`` 0), so an episode's satisfaction depends on that episode only.
    ``generous`` raises ``compensation_weight`` so the paradox cap, not the offer, binds.

    >>> recovery_scenario(generous=False).recovery.compensation_weight
    0.6
    """
    recovery = {"compensation": GENEROUS_COMPENSATION * _RECOVERY.compensation_half}
    if generous:
        recovery["compensation_weight"] = GENEROUS_WEIGHT
    return sim.Scenario.from_dict(
        {
            "name": "recovery",
            "horizon": f"{RECOVERY_DAYS} d",
            "touchpoints": [
                {
                    "name": "service",
                    "delivered": {"service": 4.0},
                    "norm": {"service": 4.0},
                    "failure": {
                        "probability": failure_probability,
                        "service_drop": service_drop,
                    },
                },
                {
                    "name": "delivery",
                    "stages": [{"duration": 1.0}],
                    "promise": {"time": 1.25},
                    "norm": {"time": 1.0},
                },
            ],
            "perception": {"prior_weight": 0.0},
            "market": {"prospects_per_day": RECOVERY_PROSPECTS_PER_DAY, "brand_preference": 50.0},
            "wom": {"reach": 0.0},
            "complaints": {
                "probability": 1.0,
                "handle_time": {"dist": "constant", "value": HANDLE_HOURS},
            },
            "recovery": recovery,
        }
    )


# --------------------------------------------------------------------------- running
_COLUMNS = (
    "customer",
    "episode",
    "start_day",
    "end_day",
    "satisfaction",
    "reported",
    "loyalty",
    "surprise",
    "promises_kept",
    "promises_broken",
    "time_gap",
    "complained",
    "talked",
    "valence",
    "churned",
)


@dataclass(frozen=True)
class _Job:
    """One run: a label, the scenario, and the replication (its random numbers)."""

    label: tuple
    scenario: sim.Scenario
    replication: int = 0
    weight: float = 1.0  # rough cost, to start the longest runs first
    probe: bool = False  # also score every episode under Gneezy & Epley's three promise arms


def _simulate(job: _Job) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
    """The episode log of one run (a top-level function, so process pools can pickle it);
    with ``job.probe``, also the :func:`promise_probe` arms of every episode."""
    seed = np.random.SeedSequence(SEED, spawn_key=(job.replication,))
    arms: list = []
    if job.probe:
        with promise_probe(SHIPPED_DELTA_JND) as arms:
            result = sim.run(job.scenario, seed=seed, episodes=True)
    else:
        result = sim.run(job.scenario, seed=seed, episodes=True)
    log = result.episodes[list(_COLUMNS)]
    # all talk, including advice between purchases, which follows no episode
    log.attrs.update({name: float(result.kpis[name]) for name in TALK_TOTALS})
    return (log, pd.DataFrame(arms, columns=PROBE_ARMS)) if job.probe else log


#: Run totals every episode log carries in ``attrs``: positive and negative talk events.
TALK_TOTALS = ("wom_positive", "wom_negative")


#: Gneezy & Epley's three conditions, as columns of :func:`promise_probe`'s table.
PROBE_ARMS = ("broken", "kept", "exceeded")


@contextmanager
def promise_probe(delta_jnd: float) -> Iterator[list[tuple[float, float, float]]]:
    """Gneezy & Epley's design inside a full run: while active, every episode the engine
    scores that carries a time promise is scored three more times, with each promised time
    broken by ``delta_jnd`` jnd, kept exactly, and exceeded by ``delta_jnd`` jnd — the same
    customer in the same state (trust, prior, segment, the other touchpoints as delivered).

    Yields the list the arms' satisfactions (before recovery) are appended to, one tuple
    ``(broken, kept, exceeded)`` per episode. The run itself is untouched: the probe only
    listens, draws no random numbers and returns the engine's own score.

    >>> from sim import examples
    >>> with promise_probe(2.0) as arms:
    ...     _ = sim.run(examples.load("pizza"), seed=1, horizon="5 d", progress=False)
    >>> broken, kept, exceeded = np.mean(arms, axis=0)
    >>> bool(broken < kept < exceeded)
    True
    """
    original = processes.score_visit
    arms: list[tuple[float, float, float]] = []

    def probing(plan, visit, promised, prior, trust):
        score = original(plan, visit, promised, prior, trust)
        timed = [
            (i, cell)
            for i, cell in enumerate(visit.cells)
            if plan.cells[cell][1] == "time" and promised[cell] == promised[cell]
        ]
        if timed:
            promise = [promised[cell] for cell in visit.cells]
            expecting_the_promise = list(prior)
            for _, cell in timed:
                expecting_the_promise[cell] = promised[cell]
            scores = []
            for shift in (-delta_jnd, 0.0, delta_jnd):
                delivered = list(visit.delivered)
                for i, cell in timed:
                    direction, jnd = plan.cell_constants[cell][:2]
                    delivered[i] = promised[cell] + direction * shift * jnd
                felt = score_episode(
                    plan,
                    visit.cells,
                    visit.positions,
                    visit.visited,
                    delivered,
                    promise,
                    expecting_the_promise,
                    trust,
                )
                scores.append(felt.satisfaction)
            arms.append(tuple(scores))
        return score

    processes.score_visit = probing
    try:
        yield arms
    finally:
        processes.score_visit = original


def _run(jobs: Sequence[_Job], workers: int | None) -> dict[tuple, pd.DataFrame]:
    """Episode logs by label, run on ``workers`` processes (None: all cores)."""
    ordered = sorted(jobs, key=lambda job: -job.weight)
    pool, _ = local_executor(workers, len(ordered))
    if pool is None:
        logs = [_simulate(job) for job in ordered]
    else:
        with pool:
            logs = list(pool.map(_simulate, ordered))
    return {job.label: log for job, log in zip(ordered, logs, strict=True)}


def _jobs() -> list[_Job]:
    jnd = promise_scenario(DELIVERED_HOURS).perception.jnd.time
    jobs = [_Job(("kept",), promise_scenario(DELIVERED_HOURS))]
    for delta in DELTAS_JND:
        jobs.append(_Job(("broken", delta), promise_scenario(DELIVERED_HOURS - delta * jnd)))
        jobs.append(_Job(("exceeded", delta), promise_scenario(DELIVERED_HOURS + delta * jnd)))
    jobs.append(_Job(("spread",), spread_scenario(), weight=10.0))
    for r in range(WOM_REPS):
        jobs.append(_Job(("platform", r), delivery_platform_scenario(), r, weight=3.0))
    for r in range(SENSITIVITY_REPS):
        default_jnd = delivery_platform_scenario(None)
        jobs.append(_Job(("platform-default-jnd", r), default_jnd, r, weight=3.0))
    for name in sim.examples.names():
        shipped = sim.examples.load(name).replace({"horizon": SHIPPED_HORIZON})
        for r in range(SHIPPED_REPS):
            jobs.append(_Job(("shipped", name, r), shipped, r, weight=6.0, probe=True))
    for r in range(RECOVERY_REPS):
        jobs.append(_Job(("no failure", r), recovery_scenario(0.0), r, weight=2.0))
        jobs.append(_Job(("mild", r), recovery_scenario(service_drop=MILD_DROP), r, weight=2.0))
    severe = recovery_scenario(service_drop=SEVERE_DROP)
    jobs.append(_Job(("severe", 0), severe, 0, weight=2.0))
    default_offer = recovery_scenario(service_drop=MILD_DROP, generous=False)
    jobs.append(_Job(("mild, default offer", 0), default_offer, 0, weight=2.0))
    return jobs


def checks(workers: int | None = None) -> list[Check]:
    """Every check of the area: loss aversion, WOM shape and ratio, recovery paradox.

    ``workers`` processes run the simulations (None: all cores). Fixed seeds: the same
    figures every time.

    >>> rows = checks(workers=2)  # doctest: +SKIP
    >>> all(row.passed for row in rows)  # doctest: +SKIP
    True
    """
    logs = _run(_jobs(), workers)
    shipped = {
        name: [logs[("shipped", name, r)] for r in range(SHIPPED_REPS)]
        for name in sim.examples.names()
    }
    return [
        *[check.sanity() for check in loss_aversion_checks(logs)],
        *[check.sanity() for check in wom_shape_checks(logs[("spread",)], spread_scenario())],
        *wom_ratio_checks(logs),
        *[check.sanity() for check in recovery_checks(logs)],
        *shipped_checks(shipped),
    ]


# --------------------------------------------------------------------------- shipped scenarios
def time_gap_response(episodes: pd.DataFrame, delta: float = SHIPPED_DELTA_JND) -> dict:
    """Mean satisfaction of episodes whose times came ``delta`` jnd later than expected,
    exactly as expected, and ``delta`` jnd earlier (bins ± :data:`SHIPPED_BIN_JND`), with
    their counts and standard errors.

    >>> e = pd.DataFrame({"time_gap": [-2.0, -2.1, 0.0, 0.1, 2.0, 1.9],
    ...                   "satisfaction": [-0.5, -0.7, 0.2, 0.2, 0.3, 0.3]})
    >>> r = time_gap_response(e)
    >>> round(r["late"], 2), round(r["on"], 2), round(r["early"], 2), r["n_late"]
    (-0.6, 0.2, 0.3, 2)
    """
    out = {}
    for label, centre in (("late", -delta), ("on", 0.0), ("early", delta)):
        inside = (episodes["time_gap"] - centre).abs() < SHIPPED_BIN_JND
        values = episodes.loc[inside, "satisfaction"].to_numpy(dtype=float)
        out[label] = float(values.mean()) if values.size else math.nan
        out[f"n_{label}"] = int(values.size)
        out[f"se_{label}"] = (
            float(values.std(ddof=1) / math.sqrt(values.size)) if values.size > 1 else math.nan
        )
    return out


def exceeding_share(arms: pd.DataFrame) -> float:
    """Gneezy & Epley's contrast over a :func:`promise_probe` table: what exceeding a promise
    adds to keeping it, as a share of what breaking it takes away (means over episodes).

    >>> round(exceeding_share(pd.DataFrame({"broken": [-0.5, -0.3], "kept": [0.4, 0.4],
    ...                                     "exceeded": [0.45, 0.47]})), 6)
    0.075
    """
    kept = arms["kept"].mean()
    return float((arms["exceeded"].mean() - kept) / (kept - arms["broken"].mean()))


def shipped_checks(shipped: dict[str, list[tuple[pd.DataFrame, pd.DataFrame]]]) -> list[Check]:
    """Loss aversion, exceeding ≈ keeping and who talks, measured on every shipped scenario
    (all customers, all touchpoints, queues, recovery and learning). ``shipped`` gives each
    scenario's replications as (episode log, :func:`promise_probe` arms)."""
    found = []
    for name, runs in shipped.items():
        episodes = pd.concat([log for log, _ in runs])
        r = time_gap_response(episodes)
        enough = min(r["n_late"], r["n_on"], r["n_early"]) >= SHIPPED_MIN_BIN
        loss, gain = r["on"] - r["late"], r["early"] - r["on"]
        se_loss = math.hypot(r["se_on"], r["se_late"])
        se_gain = math.hypot(r["se_on"], r["se_early"])
        ratio = loss / gain if enough and gain > 0 else math.inf
        ratio_half = (
            1.96 * abs(ratio) * math.hypot(se_loss / loss, se_gain / gain)
            if enough and gain > 0 and loss != 0
            else None
        )
        counts = (
            f"{r['n_late']:,} episodes {SHIPPED_DELTA_JND:g} jnd late, {r['n_on']:,} as "
            f"expected, {r['n_early']:,} {SHIPPED_DELTA_JND:g} jnd early ({SHIPPED_REPS} runs "
            f"of {SHIPPED_HORIZON}); mean S {_num(r['late'])}, {_num(r['on'])}, {_num(r['early'])}"
        )
        found.append(
            Check.at_least(
                area=AREA,
                name=f"{name}: a time {SHIPPED_DELTA_JND:g} jnd later than expected hurts ≥ "
                f"{LOSS_RATIO_BOUND:g}× what {SHIPPED_DELTA_JND:g} jnd earlier helps",
                bound=LOSS_RATIO_BOUND,
                simulated=ratio,
                half_width=ratio_half,
                digits=3,
                source=_SOURCES["ge"],
                note=counts,
            ).predicted()
        )
        shares = [exceeding_share(arms) for _, arms in runs]
        share, half = mean_ci(shares)
        probed = sum(len(arms) for _, arms in runs)
        pooled = pd.concat([arms for _, arms in runs]).mean()
        exceed = Check.at_most(
            area=AREA,
            name=f"{name}: exceeding ≈ keeping — a time promise exceeded by "
            f"{SHIPPED_DELTA_JND:g} jnd adds ≤ {EXCEED_SHARE_BOUND:.0%} of what breaking "
            "it by as much takes away",
            bound=EXCEED_SHARE_BOUND,
            simulated=share,
            half_width=half,
            digits=3,
            source=_SOURCES["ge"],
            note=(
                f"{probed:,} episodes with a time promise, each re-scored broken, kept and "
                f"exceeded; mean S {_num(pooled['broken'])}, {_num(pooled['kept'])}, "
                f"{_num(pooled['exceeded'])}"
            ),
        ).calibrated()
        if name in LOOSE_PROMISES:
            exceed = exceed.known(
                "this example promises times looser than the market norm (a repair ready later, "
                "a parcel or an e-mail reply slower than rivals usually manage), so a promise "
                "kept to the letter is still below the norm, and quality below the norm counts "
                "λ = 2.25 times (Mittal, Ross & Baldasare 1998): exceeding the promise brings "
                "the delivery back toward the norm and pays. Gneezy & Epley's promises were not "
                "set against a market norm, so their evidence cannot say whether a customer who "
                "accepted a loose promise credits that; the model keeps the published "
                "below-norm asymmetry rather than assume it away (which would make every "
                "loose promise feel like its promised level, deciding answers such as pizza's "
                "by assumption). Above the norm no credit is given beyond the promise, and "
                "there the bound holds (airline, pizza)."
            )
        found.append(exceed)
        surprised = episodes["surprise"].abs() >= SURPRISED
        unsurprised = episodes["surprise"] == 0.0
        talk_surprised = float(episodes.loc[surprised, "talked"].mean())
        talk_unsurprised = float(episodes.loc[unsurprised, "talked"].mean())
        found.append(
            Check.at_most(
                area=AREA,
                name=f"{name}: nothing surprising, little talk — talk rate unsurprised ÷ "
                f"surprised (surprise beyond ±{SURPRISED:g})",
                bound=UNSURPRISED_TALK_BOUND,
                simulated=talk_unsurprised / talk_surprised,
                digits=3,
                source=_SOURCES["anderson"],
                note=(
                    f"talk after {talk_unsurprised:.3f} of {int(unsurprised.sum()):,} "
                    f"unsurprised episodes and {talk_surprised:.3f} of "
                    f"{int(surprised.sum()):,} surprising ones"
                ),
            ).predicted()
        )
    return found


# --------------------------------------------------------------------------- loss aversion
def satisfaction_of(episodes: pd.DataFrame) -> tuple[float, float]:
    """Mean episode satisfaction (before recovery) and its spread (max − min) across rows.

    >>> satisfaction_of(pd.DataFrame({"satisfaction": [0.25, 0.25, 0.25]}))
    (0.25, 0.0)
    """
    s = episodes["satisfaction"]
    return float(s.mean()), float(s.max() - s.min())


def promise_response(logs: dict[tuple, pd.DataFrame]) -> pd.DataFrame:
    """Per δ (jnd): S(kept), S(broken by δ), S(exceeded by δ), the late/early ratio, the share.

    ``ratio`` = |ΔS late| / |ΔS early| (∞ where exceeding is not felt); ``share`` =
    (S(exceeded) − S(kept)) / (S(kept) − S(broken)). The kept arm uses the episodes the
    engine scored as kept (see the tie check).

    >>> ep = lambda s, broken=0: pd.DataFrame({"satisfaction": [s], "promises_broken": [broken]})
    >>> logs = {("kept",): ep(0.4), ("broken", 2.0): ep(-0.4, 1), ("exceeded", 2.0): ep(0.44)}
    >>> promise_response(logs).loc[2.0, ["ratio", "share"]].round(3).tolist()
    [20.0, 0.05]
    """
    kept = logs[("kept",)]
    s_kept, _ = satisfaction_of(kept[kept["promises_broken"] == 0])
    rows = {}
    for label in logs:
        if label[0] != "broken":
            continue
        delta = label[1]
        s_broken, _ = satisfaction_of(logs[("broken", delta)])
        s_exceeded, _ = satisfaction_of(logs[("exceeded", delta)])
        late, early = s_kept - s_broken, s_exceeded - s_kept
        rows[delta] = {
            "kept": s_kept,
            "broken": s_broken,
            "exceeded": s_exceeded,
            # inside the zone nothing is felt either way: no ratio to take
            "ratio": late / early if early > _TIE else (math.inf if late > _TIE else math.nan),
            "share": early / late if late > _TIE else math.nan,
        }
    return pd.DataFrame.from_dict(rows, orient="index").sort_index()


def loss_aversion_checks(logs: dict[tuple, pd.DataFrame]) -> list[Check]:
    """Late hurts ≥ 2× what early helps; exceeding ≈ keeping; a promise met exactly is kept."""
    table = promise_response(logs)
    kept = logs[("kept",)]
    arms = [kept[kept["promises_broken"] == 0]]
    arms += [log for label, log in logs.items() if label[0] in ("broken", "exceeded")]
    spread = max(satisfaction_of(arm)[1] for arm in arms)
    finite = table["ratio"][np.isfinite(table["ratio"])]
    profile = "; ".join(
        f"δ = {d:g}: S broken {_num(r.broken)}, exceeded {_num(r.exceeded)}"
        for d, r in table.iterrows()
    )
    scored_kept = float((kept["promises_broken"] == 0).mean())
    return [
        Check.at_least(
            area=AREA,
            name="loss aversion: least ΔS(late by δ) / ΔS(early by δ), in size, over δ",
            bound=LOSS_RATIO_BOUND,
            simulated=float(finite.min()) if len(finite) else math.inf,
            digits=3,
            source=_SOURCES["ge"],
            note=(
                f"S(kept) = {_num(table['kept'].iloc[0])}; {profile}. Ratio per δ: "
                + ", ".join(_ratio_text(d, v) for d, v in table["ratio"].items())
                + " (∞: exceeding inside the zone of tolerance is not felt). Every customer's "
                f"purchase scores the same to within {spread:.0e}."
            ),
        ),
        Check.at_most(
            area=AREA,
            name="exceeding ≈ keeping: largest (S exceeded − S kept) / (S kept − S broken)",
            bound=EXCEED_SHARE_BOUND,
            simulated=float(table["share"].max(skipna=True)),
            digits=3,
            source=_SOURCES["ge"],
            note="Per δ: "
            + ", ".join(f"{d:g} jnd: {_num(round(v, 3) + 0.0)}" for d, v in table["share"].items())
            + ". Gains k⁺·d^α grow without bound while a broken promise's S stops at −1, so the "
            "share rises with δ. k⁺ = 0.10 was set as the largest round value within this "
            "bound, so the check is a calibration, marked sanity here because nothing in it "
            "is random.",
        ),
        Check.within(
            area=AREA,
            name="a promise met exactly is scored kept (ties count as kept)",
            target=1.0,
            simulated=scored_kept,
            tolerance=0.0,
            digits=4,
            source="docs/model.md §3",
            note=(
                f"Promise = delivered = {DELIVERED_HOURS:g} h (constant). Delivered time is the "
                "clock difference now − start, whose rounding error is about 1e-15 h; when it "
                "comes out above the promise the promise counts as broken and κ is forfeited."
            ),
        ),
    ]


def exact_or_ci(values) -> tuple[float, float | None]:
    """Mean and 95% CI half-width, or no half-width when every value is the same (a
    deterministic figure: its spread is float noise, not sampling error).

    >>> exact_or_ci([0.25, 0.25, 0.25])
    (0.25, None)
    >>> round(exact_or_ci([1.0, 2.0, 3.0])[1], 3)
    2.484
    """
    values = np.asarray(values, dtype=float)
    if values.size and values.max() - values.min() <= _TIE:
        return float(values.mean()), None
    mean, half = mean_ci(values)
    return mean, half


def _signed(x: float) -> str:
    return f"{x:+.1f}".replace("-", "−")


def _num(x: float, spec: str = ".3f") -> str:
    """A number for a note, with a real minus sign like the table's figures."""
    return format(x, spec).replace("-", "−")


def _ratio_text(delta: float, ratio: float) -> str:
    return f"{delta:g} jnd: {'∞' if math.isinf(ratio) else f'{ratio:.1f}'}"


# --------------------------------------------------------------------------- WOM shape
def talk_by_satisfaction(
    episodes: pd.DataFrame, edges: Sequence[float] = BIN_EDGES, column: str = "loyalty"
) -> pd.DataFrame:
    """Per satisfaction bin [low, high): episodes, talk rate and its 95% CI half-width.

    ``column`` is the satisfaction that drives talk (``loyalty``, after any recovery). The
    last bin includes S = 1.

    >>> e = pd.DataFrame({"loyalty": [-0.95, -0.92, 0.0, 0.05], "talked": [1, 0, 0, 0]})
    >>> t = talk_by_satisfaction(e, edges=(-1.0, -0.9, 0.1))
    >>> t[["centre", "episodes", "talk"]].values.tolist()
    [[-0.95, 2.0, 0.5], [-0.4, 2.0, 0.0]]
    """
    values = episodes[column].to_numpy()
    talked = episodes["talked"].to_numpy(dtype=float)
    rows = []
    for low, high in itertools.pairwise(edges):
        inside = (values >= low) & ((values < high) | ((high == edges[-1]) & (values <= high)))
        rate, half = mean_ci(talked[inside]) if inside.sum() else (math.nan, math.nan)
        rows.append(
            {
                "low": low,
                "high": high,
                "centre": round((low + high) / 2, 10),
                "episodes": float(inside.sum()),
                "talk": rate,
                "half_width": half,
            }
        )
    return pd.DataFrame(rows)


def met_exactly(episodes: pd.DataFrame, scenario: sim.Scenario) -> pd.Series:
    """Episodes that met expectations exactly: promise kept, delivery inside the zone.

    For :func:`spread_scenario`, expectation = promise (the prior is the norm, which equals
    the promise), so "nothing felt, promise kept" means the engine scored the promise kept
    and delivered ≥ promise − z·jnd. Delivered time is the episode's clock time
    (complainers excluded: their clock includes the complaint).

    >>> e = pd.DataFrame({"start_day": [0.0, 0.0], "end_day": [0.9 / 24, 0.5 / 24],
    ...                   "complained": [False, False], "promises_broken": [0, 0]})
    >>> met_exactly(e, spread_scenario()).tolist()
    [True, False]
    """
    zone = scenario.perception.tolerance * scenario.perception.jnd.time
    delivered = (episodes["end_day"] - episodes["start_day"]) * 24.0
    promise = scenario.touchpoints[0].promise.time.value
    kept = episodes["promises_broken"] == 0
    return ~episodes["complained"] & kept & (delivered >= promise - zone)


def broken_inside_zone(episodes: pd.DataFrame, scenario: sim.Scenario) -> pd.Series:
    """Episodes late by less than the zone of tolerance: promise broken, nothing felt.

    >>> e = pd.DataFrame({"start_day": [0.0, 0.0], "end_day": [1.1 / 24, 1.5 / 24],
    ...                   "complained": [False, False], "promises_broken": [1, 1]})
    >>> broken_inside_zone(e, spread_scenario()).tolist()
    [True, False]
    """
    zone = scenario.perception.tolerance * scenario.perception.jnd.time
    delivered = (episodes["end_day"] - episodes["start_day"]) * 24.0
    promise = scenario.touchpoints[0].promise.time.value
    broken = episodes["promises_broken"] > 0
    return ~episodes["complained"] & broken & (delivered <= promise + zone)


def wom_shape_checks(episodes: pd.DataFrame, scenario: sim.Scenario) -> list[Check]:
    """The U of talk against satisfaction: trough at S ≈ 0, steeper when dissatisfied, and
    expectations met exactly in the trough."""
    table = talk_by_satisfaction(episodes)
    compared = table[table["episodes"] >= MIN_BIN]
    trough = compared.loc[compared["talk"].idxmin()]
    middle = table[(table["low"] == TROUGH[0]) & (table["high"] == TROUGH[1])].iloc[0]
    empty = table[table["episodes"] == 0]
    profile = ", ".join(
        f"[{_num(r.low, 'g')}, {_num(r.high, 'g')}): {r.talk:.3f} (n = {r.episodes:,.0f})"
        for r in compared.itertuples()
    )
    positive = compared[compared["centre"] > 0]
    extreme = positive.loc[positive["centre"].idxmax()]
    mirror = table[np.isclose(table["centre"], -extreme["centre"])].iloc[0]
    ratio = mirror["talk"] / extreme["talk"]
    ratio_half = ratio * math.hypot(
        mirror["half_width"] / mirror["talk"], extreme["half_width"] / extreme["talk"]
    )
    exact = episodes[met_exactly(episodes, scenario)]
    just_late = episodes[broken_inside_zone(episodes, scenario)]
    exact_talk, exact_half = mean_ci(exact["talked"].astype(float))
    late_talk, late_half = mean_ci(just_late["talked"].astype(float))
    return [
        Check.in_range(
            area=AREA,
            name="U-shape: satisfaction bin with the least talk (bin centre)",
            low=TROUGH[0],
            high=TROUGH[1],
            simulated=float(trough["centre"]),
            digits=2,
            source=_SOURCES["anderson"],
            note=(
                f"Talk rate by loyalty satisfaction: {profile}. Empty bins: "
                + (
                    ", ".join(
                        f"[{_num(r.low, 'g')}, {_num(r.high, 'g')})" for r in empty.itertuples()
                    )
                    or "none"
                )
                + ". Talk follows felt surprise. The top bins are empty because exceeding is "
                "valued at k⁺ only."
            ),
        ).known(
            "talk follows felt surprise, and an episode exactly as promised scores S ≈ "
            "tanh(κ/scale) > 0 because a kept promise earns the credit κ, so the least talk "
            "sits in the bin above 0. Anderson's U is against satisfaction, where a neutral "
            "answer means nothing special happened; the model's satisfaction scale has no "
            "such neutral point for a kept promise — the credit and the surprise are not "
            "separated on it."
        ),
        Check.at_least(
            area=AREA,
            name=(
                f"asymmetric U: talk at S ≈ {_signed(-extreme['centre'])} / talk at "
                f"S ≈ {_signed(extreme['centre'])}"
            ),
            bound=1.0,
            simulated=float(ratio),
            half_width=float(ratio_half),
            digits=3,
            source=_SOURCES["anderson"],
            note=(
                "The most satisfied bin with enough episodes against its mirror image; CI by the "
                "delta method. Only the direction is checked (Anderson: the asymmetry is "
                "smaller than folklore says)."
            ),
        ),
        Check.at_most(
            area=AREA,
            name="expectations met exactly: talk rate (promise kept, nothing felt)",
            bound=float(middle["talk"] + middle["half_width"]),
            simulated=float(exact_talk),
            half_width=float(exact_half),
            digits=3,
            source=_SOURCES["no_talk"],
            note=(
                f"Bound: the trough bin's talk rate, upper end of its 95% CI. The "
                f"{len(exact):,} episodes that met expectations exactly have mean satisfaction "
                f"{_num(exact['loyalty'].mean())} (the kept-promise credit plus a little "
                "quality) but nothing surprised them, so only chatter remains (recommendations "
                f"come between purchases). Episodes late by less than the zone ({len(just_late):,}) have mean S "
                f"= {_num(just_late['loyalty'].mean())} and talk rate {late_talk:.3f} ± "
                f"{late_half:.2g}."
            ),
        ),
    ]


# --------------------------------------------------------------------------- WOM ratio
def wom_ratio(result) -> dict[str, float]:
    """Positive : negative talk of one run, as one number (East et al.'s measure).

    >>> r = sim.run(delivery_platform_scenario(), seed=1, horizon="20 d")
    >>> wom_ratio(r)["wom_ratio"] > 0
    True
    """
    k = result.kpis
    return {"wom_ratio": float(k["wom_positive"]) / max(float(k["wom_negative"]), 1.0)}


def wom_counts(episodes: pd.DataFrame) -> dict[str, float]:
    """Talk events by valence — all of the run's, after purchases and between them, from the
    log's ``attrs`` — and the satisfaction profile of one run: on-time share, mean and
    skewness of reported S.

    >>> e = pd.DataFrame({"loyalty": [0.5, 0.4, -0.6, 0.3], "reported": [0.5, 0.4, -0.6, 0.3],
    ...                   "valence": [1, 1, -1, 0], "promises_kept": [1, 1, 0, 1],
    ...                   "promises_broken": [0, 0, 1, 0]})
    >>> e.attrs.update(wom_positive=4.0, wom_negative=1.0)
    >>> c = wom_counts(e)
    >>> c["positive"], c["negative"], c["ratio"], c["kept"]
    (4.0, 1.0, 4.0, 0.75)
    """
    positive, negative = (episodes.attrs[name] for name in TALK_TOTALS)
    made = episodes["promises_kept"] + episodes["promises_broken"]
    return {
        "positive": positive,
        "negative": negative,
        "ratio": positive / negative if negative else math.inf,
        "kept": float(episodes["promises_kept"].sum() / made.sum()),
        "satisfaction": float(episodes["reported"].mean()),
        "satisfied": float((episodes["reported"] >= 0).mean()),
        "skew": float(episodes["reported"].skew()),
    }


def wom_ratio_checks(logs: dict[tuple, pd.DataFrame]) -> list[Check]:
    """Satisfaction skewed like surveys; positive:negative talk within 3:1 × 2^±1."""
    runs = pd.DataFrame([wom_counts(logs[("platform", r)]) for r in range(WOM_REPS)])
    pizza = pd.DataFrame(
        [wom_counts(logs[("platform-default-jnd", r)]) for r in range(SENSITIVITY_REPS)]
    )
    ratio, ratio_half = mean_ci(runs["ratio"])
    skew, skew_half = mean_ci(runs["skew"])
    kept, kept_half = mean_ci(runs["kept"])
    satisfaction, s_half = mean_ci(runs["satisfaction"])
    satisfied, _ = mean_ci(runs["satisfied"])
    pizza_ratio, pizza_half = mean_ci(pizza["ratio"])
    delivered = LogNormal(XIE_MEAN_MIN, XIE_SD_MIN / XIE_MEAN_MIN)
    on_time = _lognormal_cdf(delivered, XIE_PROMISE_MIN)
    profile = (
        f"Promise kept {kept:.3f} ± {kept_half:.2g} of the time (lognormal fit: {on_time:.3f}; "
        f"Xie et al.: {1 - XIE_LATE_SHARE:.2f}); mean reported satisfaction "
        f"{satisfaction:.3f} ± {s_half:.2g}; {satisfied:.0%} of episodes at S ≥ 0."
    )
    return [
        Check.at_most(
            area=AREA,
            name="realistic satisfaction: skewness of reported S (negative)",
            bound=0.0,
            simulated=skew,
            half_width=skew_half,
            digits=3,
            source=_SOURCES["pw"],
            note=profile,
        ).predicted(),
        Check.in_range(
            area=AREA,
            name="positive : negative WOM at realistic satisfaction (Xie et al. delivery)",
            low=WOM_RATIO_BAND[0],
            high=WOM_RATIO_BAND[1],
            simulated=ratio,
            half_width=ratio_half,
            digits=3,
            source=_SOURCES["east"],
            note=(
                f"Talk events by valence, {WOM_REPS} replications, time jnd "
                f"{PLATFORM_JND_MIN:g} min. Sensitivity: with the model's default time jnd "
                f"(15 min) the same scenario gives {pizza_ratio:.2f} ± {pizza_half:.2g} "
                f"({SENSITIVITY_REPS} replications). `wom.advocacy` was fitted toward 3 : 1 here, "
                "on its bound (docs/calibration.md), so this check is calibrated, not predicted."
            ),
        ).calibrated(),
    ]


def _lognormal_cdf(distribution: LogNormal, x: float) -> float:
    """P(X ≤ x) for :class:`~sim.distributions.LogNormal` (its mean and cv)."""
    sigma2 = math.log1p(distribution.cv**2)
    mu = math.log(distribution.mean) - sigma2 / 2
    return 0.5 * (1 + math.erf((math.log(x) - mu) / math.sqrt(2 * sigma2)))


# --------------------------------------------------------------------------- recovery
def paired_failures(failed: pd.DataFrame, baseline: pd.DataFrame) -> pd.DataFrame:
    """Failure episodes next to the same customer's same episode in the no-failure run.

    A failure episode is one whose satisfaction (before recovery) is below the baseline's.
    Adds ``lift_reported`` and ``lift_loyalty`` (failure run − baseline) and ``first`` (the
    customer's first failure).

    >>> base = pd.DataFrame({"customer": [0, 0, 0], "episode": [1, 2, 3],
    ...                      "satisfaction": [0.2] * 3, "reported": [0.2] * 3, "loyalty": [0.2] * 3})
    >>> hit = base.assign(satisfaction=[0.2, -0.3, -0.3], reported=[0.2, 0.25, 0.1],
    ...                   loyalty=[0.2, 0.1, 0.1])
    >>> p = paired_failures(hit, base)
    >>> p[["episode", "first", "lift_reported"]].round(2).values.tolist()
    [[2, True, 0.05], [3, False, -0.1]]
    """
    columns = ["customer", "episode", "satisfaction", "reported", "loyalty"]
    pairs = failed[columns].merge(
        baseline[columns], on=["customer", "episode"], suffixes=("", "_base")
    )
    hit = pairs[pairs["satisfaction"] < pairs["satisfaction_base"] - _TIE].copy()
    hit["lift_reported"] = hit["reported"] - hit["reported_base"]
    hit["lift_loyalty"] = hit["loyalty"] - hit["loyalty_base"]
    hit["first"] = hit["episode"] == hit.groupby("customer")["episode"].transform("min")
    return hit.reset_index(drop=True)


def outcomes(episodes: pd.DataFrame) -> dict[str, float]:
    """Customer-level outcomes of one run: retained share, purchases per customer, net WOM
    per purchase (positive − negative talk events of the whole run, advice between purchases
    included, from the log's ``attrs``).

    >>> e = pd.DataFrame({"customer": [0, 0, 1], "churned": [False, False, True]})
    >>> e.attrs.update(wom_positive=4.0, wom_negative=1.0)
    >>> outcomes(e)
    {'retained': 0.5, 'purchases': 1.5, 'net_wom': 1.0}
    """
    customers = episodes.groupby("customer")
    positive, negative = (episodes.attrs[name] for name in TALK_TOTALS)
    return {
        "retained": float(1.0 - customers["churned"].any().mean()),
        "purchases": float(customers.size().mean()),
        "net_wom": (positive - negative) / len(episodes),
    }


def failure_loss(scenario: sim.Scenario) -> float:
    """Episode loss L (utility a perfect recovery could give back) of a failure in
    :func:`recovery_scenario`, from the model's equations (docs/model.md §3).

    >>> round(failure_loss(recovery_scenario(service_drop=2.0)), 3)
    2.958
    """
    p = scenario.perception
    tp = scenario.touchpoints[0]
    jnd = p.jnd.service
    felt = behaviour.disconfirmation(
        tp.delivered.service.mean - tp.failure.service_drop, tp.norm.service, 1.0, jnd, p.tolerance
    )
    loss = -float(
        behaviour.value(felt, p.gain_slope, p.loss_aversion, p.gain_curvature, p.loss_curvature)
    )
    importance = [t.importance for t in scenario.touchpoints]
    return tp.importance * loss / sum(importance)


def recovery_checks(logs: dict[tuple, pd.DataFrame]) -> list[Check]:
    """The paradox only for mild first failures, never for loyalty, repurchase or WOM."""
    base = logs[("no failure", 0)]
    mild = paired_failures(logs[("mild", 0)], base)
    severe = paired_failures(logs[("severe", 0)], base)
    default = paired_failures(logs[("mild, default offer", 0)], base)
    mild_loss = recovery_scenario().recovery.mild_loss
    losses = (
        f"Episode loss L: mild ({MILD_DROP:g} point) "
        f"{failure_loss(recovery_scenario(service_drop=MILD_DROP)):.2f}, severe "
        f"({SEVERE_DROP:g} points) {failure_loss(recovery_scenario(service_drop=SEVERE_DROP)):.2f}; "
        f"mild_loss = {mild_loss:g}."
    )
    first_mild, first_half = exact_or_ci(mild.loc[mild["first"], "lift_reported"])
    first_default, default_half = exact_or_ci(default.loc[default["first"], "lift_reported"])
    dematos, magnini = _SOURCES["dematos"], _SOURCES["magnini"]
    rows = [
        Check.at_least(
            area=AREA,
            name="paradox: mild first failure, generous recovery — reported S − no-failure S",
            bound=0.0,
            simulated=first_mild,
            half_width=first_half,
            digits=3,
            source=dematos,
            note=(
                f"{losses} {int(mild['first'].sum()):,} first failures, each paired with the "
                "same customer's same episode without the failure (identical draws, so every "
                "pair has the same lift)."
            ),
        ).known(
            "recovery gives back the loss L — the felt shortfall and the forgone kept-promise "
            "credit — but never the quality a failure took away, and quality below the norm "
            "now weighs λ = 2.25 times more (Mittal, Ross & Baldasare 1998). A one-point "
            "service drop then outweighs even a full recovery. The missing mechanism is a "
            "recovery that can make good the failure's own quality loss (a replacement, a "
            "redo) as distinct from the product's usual quality, which it must not lift."
        ),
        Check.at_least(
            area=AREA,
            name="paradox: mild first failure, default recovery weights — reported S − no-failure S",
            bound=0.0,
            simulated=first_default,
            half_width=default_half,
            digits=3,
            source=dematos,
            note=(
                "Same compensation and speed, default weights: the share recovered tops out "
                "at apology + compensation_weight + speed_weight. A quality drop counts in S "
                "but not in the recoverable loss L, so a share a little above 1 does not reach "
                "the no-failure level."
            ),
        ).known(
            "recovery gives back the loss L, never the quality a failure took away "
            "(docs/model.md §7), so with the default weights (ρ ≤ 1.1) a failure that cut "
            "service stays below the no-failure level even when recovered. de Matos et al. "
            "find the paradox on satisfaction on average; the model shows it only with a "
            "generous recovery (the check above)."
        ),
        Check.at_most(
            area=AREA,
            name="no paradox for severe failures: largest reported S − no-failure S",
            bound=0.0,
            simulated=float(severe["lift_reported"].max()),
            digits=3,
            source=magnini,
            note=f"{len(severe):,} severe failure episodes, first and repeat.",
        ),
        Check.at_most(
            area=AREA,
            name="no paradox for repeat failures: largest reported S − no-failure S",
            bound=0.0,
            simulated=float(mild.loc[~mild["first"], "lift_reported"].max()),
            digits=3,
            source=magnini,
            note=f"{int((~mild['first']).sum()):,} mild failures that were not the customer's first.",
        ),
        Check.at_most(
            area=AREA,
            name="loyalty never above no-failure: largest loyalty S − no-failure S",
            bound=0.0,
            simulated=float(pd.concat([mild, severe])["lift_loyalty"].max()),
            digits=3,
            source=dematos,
            note="Every mild and severe failure episode under the generous offer.",
        ),
    ]
    return rows + _aggregate_recovery_checks(logs, dematos)


def _aggregate_recovery_checks(logs: dict[tuple, pd.DataFrame], sources: str) -> list[Check]:
    """Paired replications (failure run − no-failure run) of retention, purchases, net WOM."""
    differences = pd.DataFrame(
        [
            {
                key: value - outcomes(logs[("no failure", r)])[key]
                for key, value in outcomes(logs[("mild", r)]).items()
            }
            for r in range(RECOVERY_REPS)
        ]
    )
    labels = {
        "retained": "retention: customers retained, mild failures − none",
        "purchases": "repurchase: purchases per customer, mild failures − none",
        "net_wom": "WOM valence: net WOM per purchase, mild failures − none",
    }
    rows = []
    for key, name in labels.items():
        mean, half = mean_ci(differences[key])
        rows.append(
            Check.at_most(
                area=AREA,
                name=name,
                bound=0.0,
                simulated=mean,
                half_width=half,
                digits=3,
                source=sources,
                note=(
                    f"Generous recovery of mild failures; {RECOVERY_REPS} replications, each "
                    "paired with the no-failure run on the same random numbers."
                )
                if key == "retained"
                else "",
            )
        )
    return rows
