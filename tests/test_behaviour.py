"""Unit tests for the pure behavioural equations in :mod:`sim.behaviour`.

Expected numbers are derived by hand from the formula in each docstring (the derivation is
given in a comment next to the assertion); nothing here is copied from running the code.
"""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from sim import behaviour as b

SAT = st.floats(-1.0, 1.0, allow_nan=False)
POS = st.floats(0.01, 10.0, allow_nan=False)
UTIL = st.floats(-1e6, 1e6, allow_nan=False)


# --------------------------------------------------------------------------- expectation
class TestExpectation:
    def test_full_trust_gives_promise(self):
        assert b.expectation(30.0, 40.0, 1.0) == pytest.approx(30.0)

    def test_no_trust_gives_prior(self):
        assert b.expectation(30.0, 40.0, 0.0) == pytest.approx(40.0)

    def test_nan_promise_gives_prior_whatever_the_trust(self):
        trusts = np.array([0.0, 0.3, 1.0])
        np.testing.assert_allclose(b.expectation(np.nan, 40.0, trusts), [40.0, 40.0, 40.0])

    def test_mix(self):
        # 0.75·30 + 0.25·40 = 32.5
        assert b.expectation(30.0, 40.0, 0.75) == pytest.approx(32.5)

    @given(
        st.floats(-100, 100, allow_nan=False),
        st.floats(-100, 100, allow_nan=False),
        st.floats(0.0, 1.0),
    )
    def test_between_promise_and_prior(self, promise, prior, trust):
        e = float(b.expectation(promise, prior, trust))
        lo, hi = min(promise, prior), max(promise, prior)
        assert lo - 1e-9 <= e <= hi + 1e-9

    def test_vectorised_shapes_and_mixed_nan(self):
        promise = np.array([30.0, np.nan, 50.0])
        prior = np.array([40.0, 40.0, 40.0])
        trust = np.array([[0.0], [1.0]])  # shape (2, 1) broadcasts against (3,)
        e = b.expectation(promise, prior, trust)
        assert e.shape == (2, 3)
        np.testing.assert_allclose(e, [[40.0, 40.0, 40.0], [30.0, 40.0, 50.0]])


def test_update_prior_moves_towards_delivery():
    # (1 − 0.3)·40 + 0.3·50 = 43
    assert b.update_prior(40.0, 50.0, 0.3) == pytest.approx(43.0)
    assert b.update_prior(40.0, 50.0, 0.0) == pytest.approx(40.0)
    assert b.update_prior(40.0, 50.0, 1.0) == pytest.approx(50.0)


class TestPromiseWeight:
    def test_hand_values(self):
        # τ·(1 − ω)^n: 0.75·0.7^0 = 0.75; 0.75·0.7 = 0.525; 0.75·0.49 = 0.3675;
        # 0.75·0.343 = 0.25725
        assert b.promise_weight(0.75, 0, 0.3) == pytest.approx(0.75)
        assert b.promise_weight(0.75, 3, 0.3) == pytest.approx(0.25725)
        w = b.promise_weight(0.75, np.array([0, 1, 2, 3]), 0.3)
        np.testing.assert_allclose(w, [0.75, 0.525, 0.3675, 0.25725])

    @given(st.floats(0.0, 1.0), st.floats(0.0, 1.0))
    def test_equals_trust_with_no_experience(self, trust, prior_weight):
        assert b.promise_weight(trust, 0, prior_weight) == pytest.approx(trust, abs=1e-15)

    @given(st.floats(0.01, 1.0), st.floats(0.05, 0.9), st.integers(0, 30))
    def test_decreasing_in_experiences(self, trust, prior_weight, n):
        now = float(b.promise_weight(trust, n, prior_weight))
        later = float(b.promise_weight(trust, n + 1, prior_weight))
        assert 0.0 < later < now <= trust

    @given(st.floats(0.01, 1.0), st.floats(0.1, 0.9))
    def test_fades_to_zero(self, trust, prior_weight):
        # (1 − ω)^n ≤ 0.9^400 ≈ 5e-19
        assert float(b.promise_weight(trust, 400, prior_weight)) < 1e-12

    def test_experienced_customer_expects_the_prior(self):
        # expectation with the faded weight: 0.75·0.7^3·30 + (1 − 0.25725)·40 = 40 − 2.5725
        e = b.expectation(30.0, 40.0, b.promise_weight(0.75, 3, 0.3))
        assert e == pytest.approx(40.0 - 0.25725 * 10.0)


# --------------------------------------------------------------------------- disconfirmation
class TestDisconfirmation:
    # tolerance=0.0 (no zone) wherever a test is about the raw gap; the default is 1 jnd.
    def test_late_delivery_on_time_dimension_is_negative(self):
        # direction −1 (time): 15 h late with jnd 5 → −1·15/5 = −3
        assert b.disconfirmation(45.0, 30.0, -1.0, 5.0, tolerance=0.0) == pytest.approx(-3.0)

    def test_early_delivery_on_time_dimension_is_positive(self):
        # −1·(20 − 30)/5 = 2
        assert b.disconfirmation(20.0, 30.0, -1.0, 5.0, tolerance=0.0) == pytest.approx(2.0)

    def test_better_service_on_higher_is_better_dimension_is_positive(self):
        # direction +1 (service): (4.5 − 3.5)/0.5 = 2; (3 − 3.5)/0.5 = −1
        assert b.disconfirmation(4.5, 3.5, 1.0, 0.5, tolerance=0.0) == pytest.approx(2.0)
        assert b.disconfirmation(3.0, 3.5, 1.0, 0.5, tolerance=0.0) == pytest.approx(-1.0)

    def test_default_zone_is_one_jnd(self):
        # raw −3 → −(3 − 1) = −2; raw +2 → 2 − 1 = 1; raw −0.2 (1 h late, jnd 5) → unnoticed
        assert b.disconfirmation(45.0, 30.0, -1.0, 5.0) == pytest.approx(-2.0)
        assert b.disconfirmation(20.0, 30.0, -1.0, 5.0) == pytest.approx(1.0)
        assert b.disconfirmation(31.0, 30.0, -1.0, 5.0) == 0.0

    def test_zone_of_tolerance_subtracts_only_the_excess(self):
        # raw −3, z = 1 → −2
        assert b.disconfirmation(45.0, 30.0, -1.0, 5.0, tolerance=1.0) == pytest.approx(-2.0)
        assert b.disconfirmation(15.0, 30.0, -1.0, 5.0, tolerance=1.0) == pytest.approx(2.0)

    @given(st.floats(-0.999, 0.999), st.floats(0.5, 3.0))
    def test_zero_inside_zone(self, frac, tolerance):
        # D chosen so that raw = (D − E)/jnd = frac·tolerance, i.e. |raw| < tolerance
        delivered = 10.0 + frac * tolerance * 2.0
        d = b.disconfirmation(delivered, 10.0, 1.0, 2.0, tolerance=tolerance)
        assert d == 0.0

    def test_zone_edge_is_zero_and_continuous(self):
        jnd, z = 2.0, 1.5
        edge = 10.0 + z * jnd
        assert b.disconfirmation(edge, 10.0, 1.0, jnd, tolerance=z) == 0.0
        for eps in (1e-3, 1e-6, 1e-9):
            above = b.disconfirmation(edge + eps, 10.0, 1.0, jnd, tolerance=z)
            below = b.disconfirmation(-edge + 20.0 - eps, 10.0, 1.0, jnd, tolerance=z)
            assert 0.0 < above <= eps  # excess over the edge is eps/jnd
            assert -eps <= below < 0.0

    @given(st.floats(-50, 50, allow_nan=False), POS, st.floats(1.1, 10.0))
    def test_scales_with_inverse_jnd(self, gap, jnd, factor):
        # without a zone the gap is a pure multiple of 1/jnd (the zone is in jnd units too)
        d1 = b.disconfirmation(10.0 + gap, 10.0, 1.0, jnd, tolerance=0.0)
        d2 = b.disconfirmation(10.0 + gap, 10.0, 1.0, jnd * factor, tolerance=0.0)
        assert float(d2) == pytest.approx(float(d1) / factor, rel=1e-9, abs=1e-12)

    def test_vectorised(self):
        d = b.disconfirmation(
            np.array([45.0, 30.0, 4.0]),
            np.array([30.0, 30.0, 3.0]),
            np.array([-1.0, -1.0, 1.0]),
            np.array([5.0, 5.0, 0.5]),
            tolerance=0.0,
        )
        np.testing.assert_allclose(d, [-3.0, 0.0, 2.0])


