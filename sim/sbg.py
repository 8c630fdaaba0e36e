"""The shifted-beta-geometric (sBG) model of contractual churn (Fader & Hardie 2007).

Every customer has a churn probability θ per period, constant over their life, and θ varies
across customers as Beta(α, β). A customer who starts in period 1 churns at the end of period
t with probability θ(1 − θ)^{t−1} (shifted geometric); mixing over the Beta gives

```text
P(T = t) = B(α + 1, β + t − 1) / B(α, β)          t = 1, 2, …  (lifetime in periods)
S(t)     = P(T > t) = B(α, β + t) / B(α, β)       survival: share still a customer after t
r_t      = S(t) / S(t − 1) = (β + t − 1)/(α + β + t − 1)     retention rate, rises with t
```

Retention rises with tenure although no customer's own θ changes: the high-θ customers
leave first (sorting, not loyalty). A *period* is whatever the data count: a contract year in
Fader & Hardie's data, one purchase in promise-gap (``retention.churn_a`` = α and
``retention.churn_b`` = β give each customer θ = h₀; with ``satisfaction_effect`` and
``bad_episode_shock`` at 0, the churn hazard after each purchase is exactly θ).

Survivor counts are a list ``[n₀, n₁, …, n_T]``: customers at the start and still active
after each of T periods (n₀ is the cohort). :func:`fit` returns the maximum-likelihood α, β:
a strategist can fit their own cohort and copy α, β into ``churn_a`` / ``churn_b``.

>>> alpha, beta, ll = fit(HIGH_END[:8])              # years 0–7, as in the paper
>>> round(alpha, 3), round(beta, 3), round(ll, 2)
(0.668, 3.806, -1611.16)
>>> round(1000 * survival(12, alpha, beta))           # their year-12 projection (actual: 394)
378

Reference: P. S. Fader and B. G. S. Hardie (2007), "How to project customer retention",
*Journal of Interactive Marketing* 21(1):76–90.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike
from scipy import optimize, special

#: Fader & Hardie (2007), Table 1: survivors per 1,000 customers after years 0–12.
HIGH_END = (1000, 869, 743, 653, 593, 551, 517, 491, 468, 445, 427, 409, 394)
REGULAR = (1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173)


def survival(t: ArrayLike, alpha: float, beta: float) -> np.ndarray | float:
    """S(t) = B(α, β + t)/B(α, β): the share of a cohort still active after t periods.

    ``t`` is a count of periods (0, 1, 2, …; arrays allowed); α, β > 0 are the Beta
    parameters of the per-period churn probability θ.

    >>> round(float(survival(1, 0.668, 3.806)), 4)    # = β/(α + β)
    0.8507
    >>> [round(1000 * s) for s in survival([0, 1, 2, 3], 0.668, 3.806)]
    [1000, 851, 747, 670]
    """
    t = np.asarray(t, dtype=float)
    log_s = special.betaln(alpha, beta + t) - special.betaln(alpha, beta)
    return float(np.exp(log_s)) if log_s.ndim == 0 else np.exp(log_s)


def retention_rate(t: ArrayLike, alpha: float, beta: float) -> np.ndarray | float:
    """r_t = S(t)/S(t − 1) = (β + t − 1)/(α + β + t − 1): share of period t − 1's survivors
    who stay through period t (t ≥ 1). It rises with t as high-churn customers sort out.

    >>> [round(float(r), 3) for r in retention_rate([1, 2, 12], 0.704, 1.182)]
    [0.627, 0.756, 0.945]
    """
    t = np.asarray(t, dtype=float)
    rate = (beta + t - 1.0) / (alpha + beta + t - 1.0)
    return float(rate) if rate.ndim == 0 else rate


def lifetime_probability(t: ArrayLike, alpha: float, beta: float) -> np.ndarray | float:
    """P(T = t) = B(α + 1, β + t − 1)/B(α, β): the share of a cohort that churns at the end
    of period t (t ≥ 1), i.e. S(t − 1) − S(t).

    >>> round(float(lifetime_probability(1, 0.668, 3.806)), 4)   # = α/(α + β), mean θ
    0.1493
    """
    t = np.asarray(t, dtype=float)
    log_p = special.betaln(alpha + 1.0, beta + t - 1.0) - special.betaln(alpha, beta)
    return float(np.exp(log_p)) if log_p.ndim == 0 else np.exp(log_p)


def log_likelihood(alpha: float, beta: float, survivors: Sequence[float]) -> float:
    """Log-likelihood of survivor counts [n₀, …, n_T] under sBG(α, β).

    n_{t−1} − n_t customers churned in period t (t = 1 … T); the n_T still active at the end
    are right-censored (they contribute S(T)):
    LL = Σ_t (n_{t−1} − n_t)·ln P(T = t) + n_T·ln S(T). Natural log; counts, not shares.

    >>> round(log_likelihood(0.668, 3.806, HIGH_END[:8]), 2)
    -1611.16
    """
    counts = _counts(survivors)
    periods = np.arange(1, counts.size)
    churned = counts[:-1] - counts[1:]
    log_p = special.betaln(alpha + 1.0, beta + periods - 1.0) - special.betaln(alpha, beta)
    log_s = special.betaln(alpha, beta + periods[-1]) - special.betaln(alpha, beta)
    return float(np.dot(churned, log_p) + counts[-1] * log_s)


def fit(
    survivors: Sequence[float], start: tuple[float, float] = (1.0, 1.0)
) -> tuple[float, float, float]:
    """Maximum-likelihood (α, β) for survivor counts [n₀, …, n_T]; returns (α, β, LL).

    Maximises :func:`log_likelihood` over log α, log β (so both stay positive) with
    scipy's Nelder–Mead, to a tolerance far below the 3 decimals a fit is reported to.

    >>> alpha, beta, ll = fit(REGULAR[:8])
    >>> round(alpha, 3), round(beta, 3), round(ll, 2)
    (0.704, 1.182, -1680.27)
    """
    counts = _counts(survivors)

    def negative(log_params: np.ndarray) -> float:
        return -log_likelihood(math.exp(log_params[0]), math.exp(log_params[1]), counts)

    best = optimize.minimize(
        negative,
        np.log(start),
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-10, "maxiter": 10_000},
    )
    alpha, beta = (float(v) for v in np.exp(best.x))
    return alpha, beta, -float(best.fun)


def standard_errors(alpha: float, beta: float, cohort: float, periods: int) -> tuple[float, float]:
    """Asymptotic standard errors of the fitted (α, β) for a cohort observed ``periods``
    periods: the square roots of the diagonal of the inverse expected Fisher information.

    The data are multinomial over T = 1 … ``periods`` and "still active", so the information
    per customer is Σ_c ∇π_c ∇π_cᵀ / π_c; the derivatives of ln B are digamma differences.
    Use it to state in advance how closely a cohort of this size pins α and β down.

    >>> se_alpha, se_beta = standard_errors(0.668, 3.806, cohort=1000, periods=7)
    >>> round(se_alpha, 3), round(se_beta, 3)
    (0.109, 0.831)
    """
    score_rows, probabilities = [], []
    psi_ab = special.digamma(alpha + beta)
    for t in range(1, periods + 1):  # churned in period t: ln B(α + 1, β + t − 1) − ln B(α, β)
        tail = special.digamma(alpha + beta + t)
        score_rows.append(
            (
                special.digamma(alpha + 1.0) - tail - special.digamma(alpha) + psi_ab,
                special.digamma(beta + t - 1.0) - tail - special.digamma(beta) + psi_ab,
            )
        )
        probabilities.append(lifetime_probability(t, alpha, beta))
    tail = special.digamma(alpha + beta + periods)  # still active: ln B(α, β + T) − ln B(α, β)
    score_rows.append(
        (psi_ab - tail, special.digamma(beta + periods) - tail - special.digamma(beta) + psi_ab)
    )
    probabilities.append(survival(periods, alpha, beta))
    scores, weights = np.array(score_rows), np.array(probabilities)
    information = cohort * (scores.T * weights) @ scores  # Σ π_c s_c s_cᵀ, s = ∇ln π
    se_alpha, se_beta = np.sqrt(np.diag(np.linalg.inv(information)))
    return float(se_alpha), float(se_beta)


def _counts(survivors: Sequence[float]) -> np.ndarray:
    counts = np.asarray(survivors, dtype=float)
    if counts.ndim != 1 or counts.size < 2:
        raise ValueError("survivors: give counts [n0, n1, ...] for at least one period")
    if np.any(np.diff(counts) > 0) or counts[-1] < 0:
        raise ValueError("survivors: counts must be non-negative and never increase")
    return counts


__all__ = [
    "HIGH_END",
    "REGULAR",
    "fit",
    "lifetime_probability",
    "log_likelihood",
    "retention_rate",
    "standard_errors",
    "survival",
]
