"""Promise policies: what the firm tells the customer it will deliver.

A policy is a small frozen object. At the start of a run the model asks it for a
:class:`Quoter` per touchpoint and dimension; the quoter gives the current promise
(``quoter.value``) and, for policies that learn from experience, watches every delivery
(``quoter.observe(delivered)``, optionally with the promise that order was quoted).

Direction matters: for time and cost lower is better, so an *under-promise* quotes a high
value; for service higher is better, so an under-promise quotes a low value. Policies are
written in terms of **keeping** the promise so they read the same on every dimension.

>>> FixedPromise(1.0).quoter([], lower_is_better=True).value
1.0
>>> from sim.distributions import Exponential
>>> round(QuantilePromise(q=0.9).quoter([Exponential(1.0)], lower_is_better=True).value, 4)
2.3026
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy import special

from sim.behaviour import KEPT_TOLERANCE
from sim.distributions import Distribution, sum_quantile

#: How many recent deliveries the buffer policy looks at, and how often it re-quotes.
HISTORY_WINDOW = 500
REQUOTE_EVERY = 50
#: The quantile policy's Robbins–Monro gain (per delivery, in running standard deviations)
#: and the memory (deliveries) of its running mean and spread.
QUANTILE_GAIN = 0.005
QUANTILE_MEMORY = 2000


class Quoter:
    """The live promise for one touchpoint × dimension. ``value`` is read on every order."""

    __slots__ = ("value",)

    def __init__(self, value: float) -> None:
        self.value = value

    def observe(self, delivered: float, promised: float | None = None) -> None:
        """Fixed promises ignore deliveries (``promised``: what that order was quoted)."""


class _LearningQuoter(Quoter):
    """Re-quotes from the last :data:`HISTORY_WINDOW` deliveries every :data:`REQUOTE_EVERY`.

    This is how a firm quotes "from experience": the promise tracks what the process really
    delivers, including queueing delay that no spec sheet shows.
    """

    __slots__ = ("_history", "_rule", "_since")

    def __init__(self, value: float, rule) -> None:
        super().__init__(value)
        self._history: deque[float] = deque(maxlen=HISTORY_WINDOW)
        self._rule = rule
        self._since = 0

    def observe(self, delivered: float, promised: float | None = None) -> None:
        self._history.append(delivered)
        self._since += 1
        if self._since >= REQUOTE_EVERY:
            self._since = 0
            self.value = self._rule(np.fromiter(self._history, float, len(self._history)))


@dataclass(frozen=True)
class FixedPromise:
    """Always promise ``value`` (hours for time, currency for cost, points for service).

    The pizza shop that prints "60 minutes or it's free" on the box.
    """

    value: float

    def quoter(self, parts: list[Distribution], lower_is_better: bool, context=None) -> Quoter:
        return Quoter(self.value)

    def as_table(self, dimension: str) -> dict:
        """The scenario-file form of this policy (times written in hours)."""
        return {"policy": "fixed", "value": _level(self.value, dimension)}


#: Levels in this range need no rescaling: their squares stay far inside the doubles.
_PLAIN_LEVELS = (2.0**-256, 2.0**256)


def _power_of_two_unit(level: float) -> float:
    """1 for ordinary levels (and 0, inf, NaN); for huge or tiny ones a power of two near
    ``level``, so that levels measured in it are of order 1 and their squares neither
    overflow nor underflow."""
    low, high = _PLAIN_LEVELS
    if low <= level <= high or not 0.0 < level < math.inf:
        return 1.0
    return math.ldexp(1.0, math.frexp(level)[1] - 1)


def _combined_spread(parts: list[Distribution]) -> float:
    """sqrt(Σ variances) from the parts' standard deviations, also where a variance (the
    square of a representable spread) is beyond the largest double."""
    spreads = [p.std for p in parts]
    if not all(math.isfinite(s) for s in spreads):
        return math.inf
    return math.hypot(*spreads)


class QuantileTracker(Quoter):
    """A quote kept a share ``q`` of the time, learnt from every delivery by stochastic
    approximation (Robbins & Monro 1951).

    The quote is written in the deliveries' own scale: ``value = m + u·s`` for time and cost,
    ``m − u·s`` for service (where higher is better). ``m`` and ``s`` are the running mean
    and standard deviation of the deliveries, started from the no-queue distribution
    (``mean``, ``variance``); the first ``memory`` deliveries are averaged equally and later
    ones with an exponential memory of that many. So the quote follows the level and spread
    of what is delivered, in hours, currency or points alike, and rescaling every delivery
    rescales the quote and changes no verdict. The dimensionless ``position`` u is the
    Robbins–Monro part: after each delivery it moves by ``gain·(broken − (1 − q))`` — up,
    towards a safer quote, after a broken promise and a little down after a kept one.

    That feedback is what keeps the claim. Counting the steps, after n deliveries the
    broken promises number exactly ``(1 − q)·n + (u_n − u_0)/gain`` (the identity below),
    so as long as u stays bounded — it is pushed back towards the standardised q-quantile
    from either side — the share kept converges to q at rate 1/n, however autocorrelated
    the deliveries are and however well ``m`` and ``s`` are estimated. A delivery is judged
    against ``promised``, the promise its order was quoted, when the caller passes it;
    otherwise against the current quote, which has moved by the steps taken while that order
    was under way (see :class:`QuantilePromise` for what that costs at a queue).

    >>> tracker = QuantileTracker(first=2.0, mean=1.0, variance=1.0, q=0.9)
    >>> for delivered in [0.5, 1.0, 3.0, 0.8, 1.2]:   # one promise of 2 h broken in five
    ...     tracker.observe(delivered, promised=2.0)
    >>> tracker.broken, tracker.observed, round(tracker.position, 4)   # 1 + 0.005·(0.9 − 0.4)
    (1, 5, 1.0025)
    >>> tracker.broken - 0.1 * tracker.observed   # the identity: (u − u₀)/gain = 0.0025/0.005
    0.5
    >>> round(tracker.value, 3)   # mean 1.25 plus u standard deviations (0.909 h)
    2.161
    """

    __slots__ = (
        "_gain",
        "_mean",
        "_memory",
        "_miss",
        "_position",
        "_sign",
        "_unit",
        "_variance",
        "broken",
        "observed",
    )

    def __init__(
        self,
        first: float,
        mean: float,
        variance: float,
        q: float,
        lower_is_better: bool = True,
        gain: float | None = None,
        memory: int | None = None,
        *,
        spread: float | None = None,
    ) -> None:
        super().__init__(first)
        if not 0.0 < q < 1.0:
            raise ValueError(f"q must be strictly between 0 and 1, not {q!r}")
        self._miss = 1.0 - q  # the share of promises the claim allows to break
        self._sign = 1.0 if lower_is_better else -1.0
        self._gain = QUANTILE_GAIN if gain is None else gain
        self._memory = QUANTILE_MEMORY if memory is None else memory
        if spread is None or not math.isfinite(spread):
            spread = math.sqrt(variance) if math.isfinite(variance) and variance > 0.0 else 0.0
        # Mean and variance are kept in units of ``_unit``, a power of two (so scaling is
        # exact): 1 for every ordinary level; for levels beyond ~1e77 (or below ~1e-77) a
        # unit that keeps squares of deliveries (the running variance) inside the doubles.
        self._unit = _power_of_two_unit(max(abs(first), abs(mean), spread))
        unit = self._unit
        if unit == 1.0:
            self._mean = mean
            self._variance = variance if math.isfinite(variance) and variance > 0.0 else 0.0
            spread = math.sqrt(self._variance)
        else:
            self._mean = mean / unit
            spread /= unit
            self._variance = spread * spread
            first /= unit
            mean /= unit
        self._position = self._sign * (first - mean) / spread if spread > 0.0 else 0.0
        #: deliveries seen, and how many broke the promise they were judged against
        self.observed = 0
        self.broken = 0

    def observe(self, delivered: float, promised: float | None = None) -> None:
        """Judge ``delivered`` against ``promised`` (else the current quote) and re-quote."""
        against = self.value if promised is None or promised != promised else promised
        sign = self._sign
        broken = sign * (delivered - against) > KEPT_TOLERANCE
        self.observed += 1
        self.broken += broken
        weight = 1.0 / min(self.observed + 1, self._memory)  # the first quote counts once
        unit = self._unit
        if unit != 1.0:
            delivered /= unit
        deviation = delivered - self._mean
        self._mean += weight * deviation
        self._variance += weight * (deviation * (delivered - self._mean) - self._variance)
        spread = math.sqrt(self._variance) if self._variance > 0.0 else 0.0
        if spread > 0.0:  # with no spread there is no shape to learn: the quote is the mean
            self._position += self._gain * (broken - self._miss)
        self.value = self._mean + sign * spread * self._position
        if unit != 1.0:
            self.value *= unit

    @property
    def position(self) -> float:
        """u: how many running standard deviations the quote lies on the safe side of the
        running mean."""
        return self._position


@dataclass(frozen=True)
class QuantilePromise:
    """Promise the level that is kept with probability ``q``.

    q > 0.5 under-promises (kept more often than not), q < 0.5 over-promises. For a time
    dimension this is the q-quantile of delivered time; the M/M/1 closed form is
    ``T_q = −ln(1 − q) / (μ − λ)`` (Ho & Zheng 2004; So & Song 1998). The first quote uses the
    no-queue delivery distribution; after that a :class:`QuantileTracker` learns from every
    delivery, so queueing is learnt.

    **What it guarantees.** In steady state the share of promises kept converges to ``q``,
    also when consecutive deliveries are autocorrelated, as in a queue: every broken
    promise moves the quote up and every kept one moves it down, in the ratio q : 1 − q, so
    the quote can only settle where a share 1 − q is broken, and bursts of broken promises
    are paid back by keeping more for a while after them. This is Robbins and Monro's (1951)
    stochastic approximation applied to the quantile; the exact count behind it is in
    :class:`QuantileTracker`. (The q-quantile of a window of recent deliveries — this
    policy's earlier form — does not keep the claim at a queue: the window under-represents
    the tail and lags the queue, so at M/M/1 with ρ = 0.8 a claimed 0.90 was kept 87%.)

    The engine passes each order's own promise, ``observe(delivered, promised)``, which
    keeps the share exact at every load. Judged against the current quote instead (no
    ``promised``), the share comes out a little below q when congestion builds while an
    order waits: at a single M/M/1 station by about 0.3 pp at ρ = 0.8 and 1.6 pp at ρ = 0.95.

    With ``by = "hour"`` (or ``"weekday_hour"``) the policy learns one quote per hour of
    the day (or of the week), each from the orders placed in it (:class:`SlottedQuoter`):
    where demand has a peak, the peak gets its own, longer promise.

    >>> from sim.distributions import Exponential
    >>> quoter = QuantilePromise(0.9).quoter([Exponential(1.0)], lower_is_better=True)
    >>> round(quoter.value, 4)   # −ln 0.1 h: the no-queue quantile
    2.3026
    """

    q: float
    by: str = field(default="", repr=False)

    def __repr__(self) -> str:
        return _with_slots(f"QuantilePromise(q={self.q!r}", self.by)

    def quoter(self, parts: list[Distribution], lower_is_better: bool, context=None) -> Quoter:
        level = self.q if lower_is_better else 1.0 - self.q
        variance = sum(p.variance for p in parts)

        def tracker() -> Quoter:
            return QuantileTracker(
                sum_quantile(parts, level),
                sum(p.mean for p in parts),
                variance,
                self.q,
                lower_is_better,
                spread=None if math.isfinite(variance) else _combined_spread(parts),
            )

        return _slotted(tracker, self.by, context)

    def as_table(self, dimension: str) -> dict:
        """The scenario-file form of this policy."""
        return {"policy": "quantile", "q": self.q, **({"by": self.by} if self.by else {})}


@dataclass(frozen=True)
class BufferPromise:
    """Promise the typical (mean) delivery made worse by ``add`` plus ``percent`` of it.

    "Quote the usual 40 minutes plus 15" is ``BufferPromise(add=0.25)`` with hours. With
    ``by = "hour"`` (or ``"weekday_hour"``) each hour learns its own usual delivery.
    """

    add: float = 0.0
    percent: float = 0.0
    by: str = field(default="", repr=False)

    def __repr__(self) -> str:
        return _with_slots(f"BufferPromise(add={self.add!r}, percent={self.percent!r}", self.by)

    def quoter(self, parts: list[Distribution], lower_is_better: bool, context=None) -> Quoter:
        sign = 1.0 if lower_is_better else -1.0

        def rule(history: np.ndarray) -> float:
            with np.errstate(over="ignore"):
                typical = float(history.mean())
            if math.isinf(typical) and np.isfinite(history).all():  # the sum overflowed
                typical = math.ldexp(float(np.ldexp(history, -64).mean()), 64)
            return typical + sign * (self.add + self.percent * typical)

        return _slotted(
            lambda: _LearningQuoter(rule(np.array([sum(p.mean for p in parts)])), rule),
            self.by,
            context,
        )

    def as_table(self, dimension: str) -> dict:
        """The scenario-file form of this policy (times written in hours)."""
        table = {"policy": "buffer", "add": _level(self.add, dimension), "percent": self.percent}
        return {**table, **({"by": self.by} if self.by else {})}


def _level(value: float, dimension: str) -> float | str:
    """A level as a scenario file writes it: times carry their unit (the file may be in min)."""
    return f"{value!r} h" if dimension == "time" else value


@dataclass(frozen=True)
class QuoteContext:
    """What a live quote can look at: each stage's resource (None: no queue), the rival's
    promise on the same dimension (NaN if none) and the clock (a function giving the hour
    of the run; the run starts on a Monday at 00:00)."""

    resources: list
    competitor: float = math.nan
    clock: Callable[[], float] | None = None


#: Time slots a learning promise can keep apart: hours in a cycle.
SLOTS = {"hour": 24, "weekday_hour": 168}


def _with_slots(head: str, by: str) -> str:
    return f"{head}, by={by!r})" if by else f"{head})"


def _slotted(make: Callable[[], Quoter], by: str, context: QuoteContext | None) -> Quoter:
    """One quoter from ``make``, or with ``by`` one per time slot (:class:`SlottedQuoter`)."""
    if not by:
        return make()
    if context is None or context.clock is None:
        raise ValueError(f"by={by!r}: a promise by the hour needs the run's clock")
    return SlottedQuoter([make() for _ in range(SLOTS[by])], context.clock)


class SlottedQuoter(Quoter):
    """A learning promise kept apart per time slot (hour of day, or hour of the week):
    each order is quoted by its slot's quoter, which learns only from orders placed in
    that slot — 50 minutes at the dinner peak, 35 off-peak.

    >>> now = [19.5]
    >>> slotted = SlottedQuoter([Quoter(float(h)) for h in range(24)], lambda: now[0])
    >>> slotted.value, (now.__setitem__(0, 24 + 8.2), slotted.value)[1]
    (19.0, 8.0)
    """

    __slots__ = ("_clock", "_quoters")

    def __init__(self, quoters: list[Quoter], clock: Callable[[], float]) -> None:
        self._quoters = quoters
        self._clock = clock

    @property
    def value(self) -> float:
        return self._quoters[int(self._clock() % len(self._quoters))].value

    def observe(self, delivered: float, promised: float | None = None) -> None:
        """Learn in the slot of now (use :meth:`observe_at` with the order's time)."""
        self.observe_at(self._clock(), delivered, promised)

    def observe_at(self, ordered: float, delivered: float, promised: float | None = None) -> None:
        """The order placed at hour ``ordered`` was delivered: its slot learns."""
        self._quoters[int(ordered % len(self._quoters))].observe(delivered, promised)


class _DynamicQuoter(Quoter):
    """Quotes from the queues as they are now, like a delivery tracker.

    For each stage with a resource: if a server is free there is no wait; otherwise the
    order waits for ``ahead = queue + 1`` departures at rate ``c/mean`` (the M/M/c
    approximation). The time in the touchpoint is approximated by a gamma distribution
    with the summed mean and variance, and its q-quantile is quoted.
    """

    __slots__ = ("_level", "_spread", "_spreads", "_stages")

    def __init__(self, stages, level: float, spreads=None) -> None:
        self._stages = stages  # (resource or None, mean, variance) per stage
        self._level = level
        # each stage's standard deviation, for levels whose squares overflow or underflow
        self._spreads = spreads or [math.sqrt(v) for _, _, v in stages]
        self._spread = any(s > 0.0 for s in self._spreads)

    @property
    def value(self) -> float:
        mean = variance = 0.0
        for resource, work_mean, work_variance in self._stages:
            mean += work_mean
            variance += work_variance
            if resource is not None and resource.count >= resource.capacity:
                gap = work_mean / resource.capacity  # mean time between departures
                ahead = len(resource.queue) + 1
                mean += ahead * gap
                variance += ahead * gap * gap
        if variance <= 0.0:
            # no spread (constant stages), or spreads so small their squares underflowed
            return self._scaled_value() if self._spread else mean
        shape = mean * mean / variance
        quote = float(special.gammaincinv(shape, self._level)) * variance / mean
        if math.isfinite(quote):
            return quote
        return self._scaled_value()

    def _scaled_value(self) -> float:
        """The same quote with every level divided by a power of two near the largest: where
        a mean squared or a variance overflows (levels beyond ~1e154) or underflows (spreads
        below ~1e-162) in the plain sums."""
        means = [abs(m) for _, m, _ in self._stages]
        if not all(math.isfinite(m) for m in means):
            return math.inf  # a stage beyond the largest double: so is the quote
        if not all(math.isfinite(s) for s in self._spreads):
            return 0.0  # infinite spread: a gamma of shape 0, every quantile below 1 is 0
        unit = math.ldexp(1.0, math.frexp(max(means + list(self._spreads)))[1] - 1)
        mean = variance = 0.0
        for (resource, work_mean, _), spread in zip(self._stages, self._spreads, strict=True):
            work_mean, spread = work_mean / unit, spread / unit
            mean += work_mean
            variance += spread * spread
            if resource is not None and resource.count >= resource.capacity:
                gap = work_mean / resource.capacity
                ahead = len(resource.queue) + 1
                mean += ahead * gap
                variance += ahead * gap * gap
        if not variance > 0.0:  # no spread left: the mean
            return mean * unit
        shape = mean * mean / variance
        if shape == math.inf:  # spread below the resolution of the mean: the mean
            return mean * unit
        quantile = float(special.gammaincinv(shape, self._level))
        return quantile * (variance / mean) * unit if quantile > 0.0 else 0.0


@dataclass(frozen=True)
class DynamicPromise:
    """Quote the q-quantile of time-to-deliver given the queues right now (time only).

    Busy kitchens get longer quotes, idle ones shorter: promises track congestion, so they
    are kept about q of the time at any load, and prospects see the current quote.
    """

    q: float

    def quoter(self, parts: list[Distribution], lower_is_better: bool, context=None) -> Quoter:
        resources = context.resources if context else [None] * len(parts)
        stages = [(r, d.mean, d.variance) for r, d in zip(resources, parts, strict=True)]
        return _DynamicQuoter(stages, self.q, [d.std for d in parts])

    def as_table(self, dimension: str) -> dict:
        """The scenario-file form of this policy."""
        return {"policy": "dynamic", "q": self.q}


@dataclass(frozen=True)
class MatchCompetitor:
    """Promise what the rival promises, plus ``offset`` (positive: worse than the rival)."""

    offset: float = 0.0

    def quoter(self, parts: list[Distribution], lower_is_better: bool, context=None) -> Quoter:
        rival = context.competitor if context else math.nan
        if math.isnan(rival):
            raise ValueError("a 'match' promise needs the competitor's promise on that dimension")
        return Quoter(rival + (self.offset if lower_is_better else -self.offset))

    def as_table(self, dimension: str) -> dict:
        """The scenario-file form of this policy (times written in hours)."""
        return {"policy": "match", "offset": _level(self.offset, dimension)}


PromisePolicy = FixedPromise | QuantilePromise | BufferPromise | DynamicPromise | MatchCompetitor

#: Names usable as ``policy = "..."`` in a scenario file.
PROMISE_POLICIES: dict[str, type] = {
    "fixed": FixedPromise,
    "quantile": QuantilePromise,
    "buffer": BufferPromise,
    "dynamic": DynamicPromise,
    "match": MatchCompetitor,
}
