"""The time-varying queue: the exact M(t)/M/c(t) solution against independent answers
(fast), and the engine against it and against Ciw (slow).

The tolerances are stated in :mod:`sim.validation.time_varying` and in docs/validation.md
before any comparison; nothing in the engine was fitted to them.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate

from sim.validation import time_varying, verdict
from sim.validation.queueing_theory import erlang_c, periodic_mtmc, pointwise_stationary


@pytest.mark.parametrize(("servers", "rate"), [(1, 0.5), (3, 2.4), (4, 3.0)])
def test_a_constant_schedule_is_the_stationary_queue(servers, rate):
    exact = periodic_mtmc([rate] * 3, [servers] * 3, 1.0)
    stationary = pointwise_stationary([rate], [servers], 1.0)
    assert exact["wait_probability"] == pytest.approx(erlang_c(servers, rate, 1.0), abs=1e-6)
    assert exact["mean_queue"] == pytest.approx(stationary["mean_queue"][0], rel=1e-5)


def test_the_exact_solution_matches_solve_ivp_on_a_birth_death_chain():
    """One server, no shifts: the queue is a birth–death chain on n = customers present;
    integrate its forward equations with solve_ivp over many days from empty and compare
    the last day's hourly averages with the (busy, queue) solution."""
    rates = [0.3, 1.4, 0.8, 0.2] * 6
    limit = 80

    def forward(t, p):
        rate = rates[int(t % 24)]
        flow = np.zeros_like(p)
        flow[:-1] -= rate * p[:-1]
        flow[1:] += rate * p[:-1]
        flow[1:] -= p[1:]
        flow[:-1] += p[1:]
        return flow

    days = 12
    start = np.zeros(limit + 1)
    start[0] = 1.0
    p = start
    waits, queues = np.zeros(24), np.zeros(24)
    queue = np.maximum(np.arange(limit + 1) - 1, 0)
    for day in range(days):
        for h in range(24):
            t0 = day * 24 + h
            grid = np.linspace(t0, t0 + 1, 61)
            solution = integrate.solve_ivp(
                forward, (t0, t0 + 1), p, t_eval=grid, rtol=1e-10, atol=1e-12, method="LSODA"
            )
            p = solution.y[:, -1]
            waits[h] = integrate.trapezoid(1.0 - solution.y[0], grid)
            queues[h] = integrate.trapezoid(queue @ solution.y, grid)
    exact = periodic_mtmc(rates, [1] * 24, 1.0, queue_limit=limit)
    assert exact["wait_probability"] == pytest.approx(waits, abs=1e-4)
    assert exact["mean_queue"] == pytest.approx(queues, abs=1e-4)


def test_a_capacity_drop_lets_services_finish():
    """From 3 servers to 1 with little demand: right after the drop more than one service
    is still going, so the hour after the drop waits more often than a queue that could
    only ever have had one server would, but less than it will an hour later."""
    rates = [2.0] * 12 + [0.1] * 12
    servers = [3] * 12 + [1] * 12
    exact = periodic_mtmc(rates, servers, 1.0)
    settled = erlang_c(1, 0.1, 1.0)
    assert exact["wait_probability"][12] > exact["wait_probability"][14] > settled * 0.99


def test_the_stationary_approximation_fails_in_the_fast_case_only():
    fast, daily = time_varying.FAST, time_varying.DAILY
    assert time_varying._psa_check(fast).passed
    theory = time_varying.exact(daily)
    psa = pointwise_stationary(list(daily.rates), list(daily.servers), daily.service_rate)
    assert np.max(np.abs(psa["wait_probability"] - theory["wait_probability"])) < 0.15


def test_the_shifts_of_a_schedule_are_its_servers():
    schedule = time_varying.DAILY
    shifts = schedule.shifts()
    hours = []
    for shift in shifts:
        start, end = int(shift["start"][:2]), int(shift["end"][:2])
        hours += [shift["capacity"]] * (end - start)
    assert tuple(hours) == schedule.servers


@pytest.mark.slow
def test_every_time_varying_check_passes():
    checks = time_varying.checks(workers=2)
    assert not verdict(checks), verdict(checks)
    assert {c.kind for c in checks} == {"predicted", "sanity"}
