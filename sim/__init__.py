"""promise-gap: simulate the gap between what a business promises and what it delivers.

>>> import sim
>>> pizza = sim.examples.load("pizza")
>>> result = sim.run(pizza, seed=1, horizon="14 d")
>>> print(result.report())  # doctest: +SKIP
"""

from importlib.metadata import PackageNotFoundError, version

from sim import examples
from sim.model import Model, run
from sim.result import Result
from sim.scenario import Scenario, ScenarioError

try:
    __version__ = version("promise-gap")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0+unknown"

__all__ = ["Model", "Result", "Scenario", "ScenarioError", "__version__", "examples", "run"]
