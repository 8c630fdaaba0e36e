"""The schema: what a scenario is made of, field by field, down to :class:`Scenario`.

Every field says its default (in engine units), how it is read (a spec from
:mod:`sim.scenario.specs`) and what it means; ``docs/model.md`` lists them all.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from sim import distributions as dist
from sim.scenario.calendar import Calendar
from sim.scenario.checks import _check_references, _warn_short_horizon
from sim.scenario.dimensions import DIMENSIONS, SERVICE_SCALE, ByDimension
from sim.scenario.files import MAX_NESTING, _nesting, read_toml, write_toml
from sim.scenario.specs import (
    MAX_MONEY,
    ScenarioError,
    _Bool,
    _Context,
    _Dimensions,
    _Distribution,
    _Duration,
    _Money,
    _Named,
    _Number,
    _parse_dataclass,
    _Promise,
    _Routes,
    _Table,
    _Text,
    param,
    suggest,
)
from sim.scenario.uncertainties import _Uncertainties, check_fields
from sim.units import shown

_LEVEL_SPECS = {
    "time": lambda: _Duration(),
    "cost": lambda: _Money(),
    "service": lambda: _Number(*SERVICE_SCALE),
}


@dataclass(frozen=True, kw_only=True)
class Resource:
    """A capacity-limited process (kitchen, drivers, call centre): a ``simpy.Resource``."""

    name: str = param(spec=_Text(), doc="identifier used by stages")
    capacity: int = param(
        1,
        _Number(0, open_low=True, integer=True),
        "servers working in parallel (with calendar.shifts: the crew of every shift that "
        "gives no capacity of its own)",
    )
    cost_per_hour: float = param(
        0.0, _Money(), "currency per server-hour, paid all horizon or for the hours of its shifts"
    )


@dataclass(frozen=True, kw_only=True)
class Stage:
    """One step of a touchpoint's delivered time: wait for ``resource`` (if any), then work."""

    duration: dist.Distribution = param(spec=_Distribution("time"), doc="work time, hours")
    resource: str = param("", _Text(), "resource to queue for; empty = no queue")


@dataclass(frozen=True, kw_only=True)
class Failure:
    """Something going wrong at the touchpoint (wrong order, lost bag)."""

    probability: float = param(0.0, _Number(0.0, 1.0), "chance per visit")
    service_drop: float = param(2.0, _Number(0.0, 4.0), "service points lost when it happens")
    delay: float = param(0.0, _Duration(), "extra time to put it right, hours")


@dataclass(frozen=True, kw_only=True)
class Touchpoint:
    """A moment of the journey where something is promised and something delivered.

    Delivered **time** is the sum of the stages (queue wait + work); delivered **cost** and
    **service** come from ``delivered``. A dimension is part of the touchpoint when it is
    delivered; ``promise``, ``norm``, ``weight``, ``competitor`` are per dimension.
    """

    name: str = param(spec=_Text(), doc="identifier, used in routes and overrides")
    stages: tuple[Stage, ...] = param((), _Named(Stage), "steps making up delivered time")
    delivered: ByDimension = param(
        ByDimension(),
        _Dimensions(_Distribution, ("cost", "service")),
        "distributions of delivered cost (currency) and service (1–5)",
    )
    promise: ByDimension = param(ByDimension(), _Dimensions(_Promise), "what the firm promises")
    norm: ByDimension = param(
        ByDimension(),
        _Dimensions(lambda d: _LEVEL_SPECS[d]()),
        "market norm: a newcomer's prior and the yardstick of quality (default: mean delivered)",
    )
    competitor: ByDimension = param(
        ByDimension(),
        _Dimensions(lambda d: _LEVEL_SPECS[d]()),
        "the rival's promise, compared by prospects choosing where to buy",
    )
    weight: ByDimension = param(
        ByDimension(),
        _Dimensions(lambda d: _Number(0.0, 100.0)),
        "importance of each dimension here (default 1; at most 100: weights rank dimensions)",
    )
    importance: float = param(1.0, _Number(0.0), "weight of this touchpoint in the episode")
    failure: Failure = param(Failure(), _Table(Failure), "what can go wrong")
    routes: tuple[tuple[str, float], ...] = param(
        (), _Routes(), "branching: next touchpoint = probability ('end' ends the journey)"
    )
    only_after_failure: bool = param(False, _Bool(), "visited only if something failed earlier")

    def dimensions(self) -> list[str]:
        """The dimensions delivered at this touchpoint, in canonical order."""
        present = {
            "time": bool(self.stages),
            "cost": self.delivered.cost is not None,
            "service": self.delivered.service is not None,
        }
        return [d for d in DIMENSIONS if present[d]]


