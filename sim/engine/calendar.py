"""The clock of a run: demand that rises and falls, shifts that change capacity, touchpoints
that open and close (the scenario's ``calendar``; :mod:`sim.scenario.calendar`).

Demand is a non-homogeneous Poisson process drawn by **inversion** (Çinlar 1975): with the
relative intensity w(t) (mean 1 over its period) and Λ(t) = ∫₀ᵗ w, the event that a
homogeneous stream would place ``x`` average hours after ``t`` is placed at
Λ⁻¹(Λ(t) + x). Every gap still comes from the same uniform, so a changed profile moves
*when* each customer comes but never *who* they are (common random numbers). A flat
profile is no :class:`Rhythm` at all: the engine then runs exactly as without a calendar.

The clock starts on a Monday at 00:00.

>>> rhythm = Rhythm([0.0] * 12 + [2.0] * 12)  # the afternoon only: twice the average
>>> rhythm.advance(0.0, 1.0)  # one average hour of demand takes half an afternoon hour
12.5
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right

import simpy

from sim.engine.servers import PriorityServers, Servers
from sim.scenario.calendar import WEEK_MINUTES, open_minutes, staffed_minutes

#: Hours in a week: time slots are the hours of the week, Monday 00:00–01:00 first.
WEEK_HOURS = 168


def slot(t: float) -> int:
    """The hour of the week (0 = Monday 00:00–01:00, 167 = Sunday 23:00–24:00) of time ``t``.

    >>> slot(24.0 * 7 + 17.5), slot(24.0 * 5 + 9)
    (17, 129)
    """
    return int(t % WEEK_HOURS)


class Rhythm:
    """Relative demand hour by hour over a period of whole hours (mean 1), and the time that
    a given amount of average demand takes from any moment.

    >>> Rhythm([1.0, 3.0]).weights
    [0.5, 1.5]
    """

    __slots__ = ("cumulative", "period", "total", "weights")

    def __init__(self, weights: list[float]) -> None:
        mean = math.fsum(weights) / len(weights)
        self.weights = [w / mean for w in weights]
        self.cumulative = [0.0]
        for w in self.weights:
            self.cumulative.append(self.cumulative[-1] + w)
        self.period = len(weights)
        self.total = self.cumulative[-1]

    @classmethod
    def of(cls, calendar) -> Rhythm | None:
        """The rhythm of a scenario's ``calendar`` (None when demand is flat): the week's
        hourly weights (``week``, or ``hours`` × ``days``) × the ``daily`` multiplier,
        repeating after the least common multiple of a week and the daily list.

        >>> from sim import examples
        >>> pizza = Rhythm.of(examples.load("pizza").calendar)
        >>> pizza.period, round(pizza.intensity(24 * 5 + 19.5), 2)  # a week; Saturday 19:00
        (168, 3.87)
        """
        if calendar.flat:
            return None
        if calendar.week:
            week = [w for row in calendar.week for w in row]
        else:
            hours = calendar.hours or (1.0,) * 24
            days = calendar.days or (1.0,) * 7
            week = [d * h for d in days for h in hours]
        daily = calendar.daily or (1.0,)
        mean_daily = math.fsum(daily) / len(daily)
        days_in_period = math.lcm(7, len(daily))
        return cls(
            [
                week[h % WEEK_HOURS] * daily[(h // 24) % len(daily)] / mean_daily
                for h in range(days_in_period * 24)
            ]
        )

    def advance(self, t: float, amount: float) -> float:
        """The time T ≥ ``t`` at which ∫ₜᵀ w = ``amount`` (average hours of demand).

        >>> Rhythm([1.0, 0.0, 2.0]).advance(0.5, 1.0)  # skips the hour without demand
        2.25
        """
        if amount <= 0.0:
            return t
        cycles, x = divmod(t, self.period)
        hour = int(x)
        target = self.cumulative[hour] + self.weights[hour] * (x - hour) + amount
        more, rest = divmod(target, self.total)
        if rest <= 0.0:  # exactly at a cycle's end: the last hour with demand ends it
            more, rest = more - 1, self.total
        # the first hour from now (this cycle) or from the cycle's start (a later one) whose
        # end reaches the target
        j = bisect_left(self.cumulative, rest, (hour if more == 0 else 0) + 1) - 1
        weight = self.weights[j]
        inside = (rest - self.cumulative[j]) / weight if weight > 0.0 else 0.0
        return max(t, (cycles + more) * self.period + j + inside)  # never before now

    def intensity(self, t: float) -> float:
        """Demand at ``t`` relative to the average (piecewise constant by the hour)."""
        return self.weights[int(t % self.period)]


class ShiftResource(Servers):
    """:class:`~sim.engine.servers.Servers` whose servers change with the shifts. A drop lets every service
    in progress finish (nobody is dropped); new services start only below the new capacity.

    >>> env = simpy.Environment()
    >>> desk = ShiftResource(env, 0)
    >>> desk.capacity
    0
    """

    def __init__(self, env: simpy.Environment, capacity: int) -> None:
        super().__init__(env, max(capacity, 1))
        self._capacity = capacity

    def staff(self, servers: int) -> None:
        """Set the servers at work now; waiting customers start while servers are free."""
        self._capacity = servers
        while self.put_queue and len(self.users) < servers:
            self._trigger_put(None)


class ShiftPriorityResource(PriorityServers, ShiftResource):
    """A :class:`ShiftResource` whose queue is ordered by priority (an expedited lane)."""

    def __init__(self, env: simpy.Environment, capacity: int) -> None:
        ShiftResource.__init__(self, env, capacity)


class Shifts:
    """A resource's servers through the week: ``changes`` = (hour of week, servers) at each
    change, starting at hour 0.

    >>> shifts = Shifts([0] * (9 * 60) + [3] * (8 * 60) + [0] * (WEEK_MINUTES - 17 * 60))
    >>> shifts.changes[:3], shifts.server_hours(48.0)  # 3 servers 09:00–17:00 on Monday
    ([(0.0, 0), (9.0, 3), (17.0, 0)], 24.0)
    """

    __slots__ = ("changes", "hourly", "starts")

    def __init__(self, minutes: list[int]) -> None:
        self.changes: list[tuple[float, int]] = []
        for m, servers in enumerate(minutes):
            servers = max(servers, 0)
            if not self.changes or servers != self.changes[-1][1]:
                self.changes.append((m / 60.0, servers))
        self.starts = [at for at, _ in self.changes]
        #: mean servers at work in each hour of the week
        self.hourly = [
            sum(max(s, 0) for s in minutes[h * 60 : h * 60 + 60]) / 60.0 for h in range(WEEK_HOURS)
        ]

    @property
    def first(self) -> int:
        return self.changes[0][1]

    def server_hours(self, horizon: float) -> float:
        """Server-hours staffed from 0 to ``horizon`` (what the resource is paid for)."""
        total, weeks = 0.0, 0
        ends = [*self.starts[1:], WEEK_HOURS]
        while weeks * WEEK_HOURS < horizon:
            base = weeks * WEEK_HOURS
            for (at, servers), end in zip(self.changes, ends, strict=True):
                total += servers * max(0.0, min(base + end, horizon) - (base + at))
            weeks += 1
        return total

    def servers_at(self, t: float) -> int:
        """Servers at work at time ``t``.

        >>> Shifts([0] * 60 + [2] * (WEEK_MINUTES - 60)).servers_at(168.0 + 0.5)
        0
        """
        return self.changes[bisect_right(self.starts, t % WEEK_HOURS) - 1][1]

    def run(self, env: simpy.Environment, resource: ShiftResource):
        """The SimPy process that staffs ``resource`` shift by shift, week after week."""
        week = 0
        while True:
            for at, servers in self.changes:
                start = week * WEEK_HOURS + at
                if start > env.now:
                    yield env.timeout(start - env.now)
                resource.staff(servers)
            week += 1


class Opening:
    """When a touchpoint takes new customers: open spans (hours of the week).

    >>> hours = Opening([9 <= (m // 60) % 24 < 17 for m in range(WEEK_MINUTES)])
    >>> hours.wait(8.5), hours.wait(10.0), hours.wait(20.0)
    (0.5, 0.0, 13.0)
    """

    __slots__ = ("opens", "spans")

    def __init__(self, minutes: list[bool]) -> None:
        self.spans: list[tuple[float, float]] = []
        m = 0
        while m < WEEK_MINUTES:
            if minutes[m]:
                end = m
                while end < WEEK_MINUTES and minutes[end]:
                    end += 1
                self.spans.append((m / 60.0, end / 60.0))
                m = end
            else:
                m += 1
        self.opens = [start for start, _ in self.spans]

    def wait(self, t: float) -> float:
        """Hours from ``t`` until the touchpoint is open (0 when it is open)."""
        x = t % WEEK_HOURS
        i = bisect_right(self.opens, x) - 1
        if i >= 0 and x < self.spans[i][1]:
            return 0.0
        following = self.opens[i + 1] if i + 1 < len(self.opens) else self.opens[0] + WEEK_HOURS
        return following - x


def shifts_of(scenario) -> dict[str, Shifts]:
    """The :class:`Shifts` of every resource the scenario's calendar staffs.

    >>> from sim import examples
    >>> sorted(shifts_of(examples.load("pizza")))
    ['driver', 'kitchen']
    """
    return {name: Shifts(minutes) for name, minutes in staffed_minutes(scenario).items()}


def openings_of(scenario) -> list[Opening | None]:
    """Per touchpoint, its :class:`Opening` (None: always open).

    >>> from sim import examples
    >>> [opening is None for opening in openings_of(examples.load("pizza"))]
    [False, True, False]
    """
    grids = open_minutes(scenario)
    return [Opening(grids[tp.name]) if tp.name in grids else None for tp in scenario.touchpoints]
