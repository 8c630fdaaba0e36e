"""Closed-form queueing results the engine is validated against.

M/M/c with arrival rate λ, service rate μ per server and c servers (ρ = λ/(cμ) < 1), first
come first served. Erlang C is computed through the numerically stable Erlang B recursion
(B₀ = 1, B_k = a·B_{k−1} / (k + a·B_{k−1}), a = λ/μ; C = B_c / (1 − ρ(1 − B_c))).

Times are in the unit of the rates (hours for rates per hour). The wait in queue Wq is 0
with probability 1 − C and otherwise exponential with rate θ = cμ − λ; the sojourn
(delivered) time is W = Wq + S with the customer's own service S ~ Exp(μ) independent of
Wq (Gross & Harris, *Fundamentals of Queueing Theory*, §2.3; Kleinrock 1975, §3.5).

>>> round(erlang_c(servers=4, arrival_rate=3.2, service_rate=1.0), 6)   # literature: 0.596432
0.596432
>>> round(mmc_mean_wait(servers=4, arrival_rate=3.2, service_rate=1.0), 7)  # 0.7455406
0.7455406
>>> round(mmc_sojourn_quantile(0.9, servers=3, arrival_rate=2.4, service_rate=1.0), 3)
4.532
"""

from __future__ import annotations

import math

from scipy import optimize


def erlang_c(servers: int, arrival_rate: float, service_rate: float) -> float:
    """Probability an arrival has to wait in an M/M/c queue (Erlang C)."""
    load = arrival_rate / service_rate
    utilisation = load / servers
    if not 0 <= utilisation < 1:
        raise ValueError(
            f"utilisation λ/(cμ) = {utilisation:g} — must be below 1 for a steady state"
        )
    blocking = 1.0
    for k in range(1, servers + 1):
        blocking = load * blocking / (k + load * blocking)
    return blocking / (1.0 - utilisation * (1.0 - blocking))


def mmc_mean_wait(servers: int, arrival_rate: float, service_rate: float) -> float:
    """Mean time in queue Wq = C / (cμ − λ), in the time unit of the rates."""
    return erlang_c(servers, arrival_rate, service_rate) / (servers * service_rate - arrival_rate)


def mmc_mean_sojourn(servers: int, arrival_rate: float, service_rate: float) -> float:
    """Mean time in the system W = Wq + 1/μ (wait plus own service), in the rates' time unit.

    >>> round(mmc_mean_sojourn(servers=1, arrival_rate=0.8, service_rate=1.0), 9)  # 1/(μ − λ)
    5.0
    """
    return mmc_mean_wait(servers, arrival_rate, service_rate) + 1.0 / service_rate


def mmc_wait_survival(t: float, servers: int, arrival_rate: float, service_rate: float) -> float:
    """P(Wq > t) = C·e^{−(cμ−λ)t} for t ≥ 0: the chance of queueing longer than ``t``.

    >>> round(mmc_wait_survival(0.0, servers=1, arrival_rate=0.8, service_rate=1.0), 6)  # = ρ
    0.8
    >>> round(mmc_wait_survival(4.0, servers=1, arrival_rate=0.8, service_rate=1.0), 6)
    0.359463
    """
    if t < 0:
        return 1.0
    rate = servers * service_rate - arrival_rate
    return erlang_c(servers, arrival_rate, service_rate) * math.exp(-rate * t)


def mmc_wait_quantile(p: float, servers: int, arrival_rate: float, service_rate: float) -> float:
    """Smallest t with P(Wq ≤ t) ≥ p: 0 when p ≤ 1 − C, else ln(C/(1 − p)) / (cμ − λ).

    >>> round(mmc_wait_quantile(0.9, servers=3, arrival_rate=2.4, service_rate=1.0), 3)
    3.112
    """
    _check_probability(p)
    waits = erlang_c(servers, arrival_rate, service_rate)
    if waits <= 1.0 - p:
        return 0.0
    return math.log(waits / (1.0 - p)) / (servers * service_rate - arrival_rate)


