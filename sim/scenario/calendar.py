"""The calendar of a scenario: demand that changes over the day and the week, staff shifts
and opening hours.

The clock starts on a Monday at 00:00: hour ``t`` of a run falls on weekday
``(t // 24) % 7`` (0 = Monday) at hour of day ``t % 24``. A demand profile is relative:
its weights are divided by their mean over the week, so ``market.prospects_per_day`` stays
the average day's demand. A resource with shifts works only in its shifts (and is paid only
for them); a touchpoint with opening hours takes new customers only while open.

>>> Calendar().flat, len(WEEKDAYS)
(True, 7)
>>> clock_minutes("17:30", "start", _Context("h")), weekdays("mon-fri", "days", _Context("h"))
(1050, (0, 1, 2, 3, 4))
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sim.scenario.specs import _Context, _Named, _Number, _Spec, _Text, param, suggest

if TYPE_CHECKING:
    from sim.scenario.schema import Scenario

#: Weekday names as written in a scenario, Monday first (the run starts on a Monday).
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: The same names as a reader sees them in tables and charts ("Mon" … "Sun").
WEEKDAY_NAMES = tuple(day.title() for day in WEEKDAYS)
#: Minutes in a day and in a week: shifts and opening hours are read to the minute.
DAY_MINUTES, WEEK_MINUTES = 24 * 60, 7 * 24 * 60
#: Largest weight of a demand profile (weights are relative: only their ratios matter).
MAX_WEIGHT = 1e6
#: Most days in a daily multiplier (a leap year): it repeats after its last day.
MAX_DAILY = 366

_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


def clock_minutes(value: Any, path: str, ctx: _Context, *, end: bool = False) -> int | None:
    """Minutes after midnight of a clock time "HH:MM" (00:00–23:59; an ``end`` may be
    24:00); None after reporting the problem.

    >>> ctx = _Context("h")
    >>> clock_minutes("25:00", "calendar.shifts[0].start", ctx), ctx.problems
    (None, ["calendar.shifts[0].start: '25:00' — must be a clock time from 00:00 to 23:59, like '17:30'"])
    """
    match = _CLOCK.match(value) if isinstance(value, str) else None
    minutes = int(match[1]) * 60 + int(match[2]) if match else -1
    good = (
        match and int(match[2]) < 60 and (minutes < DAY_MINUTES or (end and minutes == DAY_MINUTES))
    )
    if not good:
        last = "24:00" if end else "23:59"
        ctx.fail(path, value, f"must be a clock time from 00:00 to {last}, like '17:30'")
        return None
    return minutes


def weekdays(value: Any, path: str, ctx: _Context) -> tuple[int, ...] | None:
    """The weekdays (0 = Monday) of "mon-fri", "sat,sun", "every day"; None after reporting.

    >>> weekdays("fri-mon", "days", _Context("h")), weekdays("every day", "days", _Context("h"))
    ((4, 5, 6, 0), (0, 1, 2, 3, 4, 5, 6))
    """
    allowed = "must be weekdays like 'mon-fri', 'sat,sun' or 'every day'"
    if not isinstance(value, str) or not value.strip():
        ctx.fail(path, value, allowed)
        return None
    if value.strip().lower() in ("every day", "daily", "all"):
        return tuple(range(7))
    days: list[int] = []
    for part in value.lower().replace(" ", "").split(","):
        ends = part.split("-")
        unknown = [e for e in ends if e not in WEEKDAYS]
        if len(ends) > 2 or unknown:
            word = unknown[0] if unknown else part
            ctx.fail(path, value, f"{allowed}{suggest(word, WEEKDAYS)}")
            return None
        first, last = WEEKDAYS.index(ends[0]), WEEKDAYS.index(ends[-1])
        days.extend((first + i) % 7 for i in range((last - first) % 7 + 1))
    return tuple(dict.fromkeys(days))


class _Weights(_Spec):
    """A list of ``length`` relative weights (≥ 0, not all 0); ``length`` 0: any length up to
    :data:`MAX_DAILY`, for the daily multiplier."""

    def __init__(self, length: int, what: str, *, may_be_zero: bool = False) -> None:
        self.length, self.what, self.may_be_zero = length, what, may_be_zero
        count = f"{length} numbers" if length else f"1 to {MAX_DAILY} numbers"
        self.allowed = f"must be a list of {count} ({what}), each ≥ 0 and not all 0 ([] for none)"

    def parse(self, value, path, ctx):
        if value == []:  # written empty: no profile, as when left out
            return ()
        if not isinstance(value, list):
            ctx.fail(path, value, self.allowed)
            return None
        if self.length and len(value) != self.length:
            ctx.fail(path, f"{len(value)} numbers", f"{self.allowed}; got the wrong length")
            return None
        if not self.length and len(value) > MAX_DAILY:
            ctx.fail(path, f"{len(value)} numbers", self.allowed)
            return None
        number = _Number(0.0, MAX_WEIGHT)
        weights = [number.parse(v, f"{path}[{i}]", ctx) for i, v in enumerate(value)]
        if any(w is None for w in weights):
            return None
        if not any(weights) and not self.may_be_zero:
            ctx.fail(path, "all 0", f"{self.allowed}: demand would never come")
            return None
        return tuple(weights)


class _Week(_Spec):
    """A 7 × 24 table of weights: one row per weekday (Monday first), one column per hour."""

    allowed = "must be 7 rows (Monday first) of 24 hourly weights, each ≥ 0 and not all 0"

    def parse(self, value, path, ctx):
        if value == []:  # written empty: no profile
            return ()
        if not isinstance(value, list) or len(value) != 7:
            rows = f"{len(value)} rows" if isinstance(value, list) else value
            ctx.fail(path, rows, self.allowed)
            return None
        row = _Weights(24, "hours 0–23", may_be_zero=True)  # a closed day is allowed
        rows = [row.parse(raw, f"{path}[{i}]", ctx) for i, raw in enumerate(value)]
        if any(r is None for r in rows):
            return None
        if not any(any(r) for r in rows):
            ctx.fail(path, "all 0", f"{self.allowed}: demand would never come")
            return None
        return tuple(rows)


class _Clock(_Spec):
    def __init__(self, end: bool = False) -> None:
        self.end = end
        self.allowed = "a clock time like '17:30'"

    def parse(self, value, path, ctx):
        minutes = clock_minutes(value, path, ctx, end=self.end)
        return None if minutes is None else value.strip()


class _Weekdays(_Spec):
    allowed = "weekdays like 'mon-fri'"

    def parse(self, value, path, ctx):
        days = weekdays(value, path, ctx)
        return None if days is None else value


@dataclass(frozen=True, kw_only=True)
class Shift:
    """Servers at work from ``start`` to ``end`` on ``days`` (an ``end`` before the ``start``
    runs past midnight into the next day)."""

    resource: str = param(spec=_Text(), doc="the resource staffed (a name in resources)")
    days: str = param("every day", _Weekdays(), "weekdays, like 'mon-fri' or 'sat,sun'")
    start: str = param(spec=_Clock(), doc="clock time the shift starts, 'HH:MM'")
    end: str = param(spec=_Clock(end=True), doc="clock time the shift ends, 'HH:MM' (24:00 ok)")
    capacity: int | None = param(
        None,
        _Number(0, integer=True),
        "servers working in the shift (none: the resource's capacity, so that "
        "resources.NAME.capacity sets this shift's crew)",
    )


@dataclass(frozen=True, kw_only=True)
class Opening:
    """Hours when a touchpoint takes new customers."""

    touchpoint: str = param(spec=_Text(), doc="the touchpoint (a name in touchpoints)")
    days: str = param("every day", _Weekdays(), "weekdays, like 'mon-fri' or 'sat,sun'")
    start: str = param(spec=_Clock(), doc="opening time, 'HH:MM'")
    end: str = param(spec=_Clock(end=True), doc="closing time, 'HH:MM' (24:00 ok)")


@dataclass(frozen=True, kw_only=True)
class Calendar:
    """Demand by hour and weekday, staff shifts and opening hours (none: every hour alike)."""

    hours: tuple[float, ...] = param(
        (), _Weights(24, "hours 0–23"), "relative demand by hour of day, 24 weights (none: flat)"
    )
    days: tuple[float, ...] = param(
        (), _Weights(7, "Monday to Sunday"), "relative demand by weekday, 7 weights (none: flat)"
    )
    week: tuple[tuple[float, ...], ...] = param(
        (),
        _Week(),
        "relative demand by weekday and hour, 7 rows of 24 (instead of hours and days)",
    )
    daily: tuple[float, ...] = param(
        (),
        _Weights(0, "one per day of the run, repeated"),
        "demand multiplier by day of the run (paydays, seasons), repeated after its last day",
    )
    shifts: tuple[Shift, ...] = param(
        (),
        _Named(Shift),
        "servers at work by weekday and hour; a resource with shifts "
        "works (and is paid) only in them",
    )
    opening: tuple[Opening, ...] = param(
        (), _Named(Opening), "opening hours of touchpoints (none: always open)"
    )
    when_closed: str = param(
        "wait",
        _Text(("wait", "lost")),
        "a customer arriving at a closed touchpoint waits for it to open, or is lost to the rival",
    )

    @property
    def flat(self) -> bool:
        """Whether demand is the same every hour of every day (no profile, or equal weights:
        then the run is exactly the run without a calendar).

        >>> Calendar(hours=(2.0,) * 24).flat, Calendar(days=(1, 1, 1, 1, 1, 2, 2)).flat
        (True, False)
        """
        rows = (self.hours, self.days, self.daily, tuple(w for row in self.week for w in row))
        return all(len(set(row)) <= 1 for row in rows)


def week_minutes(days: tuple[int, ...], start: int, end: int) -> list[tuple[int, int]]:
    """Intervals of the week in minutes [from, to) covered by ``start``–``end`` on ``days``;
    an end at or before the start runs past midnight (wrapping round to Monday).

    >>> week_minutes((6,), 22 * 60, 2 * 60)
    [(9960, 10080), (0, 120)]
    """
    spans = []
    length = (end - start) % DAY_MINUTES or DAY_MINUTES
    for day in days:
        begin = day * DAY_MINUTES + start
        stop = begin + length
        if stop <= WEEK_MINUTES:
            spans.append((begin, stop))
        else:
            spans.extend([(begin, WEEK_MINUTES), (0, stop - WEEK_MINUTES)])
    return spans


def _when(minute: int) -> str:
    """'Mon 14:00' for a minute of the week."""
    day, rest = divmod(minute, DAY_MINUTES)
    return f"{WEEKDAYS[day].capitalize()} {rest // 60:02d}:{rest % 60:02d}"


def _spans(items, ctx: _Context, path: str) -> list[tuple[int, list[tuple[int, int]]]]:
    """(index, week intervals) of each shift or opening whose times and days parsed."""
    out = []
    for i, item in enumerate(items):
        days = weekdays(item.days, f"{path}[{i}].days", ctx)
        start = clock_minutes(item.start, f"{path}[{i}].start", ctx)
        end = clock_minutes(item.end, f"{path}[{i}].end", ctx, end=True)
        if days is not None and start is not None and end is not None:
            out.append((i, week_minutes(days, start, end)))
    return out


def open_minutes(scenario: Scenario) -> dict[str, list[bool]]:
    """Per touchpoint with opening hours: whether it is open, minute by minute of the week.

    >>> from sim import examples
    >>> website = open_minutes(examples.load("pizza"))["website"]
    >>> website[10 * 60], website[11 * 60], sum(website) // 60  # Monday 10:00, 11:00; hours
    (False, True, 77)
    """
    grids: dict[str, list[bool]] = {}
    ctx = _Context("h")
    for i, spans in _spans(scenario.calendar.opening, ctx, "calendar.opening"):
        grid = grids.setdefault(scenario.calendar.opening[i].touchpoint, [False] * WEEK_MINUTES)
        for begin, stop in spans:
            grid[begin:stop] = [True] * (stop - begin)
    return grids


def staffed_minutes(scenario: Scenario) -> dict[str, list[int]]:
    """Per resource with shifts: servers at work, minute by minute of the week (-1 where no
    shift covers; overlaps are refused when the scenario loads); a shift without a capacity
    staffs the resource's ``capacity``.

    >>> from sim import examples
    >>> drivers = staffed_minutes(examples.load("pizza"))["driver"]
    >>> drivers[12 * 60], drivers[19 * 60], drivers[3 * 60]  # Monday 12:00, 19:00, 03:00
    (8, 11, -1)
    """
    grids: dict[str, list[int]] = {}
    ctx = _Context("h")
    capacity = {r.name: r.capacity for r in scenario.resources}
    for i, spans in _spans(scenario.calendar.shifts, ctx, "calendar.shifts"):
        shift = scenario.calendar.shifts[i]
        grid = grids.setdefault(shift.resource, [-1] * WEEK_MINUTES)
        servers = capacity[shift.resource] if shift.capacity is None else shift.capacity
        for begin, stop in spans:
            grid[begin:stop] = [servers] * (stop - begin)
    return grids


def _check_calendar(scenario: Scenario, ctx: _Context) -> None:
    """Shifts name known resources, do not overlap, and cover every minute a touchpoint using
    the resource is open, with at least one server; opening hours name known touchpoints."""
    calendar = scenario.calendar
    if not ctx.ok("calendar"):
        return
    if calendar.week and (calendar.hours or calendar.days):
        ctx.fail("calendar.week", "with hours or days", "give either week or hours/days, not both")
    resources = [r.name for r in scenario.resources]
    touchpoints = [tp.name for tp in scenario.touchpoints]
    for i, shift in enumerate(calendar.shifts):
        if shift.resource not in resources:
            ctx.fail(
                f"calendar.shifts[{i}].resource",
                shift.resource,
                f"not a resource{suggest(shift.resource, resources)} (have: "
                f"{', '.join(resources) or 'none'}); a schedule needs a resource to staff",
            )
    for i, opening in enumerate(calendar.opening):
        if opening.touchpoint not in touchpoints:
            ctx.fail(
                f"calendar.opening[{i}].touchpoint",
                opening.touchpoint,
                f"not a touchpoint{suggest(opening.touchpoint, touchpoints)}",
            )
    if not ctx.ok("calendar"):
        return
    # overlapping shifts of one resource
    owner: dict[str, list[int]] = {}
    for i, spans in _spans(calendar.shifts, ctx, "calendar.shifts"):
        name = calendar.shifts[i].resource
        grid = owner.setdefault(name, [-1] * WEEK_MINUTES)
        for begin, stop in spans:
            clash = next((m for m in range(begin, stop) if grid[m] >= 0), None)
            if clash is not None:
                ctx.fail(
                    f"calendar.shifts[{i}]",
                    f"{name} {calendar.shifts[i].days} {calendar.shifts[i].start}–"
                    f"{calendar.shifts[i].end}",
                    f"overlaps shift [{grid[clash]}] at {_when(clash)}; a resource's shifts "
                    "must not overlap (put the servers of both in one shift)",
                )
                break
            grid[begin:stop] = [i] * (stop - begin)
    if not ctx.ok("calendar"):
        return
    staffed = staffed_minutes(scenario)
    opened = open_minutes(scenario)
    for name, servers in staffed.items():
        users = [
            tp.name for tp in scenario.touchpoints if any(s.resource == name for s in tp.stages)
        ]
        for tp in users:
            is_open = opened.get(tp)
            gap = next(
                (
                    m
                    for m in range(WEEK_MINUTES)
                    if servers[m] <= 0 and (is_open is None or is_open[m])
                ),
                None,
            )
            if gap is None:
                continue
            problem = "gapped shifts: no shift covers it" if servers[gap] < 0 else "capacity 0"
            hours = "always open (no opening hours)" if is_open is None else "open"
            ctx.fail(
                "calendar.shifts",
                f"{name} at {_when(gap)}",
                f"{problem} while touchpoint {tp} is {hours}; add a shift with at least 1 "
                f"server there, or set calendar.opening for {tp}",
            )
            break
