"""Diffusion: adoption from advertising and word of mouth against the Bass (1969) curve.

>>> round(bass_adoption(bass_peak(0.03, 0.38), 0.03, 0.38), 4)   # F(t*) = (q − p)/2q
0.4605
>>> s = bass_scenario()
>>> s.market.population, s.wom.reach
(10000, 3.8)
"""

from __future__ import annotations

import math

import numpy as np

import sim
from sim.experiment.runner import local_executor
from sim.experiment.stats import mean_ci
from sim.validation.checks import Check

AREA = "diffusion"
TITLE = "Diffusion: Bass adoption from ads and word of mouth"

P, Q = 0.03, 0.38  # innovation and imitation per period (Sultan, Farley & Lehmann 1990)
POPULATION = 10_000  # N, the market
PERIOD = 168.0  # hours in one Bass period (a week; Bass is scale-free, see INTRO)
PERIODS = 20  # horizon in periods: adoption is 99.6% complete by then
INTERVAL = 10.0  # mean periods between a customer's purchases (= wom.delay, see INTRO)
REPLICATIONS = 20
SEED = 1969
GRID_STEP = 0.01  # periods between the points where F_sim and F are compared
BANDWIDTH = 1.0  # periods: Gaussian kernel smoothing the adoption rate to find its peak
TOLERANCE_F = 0.02  # max |F_sim − F|, a share of N (set in advance: docs/sources.md §16)
TOLERANCE_PEAK = 0.3  # periods, on t*
SOURCE_BASS = "Bass 1969; Sultan, Farley & Lehmann 1990"

INTRO = f"""
With advertising and word of mouth only (nobody churns, everybody who shops buys), cumulative
adoption in a fully mixed market should follow the Bass (1969) curve
F(t) = (1 − e^{{−(p+q)t}}) / (1 + (q/p)·e^{{−(p+q)t}}), the solution of
dF/dt = (1 − F)(p + q·F), with the mean parameters of Sultan, Farley & Lehmann's (1990)
meta-analysis, p = {P} and q = {Q} per period. Adoption is fastest at
t* = ln(q/p)/(p + q) = {math.log(Q / P) / (P + Q):.2f} periods, where F(t*) = (q − p)/2q =
{(Q - P) / (2 * Q):.4f}.

**Reduction to Bass.** One Bass period is {PERIOD:g} h (a week); the curve depends only on
(p + q)·t, so the choice of unit changes nothing but the clock's labels. The market has
`market.population` N = {POPULATION:,}. The engine keeps each arriving prospect (paid or
word of mouth) with probability (N − decided)/N, where *decided* counts everyone who has made
a buy-or-not decision (`behaviour.undecided_share`). With `brand_preference` = 50 every
prospect buys (1 − Pr(buy) ≈ 2·10⁻²²), so *decided* = adopters = N·F and the thinning is
exactly Bass's untouched share 1 − F.

- *Innovation.* `prospects_per_day` = p·N·24/{PERIOD:g} = {P * POPULATION * 24 / PERIOD:.4g}:
  p·N paid prospects per period, thinned to p·N·(1 − F) adopters.
- *Imitation.* A purchase is one zero-time touchpoint delivering exactly the market norm
  (service 3 = norm 3, nothing promised), so every episode's satisfaction is exactly 0.
  `wom.base` = 1 makes every customer talk after every purchase; each talk reaches
  Poisson(`wom.reach` = r) people, who shop after Exp(`wom.delay` = D). Customers never
  churn (`churn_a` = 10⁻⁶, `churn_b` = 10⁶, `satisfaction_effect` = `bad_episode_shock` = 0)
  and buy again after Exp(`retention.interval` = I) (`attitude_effect` = 0).
  Complaints are off.
- *Why D = I.* Bass needs each adopter to bring prospects at a constant rate q from the
  moment of adoption. An adopter buys at adoption and then at Poisson rate 1/I, and each
  purchase's listeners arrive spread over Exp(D). The expected arrival rate of an adopter's
  listeners at age s is r·e^{{−s/D}}/D + (r/I)·(1 − e^{{−s/D}}): the first purchase's burst plus
  the later purchases. With D = I it is r/I for every s ≥ 0, so q = r/I exactly. With a short
  delay instead, the burst of r listeners at adoption would add r·dF/dt to the imitation term,
  dF/dt·(1 − r(1 − F)) = (1 − F)(p + qF). Solving that ODE, max |F − F_Bass| ≈ 0.6·r, so
  ≤ 0.02 needs r ≤ 0.033, i.e. I = r/q ≤ 0.09 periods: about 160 purchases per adopter,
  1.6 million per replication, far beyond the runtime budget; and for r ≥ 1 the burst is
  an explosive cascade (while r(1 − F) > 1 each adopter's burst alone brings in more than
  one new adopter). Here I = D = {INTERVAL:g} periods and r = q·I = {Q * INTERVAL:g}: each
  adopter buys about 1 + ({PERIODS} − t_adopt)/I times.
- *Comparison.* {REPLICATIONS} replications of N = {POPULATION:,} over {PERIODS} periods.
  F_sim(t) is the share of N acquired by t, averaged over replications, compared with F(t)
  every {GRID_STEP} period on [0, {PERIODS}]. The simulated peak is the maximum of each
  replication's adoption rate, smoothed with a Gaussian kernel of {BANDWIDTH} period; the
  Bass density is symmetric about t* (a logistic shape), so smoothing does not move its peak.

**Tolerances** (set in advance, docs/sources.md §16): max |F_sim − F| ≤ {TOLERANCE_F},
t* ± {TOLERANCE_PEAK} period, F(t*) ± {TOLERANCE_F}. Finite N adds noise of order
1/√N = 0.01 to one replication's curve and the mean over {REPLICATIONS} has 1/√{REPLICATIONS} of
that, so the tolerances leave room for the mean-field approximation, not for luck.
The split between innovators and imitators is checked with the same tolerance:
Bass's paid adopters by t are ∫p(1 − F)dt = (p/q)·ln(1 + (q/p)·F(t)) of N.
"""


