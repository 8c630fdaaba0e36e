"""A customer: who they are (traits), what they believe and how they feel after an episode.

The customer owns their state and every update of it; each update is an equation of
:mod:`sim.behaviour`:

* :meth:`Customer.learn` — trust (:func:`~sim.behaviour.update_trust`), priors
  (:func:`~sim.behaviour.update_prior`), attitude (:func:`~sim.behaviour.running_mean`),
  cumulative satisfaction (:func:`~sim.behaviour.cumulative_satisfaction`);
* :meth:`Customer.acts_on` — the habit-damped satisfaction behind churn and repurchase
  (:func:`~sim.behaviour.habitual_response`);
* :meth:`Customer.churn_hazard` — the chance of leaving after an episode
  (:func:`~sim.behaviour.churn_probability`, raised if unheard);
* :meth:`Customer.mean_interval` — the mean time to the next purchase
  (:func:`~sim.behaviour.purchase_interval`);
* :meth:`Customer.pay` — revenue and discounted margin, the customer's lifetime value.

>>> from sim import examples
>>> newcomers = Newcomers(examples.load("pizza"))
>>> draws = ProspectDraws(key=7)
>>> c = newcomers.customer(0, draws, "paid", 0.0, [0.5], newcomers.traits(draws))
>>> c.trust, c.episodes
(0.75, 0)
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim import behaviour
from sim.distributions import Beta, Gamma
from sim.engine.draws import ProspectDraws
from sim.engine.scoring import felt_surprise
from sim.scenario import Scenario

if TYPE_CHECKING:  # pragma: no cover
    from sim.engine.scoring import EpisodeScore, Visit


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
        """Trust in the brand's promises, a/(a + b) (:func:`behaviour.trust`)."""
        return behaviour.trust(self.trust_kept, self.trust_broken)

    # ------------------------------------------------------------------ an episode
    def promise_weight(self, prior_weight: float) -> float:
        """How far the episode under way (already counted in ``episodes``) expects what
        was promised: trust, faded by the customer's own purchases before it
        (:func:`behaviour.promise_weight`)."""
        return behaviour.promise_weight(self.trust, self.episodes - 1, prior_weight)

    def dissatisfied(self) -> bool:
        """Count a dissatisfying episode; True if it is the first ("first failure" in the
        recovery literature)."""
        first_failure = self.bad_episodes == 0
        self.bad_episodes += 1
        return first_failure

    def complained(self) -> None:
        self.complaints += 1

    def credit(self, points: float) -> None:
        """Apology points, redeemed on the next purchase."""
        self.points += points

    def redeem(self, bill: float) -> float:
        """Apology points redeemed against ``bill`` (no more than the bill)."""
        redeemed = min(self.points, bill)
        self.points -= redeemed
        return redeemed

    def pay(self, revenue: float, margin: float, now: float, discount_rate: float) -> None:
        """Revenue as paid; the margin discounted back to acquisition at ``discount_rate`` a
        year into the customer's lifetime value."""
        years = (now - self.acquired_at) / 8760.0
        self.revenue += revenue
        self.discounted_margin += margin * (1.0 + discount_rate) ** -years

    def acts_on(self, satisfaction: float) -> float:
        """The satisfaction the customer *acts* on, pulled toward their settled view by
        habit (:func:`behaviour.habitual_response`)."""
        return behaviour.habitual_response(
            satisfaction, self.cumulative, self.habit, self.good_episodes
        )

    def learn(
        self, visit: Visit, score: EpisodeScore, feeling: Feeling, acted: float, s: Scenario
    ) -> float:
        """Trust (Beta), prior (EWMA), attitude (running mean of what was felt), cumulative
        satisfaction (of what was ``acted`` on, after habit): each by its equation in
        :mod:`sim.behaviour`. Returns how much trust changed."""
        before = self.trust
        self.trust_kept, self.trust_broken = behaviour.update_trust(
            self.trust_kept,
            self.trust_broken,
            score.promises_kept,
            score.promises_broken,
            s.trust.kept_weight,
            s.trust.broken_weight,
        )
        weight = s.perception.prior_weight
        prior = self.prior
        for cell, level in zip(visit.cells, visit.delivered, strict=True):
            prior[cell] = behaviour.update_prior(prior[cell], level, weight)
        self.attitude = behaviour.running_mean(self.attitude, feeling.loyalty, self.episodes)
        self.cumulative = behaviour.cumulative_satisfaction(
            self.cumulative, acted, self.episodes, s.retention.memory_floor
        )
        self.last_satisfaction = feeling.reported
        return self.trust - before

    def churn_hazard(self, acted: float, unheard: bool, s: Scenario) -> float:
        """Probability that the customer leaves after this episode, given cumulative
        satisfaction and the episode's satisfaction ``acted`` on (proportional hazard,
        Bolton 1998; :func:`behaviour.churn_probability`), raised if ``unheard``
        (:func:`behaviour.unheard`)."""
        retention = s.retention
        hazard = float(
            behaviour.churn_probability(
                self.baseline_churn,
                self.cumulative,
                acted,
                retention.satisfaction_effect,
                retention.bad_episode_shock,
                self.sensitivity,
            )
        )
        if unheard:
            hazard = behaviour.unheard(hazard, s.complaints.unvoiced_multiplier, 1.0)
        return hazard

    def remember(self, feeling: Feeling) -> None:
        """An episode that felt at least as good as expected adds to the track record."""
        if feeling.loyalty >= 0.0:
            self.good_episodes += 1

    def mean_interval(self, s: Scenario, contacts: int) -> float:
        """Mean hours to the next purchase: shorter for the satisfied
        (:func:`behaviour.purchase_interval`) and after ``contacts`` welcome contacts
        (:func:`behaviour.contact_factor`)."""
        retention = s.retention
        interval = behaviour.purchase_interval(
            retention.interval * self.interval_factor, self.cumulative, retention.attitude_effect
        )
        if contacts:  # no contacts: a factor of exactly 1
            interval *= behaviour.contact_factor(s.followup.contact_lift, contacts)
        return interval

    def leave(self, now: float) -> None:
        self.churned_at = now


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


