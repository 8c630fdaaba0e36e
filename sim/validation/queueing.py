"""Queueing: a capacity-limited touchpoint against M/M/1 and M/M/c theory.

>>> station = STATIONS[0]
>>> station.label, station.arrival_rate
('M/M/1 ρ = 0.5', 0.5)
>>> round(station.promise, 4)   # T₀.₉₀ = ln 10 / (μ − λ)
4.6052
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, replace

import numpy as np

import sim
from sim.experiment.runner import local_executor
from sim.experiment.stats import mean_ci
from sim.policies import QUANTILE_GAIN, QuantilePromise
from sim.validation.checks import Check
from sim.validation.queueing_theory import (
    erlang_c,
    mmc_mean_sojourn,
    mmc_mean_wait,
    mmc_sojourn_quantile,
    mmc_sojourn_survival,
    mmc_wait_quantile,
    mmc_wait_survival,
)
from sim.validation.stations import single_station

AREA = "queueing"
TITLE = "Queueing: M/M/1 and M/M/c — Erlang C, waiting and sojourn times, quantile promises"

SERVICE_RATE = 1.0  # μ per hour: every time below is in mean service times
LEVEL = 0.90  # s: the promise is the s-quantile of the sojourn time
SECOND_LEVEL = 0.95  # the plan's second level (on-time read off the same runs)
SEED = 1917  # Erlang's paper on waiting times
COOLDOWN_TAILS = 50.0  # after the last kept arrival, 50 tail time constants: P(missed) < e⁻⁵⁰
MISMATCH_HOURS = 1e-8  # |sojourn − promise| below this is float noise, not a verdict

SOURCE_ERLANG = "Erlang 1917; Gross, Shortle, Thompson & Harris 2008 (§2.3)"
SOURCE_MM1 = "Kleinrock 1975 (§3.2)"
SOURCE_QUOTE = "Ho & Zheng 2004; So & Song 1998; Kleinrock 1975 (M/M/1 sojourn quantile)"
SOURCE_LEARNING = "Robbins & Monro 1951 (stochastic approximation)"


@dataclass(frozen=True)
class Station:
    """One station of the plan: M/M/c (``servers`` = c) or, with ``servers`` None and a
    learning promise, an uncongested M/M/∞ touchpoint.

    A ``learning`` station quotes the learning ``QuantilePromise(LEVEL)`` instead of the
    fixed T_s; its one statistic, the on-time share, must be LEVEL ± its band with the whole
    95% CI inside the band.

    ``customers`` arrivals are kept per replication after ``warmup`` arrivals are dropped.
    ``bands`` maps each statistic checked here to its tolerance: absolute for
    probabilities, relative (a fraction of the theory) for means and quantiles.
    """

    servers: int | None
    utilisation: float  # ρ = λ/(cμ); for M/M/∞ the offered load λ/μ
    customers: int
    warmup: int
    replications: int
    seed: int
    bands: tuple[tuple[str, float], ...] = ()
    literature: bool = False  # also the planned acceptance rule: the CI covers s
    learning: bool = False  # promise = the learning QuantilePromise(LEVEL), not fixed

    @property
    def arrival_rate(self) -> float:
        """λ per hour."""
        return self.utilisation * (self.servers or 1) * SERVICE_RATE

    @property
    def label(self) -> str:
        """The station's name in the table, e.g. "M/M/1 ρ = 0.8"."""
        if self.servers is None:
            return "M/M/∞ (no queue)"
        return f"M/M/{self.servers} ρ = {self.utilisation:g}"

    @property
    def promise(self) -> float | dict:
        """The quoted time: T_s, the s-quantile of the sojourn (hours), or the learning
        policy's scenario table."""
        if self.learning:
            return QuantilePromise(LEVEL).as_table("time")
        return mmc_sojourn_quantile(LEVEL, self.servers, self.arrival_rate, SERVICE_RATE)

    @property
    def window(self) -> tuple[float, float]:
        """Arrival times (hours) whose episodes are kept: after the warm-up, before the end."""
        start = self.warmup / self.arrival_rate
        return start, start + self.customers / self.arrival_rate

    @property
    def horizon(self) -> float:
        """Hours simulated: the window plus a cool-down in which every kept arrival finishes
        (sojourn tails decay at rate min(μ, cμ − λ))."""
        tail_rate = SERVICE_RATE
        if self.servers is not None:
            tail_rate = min(tail_rate, self.servers * SERVICE_RATE - self.arrival_rate)
        return self.window[1] + COOLDOWN_TAILS / tail_rate

    def scenario(self) -> sim.Scenario:
        """The engine reduced to this station (:func:`sim.validation.stations.single_station`)."""
        return single_station(
            self.arrival_rate, SERVICE_RATE, self.servers, self.promise, self.horizon
        )


