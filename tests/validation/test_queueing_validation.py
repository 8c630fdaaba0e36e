"""The queueing validation area: the theory it relies on (fast) and every check passing (slow).

The closed forms in :mod:`sim.validation.queueing_theory` are checked against independent computations — a
numerical convolution of the wait and service distributions, the M/M/1 exponential, and
Monte Carlo for the finite-window quantile — before the engine is compared with them.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate

from sim.validation import queueing, verdict
from sim.validation.queueing_theory import (
    erlang_c,
    mm1_sojourn_quantile,
    mmc_mean_sojourn,
    mmc_mean_wait,
    mmc_sojourn_quantile,
    mmc_sojourn_survival,
    mmc_wait_quantile,
    mmc_wait_survival,
    windowed_quantile_coverage,
)

# (servers, arrival rate) with μ = 1: θ = cμ − λ below, equal to (c = 2, λ = 1) and above μ
QUEUES = [(1, 0.5), (1, 0.95), (2, 1.0), (3, 2.4), (4, 2.0), (4, 3.8), (8, 7.0)]


def sojourn_survival_by_convolution(t: float, servers: int, arrival_rate: float) -> float:
    """P(Wq + S > t) by integrating over the wait: Wq is 0 w.p. 1 − C, else Exp(θ)."""
    waits, theta = erlang_c(servers, arrival_rate, 1.0), servers - arrival_rate
    inside, _ = integrate.quad(lambda x: theta * math.exp(-theta * x - (t - x)), 0.0, t)
    return (1 - waits) * math.exp(-t) + waits * (math.exp(-theta * t) + inside)


@pytest.mark.parametrize(("servers", "arrival_rate"), QUEUES)
@pytest.mark.parametrize("t", [0.0, 0.3, 1.0, 4.0, 25.0])
def test_sojourn_survival_is_the_convolution_of_wait_and_service(servers, arrival_rate, t):
    expected = sojourn_survival_by_convolution(t, servers, arrival_rate)
    assert mmc_sojourn_survival(t, servers, arrival_rate, 1.0) == pytest.approx(
        expected, rel=1e-9, abs=1e-14
    )


@pytest.mark.parametrize(("servers", "arrival_rate"), QUEUES)
def test_sojourn_survival_integrates_to_the_mean_sojourn(servers, arrival_rate):
    """E[W] = ∫ P(W > t) dt must equal Wq + 1/μ from Erlang C."""
    area, _ = integrate.quad(mmc_sojourn_survival, 0.0, math.inf, args=(servers, arrival_rate, 1))
    assert area == pytest.approx(mmc_mean_sojourn(servers, arrival_rate, 1.0), rel=1e-8)


@pytest.mark.parametrize("utilisation", [0.3, 0.8, 0.95])
def test_mm1_sojourn_is_exponential(utilisation):
    for t in (0.5, 3.0, 40.0):
        assert mmc_sojourn_survival(t, 1, utilisation, 1.0) == pytest.approx(
            math.exp(-(1.0 - utilisation) * t), rel=1e-12
        )
    assert mmc_sojourn_quantile(0.9, 1, utilisation, 1.0) == mm1_sojourn_quantile(
        0.9, utilisation, 1.0
    )


@pytest.mark.parametrize(("servers", "arrival_rate"), QUEUES)
@pytest.mark.parametrize("p", [0.05, 0.5, 0.9, 0.95, 0.999])
def test_quantiles_invert_the_survival_functions(servers, arrival_rate, p):
    t = mmc_sojourn_quantile(p, servers, arrival_rate, 1.0)
    assert mmc_sojourn_survival(t, servers, arrival_rate, 1.0) == pytest.approx(1 - p, abs=1e-10)
    wait = mmc_wait_quantile(p, servers, arrival_rate, 1.0)
    if wait > 0:
        assert mmc_wait_survival(wait, servers, arrival_rate, 1.0) == pytest.approx(1 - p)
    else:  # the quantile falls in the atom at zero: nobody waits with probability ≥ p
        assert 1 - erlang_c(servers, arrival_rate, 1.0) >= p


def test_literature_quotes_are_sojourn_quantiles():
    """The planned quotes (docs/sources.md §5): M/M/1 λ = 0.8 and M/M/3 λ = 2.4 (μ = 1)."""
    assert mm1_sojourn_quantile(0.90, 0.8, 1.0) == pytest.approx(11.513, abs=5e-4)
    assert mm1_sojourn_quantile(0.95, 0.8, 1.0) == pytest.approx(14.979, abs=5e-4)
    assert mmc_sojourn_quantile(0.90, 3, 2.4, 1.0) == pytest.approx(4.532, abs=5e-4)
    assert mmc_sojourn_quantile(0.95, 3, 2.4, 1.0) == pytest.approx(5.729, abs=5e-4)
    assert mmc_mean_sojourn(3, 2.4, 1.0) == pytest.approx(2.0787, abs=5e-5)
    assert erlang_c(3, 2.4, 1.0) == pytest.approx(0.6472, abs=5e-5)
    # the queue-wait quantiles are much shorter: quoting them would break the promise
    assert mmc_wait_quantile(0.90, 3, 2.4, 1.0) < 4.532 - 1.0
    assert mmc_wait_survival(0.0, 3, 2.4, 1.0) == erlang_c(3, 2.4, 1.0)
    assert mmc_mean_wait(1, 0.8, 1.0) == pytest.approx(4.0)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="below 1"):
        mm1_sojourn_quantile(0.9, 1.0, 1.0)
    with pytest.raises(ValueError, match="between 0 and 1"):
        mmc_sojourn_quantile(1.0, 2, 1.0, 1.0)
    with pytest.raises(ValueError, match="at least 2"):
        windowed_quantile_coverage(0.9, 1)


@pytest.mark.parametrize(("level", "window"), [(0.9, 500), (0.5, 20), (0.9, 7)])
def test_windowed_quantile_coverage_by_monte_carlo(level, window):
    """E[1 − e^{−q̂}] over 10,000 windows of iid Exp(1), q̂ = np.quantile(window, level)."""
    rng = np.random.default_rng(11)
    quotes = np.quantile(rng.exponential(size=(10_000, window)), level, axis=1)
    covered = 1.0 - np.exp(-quotes)  # P(new delivery ≤ quote | quote), exact
    standard_error = covered.std(ddof=1) / math.sqrt(covered.size)
    assert abs(covered.mean() - windowed_quantile_coverage(level, window)) <= 4 * standard_error
    if window >= 100:  # then close to the distribution-free ((n − 1)·level + 1)/(n + 1)
        rough = ((window - 1) * level + 1) / (window + 1)
        assert windowed_quantile_coverage(level, window) == pytest.approx(rough, abs=1e-4)


def test_the_plan_is_consistent():
    """Every band has a theory value; windows and horizons leave room for every arrival."""
    assert queueing.STATIONS
    for station in queueing.STATIONS:
        expected = queueing.theory(station)
        assert {key for key, _ in station.bands} <= set(expected)
        start, end = station.window
        assert 0 < start < end < station.horizon
        capacities = [resource.capacity for resource in station.scenario().resources]
        assert capacities == ([] if station.servers is None else [station.servers])


@pytest.fixture(scope="module")
def checks():
    return queueing.checks()


@pytest.mark.slow
def test_every_queueing_check_passes(checks):
    problems = verdict(checks)  # the rule every area follows (sim.validation.checks)
    assert not problems, "\n".join(problems)