# --------------------------------------------------------------------------- quality, kept
def test_quality_sign_and_units():
    # +1·(4.5 − 3.5)/0.5 = 2; −1·(50 − 40)/5 = −2 (slower than the market norm)
    assert b.quality(4.5, 3.5, 1.0, 0.5) == pytest.approx(2.0)
    assert b.quality(50.0, 40.0, -1.0, 5.0) == pytest.approx(-2.0)
    assert b.quality(40.0, 40.0, -1.0, 5.0) == 0.0


class TestPromiseKept:
    def test_lower_is_better(self):
        kept = b.promise_kept(np.array([25.0, 30.0, 35.0]), 30.0, -1.0)
        assert kept.tolist() == [True, True, False]  # early, exactly on time (tie), late

    def test_higher_is_better(self):
        kept = b.promise_kept(np.array([3.0, 4.0, 5.0]), 4.0, 1.0)
        assert kept.tolist() == [False, True, True]

    def test_nan_promise_counts_as_kept(self):
        kept = b.promise_kept(np.array([1.0, 100.0]), np.nan, np.array([-1.0, 1.0]))
        assert kept.tolist() == [True, True]


class TestQualityValue:
    def test_hand_values(self):
        # γ = 0.15, λ = 2.25: q(2) = 0.15·2 = 0.3; q(−2) = 0.15·2.25·(−2) = −0.675
        q = b.quality_value(np.array([2.0, -2.0, 0.0]), quality_weight=0.15, loss_aversion=2.25)
        np.testing.assert_allclose(q, [0.3, -0.675, 0.0])
        # γ = 0.2, λ = 3: q(−1) = 0.2·3·(−1) = −0.6; q(1) = 0.2
        assert b.quality_value(-1.0, 0.2, 3.0) == pytest.approx(-0.6)
        assert b.quality_value(1.0, 0.2, 3.0) == pytest.approx(0.2)

    @given(st.floats(-50, 50, allow_nan=False), st.floats(0.0, 1.0), st.floats(1.0, 4.0))
    def test_piecewise_linear(self, u, gamma, lam):
        q = float(b.quality_value(u, gamma, lam))
        expected = gamma * u if u >= 0 else gamma * lam * u
        assert q == pytest.approx(expected, rel=1e-12, abs=1e-300)

    @given(st.floats(0.001, 50.0), st.floats(0.01, 1.0), st.floats(1.0, 4.0))
    def test_losses_weigh_lambda_times_more(self, x, gamma, lam):
        gain = float(b.quality_value(x, gamma, lam))
        loss = float(b.quality_value(-x, gamma, lam))
        assert loss < 0 < gain
        assert abs(loss) == pytest.approx(lam * gain, rel=1e-12)

    @given(st.floats(0.0, 1.0), st.floats(1.0, 4.0))
    def test_continuous_at_zero(self, gamma, lam):
        assert b.quality_value(0.0, gamma, lam) == 0.0
        for eps in (1e-3, 1e-6, 1e-9):
            assert abs(float(b.quality_value(eps, gamma, lam))) <= gamma * eps
            assert abs(float(b.quality_value(-eps, gamma, lam))) <= gamma * lam * eps * (1 + 1e-12)

    def test_monotone_with_a_kink_at_the_norm(self):
        u = np.linspace(-10, 10, 2001)
        q = b.quality_value(u, quality_weight=0.15, loss_aversion=2.25)
        slopes = np.diff(q) / np.diff(u)
        assert np.all(slopes > 0)
        # slope γλ = 0.3375 below the norm, γ = 0.15 above it
        np.testing.assert_allclose(slopes[u[1:] <= 0], 0.3375)
        np.testing.assert_allclose(slopes[u[:-1] >= 0], 0.15)

    def test_no_loss_aversion_is_linear(self):
        u = np.linspace(-5, 5, 11)
        np.testing.assert_allclose(b.quality_value(u, 0.15, 1.0), 0.15 * u)


DIRECTION = st.sampled_from([-1.0, 1.0])  # −1: time, cost (lower is better); +1: service
TOLERANCE = st.floats(0.0, 3.0)
FADE = st.floats(0.1, 3.0)


