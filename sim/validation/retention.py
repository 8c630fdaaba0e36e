"""Retention: cohort survival against the shifted-beta-geometric model (Fader & Hardie 2007).

>>> s = cohort_scenario(0.668, 3.806, customers=100)
>>> s.retention.churn_a, s.retention.satisfaction_effect, s.market.population
(0.668, 0.0, 100)
>>> survivors_by_period(episodes=[1, 3, 2], active=[False, False, True], periods=3).tolist()
[3, 2, 2, 1]
"""

from __future__ import annotations

import numpy as np

import sim
from sim import sbg
from sim.experiment.runner import local_executor
from sim.validation.checks import Check

AREA = "retention"
TITLE = "Retention: shifted-beta-geometric cohort survival"

SOURCE = "Fader & Hardie 2007"
#: Published fits on years 1–7 (Fader & Hardie 2007): α, β, LL and the year-12 projection
#: per 1,000, with the survivor counts of their Table 1.
SEGMENTS = {
    "High End": (sbg.HIGH_END, 0.668, 3.806, -1611.16, 378),
    "Regular": (sbg.REGULAR, 0.704, 1.182, -1680.27, 170),
}
FIT_YEARS = 7  # the paper fits years 1–7 and projects the rest
TOLERANCE_ALPHA, TOLERANCE_BETA, TOLERANCE_LL = 0.005, 0.02, 0.05  # half a reported digit
TOLERANCE_PROJECTION = 1.0  # per 1,000: the paper's integer rounding plus its rounded α, β
TOLERANCE_SURVIVAL = 20.0  # per 1,000 = 2 points per 100 (set in advance, docs/sources.md §16)
REFIT_SE = 3.0  # refitted α, β must lie within this many standard errors of the truth

COHORT = 10_000  # customers simulated per segment ...
REPLICATIONS = 4  # ... split into this many independent runs, to use several cores
INTERVAL = 24.0  # hours: mean time between purchases = one period
ACQUISITION = 10.0  # periods: the cohort arrives within this window (all but e⁻¹⁰ of it)
OBSERVATION = 25.0  # periods after the window: P(7 purchases take longer) < 2·10⁻⁶
SEED = 2007

INTRO = f"""
Fader & Hardie's (2007) shifted-beta-geometric (sBG) model: each customer has a churn
probability θ per period, constant over their life, and θ ~ Beta(α, β) across customers. A
cohort's survival is S(t) = B(α, β + t)/B(α, β) and its retention rate
r_t = (β + t − 1)/(α + β + t − 1) rises with tenure only because high-θ customers leave first.
The module `sim.sbg` implements the model: `survival`, `retention_rate`, `log_likelihood`,
`fit` (maximum likelihood on survivor counts) and `standard_errors` (expected Fisher
information). A strategist can fit their own cohort with `sim.sbg.fit` and use the fitted α, β
as `retention.churn_a`, `retention.churn_b`.

**Fitting the published data.** `sim.sbg.fit` on the paper's survivor counts for years 0–{FIT_YEARS}
(per 1,000 customers; "High End" and "Regular" segments) must reproduce their α, β and
log-likelihood to the digits they report (α ± {TOLERANCE_ALPHA}, β ± {TOLERANCE_BETA},
LL ± {TOLERANCE_LL}), and S(12) from the fit their year-12 projection (± {TOLERANCE_PROJECTION:g}
per 1,000: integer rounding plus their rounded α, β).

**Reduction of the engine to sBG.** In the engine a period is one purchase: after every
purchase the customer churns with probability h = h₀·exp(−β_S·S_cum + shock·max(−S, 0)),
× the unvoiced multiplier if a dissatisfied customer was not heard, where h₀ ~
Beta(`churn_a`, `churn_b`) is drawn once per customer. With `churn_a` = α, `churn_b` = β,
`satisfaction_effect` β_S = 0 and `bad_episode_shock` = 0, and a purchase that is one zero-time
touchpoint delivering exactly the market norm (service 3 = norm 3, nothing promised; so S = 0,
nobody is dissatisfied and the multiplier never applies), the hazard is exactly h₀ = θ.
Complaints are off and `wom.reach` = 0, so no prospect arrives by word of mouth.
The cohort: `market.population` = {COHORT // REPLICATIONS:,} per run, every prospect buys
(`brand_preference` = 50) and paid prospects arrive at {COHORT // REPLICATIONS:,} per period,
so (thinned by the untouched share) all but e^{{−{ACQUISITION:g}}} of the cohort arrives within
{ACQUISITION:g} periods. Purchases are {INTERVAL:g} h apart on average (exponential gaps,
`attitude_effect` = 0). The run lasts {ACQUISITION + OBSERVATION:g} periods, so every customer
has {OBSERVATION:g} periods to make the {FIT_YEARS} purchases that reveal their first
{FIT_YEARS} churn decisions; the chance it takes longer,
P(Gamma({FIT_YEARS - 1}) > {OBSERVATION:g}), is below 2·10⁻⁶. A customer has survived period t if they did not churn after any of their first
t purchases.

**Simulated cohorts.** For each segment {COHORT:,} customers ({REPLICATIONS} runs of
{COHORT // REPLICATIONS:,}) with θ ~ Beta of the published α, β. Survival per 1,000 must be within
{TOLERANCE_SURVIVAL:g} (2 points per 100, set in advance) of the sBG curve in every year
0–{FIT_YEARS}; the table shows the worst year. Customers do not interact here, so a survivor
count is binomial and its standard error is at most √(0.25/{COHORT:,}) = 5 per 1,000: the
tolerance is four standard errors, and the CI shown is the binomial one. Refitting sBG to the
pooled simulated survivors must recover α and β within {REFIT_SE:g} asymptotic standard
errors (`sim.sbg.standard_errors` for {COHORT:,} customers and {FIT_YEARS} periods; the
simulated column shows the refit ± 1.96 SE), a band that covers the truth 99.7% of the time
if the engine draws θ and churns as sBG says.
"""


