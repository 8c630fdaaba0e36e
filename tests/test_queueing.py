"""The engine against queueing theory: a single capacity-limited touchpoint is an M/M/c queue.

Reduced to Poisson arrivals (everyone buys once and leaves, no word of mouth, no complaints)
and exponential service, the mean time waiting for a server must match Erlang C. The
tolerance is three standard errors of the replication mean, and the test insists that this
is at most 3% of the theory, so it cannot pass by being vague.

Why ~800k customers: at ρ = 0.5 most customers do not wait, so one customer's wait is very
noisy (relative SD × autocorrelation ≈ 9); a 1% standard error needs (9 / 0.01)² ≈ 800k.
"""

from __future__ import annotations

import heapq
import math
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

import sim
from sim.rng import ARRIVAL, SERVICE, SLOTS, Streams, uniform
from sim.validation.queueing_theory import erlang_c, mmc_mean_wait
from sim.validation.stations import single_station

REPLICATIONS = 16
HORIZON_HOURS = 50_000.0


def mmc_scenario(servers: int, arrival_rate: float, service_rate: float) -> sim.Scenario:
    return single_station(arrival_rate, service_rate, servers, horizon=HORIZON_HOURS)


def _mean_wait(args: tuple[sim.Scenario, int]) -> tuple[float, float, int]:
    scenario, seed = args
    result = sim.run(scenario, seed=seed)
    row = result.touchpoints.iloc[0]
    return row["waited"], row["delivered"], int(result.kpis["purchases"])


def test_erlang_c_reference_values():
    """Our closed form against reference values of the Erlang C formula (Gross, Shortle,
    Thompson & Harris 2008, Fundamentals of Queueing Theory), computed independently."""
    assert erlang_c(4, 3.2, 1.0) == pytest.approx(0.596432, abs=1e-6)
    assert mmc_mean_wait(4, 3.2, 1.0) == pytest.approx(0.7455405897, rel=1e-9)
    assert mmc_mean_wait(1, 0.8, 1.0) == pytest.approx(4.0)  # M/M/1: ρ/(μ − λ)
    with pytest.raises(ValueError, match="below 1"):
        erlang_c(2, 2.0, 1.0)


@pytest.mark.parametrize(("servers", "arrival_rate"), [(2, 1.0)])
def test_single_touchpoint_reproduces_erlang_c_mean_wait(servers, arrival_rate):
    scenario = mmc_scenario(servers, arrival_rate, service_rate=1.0)
    with ProcessPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(_mean_wait, [(scenario, seed) for seed in range(REPLICATIONS)]))
    waits = np.array([wait for wait, _, _ in runs])
    sojourns = np.array([total for _, total, _ in runs])
    customers = sum(n for _, _, n in runs)

    theory = mmc_mean_wait(servers, arrival_rate, 1.0)
    standard_error = waits.std(ddof=1) / np.sqrt(REPLICATIONS)
    tolerance = 3 * standard_error
    assert customers > 750_000
    assert tolerance <= 0.03 * theory, "too few customers for a meaningful check"
    assert abs(waits.mean() - theory) <= tolerance, (waits.mean(), theory, tolerance)
    # delivered time is wait + service: the sojourn time W = Wq + 1/μ
    sojourn_se = sojourns.std(ddof=1) / np.sqrt(REPLICATIONS)
    assert abs(sojourns.mean() - (theory + 1.0)) <= 3 * sojourn_se + 1e-9


def fcfs_recursion_waits(seed: int, servers: int, arrival_rate: float, horizon: float) -> list:
    """Waits of an FCFS c-server queue fed with the engine's own random draws.

    Arrival n comes −ln(u)/λ after arrival n − 1 (market stream); its service is the
    exponential inverse of the customer's first SERVICE draw. A customer starts at the
    earliest server-free time. Only services completed by the horizon are kept, as in the
    engine.
    """
    streams = Streams(seed)
    now, n, free, waits = 0.0, 0, [0.0] * servers, []
    while True:
        now += -math.log(uniform(streams.market_key, ARRIVAL, 2 * n)) / arrival_rate
        if now >= horizon:
            return waits
        service = -math.log1p(-uniform(streams.prospect_key(n), SERVICE, SLOTS))
        start = max(now, free[0])
        if start + service <= horizon:
            waits.append(start - now)
        heapq.heapreplace(free, start + service)
        n += 1


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_engine_queue_is_exactly_the_fcfs_recursion_on_the_same_draws(seed):
    """Not statistics: the SimPy resource must give the very same waits as the recursion."""
    scenario = mmc_scenario(2, 1.0, 1.0).replace({"horizon": 3000})
    result = sim.run(scenario, seed=seed)
    waits = fcfs_recursion_waits(seed, 2, 1.0, 3000)
    assert result.kpis["purchases"] == len(waits)
    assert result.touchpoints.iloc[0]["waited"] == pytest.approx(np.mean(waits), rel=1e-12)