class TestKeptDegree:
    def test_docstring_values(self):
        # time, jnd 5, zone 1, fade 1: shortfall (D − 30)/5 = 0, 1, 1.5, 3
        # → 1 (on time), 1 (edge of the zone), 1 − (1.5 − 1)/1 = 0.5, 0 (beyond 1 + 1)
        d = b.kept_degree(np.array([30.0, 35.0, 37.5, 45.0]), 30.0, -1.0, 5.0, 1.0, 1.0)
        np.testing.assert_allclose(d, [1.0, 1.0, 0.5, 0.0])
        # shortfall (0.75 − 0.5)/0.25 = 1, no zone, fade 2 → 1 − 1/2 = 0.5
        assert b.kept_degree(0.75, 0.5, -1.0, 0.25, tolerance=0.0, fade=2.0) == pytest.approx(0.5)

    def test_service_direction(self):
        # higher is better: promise 4, jnd 0.5, zone 1, fade 2
        # delivered 3.25: shortfall (4 − 3.25)/0.5 = 1.5 → 1 − (1.5 − 1)/2 = 0.75
        # delivered 3.0: shortfall 2 → 1 − 1/2 = 0.5; 4.5 (over-delivery) → 1; 1.5 (5 jnd) → 0
        d = b.kept_degree(np.array([3.25, 3.0, 4.5, 1.5]), 4.0, 1.0, 0.5, tolerance=1.0, fade=2.0)
        np.testing.assert_allclose(d, [0.75, 0.5, 1.0, 0.0])

    def test_unnoticed_overrun_is_kept(self):
        # cost, estimate 6,000, jnd 300: a bill of 6,001 is 1/300 jnd over → inside the zone
        assert b.kept_degree(6001.0, 6000.0, -1.0, 300.0, tolerance=1.0, fade=1.0) == 1.0
        # while the operational "to the letter" measure calls it broken
        assert not b.promise_kept(6001.0, 6000.0, -1.0)

    @given(st.floats(-100, 100), POS, DIRECTION, TOLERANCE, FADE, st.floats(0.0, 1.0))
    def test_one_inside_the_zone(self, promise, jnd, direction, tolerance, fade, frac):
        delivered = promise - direction * frac * tolerance * jnd  # shortfall = frac·tolerance
        degree = float(b.kept_degree(delivered, promise, direction, jnd, tolerance, fade))
        assert degree == pytest.approx(1.0, abs=1e-9)

    @given(st.floats(-100, 100), POS, DIRECTION, TOLERANCE, FADE, st.floats(0.0, 1e3))
    def test_over_delivery_is_fully_kept(self, promise, jnd, direction, tolerance, fade, extra):
        delivered = promise + direction * extra * jnd
        assert b.kept_degree(delivered, promise, direction, jnd, tolerance, fade) == 1.0

    @given(st.floats(-100, 100), POS, DIRECTION, TOLERANCE, FADE, st.floats(0.001, 100.0))
    def test_zero_beyond_the_fade(self, promise, jnd, direction, tolerance, fade, extra):
        delivered = promise - direction * (tolerance + fade + extra) * jnd
        assert b.kept_degree(delivered, promise, direction, jnd, tolerance, fade) == 0.0

    @given(st.floats(-100, 100), POS, DIRECTION, TOLERANCE, FADE, st.floats(0.0, 1.0))
    def test_linear_across_the_fade(self, promise, jnd, direction, tolerance, fade, frac):
        # shortfall = tolerance + frac·fade → degree 1 − frac
        delivered = promise - direction * (tolerance + frac * fade) * jnd
        degree = float(b.kept_degree(delivered, promise, direction, jnd, tolerance, fade))
        assert degree == pytest.approx(1.0 - frac, abs=1e-9)

    @given(
        st.floats(-100, 100),
        st.floats(0.1, 10.0),
        DIRECTION,
        TOLERANCE,
        FADE,
        st.floats(-2.0, 8.0),
        st.sampled_from([None, "promise", "zone", "fade"]),
    )
    def test_continuous(self, promise, jnd, direction, tolerance, fade, shortfall, at):
        # the shortfall (in jnd) at which to probe: anywhere, or exactly on a kink
        if at is not None:
            shortfall = {"promise": 0.0, "zone": tolerance, "fade": tolerance + fade}[at]
        delivered = promise - direction * shortfall * jnd
        step = 1e-9 * jnd
        here = float(b.kept_degree(delivered, promise, direction, jnd, tolerance, fade))
        for worse in (delivered - direction * step, delivered + direction * step):
            there = float(b.kept_degree(worse, promise, direction, jnd, tolerance, fade))
            assert abs(there - here) <= 1.05e-9 / fade

    def test_no_jump_where_promise_kept_jumps(self):
        # promise_kept flips from True to False a hair past the promise; the degree does not
        eps = 1e-6
        degree = b.kept_degree(np.array([30.0, 30.0 + eps]), 30.0, -1.0, 5.0, 0.0, 1.0)
        assert b.promise_kept(np.array([30.0, 30.0 + eps]), 30.0, -1.0).tolist() == [True, False]
        # 1 − (1e-6/5)/1
        np.testing.assert_allclose(degree, [1.0, 1.0 - eps / 5.0], rtol=0, atol=1e-12)

    def test_nan_promise_is_kept(self):
        assert b.kept_degree(100.0, np.nan, -1.0, 5.0) == 1.0
        assert b.kept_degree(0.0, np.nan, 1.0, 0.5, tolerance=0.0) == 1.0
        d = b.kept_degree(
            np.array([100.0, 100.0, 1.0]),
            np.array([np.nan, 30.0, np.nan]),
            np.array([-1.0, -1.0, 1.0]),
            np.array([5.0, 5.0, 0.5]),
        )
        np.testing.assert_allclose(d, [1.0, 0.0, 1.0])

    @given(
        st.lists(st.floats(0.0, 60.0), min_size=1, max_size=8),
        st.floats(10.0, 50.0),
        POS,
        DIRECTION,
        TOLERANCE,
        FADE,
    )
    def test_vectorised_equals_scalar(self, delivered, promise, jnd, direction, tolerance, fade):
        vector = b.kept_degree(np.array(delivered), promise, direction, jnd, tolerance, fade)
        assert isinstance(vector, np.ndarray) and vector.shape == (len(delivered),)
        for d, v in zip(delivered, vector, strict=True):
            scalar = b.kept_degree(d, promise, direction, jnd, tolerance, fade)
            assert type(scalar) is float  # the engine's fast path
            assert 0.0 <= scalar <= 1.0
            assert scalar == pytest.approx(float(v), rel=1e-12, abs=1e-12)


# --------------------------------------------------------------------------- value
class TestValue:
    def test_zero(self):
        assert b.value(0.0) == 0.0

    @given(st.floats(0.01, 100.0), st.floats(1.0, 4.0), st.floats(0.3, 1.0))
    def test_loss_aversion_ratio(self, x, lam, curv):
        gain = float(
            b.value(x, gain_slope=1.0, loss_aversion=lam, gain_curvature=curv, loss_curvature=curv)
        )
        loss = float(
            b.value(-x, gain_slope=1.0, loss_aversion=lam, gain_curvature=curv, loss_curvature=curv)
        )
        assert loss < 0 < gain
        assert abs(loss) / gain == pytest.approx(lam, rel=1e-9)

    def test_tversky_kahneman_1992(self):
        # v(−10) = −λ·10^β = −2.25·10^0.88 ≈ −17.07
        assert b.value(-10.0) == pytest.approx(-2.25 * 10**0.88)
        assert b.value(-10.0) == pytest.approx(-17.07, abs=0.005)
        # with k⁺ = 1: v(10) = 10^0.88 ≈ 7.59
        assert b.value(10.0, gain_slope=1.0) == pytest.approx(10**0.88)

    def test_default_gain_slope_is_small(self):
        # k⁺ = 0.15: v(1) = 0.15·1^0.88 = 0.15; v(−1) = −2.25·1^0.88 = −2.25
        assert b.value(1.0, gain_slope=0.15) == pytest.approx(0.15)
        assert b.value(-1.0, loss_aversion=2.25) == pytest.approx(-2.25)
        # whatever its calibrated value, the default k⁺ is small (Gneezy & Epley 2014:
        # exceeding a promise is worth little more than keeping it): a jnd of gain is worth
        # at most a tenth of a jnd of loss
        assert 0.0 < b.value(1.0) <= 0.1 * abs(float(b.value(-1.0)))

    def test_monotone_increasing(self):
        x = np.linspace(-20, 20, 2001)
        v = b.value(x)
        assert np.all(np.diff(v) > 0)

    @given(st.floats(-50, 50, allow_nan=False), st.floats(-50, 50, allow_nan=False))
    def test_monotone_property(self, x, y):
        lo, hi = sorted((x, y))
        assert b.value(lo) <= b.value(hi)

    def test_diminishing_sensitivity(self):
        gains = np.linspace(0.1, 20, 500)
        vg = b.value(gains, gain_slope=1.0)
        assert np.all(np.diff(vg, 2) < 0)  # concave for gains
        # loss side, read left to right (x increasing towards 0): convex
        vl = b.value(-gains[::-1])
        assert np.all(np.diff(vl, 2) > 0)

    def test_shape_preserved(self):
        assert b.value(np.zeros((2, 3))).shape == (2, 3)


