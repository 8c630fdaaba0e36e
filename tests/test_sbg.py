"""The shifted-beta-geometric model (sim.sbg) against its algebra and Fader & Hardie (2007)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special

from sim import sbg

HIGH_END = (0.668, 3.806)
REGULAR = (0.704, 1.182)


@pytest.mark.parametrize("alpha, beta", [HIGH_END, REGULAR, (2.0, 0.5)])
def test_survival_starts_at_one_and_falls(alpha, beta):
    s = sbg.survival(np.arange(30), alpha, beta)
    assert s[0] == pytest.approx(1.0)
    assert np.all(np.diff(s) < 0)
    assert s[1] == pytest.approx(beta / (alpha + beta))


@pytest.mark.parametrize("alpha, beta", [HIGH_END, REGULAR])
def test_survival_is_the_beta_mixture_of_geometric_survival(alpha, beta):
    """S(t) = E[(1 − θ)^t] with θ ~ Beta(α, β), by quadrature."""
    theta = np.linspace(0.0, 1.0, 400_001)[1:-1]
    density = np.exp(
        (alpha - 1) * np.log(theta) + (beta - 1) * np.log1p(-theta) - special.betaln(alpha, beta)
    )
    for t in (1, 4, 12):
        mixture = np.trapezoid(density * (1 - theta) ** t, theta)
        assert sbg.survival(t, alpha, beta) == pytest.approx(mixture, rel=2e-3)


@pytest.mark.parametrize("alpha, beta", [HIGH_END, REGULAR])
def test_retention_rate_and_lifetime_are_consistent_with_survival(alpha, beta):
    t = np.arange(1, 20)
    s_before, s_now = sbg.survival(t - 1, alpha, beta), sbg.survival(t, alpha, beta)
    assert sbg.retention_rate(t, alpha, beta) == pytest.approx(s_now / s_before)
    assert sbg.lifetime_probability(t, alpha, beta) == pytest.approx(s_before - s_now)
    assert np.all(np.diff(sbg.retention_rate(t, alpha, beta)) > 0)  # sorting effect


def test_log_likelihood_is_the_censored_multinomial():
    alpha, beta = REGULAR
    counts = [100, 60, 45, 40]
    by_hand = (
        40 * np.log(sbg.lifetime_probability(1, alpha, beta))
        + 15 * np.log(sbg.lifetime_probability(2, alpha, beta))
        + 5 * np.log(sbg.lifetime_probability(3, alpha, beta))
        + 40 * np.log(sbg.survival(3, alpha, beta))
    )
    assert sbg.log_likelihood(alpha, beta, counts) == pytest.approx(by_hand)


@pytest.mark.parametrize(
    "counts, alpha, beta, ll",
    [(sbg.HIGH_END, 0.668, 3.806, -1611.16), (sbg.REGULAR, 0.704, 1.182, -1680.27)],
    ids=["high_end", "regular"],
)
def test_fit_reproduces_fader_hardie(counts, alpha, beta, ll):
    """Fader & Hardie (2007) fit years 1–7 and report α, β to 3 decimals, LL to 2."""
    a, b, fitted = sbg.fit(counts[:8])
    assert a == pytest.approx(alpha, abs=0.005)
    assert b == pytest.approx(beta, abs=0.02)
    assert fitted == pytest.approx(ll, abs=0.05)


def test_fit_recovers_parameters_from_noiseless_counts():
    counts = 5000 * sbg.survival(np.arange(13), 1.3, 0.4)
    a, b, _ = sbg.fit(counts)
    assert (a, b) == pytest.approx((1.3, 0.4), rel=1e-5)


def test_fit_is_the_maximum():
    a, b, ll = sbg.fit(sbg.REGULAR[:8])
    for da, db in [(0.01, 0), (-0.01, 0), (0, 0.01), (0, -0.01)]:
        assert sbg.log_likelihood(a + da, b + db, sbg.REGULAR[:8]) < ll


def test_standard_errors_match_the_numerical_hessian():
    """At the true parameters and expected counts, observed = expected information."""
    alpha, beta = HIGH_END
    counts = 1000 * sbg.survival(np.arange(8), alpha, beta)
    h = 1e-4
    hessian = np.zeros((2, 2))
    for i in range(2):
        for j in range(2):
            ei, ej = np.eye(2)[i] * h, np.eye(2)[j] * h
            x = np.array([alpha, beta])
            hessian[i, j] = (
                sbg.log_likelihood(*(x + ei + ej), counts)
                - sbg.log_likelihood(*(x + ei - ej), counts)
                - sbg.log_likelihood(*(x - ei + ej), counts)
                + sbg.log_likelihood(*(x - ei - ej), counts)
            ) / (4 * h * h)
    numerical = np.sqrt(np.diag(np.linalg.inv(-hessian)))
    assert sbg.standard_errors(alpha, beta, 1000, 7) == pytest.approx(numerical, rel=1e-4)
    big = sbg.standard_errors(alpha, beta, 100_000, 7)
    assert big == pytest.approx(tuple(numerical / 10), rel=1e-4)  # SE ∝ 1/√n


def test_fit_of_a_sampled_cohort_lands_within_three_standard_errors():
    """Independent of the engine: θ ~ Beta, lifetimes ~ shifted geometric, numpy's RNG."""
    alpha, beta = REGULAR
    rng = np.random.default_rng(7)
    n, periods = 10_000, 7
    lifetimes = rng.geometric(rng.beta(alpha, beta, n))
    counts = [int(np.sum(lifetimes > t)) for t in range(periods + 1)]
    a, b, _ = sbg.fit(counts)
    se_a, se_b = sbg.standard_errors(alpha, beta, n, periods)
    assert abs(a - alpha) <= 3 * se_a
    assert abs(b - beta) <= 3 * se_b


@pytest.mark.parametrize("counts", [[1000], [1000, 1200], [10, -1], [[1, 2], [3, 4]]])
def test_bad_survivor_counts_are_refused(counts):
    with pytest.raises(ValueError, match="survivors"):
        sbg.log_likelihood(1.0, 1.0, counts)
