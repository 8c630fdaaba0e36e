"""Promise policies: what the firm tells the customer it will deliver.

A policy is a small frozen object. At the start of a run the model asks it for a
:class:`Quoter` per touchpoint and dimension; the quoter gives the current promise
(``quoter.value``) and, for policies that learn from experience, watches every delivery
(``quoter.observe(delivered)``).

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
from dataclasses import dataclass

import numpy as np
from scipy import special

from sim.distributions import Distribution, sum_quantile

#: How many recent deliveries adaptive policies look at, and how often they re-quote.
HISTORY_WINDOW = 500
REQUOTE_EVERY = 50


class Quoter:
    """The live promise for one touchpoint × dimension. ``value`` is read on every order."""

    __slots__ = ("value",)

    def __init__(self, value: float) -> None:
        self.value = value

    def observe(self, delivered: float) -> None:
        """Fixed promises ignore deliveries."""


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

    def observe(self, delivered: float) -> None:
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


@dataclass(frozen=True)
class QuantilePromise:
    """Promise the level that is kept with probability ``q``.

    q > 0.5 under-promises (kept more often than not), q < 0.5 over-promises. For a time
    dimension this is the q-quantile of delivered time; the M/M/1 closed form is
    ``T_q = −ln(1 − q) / (μ − λ)`` (Ho & Zheng 2004; So & Song 1998). The first quote uses the
    no-queue delivery distribution; later quotes use recent deliveries, so queueing is
    learnt.
    """

    q: float

    def quoter(self, parts: list[Distribution], lower_is_better: bool, context=None) -> Quoter:
        level = self.q if lower_is_better else 1.0 - self.q

        def rule(history: np.ndarray) -> float:
            return float(np.quantile(history, level))

        return _LearningQuoter(sum_quantile(parts, level), rule)

    def as_table(self, dimension: str) -> dict:
        """The scenario-file form of this policy."""
        return {"policy": "quantile", "q": self.q}


@dataclass(frozen=True)
class BufferPromise:
    """Promise the typical (mean) delivery made worse by ``add`` plus ``percent`` of it.

    "Quote the usual 40 minutes plus 15" is ``BufferPromise(add=0.25)`` with hours.
    """

    add: float = 0.0
    percent: float = 0.0

    def quoter(self, parts: list[Distribution], lower_is_better: bool, context=None) -> Quoter:
        sign = 1.0 if lower_is_better else -1.0

        def rule(history: np.ndarray) -> float:
            typical = float(history.mean())
            return typical + sign * (self.add + self.percent * typical)

        return _LearningQuoter(rule(np.array([sum(p.mean for p in parts)])), rule)

    def as_table(self, dimension: str) -> dict:
        """The scenario-file form of this policy (times written in hours)."""
        return {"policy": "buffer", "add": _level(self.add, dimension), "percent": self.percent}


def _level(value: float, dimension: str) -> float | str:
    """A level as a scenario file writes it: times carry their unit (the file may be in min)."""
    return f"{value!r} h" if dimension == "time" else value


@dataclass(frozen=True)
class QuoteContext:
    """What a live quote can look at: each stage's resource (None: no queue) and the rival's
    promise on the same dimension (NaN if none)."""

    resources: list
    competitor: float = math.nan


class _DynamicQuoter(Quoter):
    """Quotes from the queues as they are now, like a delivery tracker.

    For each stage with a resource: if a server is free there is no wait; otherwise the
    order waits for ``ahead = queue + 1`` departures at rate ``c/mean`` (the M/M/c
    approximation). The time in the touchpoint is approximated by a gamma distribution
    with the summed mean and variance, and its q-quantile is quoted.
    """

    __slots__ = ("_level", "_stages")

    def __init__(self, stages, level: float) -> None:
        self._stages = stages  # (resource or None, mean, variance) per stage
        self._level = level

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
            return mean
        shape = mean * mean / variance
        return float(special.gammaincinv(shape, self._level)) * variance / mean


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
        return _DynamicQuoter(stages, self.q)

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
