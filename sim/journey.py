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

import math
from dataclasses import dataclass

import numpy as np

from sim.behaviour import KEPT_TOLERANCE
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


@dataclass(slots=True)
class EpisodeScore:
    """What an episode felt like. Lists are per visited cell, in visit order."""

    satisfaction: float  # on [−1, 1], before any recovery: tanh(utility / scale)
    utility: float  # combined touchpoint utility
    loss: float  # combined loss a perfect recovery could give back
    surprise: float  # combined felt gap beyond the zone of tolerance, jnd (what people talk about)
    felt_loss: float  # its negative part, jnd (a perfect recovery cancels it)
    promise: list[float]  # NaN where nothing was promised
    expected: list[float]
    gap: list[float]  # direction·(delivered − expected), dimension units, positive = better
    kept: list[float]  # how kept each promise feels, 0…1 (1 where no promise was made)
    on_time: list[bool]  # promise met to the letter (True where no promise was made)
    has_promise: list[bool]
    promises_kept: float  # sum of kept degrees over the promises made
    promises_broken: float  # promises made − promises_kept
    all_kept: float  # least kept degree over the promises made: "every promise kept" (1: none)
    worst_cell: int  # cell whose weighted loss hurt most, −1 if nothing hurt


def score_episode(
    plan: JourneyPlan,
    cells: list[int],
    touchpoint_position: list[int],
    visited: list[int],
    delivered: list[float],
    promise: list[float],
    prior,
    trust: float,
) -> EpisodeScore:
    """Run the behavioural chain over the cells visited in one episode.

    ``cells`` are cell ids in visit order, ``touchpoint_position`` the position (0, 1, ...)
    in ``visited`` (touchpoint indices) of the touchpoint each cell belongs to; ``delivered``
    and ``promise`` (NaN: none) are per visited cell; ``prior`` is the customer's full prior
    over all cells (indexable by cell id).

    The chain is that of :mod:`sim.behaviour` — :func:`~sim.behaviour.expectation`,
    :func:`~sim.behaviour.disconfirmation`, :func:`~sim.behaviour.value`,
    :func:`~sim.behaviour.quality`, :func:`~sim.behaviour.kept_degree`,
    :func:`~sim.behaviour.touchpoint_utility`, :func:`~sim.behaviour.episode_utility` —
    written out for the handful of plain floats one episode has: numpy's per-call overhead
    (about 1 µs) would cost more than the arithmetic. ``tests/test_engine.py`` checks this
    path against the vectorised functions on random episodes.

    >>> from sim import examples
    >>> plan = JourneyPlan(examples.load("pizza"))
    >>> nan = float("nan")
    >>> score = score_episode(plan, [3, 4], [0, 0], [2], [0.75, 4.0], [0.5, nan],
    ...                       plan.norm.tolist(), 0.75)
    >>> score.promises_broken, plan.cells[score.worst_cell]
    (1.0, (2, 'time'))
    """
    p = plan.perception
    tolerance, kappa, quality_weight = p.tolerance, p.kept_credit, p.quality_weight
    gain_slope, loss_aversion = p.gain_slope, p.loss_aversion
    gain_curvature, loss_curvature = p.gain_curvature, p.loss_curvature
    fade = p.kept_fade
    n = len(visited)
    perceived, lost, felt_sum, felt_lost = [0.0] * n, [0.0] * n, [0.0] * n, [0.0] * n
    promised, kept_at = [False] * n, [1.0] * n
    expected, gap, kept_list, on_time_list, has_list = [], [], [], [], []
    worst_cell, worst_hurt = -1, 0.0
    plain_cell, plain_hurt = -1, 0.0  # the same, ignoring importance (used if all are 0)
    constants = plan.cell_constants
    for i, cell in enumerate(cells):
        direction, jnd, norm, weight, importance = constants[cell]
        level, promised_level, position = delivered[i], promise[i], touchpoint_position[i]
        has = promised_level == promised_level  # not NaN
        e = trust * promised_level + (1.0 - trust) * prior[cell] if has else prior[cell]
        raw = direction * (level - e) / jnd
        excess = abs(raw) - tolerance
        felt = math.copysign(excess, raw) if excess > 0.0 else 0.0
        if felt > 0.0:
            felt_value = gain_slope * felt**gain_curvature
        elif felt < 0.0:
            felt_value = -(loss_aversion * (-felt) ** loss_curvature)
        else:
            felt_value = 0.0
        quality = direction * (level - norm) / jnd  # behaviour.quality_value, for one float
        if quality < 0.0:
            quality *= loss_aversion
        perceived[position] += weight * (quality_weight * quality + felt_value)
        felt_sum[position] += weight * felt
        if felt_value < 0.0:
            lost[position] += weight * -felt_value
            felt_lost[position] += weight * -felt
        if has:
            # behaviour.kept_degree and behaviour.promise_kept, for one float
            shortfall = direction * (promised_level - level)
            degree = min(max(1.0 - (shortfall / jnd - tolerance) / fade, 0.0), 1.0)
            on_time = shortfall <= KEPT_TOLERANCE
            promised[position] = True
            if degree < kept_at[position]:
                kept_at[position] = degree
        else:
            degree, on_time = 1.0, True
        if felt_value < 0.0 or degree < 1.0:  # what this cell cost the episode
            cost = weight * min(felt_value, 0.0) - kappa * (1.0 - degree)
            hurt = importance * cost
            if hurt < worst_hurt:
                worst_cell, worst_hurt = cell, hurt
            if cost < plain_hurt:
                plain_cell, plain_hurt = cell, cost
        expected.append(e)
        gap.append(direction * (level - e))
        kept_list.append(degree)
        on_time_list.append(on_time)
        has_list.append(has)
    utilities = [
        perceived[k] + kappa * kept_at[k] if promised[k] else perceived[k] for k in range(n)
    ]
    importance = plan.importance_list
    total_importance = loss = felt_loss = 0.0
    for k in range(n):
        weight = importance[visited[k]]
        total_importance += weight
        felt_loss += weight * felt_lost[k]
        loss += weight * (lost[k] + kappa * (1.0 - kept_at[k]) if promised[k] else lost[k])
    if total_importance == 0.0:
        # Every touchpoint visited has importance 0. Importances only weigh touchpoints
        # against each other, so they count equally: the limit of equal importances
        # shrinking to 0, where the weighted means below would be 0/0.
        importance = [1.0] * len(importance)
        total_importance = float(n)
        loss = felt_loss = 0.0
        for k in range(n):
            felt_loss += felt_lost[k]
            loss += lost[k] + kappa * (1.0 - kept_at[k]) if promised[k] else lost[k]
        worst_cell = plain_cell
    if p.episode == "mean":
        utility = surprise = 0.0
        for k in range(n):
            utility += importance[visited[k]] * utilities[k]
            surprise += importance[visited[k]] * felt_sum[k]
        utility /= total_importance
        surprise /= total_importance
    else:  # peak_end: mean of the most extreme touchpoint and the last one
        peak = max(utilities, key=abs)
        utility = 0.5 * (peak + utilities[-1])
        surprise = 0.5 * (max(felt_sum, key=abs) + felt_sum[-1])
    made = sum(has_list)
    kept_sum = sum(degree for has, degree in zip(has_list, kept_list, strict=True) if has)
    return EpisodeScore(
        satisfaction=math.tanh(utility / p.satisfaction_scale),
        utility=utility,
        loss=loss / total_importance,
        surprise=surprise,
        felt_loss=felt_loss / total_importance,
        promise=promise,
        expected=expected,
        gap=gap,
        kept=kept_list,
        on_time=on_time_list,
        has_promise=has_list,
        promises_kept=kept_sum,
        promises_broken=made - kept_sum,
        all_kept=min(kept_at),
        worst_cell=worst_cell,
    )
