"""What we do not know about customers, as data: each behavioural parameter's plausible range,
and a scenario's own ``[uncertainties]`` table that widens, narrows, drops or adds ranges.

The behavioural defaults are fitted (docs/calibration.md), but a fit leaves uncertainty: a
parameter confounded with another, a fit on the edge of its range, a value that is judgement.
:data:`PLAUSIBLE` gives each such parameter a range of values a strategist should not rule
out, with its source (docs/sources.md §18 explains every range). :func:`sim.robustness` draws
its worlds from these ranges, uniformly over each (or over its logarithm, for a parameter
known only to within a factor).

A scenario may change them for its own business, in its file::

    [uncertainties]            # ranges for `promise-gap robust`
    "wom.reach" = [0.2, 1.0]   # a field's plausible [low, high], numbers as in this file
    "wom.advocacy" = "none"    # not uncertain here: fixed at this scenario's value

The table is study metadata: no run reads it, so it is not part of the scenario's
fingerprint, and :func:`sim.robustness` runs the scenario :func:`without_uncertainties`.
The same checks (:func:`apply`, :func:`field_problems`) serve the table and the
``uncertainties=`` argument of :func:`sim.robustness`, each naming the entry in its own
notation.

>>> from sim import examples
>>> table = {"wom.reach": [0.2, 1.0], "wom.advocacy": "none"}
>>> shop = examples.load("pizza").replace({"uncertainties": table})
>>> shop.uncertainties
(('wom.reach', (0.2, 1.0)), ('wom.advocacy', None))
>>> shop.fingerprint == examples.load("pizza").fingerprint  # no run reads it
True
>>> round(PLAUSIBLE[1].value(0.5), 6)  # log scale: the geometric middle of 0.001 … 0.2
0.014142
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sim.scenario.specs import ScenarioError, _Context, _Spec, suggest
from sim.units import shown, significant

if TYPE_CHECKING:
    from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class Uncertainty:
    """One unknown: a scenario field (dotted ``path``) that may lie anywhere in [low, high].

    ``name`` is what a strategist reads; ``unit`` follows a value in sentences (empty for a
    pure number); ``log``: drawn uniformly over log(value), for a parameter known only to
    within a factor.
    """

    path: str
    name: str
    low: float
    high: float
    log: bool = False
    unit: str = ""

    def value(self, u: float) -> float:
        """The value at unit coordinate ``u`` ∈ [0, 1] of the design."""
        if self.log:
            return math.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))
        return self.low + u * (self.high - self.low)

    def unit_coordinate(self, value: float) -> float:
        """The inverse of :meth:`value`."""
        if self.log:
            return (math.log(value) - math.log(self.low)) / (
                math.log(self.high) - math.log(self.low)
            )
        return (value - self.low) / (self.high - self.low)

    def shown(self, value: float) -> str:
        """``value`` for a sentence: two significant digits, separators, no exponent, unit.

        >>> PLAUSIBLE[1].shown(0.0123), PLAUSIBLE[3].shown(1234.5)
        ('0.012 logit per jnd', '1,200 people per talk')
        """
        return f"{significant(value)}{' ' + self.unit if self.unit else ''}"


#: The plausible range of each behavioural parameter (docs/sources.md §18 gives each source).
PLAUSIBLE: tuple[Uncertainty, ...] = (
    # Gneezy & Epley (2014) show a kept promise is worth much more than an exceeded one, but
    # their cell means were not available: κ = 1 is judgement, so from a quarter to double.
    Uncertainty("perception.kept_credit", "kept-promise credit", 0.25, 2.0),
    # Cui et al. (2024) fix 0.002 per jnd for e-commerce promises in days; pizza customers
    # may compare minutes far more keenly, up to the old default 0.2 (100×): a log range.
    Uncertainty(
        "market.promise_sensitivity", "promise sensitivity", 0.001, 0.2, True, "logit per jnd"
    ),
    # Fitted to survey facts (PwC 2018) but confounded with shock_cv along a ridge: one at a
    # time its standard error is about 0.6; along the ridge it is not identified (judgement).
    Uncertainty("retention.bad_episode_shock", "sensitivity to a bad episode", 6.0, 13.0),
    # "A dissatisfied customer tells 9 to 15" has no primary study; 0.5 is a placeholder.
    Uncertainty("wom.reach", "talk reach", 0.1, 1.5, unit="people per talk"),
    # Fitted to East et al.'s 3 : 1 but stuck at its bound (52 a year) with the ratio short of
    # it: from half of it to double, the top allowing for the 3 : 1 the fit could not reach.
    Uncertainty("wom.advocacy", "advocacy", 26.0, 104.0, unit="recommendations a year"),
)

_PLAUSIBLE = {u.path: u for u in PLAUSIBLE}


@dataclass(frozen=True)
class Notation:
    """How a problem names an entry and writes a fix: in Python (the ``uncertainties=``
    argument) or in a scenario file (the ``[uncertainties]`` table)."""

    toml: bool

    def where(self, path: Any) -> str:
        """The entry, as the user wrote it: ``uncertainties['wom.reach']`` or
        ``uncertainties."wom.reach"``."""
        return f'uncertainties."{path}"' if self.toml else f"uncertainties[{path!r}]"

    def pair(self, low: Any, high: Any) -> str:
        """A range as the user writes it: ``(0.5, 1.0)`` or ``[0.5, 1.0]``."""
        return f"[{low}, {high}]" if self.toml else f"({low}, {high})"

    @property
    def drop(self) -> str:
        """How the user fixes an unknown at the scenario's value."""
        return '"none"' if self.toml else "None"


