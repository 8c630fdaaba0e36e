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

import numpy as np
from scipy import integrate, linalg, optimize


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


def periodic_mtmc(
    rates: list[float],
    servers: list[int],
    service_rate: float,
    queue_limit: int = 120,
    steps: int = 60,
) -> dict[str, np.ndarray]:
    """The exact periodic behaviour of the M(t)/M/c(t) queue with an arrival rate and a
    number of servers constant within each hour (``rates[h]``, ``servers[h]``, h = 0 … the
    period in hours), by the Kolmogorov forward equations dp/dt = p·Q(t).

    The state is (busy servers b, customers queueing q). When servers go off shift a
    service in progress finishes (b may exceed c(t) until enough services end, and no new
    one starts meanwhile); when servers come on, the queue's head starts at once. Within an
    hour Q is constant, so p(t + Δ) = p(t)·exp(QΔ) (scipy ``expm``); the periodic state
    is the fixed point of one period, found by repeating periods until it stops moving. The
    queue is truncated at ``queue_limit`` (arrivals beyond it are turned away); the mass
    there is returned as ``truncated`` and must be negligible.

    Returns per hour the time averages of P(b ≥ c(t)) — by PASTA the probability that an
    arrival in that hour waits (Poisson arrivals see time averages) — and of the queue q,
    plus ``truncated``, the largest probability of a full queue over the period.

    >>> flat = periodic_mtmc([2.4] * 4, [3] * 4, 1.0)
    >>> bool(abs(flat["wait_probability"][0] - erlang_c(3, 2.4, 1.0)) < 1e-6)
    True
    """
    cmax = max(servers)
    size = (cmax + 1) * (queue_limit + 1)

    def index(b: int, q: int) -> int:
        return b * (queue_limit + 1) + q

    def generator(rate: float, c: int) -> np.ndarray:
        Q = np.zeros((size, size))
        for b in range(cmax + 1):
            for q in range(queue_limit + 1):
                i = index(b, q)
                if b < c and q == 0:
                    Q[i, index(b + 1, q)] += rate
                elif q < queue_limit:
                    Q[i, index(b, q + 1)] += rate
                if b > 0:
                    if q > 0 and b <= c:  # the freed server takes the queue's head
                        Q[i, index(b, q - 1)] += b * service_rate
                    else:  # nobody waiting, or the server goes off shift
                        Q[i, index(b - 1, q)] += b * service_rate
        Q[np.diag_indices(size)] = -Q.sum(axis=1)
        return Q

    def staff(p: np.ndarray, c: int) -> np.ndarray:
        """Servers coming on start the queue's head at once."""
        grid = p.reshape(cmax + 1, queue_limit + 1)
        out = np.zeros_like(grid)
        for b in range(cmax + 1):
            for q in range(queue_limit + 1):
                start = min(q, max(c - b, 0))
                out[b + start, q - start] += grid[b, q]
        return out.reshape(size)

    hours = len(rates)
    steps_of = {}
    for rate, c in set(zip(rates, servers, strict=True)):
        steps_of[rate, c] = linalg.expm(generator(rate, c) / steps)
    busy = np.repeat(np.arange(cmax + 1), queue_limit + 1)
    queue = np.tile(np.arange(queue_limit + 1), cmax + 1)
    full = queue == queue_limit
    p = np.zeros(size)
    p[0] = 1.0
    for _ in range(10_000):  # periods until the periodic state
        start = p.copy()
        waits, queues, truncated = np.zeros(hours), np.zeros(hours), 0.0
        for h in range(hours):
            p = staff(p, servers[h])
            step = steps_of[rates[h], servers[h]]
            wait_at = [p[busy >= servers[h]].sum()]
            queue_at = [p @ queue]
            for _ in range(steps):
                p = p @ step
                wait_at.append(p[busy >= servers[h]].sum())
                queue_at.append(p @ queue)
                truncated = max(truncated, p[full].sum())
            waits[h] = integrate.trapezoid(wait_at) / steps
            queues[h] = integrate.trapezoid(queue_at) / steps
        if np.abs(p - start).sum() < 1e-9:
            break
    return {"wait_probability": waits, "mean_queue": queues, "truncated": truncated}


def pointwise_stationary(
    rates: list[float], servers: list[int], service_rate: float
) -> dict[str, np.ndarray]:
    """The pointwise-stationary approximation (Green, Kolesar & Svoronos 1991): each hour
    as if its M/M/c steady state held — Erlang C and Lq = C·λ/(cμ − λ). Good when service
    is short against the hours over which demand changes; wrong when it is not.

    >>> round(float(pointwise_stationary([2.4], [3], 1.0)["mean_queue"][0]), 4)
    2.5888
    """
    waits = np.array(
        [erlang_c(c, rate, service_rate) for rate, c in zip(rates, servers, strict=True)]
    )
    queues = np.array(
        [
            w * rate / (c * service_rate - rate)
            for w, rate, c in zip(waits, rates, servers, strict=True)
        ]
    )
    return {"wait_probability": waits, "mean_queue": queues}
