"""Experiments: replications, policy comparisons, sweeps, sensitivity, optimisation,
calibration, robustness.

Everything here is one call, reproducible (same seed → same numbers, whatever the executor
or the number of workers), parallel (any ``concurrent.futures.Executor``; all local cores by
default) and safe to interrupt (``store="sweep.sqlite"`` keeps every finished run).
"""

from sim.experiment.calibrate import Calibration, calibrate
from sim.experiment.optimize import Optimum, optimize
from sim.experiment.replications import Comparison, Replications, compare, replicate
from sim.experiment.robustness import Robustness, robustness
from sim.experiment.runner import MODEL_VERSION, RunSpec, clear_cache, execute
from sim.experiment.sensitivity import sensitivity
from sim.experiment.store import RunStore, StoreError
from sim.experiment.sweep import design_points, sweep

__all__ = [
    "MODEL_VERSION",
    "Calibration",
    "Comparison",
    "Optimum",
    "Replications",
    "Robustness",
    "RunSpec",
    "RunStore",
    "StoreError",
    "calibrate",
    "clear_cache",
    "compare",
    "design_points",
    "execute",
    "optimize",
    "replicate",
    "robustness",
    "sensitivity",
    "sweep",
]