# --------------------------------------------------------------------------- the scenario
def cohort_scenario(
    alpha: float, beta: float, customers: int = COHORT // REPLICATIONS, interval: float = INTERVAL
) -> sim.Scenario:
    """The engine reduced to sBG (see INTRO): h₀ ~ Beta(α, β) is the churn probability after
    every purchase; a cohort of ``customers`` arrives within ``ACQUISITION`` periods of
    ``interval`` hours and is watched for ``OBSERVATION`` more.

    >>> s = cohort_scenario(0.668, 3.806, customers=2500)
    >>> s.market.population, s.market.prospects_per_day, s.horizon / INTERVAL
    (2500, 2500.0, 35.0)
    """
    return sim.Scenario.from_dict(
        {
            "name": "sbg_cohort",
            "horizon": (ACQUISITION + OBSERVATION) * interval,
            # one zero-time touchpoint delivering exactly the norm: satisfaction is exactly 0
            "touchpoints": [{"name": "purchase", "delivered": {"service": 3.0}}],
            "market": {
                "prospects_per_day": customers * 24.0 / interval,
                "population": customers,
                "brand_preference": 50.0,
            },
            "retention": {
                "churn_a": alpha,
                "churn_b": beta,
                "satisfaction_effect": 0.0,
                "bad_episode_shock": 0.0,
                "interval": interval,
                "attitude_effect": 0.0,
            },
            "wom": {"reach": 0.0},
            "complaints": {"probability": 0.0},
        }
    )


def survivors_by_period(episodes, active, periods: int = FIT_YEARS) -> np.ndarray:
    """Survivor counts [n₀, …, n_T]: customers who did not churn after any of their first t
    purchases. A churned customer made ``episodes`` purchases and left after the last; an
    active one has survived all of them (and is counted as surviving later periods too,
    which the observation window makes irrelevant).

    >>> survivors_by_period([1, 2, 5], [False, True, False], periods=2).tolist()
    [3, 2, 2]
    """
    episodes, active = np.asarray(episodes), np.asarray(active, dtype=bool)
    churned_after = np.where(active, np.inf, episodes)  # the period they churned in
    return np.array([int(np.sum(churned_after > t)) for t in range(periods + 1)])


def simulate_cohort(
    job: tuple[float, float, int], customers: int = COHORT // REPLICATIONS
) -> tuple[np.ndarray, int]:
    """One run of ``job`` = (α, β, replication): survivor counts for periods 0–FIT_YEARS of a
    cohort of ``customers``, and how many are still active with fewer than FIT_YEARS
    purchases (censored). Top-level so that worker processes can run it.

    >>> counts, censored = simulate_cohort((0.704, 1.182, 0), customers=200)
    >>> int(counts[0]), censored
    (200, 0)
    """
    alpha, beta, replication = job
    seed = np.random.SeedSequence(SEED, spawn_key=(replication,))
    scenario = cohort_scenario(alpha, beta, customers)
    customers = sim.run(scenario, seed=seed).customers
    censored = int(np.sum(customers["active"] & (customers["episodes"] < FIT_YEARS)))
    return survivors_by_period(customers["episodes"], customers["active"]), censored