class Newcomers:
    """How prospects differ, compiled from the scenario: segments, the spread of shock and
    promise sensitivity, each buyer's baseline churn and starting trust."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.churn_propensity = Beta(scenario.retention.churn_a, scenario.retention.churn_b)
        self.segments = list(scenario.segments)
        self.segment_bounds = np.cumsum([s.share for s in self.segments]).tolist()
        retention, market = scenario.retention, scenario.market
        self.shock_spread = Gamma(1.0, retention.shock_cv) if retention.shock_cv > 0 else None
        self.sensitivity_spread = (
            Gamma(1.0, market.sensitivity_cv) if market.sensitivity_cv > 0 else None
        )

    def traits(self, draws: ProspectDraws) -> Traits:
        """The prospect's segment and personal multipliers."""
        retention = self.scenario.retention
        segment, shock, habit, interval, sensitivity = -1, 1.0, retention.habit, 1.0, 1.0
        if self.segments:
            u = draws.segment()
            segment = next(
                (i for i, bound in enumerate(self.segment_bounds) if u < bound),
                len(self.segments) - 1,
            )
            kind = self.segments[segment]
            shock, habit = kind.shock, habit * kind.habit
            interval, sensitivity = kind.interval, kind.promise_sensitivity
        if self.shock_spread is not None:
            shock *= self.shock_spread.sample(draws.shock())
        if self.sensitivity_spread is not None:
            sensitivity *= self.sensitivity_spread.sample(draws.sensitivity())
        return Traits(segment, sensitivity, shock, habit, interval)

    def customer(
        self, cid: int, draws: ProspectDraws, source: str, now: float, prior, traits: Traits
    ) -> Customer:
        """A prospect who bought: ``prior`` (per cell) is what they expect, trust starts at
        the scenario's prior belief, baseline churn is their own draw."""
        trust = self.scenario.trust
        return Customer(
            cid=cid,
            key=draws.key,
            source=source,
            now=now,
            prior=prior,
            trust_kept=trust.prior_kept,
            trust_broken=trust.prior_broken,
            baseline_churn=self.churn_propensity.sample(draws.churn_propensity()),
            traits=traits,
        )


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

    @classmethod
    def as_scored(cls, score: EpisodeScore, scale: float) -> Feeling:
        """The episode as scored: nothing voiced, nothing recovered (``scale``:
        ``perception.satisfaction_scale``)."""
        return cls(score.satisfaction, score.satisfaction, felt_surprise(score, scale), False, 0.0)
