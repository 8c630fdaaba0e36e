"""What we do not know about customers, as data: each behavioural parameter's plausible range.

The behavioural defaults are fitted (docs/calibration.md), but a fit leaves uncertainty: a
parameter confounded with another, a fit on the edge of its range, a value that is judgement.
:data:`PLAUSIBLE` gives each such parameter a range of values a strategist should not rule
out, with its source (docs/sources.md §18 explains every range). :func:`sim.robustness` draws
its worlds from these ranges, uniformly over each (or over its logarithm, for a parameter
known only to within a factor).

:func:`resolve` lets a caller widen, narrow, drop or add ranges, and checks them against
the scenario before anything runs.

>>> from sim import examples
>>> ranges = resolve(examples.load("pizza"), {"wom.reach": (0.2, 1.0)})
>>> [u.name for u in ranges]
['kept-promise credit', 'promise sensitivity', 'sensitivity to a bad episode', 'talk reach', 'advocacy']
>>> ranges[3].low, ranges[3].high
(0.2, 1.0)
>>> round(ranges[1].value(0.5), 6)  # log scale: the geometric middle of 0.001 … 0.2
0.014142
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sim.experiment.arguments import Arguments
from sim.scenario import Scenario, ScenarioError


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


def resolve(scenario: Scenario, changes: Mapping[str, Any] | None = None) -> list[Uncertainty]:
    """The uncertainties of a study: :data:`PLAUSIBLE` with ``changes`` applied.

    ``changes`` maps a dotted path to ``(low, high)`` (widen, narrow, or add any numeric
    field; an added one is drawn linearly and named by its last part), to an
    :class:`Uncertainty`, or to None (drop it: the scenario's own value is used). Every
    problem — an unknown path, low ≥ high, a bound the field does not allow, a log range
    through zero — is reported at once as an :class:`~sim.experiment.arguments.ArgumentError`.

    >>> from sim import examples
    >>> [u.path for u in resolve(examples.load("pizza"), {"wom.reach": None})][-1]
    'wom.advocacy'
    >>> resolve(examples.load("pizza"), {"wom.advocacy": (90.0, 50.0)})
    Traceback (most recent call last):
    ...
    sim.experiment.arguments.ArgumentError: 1 problem(s):
      - uncertainties['wom.advocacy']: (90.0, 50.0) — low must be below high, e.g. (50.0, 90.0)
    """
    arguments = Arguments()
    found = {u.path: u for u in PLAUSIBLE}
    if changes is not None and not isinstance(changes, Mapping):
        arguments.fail(
            "uncertainties",
            changes,
            "give {dotted path: (low, high) or None}, e.g. {'wom.reach': (0.2, 1.0)}",
        )
        changes = {}
    for path, change in (changes or {}).items():
        where = f"uncertainties[{path!r}]"
        if not isinstance(path, str) or not path.strip():
            arguments.fail("uncertainties", path, "paths are dotted field names, like 'wom.reach'")
        elif change is None:
            found.pop(path, None)
        elif isinstance(change, Uncertainty):
            if change.path != path:
                arguments.fail(where, change.path, f"the Uncertainty's path must be {path!r}")
            elif _bounds(arguments, where, (change.low, change.high), change.log):
                found[path] = change
        elif _bounds(arguments, where, change, found.get(path, _added(path)).log):
            low, high = (float(b) for b in change)
            found[path] = replace(found.get(path, _added(path)), low=low, high=high)
    if not found and not arguments.problems:
        arguments.fail("uncertainties", changes, "every range was dropped; keep at least one")
    _check_fields(arguments, scenario, found)
    arguments.done()
    return list(found.values())


def _added(path: str) -> Uncertainty:
    """A range the caller adds, named by its field (``loss_aversion`` → "loss aversion")."""
    return Uncertainty(path, path.rsplit(".", 1)[-1].replace("_", " "), 0.0, 1.0)


def _bounds(arguments: Arguments, where: str, bounds: Any, log: bool) -> bool:
    """Whether ``bounds`` is a usable (low, high); each problem goes to ``arguments``."""
    if isinstance(bounds, str | bytes) or not isinstance(bounds, Sequence) or len(bounds) != 2:
        arguments.fail(where, bounds, "give (low, high), e.g. (0.5, 1.0), or None to drop it")
        return False
    if not all(
        isinstance(b, numbers.Real) and not isinstance(b, bool) and math.isfinite(b) for b in bounds
    ):
        arguments.fail(where, bounds, "bounds must be finite numbers")
        return False
    low, high = bounds
    if not low < high:
        arguments.fail(where, bounds, f"low must be below high, e.g. ({high}, {low})")
        return False
    if log and low <= 0:
        arguments.fail(where, bounds, "is drawn on a log scale, so low must be above 0")
        return False
    return True


def _check_fields(arguments: Arguments, scenario: Scenario, found: dict[str, Uncertainty]):
    """Both ends of every range must be values the scenario's field allows (replacing each
    end reports an unknown path with a did-you-mean, and an out-of-range bound)."""
    if not isinstance(scenario, Scenario):
        return  # the caller reports the scenario itself
    for path, u in found.items():
        problems = {}
        for end in ("low", "high"):
            try:
                scenario.replace({path: getattr(u, end)})
                problems[end] = []
            except ScenarioError as error:
                problems[end] = error.problems
        for problem in dict.fromkeys(problems["low"] + problems["high"]):
            both = problem in problems["low"] and problem in problems["high"]
            end = (
                ""
                if both
                else " (the low bound)"
                if problem in problems["low"]
                else " (the high bound)"
            )
            arguments.problems.append(f"uncertainties[{path!r}]: {problem}{end}")
