"""The journey compiled for the engine, and the scoring of one episode (no SimPy here).

A scenario's touchpoints × delivered dimensions become **cells** with fixed positions, so a
customer's priors, an episode's deliveries and the metrics are flat arrays indexed by cell.
:func:`score_episode` runs the behavioural chain of :mod:`sim.behaviour` over the cells an
episode visited.

>>> from sim import examples
>>> plan = JourneyPlan(examples.load("pizza"))
>>> [f"{plan.touchpoint_names[t]}.{d}" for t, d in plan.cells]
['website.time', 'website.service', 'order.cost', 'delivery.time', 'delivery.service']
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim import behaviour
from sim.scenario import DIRECTION, Scenario, Touchpoint


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
        self.is_cost = np.array([d == "cost" for _, d in self.cells], dtype=bool)
        self.is_time = np.array([d == "time" for _, d in self.cells], dtype=bool)
        self.jnd = np.array(jnd, dtype=float)
        self.norm = np.array(norm, dtype=float)
        self.weight = np.array(weight, dtype=float)
        self.competitor = np.array(competitor, dtype=float)
        self.importance = np.array([tp.importance for tp in scenario.touchpoints], dtype=float)
        self.routes = [self._routes(k, tp) for k, tp in enumerate(scenario.touchpoints)]

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


@dataclass(frozen=True, slots=True)
class EpisodeScore:
    """What an episode felt like. Arrays are per visited cell, in visit order."""

    satisfaction: float  # on [−1, 1], before any recovery: tanh(utility / scale)
    utility: float  # combined touchpoint utility
    loss: float  # combined loss a perfect recovery could give back
    promise: np.ndarray  # NaN where nothing was promised
    expected: np.ndarray
    gap: np.ndarray  # direction·(delivered − expected), dimension units, positive = better
    kept: np.ndarray  # promise kept (True where no promise was made)
    has_promise: np.ndarray
    promises_kept: int
    promises_broken: int
    worst_cell: int  # cell whose weighted loss hurt most, −1 if nothing hurt


def score_episode(
    plan: JourneyPlan,
    cells: np.ndarray,
    touchpoint_position: np.ndarray,
    visited: list[int],
    delivered: np.ndarray,
    promise: np.ndarray,
    prior: np.ndarray,
    trust: float,
) -> EpisodeScore:
    """Run the behavioural chain over the cells visited in one episode.

    ``cells`` are cell ids in visit order, ``touchpoint_position`` the position (0, 1, ...)
    in ``visited`` (touchpoint indices) of the touchpoint each cell belongs to; ``delivered``
    and ``promise`` (NaN: none) are per visited cell; ``prior`` is the customer's full prior
    array over all cells.
    """
    p = plan.scenario.perception
    direction = plan.direction[cells]
    jnd = plan.jnd[cells]
    weight = plan.weight[cells]
    expected = behaviour.expectation(promise, prior[cells], trust)
    felt = behaviour.disconfirmation(delivered, expected, direction, jnd, p.tolerance)
    felt_value = behaviour.value(
        felt, p.gain_slope, p.loss_aversion, p.gain_curvature, p.loss_curvature
    )
    quality_gap = behaviour.quality(delivered, plan.norm[cells], direction, jnd)
    has_promise = ~np.isnan(promise)
    kept = behaviour.promise_kept(delivered, promise, direction)
    utilities, losses = behaviour.touchpoint_utility(
        weight,
        quality_gap,
        felt_value,
        kept,
        has_promise,
        touchpoint_position,
        len(visited),
        p.quality_weight,
        p.kept_credit,
    )
    importance = plan.importance[visited]
    utility = float(behaviour.episode_utility(utilities, importance, p.episode))
    loss = float(importance @ losses) / float(importance.sum())
    # what each cell cost: its felt loss, plus the kept-promise credit lost where its promise
    # broke (a broken promise inside the zone of tolerance still forfeits the credit)
    broken = has_promise & ~kept
    hurt = importance[touchpoint_position] * (
        weight * np.minimum(felt_value, 0.0) - p.kept_credit * broken
    )
    worst_position = int(hurt.argmin())
    promises_made = int(has_promise.sum())
    promises_kept = int((kept & has_promise).sum())
    return EpisodeScore(
        satisfaction=float(behaviour.utility_to_satisfaction(utility, p.satisfaction_scale)),
        utility=utility,
        loss=loss,
        promise=promise,
        expected=expected,
        gap=direction * (delivered - expected),
        kept=kept,
        has_promise=has_promise,
        promises_kept=promises_kept,
        promises_broken=promises_made - promises_kept,
        worst_cell=int(cells[worst_position]) if hurt[worst_position] < 0 else -1,
    )
