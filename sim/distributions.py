"""Distributions of delivered time, cost and service, sampled by inverse CDF.

Every distribution turns one uniform ``u`` in (0, 1) into a value with ``sample(u)``. Inverse
sampling is *monotone*: the same ``u`` under a slower process gives a slower delivery, so
comparisons between policies or parameter values share their randomness (common random
numbers) in the strongest way available. Values are in the unit of the dimension they
describe: hours for time, currency for cost, points (1–5) for service.

>>> Exponential(mean=2.0).sample(0.5)  # median of Exp(mean 2) = 2 ln 2
1.3862943611198906
>>> round(LogNormal(mean=0.5, cv=0.3).quantile(0.9), 4)
0.6977
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np
from scipy import special

_STANDARD_NORMAL = NormalDist()


class Distribution:
    """Base class: ``sample(u)``, ``mean``, ``quantile(q)``."""

    __slots__ = ()

    kind: str = ""

    def sample(self, u: float) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def quantile(self, q: float) -> float:
        """Value below which a fraction ``q`` of draws fall."""
        return self.sample(q)

    @property
    def mean(self) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def variance(self) -> float:  # pragma: no cover - abstract
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class Constant(Distribution):
    """Always ``value``.

    >>> Constant(3.0).sample(0.99)
    3.0
    """

    value: float
    kind = "constant"

    def sample(self, u: float) -> float:
        return self.value

    @property
    def mean(self) -> float:
        return self.value

    @property
    def variance(self) -> float:
        return 0.0


@dataclass(frozen=True, slots=True)
class Exponential(Distribution):
    """Exponential with the given ``mean`` (memoryless: M/M/c service)."""

    mean_value: float
    kind = "exponential"

    def __init__(self, mean: float) -> None:
        object.__setattr__(self, "mean_value", float(mean))

    def __repr__(self) -> str:
        return f"Exponential(mean={self.mean_value!r})"

    def sample(self, u: float) -> float:
        return -self.mean_value * math.log1p(-u)

    @property
    def mean(self) -> float:
        return self.mean_value

    @property
    def variance(self) -> float:
        return self.mean_value**2


@dataclass(frozen=True, slots=True)
class Uniform(Distribution):
    """Uniform on [low, high]."""

    lo: float
    hi: float
    kind = "uniform"

    def sample(self, u: float) -> float:
        return self.lo + u * (self.hi - self.lo)

    @property
    def mean(self) -> float:
        return (self.lo + self.hi) / 2

    @property
    def variance(self) -> float:
        return (self.hi - self.lo) ** 2 / 12


@dataclass(frozen=True, slots=True)
class Triangular(Distribution):
    """Triangular on [lo, hi] with the given ``mode`` — the workshop favourite
    ("usually 40 min, never under 25, up to 90")."""

    lo: float
    mode: float
    hi: float
    kind = "triangular"

    def sample(self, u: float) -> float:
        lo, mode, hi = self.lo, self.mode, self.hi
        if hi == lo:
            return lo
        split = (mode - lo) / (hi - lo)
        if u < split:
            return lo + math.sqrt(u * (hi - lo) * (mode - lo))
        return hi - math.sqrt((1 - u) * (hi - lo) * (hi - mode))

    @property
    def mean(self) -> float:
        return (self.lo + self.mode + self.hi) / 3

    @property
    def variance(self) -> float:
        lo, mode, hi = self.lo, self.mode, self.hi
        return (lo * lo + mode * mode + hi * hi - lo * mode - lo * hi - mode * hi) / 18


@dataclass(frozen=True, slots=True)
class Normal(Distribution):
    """Normal(``mu``, ``sd``) truncated to [lo, hi] (exact truncation, not clipping).

    ``mu`` is the location before truncation; :attr:`mean` is the truncated mean.
    """

    mu: float
    sd: float
    lo: float = -math.inf
    hi: float = math.inf
    _bounds: tuple[float, float] = field(init=False, repr=False, compare=False)
    kind = "normal"

    def _cdf_bounds(self) -> tuple[float, float]:
        a = 0.0 if self.lo == -math.inf else _STANDARD_NORMAL.cdf((self.lo - self.mu) / self.sd)
        b = 1.0 if self.hi == math.inf else _STANDARD_NORMAL.cdf((self.hi - self.mu) / self.sd)
        return a, b

    def __post_init__(self) -> None:
        object.__setattr__(self, "_bounds", self._cdf_bounds() if self.sd > 0 else (0.0, 1.0))

    def sample(self, u: float) -> float:
        if self.sd == 0:
            return min(max(self.mu, self.lo), self.hi)
        a, b = self._bounds
        p = a + u * (b - a)
        p = min(max(p, 1e-15), 1 - 1e-15)
        return min(max(self.mu + self.sd * _STANDARD_NORMAL.inv_cdf(p), self.lo), self.hi)

    @property
    def mean(self) -> float:
        if self.sd == 0:
            return self.sample(0.5)
        a = (self.lo - self.mu) / self.sd
        b = (self.hi - self.mu) / self.sd
        from scipy import stats  # only here: importing scipy.stats costs about a second

        return float(stats.truncnorm(a, b, loc=self.mu, scale=self.sd).mean())

    @property
    def variance(self) -> float:
        if self.sd == 0:
            return 0.0
        a = (self.lo - self.mu) / self.sd
        b = (self.hi - self.mu) / self.sd
        from scipy import stats

        return float(stats.truncnorm(a, b, loc=self.mu, scale=self.sd).var())


@dataclass(frozen=True, slots=True)
class LogNormal(Distribution):
    """Log-normal with the given ``mean`` and coefficient of variation ``cv`` (sd / mean).

    Right-skewed like real delivery and repair times.
    """

    mean_value: float
    cv: float
    _log_mu: float = field(init=False, repr=False, compare=False)
    _log_sigma: float = field(init=False, repr=False, compare=False)
    kind = "lognormal"

    def __init__(self, mean: float, cv: float) -> None:
        object.__setattr__(self, "mean_value", float(mean))
        object.__setattr__(self, "cv", float(cv))
        sigma2 = math.log1p(self.cv**2)  # log-scale parameters, computed once
        object.__setattr__(self, "_log_mu", math.log(self.mean_value) - sigma2 / 2)
        object.__setattr__(self, "_log_sigma", math.sqrt(sigma2))

    def __repr__(self) -> str:
        return f"LogNormal(mean={self.mean_value!r}, cv={self.cv!r})"

    def sample(self, u: float) -> float:
        return math.exp(self._log_mu + self._log_sigma * _STANDARD_NORMAL.inv_cdf(u))

    @property
    def mean(self) -> float:
        return self.mean_value

    @property
    def variance(self) -> float:
        return (self.cv * self.mean_value) ** 2


_TABLE_SIZE = 4096  # inverse-CDF table resolution


class Tabulated(Distribution):
    """Inverse-CDF sampling from a table of quantiles of ``_ppf`` (vectorised inverse CDF).

    An exact inverse CDF costs tens of µs a call; a table lookup with linear interpolation
    costs ~1 µs. The two outermost cells (probability 1/2048) use the exact ``ppf``, so tails
    stay exact; inside, the interpolation error is far below sampling noise. Subclasses give
    ``_ppf`` from :mod:`scipy.special` (light to import, unlike :mod:`scipy.stats`, which
    every worker process of a sweep would pay for) and their closed-form moments.
    """

    __slots__ = ("_table",)

    def __init__(self) -> None:
        self._table = self._ppf(np.linspace(0.0, 1.0, _TABLE_SIZE + 1)).tolist()

    def _ppf(self, q):  # pragma: no cover - abstract
        raise NotImplementedError

    def sample(self, u: float) -> float:
        position = u * _TABLE_SIZE
        cell = int(position)
        if cell == 0 or cell >= _TABLE_SIZE - 1:
            return float(self._ppf(u))
        lower = self._table[cell]
        return lower + (position - cell) * (self._table[cell + 1] - lower)

    def quantile(self, q: float) -> float:
        return float(self._ppf(q))


class Gamma(Tabulated):
    """Gamma with the given ``mean`` and ``cv``; cv = 1/sqrt(k) gives Erlang-k.

    >>> round(Gamma(mean=2.0, cv=0.5).mean, 6)
    2.0
    """

    __slots__ = ("cv", "mean_value")
    kind = "gamma"

    def __init__(self, mean: float, cv: float) -> None:
        self.mean_value, self.cv = float(mean), float(cv)
        super().__init__()

    def _ppf(self, q):
        shape = 1.0 / self.cv**2
        return special.gammaincinv(shape, q) * (self.mean_value / shape)

    @property
    def mean(self) -> float:
        return self.mean_value

    @property
    def variance(self) -> float:
        return (self.cv * self.mean_value) ** 2

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Gamma) and (self.mean_value, self.cv) == (
            other.mean_value,
            other.cv,
        )

    def __hash__(self) -> int:
        return hash(("gamma", self.mean_value, self.cv))

    def __repr__(self) -> str:
        return f"Gamma(mean={self.mean_value!r}, cv={self.cv!r})"


class Beta(Tabulated):
    """Beta(a, b) on [0, 1]: customers' baseline churn propensity (Fader & Hardie 2007).

    >>> Beta(1.0, 3.0).mean
    0.25
    """

    __slots__ = ("a", "b")
    kind = "beta"

    def __init__(self, a: float, b: float) -> None:
        self.a, self.b = float(a), float(b)
        super().__init__()

    def _ppf(self, q):
        return special.betaincinv(self.a, self.b, q)

    @property
    def mean(self) -> float:
        return self.a / (self.a + self.b)

    @property
    def variance(self) -> float:
        total = self.a + self.b
        return self.a * self.b / (total * total * (total + 1.0))

    def __repr__(self) -> str:
        return f"Beta(a={self.a!r}, b={self.b!r})"


def sum_quantile(parts: list[Distribution], q: float, samples: int = 20_000) -> float:
    """The ``q``-quantile of a sum of independent parts (Monte Carlo on a fixed grid).

    Used to seed quantile promises on multi-stage touchpoints before any delivery is seen.
    Deterministic: the same parts always give the same answer.

    >>> round(sum_quantile([Constant(1.0), Constant(2.0)], 0.9), 6)
    3.0
    """
    if len(parts) == 1:
        return parts[0].quantile(q)
    # A fixed-seed generator keeps this deterministic without touching any run's streams.
    uniforms = np.random.default_rng(20141).random((samples, len(parts)))
    total = np.zeros(samples)
    for column, part in enumerate(parts):
        total += np.fromiter((part.sample(float(u)) for u in uniforms[:, column]), float, samples)
    return float(np.quantile(total, q))


def poisson_inverse(mean: float, u: float) -> int:
    """Smallest k with P(N ≤ k) ≥ u for N ~ Poisson(``mean``): inverse-CDF Poisson draw.

    >>> poisson_inverse(2.0, 0.1), poisson_inverse(2.0, 0.5), poisson_inverse(2.0, 0.99)
    (0, 2, 6)
    """
    k = 0
    term = math.exp(-mean)
    cumulative = term
    while u > cumulative and term > 0.0:
        k += 1
        term *= mean / k
        cumulative += term
    return k
