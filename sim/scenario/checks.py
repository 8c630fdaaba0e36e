"""Cross-field checks: what no single field can tell (names that refer to other parts of
the scenario, journeys that could not run, a horizon that looks like a unit slip)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sim.policies import MatchCompetitor
from sim.scenario.calendar import _check_calendar
from sim.scenario.dimensions import DIMENSIONS
from sim.scenario.specs import _Context, suggest
from sim.units import format_duration

if TYPE_CHECKING:
    from sim.scenario.schema import Scenario, Touchpoint

#: Limits that keep each random draw's address unique (see sim.rng.SLOTS and sim.engine.draws).
MAX_TOUCHPOINTS = 256
MAX_STAGES = 12


_UNIT_NAMES = {"s": "seconds", "min": "minutes", "h": "hours", "d": "days"}


def _warn_short_horizon(raw: Any, scenario: Scenario) -> None:
    """Warn that a horizon under a day is probably a unit slip (``horizon = 120`` in a
    minutes file is a 2-hour run); it is allowed, for short experiments."""
    written, hint = repr(raw), ""
    if not isinstance(raw, str):  # a bare number, read in the file's time unit
        written += f" ({_UNIT_NAMES[scenario.time_unit]})"
        hint = f"; write '{raw} d' if you meant days"
    warnings.warn(
        f"horizon: {written} = {format_duration(scenario.horizon)} — shorter than one day{hint}",
        UserWarning,
        stacklevel=3,
    )


def _check_references(scenario: Scenario, data: Mapping[str, Any], ctx: _Context) -> None:
    """Cross-field checks: names that refer to other parts of the scenario, and journeys that
    could not run.

    Each check runs when its own inputs parsed (``ctx.ok``, ``ctx.whole``), so a file with a
    bad number and a misspelt name reports both; a check whose inputs failed is skipped, as
    it would report the same mistake again or suggest the wrong fix. Every check is linear
    in the size of the scenario.
    """
    if ctx.whole("touchpoints"):  # indices and names match the file
        _check_touchpoints(scenario, data, ctx)
        _check_journey(scenario.touchpoints, data, ctx)
        _check_overdelivery(scenario, ctx)
    if ctx.whole("resources"):
        _check_resources(scenario, data, ctx)
    if ctx.whole("touchpoints") and ctx.whole("resources"):
        _check_calendar(scenario, ctx)
    if scenario.segments and ctx.whole("segments"):
        total = sum(segment.share for segment in scenario.segments)
        if abs(total - 1.0) > 1e-9:
            ctx.fail("segments", f"shares summing to {total:g}", "segment shares must add up to 1")


def _check_resources(scenario: Scenario, data: Mapping[str, Any], ctx: _Context) -> None:
    """Every resource named by a stage or complaints exists, and every resource is used.

    Stage resources are read as written, so a stage dropped for a bad duration still has
    its resource checked and still counts as using it."""
    resources = [r.name for r in scenario.resources]
    known = set(resources)
    references, complete = _stage_resources(data)
    for path, name in references:
        if name and ctx.ok(path) and name not in known:
            ctx.fail(
                path,
                name,
                f"not a resource{suggest(name, resources)} (have: {_listing(resources)})",
            )
    complaints = scenario.complaints.resource
    if complaints and complaints not in known:
        ctx.fail(
            "complaints.resource",
            complaints,
            f"not a resource{suggest(complaints, resources)} (have: {_listing(resources)})",
        )
    # Which resources are used is known only when every reference parsed and is right.
    if complete and ctx.ok("complaints.resource", *(path for path, _ in references)):
        used = {name for _, name in references} | {complaints}
        for name in resources:
            if name not in used:
                ctx.fail(
                    f"resources.{name}", name, "is never used by a stage or complaints.resource"
                )


def _stage_resources(data: Mapping[str, Any]) -> tuple[list[tuple[str, Any]], bool]:
    """(path, value as written) of every stage's resource, and whether the file's shape
    showed them all (not so where a touchpoint or a stage is not a table)."""
    touchpoints = data["touchpoints"]
    complete, found = isinstance(touchpoints, list), []
    for i, tp in enumerate(touchpoints if complete else ()):
        stages = tp.get("stages", []) if isinstance(tp, Mapping) else None
        if not isinstance(stages, list):
            complete = False
            continue
        for j, stage in enumerate(stages):
            if not isinstance(stage, Mapping):
                complete = False
            elif "resource" in stage:
                found.append((f"touchpoints[{i}].stages[{j}].resource", stage["resource"]))
    return found, complete


def _check_touchpoints(scenario: Scenario, data: Mapping[str, Any], ctx: _Context) -> None:
    """Per touchpoint: reserved names, stage counts, dimensions, policies and routes."""
    touchpoints = scenario.touchpoints
    if not touchpoints:
        ctx.fail("touchpoints", [], "the journey needs at least one touchpoint")
    if len(touchpoints) > MAX_TOUCHPOINTS:
        ctx.fail(
            "touchpoints",
            f"{len(touchpoints)} touchpoints",
            f"at most {MAX_TOUCHPOINTS} are supported",
        )
    position = {tp.name: i for i, tp in enumerate(touchpoints)}
    for i, tp in enumerate(touchpoints):
        where = f"touchpoints[{i}]"
        if tp.name == "end":
            ctx.fail(
                f"{where}.name",
                tp.name,
                "reserved: a route to 'end' ends the journey; give the touchpoint another name",
            )
        stages_read = ctx.whole(f"{where}.stages")
        if stages_read and len(tp.stages) > MAX_STAGES:
            ctx.fail(
                f"{where}.stages",
                f"{len(tp.stages)} stages",
                f"at most {MAX_STAGES} per touchpoint; split it into several touchpoints",
            )
        if stages_read and ctx.ok(f"{where}.delivered"):
            _check_dimensions(tp, data["touchpoints"][i], where, ctx)
        for target, _ in tp.routes:
            if target != "end" and target not in position:
                ctx.fail(
                    f"{where}.routes.{target}",
                    target,
                    f"not a touchpoint{suggest(target, list(position))} (or 'end')",
                )
            elif target in position and position[target] <= i:
                ctx.fail(
                    f"{where}.routes.{target}",
                    target,
                    "routes must point forward in the journey (no loops)",
                )


def _check_dimensions(tp: Touchpoint, raw: Mapping[str, Any], where: str, ctx: _Context) -> None:
    """Promises, norms, rivals and weights only on dimensions the touchpoint delivers, and a
    rival to match wherever a promise matches the rival's."""
    present = tp.dimensions()
    for label in ("promise", "norm", "competitor", "weight"):
        for dim, _ in getattr(tp, label).items():
            if dim not in present:
                how = "add stages" if dim == "time" else f"add delivered.{dim}"
                ctx.fail(
                    f"{where}.{label}.{dim}",
                    raw[label][dim],  # as written, not converted
                    f"{tp.name!r} delivers no {dim}; {how} or remove it",
                )
    for dim, policy in tp.promise.items():
        unmatched = isinstance(policy, MatchCompetitor) and getattr(tp.competitor, dim) is None
        if unmatched and dim in present and ctx.ok(f"{where}.competitor"):
            ctx.fail(
                f"{where}.promise.{dim}",
                raw["promise"][dim],
                f"a 'match' promise copies the rival's: add competitor.{dim}"
                " or choose another policy",
            )
    if not present:
        ctx.fail(
            where, tp.name, "delivers nothing; give it stages (time) or delivered cost/service"
        )