def mmc_sojourn_survival(t: float, servers: int, arrival_rate: float, service_rate: float) -> float:
    """P(W > t) for the sojourn W = Wq + S (FCFS), t ≥ 0.

    With θ = cμ − λ, P(W > t) = e^{−μt}[1 + Cμ/(θ − μ)·(1 − e^{−(θ−μ)t})]. It is evaluated
    as e^{−μt} + Cμ·e^{−min(μ,θ)t}·(1 − e^{−|θ−μ|t})/|θ−μ|, which cannot overflow and tends
    to e^{−μt}(1 + Cμt) as θ → μ. For c = 1 it reduces to e^{−(μ−λ)t}.

    >>> round(mmc_sojourn_survival(11.513, servers=1, arrival_rate=0.8, service_rate=1.0), 4)
    0.1
    >>> round(mmc_sojourn_survival(1.0, servers=2, arrival_rate=1.0, service_rate=1.0), 6)  # θ = μ
    0.490506
    """
    if t < 0:
        return 1.0
    waits = erlang_c(servers, arrival_rate, service_rate)
    theta = servers * service_rate - arrival_rate
    gap = abs(theta - service_rate)
    # (1 − e^{−gap·t}) / gap, → t as gap → 0
    ramp = t if gap * t < 1e-12 else -math.expm1(-gap * t) / gap
    slowest = math.exp(-min(service_rate, theta) * t)
    return math.exp(-service_rate * t) + waits * service_rate * slowest * ramp


def mmc_sojourn_quantile(p: float, servers: int, arrival_rate: float, service_rate: float) -> float:
    """The p-quantile of the sojourn W (wait + service): the promise kept with probability p.

    Solved by Brent's method on :func:`mmc_sojourn_survival` (continuous, strictly
    decreasing from 1). Literature: c = 3, λ = 2.4, μ = 1 gives 4.532 (p = 0.90) and 5.729
    (p = 0.95) — sojourn, not queue-wait, quantiles (those are 3.112 and 4.268).

    >>> round(mmc_sojourn_quantile(0.95, servers=3, arrival_rate=2.4, service_rate=1.0), 3)
    5.729
    """
    _check_probability(p)
    if servers == 1:
        return mm1_sojourn_quantile(p, arrival_rate, service_rate)
    target = 1.0 - p

    def excess(t: float) -> float:
        return mmc_sojourn_survival(t, servers, arrival_rate, service_rate) - target

    high = 1.0 / service_rate
    while excess(high) > 0:
        high *= 2.0
    return float(optimize.brentq(excess, 0.0, high, xtol=1e-12, rtol=1e-12))


def mm1_sojourn_quantile(p: float, arrival_rate: float, service_rate: float) -> float:
    """M/M/1 FCFS: W ~ Exp(μ − λ), so the p-quantile is −ln(1 − p) / (μ − λ).

    Quoting it keeps the promise exactly a fraction p of the time (Ho & Zheng 2004; So &
    Song 1998). λ = 0.8, μ = 1: 11.513 (p = 0.90) and 14.979 (p = 0.95), mean 5.

    >>> round(mm1_sojourn_quantile(0.90, arrival_rate=0.8, service_rate=1.0), 3)
    11.513
    """
    _check_probability(p)
    erlang_c(1, arrival_rate, service_rate)  # raises unless λ < μ
    return -math.log1p(-p) / (service_rate - arrival_rate)


def windowed_quantile_coverage(level: float, window: int) -> float:
    """P(X ≤ q̂): a new exponential delivery X against the empirical ``level``-quantile q̂
    of ``window`` earlier independent ones (numpy's default, linear interpolation).

    This is what quoting the quantile of a window of past deliveries achieves when they are
    independent (no queue) — the quantile promise policy's earlier form; the policy now
    learns by stochastic approximation (:class:`sim.policies.QuantileTracker`). q̂ lies a fraction g of the way from the j-th to the (j+1)-th order
    statistic, with (window − 1)·level = j − 1 + g. By Rényi's representation
    X₍ⱼ₎ = Σ_{i≤j} E_i/(n−i+1) with E_i iid Exp(1), so
    E[e^{−q̂}] = (n−j+1)/(n+1) · (n−j)/(n−j+g) and the coverage is one minus that. It does
    not depend on the mean of X and is close to the distribution-free
    ((n−1)·level + 1)/(n+1); it tends to ``level`` as the window grows.

    >>> round(windowed_quantile_coverage(0.9, 500), 6)
    0.898407
    >>> round(windowed_quantile_coverage(0.9, 10**7), 6)
    0.9
    """
    _check_probability(level)
    if window < 2:
        raise ValueError(f"window must hold at least 2 deliveries, not {window}")
    n = window
    position = (n - 1) * level  # 0-based position of q̂ among the sorted window
    j = min(math.floor(position) + 1, n - 1)  # 1-based lower order statistic
    g = position - (j - 1)
    return 1.0 - (n - j + 1) / (n + 1) * (n - j) / (n - j + g)


def _check_probability(p: float) -> None:
    if not 0.0 < p < 1.0:
        raise ValueError(f"probability must be strictly between 0 and 1, not {p!r}")
