"""promise-gap: simulate the gap between what a business promises and what it delivers.

>>> import sim
>>> pizza = sim.examples.load("pizza")
>>> result = sim.run(pizza, seed=1, horizon="14 d")
>>> print(result.report())  # doctest: +SKIP
"""

from sim import examples, sbg
from sim.engine import Model, run
from sim.experiment import (
    Comparison,
    Optimum,
    Replications,
    Robustness,
    clear_cache,
    compare,
    optimize,
    replicate,
    robustness,
    sensitivity,
    sweep,
)
from sim.experiment.calibrate import Calibration, calibrate
from sim.result import Result
from sim.scenario import Scenario, ScenarioError
from sim.version import __version__

__all__ = [
    "Calibration",
    "Comparison",
    "Model",
    "Optimum",
    "Replications",
    "Result",
    "Robustness",
    "Scenario",
    "ScenarioError",
    "__version__",
    "calibrate",
    "clear_cache",
    "compare",
    "examples",
    "optimize",
    "replicate",
    "robustness",
    "run",
    "sbg",
    "sensitivity",
    "sweep",
]
