"""Servers taken and given back without SimPy's no-op events serve the same customers at the
same times as SimPy's own ``with resource.request()`` (sim.engine.servers).

The engine relies on this for results that do not depend on how a queue is coded: the same
customers, arriving at the same times, must start and end their services at exactly the
same clock readings, in the same order, with or without priorities, shifts and customers
who give up waiting — only the number of SimPy events may differ (it must be smaller).
"""

from __future__ import annotations

import random

import pytest
import simpy

from sim.engine.calendar import ShiftPriorityResource, ShiftResource
from sim.engine.servers import PriorityServers, Servers


def _queue(kind: str, fast: bool, seed: int, capacity: int = 2) -> tuple[list, int]:
    """A small queue: 200 customers with random gaps and work (some of them expedited,
    some with a patience), served by one resource; returns (log, SimPy events).

    ``fast``: the engine's ``take``/``give_back``; else SimPy's ``with request()``. The
    ``shifts`` kinds change the servers every 3 hours (0, 1, 3 servers). A fifth of the
    customers come straight back to the desk when served, at the same instant: SimPy then
    lets them take the server they just freed ahead of the queue, and so must the engine."""
    rng = random.Random(seed)
    env = simpy.Environment()
    priority = "priority" in kind
    if "shifts" in kind:
        desk = (ShiftPriorityResource if priority else ShiftResource)(env, capacity)
    else:
        desk = (PriorityServers if priority else Servers)(env, capacity)
    log = []

    def customer(name, work: float, rank: int | None, patience: float | None, again: bool):
        asked = env.now
        if fast:
            request = desk.take(rank)
            if request is not None:
                if patience is None:
                    yield request
                else:
                    outcome = yield request | env.timeout(patience)
                    if request not in outcome:
                        request.cancel()
                        desk.release(request)
                        log.append((name, "gave up", env.now))
                        return
            log.append((name, "starts", env.now, env.now - asked))
            yield env.timeout(work)
            desk.give_back(request)
        else:
            with desk.request() if rank is None else desk.request(priority=rank) as request:
                if patience is None:
                    yield request
                else:
                    outcome = yield request | env.timeout(patience)
                    if request not in outcome:
                        log.append((name, "gave up", env.now))
                        return
                log.append((name, "starts", env.now, env.now - asked))
                yield env.timeout(work)
        log.append((name, "ends", env.now))
        if again:  # straight back to the same desk at the same instant (a complaint)
            yield from customer((name, "again"), work / 2, rank, None, False)

    def arrivals():
        for name in range(200):
            yield env.timeout(rng.expovariate(1.5))
            rank = rng.choice((0, 1)) if priority else None
            patience = rng.uniform(0.1, 2.0) if rng.random() < 0.3 else None
            again = rng.random() < 0.2
            env.process(customer(name, rng.expovariate(1.0), rank, patience, again))

    def shifts():
        for servers in [0, 1, 3] * 40:
            yield env.timeout(3.0)
            desk.staff(servers)

    env.process(arrivals())
    if "shifts" in kind:
        env.process(shifts())
    env.run()
    return log, next(env._eid)


@pytest.mark.parametrize("kind", ["plain", "priority", "shifts", "priority shifts"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_take_and_give_back_serve_exactly_as_simpy_does(kind, seed):
    """Every start, end and give-up happens at the same clock reading, in the same order,
    as with SimPy's own request/release; fewer SimPy events are scheduled."""
    simpy_log, simpy_events = _queue(kind, fast=False, seed=seed)
    fast_log, fast_events = _queue(kind, fast=True, seed=seed)
    assert fast_log == simpy_log
    assert any(entry[1] == "gave up" for entry in fast_log)  # the patience race was exercised
    assert any(entry[1] == "starts" and entry[3] > 0 for entry in fast_log)  # and queueing
    assert fast_events < simpy_events


def test_a_free_server_is_held_at_once_and_a_busy_one_is_queued_for():
    """take() returns None when a server is free and nobody waits, a request otherwise;
    give_back() hands the server to the first in the queue."""
    env = simpy.Environment()
    desk = Servers(env, capacity=1)
    first = desk.take()
    second = desk.take()
    assert first is None and desk.count == 1
    assert second is not None and not second.triggered and len(desk.queue) == 1
    desk.give_back(first)
    env.run()
    assert second.triggered and desk.count == 1 and not desk.queue
    desk.give_back(second)
    assert desk.count == 0