@dataclass(frozen=True, kw_only=True)
class Market:
    """Where prospects come from and how they choose (logit on the promised offer)."""

    prospects_per_day: float = param(20.0, _Number(0.0), "paid prospects per day (Poisson)")
    population: int = param(0, _Number(0, integer=True), "potential customers; 0 = unlimited")
    brand_preference: float = param(0.0, _Number(), "logit utility of us over the competitor")
    promise_sensitivity: float = param(
        0.002,
        _Number(0.0),
        "logit utility per jnd of promised advantage over the competitor (fitted to Cui et "
        "al. 2024)",
    )
    sensitivity_cv: float = param(
        0.0,
        _Number(0.0, 3.0),
        "spread (cv) of each prospect's promise sensitivity around the mean; 0 = all alike",
    )
    wom_positive_lift: float = param(1.0, _Number(0.0), "logit lift after hearing praise")
    wom_negative_lift: float = param(2.0, _Number(0.0), "logit drop after hearing complaints")
    ad_spend_per_day: float = param(0.0, _Money(), "currency per day for paid prospects")


@dataclass(frozen=True, kw_only=True)
class Perception:
    """How gaps are felt: expectation-disconfirmation with prospect-theory value."""

    jnd: ByDimension = param(
        ByDimension(time=0.25, cost=10.0, service=0.5),
        _Dimensions(
            lambda d: {
                "time": _Duration(shortest=1 / 3600),
                "cost": _Number(1e-6, MAX_MONEY),
                "service": _Number(0.001, 4.0),
            }[d]
        ),
        "just-noticeable difference per dimension (time in hours); nobody notices less than "
        "a second, a millionth of a currency unit or a thousandth of a point",
    )
    tolerance: float = param(1.0, _Number(0.0), "zone of tolerance half-width, in jnd")
    gain_slope: float = param(
        0.10,
        _Number(0.0),
        "k⁺: value per jnd of exceeding (set so exceeding ≈ keeping, Gneezy & Epley)",
    )
    loss_aversion: float = param(
        2.25, _Number(1.0, 10.0), "λ (Tversky & Kahneman 1992; measured values lie near 1–3)"
    )
    gain_curvature: float = param(0.88, _Number(0.0, 1.0, open_low=True), "α")
    loss_curvature: float = param(0.88, _Number(0.0, 1.0, open_low=True), "β")
    quality_weight: float = param(
        0.15,
        _Number(0.0, 10.0),
        "γ: value per jnd of delivered quality vs norm (above ~1 one jnd outweighs a promise)",
    )
    kept_credit: float = param(
        1.0, _Number(0.0), "κ: credit when every promise at a touchpoint is kept"
    )
    kept_fade: float = param(
        1.0,
        _Number(0.0, open_low=True),
        "jnd beyond the zone of tolerance over which a promise goes from kept to broken",
    )
    satisfaction_scale: float = param(
        2.5, _Number(0.0, open_low=True), "utility mapped to tanh(±1)"
    )
    episode: str = param("mean", _Text(("mean", "peak_end")), "how touchpoints combine")
    prior_weight: float = param(
        0.3, _Number(0.0, 1.0), "ω: weight of the latest experience in the prior"
    )
    ltr_neutral: float = param(7.5, _Number(0.0, 10.0), "likelihood-to-recommend at satisfaction 0")
    ltr_slope: float = param(4.0, _Number(0.0), "LTR points per unit of attitude")

    def __post_init__(self) -> None:
        # A partial table (jnd = {time = "5 min"}) keeps the defaults of the dimensions it
        # leaves out; without this they would be missing and every gap NaN.
        default = type(self).__dataclass_fields__["jnd"].default
        given = {d: getattr(self.jnd, d) for d in DIMENSIONS}
        filled = {d: getattr(default, d) if v is None else v for d, v in given.items()}
        object.__setattr__(self, "jnd", ByDimension(**filled))