# --------------------------------------------------------------------------- touchpoint utility
class TestTouchpointUtility:
    def test_broken_promise_no_credit_and_loss_includes_forgone_credit(self):
        # Docstring example. Touchpoint 0: 1·(q(0) − 3) = −3, promise broken (degree 0) → no
        # credit. Loss 0 = weighted negative value 3 + forgone credit κ·(1 − 0) = 1 → 4.0.
        # Booleans still work as degrees 0/1: both spellings give the same result.
        for kept in ([False, True], [0.0, 1.0]):
            u, loss = b.touchpoint_utility(
                [1.0, 1.0], [0.0, 0.0], [-3.0, 0.0], kept, [True, False], [0, 1], 2
            )
            np.testing.assert_allclose(u, [-3.0, 0.0])
            np.testing.assert_allclose(loss, [4.0, 0.0])

    def test_credit_only_when_all_promises_kept(self):
        # Three touchpoints, two cells each.
        # tp0: both promised and kept → credit; tp1: one kept one broken → no credit;
        # tp2: no promises at all → no credit even though "kept" is True.
        weight = np.ones(6)
        quality_gap = np.zeros(6)
        felt = np.zeros(6)
        kept = np.array([True, True, True, False, True, True])
        has_promise = np.array([True, True, True, True, False, False])
        tp = np.array([0, 0, 1, 1, 2, 2])
        u, loss = b.touchpoint_utility(
            weight, quality_gap, felt, kept, has_promise, tp, 3, kept_credit=0.7
        )
        np.testing.assert_allclose(u, [0.7, 0.0, 0.0])
        np.testing.assert_allclose(loss, [0.0, 0.7, 0.0])

    def test_unpromised_cell_cannot_break_a_promise(self):
        # A cell without a promise flagged not kept must not cancel the credit.
        u, loss = b.touchpoint_utility(
            [1.0, 1.0], [0.0, 0.0], [0.0, 0.0], [True, False], [True, False], [0, 0], 1
        )
        np.testing.assert_allclose(u, [1.0])
        np.testing.assert_allclose(loss, [0.0])

    def test_grouping_weights_and_quality(self):
        # q(u) = γ·u above the norm, γ·λ·u below it (γ = 0.15, λ = 2.25)
        # tp0 cells: w=2, u=1, v=0.5 and w=1, u=−2, v=−1 (no promises)
        #   q(1) = 0.15; q(−2) = 0.15·2.25·(−2) = −0.675
        #   s0 = 2·(0.15 + 0.5) + 1·(−0.675 − 1) = 1.3 − 1.675 = −0.375
        #   loss0 = 2·0 + 1·1 = 1.0 (quality term excluded)
        # tp1 cell: w=0.5, u=4, v=2, promise kept: q(4) = 0.6
        #   s1 = 0.5·(0.6 + 2) + 1·1 = 2.3, loss1 = 0
        # tp2 cell: w=1, u=10, v=−4, promise broken: q(10) = 1.5
        #   s2 = 1·(1.5 − 4) + 1·0 = −2.5, loss2 = 4 + 1·(1 − 0) = 5
        weight = [2.0, 1.0, 0.5, 1.0]
        quality_gap = [1.0, -2.0, 4.0, 10.0]
        felt = [0.5, -1.0, 2.0, -4.0]
        kept = [True, True, True, False]
        has_promise = [False, False, True, True]
        tp = [0, 0, 1, 2]
        u, loss = b.touchpoint_utility(
            weight,
            quality_gap,
            felt,
            kept,
            has_promise,
            tp,
            3,
            quality_weight=0.15,
            kept_credit=1.0,
            loss_aversion=2.25,
        )
        np.testing.assert_allclose(u, [-0.375, 2.3, -2.5], atol=1e-12)
        np.testing.assert_allclose(loss, [1.0, 0.0, 5.0], atol=1e-12)

    def test_loss_excludes_quality(self):
        args = ([1.0], [0.0], [-2.0], [True], [False], [0], 1)
        _, loss_a = b.touchpoint_utility(*args)
        _, loss_b = b.touchpoint_utility([1.0], [-50.0], [-2.0], [True], [False], [0], 1)
        np.testing.assert_allclose(loss_a, loss_b)
        np.testing.assert_allclose(loss_a, [2.0])

    def test_unvisited_touchpoint_is_zero(self):
        u, loss = b.touchpoint_utility([1.0], [1.0], [1.0], [True], [True], [2], 4)
        assert u.shape == loss.shape == (4,)
        # tp2: 1·(0.15 + 1) + 1 = 2.15
        np.testing.assert_allclose(u, [0.0, 0.0, 2.15, 0.0])

    def test_partial_degree_uses_least_kept_promise(self):
        # one touchpoint: promised cells kept to degrees 0.8 and 0.5, an unpromised cell 0.1
        # (ignored); κ = 2 → credit 2·min(0.8, 0.5) = 1.0, forgone 2·(1 − 0.5) = 1.0
        u, loss = b.touchpoint_utility(
            [1.0, 1.0, 1.0],
            [0.0, 0.0, 0.0],
            [0.0, 0.0, 0.0],
            [0.8, 0.5, 0.1],
            [True, True, False],
            [0, 0, 0],
            1,
            kept_credit=2.0,
        )
        np.testing.assert_allclose(u, [1.0])
        np.testing.assert_allclose(loss, [1.0])

    @given(
        st.lists(st.tuples(st.floats(0.0, 1.0), st.booleans()), min_size=1, max_size=6),
        st.floats(0.0, 3.0),
    )
    def test_credit_is_kappa_times_least_degree(self, cells, kappa):
        degrees = [d for d, _ in cells]
        promised = [p for _, p in cells]
        n = len(cells)
        zeros = np.zeros(n)
        tp = np.zeros(n, dtype=int)
        u, loss = b.touchpoint_utility(
            np.ones(n), zeros, zeros, degrees, promised, tp, 1, kept_credit=kappa
        )
        if any(promised):
            least = min(d for d, p in cells if p)
            assert u[0] == pytest.approx(kappa * least)
            assert loss[0] == pytest.approx(kappa * (1.0 - least))
        else:
            assert u[0] == 0.0 and loss[0] == 0.0

    @given(st.floats(0.0, 1.0), st.floats(0.0, 1.0))
    def test_more_kept_is_better(self, d1, d2):
        lo, hi = sorted((d1, d2))
        args = ([1.0], [0.0], [-1.0])
        u_lo, loss_lo = b.touchpoint_utility(*args, [lo], [True], [0], 1)
        u_hi, loss_hi = b.touchpoint_utility(*args, [hi], [True], [0], 1)
        assert u_hi[0] >= u_lo[0] and loss_hi[0] <= loss_lo[0]
        if hi - lo > 1e-12:
            assert u_hi[0] > u_lo[0]

    def test_loss_aversion_on_quality(self):
        # one cell below the norm, u = −2, w = 1.5, no felt gap, no promise:
        # λ = 1 → 1.5·0.15·(−2) = −0.45; λ = 2.25 → 1.5·0.15·2.25·(−2) = −1.0125;
        # λ = 3 → 1.5·0.15·3·(−2) = −1.35
        args = ([1.5], [-2.0], [0.0], [1.0], [False], [0], 1)
        (u1,), _ = b.touchpoint_utility(*args, quality_weight=0.15, loss_aversion=1.0)
        (u2,), _ = b.touchpoint_utility(*args, quality_weight=0.15, loss_aversion=2.25)
        (u3,), loss3 = b.touchpoint_utility(*args, quality_weight=0.15, loss_aversion=3.0)
        assert (u1, u2, u3) == pytest.approx((-0.45, -1.0125, -1.35))
        np.testing.assert_allclose(loss3, [0.0])  # quality is never part of the loss
        # above the norm λ plays no part: 1.5·0.15·2 = 0.45
        (up,), _ = b.touchpoint_utility(
            [1.5], [2.0], [0.0], [1.0], [False], [0], 1, quality_weight=0.15, loss_aversion=3.0
        )
        assert up == pytest.approx(0.45)


# --------------------------------------------------------------------------- episode
class TestEpisodeSatisfaction:
    @given(st.lists(UTIL, min_size=1, max_size=8), st.sampled_from(["mean", "peak_end"]))
    def test_bounded(self, utilities, mode):
        s = float(b.episode_satisfaction(utilities, np.ones(len(utilities)), mode=mode))
        assert -1.0 <= s <= 1.0

    @pytest.mark.parametrize("mode", ["mean", "peak_end"])
    def test_zero_utilities_give_zero(self, mode):
        assert b.episode_satisfaction(np.zeros(4), np.ones(4), mode=mode) == 0.0

    def test_mean_formula(self):
        # importance-weighted mean: (3·1 + 1·(−5))/4 = −0.5; tanh(−0.5/2.5) = tanh(−0.2)
        s = b.episode_satisfaction([1.0, -5.0], [3.0, 1.0])
        assert s == pytest.approx(math.tanh(-0.2))
        # docstring: tanh(((−6 + 0)/2)/3) = tanh(−1)
        s = b.episode_satisfaction([-6.0, 0.0], [1.0, 1.0], scale=3.0)
        assert s == pytest.approx(math.tanh(-1.0))

    @given(
        st.lists(st.floats(-20, 20, allow_nan=False), min_size=2, max_size=6),
        st.data(),
        st.floats(0.0, 10.0),
        st.sampled_from(["mean", "peak_end"]),
    )
    def test_monotone_in_each_utility(self, utilities, data, bump, mode):
        i = data.draw(st.integers(0, len(utilities) - 1))
        importance = np.linspace(1.0, 2.0, len(utilities))
        raised = list(utilities)
        raised[i] += bump
        s0 = float(b.episode_satisfaction(utilities, importance, mode=mode))
        s1 = float(b.episode_satisfaction(raised, importance, mode=mode))
        assert s1 >= s0 - 1e-12

    def test_peak_end_uses_most_extreme_and_last(self):
        # peak −6 (|−6| > 4), last 1 → (−6 + 1)/2 = −2.5 → tanh(−2.5/2.5) = tanh(−1)
        s = b.episode_satisfaction([2.0, -6.0, 4.0, 1.0], [1.0, 1.0, 1.0, 1.0], mode="peak_end")
        assert s == pytest.approx(math.tanh(-1.0))
        # importance is ignored by peak-end
        s2 = b.episode_satisfaction([2.0, -6.0, 4.0, 1.0], [9.0, 0.1, 5.0, 1.0], mode="peak_end")
        assert s2 == pytest.approx(s)
        # the peak can be positive: peak 5, last 5 → tanh(5/2.5)
        s3 = b.episode_satisfaction([-1.0, 5.0], [1.0, 1.0], mode="peak_end")
        assert s3 == pytest.approx(math.tanh(2.0))

    def test_batched_last_axis(self):
        u = np.array([[0.0, 0.0], [-6.0, 0.0], [5.0, 5.0]])
        s = b.episode_satisfaction(u, np.ones(2), scale=3.0)
        assert s.shape == (3,)
        np.testing.assert_allclose(s, np.tanh([0.0, -1.0, 5.0 / 3.0]))
        p = b.episode_satisfaction(u, np.ones(2), scale=3.0, mode="peak_end")
        np.testing.assert_allclose(p, np.tanh([0.0, -1.0, 5.0 / 3.0]))

    def test_invalid_mode(self):
        with pytest.raises(ValueError, match="mode"):
            b.episode_satisfaction([1.0], [1.0], mode="median")


