"""Confidence intervals for replication means and paired differences.

Replications are independent, so the mean of a KPI over n replications has a Student-t
confidence interval ``mean ± t(0.975, n − 1)·s/√n``. Paired differences (policy − baseline,
replication by replication, common random numbers) use the same interval on the differences;
their variance is smaller the more the two policies' runs are positively correlated.

>>> ci = mean_ci([1.0, 2.0, 3.0])
>>> round(ci.mean, 3), round(ci.half_width, 3)
(2.0, 2.484)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Interval:
    """Mean, standard deviation, n, and the 95% CI half-width of a sample mean."""

    mean: float
    std: float
    n: int
    half_width: float

    def __iter__(self):
        """Unpacks as ``mean, half_width``.

        >>> mean, half = mean_ci([1.0, 2.0, 3.0])
        >>> round(half, 3)
        2.484
        """
        return iter((self.mean, self.half_width))

    @property
    def low(self) -> float:
        return self.mean - self.half_width

    @property
    def high(self) -> float:
        return self.mean + self.half_width


def mean_ci(values, confidence: float = 0.95) -> Interval:
    """Student-t confidence interval of the mean; NaNs (failed runs) are left out.

    With fewer than two values the half-width is NaN: one run says nothing about noise.
    """
    sample = np.asarray(values, dtype=float)
    sample = sample[~np.isnan(sample)]
    n = sample.size
    if n == 0:
        return Interval(math.nan, math.nan, 0, math.nan)
    mean = float(sample.mean())
    if n < 2:
        return Interval(mean, math.nan, n, math.nan)
    std = float(sample.std(ddof=1))
    from scipy import stats  # imported on use: worker processes never need it

    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1) * std / math.sqrt(n))
    return Interval(mean, std, n, half)


def precise_enough(intervals: dict[str, Interval], targets: dict[str, float]) -> bool:
    """True when every targeted KPI's CI half-width is at or below its target.

    >>> precise_enough({"profit": Interval(10.0, 2.0, 9, 1.5)}, {"profit": 2.0})
    True
    """
    return all(
        not math.isnan(intervals[kpi].half_width) and intervals[kpi].half_width <= target
        for kpi, target in targets.items()
    )
