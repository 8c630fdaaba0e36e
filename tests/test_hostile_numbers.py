"""Hostile numbers: no silent wrong numbers at the edges of what a field allows.

"Every sampler must be right over the whole range its field allows, or the field's range
must say so." Each sampler is checked over its parameters' whole range (tiny, huge,
subnormal, the largest double), the behavioural formulas with extreme coefficients, and
whole runs with each extreme value: they either give finite KPIs or are refused with a
:class:`~sim.scenario.ScenarioError`.

Runs that only a field's bound can settle are decorated with :func:`bounded_by`, which
records the bound and its reason; they pass because the scenario refuses the value. The
samplers' own limits past those bounds stay ``xfail(strict=True)``.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import sim
from sim import behaviour, examples, rng
from sim.distributions import (
    Beta,
    Constant,
    Exponential,
    Gamma,
    LogNormal,
    Normal,
    Triangular,
    Uniform,
    poisson_inverse,
)
from sim.engine import JourneyPlan, score_episode
from sim.policies import BufferPromise, DynamicPromise, QuantilePromise, QuoteContext
from sim.scenario import ScenarioError

LARGEST = 1.7976931348623157e308
SMALLEST = 5e-324  # the smallest positive (subnormal) double
#: The extreme uniforms rng.uniform can return, and the cells where Tabulated switches
#: from its table to the exact inverse CDF.
EDGE_U = [
    2.0**-54,
    1e-12,
    1 / 4096,
    1 / 4096 + 1e-9,
    0.1,
    0.5,
    0.9,
    1 - 2 / 4096,
    1 - 1 / 4096,
    1 - 1e-12,
    1 - 2.0**-53,
]
# derandomized: CI draws the same examples every time, so a failure is reproducible
SLOW = settings(max_examples=60, deadline=None, derandomize=True)
FAST = settings(max_examples=200, deadline=None, derandomize=True)
#: Decades of the largest level a field allows: money ≤ 10¹², durations ≤ 876,000 h.
LEVELS = 12


def magnitudes(low: int, high: int):
    """Positive doubles spread over the decades 10^low … 10^high, plus the exact ends."""
    spread = st.builds(
        lambda mantissa, exponent: min(max(mantissa * 10.0**exponent, SMALLEST), LARGEST),
        st.floats(1.0, 9.99),
        st.integers(low, high - 1),
    )
    ends = [10.0**low if low > -324 else SMALLEST, 10.0**high if high < 309 else LARGEST]
    return st.one_of(st.sampled_from(ends), spread)


def draws(distribution) -> list[float]:
    return [distribution.sample(u) for u in EDGE_U]


def assert_in_support(values, low=0.0, high=math.inf, slack=0.0):
    assert all(math.isfinite(v) for v in values), values
    assert all(low <= v <= high for v in values), values
    # inverse-CDF sampling is monotone in u (common random numbers depend on it)
    assert all(a <= b + slack for a, b in itertools.pairwise(values)), values


# --------------------------------------------------------------------------- poisson_inverse
POISSON_MEANS = [0.0, 1e-300, 0.5, 10.0, 700.0, 745.0, 746.0, 1e4, 1e8]


@pytest.mark.parametrize("mean", POISSON_MEANS)
def test_poisson_inverse_matches_scipy_ppf(mean):
    expected = [int(stats.poisson.ppf(u, mean)) for u in EDGE_U]
    assert [poisson_inverse(mean, u) for u in EDGE_U] == expected


def test_word_of_mouth_reach_beyond_745_is_not_silently_zero():
    # e^-746 underflows to 0: the old sum never started and every talk reached nobody
    assert poisson_inverse(746.0, 0.5) == 746
    assert poisson_inverse(1e4, 0.5) == 10_000


@FAST
@given(mean=magnitudes(-300, 10), u=st.floats(2.0**-54, 1 - 2.0**-53))
def test_poisson_inverse_is_the_ppf_over_its_range(mean, u):
    assert poisson_inverse(mean, u) == int(stats.poisson.ppf(u, mean))


@FAST
@given(mean=magnitudes(10, 309))
def test_poisson_inverse_for_huge_means_is_finite_and_monotone(mean):
    # beyond ~1e11 scipy's pdtrik gives NaN; a Cornish-Fisher start takes over
    draws_ = [poisson_inverse(mean, u) for u in EDGE_U]
    assert all(isinstance(k, int) and k >= 0 for k in draws_)
    assert draws_ == sorted(draws_)
    spread = 9.0 * math.sqrt(mean) + 10.0
    assert all(abs(k - mean) <= spread + 1e-15 * mean for k in draws_)


# --------------------------------------------------------------------------- rng.uniform
def _unmix(out: int) -> int:
    """Inverse of the SplitMix64 finaliser (:func:`sim.rng.mix64`)."""
    mask = (1 << 64) - 1

    def unshift(y: int, s: int) -> int:
        x = y
        for _ in range(64 // s + 1):
            x = y ^ (x >> s)
        return x

    z = unshift(out, 31)
    z = (z * pow(0x94D049BB133111EB, -1, 1 << 64)) & mask
    z = unshift(z, 27)
    z = (z * pow(0xBF58476D1CE4E5B9, -1, 1 << 64)) & mask
    return unshift(z, 30)


def test_uniform_never_returns_one():
    # The largest 53-bit draw, (2^53 - 1 + 1/2)·2^-53, rounds to exactly 1.0 in doubles,
    # where inverse CDFs are infinite and "u < hazard" can never hold.
    mask = (1 << 64) - 1
    top = ((1 << 53) - 1) << 11
    z = _unmix(top)
    assert rng.mix64(z) == top
    key = ((z - rng._GOLDEN) & mask) ^ rng.CHURN  # index 0 adds one golden step
    u = rng.uniform(key, rng.CHURN, 0)
    assert 0.5 < u < 1.0
    assert math.isfinite(Exponential(1.0).sample(u))
    assert math.isfinite(LogNormal(1.0, 0.5).sample(u))
    assert math.isfinite(Gamma(1.0, 0.5).sample(u))


# --------------------------------------------------------------------------- samplers
@FAST
@given(mean=magnitudes(-323, 300))
def test_exponential_over_its_range(mean):
    d = Exponential(mean)
    assert_in_support(draws(d))
    assert d.std == mean
    assert d.variance == d.variance and d.variance >= 0  # inf where mean² overflows


@pytest.mark.xfail(
    reason="past the scenario's bounds: every time level (stages[].duration mean, low, mode, "
    "high, sd, value; failure.delay; complaints.handle_time) ≤ 876000 h (100 years) and every "
    "cost level ≤ 1e12 because no step of a customer journey outlasts a lifetime and no bill "
    "reaches a trillion; an exponential mean above ~4.9e306 draws values past the largest "
    "double (inf)",
    strict=True,
)
def test_exponential_at_the_largest_double():
    assert_in_support(draws(Exponential(LARGEST)))


@FAST
@given(mean=magnitudes(-323, LEVELS), cv=magnitudes(-324, 309))
def test_lognormal_over_its_range(mean, cv):
    d = LogNormal(mean, cv)  # cv² overflowed (OverflowError) beyond cv ~1.3e154
    assert_in_support(draws(d))
    assert math.isfinite(d.std) or not math.isfinite(cv * mean)
    assert d.variance >= 0


@FAST
@given(mean=magnitudes(-323, LEVELS), cv=magnitudes(-324, 309))
def test_gamma_over_its_range(mean, cv):
    d = Gamma(mean, cv)  # 1/cv² was ZeroDivisionError below ~1e-162, OverflowError above 1e154
    assert_in_support(draws(d))
    exact = [u for u in EDGE_U if u < 1 / 4096 or u >= 1 - 2 / 4096]  # outside the table
    assert [float(d.quantile(u)) for u in exact] == [d.sample(u) for u in exact]
    assert math.isfinite(d.std) or not math.isfinite(cv * mean)


@pytest.mark.parametrize("kind", [LogNormal, Gamma])
@pytest.mark.parametrize("mean", [1e-300, 1.0, 1e200])
def test_vanishing_cv_is_the_deterministic_limit(kind, mean):
    for cv in (1e-200, 1e-300, SMALLEST):
        assert draws(kind(mean, cv)) == pytest.approx([mean] * len(EDGE_U), rel=1e-12)


@pytest.mark.parametrize("kind", [LogNormal, Gamma])
def test_huge_cv_puts_almost_everything_at_zero(kind):
    for cv in (1e154, 1e155, 1e200, LARGEST):
        values = draws(kind(1.0, cv))
        assert_in_support(values)
        assert values[5] < 1e-10  # the median of a cv-1e154 distribution with mean 1


@pytest.mark.xfail(
    reason="past the scenario's bounds: time levels ≤ 876000 h and cost levels ≤ 1e12 "
    "(see test_exponential_at_the_largest_double): a log-normal or gamma with mean 1.7e308 "
    "draws above the largest double",
    strict=True,
)
@pytest.mark.parametrize("kind", [LogNormal, Gamma])
def test_lognormal_and_gamma_at_the_largest_double(kind):
    assert_in_support(draws(kind(LARGEST, 1.0)))


@FAST
@given(
    mu=st.one_of(st.just(0.0), magnitudes(-300, 300)),
    sd=st.one_of(st.just(0.0), magnitudes(-300, 300)),
    low=st.one_of(st.just(0.0), magnitudes(-300, 300)),
    width=st.one_of(st.just(math.inf), magnitudes(-300, 300)),
)
def test_truncated_normal_over_its_range(mu, sd, low, width):
    high = low + width
    d = Normal(mu, sd, low, high)
    assert_in_support(draws(d), low, high)
    assert low <= d.mean <= high
    assert d.variance >= 0 and math.isfinite(d.std)


@pytest.mark.parametrize(
    ("mu", "sd", "low", "high"),
    [
        (0.0, 1.0, 8.3, math.inf),  # Φ(8.3) rounds to 1: every draw used to be 8.3
        (0.0, 1.0, 40.0, math.inf),
        (0.0, 1.0, 40.0, 41.0),
        (100.0, 1.0, 0.0, 1.0),  # far in the lower tail: Φ = 0 on the whole window
        (100.0, 1.0, 0.0, 60.0),
        (1.0, 0.001, 10.0, math.inf),
    ],
)
def test_truncated_normal_far_in_a_tail_is_exact(mu, sd, low, high):
    a, b = (low - mu) / sd, (high - mu) / sd
    expected = [stats.truncnorm.ppf(u, a, b, loc=mu, scale=sd) for u in EDGE_U[2:-2]]
    got = [Normal(mu, sd, low, high).sample(u) for u in EDGE_U[2:-2]]
    assert got == pytest.approx(expected, rel=1e-9)
    mean = Normal(mu, sd, low, high).mean
    assert low <= mean <= high


def test_truncated_normal_moments_hold_where_scipy_cancels():
    # scipy's closed forms: a negative variance 1000 sd out, a mean outside the window
    far = Normal(0.0, 1.0, 1000.0, math.inf)
    assert far.mean == pytest.approx(1000.0 + 1e-3 - 2e-9, rel=1e-12)  # a + 1/a − 2/a³
    assert far.variance == pytest.approx(1e-6, rel=1e-4)
    narrow = Normal(0.0, 1.0, 5.0, 5.0 + 1e-12)
    assert 5.0 <= narrow.mean <= 5.0 + 1e-12
    assert narrow.variance == pytest.approx(1e-24 / 12, rel=1e-3)


@FAST
@given(
    a=st.one_of(st.just(0.0), magnitudes(-323, 308)),
    b=st.one_of(st.just(0.0), magnitudes(-323, 308)),
    c=st.one_of(st.just(0.0), magnitudes(-323, 308)),
)
def test_uniform_and_triangular_over_their_range(a, b, c):
    low, mode, high = sorted((a, b, c))
    for d in (Uniform(low, high), Triangular(low, mode, high)):
        assert_in_support(draws(d), low, high)
        assert low * (1 - 1e-15) <= d.mean <= high * (1 + 1e-15)  # (3x)/3 may lose an ulp
        assert math.isfinite(d.std) and d.variance >= 0


@SLOW
@given(a=magnitudes(-324, 309), b=magnitudes(-324, 309))
def test_beta_over_its_range(a, b):
    d = Beta(a, b)  # betaincinv returns NaN once a or b is huge
    assert_in_support(draws(d), 0.0, 1.0, slack=1e-300)
    assert 0.0 <= d.mean <= 1.0
    assert 0.0 <= d.variance <= 0.25


def test_beta_at_huge_parameters_sits_at_its_mean():
    for a, b in [(1e100, 1e120), (1e300, 1e300), (LARGEST, LARGEST), (29.0, 1e300)]:
        d = Beta(a, b)
        assert draws(d)[5] == pytest.approx(a / b / (1 + a / b), rel=1e-6)


def test_constant_is_constant():
    assert draws(Constant(LARGEST)) == [LARGEST] * len(EDGE_U)


# --------------------------------------------------------------------------- quote policies
class BusyResource:
    """Stands in for a simpy resource with every server busy and a queue."""

    def __init__(self, capacity: int, queued: int) -> None:
        self.capacity = self.count = capacity
        self.queue = [None] * queued


@pytest.mark.parametrize("scale", [1e-300, 1e-200, 1e200, 1e300])
@pytest.mark.parametrize("busy", [False, True])
def test_dynamic_quote_scales_with_the_work(scale, busy):
    context = QuoteContext([BusyResource(2, 3)] if busy else [None])
    plain = DynamicPromise(0.9).quoter([Exponential(1.0)], True, context).value
    scaled = DynamicPromise(0.9).quoter([Exponential(scale)], True, context).value
    assert math.isfinite(scaled)
    assert scaled == pytest.approx(plain * scale, rel=1e-12)


@pytest.mark.parametrize("scale", [1e200, 1e300])
def test_quantile_tracker_scales_with_the_deliveries(scale):
    # (tiny scales are judged differently on purpose: a shortfall under KEPT_TOLERANCE,
    # 1e-9 h, counts as kept)
    parts = [Exponential(1.0), Gamma(2.0, 0.5)]
    sequence = [d.sample(u) for u in np.linspace(0.01, 0.99, 40) for d in parts]
    plain = QuantilePromise(0.9).quoter(parts, True)
    scaled = QuantilePromise(0.9).quoter([Exponential(scale), Gamma(2.0 * scale, 0.5)], True)
    for delivered in sequence:
        plain.observe(delivered, plain.value)
        scaled.observe(delivered * scale, scaled.value)
    assert math.isfinite(scaled.value)
    assert scaled.position == pytest.approx(plain.position, rel=1e-9, abs=1e-12)
    assert scaled.value == pytest.approx(plain.value * scale, rel=1e-6)


def test_buffer_quote_of_huge_deliveries_is_finite():
    quoter = BufferPromise(add=0.0, percent=0.1).quoter([Exponential(1e306)], True)
    for _ in range(500):
        quoter.observe(1e306)
    assert quoter.value == pytest.approx(1.1e306)


# --------------------------------------------------------------------------- behaviour
COEFFICIENTS = [0.0, SMALLEST, 1e-300, 1.0, 9.27, 800.0, 1e10, 1e300, LARGEST]


@pytest.mark.parametrize("effect", COEFFICIENTS)
@pytest.mark.parametrize("shock", COEFFICIENTS)
def test_churn_probability_is_a_probability(effect, shock):
    for baseline in (0.0, SMALLEST, 1e-300, 0.05, 1.0):
        for cumulative in (-1.0, 0.0, 1.0):
            for satisfaction in (-1.0, -0.3, 0.0, 0.5):
                for sensitivity in (0.0, 1.0, 330.0):
                    h = behaviour.churn_probability(
                        baseline, cumulative, satisfaction, effect, shock, sensitivity
                    )
                    assert 0.0 <= h <= 1.0, (baseline, cumulative, satisfaction, sensitivity)
    grid = np.array([-1.0, 0.0, 1.0])
    hazards = behaviour.churn_probability(0.05, grid, -grid, effect, shock, 1.0)
    assert np.all((hazards >= 0) & (hazards <= 1))


def test_churn_in_logs_where_the_exponential_overflows():
    # h₀·e^720 with h₀ = 1e-320: e^720 overflows, the product is 4.9e-8
    assert behaviour.churn_probability(1e-320, -1.0, 0.0, 720.0) == pytest.approx(
        math.exp(math.log(1e-320) + 720.0), rel=1e-9
    )
    assert behaviour.churn_probability(0.0, -1.0, -1.0, 800.0, 800.0) == 0.0
    assert behaviour.churn_probability(0.05, -1.0, -1.0, 800.0, 800.0) == 1.0


@pytest.mark.parametrize("x", [-LARGEST, -1e10, -746.0, -710.0, 0.0, 710.0, 746.0, LARGEST])
def test_choice_probability_is_a_probability(x):
    p = behaviour.choice_probability(x)
    assert 0.0 <= p <= 1.0
    assert behaviour.choice_probability(np.array([x]))[0] == pytest.approx(p, abs=1e-300)
    assert p == pytest.approx(float(stats.logistic.cdf(x)), rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("effect", COEFFICIENTS)
def test_purchase_interval_never_raises(effect):
    for attitude in (-1.0, 0.0, 1.0):
        interval = behaviour.purchase_interval(168.0, attitude, effect)
        assert interval >= 0.0 and interval == interval


@pytest.mark.parametrize("huge", ["compensation", "compensation_weight", "speed_weight"])
def test_recovery_share_stays_capped(huge):
    args = {"compensation": 100.0, "compensation_weight": 0.6, "speed_weight": 0.3}
    args[huge] = LARGEST
    compensation = args.pop("compensation")
    for first in (True, False):
        for loss in (1.0, 5.0):
            share = behaviour.recovery_share(compensation, 0.5, loss, first, **args)
            assert 0.0 <= share <= 1.2
    cheap = behaviour.recovery_share(LARGEST, 0.0, 5.0, True, apology=0.0, speed_weight=0.0)
    assert cheap == pytest.approx(0.6)  # c/(c + c½) → 1 as c grows; not 0 from c + c½ = inf


def test_trust_is_a_probability_for_huge_counts():
    assert behaviour.trust(LARGEST, LARGEST) == 0.5
    a, b = 3.0, 1.0
    for _ in range(5):  # kept_weight 1e308: a + b passes the largest double
        a, b = behaviour.update_trust(a, b, 1.0, 0.0, kept_weight=1e308)
        assert math.isfinite(a + b) and 0.0 <= a / (a + b) <= 1.0
    a, b = behaviour.update_trust(1e308, 1e308, 1.0, 1.0, 1.0, 2.0)
    assert a / (a + b) == pytest.approx(0.5)


def test_episode_utility_with_no_importance_counts_touchpoints_equally():
    assert float(behaviour.episode_utility([-6.0, 0.0], [0.0, 0.0])) == -3.0
    assert float(behaviour.episode_utility([-6.0, 0.0], [0.0, 1.0])) == 0.0


def test_score_episode_with_every_importance_zero():
    # Scenarios now refuse a journey that can visit only touchpoints of importance 0, but
    # score_episode is public: with every importance 0 it weighs touchpoints equally (the
    # limit of equal importances) instead of dividing 0 by 0.
    equal = JourneyPlan(
        examples.load("pizza").replace(
            {f"touchpoints.{tp.name}.importance": 1 for tp in PIZZA.touchpoints}
        )
    )
    zero = JourneyPlan(equal.scenario)
    zero.importance_list = [0.0] * len(zero.importance_list)
    zero.cell_constants = [(*c[:4], 0.0) for c in zero.cell_constants]
    nan = math.nan
    for plan_args in [
        ([3, 4], [0, 0], [2], [0.75, 2.0], [0.5, nan]),  # one late delivery, poor service
        (
            [0, 1, 2, 3, 4],
            [0, 0, 1, 2, 2],
            [0, 1, 2],
            [0.05, 3.8, 299.0, 0.4, 4.5],
            [nan, nan, 299.0, 0.5, nan],
        ),
    ]:
        scores = [
            score_episode(plan, *plan_args, plan.norm.tolist(), 0.75) for plan in (zero, equal)
        ]
        for field in ("satisfaction", "utility", "loss", "surprise", "felt_loss", "worst_cell"):
            assert getattr(scores[0], field) == pytest.approx(getattr(scores[1], field))


def test_huge_importances_are_relative():
    pizza = examples.load("pizza")
    plain = JourneyPlan(pizza)
    huge = JourneyPlan(
        pizza.replace(
            {
                "touchpoints.website.importance": 0.5 * 2.0**1000,
                "touchpoints.order.importance": 2.0**1000,
                "touchpoints.delivery.importance": 1.5 * 2.0**1000,
            }
        )
    )
    args = (
        [0, 1, 2, 3, 4],
        [0, 0, 1, 2, 2],
        [0, 1, 2],
        [0.05, 3.8, 299.0, 0.75, 3.0],
        [math.nan, math.nan, 299.0, 0.5, math.nan],
        plain.norm.tolist(),
        0.75,
    )
    assert score_episode(huge, *args).utility == score_episode(plain, *args).utility


# --------------------------------------------------------------------------- whole runs
PIZZA = examples.load("pizza")
HOURS = 72


def run_or_refuse(overrides: dict, horizon: float = HOURS):
    """The result of a short pizza run with ``overrides``, or None if the scenario (or the
    run's guards, such as max_prospects) refuses it."""
    try:
        return sim.run(PIZZA.replace(overrides), seed=1, horizon=horizon)
    except ScenarioError:
        return None


def assert_finite_or_refused(overrides: dict, horizon: float = HOURS):
    result = run_or_refuse(overrides, horizon)
    if result is None:
        return
    kpis = result.kpis
    undefined = set()  # ratios over nothing: NaN by definition, not by accident
    if kpis["acquired"] == 0:
        undefined |= {"churn_rate", "clv", "cac"}
    if kpis["purchases"] == 0:
        undefined |= {"satisfaction_mean", "nps", "trust_mean", "every_promise_kept"}
    bad = {k: v for k, v in kpis.items() if k not in undefined and not math.isfinite(v)}
    assert not bad, bad
    assert result.customers["trust"].notna().all()
    return result


DELIVERY = "touchpoints.delivery"
KITCHEN = f"{DELIVERY}.stages[0].duration"  # gamma
DRIVE = f"{DELIVERY}.stages[1].duration"  # log-normal
WEBSITE = "touchpoints.website.stages[0].duration"  # log-normal
EXPONENTIAL_1E200 = {"dist": "exponential", "mean": "1e200 h"}

RUNS = {
    "shock 800": {"retention.bad_episode_shock": 800},
    "shock max": {"retention.bad_episode_shock": LARGEST},
    "satisfaction effect 800": {"retention.satisfaction_effect": 800},
    "satisfaction effect max": {"retention.satisfaction_effect": LARGEST},
    "gamma cv 1e200": {f"{KITCHEN}.cv": 1e200},
    "gamma cv max": {f"{KITCHEN}.cv": LARGEST},
    "gamma cv 1e-200": {f"{KITCHEN}.cv": 1e-200},
    "gamma cv min": {f"{KITCHEN}.cv": SMALLEST},
    "lognormal cv 1e200": {f"{DRIVE}.cv": 1e200},
    "lognormal cv max": {f"{DRIVE}.cv": LARGEST},
    "lognormal cv 1e-200": {f"{DRIVE}.cv": 1e-200},
    "lognormal cv min": {f"{WEBSITE}.cv": SMALLEST},
    "exponential 1e200, dynamic promise": {
        KITCHEN: EXPONENTIAL_1E200,
        f"{DELIVERY}.promise.time": {"policy": "dynamic", "q": 0.9},
    },
    "exponential 1e200, quantile promise": {
        KITCHEN: EXPONENTIAL_1E200,
        f"{DELIVERY}.promise.time": {"policy": "quantile", "q": 0.9},
    },
    "exponential 1e200, buffer promise": {
        KITCHEN: EXPONENTIAL_1E200,
        f"{DELIVERY}.promise.time": {"policy": "buffer", "percent": 0.5},
    },
    "exponential 1e-300": {KITCHEN: {"dist": "exponential", "mean": "1e-300 h"}},
    "delivery importance 0": {f"{DELIVERY}.importance": 0},
    "every importance 0": {f"touchpoints.{tp.name}.importance": 0 for tp in PIZZA.touchpoints},
    "importance max": {f"touchpoints.{tp.name}.importance": LARGEST for tp in PIZZA.touchpoints},
    "tolerance 0": {"perception.tolerance": 0},
    "tolerance max": {"perception.tolerance": LARGEST},
    "gain slope max": {"perception.gain_slope": LARGEST},
    "kept credit max": {"perception.kept_credit": LARGEST},
    "kept fade min": {"perception.kept_fade": SMALLEST},
    "kept fade max": {"perception.kept_fade": LARGEST},
    "satisfaction scale min": {"perception.satisfaction_scale": SMALLEST},
    "satisfaction scale max": {"perception.satisfaction_scale": LARGEST},
    "curvatures min": {
        "perception.gain_curvature": SMALLEST,
        "perception.loss_curvature": SMALLEST,
    },
    "ltr slope max": {"perception.ltr_slope": LARGEST},
    "jnd 1e-300": {"perception.jnd": {"time": "1e-300 h", "cost": 1e-300, "service": 1e-300}},
    "jnd max": {"perception.jnd": {"time": f"{LARGEST!r} h", "cost": LARGEST, "service": LARGEST}},
    "habit max": {"retention.habit": LARGEST},
    "attitude effect 800": {"retention.attitude_effect": 800},
    "attitude effect max": {"retention.attitude_effect": LARGEST},
    "churn a min": {"retention.churn_a": SMALLEST},
    "churn a max": {"retention.churn_a": LARGEST},
    "churn b min": {"retention.churn_b": SMALLEST},
    "churn b max": {"retention.churn_b": LARGEST},
    "churn a, b 1e100, 1e120": {"retention.churn_a": 1e100, "retention.churn_b": 1e120},
    "interval 1e-300 h": {"retention.interval": "1e-300 h"},
    "interval 1e300 h": {"retention.interval": "1e300 h"},
    "shock and sensitivity spread 3": {"retention.shock_cv": 3.0, "market.sensitivity_cv": 3.0},
    "brand preference max": {"market.brand_preference": LARGEST},
    "brand preference -max": {"market.brand_preference": -LARGEST},
    "promise sensitivity max": {"market.promise_sensitivity": LARGEST},
    "word of mouth lifts max": {
        "market.wom_positive_lift": LARGEST,
        "market.wom_negative_lift": LARGEST,
    },
    "trust priors min": {"trust.prior_kept": SMALLEST, "trust.prior_broken": SMALLEST},
    "kept weight max": {"trust.kept_weight": LARGEST},
    "broken weight max": {"trust.broken_weight": LARGEST},
    "compensation half min": {"recovery.compensation_half": SMALLEST},
    "compensation weight max": {"recovery.compensation_weight": LARGEST},
    "speed weight max": {"recovery.speed_weight": LARGEST},
    "speed scale min": {"recovery.speed_scale": "1e-300 h"},
    "mild loss, paradox cap max": {"recovery.mild_loss": LARGEST, "recovery.paradox_cap": LARGEST},
    "unvoiced multiplier max": {"complaints.unvoiced_multiplier": LARGEST},
    "patience min": {"complaints.patience": "1e-300 h"},
    "wom curvature min": {"wom.curvature": SMALLEST},
    "wom curvature max": {"wom.curvature": LARGEST},
    "wom delay min": {"wom.delay": "1e-300 h"},
    "contacts 1e6": {"followup.contacts": 10**6, "followup.tolerated_contacts": 10**6},
    "service sd max": {
        "touchpoints.website.delivered.service": {"dist": "normal", "mean": 3.8, "sd": LARGEST}
    },
    "service sd min": {
        "touchpoints.website.delivered.service": {"dist": "normal", "mean": 3.8, "sd": SMALLEST}
    },
    "cost normal far in its tail": {
        "touchpoints.order.delivered.cost": {"dist": "normal", "mean": 299, "sd": 1e-3, "low": 1e6}
    },
    "prospects per day max": {"market.prospects_per_day": LARGEST},
    "prospects per day min": {"market.prospects_per_day": SMALLEST},
}


@pytest.mark.parametrize("overrides", list(RUNS.values()), ids=list(RUNS))
def test_extreme_value_runs_finite_or_is_refused(overrides):
    assert_finite_or_refused(overrides)


def test_word_of_mouth_reach_746_reaches_people():
    # the reported case, over a day and a half: python -m sim --set market.population=0
    # --set wom.reach=746 (e^-746 underflowed and every talk silently reached nobody)
    result = assert_finite_or_refused({"market.population": 0, "wom.reach": 746}, horizon=36)
    if result is not None:
        assert result.kpis["wom_listeners"] > 0


# Runs that only a field's bound can settle (the scenario refuses the value).
def bounded_by(field: str, bound: str, because: str):
    """Record on the test the bound that settles it and why (its docstring)."""

    def record(test):
        test.__doc__ = f"The scenario bounds {field} {bound} because {because}."
        return test

    return record


@bounded_by(
    "perception.loss_aversion",
    "≤ 10",
    "measured loss aversion lies between about 1 and 3 (Tversky & Kahneman 1992: 2.25; "
    "meta-analyses put the mean near 2) and 10 already makes a lost jnd outweigh ten gained "
    "ones; at 1e308 an episode's utility is −inf, its recoverable loss +inf, and the "
    "recovered satisfaction utility + share·loss is NaN",
)
def test_loss_aversion_at_the_largest_double():
    assert_finite_or_refused({"perception.loss_aversion": LARGEST})


@bounded_by(
    "perception.quality_weight",
    "≤ 10",
    "γ values a jnd of quality against the market norm (default 0.15); above ~1 one jnd "
    "outweighs a broken promise (κ = 1); at 1e308 utilities overflow to −inf and the "
    "recovered satisfaction is NaN",
)
def test_quality_weight_at_the_largest_double():
    assert_finite_or_refused({"perception.quality_weight": LARGEST})


@bounded_by(
    "touchpoints[].weight.time / .cost / .service",
    "≤ 100",
    "weights rank a touchpoint's dimensions against each other (default 1); at 1e308 the "
    "prospects' promised advantage weight/jnd is inf, inf·0 makes the choice probability NaN "
    "and nobody ever buys (sim/engine/processes.py), and episode utilities overflow",
)
def test_dimension_weight_at_the_largest_double():
    result = assert_finite_or_refused({f"{DELIVERY}.weight.time": LARGEST})
    assert result is None or result.kpis["acquired"] > 0  # same promise as the rival: ~half buy


@bounded_by(
    "perception.jnd.time / .cost / .service",
    "≥ 1 s (1/3600 h) / ≥ 1e-6 currency / ≥ 0.001 points",
    "nobody notices a difference below a second, a millionth of a currency unit or a "
    "thousandth of a point; at 5e-324 every gap in jnd is inf, weight/jnd is inf, and "
    "choice and satisfaction become NaN",
)
@pytest.mark.parametrize("dimension", ["time", "cost", "service"])
def test_jnd_at_the_smallest_double(dimension):
    value = f"{SMALLEST!r} h" if dimension == "time" else SMALLEST
    result = assert_finite_or_refused({f"perception.jnd.{dimension}": value})
    assert result is None or result.kpis["acquired"] > 0


def test_trust_priors_at_the_largest_double():
    # At 1e308 each, a₀ + b₀ is inf; a customer's trust is behaviour.trust (Customer.trust),
    # which reads a/(a + b) = 0.5 without forming the sum, so first purchases still weigh
    # the promise. (Beyond a million no lifetime of purchases moves trust: docs/robustness.md
    # lists the bound of 10⁶ that the scenario is to enforce.)
    result = run_or_refuse({"trust.prior_kept": 1e308, "trust.prior_broken": 1e308})
    steady = run_or_refuse({"trust.prior_kept": 1e6, "trust.prior_broken": 1e6})
    # trust 0.5 that no purchase can move, either way: the same satisfaction
    assert result is None or result.kpis["satisfaction_mean"] == pytest.approx(
        steady.kpis["satisfaction_mean"], rel=1e-3
    )


@bounded_by(
    "retention.basket_effect",
    "≤ 10",
    "a delighted customer's basket is (1 + effect)× a neutral one's (default 0.3); more than "
    "11× is not repeat purchase but a different customer; at 1e308 revenue is inf and profit "
    "NaN",
)
def test_basket_effect_at_the_largest_double():
    assert_finite_or_refused({"retention.basket_effect": LARGEST})


@bounded_by(
    "every currency amount (delivered cost levels, recovery.compensation, recovery.credit, "
    "economics.unit_cost, resources[].cost_per_hour, market.ad_spend_per_day, overdelivery "
    "and follow-up costs, returns.handling_cost)",
    "≤ 1e12",
    "no single bill, payment or daily budget reaches a trillion in any currency in use; "
    "at 1e308 the run's revenue or costs sum to inf and profit and CLV to ±inf or NaN",
)
@pytest.mark.parametrize(
    "overrides",
    [
        {"recovery.compensation": LARGEST},
        {"economics.unit_cost": LARGEST},
        {"touchpoints.order.delivered.cost": LARGEST},
        {"touchpoints.order.delivered.cost": {"dist": "uniform", "low": 0, "high": LARGEST}},
    ],
    ids=["compensation", "unit cost", "bill", "uniform bill"],
)
def test_currency_amounts_at_the_largest_double(overrides):
    assert_finite_or_refused(overrides)


@bounded_by(
    "overdelivery.bonus.effect, followup.thank_you_effect, followup.annoyance and "
    "returns.refusal_penalty",
    "≤ 100",
    "they are utilities on the scale of a touchpoint's (a broken promise costs κ = 1) and "
    "±10 already saturates satisfaction at the default scale 2.5; at 1e308 an annoyance plus a "
    "refusal sum to −inf, the recovered satisfaction is NaN and the next purchase is scheduled "
    "at NaN hours (a crash)",
)
def test_aftercare_utilities_at_the_largest_double():
    assert_finite_or_refused(
        {
            "followup.contacts": 5,
            "followup.stalked_share": 1.0,
            "followup.annoyance": LARGEST,
            "returns.rate": 1.0,
            "returns.policy": "strict",
            "returns.no_receipt": 1.0,
            "returns.refusal_penalty": LARGEST,
            "recovery.apology": 0.0,
            "recovery.speed_weight": 0.0,
        },
        horizon=240,
    )


@bounded_by(
    "wom.reach",
    "≤ 100",
    "it is the mean number of people per conversation who come to shop, and word-of-mouth "
    "studies count a handful of listeners per story (Anderson 1998); with an unlimited "
    "market every talk at 1e4 spawns ten thousand prospects who talk in turn, and the "
    "max_prospects guard stops the run only after simulating a million of them (over two "
    "minutes for three days of pizza); poisson_inverse itself is now right for any mean",
)
def test_word_of_mouth_reach_of_ten_thousand_is_refused():
    with pytest.raises(ScenarioError):
        PIZZA.replace({"market.population": 0, "wom.reach": 1e4})


@pytest.mark.parametrize(
    "overrides",
    [
        {f"{DRIVE}.mean": 10**400},
        {"followup.contacts": 10**400},
        {"market.population": 10**400},
    ],
    ids=["mean", "contacts", "population"],
)
def test_four_hundred_digit_integers_are_refused(overrides):
    # float(10**400) raises OverflowError, not ValueError: the loader must report the field
    with pytest.raises(ScenarioError):
        PIZZA.replace(overrides)