# --------------------------------------------------------------------------- theory
def bass_adoption(t, p: float = P, q: float = Q):
    """Bass cumulative adoption F(t), the share of the market adopted by t periods.

    >>> [round(float(f), 3) for f in bass_adoption(np.array([5.0, 10.0]))]
    [0.331, 0.813]
    """
    decay = np.exp(-(p + q) * np.asarray(t, dtype=float))
    adopted = (1.0 - decay) / (1.0 + (q / p) * decay)
    return float(adopted) if adopted.ndim == 0 else adopted


def bass_peak(p: float = P, q: float = Q) -> float:
    """Time of fastest adoption t* = ln(q/p)/(p + q), in periods (needs q > p).

    >>> round(bass_peak(), 2)
    6.19
    """
    return math.log(q / p) / (p + q)


def bass_innovators(t, p: float = P, q: float = Q):
    """Share of the market that adopted through advertising by t: ∫₀ᵗ p(1 − F) ds
    = (p/q)·ln(1 + (q/p)·F(t)), since p(1 − F)·dt = p·dF/(p + qF).

    >>> round(bass_innovators(20.0), 4)
    0.2062
    """
    innovators = (p / q) * np.log1p((q / p) * np.asarray(bass_adoption(t, p, q)))
    return float(innovators) if innovators.ndim == 0 else innovators


# --------------------------------------------------------------------------- the scenario
def bass_scenario(
    p: float = P,
    q: float = Q,
    population: int = POPULATION,
    interval: float = INTERVAL,
    period: float = PERIOD,
) -> sim.Scenario:
    """The engine reduced to the Bass model (see INTRO): ads at p·N per period, word of mouth
    at q per adopter per period (r = q·interval listeners per purchase, delay = interval),
    everyone buys, nobody churns. ``interval`` is in periods, ``period`` in hours.

    >>> s = bass_scenario(population=1000)
    >>> s.market.prospects_per_day * PERIOD / 24, s.wom.delay == s.retention.interval
    (30.0, True)
    """
    return sim.Scenario.from_dict(
        {
            "name": "bass",
            "horizon": PERIODS * period,
            # one zero-time touchpoint delivering exactly the norm: satisfaction is exactly 0
            "touchpoints": [{"name": "purchase", "delivered": {"service": 3.0}}],
            "market": {
                "prospects_per_day": p * population * 24.0 / period,
                "population": population,
                "brand_preference": 50.0,
            },
            "retention": {
                "churn_a": 1e-6,
                "churn_b": 1e6,
                "satisfaction_effect": 0.0,
                "bad_episode_shock": 0.0,
                "interval": interval * period,
                "attitude_effect": 0.0,
            },
            "wom": {"base": 1.0, "reach": q * interval, "delay": interval * period},
            "complaints": {"probability": 0.0},
        }
    )


def simulate_adoption(replication: int, scenario: sim.Scenario | None = None):
    """One replication: (adoption times in periods, sorted; True where the adopter came
    from a paid prospect). Top-level so that worker processes can run it.

    >>> times, paid = simulate_adoption(0, bass_scenario(population=200))
    >>> bool(times.size > 190 and paid.any() and not paid.all())
    True
    """
    scenario = bass_scenario() if scenario is None else scenario
    seed = np.random.SeedSequence(SEED, spawn_key=(replication,))
    customers = sim.run(scenario, seed=seed).customers.sort_values("acquired_day")
    times = customers["acquired_day"].to_numpy() * 24.0 / PERIOD
    return times, (customers["source"] == "paid").to_numpy()


def adoption_curve(times: np.ndarray, grid: np.ndarray, population: int = POPULATION):
    """F_sim on ``grid``: the share of the population adopted by each time (periods).

    >>> adoption_curve(np.array([1.0, 2.0]), np.array([0.5, 1.5, 2.5]), population=4)
    array([0.  , 0.25, 0.5 ])
    """
    return np.searchsorted(times, grid, side="right") / population