def test_utility_to_satisfaction_matches_episode_squash():
    assert b.utility_to_satisfaction(2.5, 2.5) == pytest.approx(math.tanh(1.0))
    assert b.utility_to_satisfaction(-3.0, 2.5) == pytest.approx(
        float(b.episode_satisfaction([-3.0], [1.0], scale=2.5))
    )


def test_running_mean():
    # mean of (0.5, −0.5) = 0; mean of (1, 2, 6) from mean 1.5 after two: 1.5 + (6 − 1.5)/3 = 3
    assert b.running_mean(0.5, -0.5, 2) == pytest.approx(0.0)
    assert b.running_mean(1.5, 6.0, 3) == pytest.approx(3.0)


# --------------------------------------------------------------------------- LTR, NPS
class TestRecommend:
    def test_ltr_formula(self):
        # 7.5 + 4·A, clipped to [0, 10]
        ltr = b.likelihood_to_recommend(np.array([0.0, 0.5, -0.5, 1.0, -1.0]))
        np.testing.assert_allclose(ltr, [7.5, 9.5, 5.5, 10.0, 3.5])
        assert b.likelihood_to_recommend(1.0, neutral=9.0) == 10.0
        assert b.likelihood_to_recommend(-1.0, neutral=2.0) == 0.0

    @given(SAT, st.floats(0.0, 10.0), st.floats(0.0, 20.0))
    def test_ltr_bounds(self, attitude, neutral, slope):
        ltr = float(b.likelihood_to_recommend(attitude, neutral=neutral, slope=slope))
        assert 0.0 <= ltr <= 10.0

    def test_neutral_customer_is_passive(self):
        ltr = float(b.likelihood_to_recommend(0.0))
        assert 7.0 <= ltr <= 8.5  # rounds to 7 or 8 under half-up rounding
        assert b.net_promoter_score([ltr]) == 0.0

    def test_nps_categories(self):
        assert b.net_promoter_score([9, 10]) == 100.0
        assert b.net_promoter_score([0, 6]) == -100.0
        assert b.net_promoter_score([7, 8]) == 0.0
        # 2 promoters, 1 passive, 1 detractor of 4 → 50 − 25 = 25
        assert b.net_promoter_score([10, 9, 8, 3]) == pytest.approx(25.0)

    def test_nps_rounds_half_up(self):
        # 8.5 → 9 (promoter); 6.5 → 7 (passive); 6.49 → 6 (detractor)
        assert b.net_promoter_score([8.5]) == 100.0
        assert b.net_promoter_score([6.5]) == 0.0
        assert b.net_promoter_score([6.49]) == -100.0
        # docstring: 10, 9, 8, 3 → 25
        assert b.net_promoter_score([10, 8.5, 8, 3]) == pytest.approx(25.0)

    @given(st.lists(st.floats(0.0, 10.0), min_size=1, max_size=30))
    def test_nps_bounds(self, ltr):
        nps = b.net_promoter_score(ltr)
        assert -100.0 <= nps <= 100.0

    def test_nps_empty_is_nan(self):
        assert math.isnan(b.net_promoter_score([]))


# --------------------------------------------------------------------------- trust
class TestTrust:
    def test_beta_mean(self):
        assert b.trust(3.0, 1.0) == pytest.approx(0.75)
        assert b.trust(1.0, 1.0) == pytest.approx(0.5)

    def test_kept_raises_broken_lowers(self):
        t0 = float(b.trust(3.0, 1.0))
        t_kept = float(b.trust(*b.update_trust(3.0, 1.0, 1, 0)))
        t_broken = float(b.trust(*b.update_trust(3.0, 1.0, 0, 1)))
        assert t_kept > t0 > t_broken
        # 4/5 and 3/(3 + 1 + 2) = 0.5
        assert t_kept == pytest.approx(0.8)
        assert t_broken == pytest.approx(0.5)

    def test_broken_weighs_more_than_kept(self):
        # from 0.5: one kept → 2/3 (+1/6), one broken → 1/4 (−1/4)
        up = float(b.trust(*b.update_trust(1.0, 1.0, 1, 0))) - 0.5
        down = 0.5 - float(b.trust(*b.update_trust(1.0, 1.0, 0, 1)))
        assert down > up > 0

    @given(POS, POS, st.integers(0, 50), st.integers(0, 50))
    def test_stays_in_open_unit_interval(self, a, bb, n_kept, n_broken):
        t0 = float(b.trust(a, bb))
        t = float(b.trust(*b.update_trust(a, bb, n_kept, n_broken)))
        assert 0.0 < t < 1.0
        if n_kept > 0 and n_broken == 0:
            assert t > t0
        if n_broken > 0 and n_kept == 0:
            assert t < t0


# --------------------------------------------------------------------------- word of mouth
PROMOTER = 0.0  # attitude at or below which nobody recommends unprompted
# the parameters of the docstring examples, passed explicitly so that recalibrating a default
# does not break a hand-worked number
WOM = dict(
    base=0.01,
    positive_slope=0.35,
    negative_slope=0.368,
    curvature=1.0,
    referral_bonus=0.0,
)
NOT_A_FAN = st.floats(-1.0, PROMOTER)  # attitudes at or below the promoter threshold


def talk(surprise, attitude, **kwargs):
    """Total probability of talking (praise + criticism)."""
    positive, negative = b.talk_probabilities(surprise, attitude, **kwargs)
    return positive + negative