def _check_journey(
    touchpoints: tuple[Touchpoint, ...], data: Mapping[str, Any], ctx: _Context
) -> None:
    """Journeys that cannot run as written.

    * The first touchpoint ``only_after_failure``: nothing can have failed yet, so no one
      visits it (and when every touchpoint is, no journey visits anything: a crash).
    * A touchpoint no route leads to: never visited, so what it delivers (a bill, a
      promise) silently never counts. Routes of probability 0 still lead somewhere, so a
      sweep may turn a branch off.
    * A journey that can visit only touchpoints of importance 0: its episode has no weight
      to average over (a crash). Importance 0 is fine where every journey also visits a
      touchpoint that counts (an order step that only routes to delivery zones).
    """
    n = len(touchpoints)
    inputs = ("name", "routes", "importance", "only_after_failure", "failure")
    if not n or not all(ctx.ok(f"touchpoints[{k}].{x}") for k in range(n) for x in inputs):
        return
    if touchpoints[0].only_after_failure:
        ctx.fail(
            "touchpoints[0].only_after_failure",
            True,
            "the journey starts here, before anything can fail, so no one would visit it; "
            "set it on a later touchpoint",
        )
        return
    position = {tp.name: k for k, tp in enumerate(touchpoints)}

    def following(k: int, taken: bool) -> list[int | None]:
        """Touchpoints after ``k`` (None: the end); ``taken``: only routes of probability > 0."""
        if not touchpoints[k].routes:
            return [k + 1 if k + 1 < n else None]
        return [position.get(t) for t, p in touchpoints[k].routes if p > 0 or not taken]

    reached = [k == 0 for k in range(n)]
    for k in range(n):
        if not reached[k]:
            ctx.fail(
                f"touchpoints[{k}]",
                touchpoints[k].name,
                "no route leads here, so no journey visits it; route to it or remove it",
            )
            continue
        for after in following(k, taken=False):
            if after is not None:
                reached[after] = True
    if not all(reached):
        return
    # Search the (touchpoint, failed yet) states a journey can pass through without
    # visiting a touchpoint of positive importance; reaching the end that way is the crash.
    start = (0, False)
    came_from: dict[tuple[int, bool], tuple[int, bool] | None] = {start: None}
    stack = [start]
    while stack:
        state = stack.pop()
        k, failed = state
        tp = touchpoints[k]
        skipped = tp.only_after_failure and not failed
        if not skipped and tp.importance > 0:
            continue
        p = 0.0 if skipped else tp.failure.probability
        outcomes = {failed} if p < 1 else set()
        if p > 0:
            outcomes.add(True)
        for after in following(k, taken=True):
            if after is None:
                _report_weightless(touchpoints, data, state, came_from, ctx)
                return
            for next_state in [(after, f) for f in outcomes]:
                if next_state not in came_from:
                    came_from[next_state] = state
                    stack.append(next_state)


