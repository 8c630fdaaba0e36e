"""Closed-form queueing results the engine is validated against.

M/M/c with arrival rate λ, service rate μ per server and c servers (ρ = λ/(cμ) < 1).
Erlang C is computed through the numerically stable Erlang B recursion
(B₀ = 1, B_k = a·B_{k−1} / (k + a·B_{k−1}), a = λ/μ; C = B_c / (1 − ρ(1 − B_c))).

>>> round(erlang_c(servers=4, arrival_rate=3.2, service_rate=1.0), 6)   # literature: 0.596432
0.596432
>>> round(mmc_mean_wait(servers=4, arrival_rate=3.2, service_rate=1.0), 7)  # 0.7455406
0.7455406
"""

from __future__ import annotations


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