PYTHON, TOML = Notation(toml=False), Notation(toml=True)


def apply(
    ranges: Mapping[str, Uncertainty],
    changes: Mapping[Any, Any],
    notation: Notation,
    problems: list[tuple[str, str]],
) -> dict[str, Uncertainty]:
    """``ranges`` (by path) with ``changes`` applied; each problem goes to ``problems`` as
    (where, what is wrong and the fix).

    ``changes`` maps a dotted path to ``(low, high)`` (widen, narrow, or add any numeric
    field; an added one is drawn linearly and named by its last part), to an
    :class:`Uncertainty`, or to None (drop it: the scenario's own value is used). Whether a
    path is a field and its bounds values the field allows is :func:`field_problems`'s job.

    >>> problems = []
    >>> found = apply({u.path: u for u in PLAUSIBLE}, {"wom.reach": (0.2, 1.0),
    ...     "market.promise_sensitivity": (0, 0.1), "wom.reech": None}, TOML, problems)
    >>> found["wom.reach"].low, found["wom.reach"].name
    (0.2, 'talk reach')
    >>> for where, text in problems: print(f"{where}: {text}")
    uncertainties."market.promise_sensitivity": (0, 0.1) — is drawn on a log scale, so low must be above 0
    uncertainties."wom.reech": "none" — not one of the unknowns; did you mean 'wom.reach'?
    """
    found = dict(ranges)
    for path, change in changes.items():
        where = notation.where(path)
        if not isinstance(path, str) or not path.strip():
            problems.append(("uncertainties", f"{shown(path)} — paths are dotted field names"))
        elif change is None:
            if path in found:
                del found[path]
            elif path not in _PLAUSIBLE:  # already fixed: nothing to do
                hint = suggest(path, sorted(found)) or f" (uncertain: {', '.join(found)})"
                problems.append((where, f"{notation.drop} — not one of the unknowns{hint}"))
        elif isinstance(change, Uncertainty):
            if change.path != path:
                problems.append((where, f"{shown(change.path)} — its path must be {path!r}"))
            elif _bounds(problems, where, (change.low, change.high), change.log, notation):
                found[path] = change
        else:
            known = found.get(path) or _PLAUSIBLE.get(path) or _added(path)
            if _bounds(problems, where, change, known.log, notation):
                low, high = (float(b) for b in change)
                found[path] = dataclasses.replace(known, low=low, high=high)
    return found


def _added(path: str) -> Uncertainty:
    """A range the caller adds, named by its field (``loss_aversion`` → "loss aversion")."""
    return Uncertainty(path, path.rsplit(".", 1)[-1].replace("_", " "), 0.0, 1.0)


