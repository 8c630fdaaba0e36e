"""Unit tests for the pure behavioural equations in :mod:`sim.behaviour`.

Expected numbers are derived by hand from the formula in each docstring (the derivation is
given in a comment next to the assertion); nothing here is copied from running the code.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
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


# --------------------------------------------------------------------------- disconfirmation
class TestDisconfirmation:
    def test_late_delivery_on_time_dimension_is_negative(self):
        # direction −1 (time): 15 h late with jnd 5 → −1·15/5 = −3
        assert b.disconfirmation(45.0, 30.0, -1.0, 5.0) == pytest.approx(-3.0)

    def test_early_delivery_on_time_dimension_is_positive(self):
        assert b.disconfirmation(20.0, 30.0, -1.0, 5.0) == pytest.approx(2.0)

    def test_better_service_on_higher_is_better_dimension_is_positive(self):
        # direction +1 (service): (4.5 − 3.5)/0.5 = 2
        assert b.disconfirmation(4.5, 3.5, 1.0, 0.5) == pytest.approx(2.0)
        assert b.disconfirmation(3.0, 3.5, 1.0, 0.5) == pytest.approx(-1.0)

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
        d1 = b.disconfirmation(10.0 + gap, 10.0, 1.0, jnd)
        d2 = b.disconfirmation(10.0 + gap, 10.0, 1.0, jnd * factor)
        assert float(d2) == pytest.approx(float(d1) / factor, rel=1e-9, abs=1e-12)

    def test_vectorised(self):
        d = b.disconfirmation(
            np.array([45.0, 30.0, 4.0]),
            np.array([30.0, 30.0, 3.0]),
            np.array([-1.0, -1.0, 1.0]),
            np.array([5.0, 5.0, 0.5]),
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
        # k⁺ = 0.15 default: v(1) = 0.15·1^0.88 = 0.15; v(−1) = −2.25
        assert b.value(1.0) == pytest.approx(0.15)
        assert b.value(-1.0) == pytest.approx(-2.25)

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
        # Docstring example. Touchpoint 0: 1·(0.15·0 − 3) = −3, promise broken → no credit.
        # Loss 0 = weighted negative value 3 + forgone credit κ = 1 → 4.0.
        # (The docstring example prints 3.5; its own prose and κ = 1 give 4.0 — see report.)
        u, loss = b.touchpoint_utility(
            [1.0, 1.0], [0.0, 0.0], [-3.0, 0.0], [False, True], [True, False], [0, 1], 2
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
        # tp0 cells: w=2, u=1, v=0.5 and w=1, u=−2, v=−1 (no promises)
        #   s0 = 2·(0.15·1 + 0.5) + 1·(0.15·(−2) − 1) = 1.3 − 1.3 = 0.0
        #   loss0 = 2·0 + 1·1 = 1.0 (quality term excluded)
        # tp1 cell: w=0.5, u=4, v=2, promise kept → s1 = 0.5·(0.6 + 2) + 1 = 2.3, loss1 = 0
        # tp2 cell: w=1, u=10, v=−4, promise broken → s2 = 1.5 − 4 = −2.5, loss2 = 4 + 1 = 5
        weight = [2.0, 1.0, 0.5, 1.0]
        quality_gap = [1.0, -2.0, 4.0, 10.0]
        felt = [0.5, -1.0, 2.0, -4.0]
        kept = [True, True, True, False]
        has_promise = [False, False, True, True]
        tp = [0, 0, 1, 2]
        u, loss = b.touchpoint_utility(weight, quality_gap, felt, kept, has_promise, tp, 3)
        np.testing.assert_allclose(u, [0.0, 2.3, -2.5], atol=1e-12)
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
class TestWordOfMouth:
    def test_minimum_at_zero_is_base(self):
        s = np.linspace(-1, 1, 201)
        p = b.wom_probability(s)
        assert b.wom_probability(0.0) == pytest.approx(0.01)
        assert p.min() == pytest.approx(0.01)
        assert s[np.argmin(p)] == pytest.approx(0.0)

    def test_docstring_values(self):
        # 0.01 + 0.6·0.5 = 0.31; 0.01 + 0.35·0.5 = 0.185
        np.testing.assert_allclose(
            b.wom_probability(np.array([-0.5, 0.0, 0.5])), [0.31, 0.01, 0.185]
        )

    @given(st.floats(0.001, 1.0))
    def test_negative_side_heavier(self, x):
        assert b.wom_probability(-x) > b.wom_probability(x)

    def test_u_shape(self):
        s = np.linspace(0, 1, 50)
        assert np.all(np.diff(b.wom_probability(s)) > 0)
        assert np.all(np.diff(b.wom_probability(-s)) > 0)

    @given(
        SAT,
        st.floats(0.0, 0.5),
        st.floats(0.0, 2.0),
        st.floats(0.0, 2.0),
        st.floats(0.5, 2.0),
        st.floats(0.0, 1.0),
    )
    def test_bounded(self, s, base, pos, neg, curv, bonus):
        p = float(b.wom_probability(s, base, pos, neg, curv, bonus))
        assert 0.0 <= p <= 1.0

    def test_referral_bonus_only_raises_positive_side(self):
        s = np.array([-0.5, 0.0, 0.5])
        without = b.wom_probability(s)
        with_bonus = b.wom_probability(s, referral_bonus=0.1)
        np.testing.assert_allclose(with_bonus[:2], without[:2])
        assert with_bonus[2] == pytest.approx(without[2] + 0.1)


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
        # 0.05·exp(−1.5·0.4 + 3·0.8)
        expected = 0.05 * math.exp(-1.5 * 0.4 + 3.0 * 0.8)
        assert b.churn_probability(0.05, 0.4, -0.8) == pytest.approx(expected)

    @given(st.floats(0.0, 1.0), SAT, SAT)
    def test_bounded(self, h0, cum, s):
        p = float(b.churn_probability(h0, cum, s))
        assert 0.0 <= p <= 1.0

    def test_decreasing_in_cumulative(self):
        cum = np.linspace(-1, 1, 51)
        p = b.churn_probability(0.05, cum, 0.0)
        assert np.all(np.diff(p) < 0)

    @given(st.floats(0.001, 0.1), SAT, st.floats(0.01, 1.0))
    def test_bad_episode_raises(self, h0, cum, badness):
        assert b.churn_probability(h0, cum, -badness) > b.churn_probability(h0, cum, 0.0)

    def test_saturates_at_one(self):
        assert b.churn_probability(0.5, -1.0, -1.0) == 1.0


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
