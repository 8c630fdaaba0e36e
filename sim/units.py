"""Durations: the simulation clock runs in **hours**; people write "45 min" or "3 d".

A scenario may declare ``time_unit = "min"`` so that bare numbers in that file mean minutes
(pizza scenarios read better that way). Everything inside the engine is hours.

>>> parse_duration("45 min")
0.75
>>> parse_duration(90, default_unit="min")
1.5
>>> format_duration(0.75)
'45 min'
"""

from __future__ import annotations

import math
import re

#: Hours per unit. Keys are every spelling we accept.
HOURS_PER_UNIT: dict[str, float] = {
    "s": 1 / 3600,
    "sec": 1 / 3600,
    "second": 1 / 3600,
    "seconds": 1 / 3600,
    "min": 1 / 60,
    "mins": 1 / 60,
    "minute": 1 / 60,
    "minutes": 1 / 60,
    "h": 1.0,
    "hr": 1.0,
    "hrs": 1.0,
    "hour": 1.0,
    "hours": 1.0,
    "d": 24.0,
    "day": 24.0,
    "days": 24.0,
    "w": 168.0,
    "wk": 168.0,
    "week": 168.0,
    "weeks": 168.0,
    "y": 8760.0,
    "yr": 8760.0,
    "year": 8760.0,
    "years": 8760.0,
}

_NOT_A_DURATION = "not a duration; write a number or a number and a unit, like '45 min' or '3 d'"
_DURATION = re.compile(r"^\s*([-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|[-+]?\.\d+)\s*([a-zA-Z]+)\s*$")


class DurationError(ValueError):
    """A value that is not a duration. ``reason`` says what is wrong and what to write."""

    def __init__(self, value: object, reason: str) -> None:
        self.value = value
        self.reason = reason
        super().__init__(f"{shown(value)} — {reason}")


def shown(value: object) -> str:
    """``repr(value)`` for a message, cut to 60 characters. Never fails, whatever a user
    passed: an integer of over 4300 digits, lists nested thousands deep, a broken object.

    >>> shown("45 minuets")
    "'45 minuets'"
    >>> shown(10**5000)
    '<int>'
    """
    try:
        text = repr(value)
    except Exception:  # ValueError, RecursionError, or whatever a __repr__ raises
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 60 else text[:57] + "..."


def significant(value: float, digits: int = 2) -> str:
    """A number with ``digits`` significant digits, thousands separators and no exponent.

    >>> significant(0.000123), significant(9.27), significant(123456.0), significant(0.0)
    ('0.00012', '9.3', '120,000', '0')
    """
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else str(value)
    magnitude = math.floor(math.log10(abs(value)))
    rounded = round(value, digits - 1 - magnitude)
    decimals = max(0, digits - 1 - magnitude)
    return f"{rounded:,.{decimals}f}"


def level_text(
    value: float,
    dimension: str,
    time_unit: str,
    currency: str,
    signed: bool = False,
    service_unit: str = "",
) -> str:
    """A touchpoint's level — or, ``signed``, a gap — in its dimension's own unit: a time
    (given in hours) in ``time_unit`` with one decimal, a cost in ``currency``, service
    points with two decimals (then ``service_unit``, if any). "—" for a missing value; a
    minus sign, never a hyphen, and no sign on a rounded zero.

    >>> level_text(-0.135, "time", "min", "THB", signed=True), level_text(299.0, "cost", "min", "THB")
    ('−8.1 min', '299 THB')
    >>> level_text(0.001, "service", "min", "THB", signed=True, service_unit="pts")
    '0.00 pts'
    >>> level_text(float("nan"), "time", "min", "THB")
    '—'
    """
    if value is None or value != value:
        return "—"
    sign = "+" if signed else ""
    if dimension == "time":
        text = f"{value / HOURS_PER_UNIT[time_unit]:{sign},.1f} {time_unit}"
    elif dimension == "cost":
        text = f"{value:{sign},.0f} {currency}"
    else:
        text = f"{value:{sign},.2f}" + (f" {service_unit}" if service_unit else "")
    if text.split(" ")[0].lstrip("+-").strip("0.,") == "":  # a rounded zero has no sign
        text = text.lstrip("+-")
    return text.replace("-", "−")