class TestWordOfMouth:
    def test_docstring_values(self):
        # attitude 0 (base chatter counts as praise), slopes 0.35 / 0.368, curvature 1:
        # s = −0.5 → praise 0.01, criticism 0.368·0.5 = 0.184
        # s = 0 → praise 0.01, criticism 0; s = 0.5 → praise 0.01 + 0.35·0.5 = 0.185
        positive, negative = b.talk_probabilities(np.array([-0.5, 0.0, 0.5]), 0.0, **WOM)
        np.testing.assert_allclose(positive, [0.01, 0.01, 0.185])
        np.testing.assert_allclose(negative, [0.184, 0.0, 0.0])
        # a fan at attitude 0.5 with nothing surprising only chats: advice comes between
        # purchases (advice_rate), not after one
        positive, negative = b.talk_probabilities(0.0, 0.5, **WOM)
        assert (positive, negative) == pytest.approx((0.01, 0.0))

    def test_more_hand_values(self):
        # unhappy customer (attitude −0.5), s = −0.5: chatter goes to criticism:
        # praise 0, criticism 0.184 + 0.01 = 0.194
        assert b.talk_probabilities(-0.5, -0.5, **WOM) == pytest.approx((0.0, 0.194))
        # curvature 2: s = 0.5 → 0.01 + 0.35·0.25 = 0.0975
        positive, negative = b.talk_probabilities(0.5, 0.0, **{**WOM, "curvature": 2.0})
        assert (positive, negative) == pytest.approx((0.0975, 0.0))
        # the sum is capped at 1 by cutting criticism: a satisfied customer with a referral
        # bonus 0.5 surprised badly (s = −1, slope 1): praise 0.5 + 0.01 = 0.51, criticism
        # min(1·1, 1 − 0.51) = 0.49
        kwargs = {**WOM, "negative_slope": 1.0, "referral_bonus": 0.5}
        positive, negative = b.talk_probabilities(-1.0, 1.0, **kwargs)
        assert (positive, negative) == pytest.approx((0.51, 0.49))

    @pytest.mark.parametrize("attitude", [-1.0, -0.4, PROMOTER])
    def test_u_shape_with_minimum_at_zero_surprise(self, attitude):
        s = np.linspace(-1.0, 1.0, 201)
        positive, negative = b.talk_probabilities(s, attitude)  # the defaults, whatever they are
        total = positive + negative
        assert s[np.argmin(total)] == pytest.approx(0.0, abs=1e-12)
        base = inspect.signature(b.talk_probabilities).parameters["base"].default
        assert total.min() == pytest.approx(base)  # only base chatter when unsurprised
        assert np.all(np.diff(total[s >= 0]) > 0)  # rises with pleasant surprise
        assert np.all(np.diff(total[s <= 0]) < 0)  # and with unpleasant surprise
        assert np.all(np.diff(positive) >= 0)  # praise never falls as surprise rises
        assert np.all(np.diff(negative) <= 0)  # criticism never rises

    @given(
        st.floats(-1.0, 1.0).filter(lambda s: abs(s) >= 1e-3),
        NOT_A_FAN,
        st.floats(0.0, 0.2),
        st.floats(0.01, 0.4),
        st.floats(0.01, 0.4),
        st.floats(0.5, 2.0),
        st.floats(0.0, 0.2),
    )
    def test_unsurprised_talk_least(self, s, attitude, base, pos, neg, curv, bonus):
        kwargs = dict(
            base=base, positive_slope=pos, negative_slope=neg, curvature=curv, referral_bonus=bonus
        )
        assert talk(s, attitude, **kwargs) > talk(0.0, attitude, **kwargs)

    @given(st.floats(1e-3, 1.0), NOT_A_FAN)
    def test_negative_side_heavier(self, x, attitude):
        # by default criticism's slope exceeds praise's (0.368 > 0.35 when written; Anderson
        # 1998): more talk at −x than at +x
        assert talk(-x, attitude) > talk(x, attitude)
        # and, without chatter, criticism after −x beats praise after +x
        assert (
            b.talk_probabilities(-x, attitude, base=0.0)[1]
            > b.talk_probabilities(x, attitude, base=0.0)[0]
        )
        # the docstring's slopes: 0.368·x > 0.35·x
        assert talk(-x, attitude, **WOM) > talk(x, attitude, **WOM)
        # with equal slopes the U is symmetric, so the asymmetry is the slopes' doing
        equal = {**WOM, "negative_slope": 0.35}
        assert talk(-x, attitude, **equal) == pytest.approx(talk(x, attitude, **equal))

    @given(
        SAT,
        SAT,
        st.floats(0.0, 0.5),
        st.floats(0.0, 2.0),
        st.floats(0.0, 2.0),
        st.floats(0.5, 2.0),
        st.floats(0.0, 1.0),
    )
    def test_bounded(self, s, attitude, base, pos, neg, curv, bonus):
        args = (s, attitude, base, pos, neg, curv, bonus)
        positive, negative = b.talk_probabilities(*args)
        assert 0.0 <= positive <= 1.0
        assert 0.0 <= negative <= 1.0
        assert positive + negative <= 1.0 + 1e-12
        # the array path obeys the same bounds
        pa, na = b.talk_probabilities(np.array([s, -s, 0.0]), *args[1:])
        assert np.all((pa >= 0) & (na >= 0) & (pa + na <= 1.0 + 1e-12))

    def test_unsurprised_fans_only_chat(self):
        # however happy, a customer with nothing surprising to tell only chats after a
        # purchase: recommendations come between purchases (advice_rate)
        attitude = np.linspace(-1.0, 1.0, 41)
        positive, negative = b.talk_probabilities(0.0, attitude, **WOM)
        np.testing.assert_allclose(positive + negative, 0.01)

    def test_advice_rate_hand_values(self):
        # advocacy 8 a year, attitude 0.5, record 3 good episodes (r = 0.75): 8·0.5·0.75 = 3
        assert b.advice_rate(0.5, b.track_record(3), advocacy=8.0) == pytest.approx(3.0)
        # nobody recommends from attitude 0 or below, or before a first good episode
        assert b.advice_rate(0.0, 1.0) == 0.0
        assert b.advice_rate(-0.7, 1.0) == 0.0
        assert b.advice_rate(0.9, b.track_record(0)) == 0.0

    @given(
        st.floats(PROMOTER, 1.0),
        st.floats(PROMOTER, 1.0),
        st.integers(0, 50),
        st.integers(0, 50),
        st.floats(0.1, 365.0),
    )
    def test_advice_grows_with_attitude_and_record(self, a1, a2, g1, g2, advocacy):
        lo, hi = sorted((a1, a2))
        few, many = sorted((g1, g2))
        low = b.advice_rate(lo, b.track_record(few), advocacy)
        high = b.advice_rate(hi, b.track_record(many), advocacy)
        assert 0.0 <= low <= high <= advocacy
        if hi - lo > 1e-9 and many > 0:
            assert high > low

    def test_referral_bonus_only_raises_praise_from_satisfied(self):
        s = np.array([-0.5, 0.0, 0.5])[:, None]
        a = np.array([-1.0, -0.2, 0.0, 1e-6, 0.3, 0.9])[None, :]
        p0, n0 = b.talk_probabilities(s, a)  # far from the cap at 1
        p1, n1 = b.talk_probabilities(s, a, referral_bonus=0.1)
        np.testing.assert_allclose(p1 - p0, np.broadcast_to([0, 0, 0, 0.1, 0.1, 0.1], p0.shape))
        np.testing.assert_array_equal(n1, n0)

    @given(st.floats(0.0, 0.5), SAT)
    def test_base_chatter_takes_the_sign_of_attitude(self, base, attitude):
        positive, negative = b.talk_probabilities(0.0, attitude, base=base)
        if attitude >= 0:  # a zero attitude counts as praise
            assert (positive, negative) == (base, 0.0)
        else:
            assert (positive, negative) == (0.0, base)

    def test_vectorised_equals_scalar(self):
        s = np.array([-1.0, -0.3, 0.0, 0.2, 1.0])
        a = np.array([-0.5, 0.0, 0.3, 0.6, 1.0])
        positive, negative = b.talk_probabilities(s, a, referral_bonus=0.05)
        for i in range(len(s)):
            p, n = b.talk_probabilities(float(s[i]), float(a[i]), referral_bonus=0.05)
            assert type(p) is float and type(n) is float
            assert (p, n) == pytest.approx((positive[i], negative[i]), abs=1e-15)


# --------------------------------------------------------------------------- choice, complaint
class TestChoice:
    def test_half_at_zero(self):
        assert b.choice_probability(0.0) == 0.5

    def test_logit_value(self):
        # 1/(1 + e^−1)
        assert b.choice_probability(1.0) == pytest.approx(1.0 / (1.0 + math.exp(-1.0)))

    def test_monotone(self):
        x = np.linspace(-10, 10, 201)
        assert np.all(np.diff(b.choice_probability(x)) > 0)

    @given(st.floats(-30, 30, allow_nan=False))
    def test_symmetric_and_bounded(self, x):
        p, q = float(b.choice_probability(x)), float(b.choice_probability(-x))
        assert p + q == pytest.approx(1.0)
        assert 0.0 <= p <= 1.0


