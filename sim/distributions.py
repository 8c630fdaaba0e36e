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

import functools
import math
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np
from scipy import special

_STANDARD_NORMAL = NormalDist()

#: Products below this have lost precision to underflow (smallest normal double ~2.2e-308).
_TINY = 1e-290
#: Beta parameters from which both are large enough for a normal approximation.
_BETA_NORMAL = 1e12
#: Gamma shapes below this make ``gammaincinv`` return NaN or 0 for every q < 1.
_TINY_SHAPE = 1e-300


def _square(x: float) -> float:
    """``x ** 2``, or inf where the square is beyond the largest double (``x ** 2`` raises
    OverflowError there, which would crash a run instead of saying "too large")."""
    try:
        return x**2
    except OverflowError:
        return math.inf


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

    @property
    def std(self) -> float:
        """Standard deviation. Finite wherever it is representable, also where
        :attr:`variance` (its square) is beyond the largest double and reads inf."""
        return math.sqrt(self.variance)


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
        return _square(self.mean_value)

    @property
    def std(self) -> float:
        return abs(self.mean_value)


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
        middle = (self.lo + self.hi) / 2
        if math.isinf(middle) and math.isfinite(self.lo) and math.isfinite(self.hi):
            return self.lo / 2 + self.hi / 2  # the sum overflowed, the mean does not
        return middle

    @property
    def variance(self) -> float:
        return _square(self.hi - self.lo) / 12

    @property
    def std(self) -> float:
        return (self.hi - self.lo) / math.sqrt(12.0)


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
            square = u * (hi - lo) * (mode - lo)
            if _TINY < square < math.inf:
                return lo + math.sqrt(square)
            # the product overflowed or underflowed (huge or tiny spans): take roots apart
            return min(lo + math.sqrt(u * (hi - lo)) * math.sqrt(mode - lo), hi)
        square = (1 - u) * (hi - lo) * (hi - mode)
        if _TINY < square < math.inf:
            value = hi - math.sqrt(square)
        else:
            value = hi - math.sqrt((1 - u) * (hi - lo)) * math.sqrt(hi - mode)
        # hi − (hi − lo)·√(1 − u) can round below lo when lo is under an ulp of hi
        return value if value >= lo else lo

    @property
    def mean(self) -> float:
        total = (self.lo + self.mode + self.hi) / 3
        if math.isinf(total):  # the sum overflowed; the mean itself does not
            return self.lo / 3 + self.mode / 3 + self.hi / 3
        return total

    @property
    def variance(self) -> float:
        lo, mode, hi = self.lo, self.mode, self.hi
        naive = (lo * lo + mode * mode + hi * hi - lo * mode - lo * hi - mode * hi) / 18
        if math.isfinite(naive) and naive >= 1e-9 * (lo * lo + mode * mode + hi * hi) / 18:
            return naive
        # Squares overflowed, or cancelled (a narrow triangle far from 0): measure from lo.
        return _square(self.std)

    @property
    def std(self) -> float:
        # variance = (b² + c² − b·c)/18 with b = mode − lo, c = hi − lo (shift-invariant);
        # scaled by c so no square overflows or underflows
        width = self.hi - self.lo
        if width == 0:
            return 0.0
        b = (self.mode - self.lo) / width
        return width * math.sqrt((b * b + 1.0 - b) / 18)


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
        if not 1e-15 <= p <= 1 - 1e-15:
            # A far tail: the probabilities round to 0 or 1 (a window 9 sd above the mean
            # has a = b = 1.0), so work with logarithms of tail probabilities instead.
            return self._tail_sample(u, p > 0.5)
        return min(max(self.mu + self.sd * _STANDARD_NORMAL.inv_cdf(p), self.lo), self.hi)

    def _tail_sample(self, u: float, upper: bool) -> float:
        """Inverse CDF in log space, exact where Φ rounds to 0 or 1. ``upper``: the draw lies
        above the median, so mirror the window and take the lower tail (Φ(−z) = 1 − Φ(z))."""
        low = (self.lo - self.mu) / self.sd
        high = (self.hi - self.mu) / self.sd
        if upper:
            low, high, u = -high, -low, 1.0 - u
        log_a, log_b = float(special.log_ndtr(low)), float(special.log_ndtr(high))
        if log_b == -math.inf:  # beyond even log-space resolution: the bound nearest mu
            return self.lo if upper else self.hi
        # log(Φ(low) + u·(Φ(high) − Φ(low))), factored by Φ(high)
        log_p = log_b + math.log(u + (1.0 - u) * math.exp(log_a - log_b))
        z = min(max(float(special.ndtri_exp(log_p)), low), high)
        if upper:
            z = -z
        return min(max(self.mu + self.sd * z, self.lo), self.hi)

    @property
    def mean(self) -> float:
        if self.sd == 0:
            return self.sample(0.5)
        a = (self.lo - self.mu) / self.sd
        b = (self.hi - self.mu) / self.sd
        if _truncnorm_reliable(a, b):
            from scipy import stats  # only here: importing scipy.stats costs about a second

            with np.errstate(all="ignore"):  # huge a or b overflow inside scipy: checked
                mean = float(stats.truncnorm(a, b, loc=self.mu, scale=self.sd).mean())
            if self.lo <= mean <= self.hi:
                return mean
        # far tails and narrow windows, where scipy's closed forms cancel: integrate
        offset = _truncated_moments(a, b)[0]
        if math.isinf(offset):  # the window lies beyond 1e308 sd: all mass at its near end
            return self.lo if offset > 0 else self.hi
        return min(max(self.mu + self.sd * offset, self.lo), self.hi)

    @property
    def variance(self) -> float:
        if self.sd == 0:
            return 0.0
        a = (self.lo - self.mu) / self.sd
        b = (self.hi - self.mu) / self.sd
        if not _truncnorm_reliable(a, b):
            return _square(self.std)
        from scipy import stats

        with np.errstate(all="ignore"):
            variance = float(stats.truncnorm(a, b, loc=self.mu, scale=self.sd).var())
        if not 0.0 <= variance <= _square(self.sd):  # truncation only narrows a normal
            return _square(self.std)
        return variance

    @property
    def std(self) -> float:
        if self.sd == 0:
            return 0.0
        a = (self.lo - self.mu) / self.sd
        b = (self.hi - self.mu) / self.sd
        if _truncnorm_reliable(a, b):
            from scipy import stats

            with np.errstate(all="ignore"):
                spread = float(stats.truncnorm(a, b).std())
            if 0.0 <= spread <= 1.0:
                return self.sd * spread
        return self.sd * math.sqrt(_truncated_moments(a, b)[1])