def adoption_peak(times: np.ndarray, grid: np.ndarray, bandwidth: float = BANDWIDTH) -> float:
    """Time of the highest adoption rate: the argmax of the adoption times' histogram on the
    evenly spaced ``grid`` (periods), smoothed with a Gaussian kernel (``bandwidth`` periods).

    >>> t = np.random.default_rng(0).normal(5.0, 1.0, 4000)
    >>> round(adoption_peak(t, np.arange(0.0, 10.005, 0.01)), 1)
    5.0
    """
    step = grid[1] - grid[0]
    counts, _ = np.histogram(times, bins=np.append(grid - step / 2, grid[-1] + step / 2))
    half = round(5 * bandwidth / step)  # kernel out to ±5 bandwidths, odd length: centred
    kernel = np.exp(-0.5 * (np.arange(-half, half + 1) * step / bandwidth) ** 2)
    return float(grid[np.argmax(np.convolve(counts, kernel, mode="same"))])


# --------------------------------------------------------------------------- the checks
def _replications(workers: int | None) -> list[tuple[np.ndarray, np.ndarray]]:
    pool, _ = local_executor(workers, REPLICATIONS)
    if pool is None:
        return [simulate_adoption(r) for r in range(REPLICATIONS)]
    with pool:
        return list(pool.map(simulate_adoption, range(REPLICATIONS)))


def checks(workers: int | None = None) -> list[Check]:
    """Adoption curve, peak time, adoption at the peak and the ads/WOM split against Bass,
    from ``REPLICATIONS`` runs on ``workers`` processes (None: all cores).

    >>> rows = checks(workers=2)  # doctest: +SKIP
    """
    runs = _replications(workers)
    grid = np.arange(0.0, PERIODS + GRID_STEP / 2, GRID_STEP)
    # Bass's closed form is theory the model was never fitted to: predictions
    found = [_curve_check(runs, grid), *_peak_checks(runs, grid), _innovators_check(runs)]
    return [check.predicted() for check in found]


def _curve_check(runs, grid: np.ndarray) -> Check:
    """The largest gap between the mean simulated curve and F on the grid."""
    curves = np.array([adoption_curve(times, grid) for times, _ in runs])
    mean_curve = curves.mean(axis=0)
    gaps = np.abs(mean_curve - bass_adoption(grid))
    worst = int(np.argmax(gaps))
    _, half = mean_ci(curves[:, worst])
    shown = (5.0, 10.0, float(PERIODS))
    return Check.at_most(
        area=AREA,
        name=f"max |F_sim − F| on [0, {PERIODS}] (p = {P}, q = {Q}, N = {POPULATION:,},"
        f" {REPLICATIONS} reps)",
        bound=TOLERANCE_F,
        simulated=float(gaps[worst]),
        half_width=half,
        source=SOURCE_BASS,
        note=(
            f"largest gap at t = {grid[worst]:.2f}: F = {bass_adoption(grid[worst]):.4f},"
            f" F_sim = {mean_curve[worst]:.4f}; F_sim(5), F_sim(10), F_sim({PERIODS}) = "
            + ", ".join(f"{mean_curve[round(t / GRID_STEP)]:.3f}" for t in shown)
            + " (Bass: "
            + ", ".join(f"{bass_adoption(t):.3f}" for t in shown)
            + ")"
        ),
    )


def _peak_checks(runs, grid: np.ndarray) -> list[Check]:
    """Each replication's peak time and its adoption share there, against t* and F(t*)."""
    peaks = [adoption_peak(times, grid) for times, _ in runs]
    shares = [
        float(adoption_curve(times, np.array([peak]))[0])
        for (times, _), peak in zip(runs, peaks, strict=True)
    ]
    peak, peak_half = mean_ci(peaks)
    share, share_half = mean_ci(shares)
    return [
        Check.within(
            area=AREA,
            name="peak adoption time t*",
            target=bass_peak(),
            simulated=peak,
            half_width=peak_half,
            tolerance=TOLERANCE_PEAK,
            unit="periods",
            digits=3,
            source=SOURCE_BASS,
        ),
        Check.within(
            area=AREA,
            name="adoption at the peak F(t*)",
            target=bass_adoption(bass_peak()),
            simulated=share,
            half_width=share_half,
            tolerance=TOLERANCE_F,
            source=SOURCE_BASS,
        ),
    ]


def _innovators_check(runs) -> Check:
    """Adopters who came through ads, against Bass's ∫p(1 − F)."""
    paid, half = mean_ci([paid.sum() / POPULATION for _, paid in runs])
    return Check.within(
        area=AREA,
        name=f"adopted through ads by t = {PERIODS} (share of N)",
        target=float(bass_innovators(float(PERIODS))),
        simulated=paid,
        half_width=half,
        tolerance=TOLERANCE_F,
        source="Bass 1969",
    )