@dataclass(frozen=True, kw_only=True)
class Trust:
    """Beta(a, b) belief that promises are kept; τ = a / (a + b)."""

    prior_kept: float = param(
        3.0, _Number(0.0, 1e6, open_low=True), "a₀ (beyond a million, no purchase moves trust)"
    )
    prior_broken: float = param(1.0, _Number(0.0, 1e6, open_low=True), "b₀")
    kept_weight: float = param(1.0, _Number(0.0), "added to a per kept promise")
    broken_weight: float = param(2.0, _Number(0.0), "added to b per broken promise")


@dataclass(frozen=True, kw_only=True)
class Wom:
    """Word of mouth from surprise and advocacy: after a purchase, a U in felt surprise,
    heavier on the negative side (Anderson 1998); between purchases, recommendations to
    people who ask for advice, more from happier, longer-standing customers."""

    base: float = param(0.01, _Number(0.0, 1.0), "talk probability when nothing was surprising")
    positive_slope: float = param(
        0.35, _Number(0.0, 1.0), "extra talk probability at surprise +1 (delight)"
    )
    negative_slope: float = param(
        0.608, _Number(0.0, 1.0), "extra talk probability at surprise −1 (outrage; fitted)"
    )
    curvature: float = param(1.0, _Number(0.0, open_low=True), "exponent on |surprise|")
    advocacy: float = param(
        52.0,
        _Number(0.0, 365.0),
        "recommendations a year, when asked for advice, from a long-standing customer at "
        "attitude +1 (fitted; at most 365)",
    )
    reach: float = param(
        0.5,
        _Number(0.0, 100.0),
        "mean people per talk who come to shop (Poisson; a placeholder; at most 100)",
    )
    delay: float = param(48.0, _Duration(positive=True), "mean time until a listener shops, hours")
    referral_bonus: float = param(
        0.0, _Number(0.0, 1.0), "extra positive talk from a referral programme"
    )


@dataclass(frozen=True, kw_only=True)
class Complaints:
    """Voicing dissatisfaction and the support queue that handles it."""

    threshold: float = param(
        -0.2, _Number(-1.0, 1.0), "episode satisfaction below which customers may complain"
    )
    probability: float = param(
        0.32,
        _Number(0.0, 1.0),
        "chance a dissatisfied customer complains (channel ease; 32% in Customer in Context 2018)",
    )
    resource: str = param("", _Text(), "resource that handles complaints; empty = no queue")
    handle_time: dist.Distribution = param(
        dist.Exponential(0.5), _Distribution("time"), "work per complaint, hours"
    )
    patience: float = param(
        72.0, _Duration(positive=True), "unresolved if not handled within this, hours"
    )
    unvoiced_multiplier: float = param(
        1.5,
        _Number(1.0),
        "negative talk and churn hazard × this when a dissatisfied customer is not heard "
        "(did not complain, or gave up waiting)",
    )


@dataclass(frozen=True, kw_only=True)
class Recovery:
    """What a handled complaint gives back (Smith, Bolton & Wagner 1999)."""

    apology: float = param(0.2, _Number(0.0, 1.0), "share of the loss offset by an apology")
    compensation: float = param(0.0, _Money(), "currency paid per handled complaint")
    compensation_half: float = param(
        50.0, _Number(0.0, open_low=True), "compensation that buys half its effect"
    )
    compensation_weight: float = param(
        0.6, _Number(0.0), "share of the loss offset by generous compensation"
    )
    speed_weight: float = param(0.3, _Number(0.0), "share of the loss offset by an instant fix")
    speed_scale: float = param(
        4.0, _Duration(positive=True), "resolution time at which speed's effect falls to 1/e"
    )
    paradox_cap: float = param(
        1.2, _Number(1.0), "max recovered share for mild first failures (recovery paradox)"
    )
    proactive: float = param(
        0.0,
        _Number(0.0, 1.0),
        "chance the firm spots a bad episode and fixes it before any complaint",
    )
    credit: float = param(0.0, _Money(), "apology points (currency) credited on the next purchase")
    credit_value: float = param(
        0.7, _Number(0.0, 1.0), "how much a point is worth to the customer, per currency"
    )
    mild_loss: float = param(
        1.5, _Number(0.0), "loss (utility) up to which a failure counts as mild"
    )


