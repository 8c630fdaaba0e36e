"""The levers a workshop moves, read from the scenario: promised times, capacity,
compensation and complaint ease — in business words, in the scenario's units, with ranges
around the shipped values and steps on which every shipped value lies exactly (a shipped
0.32 stays 0.32; no slider snaps the opening numbers).

>>> import sim
>>> [lever.label for lever in levers(sim.examples.load("pizza"))]
['Delivery promise', 'Kitchens', 'Drivers', 'Support staff', 'Compensation per complaint', 'Complaint ease']
>>> ease = levers(sim.examples.load("pizza"))[-1]
>>> ease.value, ease.low, ease.high, ease.step
(0.32, 0.0, 1.0, 0.01)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sim.policies import FixedPromise
from sim.scenario import Scenario
from sim.units import HOURS_PER_UNIT

#: How resources are called in a room (a resource named "driver" is moved as "Drivers").
_PLURAL = {"kitchen": "Kitchens", "support": "Support staff", "staff": "Staff"}


@dataclass(frozen=True)
class Lever:
    """One slider: the scenario field it sets (``path``), its ``label`` and ``unit`` as the
    room reads them, the shipped ``value``, its range and step, and whether it is whole."""

    path: str
    label: str
    unit: str
    value: float
    low: float
    high: float
    step: float
    whole: bool
    help: str

    def text(self, value: float) -> str:
        """A setting in words: "45 min", "6 drivers", "100 THB", "32%".

        >>> import sim
        >>> [lever.text(lever.value) for lever in levers(sim.examples.load("pizza"))][:3]
        ['30 min', '7 kitchens', '11 drivers']
        """
        if self.unit == "%":
            return f"{value:.0%}" if round(value * 100, 9).is_integer() else f"{value:.1%}"
        number = f"{value:,.0f}" if self.whole or float(value).is_integer() else f"{value:,g}"
        return f"{number} {self.unit}"


def _step(value: float, candidates: tuple[float, ...]) -> float:
    """The largest candidate step on whose grid ``value`` lies (so it never snaps).

    >>> _step(0.32, (0.05, 0.01, 0.001)), _step(45.0, (5.0, 1.0)), _step(0.3333, (0.01,))
    (0.01, 5.0, 0.0001)
    """
    for step in candidates:
        if math.isclose(value / step, round(value / step), abs_tol=1e-9):
            return step
    return 10.0 ** -len(repr(float(value)).split(".")[1])


def levers(scenario: Scenario) -> list[Lever]:
    """The levers of ``scenario``: every fixed time promise, every resource's capacity, the
    compensation per handled complaint and the complaint ease. Ranges: a promise from a
    third to three times the shipped one, capacity from 1 to twice the shipped number (at
    least shipped + 4), compensation from 0 to three times the shipped amount (at least
    500 in the currency), ease from 0 to 1."""
    unit = scenario.time_unit
    currency = scenario.economics.currency
    found = []
    for tp in scenario.touchpoints:
        promise = tp.promise.time
        if isinstance(promise, FixedPromise):
            value = round(promise.value / HOURS_PER_UNIT[unit], 9)
            step = _step(value, (5.0, 1.0, 0.5, 0.1))
            found.append(
                Lever(
                    f"touchpoints.{tp.name}.promise.time",
                    f"{tp.name.replace('_', ' ').capitalize()} promise",
                    unit,
                    value,
                    max(step, math.floor(value / 3 / step) * step),
                    math.ceil(value * 3 / step) * step,
                    step,
                    False,
                    f"the time promised at {tp.name}, in {unit}",
                )
            )
    for resource in scenario.resources:
        name = resource.name.replace("_", " ")
        found.append(
            Lever(
                f"resources.{resource.name}.capacity",
                _PLURAL.get(resource.name, f"{name.capitalize()}s"),
                _PLURAL.get(resource.name, f"{name}s").lower(),
                resource.capacity,
                1,
                max(2 * resource.capacity, resource.capacity + 4),
                1,
                True,
                f"{name} capacity: how many work at once",
            )
        )
    compensation = scenario.recovery.compensation
    step = _step(compensation, (50.0, 10.0, 1.0))
    found.append(
        Lever(
            "recovery.compensation",
            "Compensation per complaint",
            currency,
            compensation,
            0.0,
            max(3 * compensation, 500.0),
            step,
            False,
            f"paid to each customer whose complaint is handled, in {currency}",
        )
    )
    ease = scenario.complaints.probability
    found.append(
        Lever(
            "complaints.probability",
            "Complaint ease",
            "%",
            ease,
            0.0,
            1.0,
            _step(ease, (0.05, 0.01, 0.001)),
            False,
            "the chance an unhappy customer complains: how easy complaining is",
        )
    )
    return found


def overrides(scenario: Scenario, settings: dict[str, float]) -> dict[str, float]:
    """The settings that differ from the shipped scenario (what a handout calls overrides).

    >>> import sim
    >>> pizza = sim.examples.load("pizza")
    >>> overrides(pizza, {"resources.driver.capacity": 11, "recovery.compensation": 150})
    {'recovery.compensation': 150}
    """
    shipped = {lever.path: lever.value for lever in levers(scenario)}
    return {
        path: value
        for path, value in settings.items()
        if not math.isclose(value, shipped[path], abs_tol=1e-12)
    }