def test_complaint_probability_threshold():
    s = np.array([-0.9, -0.21, -0.2, 0.0, 0.5])
    p = b.complaint_probability(s, -0.2, 0.32)
    np.testing.assert_allclose(p, [0.32, 0.32, 0.0, 0.0, 0.0])  # strictly below threshold


# --------------------------------------------------------------------------- recovery
class TestRecovery:
    def test_components(self):
        # apology 0.2 + comp 0.6·50/(50 + 50) = 0.3 + speed 0.3·e^0 = 0.3 → 0.8
        assert b.recovery_share(50.0, 0.0, 3.0, False) == pytest.approx(0.8)
        # no compensation, t = 4 = t_s: 0.2 + 0.3·e^−1
        assert b.recovery_share(0.0, 4.0, 3.0, False) == pytest.approx(0.2 + 0.3 * math.exp(-1))

    def test_paradox_only_for_mild_first_failure(self):
        kwargs = dict(apology=0.5, paradox_cap=1.2)  # raw share up to 0.5 + 0.6 + 0.3 = 1.4
        mild_first = float(b.recovery_share(1e9, 0.0, 1.0, True, **kwargs))
        assert mild_first == pytest.approx(1.2)  # capped at paradox_cap
        assert b.recovery_share(1e9, 0.0, 1.0, False, **kwargs) == pytest.approx(1.0)
        assert b.recovery_share(1e9, 0.0, 5.0, True, **kwargs) == pytest.approx(1.0)
        # mild is loss <= mild_loss (inclusive)
        assert b.recovery_share(1e9, 0.0, 1.5, True, **kwargs) == pytest.approx(1.2)

    @given(
        st.floats(0, 1e6),
        st.floats(0, 100),
        st.floats(0, 10),
        st.booleans(),
        st.floats(0.0, 1.0),
        st.floats(1.0, 2.0),
    )
    def test_caps(self, comp, t, loss, first, apology, cap):
        share = float(b.recovery_share(comp, t, loss, first, apology=apology, paradox_cap=cap))
        assert share <= cap + 1e-12
        if not (first and loss <= 1.5):
            assert share <= 1.0

    def test_increases_with_compensation(self):
        comp = np.linspace(0, 500, 101)
        share = b.recovery_share(comp, 2.0, 5.0, False)
        # t = 2 keeps the raw share below the cap of 1 (0.2 + 0.6·c/(c+50) + 0.3·e^−0.5 < 1)
        assert np.all(np.diff(share) > 0)

    def test_decreases_with_resolution_time(self):
        t = np.linspace(0, 48, 97)
        share = b.recovery_share(20.0, t, 5.0, False)
        assert np.all(np.diff(share) < 0)


# --------------------------------------------------------------------------- churn, repurchase
class TestCumulativeSatisfaction:
    @given(SAT, SAT)
    def test_first_episode_is_s(self, prev, s):
        assert b.cumulative_satisfaction(prev, s, 1) == pytest.approx(s)

    def test_floor(self):
        # n = 20: w = max(1/20, 0.1) = 0.1 → 0.9·0.5 + 0.1·(−0.5) = 0.4
        assert b.cumulative_satisfaction(0.5, -0.5, 20) == pytest.approx(0.4)
        # n = 1000 still moves by the floor weight: 0.9·0 + 0.1·1 = 0.1
        assert b.cumulative_satisfaction(0.0, 1.0, 1000) == pytest.approx(0.1)
        # n = 4: w = 1/4 → 0.75·0 + 0.25·1
        assert b.cumulative_satisfaction(0.0, 1.0, 4) == pytest.approx(0.25)

    def test_later_episodes_move_less(self):
        moves = [abs(float(b.cumulative_satisfaction(0.5, -0.5, n)) - 0.5) for n in range(1, 30)]
        assert np.all(np.diff(moves) <= 0)
        assert moves[0] > moves[5] > moves[-1] > 0  # strictly less early on, floor keeps it > 0

    def test_equals_running_mean_before_floor(self):
        sats = [0.3, -0.6, 0.9, 0.0, 0.6]
        s_cum = 0.0
        for n, s in enumerate(sats, start=1):
            s_cum = float(b.cumulative_satisfaction(s_cum, s, n, floor=0.0))
        assert s_cum == pytest.approx(np.mean(sats))


class TestChurn:
    def test_baseline_at_neutral(self):
        assert b.churn_probability(0.05, 0.0, 0.0) == pytest.approx(0.05)
        assert b.churn_probability(0.05, 0.0, 0.7) == pytest.approx(0.05)

    def test_formula(self):
        # h₀·exp(−β·S_cum + shock·σ·max(−s, 0)), all parameters explicit
        kwargs = dict(satisfaction_effect=1.5, bad_episode_shock=3.0)
        # σ = 1: 0.05·exp(−1.5·0.4 + 3·1·0.8) = 0.05·e^1.8
        p = b.churn_probability(0.05, 0.4, -0.8, sensitivity=1.0, **kwargs)
        assert p == pytest.approx(0.05 * math.exp(1.8))
        # σ = 0.5: 0.05·exp(−0.6 + 3·0.5·0.8) = 0.05·e^0.6
        p = b.churn_probability(0.05, 0.4, -0.8, sensitivity=0.5, **kwargs)
        assert p == pytest.approx(0.05 * math.exp(0.6))
        # a good episode carries no shock, whatever σ: 0.05·exp(−0.6)
        p = b.churn_probability(0.05, 0.4, 0.8, sensitivity=2.0, **kwargs)
        assert p == pytest.approx(0.05 * math.exp(-0.6))

    @given(st.floats(0.0, 1.0), SAT, SAT, st.floats(0.0, 5.0))
    def test_bounded(self, h0, cum, s, sensitivity):
        p = float(b.churn_probability(h0, cum, s, sensitivity=sensitivity))
        assert 0.0 <= p <= 1.0

    def test_decreasing_in_cumulative(self):
        cum = np.linspace(-1, 1, 51)
        p = b.churn_probability(0.05, cum, 0.0, satisfaction_effect=1.5)
        assert np.all(np.diff(p) < 0)

    @given(st.floats(0.001, 0.1), SAT, st.floats(0.01, 1.0))
    def test_bad_episode_raises(self, h0, cum, badness):
        bad = float(b.churn_probability(h0, cum, -badness))
        calm = float(b.churn_probability(h0, cum, 0.0))
        assert bad >= calm
        if calm < 1.0:  # strictly, unless the hazard has already saturated at 1
            assert bad > calm

    @given(
        st.floats(0.001, 0.1), SAT, st.floats(0.01, 1.0), st.floats(0.0, 3.0), st.floats(0.01, 2.0)
    )
    def test_more_sensitive_customers_leave_more(self, h0, cum, badness, sigma, delta):
        calm = float(b.churn_probability(h0, cum, -badness, sensitivity=sigma))
        touchy = float(b.churn_probability(h0, cum, -badness, sensitivity=sigma + delta))
        assert touchy >= calm
        if calm < 1.0:
            assert touchy > calm

    @given(st.floats(0.001, 0.1), SAT, st.floats(0.0, 1.0), st.floats(0.0, 5.0))
    def test_sensitivity_only_matters_after_a_bad_episode(self, h0, cum, s, sigma):
        assert b.churn_probability(h0, cum, s, sensitivity=sigma) == pytest.approx(
            float(b.churn_probability(h0, cum, s, sensitivity=1.0)), rel=1e-12
        )
        # σ = 0: a bad episode is no worse than a neutral one
        assert b.churn_probability(h0, cum, -s, sensitivity=0.0) == pytest.approx(
            float(b.churn_probability(h0, cum, 0.0)), rel=1e-12
        )

    def test_per_customer_sensitivity_broadcasts(self):
        # S_cum = 0, s = −0.5, shock 2.864: 0.05·exp(2.864·σ·0.5) for σ = 0, 0.5, 1
        sigma = np.array([0.0, 0.5, 1.0])
        p = b.churn_probability(
            0.05, 0.0, -0.5, satisfaction_effect=3.095, bad_episode_shock=2.864, sensitivity=sigma
        )
        np.testing.assert_allclose(p, 0.05 * np.exp(2.864 * sigma * 0.5))

    def test_saturates_at_one(self):
        assert b.churn_probability(0.5, -1.0, -1.0) == 1.0