def theory(station: Station) -> dict[str, float]:
    """What theory says for each statistic of ``station`` (hours or probabilities).

    >>> {k: round(v, 4) for k, v in theory(STATIONS[3]).items()}["mean_sojourn"]  # M/M/1 0.8
    5.0
    """
    if station.learning:  # the claim itself (QuantileTracker's counting identity)
        return {"on_time": LEVEL}
    queue = (station.servers, station.arrival_rate, SERVICE_RATE)
    mean_wait = mmc_mean_wait(*queue)
    return {
        "erlang_c": erlang_c(*queue),
        "mean_wait": mean_wait,
        "wait_tail": mmc_wait_survival(mean_wait, *queue),
        "median": mmc_sojourn_quantile(0.5, *queue),
        "quantile": mmc_sojourn_quantile(LEVEL, *queue),
        "mean_sojourn": mmc_mean_sojourn(*queue),
        "on_time": LEVEL,
        "on_time_second": SECOND_LEVEL,
    }


def replication_statistics(
    station: Station, sojourn: np.ndarray, waited: np.ndarray, late: np.ndarray
) -> dict[str, float]:
    """Each statistic of one replication from its kept episodes (hours, booleans).

    >>> s = replication_statistics(STATIONS[0], np.array([1.0, 5.0]), np.array([0.0, 2.0]),
    ...                            np.array([False, True]))
    >>> s["erlang_c"], s["on_time"], s["late_mismatches"]
    (0.5, 0.5, 0.0)
    """
    stats = {"on_time": 1.0 - float(late.mean())}
    if station.learning:
        return stats
    promise = float(station.promise)
    expected = theory(station)
    judged = np.abs(sojourn - promise) > MISMATCH_HOURS  # away from the knife edge
    stats |= {
        "erlang_c": float(np.mean(waited > 0.0)),
        "mean_wait": float(waited.mean()),
        "wait_tail": float(np.mean(waited > expected["mean_wait"])),
        "median": float(np.quantile(sojourn, 0.5)),
        "quantile": float(np.quantile(sojourn, LEVEL)),
        "mean_sojourn": float(sojourn.mean()),
        "on_time_second": float(np.mean(sojourn <= _second_promise(station))),
        "late_mismatches": float(np.sum(late[judged] != (sojourn[judged] > promise))),
    }
    return stats


def simulate_station(task: tuple[Station, int]) -> dict[str, float]:
    """Run replication ``r`` of a station; return its statistics. Top-level so it pickles.

    Replication r uses ``SeedSequence(station.seed, spawn_key=(r,))``, as
    ``sim.replicate(station.scenario(), seed=station.seed)`` would.
    """
    station, replication = task
    seed = np.random.SeedSequence(station.seed, spawn_key=(replication,))
    episodes = sim.run(station.scenario(), seed=seed, episodes=True).episodes
    start, end = station.window
    arrived = episodes["start_day"].to_numpy() * 24.0
    kept = episodes[(arrived >= start) & (arrived < end)]
    ids = kept["customer"].to_numpy()
    if ids.size == 0 or ids.max() - ids.min() + 1 != ids.size:
        raise RuntimeError(f"{station.label}: kept arrivals are not all complete")
    sojourn = (kept["end_day"].to_numpy() - kept["start_day"].to_numpy()) * 24.0
    stats = replication_statistics(
        station, sojourn, kept["waited"].to_numpy(), kept["late"].to_numpy(dtype=bool)
    )
    return stats | {"kept": float(ids.size)}