# --------------------------------------------------------------------------- the checks
def _simulate(workers: int | None) -> dict[str, list[tuple[np.ndarray, int]]]:
    jobs = [
        (name, (alpha, beta, replication))
        for name, (_, alpha, beta, _, _) in SEGMENTS.items()
        for replication in range(REPLICATIONS)
    ]
    pool, _ = local_executor(workers, len(jobs))
    if pool is None:
        outcomes = [simulate_cohort(job) for _, job in jobs]
    else:
        with pool:
            outcomes = list(pool.map(simulate_cohort, [job for _, job in jobs]))
    runs: dict[str, list[tuple[np.ndarray, int]]] = {name: [] for name in SEGMENTS}
    for (name, _), outcome in zip(jobs, outcomes, strict=True):
        runs[name].append(outcome)
    return runs


def _published_fit(name: str) -> list[Check]:
    """Refit the paper's survivor counts: α, β, LL and the year-12 projection."""
    counts, alpha, beta, ll, projection = SEGMENTS[name]
    a, b, fitted_ll = sbg.fit(counts[: FIT_YEARS + 1])
    common = dict(area=AREA, source=SOURCE)
    return [
        Check.within(
            name=f"{name}: fitted α (years 1–{FIT_YEARS})",
            target=alpha,
            simulated=a,
            tolerance=TOLERANCE_ALPHA,
            **common,
        ),
        Check.within(
            name=f"{name}: fitted β", target=beta, simulated=b, tolerance=TOLERANCE_BETA, **common
        ),
        Check.within(
            name=f"{name}: log-likelihood",
            target=ll,
            simulated=fitted_ll,
            tolerance=TOLERANCE_LL,
            digits=6,
            **common,
        ),
        Check.within(
            name=f"{name}: year-12 projection",
            target=projection,
            simulated=1000.0 * sbg.survival(12, a, b),
            tolerance=TOLERANCE_PROJECTION,
            unit="per 1,000",
            note=f"{name}: actual year-12 survivors {counts[12]} per 1,000",
            **common,
        ),
    ]


def _simulated_cohort(name: str, runs: list[tuple[np.ndarray, int]]) -> list[Check]:
    """Survival of the simulated cohort against S(t), and the refit of α, β."""
    _, alpha, beta, _, _ = SEGMENTS[name]
    pooled = np.sum([counts for counts, _ in runs], axis=0)
    censored = sum(c for _, c in runs)
    shares = pooled / pooled[0]
    theory = sbg.survival(np.arange(FIT_YEARS + 1), alpha, beta)
    worst = int(np.argmax(np.abs(shares - theory)))
    # customers are independent here, so a survivor count is binomial: exact 95% normal CI
    half = 1000.0 * 1.96 * np.sqrt(shares[worst] * (1.0 - shares[worst]) / pooled[0])
    a, b, _ = sbg.fit(pooled)
    se_alpha, se_beta = sbg.standard_errors(alpha, beta, pooled[0], FIT_YEARS)
    common = dict(area=AREA, source=SOURCE)
    curve = ", ".join(f"{1000 * s:.0f}" for s in shares)
    return [
        Check.within(
            name=f"{name}: simulated survival, worst of years 0–{FIT_YEARS} (year {worst})",
            target=1000.0 * float(theory[worst]),
            simulated=1000.0 * float(shares[worst]),
            half_width=float(half),
            tolerance=TOLERANCE_SURVIVAL,
            unit="per 1,000",
            note=(
                f"{name} cohort of {pooled[0]:,}: simulated {curve} per 1,000; sBG "
                + ", ".join(f"{1000 * s:.0f}" for s in theory)
                + f"; {censored} customers censored before period {FIT_YEARS}"
            ),
            **common,
        ),
        Check.within(
            name=f"{name}: α refitted to the simulated cohort",
            target=alpha,
            simulated=a,
            half_width=1.96 * se_alpha,
            tolerance=REFIT_SE * se_alpha,
            **common,
        ),
        Check.within(
            name=f"{name}: β refitted to the simulated cohort",
            target=beta,
            simulated=b,
            half_width=1.96 * se_beta,
            tolerance=REFIT_SE * se_beta,
            **common,
        ),
    ]


def checks(workers: int | None = None) -> list[Check]:
    """The published fits, then for each segment a simulated 10,000-customer cohort, run on
    ``workers`` processes (None: all cores).

    >>> rows = checks(workers=2)  # doctest: +SKIP
    """
    runs = _simulate(workers)
    result: list[Check] = []
    for name in SEGMENTS:  # our sBG code reproduces the published fit: a sanity check
        result += [check.sanity() for check in _published_fit(name)]
    for name in SEGMENTS:  # the engine's churn against sBG theory: never fitted, predicted
        result += [check.predicted() for check in _simulated_cohort(name, runs[name])]
    return result
