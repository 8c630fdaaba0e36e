"""The uncertainties of a robustness study: the plausible ranges, the scenario's own changes
to them, then the caller's.

:data:`~sim.scenario.uncertainties.PLAUSIBLE` (with the scenario's data, its one home) gives
each behavioural parameter a range of values a strategist should not rule out. A scenario's
``[uncertainties]`` table changes them for its business, and the ``uncertainties=`` argument
of :func:`sim.robustness` (``--uncertain`` on the command line) changes them for one study:
the later wins. :func:`resolve` applies both and checks every range against the scenario
before anything runs.

>>> from sim import examples
>>> ranges = resolve(examples.load("pizza"), {"wom.reach": (0.2, 1.0)})
>>> [u.name for u in ranges]
['kept-promise credit', 'promise sensitivity', 'sensitivity to a bad episode', 'talk reach', 'advocacy']
>>> ranges[3].low, ranges[3].high
(0.2, 1.0)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sim.experiment.arguments import Arguments
from sim.scenario import Scenario
from sim.scenario.uncertainties import (
    PLAUSIBLE,
    PYTHON,
    TOML,
    Uncertainty,
    apply,
    field_problems,
    without_uncertainties,
)


def resolve(scenario: Scenario, changes: Mapping[str, Any] | None = None) -> list[Uncertainty]:
    """The uncertainties of a study: :data:`PLAUSIBLE`, then the scenario's
    ``[uncertainties]`` table, then ``changes`` (each later one wins).

    ``changes`` maps a dotted path to ``(low, high)`` (widen, narrow, or add any numeric
    field; an added one is drawn linearly and named by its last part), to an
    :class:`Uncertainty`, or to None (drop it: the scenario's own value is used). Every
    problem — an unknown path, low ≥ high, a bound the field does not allow, a log range
    through zero — is reported at once as an :class:`~sim.experiment.arguments.ArgumentError`.

    >>> from sim import examples
    >>> shop = examples.load("pizza").replace({"uncertainties": {"wom.reach": [0.2, 1.0]}})
    >>> [(u.low, u.high) for u in resolve(shop) if u.path == "wom.reach"]
    [(0.2, 1.0)]
    >>> [(u.low, u.high) for u in resolve(shop, {"wom.reach": (0.3, 0.6)}) if u.path == "wom.reach"]
    [(0.3, 0.6)]
    >>> [u.path for u in resolve(examples.load("pizza"), {"wom.reach": None})][-1]
    'wom.advocacy'
    >>> resolve(examples.load("pizza"), {"wom.advocacy": (90.0, 50.0)})
    Traceback (most recent call last):
    ...
    sim.experiment.arguments.ArgumentError: 1 problem(s):
      - uncertainties['wom.advocacy']: (90.0, 50.0) — low must be below high, e.g. (50.0, 90.0)
    """
    arguments = Arguments()
    if changes is not None and not isinstance(changes, Mapping):
        arguments.fail(
            "uncertainties",
            changes,
            "give {dotted path: (low, high) or None}, e.g. {'wom.reach': (0.2, 1.0)}",
        )
        changes = {}
    problems: list[tuple[str, str]] = []
    found = {u.path: u for u in PLAUSIBLE}
    if isinstance(scenario, Scenario):  # otherwise the caller reports the scenario itself
        found = apply(found, dict(scenario.uncertainties), TOML, problems)
    found = apply(found, changes or {}, PYTHON, problems)
    arguments.problems.extend(f"{where}: {text}" for where, text in problems)
    if not found and not arguments.problems:
        arguments.problems.append(
            "uncertainties: every range was dropped (by the scenario's [uncertainties] table "
            "and the uncertainties given); keep at least one"
        )
    if isinstance(scenario, Scenario):
        base = without_uncertainties(scenario)
        table = dict(scenario.uncertainties)
        for path, u in found.items():
            notation = TOML if path in table and path not in (changes or {}) else PYTHON
            arguments.problems.extend(
                f"{notation.where(path)}: {problem}"
                for problem in field_problems(base, path, u.low, u.high)
            )
    arguments.done()
    return list(found.values())


__all__ = ["resolve"]