@dataclass(frozen=True, kw_only=True)
class Retention:
    """Churn hazard h = h₀·exp(−β·S_cum + shock·σ·max(−s, 0)), habit, and the repurchase cycle."""

    churn_a: float = param(
        1.0, _Number(0.0, open_low=True), "Beta(a, b) of baseline churn propensity h₀"
    )
    churn_b: float = param(
        29.0, _Number(0.0, open_low=True), "Beta(a, b) of baseline churn propensity h₀"
    )
    satisfaction_effect: float = param(
        3.33, _Number(0.0), "β: hazard falls by exp(−β·S_cum) (fitted: docs/calibration.md)"
    )
    bad_episode_shock: float = param(
        9.27, _Number(0.0), "hazard × exp(shock·σ·|s|) after a bad episode (fitted)"
    )
    shock_cv: float = param(
        1.821,
        _Number(0.0, 3.0),
        "spread (cv) of each customer's sensitivity to a bad episode; 0 = all alike",
    )
    habit: float = param(
        10.0,
        _Number(0.0),
        "habit: an episode's pull on behaviour is divided by 1 + habit × good episodes so far",
    )
    memory_floor: float = param(
        0.1,
        _Number(0.0, 1.0, open_low=True),
        "least weight of a new episode in S_cum (Bolton 1998)",
    )
    interval: float = param(
        168.0, _Duration(positive=True), "mean time between purchases at neutral attitude, hours"
    )
    attitude_effect: float = param(
        0.5, _Number(0.0), "interval × exp(−effect·cumulative satisfaction)"
    )
    basket_effect: float = param(
        0.3, _Number(0.0, 10.0), "basket × (1 + effect·max(attitude, 0)); at most 11× a basket"
    )


@dataclass(frozen=True, kw_only=True)
class Segment:
    """A kind of customer: a share of prospects whose traits multiply the scenario's.

    Traits are drawn once per prospect from its own random numbers, so a policy change
    never changes who is in which segment (common random numbers).
    """

    name: str = param(spec=_Text(), doc="identifier shown in the report")
    share: float = param(spec=_Number(0.0, 1.0), doc="share of prospects in this segment")
    promise_sensitivity: float = param(
        1.0, _Number(0.0), "× market.promise_sensitivity: how much the promise sways choice"
    )
    shock: float = param(1.0, _Number(0.0), "× retention.bad_episode_shock")
    habit: float = param(1.0, _Number(0.0), "× retention.habit")
    interval: float = param(
        1.0, _Number(0.0, open_low=True), "× retention.interval: time between purchases"
    )


@dataclass(frozen=True, kw_only=True)
class Expedite:
    """Exceed on time: expedited orders jump every queue of the touchpoint and are worked
    faster (a dedicated fast lane), at a cost."""

    share: float = param(0.0, _Number(0.0, 1.0), "share of orders expedited")
    speedup: float = param(0.25, _Number(0.0, 0.9), "work time cut by this fraction")
    cost: float = param(0.0, _Money(), "currency per expedited order")


@dataclass(frozen=True, kw_only=True)
class Discount:
    """Exceed on cost: the final bill comes in below the estimate (the promise)."""

    share: float = param(0.0, _Number(0.0, 1.0), "share of bills cut")
    discount: float = param(0.1, _Number(0.0, 1.0), "fraction knocked off the bill")


@dataclass(frozen=True, kw_only=True)
class Upgrade:
    """Exceed on service: an unannounced upgrade (economy taxi → business class)."""

    share: float = param(0.0, _Number(0.0, 1.0), "probability of an upgrade")
    points: float = param(1.0, _Number(0.0, 4.0), "service points added (capped at 5)")
    cost: float = param(0.0, _Money(), "currency per upgrade")


@dataclass(frozen=True, kw_only=True)
class Bonus:
    """A surprise gift: small delight, at a cost."""

    probability: float = param(0.0, _Number(0.0, 1.0), "chance per purchase")
    effect: float = param(0.5, _Number(0.0, 100.0), "utility added to the episode")
    cost: float = param(0.0, _Money(), "currency per bonus")


