"""No cliff at the promise: a delivery that crosses its promise by a hair changes nothing.

A shortfall far below what anyone can notice (a hundredth of a just-noticeable difference)
must not move any result by more than replication noise: the kept-promise credit fades
continuously (``behaviour.kept_degree``), and so do the kept rates in the report.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim
from sim import examples
from sim.policies import FixedPromise
from sim.scenario import DIRECTION

HORIZON = "60 d"
SEEDS = (1, 2, 3)
HAIR = 0.01  # jnd


def _fixed_promises(scenario):
    for tp in scenario.touchpoints:
        for dim, policy in tp.promise.items():
            if isinstance(policy, FixedPromise):
                yield tp.name, dim, policy.value


def _kpis(scenario, seed):
    kpis = sim.run(scenario, seed=seed, horizon=HORIZON).kpis
    return kpis.drop(["prospects", "prospects_paid"])  # the paid stream is the same anyway


@pytest.mark.parametrize("name", examples.names())
def test_a_promise_tightened_by_a_hundredth_of_a_jnd_moves_no_kpi_beyond_noise(name):
    scenario = examples.load(name)
    runs = pd.DataFrame([_kpis(scenario, seed) for seed in SEEDS])
    noise = runs.std(ddof=1)
    promises = list(_fixed_promises(scenario))
    assert promises, f"{name} makes no fixed promise"
    for touchpoint, dim, value in promises:
        jnd = getattr(scenario.perception.jnd, dim)
        # a hair stricter: deliveries exactly on the old promise now fall short by 0.01 jnd
        stricter = value + DIRECTION[dim] * HAIR * jnd
        level = f"{stricter!r} h" if dim == "time" else stricter  # engine values are hours
        shifted = scenario.replace({f"touchpoints.{touchpoint}.promise.{dim}": level})
        moved = (_kpis(shifted, SEEDS[0]) - runs.iloc[0]).abs()
        tolerance = 2.0 * noise.fillna(0.0) + 1e-9 * runs.iloc[0].abs().fillna(0.0)
        too_far = moved[(moved > tolerance) & np.isfinite(moved)]
        assert too_far.empty, (
            f"{name}: {touchpoint}.{dim} promise {value:g} → {stricter:g} moved "
            + ", ".join(f"{k} by {v:.4g} (noise {noise[k]:.3g})" for k, v in too_far.items())
        )
