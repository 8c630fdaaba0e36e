"""Scoring one episode: the behavioural chain of :mod:`sim.behaviour` over the cells it
visited, plus what happened after delivery (no SimPy here).

:func:`score_episode` runs the chain over plain per-cell lists; :func:`score_visit` scores a
journey's :class:`Visit` against the promises quoted when it started.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from sim import behaviour
from sim.behaviour import KEPT_TOLERANCE
from sim.engine.plan import JourneyPlan

if TYPE_CHECKING:  # pragma: no cover
    from sim.engine.aftercare import Aftermath


class Visit:
    """What one journey delivered, cell by cell, and what over-delivering it cost."""

    __slots__ = ("bill", "cells", "cost", "delivered", "positions", "visited", "waited")

    def __init__(self) -> None:
        self.visited: list[int] = []  # touchpoints, in order
        self.cells: list[int] = []
        self.positions: list[int] = []  # position in `visited` of each cell's touchpoint
        self.delivered: list[float] = []
        self.waited: list[float] = []  # queueing part of delivered time (time cells)
        self.cost = 0.0  # expedite and upgrade costs
        self.bill = 0.0  # the delivered cost levels, added up in visit order

    def add(self, cell: int, position: int, level: float, waited: float) -> None:
        self.cells.append(cell)
        self.positions.append(position)
        self.delivered.append(level)
        self.waited.append(waited)


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
    :func:`~sim.behaviour.quality`, :func:`~sim.behaviour.credited_quality`,
    :func:`~sim.behaviour.kept_degree`,
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
    n, m = len(visited), len(cells)
    perceived, lost, felt_sum, felt_lost = [0.0] * n, [0.0] * n, [0.0] * n, [0.0] * n
    promised, kept_at = [False] * n, [1.0] * n
    # per visited cell, filled by index (cheaper than appending, on the per-episode path)
    expected, gap, kept_list = [0.0] * m, [0.0] * m, [1.0] * m
    on_time_list, has_list = [True] * m, [False] * m
    kept_made = []  # kept degrees of the promises made, in visit order
    worst_cell, worst_hurt = -1, 0.0
    plain_cell, plain_hurt = -1, 0.0  # the same, ignoring importance (used if all are 0)
    constants, copysign = plan.cell_constants, math.copysign
    for i, cell in enumerate(cells):
        direction, jnd, norm, weight, importance = constants[cell]
        level, promised_level, position = delivered[i], promise[i], touchpoint_position[i]
        has = promised_level == promised_level  # not NaN
        e = prior[cell]
        if has:
            e = trust * promised_level + (1.0 - trust) * e
        signed_gap = direction * (level - e)
        raw = signed_gap / jnd
        excess = abs(raw) - tolerance
        felt = copysign(excess, raw) if excess > 0.0 else 0.0
        if felt > 0.0:
            felt_value = gain_slope * felt**gain_curvature
        elif felt < 0.0:
            felt_value = -(loss_aversion * (-felt) ** loss_curvature)
        else:
            felt_value = 0.0
        quality = direction * (level - norm) / jnd  # behaviour.quality_value, for one float
        if quality < 0.0:
            quality *= loss_aversion
        elif has:  # behaviour.credited_quality: no credit beyond the promised level
            promised_quality = direction * (promised_level - norm) / jnd
            if quality > promised_quality:
                quality = 0.0 if promised_quality < 0.0 else promised_quality  # max(…, 0)
        perceived[position] += weight * (quality_weight * quality + felt_value)
        felt_sum[position] += weight * felt
        if felt_value < 0.0:
            lost[position] += weight * -felt_value
            felt_lost[position] += weight * -felt
        if has:
            # behaviour.kept_degree and behaviour.promise_kept, for one float: the degree
            # is clipped to 0…1 (NaN stays NaN, as with min/max)
            shortfall = direction * (promised_level - level)
            degree = 1.0 - (shortfall / jnd - tolerance) / fade
            if degree < 0.0:
                degree = 0.0
            elif degree > 1.0:
                degree = 1.0
            on_time_list[i] = shortfall <= KEPT_TOLERANCE
            has_list[i] = promised[position] = True
            kept_list[i] = degree
            kept_made.append(degree)
            if degree < kept_at[position]:
                kept_at[position] = degree
        else:
            degree = 1.0
        if felt_value < 0.0 or degree < 1.0:  # what this cell cost the episode
            cost = weight * (0.0 if felt_value > 0.0 else felt_value) - kappa * (1.0 - degree)
            hurt = importance * cost
            if hurt < worst_hurt:
                worst_cell, worst_hurt = cell, hurt
            if cost < plain_hurt:
                plain_cell, plain_hurt = cell, cost
        expected[i] = e
        gap[i] = signed_gap
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
    made = len(kept_made)
    kept_sum = sum(kept_made)
    # positional, in field order: keywords would cost more than the rest of this return
    return EpisodeScore(
        math.tanh(utility / p.satisfaction_scale),  # satisfaction
        utility,
        loss / total_importance,  # loss
        surprise,
        felt_loss / total_importance,  # felt_loss
        promise,
        expected,
        gap,
        kept_list,  # kept
        on_time_list,  # on_time
        has_list,  # has_promise
        kept_sum,  # promises_kept
        made - kept_sum,  # promises_broken
        min(kept_at),  # all_kept
        worst_cell,
    )


def score_visit(
    plan: JourneyPlan, visit: Visit, promised: list[float], prior, trust: float
) -> EpisodeScore:
    """Score a :class:`Visit` against ``promised`` (per cell of the plan, NaN: none), for a
    customer with ``prior`` (per cell) whose expectations weigh the promise by ``trust``.

    >>> from sim import examples
    >>> plan = JourneyPlan(examples.load("pizza"))
    >>> visit = Visit()
    >>> visit.visited.append(2)
    >>> visit.add(3, 0, 0.75, 0.0)
    >>> visit.add(4, 0, 4.0, 0.0)
    >>> nan = float("nan")
    >>> score = score_visit(plan, visit, [nan, nan, nan, 0.5, nan], plan.norm.tolist(), 0.75)
    >>> score.promises_broken, plan.cells[score.worst_cell]
    (1.0, (2, 'time'))
    """
    return score_episode(
        plan,
        visit.cells,
        visit.positions,
        visit.visited,
        visit.delivered,
        [promised[cell] for cell in visit.cells],
        prior,
        trust,
    )


def with_aftermath(score: EpisodeScore, after: Aftermath, scale: float) -> EpisodeScore:
    """The episode's score including bonus, thanks, annoyance and a refused return
    (``scale``: ``perception.satisfaction_scale``).

    >>> from sim.engine.aftercare import NOTHING, Aftermath
    >>> score = EpisodeScore(0.0, 0.0, 0.0, 0.0, 0.0, [], [], [], [], [], [], 0.0, 0.0, 1.0, -1)
    >>> with_aftermath(score, NOTHING, 2.5) is score
    True
    >>> round(with_aftermath(score, Aftermath(-1.0, 1.0, False, 0.0), 2.5).satisfaction, 3)
    -0.38
    """
    if after.utility == 0.0:
        return score
    utility = score.utility + after.utility
    return replace(
        score,
        utility=utility,
        loss=score.loss + after.loss,
        surprise=score.surprise + after.utility,  # a bonus, a thank-you, an annoyance
        felt_loss=score.felt_loss + after.loss,
        satisfaction=float(behaviour.utility_to_satisfaction(utility, scale)),
    )


def felt_surprise(score: EpisodeScore, scale: float, recovered: float = 0.0) -> float:
    """Felt surprise on −1…1 after a recovery that gave back ``recovered`` (0…1) of the
    felt loss: a complaint handled well takes the sting out of the story.

    >>> score = EpisodeScore(0.0, 0.0, 0.0, -2.0, 2.0, [], [], [], [], [], [], 0.0, 0.0, 1.0, -1)
    >>> round(felt_surprise(score, 2.5), 3), felt_surprise(score, 2.5, recovered=1.0)
    (-0.664, 0.0)
    """
    return float(
        behaviour.utility_to_satisfaction(score.surprise + recovered * score.felt_loss, scale)
    )