@dataclass(frozen=True, kw_only=True)
class OverDelivery:
    """Exceeding the promise at one touchpoint, on time, cost or service (practitioner
    advice: pick one, not all three; docs/sources.md §15), plus an optional surprise bonus."""

    touchpoint: str = param("", _Text(), "where the firm over-delivers (empty: nowhere)")
    time: Expedite = param(Expedite(), _Table(Expedite), "expedite")
    cost: Discount = param(Discount(), _Table(Discount), "bill below the estimate")
    service: Upgrade = param(Upgrade(), _Table(Upgrade), "upgrade")
    bonus: Bonus = param(Bonus(), _Table(Bonus), "surprise bonus")


@dataclass(frozen=True, kw_only=True)
class FollowUp:
    """Contact after the purchase: reassurance in the remorse window, thanks, and marketing
    contacts that annoy when there are too many (Customer in Context 2018: 23% feel stalked)."""

    remorse_cancel: float = param(
        0.0, _Number(0.0, 1.0), "chance a purchase is cancelled in the 24 h remorse window"
    )
    reassurance: bool = param(False, _Bool(), "contact every buyer within 24 h (remorse window)")
    reassurance_effect: float = param(0.5, _Number(0.0, 1.0), "share of cancellations it prevents")
    thank_you: bool = param(False, _Bool(), "send a thank-you after each purchase")
    thank_you_effect: float = param(0.2, _Number(0.0, 100.0), "utility a thank-you adds")
    contacts: int = param(0, _Number(0, integer=True), "marketing contacts per purchase cycle")
    tolerated_contacts: int = param(1, _Number(0, integer=True), "contacts nobody minds")
    stalked_share: float = param(
        0.23,
        _Number(0.0, 1.0),
        "chance each extra contact annoys (Customer in Context 2018: 23% feel stalked)",
    )
    annoyance: float = param(1.0, _Number(0.0, 100.0), "utility an annoyed customer loses")
    contact_lift: float = param(
        0.1, _Number(0.0, 0.9), "next purchase comes this much sooner per tolerated contact"
    )
    contact_cost: float = param(
        0.0, _Money(), "currency per contact (reassurance, thanks, marketing)"
    )


@dataclass(frozen=True, kw_only=True)
class Returns:
    """Returns: lenient (always accept) or strict (receipt required) — practitioner advice:
    rules built against the rare cheat punish the honest majority (docs/sources.md §15)."""

    rate: float = param(0.0, _Number(0.0, 1.0), "share of purchases an honest customer returns")
    policy: str = param("lenient", _Text(("lenient", "strict")), "what the firm accepts")
    fraud_rate: float = param(0.0, _Number(0.0, 1.0), "fraudulent return requests per purchase")
    no_receipt: float = param(0.3, _Number(0.0, 1.0), "share of honest returners without a receipt")
    refusal_penalty: float = param(
        2.0, _Number(0.0, 100.0), "utility an honest customer loses when refused"
    )
    handling_cost: float = param(0.0, _Money(), "currency per accepted return")


@dataclass(frozen=True, kw_only=True)
class Economics:
    """Money: revenue is the delivered bill (cost dimension) × basket."""

    currency: str = param("THB", _Text(), "label for reports")
    unit_cost: float = param(0.0, _Money(), "variable cost per basket")
    discount_rate: float = param(0.10, _Number(0.0, 1.0), "annual discount rate for CLV")