def parse_duration(value: object, default_unit: str = "h") -> float:
    """Return ``value`` in hours.

    ``value`` is a number (read in ``default_unit``) or a string ``"<number> <unit>"`` with a
    unit from :data:`HOURS_PER_UNIT` (s, min, h, d, wk, y).

    >>> parse_duration("3 d")
    72.0
    >>> parse_duration(2)
    2.0

    Values that are not finite numbers of hours are errors with the reason, never a
    traceback from the conversion:

    >>> parse_duration("1e400 h")
    Traceback (most recent call last):
    ...
    sim.units.DurationError: '1e400 h' — too large: not a finite duration; write one like '180 d'
    >>> parse_duration(float("nan"))
    Traceback (most recent call last):
    ...
    sim.units.DurationError: nan — not a number; write a duration like '45 min' or '3 d'
    """
    if isinstance(value, bool):
        raise DurationError(value, _NOT_A_DURATION)
    if isinstance(value, int | float):
        number, factor = value, HOURS_PER_UNIT[default_unit]
    elif isinstance(value, str):
        match = _DURATION.match(value)
        if match is None:
            raise DurationError(value, _NOT_A_DURATION)
        number, unit = match.groups()
        factor = HOURS_PER_UNIT.get(unit.lower())
        if factor is None:
            raise DurationError(value, f"unknown unit {unit!r}; use one of s, min, h, d, wk, y")
    else:
        raise DurationError(value, _NOT_A_DURATION)
    try:
        hours = float(number) * factor
    except OverflowError:  # an integer beyond the float range (over ~309 digits)
        hours = math.inf
    if math.isnan(hours):
        raise DurationError(value, "not a number; write a duration like '45 min' or '3 d'")
    if math.isinf(hours):
        raise DurationError(value, "too large: not a finite duration; write one like '180 d'")
    return hours


#: The longest duration anything takes: no run (a strategy's horizon is months to years)
#: and no step of a customer's journey outlasts a century, and far beyond it draws pass
#: the largest float.
MAX_DURATION_HOURS = 100 * HOURS_PER_UNIT["y"]


def horizon_hours(value: object, default_unit: str = "h") -> float:
    """A run length in hours: a positive duration of at most 100 years.

    >>> horizon_hours("180 d")
    4320.0
    >>> horizon_hours(0)
    Traceback (most recent call last):
    ...
    sim.units.DurationError: 0 — must be a positive duration like '180 d'
    """
    hours = parse_duration(value, default_unit)
    if hours <= 0:
        raise DurationError(value, "must be a positive duration like '180 d'")
    if hours > MAX_DURATION_HOURS:
        raise DurationError(
            value, "longer than 100 years; a strategy's horizon is months to years, like '5 y'"
        )
    return hours


def format_duration(hours: float) -> str:
    """Human-readable duration, choosing the unit that gives a readable number.

    >>> format_duration(72.0)
    '3 d'
    >>> format_duration(0.0125)
    '45 s'
    >>> format_duration(100 * 8760.0), format_duration(1e-8)  # never an exponent
    ('36,500 d', '0.000036 s')
    """
    magnitude = abs(hours)
    if magnitude >= 48:
        number, unit = hours / 24, "d"
    elif magnitude >= 2:
        number, unit = hours, "h"
    elif magnitude >= 1 / 60:
        number, unit = hours * 60, "min"
    else:
        number, unit = hours * 3600, "s"
    text = f"{number:.4g}"
    if "e" in text:  # 10,000 d or more, or a tiny fraction of a second: written out
        text = f"{number:,.0f}" if abs(number) >= 1 else f"{number:.6f}".rstrip("0").rstrip(".")
    return f"{'0' if text == '-0' else text} {unit}"