def _bounds(problems: list, where: str, bounds: Any, log: bool, notation: Notation) -> bool:
    """Whether ``bounds`` is a usable (low, high); each problem goes to ``problems``."""
    if isinstance(bounds, str | bytes) or not isinstance(bounds, Sequence) or len(bounds) != 2:
        fix = f"give {notation.pair('low', 'high')}, e.g. {notation.pair(0.5, 1.0)}, or "
        problems.append((where, f"{shown(bounds)} — {fix}{notation.drop} to fix it"))
        return False
    if not all(
        isinstance(b, numbers.Real) and not isinstance(b, bool) and math.isfinite(b) for b in bounds
    ):
        problems.append((where, f"{shown(bounds)} — bounds must be finite numbers"))
        return False
    low, high = bounds
    if not low < high:
        fix = f"low must be below high, e.g. {notation.pair(high, low)}"
        problems.append((where, f"{shown(bounds)} — {fix}"))
        return False
    if log and low <= 0:
        problems.append(
            (where, f"{shown(bounds)} — is drawn on a log scale, so low must be above 0")
        )
        return False
    return True


def field_problems(scenario: Scenario, path: str, low: float, high: float) -> list[str]:
    """What is wrong with a range of field ``path`` in ``scenario`` (a scenario without an
    ``[uncertainties]`` table): the problems of the scenario at either end, as
    :meth:`Scenario.replace` reports them — an unknown path with a did-you-mean, a bound the
    field does not allow, a bound that breaks another field (segment shares) — each marked
    with the end it comes from when only one does.

    >>> from sim import examples
    >>> field_problems(examples.load("pizza"), "wom.advocacy", 10, 400)
    ['wom.advocacy: 400 — must be a number between 0 and 365 (the high bound)']
    """
    problems = {}
    for end, value in (("low", low), ("high", high)):
        try:
            scenario.replace({path: value})
            problems[end] = []
        except ScenarioError as error:
            problems[end] = error.problems
    found = []
    for problem in dict.fromkeys(problems["low"] + problems["high"]):
        both = problem in problems["low"] and problem in problems["high"]
        end = (
            ""
            if both
            else " (the low bound)"
            if problem in problems["low"]
            else " (the high bound)"
        )
        found.append(f"{problem}{end}")
    return found


def without_uncertainties(scenario: Scenario) -> Scenario:
    """``scenario`` without its ``[uncertainties]`` table: what a run simulates (the same
    fingerprint and the same numbers; its own changes no longer re-check the table).

    >>> from sim import examples
    >>> shop = examples.load("pizza").replace({"uncertainties": {"wom.reach": [0.2, 1.0]}})
    >>> without_uncertainties(shop) == examples.load("pizza")
    True
    """
    raw = {key: value for key, value in scenario.to_dict().items() if key != "uncertainties"}
    return dataclasses.replace(scenario, uncertainties=(), _raw=raw)


def check_fields(scenario: Scenario, ctx: _Context) -> None:
    """Every bound of the scenario's table against its field (:func:`field_problems`).

    Runs once the rest of the scenario is valid (otherwise every bound would repeat its
    problems; a bad entry of the table itself is no obstacle), building the scenario at each
    bound; :meth:`Scenario.replace` skips it when
    its overrides leave the table alone, and :func:`sim.robustness` checks every range
    again before it runs.
    """
    base = without_uncertainties(scenario)
    for path, bounds in scenario.uncertainties:
        if bounds is not None:
            for problem in field_problems(base, path, *bounds):
                ctx.note(TOML.where(path), problem)


class _Uncertainties(_Spec):
    """The ``[uncertainties]`` table: ``"dotted.path" = [low, high]`` or ``"none"``, read as
    ``((path, (low, high) or None), ...)`` in the order written."""

    allowed = 'a table of "dotted.path" = [low, high] or "none"'

    def parse(self, value, path, ctx):
        if not isinstance(value, Mapping):
            ctx.fail(path, value, f"must be {self.allowed}")
            return None
        changes = {
            key: None if isinstance(raw, str) and raw.strip().lower() == "none" else raw
            for key, raw in value.items()
        }
        problems: list[tuple[str, str]] = []
        apply(_PLAUSIBLE, changes, TOML, problems)
        for where, text in problems:
            ctx.note(where, text)
        bad = {where for where, _ in problems}
        return tuple(  # the good entries: their bounds are checked even beside a bad one
            (key, None if change is None else (float(change[0]), float(change[1])))
            for key, change in changes.items()
            if isinstance(key, str) and key.strip() and TOML.where(key) not in bad
        )


__all__ = [
    "PLAUSIBLE",
    "PYTHON",
    "TOML",
    "Notation",
    "Uncertainty",
    "apply",
    "check_fields",
    "field_problems",
    "without_uncertainties",
]