@dataclass(frozen=True, kw_only=True)
class Scenario:
    """A whole business: journey, resources, market, behaviour and economics.

    Build one with :meth:`load`, :meth:`from_dict` or :func:`sim.examples.load`; change it
    with :meth:`replace`. Scenarios are immutable and hashable by content
    (:attr:`fingerprint`).
    """

    name: str = param("scenario", _Text(), "short identifier")
    description: str = param("", _Text(), "the question this scenario answers")
    time_unit: str = param(
        "h", _Text(("s", "min", "h", "d")), "unit of bare numbers that are durations"
    )
    horizon: float = param(180 * 24.0, _Duration(positive=True), "default run length, hours")
    max_prospects: int = param(
        1_000_000,
        _Number(1, integer=True),
        "a run stops with an error past this many prospects: a guard against a market that "
        "grows without bound (each customer takes ~2 KB of memory)",
    )
    touchpoints: tuple[Touchpoint, ...] = param(
        spec=_Named(Touchpoint), doc="the journey, in order"
    )
    resources: tuple[Resource, ...] = param((), _Named(Resource), "capacity-limited processes")
    segments: tuple[Segment, ...] = param(
        (), _Named(Segment), "kinds of customer with their shares; none = one kind"
    )
    market: Market = param(Market(), _Table(Market), "acquisition")
    perception: Perception = param(Perception(), _Table(Perception), "how gaps feel")
    trust: Trust = param(Trust(), _Table(Trust), "trust in promises")
    wom: Wom = param(Wom(), _Table(Wom), "word of mouth")
    complaints: Complaints = param(Complaints(), _Table(Complaints), "complaints")
    recovery: Recovery = param(Recovery(), _Table(Recovery), "service recovery")
    retention: Retention = param(Retention(), _Table(Retention), "churn and repurchase")
    economics: Economics = param(Economics(), _Table(Economics), "money")
    overdelivery: OverDelivery = param(OverDelivery(), _Table(OverDelivery), "exceeding promises")
    followup: FollowUp = param(FollowUp(), _Table(FollowUp), "after the purchase")
    returns: Returns = param(Returns(), _Table(Returns), "returns policy")
    calendar: Calendar = param(
        Calendar(), _Table(Calendar), "demand by hour and weekday, shifts, opening hours"
    )
    uncertainties: tuple[tuple[str, tuple[float, float] | None], ...] = param(
        (),
        _Uncertainties(),
        "for robustness studies (`promise-gap robust`), changes to the plausible ranges of "
        "docs/robust_answers.md: a field's [low, high] (numbers as in this file) widens, "
        'narrows or adds a range, "none" fixes it at this scenario\'s value; no run reads it',
    )
    _raw: dict = field(default_factory=dict, repr=False, compare=False)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], source: str = "", *, check_ranges: bool = True
    ) -> Scenario:
        """Validate ``data`` (as read from TOML) and build a scenario.

        Raises :class:`ScenarioError` listing every problem. ``check_ranges``: check each
        bound of the ``[uncertainties]`` table against its field, by building the scenario
        at it (:meth:`replace` does so only when it changes the table).

        >>> Scenario.from_dict({"touchpoints": [{"name": "visit", "stages": [{"duration": "10 min"}]}]}).name
        'scenario'
        """
        if not isinstance(data, Mapping):
            raise ScenarioError([f"scenario: {shown(data)} — must be a table"], source)
        too_deep = [
            f"{key}: nested {depth} levels deep — a scenario needs at most ~6; is it the right data?"
            for key, value in data.items()
            if (depth := 1 + _nesting(value)) > MAX_NESTING
        ]
        if too_deep:
            raise ScenarioError(too_deep, source)
        unit = data.get("time_unit", "h")
        ctx = _Context(unit if unit in ("s", "min", "h", "d") else "h")
        scenario = _parse_dataclass(cls, data, "", ctx)
        if scenario is not None:  # None only when touchpoints is missing
            _check_references(scenario, data, ctx)
            object.__setattr__(scenario, "_raw", copy.deepcopy(dict(data)))
        rest_valid = all(path.startswith("uncertainties") for path in ctx.failed)
        if scenario is not None and check_ranges and scenario.uncertainties and rest_valid:
            check_fields(scenario, ctx)
        if ctx.problems:
            raise ScenarioError(ctx.problems, source)
        if "horizon" in data and scenario.horizon < 24.0:
            _warn_short_horizon(data["horizon"], scenario)
        return scenario

    @classmethod
    def load(cls, path: str | Path) -> Scenario:
        """Read a scenario from a TOML file (UTF-8, with or without a byte-order mark).

        Only a regular file of at most :data:`MAX_FILE_BYTES` is read: a pipe would wait
        for a writer and a device such as ``/dev/zero`` never ends.

        >>> from sim.examples import path_of
        >>> Scenario.load(path_of("pizza")).name
        'pizza'
        >>> Scenario.load("/dev/zero")
        Traceback (most recent call last):
        ...
        sim.scenario.specs.ScenarioError: 1 problem(s):
          - /dev/zero: not a regular file (a pipe, device or socket) — save the scenario as a file
        """
        path = Path(path)
        return cls.from_dict(read_toml(path), source=str(path))

    def save(self, path: str | Path) -> None:
        """Write the scenario as TOML, exactly as it was written (units and all).

        >>> import tempfile, os
        >>> from sim import examples
        >>> target = os.path.join(tempfile.mkdtemp(), "copy.toml")
        >>> examples.load("pizza").save(target)
        >>> Scenario.load(target) == examples.load("pizza")
        True
        """
        write_toml(path, self._raw, self.description)

    def to_dict(self) -> dict[str, Any]:
        """The scenario as plain data (what :meth:`from_dict` accepts)."""
        return copy.deepcopy(self._raw)

    # ------------------------------------------------------------------ overrides
    def replace(self, overrides: Mapping[str, Any]) -> Scenario:
        """A new scenario with dotted-path fields replaced; the original is unchanged.

        Paths follow the TOML structure; list items are addressed by ``name`` or ``[index]``:
        ``"touchpoints.delivery.promise.time"``, ``"resources.driver.capacity"``,
        ``"touchpoints[0].stages[1].duration.mean"``. Unknown paths are errors with a
        suggestion.

        Values are as in a scenario file, or policy objects:

        >>> from sim import examples
        >>> from sim.policies import QuantilePromise
        >>> examples.load("pizza").replace({"resources.driver.capacity": 6}).resource("driver").capacity
        6
        >>> careful = examples.load("pizza").replace(
        ...     {"touchpoints.delivery.promise.time": QuantilePromise(0.9)})
        >>> careful.touchpoint("delivery").promise.time
        QuantilePromise(q=0.9)
        """
        from sim.scenario.overrides import replace  # it imports Scenario: not at the top

        return replace(self, overrides)

    # ------------------------------------------------------------------ lookups
    def touchpoint(self, name: str) -> Touchpoint:
        """The touchpoint called ``name``."""
        return _by_name(self.touchpoints, name, "touchpoint")

    def resource(self, name: str) -> Resource:
        """The resource called ``name``."""
        return _by_name(self.resources, name, "resource")

    @cached_property  # computed once: the scenario is immutable
    def fingerprint(self) -> str:
        """Content hash (12 hex digits) of exactly what a run depends on, in the order it
        depends on it: same numbers, same hash, in any process (results stores and caches
        are keyed by it).

        Hashed: every field of the validated scenario, in declared order, with touchpoints,
        stages, routes, resources and segments in the order written — the order of routes
        and segments decides which random draw picks which. Names are hashed (they label
        results). Not hashed: ``description`` (prose), ``time_unit`` (it says how bare
        numbers are read; the durations they give are hashed, in hours) and
        ``uncertainties`` (what a robustness study may vary; no run reads it, so a world's
        runs are keyed by what they simulate, and the store serves them to a study with or
        without the table).

        >>> from sim import examples
        >>> pizza = examples.load("pizza")
        >>> pizza.replace({"description": "another question"}).fingerprint == pizza.fingerprint
        True
        >>> pizza.replace({"touchpoints.delivery.promise.time": "0.5 h"}).fingerprint == pizza.fingerprint
        True
        >>> routes = "touchpoints.website.routes"
        >>> (pizza.replace({routes: {"order": 0.6, "delivery": 0.4}}).fingerprint
        ...  == pizza.replace({routes: {"delivery": 0.4, "order": 0.6}}).fingerprint)
        False
        """
        content = [
            _canonical(getattr(self, f.name))
            for f in fields(self)
            if f.compare and f.name not in ("description", "time_unit", "uncertainties")
        ]
        return hashlib.sha256(json.dumps(content).encode()).hexdigest()[:12]


def _canonical(value: Any) -> Any:
    """``value`` as plain JSON data, in the order the model reads it: a dataclass as its class
    name and compared fields in declared order, a tuple as a list in stored order, any other
    object (a gamma distribution) by its repr, which names every parameter."""
    if isinstance(value, tuple):
        return [_canonical(item) for item in value]
    if is_dataclass(value):
        return [
            type(value).__name__,
            *(_canonical(getattr(value, f.name)) for f in fields(value) if f.compare),
        ]
    if value is None or isinstance(value, str | int | float):
        return value
    return repr(value)


def _by_name(items, name, what):
    for item in items:
        if item.name == name:
            return item
    names = [item.name for item in items]
    raise KeyError(f"no {what} {name!r}{suggest(name, names)} (have: {', '.join(names)})")
