"""Experiments: replications, policy comparisons, sweeps, sensitivity, optimisation.

Everything here is one call, reproducible (same seed → same numbers, whatever the executor
or the number of workers), parallel (any ``concurrent.futures.Executor``; all local cores by
default) and safe to interrupt (``store="sweep.sqlite"`` keeps every finished run).
"""

from sim.experiment.replications import Comparison, Replications, compare, replicate
from sim.experiment.runner import MODEL_VERSION, RunSpec, clear_cache, execute
from sim.experiment.store import RunStore, StoreError

__all__ = [
    "MODEL_VERSION",
    "Comparison",
    "Replications",
    "RunSpec",
    "RunStore",
    "StoreError",
    "clear_cache",
    "compare",
    "execute",
    "replicate",
]