def _report_weightless(
    touchpoints: tuple[Touchpoint, ...],
    data: Mapping[str, Any],
    state: tuple[int, bool] | None,
    came_from: dict[tuple[int, bool], tuple[int, bool] | None],
    ctx: _Context,
) -> None:
    """Report the journey ending at ``state`` that visits only touchpoints of importance 0."""
    path = []
    while state is not None:
        k, failed = state
        if failed or not touchpoints[k].only_after_failure:
            path.append(k)
        state = came_from[state]
    path.reverse()
    names = " → ".join([touchpoints[k].name for k in path] + ["end"])
    ctx.fail(
        f"touchpoints[{path[0]}].importance",
        data["touchpoints"][path[0]]["importance"],
        f"a journey can visit only touchpoints of importance 0 ({names}), leaving its "
        "episode no weight; give one of them importance > 0",
    )


def _check_overdelivery(scenario: Scenario, ctx: _Context) -> None:
    """Over-delivery at a touchpoint that exists, on dimensions it delivers."""
    od = scenario.overdelivery
    names = [tp.name for tp in scenario.touchpoints]
    if not od.touchpoint or not ctx.ok("overdelivery.touchpoint"):
        return
    if od.touchpoint not in set(names):
        ctx.fail(
            "overdelivery.touchpoint",
            od.touchpoint,
            f"not a touchpoint{suggest(od.touchpoint, names)} (have: {_listing(names)})",
        )
        return
    k = names.index(od.touchpoint)
    if not ctx.whole(f"touchpoints[{k}].stages") or not ctx.ok(f"touchpoints[{k}].delivered"):
        return
    delivered = scenario.touchpoints[k].dimensions()
    for dim in DIMENSIONS:
        share = getattr(od, dim).share
        if share > 0 and dim not in delivered and ctx.ok(f"overdelivery.{dim}"):
            ctx.fail(
                f"overdelivery.{dim}.share",
                share,
                f"{od.touchpoint!r} delivers no {dim}; exceed on a dimension it delivers",
            )


def _listing(names: list[str]) -> str:
    """``names`` for a message: all of a short list, the first ten of a long one.

    >>> _listing([f"r{i}" for i in range(60_000)])
    'r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, … (60000 in all)'
    """
    if not names:
        return "none"
    if len(names) <= 10:
        return ", ".join(names)
    return f"{', '.join(names[:10])}, … ({len(names)} in all)"