# --------------------------------------------------------------------------- planning
def fcfs_queue(
    servers: int, arrival_rate: float, customers: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(waits, sojourns) in hours of ``customers`` successive arrivals at an FCFS M/M/c
    queue that starts empty — the textbook recursion, independent of the engine.

    >>> waits, sojourns = fcfs_queue(1, 0.5, 3, np.random.default_rng(0))
    >>> bool(waits[0] == 0.0 and np.all(sojourns >= waits))
    True
    """
    arrivals = np.cumsum(rng.exponential(1.0 / arrival_rate, customers))
    work = rng.exponential(1.0 / SERVICE_RATE, customers)
    free, waits = [0.0] * servers, np.empty(customers)
    for i, (now, needed) in enumerate(zip(arrivals.tolist(), work.tolist(), strict=True)):
        start = max(now, free[0])  # the earliest server to come free
        waits[i] = start - now
        heapq.heapreplace(free, start + needed)
    return waits, waits + work


def planning_sigma(
    station: Station, customers: int = 20_000_000, batches: int = 100, seed: int = 7
) -> dict[str, float]:
    """σ of each statistic of an M/M/c station, such that its standard error over n kept
    customers is about σ/√n (relative to the theory for RELATIVE statistics): the
    planning behind the bands (INTRO). Batch means of the FCFS recursion after a 1% warm-up;
    the defaults take a few minutes per station.

    >>> sigma = planning_sigma(STATIONS[0], customers=40_000, batches=4)
    >>> 0.0 < sigma["on_time"] < 3.0
    True
    """
    waits, sojourns = fcfs_queue(
        station.servers, station.arrival_rate, customers, np.random.default_rng(seed)
    )
    size = customers * 99 // 100 // batches
    expected = theory(station)
    rows = [
        replication_statistics(station, soj, wait, soj > float(station.promise))
        for wait, soj in zip(
            np.split(waits[-size * batches :], batches),
            np.split(sojourns[-size * batches :], batches),
            strict=True,
        )
    ]
    sigma = {}
    for key in STATISTICS:
        spread = math.sqrt(size) * float(np.std([row[key] for row in rows], ddof=1))
        sigma[key] = spread / expected[key] if key in RELATIVE else spread
    return sigma


# --------------------------------------------------------------------------- the plan
#: The statistics, in the order of the band columns below. Probabilities have absolute
#: bands; means and quantiles (RELATIVE) have bands as a fraction of the theory.
STATISTICS = (
    "erlang_c",  # P(wait > 0) = C
    "mean_wait",  # E[Wq] = C/(cμ − λ)
    "wait_tail",  # P(Wq > t) at t = E[Wq]
    "median",  # sojourn median
    "quantile",  # sojourn LEVEL-quantile T_s
    "mean_sojourn",  # E[W] = E[Wq] + 1/μ
    "on_time",  # share kept of the fixed promise T_s (the engine's `late` flag)
    "on_time_second",  # share delivered within T at SECOND_LEVEL (same runs)
)
RELATIVE = frozenset({"mean_wait", "median", "quantile", "mean_sojourn"})

# Each band is three planned standard errors at the station's size, rounded up (INTRO);
# the plan's own figures (±0.005 on time, ±2% E[W]; docs/sources.md §16) are used where it
# gives them. 10 replications each; the M/M/1 and M/M/3 at ρ = 0.8 are that plan (200k orders
# per run).
# fmt: off
_PLAN = (
    # c,  ρ,    kept/rep, warm-up, P(wait>0) E[Wq]  P(Wq>t) median  T_s    E[W]  on time T₀.₉₅
    (1, 0.50,  24_000,  1_000,  (0.006,  0.035, 0.007,  0.02,  0.025, None, 0.005, None)),
    (2, 0.50,  16_000,  1_000,  (0.008,  0.06,  0.008,  0.02,  0.02,  None, 0.005, None)),
    (4, 0.50,  10_000,  1_000,  (0.01,   0.115, 0.009,  0.02,  0.02,  None, 0.005, None)),
    (1, 0.80, 195_000,  5_000,  (0.003,  0.025, 0.006,  0.02,  0.025, 0.02, 0.005, 0.005)),
    (3, 0.80, 170_000,  5_000,  (0.005,  0.035, 0.007,  0.015, 0.02,  0.02, 0.005, 0.005)),
    (1, 0.95,  40_000, 10_000,  (0.007,  0.165, None,   0.15,  None,  None, 0.043, None)),
)
# fmt: on
REPLICATIONS = 10


def _station(index: int, row) -> Station:
    servers, utilisation, customers, warmup, bands = row
    return Station(
        servers,
        utilisation,
        customers,
        warmup,
        REPLICATIONS,
        seed=SEED + index,
        bands=tuple((k, b) for k, b in zip(STATISTICS, bands, strict=True) if b is not None),
        literature=utilisation == 0.8,
    )


#: The learning quantile promise: with no queue (M/M/∞), and the requirement that it keeps
#: LEVEL ± 1 pp at ρ = 0.8 on M/M/1 and M/M/3. (c, ρ, kept per replication, warm-up, band.)
_LEARNING = (
    (None, 1.0, 30_000, 1_000, 0.001),
    (1, 0.8, 40_000, 5_000, 0.01),
    (3, 0.8, 40_000, 5_000, 0.01),
)

STATIONS: tuple[Station, ...] = (
    *(_station(i, row) for i, row in enumerate(_PLAN)),
    *(
        Station(
            servers,
            utilisation,
            customers,
            warmup,
            REPLICATIONS,
            seed=SEED + len(_PLAN) + i,
            bands=(("on_time", band),),
            learning=True,
        )
        for i, (servers, utilisation, customers, warmup, band) in enumerate(_LEARNING)
    ),
)


# --------------------------------------------------------------------------- the checks
def _second_promise(station: Station) -> float:
    return mmc_sojourn_quantile(SECOND_LEVEL, station.servers, station.arrival_rate, SERVICE_RATE)


def _describe(key: str, station: Station) -> tuple[str, str]:
    """(check name, unit) of a statistic at a station."""
    if station.learning:
        return f"{station.label}: learning QuantilePromise({LEVEL:g}) on time", ""
    wait = theory(station)["mean_wait"]
    names = {
        "erlang_c": ("P(wait > 0) = Erlang C", ""),
        "mean_wait": ("mean wait E[Wq]", "h"),
        "wait_tail": (f"P(wait > E[Wq] = {wait:.3g} h)", ""),
        "median": ("sojourn median", "h"),
        "quantile": (f"sojourn {LEVEL:.2f}-quantile T_s", "h"),
        "mean_sojourn": ("mean sojourn E[W]", "h"),
        "on_time": (f"on time, fixed promise T₀.₉₀ = {float(station.promise):.4g} h", ""),
        "on_time_second": (f"on time at T₀.₉₅ = {_second_promise(station):.4g} h", ""),
    }
    text, unit = names[key]
    return f"{station.label}: {text}", unit


def _source(key: str, station: Station) -> str:
    if station.learning:
        return SOURCE_LEARNING
    if key.startswith("on_time"):
        return SOURCE_QUOTE
    return SOURCE_MM1 if station.servers == 1 else SOURCE_ERLANG


def _check(station: Station, key: str, band: float, values: list[float]) -> Check:
    """One statistic of one station against theory, with its band (see INTRO)."""
    target = theory(station)[key]
    mean, half = mean_ci(values)
    relative = key in RELATIVE
    name, unit = _describe(key, station)
    check = Check.within(
        area=AREA,
        name=name,
        target=target,
        simulated=mean,
        half_width=half,
        tolerance=band * target if relative else band,
        unit=unit,
        source=_source(key, station),
    )
    if relative:
        check = replace(check, tolerance=f"±{band:.1%}".replace(".0%", "%"))
    if station.learning:  # the claim holds within the band with the whole CI inside it
        inside = abs(mean - target) + half <= band
        check = replace(check, tolerance=f"{check.tolerance}, CI inside", passed=inside)
    if station.literature and key.startswith("on_time"):  # the planned target: CI ∋ s too
        covers = abs(mean - target) <= half
        check = replace(
            check, tolerance=f"{check.tolerance}, CI ∋ s", passed=check.passed and covers
        )
    return check


def _station_checks(station: Station, runs: list[dict[str, float]]) -> list[Check]:
    """Every statistic of one station; the first carries the run plan as its note."""
    checks = [_check(station, key, band, [run[key] for run in runs]) for key, band in station.bands]
    kept = np.mean([run["kept"] for run in runs])
    plan = (
        f"{len(runs)} replications, each {station.warmup:,} arrivals of warm-up then "
        f"{kept:,.0f} kept on average (seed {station.seed})"
    )
    return [replace(checks[0], note=plan), *checks[1:]]


def _bookkeeping_check(results: list[tuple[Station, list[dict[str, float]]]]) -> Check:
    fixed = [run for station, runs in results if not station.learning for run in runs]
    mismatches = sum(run["late_mismatches"] for run in fixed)
    episodes = sum(run["kept"] for run in fixed)
    return Check.within(
        area=AREA,
        name=f"late flag = (sojourn > promise) on all {episodes:,.0f} kept episodes",
        target=0.0,
        simulated=mismatches,
        tolerance=0.0,
        unit="mismatches",
        note="the engine's verdict agrees with the delivered time read off the timestamps",
    )


def run_plan(
    stations: tuple[Station, ...] = (), workers: int | None = None
) -> list[tuple[Station, list[dict[str, float]]]]:
    """Every replication of every station (longest first, on ``workers`` processes);
    returns (station, [statistics of each replication]) in the order of ``stations``."""
    stations = stations or STATIONS
    tasks = [(i, r) for i, s in enumerate(stations) for r in range(s.replications)]
    tasks.sort(key=lambda task: -(stations[task[0]].customers + stations[task[0]].warmup))
    pool, _ = local_executor(workers, len(tasks))
    work = [(stations[i], r) for i, r in tasks]
    if pool is None:
        outputs = [simulate_station(task) for task in work]
    else:
        with pool:
            outputs = list(pool.map(simulate_station, work))
    results: list[list[dict[str, float]]] = [[] for _ in stations]
    for (i, _), output in zip(tasks, outputs, strict=True):
        results[i].append(output)
    return list(zip(stations, results, strict=True))


def checks(workers: int | None = None) -> list[Check]:
    """Erlang C, waits, sojourn quantiles and promise keeping over the plan (see INTRO)."""
    results = run_plan(STATIONS, workers)
    found = [c for station, runs in results for c in _station_checks(station, runs)]
    # queueing theory the model was never fitted to: predictions; the engine's late flag
    # against its own timestamps is bookkeeping: sanity
    return [*(c.predicted() for c in found), _bookkeeping_check(results).sanity()]


def _relaxation_hours(utilisation: float) -> float:
    """M/M/1 relaxation time 1/(μ(1 − √ρ)²) in hours (Whitt 1989): the scale of the queue's
    memory, which sets warm-up and how fast replications average out.

    >>> round(_relaxation_hours(0.8))
    90
    """
    return 1.0 / (SERVICE_RATE * (1.0 - math.sqrt(utilisation)) ** 2)


_WAIT_QUOTE = mmc_wait_quantile(LEVEL, 3, 2.4, SERVICE_RATE)

INTRO = f"""
A touchpoint whose stage needs one of c servers is a queue. Reduced to the textbook case it
must reproduce M/M/1 and M/M/c theory — Erlang C, the waiting-time and sojourn-time
distributions — and a promise quoted at the s-quantile of the delivered time must be kept a
fraction s of the time (Ho & Zheng 2004; So & Song 1998).

**Reduction.** `single_station` (sim/validation/stations.py): Poisson arrivals at λ per hour,
exponential service at μ = {SERVICE_RATE:g} per hour by one of c servers, first come first
served. Every prospect buys exactly once (logit utility 50, churn certain) and nobody talks or
complains, so nothing feeds back on arrivals; the engine's queue is exactly the FCFS
recursion on its own random draws (tests/test_queueing.py). Read from the episode log: the
wait Wq is `waited`; the sojourn W = (end_day − start_day)·24 h is wait plus own service, the
delivered time a time promise is judged on; on time means `late` is False.

**Theory** (sim/validation/queueing_theory.py). With ρ = λ/(cμ) and θ = cμ − λ, an arrival waits with
probability C (Erlang C), and then for Exp(θ): E[Wq] = C/θ and P(Wq > t) = C·e^{{−θt}}. Under
FCFS the customer's own service is independent of its wait, so
P(W > t) = e^{{−μt}}[1 + Cμ/(θ − μ)·(1 − e^{{−(θ−μ)t}})]; for c = 1 this is e^{{−(μ−λ)t}},
W ~ Exp(μ − λ) and T_s = −ln(1 − s)/(μ − λ) (λ = 0.8: 11.513 h for s = 0.90 and 14.979 h for
0.95; docs/sources.md §5). For c > 1, T_s solves P(W > T_s) = 1 − s. The planned M/M/3
quotes (λ = 2.4: 4.532 and 5.729 h) are these *sojourn* quantiles, which match the model's
delivered time; the queue-wait quantile ln(C/(1 − s))/θ = {_WAIT_QUOTE:.3f} h for s = 0.90
would be broken by {mmc_sojourn_survival(_WAIT_QUOTE, 3, 2.4, SERVICE_RATE):.0%} of customers.

**Plan.** ρ = 0.5 with c = 1, 2, 4; ρ = 0.8 with c = 1 and 3 (the target set in advance:
λ = 0.8 and 2.4, 10 replications of 200k orders; docs/sources.md §16); ρ = 0.95 with
c = 1. Every M/M/c station quotes the fixed promise T₀.₉₀; the on-time share at T₀.₉₅ is read off the same runs (a fixed promise
does not change the queue). Each of the {REPLICATIONS} replications of a station starts
empty, drops its first arrivals as warm-up (at least 6 relaxation times 1/(μ(1 − √ρ)²) of an
M/M/1 queue: {_relaxation_hours(0.5):.0f} h at ρ = 0.5, {_relaxation_hours(0.8):.0f} h at 0.8,
{_relaxation_hours(0.95):,.0f} h at 0.95), keeps the arrivals of the next n/λ hours and runs
on until each of them has been served. The replications are independent batches: figures are
their mean ± the t-based 95% half-width.

**Tolerances** are stated in advance. Where the planned target gives one it is used: on time
±0.005 with the 95% CI covering s, and E[W] ±2%. Elsewhere a band is three standard errors at
the station's size, rounded up; the standard errors were planned from each statistic's
asymptotic variance, measured with 100 batch means of 200k customers of an independent FCFS
recursion (Whitt 1989; `planning_sigma` in sim/validation/queueing.py redoes it).
Autocorrelation dominates: at ρ = 0.8 one customer's on-time indicator adds a variance of
about 6 instead of s(1 − s) = 0.09, so ±0.005 needs about 2M customers (it is 2.8 standard
errors for the M/M/1 station). At ρ = 0.95 that variance is about 80 and ±0.5 pp would take
some 3·10⁷ customers, so the bands there are wide (E[Wq] ±16.5%, on time ±0.043): they catch
a wrong formula, not a percent-level error. Erlang C, a plain share of customers, stays
precise at every load.

**The learning quantile promise.** `QuantilePromise(s)` starts from the no-queue
quantile and then learns from every delivery (`QuantileTracker` in sim/policies.py): it quotes
the running mean of the deliveries plus u running standard deviations, and after each
delivery u moves by g·(broken − (1 − s)) with g = {QUANTILE_GAIN:g} — Robbins and Monro's
(1951) stochastic approximation. Counting those steps, the promises broken after n deliveries
number exactly (1 − s)·n + (u_n − u_0)/g, so while u stays bounded the on-time share tends to
s at any load, however autocorrelated the deliveries. (A quote of the s-quantile of the last
500 deliveries, the policy's earlier form, does not: at ρ = 0.8 it was kept 87% of the time,
because a window of a congested queue under-represents the tail and lags the queue.) The
engine tells the tracker both the delivered level and the promise that order was quoted, so
each delivery is judged against its own promise (judged against the current quote instead,
which rises while congestion builds during an order, the share fell short of s by about
0.3 pp at ρ = 0.8 and 1.6 pp at ρ = 0.95). The checks: with no queue (M/M/∞) the share must be s ± 0.001, and on
M/M/1 and M/M/3 at ρ = 0.8 — the requirement for a learning policy — s ± 1 pp, each with the
whole 95% CI inside the band. The feedback makes the share far less noisy than a fixed
promise's (a burst of broken promises is paid back by keeping more for a while), so
{_LEARNING[1][2] // 1000}k orders per replication are plenty.
"""