class TestHabitualResponse:
    def test_hand_values(self):
        # anchor + (s − anchor)/(1 + habit·g)
        # g = 0: −0.6 (a newcomer acts on the episode); g = 4: 0.4 + (−1)/5 = 0.2
        assert b.habitual_response(-0.6, 0.4, habit=1.0, good_episodes=0) == pytest.approx(-0.6)
        assert b.habitual_response(-0.6, 0.4, habit=1.0, good_episodes=4) == pytest.approx(0.2)
        # habit 0.5, g = 2: 0.4 + (−1)/2 = −0.1
        assert b.habitual_response(-0.6, 0.4, habit=0.5, good_episodes=2) == pytest.approx(-0.1)
        r = b.habitual_response(np.array([-0.6, 0.9]), 0.4, 1.0, np.array([4, 1]))
        # 0.4 − 1/5 = 0.2; 0.4 + 0.5/2 = 0.65
        np.testing.assert_allclose(r, [0.2, 0.65])

    @given(SAT, SAT, st.floats(0.0, 5.0), st.integers(0, 100))
    def test_no_habit_acts_on_the_episode(self, s, anchor, habit, g):
        # habit·g = 0 either way
        assert b.habitual_response(s, anchor, 0.0, g) == pytest.approx(s, abs=1e-12)
        assert b.habitual_response(s, anchor, habit, 0) == pytest.approx(s, abs=1e-12)

    @given(SAT, SAT, st.floats(0.0, 5.0), st.integers(0, 100))
    def test_between_anchor_and_episode(self, s, anchor, habit, g):
        r = float(b.habitual_response(s, anchor, habit, g))
        lo, hi = sorted((s, anchor))
        assert lo - 1e-12 <= r <= hi + 1e-12

    @given(SAT, SAT, st.floats(0.1, 5.0), st.integers(0, 50))
    def test_moves_toward_anchor_with_good_episodes(self, s, anchor, habit, g):
        assume(abs(s - anchor) > 1e-6)
        now = float(b.habitual_response(s, anchor, habit, g))
        later = float(b.habitual_response(s, anchor, habit, g + 1))
        assert abs(later - anchor) < abs(now - anchor)
        # and on the same side of the anchor as the episode
        assert (later - anchor) * (s - anchor) > 0

    def test_regular_converges_to_anchor(self):
        # |r − anchor| = 1/(1 + 1·10⁶) ≈ 1e-6
        r = b.habitual_response(-0.6, 0.4, 1.0, 10**6)
        assert r == pytest.approx(0.4, abs=1.01e-6)
        assert r < 0.4


def test_purchase_interval_decreasing_in_attitude():
    a = np.linspace(-1, 1, 41)
    interval = b.purchase_interval(240.0, a)
    assert np.all(np.diff(interval) < 0)
    assert b.purchase_interval(240.0, 0.0) == pytest.approx(240.0)
    # 240·exp(−0.5·0.5) = 240·e^−0.25 ≈ 186.912 (the docstring's "186.92" is a rounding slip)
    assert b.purchase_interval(240.0, 0.5, 0.5) == pytest.approx(240.0 * math.exp(-0.25))
    assert b.purchase_interval(240.0, 0.5, 0.5) == pytest.approx(186.912, abs=1e-3)


def test_basket_size():
    a = np.linspace(-1, 1, 41)
    size = b.basket_size(a)
    assert np.all(size >= 1.0)
    assert np.all(np.diff(size) >= 0)
    np.testing.assert_allclose(size[a <= 0], 1.0)  # unhappy customers do not buy less
    assert b.basket_size(0.5, 0.3) == pytest.approx(1.15)  # 1 + 0.3·0.5


# --------------------------------------------------------------------------- float fast path
class TestFloatFastPath:
    """The engine calls these once per episode with plain floats: they must stay floats."""

    def test_update_trust(self):
        # 3 + 1·1 = 4, 1 + 2·0 = 1; integer counts too
        for n_kept, n_broken in ((1.0, 0.0), (1, 0)):
            a, bb = b.update_trust(3.0, 1.0, n_kept, n_broken)
            assert type(a) is float and type(bb) is float
            assert (a, bb) == (4.0, 1.0)

    def test_update_prior(self):
        x = b.update_prior(40.0, 50.0, 0.3)
        assert type(x) is float
        assert x == pytest.approx(43.0)

    def test_running_mean(self):
        m = b.running_mean(0.5, -0.5, 2)
        assert type(m) is float
        assert m == pytest.approx(0.0)
        assert type(b.running_mean(1.5, 6.0, 3.0)) is float

    def test_cumulative_satisfaction(self):
        for episodes in (20, 20.0):
            c = b.cumulative_satisfaction(0.5, -0.5, episodes)
            assert type(c) is float
            assert c == pytest.approx(0.4)

    @given(POS, POS, st.integers(0, 50), st.integers(0, 50), SAT, SAT, st.integers(1, 50))
    def test_floats_agree_with_arrays(self, a, bb, n_kept, n_broken, x, y, n):
        pairs = [
            (
                b.update_trust(a, bb, n_kept, n_broken),
                b.update_trust(
                    np.array([a]), np.array([bb]), np.array([n_kept]), np.array([n_broken])
                ),
            ),
            (b.update_prior(x, y, 0.3), b.update_prior(np.array([x]), np.array([y]), 0.3)),
            (b.running_mean(x, y, n), b.running_mean(np.array([x]), np.array([y]), np.array([n]))),
            (
                b.cumulative_satisfaction(x, y, n),
                b.cumulative_satisfaction(np.array([x]), np.array([y]), np.array([n])),
            ),
        ]
        for scalar, array in pairs:
            np.testing.assert_allclose(np.ravel(scalar), np.ravel(array), rtol=1e-12, atol=1e-15)

    def test_arrays_broadcast(self):
        # update_trust: per-customer counts against shared weights
        a, bb = b.update_trust(np.array([1.0, 2.0, 3.0]), 1.0, np.array([0, 1, 2]), 1)
        np.testing.assert_allclose(a, [1.0, 3.0, 5.0])  # a + 1·n_kept
        np.testing.assert_allclose(bb, [3.0, 3.0, 3.0])  # 1 + 2·1, broadcast to (3,)
        assert np.broadcast(a, bb).shape == (3,)
        # update_prior: (2,) priors × (2, 1) deliveries → (2, 2); 0.7·X + 0.3·D
        x = b.update_prior(np.array([40.0, 50.0]), np.array([[50.0], [60.0]]), 0.3)
        assert x.shape == (2, 2)
        np.testing.assert_allclose(x, [[43.0, 50.0], [46.0, 53.0]])
        # running_mean: per-customer counts; 0 + (1 − 0)/n
        m = b.running_mean(np.zeros(3), 1.0, np.array([1, 2, 4]))
        np.testing.assert_allclose(m, [1.0, 0.5, 0.25])
        # cumulative_satisfaction: per-customer tenure; w = 1, max(1/20, 0.1), 1/4
        c = b.cumulative_satisfaction(
            np.array([0.5, 0.5, 0.0]), np.array([-0.5, -0.5, 1.0]), np.array([1, 20, 4])
        )
        np.testing.assert_allclose(c, [-0.5, 0.4, 0.25])
        # lists are accepted and come back as arrays
        assert isinstance(b.update_prior([40.0, 50.0], 50.0, 0.3), np.ndarray)