def _truncnorm_reliable(a: float, b: float) -> bool:
    """Whether ``scipy.stats.truncnorm`` moments hold on the standard window [a, b]: its
    variance loses about ε/width² (a window 10⁻⁵ sd wide comes out 20× too wide) and its
    closed forms cancel far in a tail (30 sd out the variance turns negative)."""
    nearest = 0.0 if a <= 0.0 <= b else min(abs(a), abs(b))
    return b - a >= 0.01 and nearest <= 30.0


@functools.cache
def _legendre() -> tuple[np.ndarray, np.ndarray]:
    return np.polynomial.legendre.leggauss(128)


def _truncated_moments(a: float, b: float) -> tuple[float, float]:
    """Mean and variance of the standard normal truncated to [a, b], by 128-point
    Gauss–Legendre quadrature around the window's point nearest 0 (relative error ~1e-13
    in the body, exact to rounding for narrow windows and far tails, where closed forms
    cancel). The density is integrated relative to its peak, so nothing underflows."""
    sign = 1.0
    if b <= 0.0:  # mirror a lower-tail window into the upper tail
        a, b, sign = -b, -a, -1.0
    nearest = max(a, 0.0)
    if not math.isfinite(nearest) or a >= b:  # no width left: the near end, no spread
        return sign * nearest, 0.0
    reach = math.hypot(nearest, math.sqrt(90.0))  # beyond, the density is < e^-45 of its peak
    start, end = max(a, -reach) - nearest, min(b, reach) - nearest
    nodes, weights = _legendre()
    t = (end + start) / 2 + (end - start) / 2 * nodes
    density = weights * np.exp(-(2.0 * nearest * t + t * t) / 2)
    total = density.sum()
    offset = float((density * t).sum() / total)
    variance = float((density * (t - offset) ** 2).sum() / total)
    return sign * (nearest + offset), variance


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
        if self.cv < 1e150:
            sigma2 = math.log1p(self.cv**2)  # log-scale parameters, computed once
        else:  # cv² would overflow: log(1 + cv²) = 2·log(cv) + log(1 + cv⁻²)
            sigma2 = 2.0 * math.log(self.cv) + math.log1p(self.cv**-2)
        object.__setattr__(self, "_log_mu", math.log(self.mean_value) - sigma2 / 2)
        object.__setattr__(self, "_log_sigma", math.sqrt(sigma2))

    def __repr__(self) -> str:
        return f"LogNormal(mean={self.mean_value!r}, cv={self.cv!r})"

    def sample(self, u: float) -> float:
        try:
            return math.exp(self._log_mu + self._log_sigma * _STANDARD_NORMAL.inv_cdf(u))
        except OverflowError:  # a draw beyond the largest double: inf, not a crash mid-run
            return math.inf

    @property
    def mean(self) -> float:
        return self.mean_value

    @property
    def variance(self) -> float:
        return _square(self.cv * self.mean_value)

    @property
    def std(self) -> float:
        return self.cv * self.mean_value


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

    __slots__ = ("_scale", "_shape", "cv", "mean_value")
    kind = "gamma"

    def __init__(self, mean: float, cv: float) -> None:
        self.mean_value, self.cv = float(mean), float(cv)
        square = _square(self.cv)  # inf past ~1e154; 0 below ~1e-162
        self._shape = 1.0 / square if square > 0.0 else math.inf
        self._scale = self.mean_value / self._shape if self._shape > 0.0 else math.inf
        super().__init__()

    def _ppf(self, q):
        shape = self._shape
        if _TINY_SHAPE <= shape < math.inf and _TINY < self._scale < math.inf:
            return special.gammaincinv(shape, q) * self._scale
        return self._extreme_ppf(q)

    def _extreme_ppf(self, q):
        """Quantiles where the shape 1/cv² leaves the range of ``gammaincinv``.

        cv → 0: the gamma narrows to its mean (the deterministic limit). cv → ∞: the shape
        k → 0 and every quantile below 1 is exp(log(q)/k)-small, 0 in doubles. Between, the
        scale mean/k may overflow or underflow while the quantile does not (0 × inf must
        stay 0; a quantile of order k is divided by k before it meets the mean).
        """
        q = np.asarray(q, dtype=float)
        shape = self._shape
        if shape == math.inf:
            return np.where(np.isnan(q), np.nan, self.mean_value)
        if shape < _TINY_SHAPE:
            return np.where(q < 1.0, 0.0, np.where(q == 1.0, np.inf, np.nan))
        quantile = special.gammaincinv(shape, q)
        with np.errstate(over="ignore", invalid="ignore"):  # past the largest double: inf
            # a quantile of order k meets the mean after division by k, else the scale
            value = quantile / shape * self.mean_value if shape >= 1.0 else quantile * self._scale
            return np.where(quantile > 0.0, value, quantile)

    @property
    def mean(self) -> float:
        return self.mean_value

    @property
    def variance(self) -> float:
        return _square(self.cv * self.mean_value)

    @property
    def std(self) -> float:
        return self.cv * self.mean_value

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
        if min(self.a, self.b) >= _BETA_NORMAL:
            return self._huge_ppf(q)
        if min(self.a, self.b) < _TINY_SHAPE:
            return self._tiny_ppf(q)
        quantile = special.betaincinv(self.a, self.b, q)
        if np.any(np.isnan(quantile)):  # betaincinv gives up when a or b is huge
            quantile = np.where(np.isnan(quantile), self._huge_ppf(q), quantile)
        return quantile

    def _tiny_ppf(self, q):
        """The limit where a or b is below 1e-300 (``betaincinv`` returns junk such as
        0.99999999999818 for subnormal parameters). With a → 0 the mass sits at 0: every
        quantile below 1 is q^(1/a)-small, 0 in doubles; with b → 0 at 1; with both, the
        beta is Bernoulli(a/(a + b)) on {0, 1}."""
        q = np.asarray(q, dtype=float)
        a, b = self.a, self.b
        if a < _TINY_SHAPE and b < _TINY_SHAPE:
            at_zero = b / (a + b)  # P(X = 0) in the limit
            return np.where(np.isnan(q), np.nan, np.where(q <= at_zero, 0.0, 1.0))
        if a < _TINY_SHAPE:
            return np.where(np.isnan(q), np.nan, np.where(q < 1.0, 0.0, 1.0))
        return np.where(np.isnan(q), np.nan, np.where(q > 0.0, 1.0, 0.0))

    def _huge_ppf(self, q):
        """Quantiles where ``betaincinv`` fails: NaN once a or b passes ~1e20 (the other
        above ~1e5) or ~1e200, and half a second per 65 quantiles with both beyond ~1e15.

        With both beyond 1e12 the skewness is below 2e-6: a normal with the beta's mean and
        spread. Otherwise one parameter dominates: with b huge, Beta(a, b) = G_a/(G_a + G_b)
        where G_b ~ Gamma(b) is b to a relative precision 1/√b, so the q-quantile is
        g/(g + b) with g the q-quantile of Gamma(a); symmetrically with a huge.
        """
        a, b = self.a, self.b
        q = np.asarray(q, dtype=float)
        if min(a, b) >= _BETA_NORMAL:
            mean = self.mean
            spread = math.sqrt(mean * (1.0 - mean) / (a + b + 1.0))
            with np.errstate(over="ignore", invalid="ignore"):
                return np.clip(mean + spread * special.ndtri(q), 0.0, 1.0)
        with np.errstate(invalid="ignore"):
            if a <= b:
                quantile = special.gammaincinv(a, q)
                return np.where(np.isinf(quantile), 1.0, quantile / (quantile + b))
            quantile = special.gammaincinv(b, 1.0 - q)
            return np.where(np.isinf(quantile), 0.0, a / (quantile + a))

    @property
    def mean(self) -> float:
        total = self.a + self.b
        if total == math.inf:  # the sum overflowed; the ratio does not
            return 1.0 / (1.0 + self.b / self.a)
        return self.a / total

    @property
    def variance(self) -> float:
        total = self.a + self.b
        denominator = total * total * (total + 1.0)
        if _TINY < denominator < math.inf:
            return self.a * self.b / denominator
        mean = self.mean  # the same, as m(1 − m)/(a + b + 1), where the cube over/underflows
        return mean * (1.0 - mean) / (total + 1.0)

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

    Right for every finite ``mean`` ≥ 0: the same answer as ``scipy.stats.poisson.ppf``.
    Up to a mean of 700 it sums the probabilities P(N = k) — the path every calibrated
    number was drawn with — and keeps that answer wherever the rounding in the sum cannot
    have changed it; otherwise (the sum ends within rounding of ``u``, or e^−mean is too
    small to start it: above ~708 it is subnormal, above ~745 it is 0, which silently
    drew nobody) it inverts the CDF with :func:`scipy.special.pdtr`, still a function of
    the same ``u``, so common random numbers hold.

    >>> poisson_inverse(2.0, 0.1), poisson_inverse(2.0, 0.5), poisson_inverse(2.0, 0.99)
    (0, 2, 6)
    >>> poisson_inverse(1000.0, 0.5)   # e^−1000 underflows to 0
    1000
    """
    if mean <= _POISSON_SUMMED:
        k = 0
        term = math.exp(-mean)
        cumulative = previous = term
        while u > cumulative and term > 0.0:
            k += 1
            term *= mean / k
            previous = cumulative
            cumulative += term
        # Each term carries at most ~2k roundings and the sum k more: a relative error
        # under 4(k + 1) ulp. Outside that margin of u the answer cannot have moved.
        margin = 4.0 * (k + 1) * 2.0**-53
        if cumulative - u > margin and (k == 0 or u - previous > margin):
            return k
    return _poisson_ppf(mean, u)


#: Means up to which :func:`poisson_inverse` sums probabilities (e^−mean is a normal double),
#: and up to which ``pdtrik`` inverts the CDF (beyond, NaN or a meaningless exact mean).
_POISSON_SUMMED = 700.0
_PDTRIK_MAX = 1e10


def _poisson_ppf(mean: float, u: float) -> int:
    """Smallest k with P(N ≤ k) ≥ u, from the regularised incomplete gamma function (as
    ``scipy.stats.poisson.ppf``); a Cornish–Fisher start where ``pdtrik`` gives up (means
    beyond ~1e10)."""
    if mean == 0.0 or u <= 0.0:
        return 0
    if not u < 1.0:
        raise ValueError(f"u must lie in (0, 1), not {u!r}")
    guess = float(special.pdtrik(u, mean)) if mean <= _PDTRIK_MAX else math.nan
    if math.isfinite(guess):  # as scipy.stats.poisson._ppf
        k = max(math.ceil(guess), 0)
        return k - 1 if k > 0 and special.pdtr(k - 1, mean) >= u else k
    # Cornish–Fisher: the Poisson's cumulants are all `mean`; skewness mean^-1/2
    z = _STANDARD_NORMAL.inv_cdf(u)
    root = math.sqrt(mean)
    x = mean + root * z + (z * z - 1.0) / 6.0 + (z**3 - 3 * z) / (24 * root)
    x -= (2 * z**3 - 5 * z) / (36 * root)
    k = max(math.ceil(x - 0.5), 0)  # continuity correction
    if mean < 2.0**53:  # integers still exact: settle the last step with the CDF itself
        for _ in range(8):
            if k > 0 and special.pdtr(k - 1, mean) >= u:
                k -= 1
            elif special.pdtr(k, mean) < u:
                k += 1
            else:
                break
    return k
