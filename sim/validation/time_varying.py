"""Time-varying queues: the calendar's demand profile and shifts against the exact
M(t)/M/c(t) transient solution and against Ciw, a peer simulator.

>>> DAILY.label, len(DAILY.rates), max(DAILY.servers)
('daily peaks and shifts', 24, 4)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

import sim
from sim.experiment.runner import local_executor
from sim.experiment.stats import mean_ci
from sim.validation.checks import Check
from sim.validation.queueing_theory import periodic_mtmc, pointwise_stationary
from sim.validation.stations import single_station

AREA = "time_varying"
TITLE = "Time-varying queues: M(t)/M/c(t) by the Kolmogorov forward equations, and Ciw"

#: Tolerances, fixed before any comparison was run (see INTRO).
WAIT_TOLERANCE = 0.03  # P(an arrival waits), absolute
QUEUE_TOLERANCE = (0.05, 0.10)  # mean queue: 0.05 customers + 10% of the exact value
CIW_TOLERANCE = 0.02  # P(wait > t), engine against Ciw, absolute
PSA_FAILS = 0.10  # in the fast case the approximation misses P(wait) by more than this

SOURCE_EXACT = "Kolmogorov forward equations (Gross, Shortle, Thompson & Harris 2008, §2.1)"
SOURCE_PSA = "Green, Kolesar & Svoronos 1991 (pointwise-stationary approximation)"
SOURCE_CIW = "Palmer, Knight, Harper & Hawa 2019 (Ciw)"


@dataclass(frozen=True)
class Schedule:
    """One daily schedule: arrivals per hour and servers at work, hour by hour (0–23),
    exponential service at ``service_rate`` per hour."""

    label: str
    rates: tuple[float, ...]
    servers: tuple[int, ...]
    service_rate: float
    weeks: int  # per replication (the engine starts on a Monday: whole weeks)
    replications: int
    hours: tuple[int, ...]  # hours of the day checked

    def scenario(self) -> sim.Scenario:
        """:func:`single_station` with this schedule as its calendar: the hourly rates as
        the demand profile and one shift per run of equal servers."""
        station = single_station(
            sum(self.rates) / 24.0,
            self.service_rate,
            max(self.servers),
            horizon=f"{self.weeks * 7} d",
        )
        data = station.to_dict()
        data["calendar"] = {"hours": list(self.rates), "shifts": self.shifts()}
        return sim.Scenario.from_dict(data)

    def shifts(self) -> list[dict]:
        """The servers as shifts: one per run of hours with the same number."""
        shifts, start = [], 0
        for h in range(1, 25):
            if h == 24 or self.servers[h] != self.servers[start]:
                shifts.append(
                    {
                        "resource": "server",
                        "start": f"{start:02d}:00",
                        "end": f"{h:02d}:00",
                        "capacity": self.servers[start],
                    }
                )
                start = h
        return shifts


#: A day with a lunch and a dinner peak and shifts that follow them; service of 15 minutes
#: is short against the hours over which demand moves, so the stationary formulas nearly
#: hold hour by hour. Servers go off shift at 14:00 and 22:00 while the queue is long.
DAILY = Schedule(
    label="daily peaks and shifts",
    rates=(1, 1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 9, 10, 9, 6, 5, 5, 7, 11, 11, 10, 7, 4, 2),
    servers=(1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 2, 2, 2, 3, 4, 4, 4, 3, 2, 1),
    service_rate=4.0,
    weeks=26,
    replications=6,
    hours=(8, 12, 14, 19, 22),
)
#: Demand that swings every hour with one-hour services: the queue cannot settle within an
#: hour, so the pointwise-stationary approximation fails and the exact solution does not.
FAST = Schedule(
    label="demand swinging every hour",
    rates=(2.7, 0.6) * 12,
    servers=(3,) * 24,
    service_rate=1.0,
    weeks=40,
    replications=6,
    hours=(0, 1),
)
SCHEDULES = (DAILY, FAST)
#: Waits (hours) at which the engine's and Ciw's distributions are compared.
CIW_WAITS = (0.0, 0.25, 1.0)
CIW_WEEKS = 40
SEED = 1991  # Green, Kolesar & Svoronos


def by_hour(result: sim.Result) -> dict[str, np.ndarray]:
    """The engine's waiting probability and mean queue per hour of the day, over every day
    of the run (from ``Result.resources_by_time``)."""
    table = result.resources_by_time
    table = table[table["resource"] == "server"]
    waited = (table["wait_probability"].fillna(0.0) * table["requests"]).groupby(table["hour"])
    requests = table.groupby("hour")["requests"].sum()
    return {
        "wait_probability": (waited.sum() / requests).to_numpy(),
        "mean_queue": table.groupby("hour")["mean_queue"].mean().to_numpy(),
    }


def simulate(task: tuple[Schedule, int]) -> dict[str, np.ndarray]:
    """One replication of a schedule: the engine's figures per hour of the day, and the
    waits of every arrival after the first day (for the Ciw comparison)."""
    schedule, replication = task
    seed = np.random.SeedSequence(SEED, spawn_key=(replication,))
    result = sim.run(schedule.scenario(), seed=seed, episodes=True, progress=False)
    episodes = result.episodes
    waits = episodes.loc[episodes["start_day"] >= 1.0, "waited"].to_numpy()
    return {**by_hour(result), "waits": waits}


@cache
def exact(schedule: Schedule) -> dict[str, np.ndarray]:
    """The periodic M(t)/M/c(t) solution of a schedule (cached: it takes a second)."""
    return periodic_mtmc(list(schedule.rates), list(schedule.servers), schedule.service_rate)


def ciw_waits(schedule: Schedule, weeks: int = CIW_WEEKS, seed: int = SEED) -> np.ndarray:
    """Waits (hours) of every arrival after the first day in Ciw, on the same schedule:
    Poisson arrivals at the hourly rates (``PoissonIntervals``), exponential service, a
    constant number of servers. (Ciw's shift change without pre-emption lets the new shift
    start while the old one finishes its services, so for a moment more servers work than
    either shift has; the engine, like the exact solution, never exceeds the larger of the
    two. Shifts are therefore checked against the exact solution only.)"""
    import ciw  # the peer, a development dependency: imported only here

    hours = weeks * 7 * 24
    ends = [float(h) for h in range(1, 25)]
    servers = set(schedule.servers)
    if len(servers) > 1:  # Ciw's new shift starts while the old one finishes: not the same
        raise ValueError("the Ciw cross-check needs a constant number of servers")
    network = ciw.create_network(
        arrival_distributions=[
            ciw.dists.PoissonIntervals(
                rates=list(schedule.rates), endpoints=ends, max_sample_date=float(hours)
            )
        ],
        service_distributions=[ciw.dists.Exponential(rate=schedule.service_rate)],
        number_of_servers=[servers.pop()],
    )
    ciw.seed(seed)
    simulation = ciw.Simulation(network)
    simulation.simulate_until_max_time(float(hours))
    records = simulation.get_all_records()
    return np.array([r.waiting_time for r in records if r.arrival_date >= 24.0])


def run_plan(workers: int | None = None) -> dict[Schedule, list[dict[str, np.ndarray]]]:
    """Every replication of every schedule (on ``workers`` processes)."""
    tasks = [(s, r) for s in SCHEDULES for r in range(s.replications)]
    pool, _ = local_executor(workers, len(tasks))
    if pool is None:
        outputs = [simulate(task) for task in tasks]
    else:
        with pool:
            outputs = list(pool.map(simulate, tasks))
    runs: dict[Schedule, list] = {s: [] for s in SCHEDULES}
    for (schedule, _), output in zip(tasks, outputs, strict=True):
        runs[schedule].append(output)
    return runs


def _hour_checks(schedule: Schedule, runs: list[dict]) -> list[Check]:
    theory = exact(schedule)
    psa = pointwise_stationary(list(schedule.rates), list(schedule.servers), schedule.service_rate)
    found = []
    for h in schedule.hours:
        when = f"{schedule.label}, {h:02d}:00–{h + 1:02d}:00"
        wait, wait_hw = mean_ci([r["wait_probability"][h] for r in runs])
        found.append(
            Check.within(
                area=AREA,
                name=f"{when}: P(wait)",
                target=float(theory["wait_probability"][h]),
                simulated=wait,
                half_width=wait_hw,
                tolerance=WAIT_TOLERANCE,
                source=SOURCE_EXACT,
                note=f"pointwise-stationary approximation: {psa['wait_probability'][h]:.3f}",
            )
        )
        queue, queue_hw = mean_ci([r["mean_queue"][h] for r in runs])
        target = float(theory["mean_queue"][h])
        found.append(
            Check.within(
                area=AREA,
                name=f"{when}: mean queue",
                target=target,
                simulated=queue,
                half_width=queue_hw,
                tolerance=QUEUE_TOLERANCE[0] + QUEUE_TOLERANCE[1] * target,
                unit="customers",
                source=SOURCE_EXACT,
                note=f"pointwise-stationary approximation: {psa['mean_queue'][h]:.3f} customers",
            )
        )
    return found


def _psa_check(schedule: Schedule) -> Check:
    """How far the pointwise-stationary approximation is from the exact solution."""
    theory = exact(schedule)
    psa = pointwise_stationary(list(schedule.rates), list(schedule.servers), schedule.service_rate)
    error = float(np.max(np.abs(psa["wait_probability"] - theory["wait_probability"])))
    return Check.at_least(
        area=AREA,
        name=f"{schedule.label}: the stationary approximation's largest P(wait) error",
        bound=PSA_FAILS,
        simulated=error,
        source=SOURCE_PSA,
        note="why the exact transient solution is needed: hour by hour Erlang C is far off "
        "when demand changes faster than the queue settles",
    )


def _ciw_checks(runs: list[dict]) -> list[Check]:
    engine = np.concatenate([r["waits"] for r in runs])
    peer = ciw_waits(FAST)
    found = []
    for t in CIW_WAITS:
        ours = float(np.mean(engine > t))
        theirs = float(np.mean(peer > t))
        found.append(
            Check.within(
                area=AREA,
                name=f"{FAST.label}: P(wait > {t * 60:g} min), engine vs Ciw",
                target=theirs,
                simulated=ours,
                tolerance=CIW_TOLERANCE,
                source=SOURCE_CIW,
                note=f"{len(engine):,} engine arrivals, {len(peer):,} in Ciw",
            )
        )
    return found


def checks(workers: int | None = None) -> list[Check]:
    """Hour-by-hour waiting probability and queue against the exact solution, the
    stationary approximation's failure, and the wait distribution against Ciw."""
    runs = run_plan(workers)
    found = [c for s in SCHEDULES for c in _hour_checks(s, runs[s])]
    found += _ciw_checks(runs[FAST])
    # nothing in the engine was fitted to any of these: predictions; the approximation's
    # error is a property of the theory alone: sanity
    return [*(c.predicted() for c in found), _psa_check(FAST).sanity()]


