"""Scenarios: a typed, immutable description of a business, its journey and its market.

A scenario is written in TOML (see ``sim/examples/*.toml``) or built from a dict. Loading
validates everything at once and reports *every* problem with its field path, the bad value
and what is allowed::

    touchpoints[2].stages[0].resource: 'drivr' — not a resource; did you mean 'driver'?

Numbers that are durations are read in the scenario's ``time_unit`` (default hours); strings
with units ("45 min", "3 d") are always accepted. Inside the engine every time is in hours.

>>> from sim import examples
>>> pizza = examples.load("pizza")
>>> pizza.touchpoint("delivery").promise.time  # doctest: +ELLIPSIS
FixedPromise(value=0.5)
>>> slower = pizza.replace({"touchpoints.delivery.promise.time": "60 min"})
>>> slower.touchpoint("delivery").promise.time.value
1.0
"""

from sim.scenario.checks import MAX_STAGES, MAX_TOUCHPOINTS
from sim.scenario.dimensions import DIMENSIONS, DIRECTION, ByDimension
from sim.scenario.files import MAX_FILE_BYTES
from sim.scenario.reference import parameter_reference
from sim.scenario.schema import Recovery, Scenario, Touchpoint
from sim.scenario.specs import ScenarioError, suggest

__all__ = [
    "DIMENSIONS",
    "DIRECTION",
    "MAX_FILE_BYTES",
    "MAX_STAGES",
    "MAX_TOUCHPOINTS",
    "ByDimension",
    "Recovery",
    "Scenario",
    "ScenarioError",
    "Touchpoint",
    "parameter_reference",
    "suggest",
]
