"""The journey compiled for the engine: cells, norms, weights, routes, and each touchpoint's
samplers and resources.

A scenario's touchpoints × delivered dimensions become **cells** with fixed positions, so a
customer's priors, an episode's deliveries and the metrics are flat arrays indexed by cell.

>>> from sim import examples
>>> plan = JourneyPlan(examples.load("pizza"))
>>> [f"{plan.touchpoint_names[t]}.{d}" for t, d in plan.cells]
['website.time', 'website.service', 'order.cost', 'delivery.time', 'delivery.service']
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import simpy

from sim.distributions import Constant
from sim.scenario import DIRECTION, Scenario, Touchpoint

if TYPE_CHECKING:  # pragma: no cover
    from sim.engine.draws import EpisodeDraws


class JourneyPlan:
    """Per-cell constants (direction, jnd, norm, weight) and the routing between touchpoints."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.touchpoint_names = [tp.name for tp in scenario.touchpoints]
        self.cells: list[tuple[int, str]] = []
        self.cells_of: list[list[int]] = []
        jnd, norm, weight, competitor = [], [], [], []
        for k, tp in enumerate(scenario.touchpoints):
            ids = []
            for dim in tp.dimensions():
                ids.append(len(self.cells))
                self.cells.append((k, dim))
                jnd.append(getattr(scenario.perception.jnd, dim))
                set_norm = getattr(tp.norm, dim)
                norm.append(set_norm if set_norm is not None else mean_delivered(tp, dim))
                set_weight = getattr(tp.weight, dim)
                weight.append(1.0 if set_weight is None else set_weight)
                rival = getattr(tp.competitor, dim)
                competitor.append(np.nan if rival is None else rival)
            self.cells_of.append(ids)
        self.direction = np.array([DIRECTION[d] for _, d in self.cells])
        self.is_cost = [d == "cost" for _, d in self.cells]
        self.is_time = [d == "time" for _, d in self.cells]
        self.jnd = np.array(jnd, dtype=float)
        self.norm = np.array(norm, dtype=float)
        self.weight = np.array(weight, dtype=float)
        self.competitor = np.array(competitor, dtype=float)
        self.importance = _relative(
            np.array([tp.importance for tp in scenario.touchpoints], dtype=float)
        )
        self.routes = [self._routes(k, tp) for k, tp in enumerate(scenario.touchpoints)]
        # plain-float copies for the per-episode path (indexing numpy arrays costs ~100 ns)
        self.perception = scenario.perception
        self.cell_constants = list(
            zip(
                self.direction.tolist(),
                self.jnd.tolist(),
                self.norm.tolist(),
                self.weight.tolist(),
                [float(self.importance[k]) for k, _ in self.cells],
                strict=True,
            )
        )
        self.importance_list = self.importance.tolist()
        self.norm_list = self.norm.tolist()

    def _routes(self, k: int, tp: Touchpoint) -> list[tuple[float, int | None]]:
        """(cumulative probability, next touchpoint index or None for the end)."""
        if not tp.routes:
            following = k + 1 if k + 1 < len(self.touchpoint_names) else None
            return [(1.0, following)]
        table, total = [], 0.0
        for target, probability in tp.routes:
            total += probability
            table.append((total, None if target == "end" else self.touchpoint_names.index(target)))
        return table

    def next_touchpoint(self, k: int, u: float) -> int | None:
        """Index of the touchpoint after ``k`` given a uniform ``u`` (None: journey ends)."""
        for cumulative, target in self.routes[k]:
            if u < cumulative:
                return target
        return self.routes[k][-1][1]


def _relative(importance: np.ndarray) -> np.ndarray:
    """Importances as used: they only weigh touchpoints against each other, so huge ones
    (beyond 2¹⁰⁰) are divided by a power of two — exactly, ratios unchanged — to keep their
    weighted sums of utilities inside the range of doubles."""
    largest = float(importance.max(initial=0.0))
    if largest <= 2.0**100:
        return importance
    return importance / math.ldexp(1.0, math.frexp(largest)[1] - 1)


def mean_delivered(tp: Touchpoint, dim: str) -> float:
    """Mean delivered level without queueing (the default market norm)."""
    if dim == "time":
        return (
            sum(stage.duration.mean for stage in tp.stages)
            + tp.failure.probability * tp.failure.delay
        )
    typical = getattr(tp.delivered, dim).mean
    if dim == "service":  # failures drop service (ignoring the floor at 1 point)
        typical -= tp.failure.probability * tp.failure.service_drop
    return typical


class Step:
    """One touchpoint compiled for :func:`~sim.engine.processes.journey`: samplers,
    resources, cells, routes."""

    __slots__ = (
        "branches",
        "cells",
        "failure_delay",
        "failure_probability",
        "following",
        "k",
        "only_after_failure",
        "opening",
        "overdelivers",
        "plan",
        "service_drop",
        "stages",
    )

    def __init__(
        self, k: int, tp, plan: JourneyPlan, resources: dict, overdelivers: bool, opening=None
    ) -> None:
        self.stages = []
        for stage in tp.stages:
            resource = resources.get(stage.resource)
            priority = isinstance(resource, simpy.PriorityResource)
            self.stages.append((stage.duration.sample, resource, stage.resource, priority))
        # per cell: its id, dimension, sampler and, for a constant, its level (no draw needed)
        self.cells = []
        for cell in plan.cells_of[k]:
            dim = plan.cells[cell][1]
            delivered = None if dim == "time" else getattr(tp.delivered, dim)
            sample = None if delivered is None else delivered.sample
            fixed = delivered.value if isinstance(delivered, Constant) else None
            self.cells.append((cell, dim, sample, fixed))
        self.failure_probability = tp.failure.probability
        self.failure_delay = tp.failure.delay
        self.service_drop = tp.failure.service_drop
        self.only_after_failure = tp.only_after_failure
        self.overdelivers = overdelivers  # the touchpoint where over-delivery happens
        self.k, self.plan = k, plan
        self.opening = opening  # its opening hours (sim.engine.calendar.Opening), None: always
        # one way out: the next touchpoint is known without a draw (else call next)
        self.branches = len(plan.routes[k]) > 1
        self.following = plan.routes[k][0][1]

    def next(self, draws: EpisodeDraws) -> int | None:
        """The touchpoint after this one (None: the journey ends); no draw if one way out."""
        routes = self.plan.routes[self.k]
        if len(routes) == 1:
            return routes[0][1]
        return self.plan.next_touchpoint(self.k, draws.route(self.k))