INTRO = f"""
With `calendar`, demand follows a profile and servers follow shifts. Reduced to one queue
(`single_station`, every prospect buys once) with an arrival rate and a number of servers
constant within each hour, the engine is the M(t)/M/c(t) queue, whose exact behaviour is
known numerically.

**Theory** (`periodic_mtmc`, sim/validation/queueing_theory.py). The state is (busy servers,
customers queueing); within an hour the generator Q is constant and p(t + Δ) = p(t)·exp(QΔ)
(the Kolmogorov forward equations, solved with scipy's `expm`, queue truncated at 120 with
negligible mass there). A server whose shift ends finishes the service in progress, as in
the engine. The periodic state is found by repeating days until it stops moving. By PASTA an
arrival in an hour waits with the time-average probability that every server at work is busy.
The **pointwise-stationary approximation** (PSA) treats each hour as an M/M/c steady state.

**Cases.** *{DAILY.label}*: service of 15 minutes, 1–11 arrivals an hour, 1–4 servers in
shifts (servers leave at 14:00 and 22:00 with a queue waiting); {DAILY.replications} runs
of {DAILY.weeks} weeks. *{FAST.label}*: one-hour services, 2.7 then 0.6 arrivals an hour,
3 servers; the queue cannot settle within an hour, so the PSA is far off (its values are in
the notes) while the exact solution is not; {FAST.replications} runs of {FAST.weeks} weeks.
The engine's figures come from `Result.resources_by_time` (waits and queue-hours by the hour
they fall in), averaged over every day of the run, the first day's start from empty included.

**Peer.** The fast case runs in Ciw (Palmer et al. 2019) on the same schedule: Poisson
arrivals at the hourly rates, three servers. The engine's distribution of the wait is
compared with Ciw's at a few points. (Shifts are not compared with Ciw: at a shift change
without pre-emption Ciw lets the new shift start while the old one finishes its services,
so for a moment more servers work than either shift has; the engine, like the exact
solution, does not.)

**Tolerances, stated in advance.** P(wait): ±{WAIT_TOLERANCE} absolute; mean queue:
±({QUEUE_TOLERANCE[0]} customers + {QUEUE_TOLERANCE[1]:.0%} of the exact value); P(wait > t)
engine against Ciw: ±{CIW_TOLERANCE}; the PSA's largest P(wait) error in the fast case must
exceed {PSA_FAILS} (else the case would not show what it is for). Nothing in the engine was
fitted to any of them: all are held-out predictions.
"""
