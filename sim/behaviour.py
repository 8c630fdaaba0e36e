"""The behavioural equations: pure numpy functions, no SimPy, no state.

Every function takes scalars or arrays (numpy broadcasting) and returns the same shape, so
the engine can evaluate all touchpoint × dimension cells of an episode in one call and a
notebook can plot a response curve over a grid. Units:

* ``delivered``, ``promise``, ``prior``, ``expected``, ``norm``, ``jnd`` share the unit of
  their dimension: hours (time), currency (cost), points on 1–5 (service);
* ``direction`` is −1 where lower is better (time, cost) and +1 where higher is (service);
* gaps and value are in **jnd units** (multiples of the just-noticeable difference);
* satisfaction is on [−1, 1]: 0 means "exactly what I expected at market-norm quality".

The chain, for customer i at touchpoint k and dimension j::

    τ' = τ·(1 − ω)^n                            promise weight       (Rust et al. 1999)
    E = τ'·P + (1 − τ')·X                       expectation          (Zeithaml et al. 1993)
    d = direction·(D − E)/jnd                   disconfirmation      (Oliver 1980)
    d' = sign(d)·max(|d| − z, 0)                zone of tolerance    (Zeithaml et al. 1993)
    v = k⁺·d'^α  or  −λ·(−d')^β                  asymmetric value     (Tversky & Kahneman 1992)
    q = γ·u  or  γ·λ·u  (u < 0)                 quality vs the norm  (Mittal et al. 1998),
                                                no credit beyond a promise (Gneezy & Epley)
    k = clip(1 − (shortfall − z)/fade, 0, 1)    how kept the promise feels (continuous)
    s_k = Σ_j w_kj(q_kj + v_kj) + κ·min_j k_kj  touchpoint utility   (Anderson & Sullivan 1993;
                                                                      Gneezy & Epley 2014)
    S = tanh(Σ_k I_k s_k / Σ_k I_k / scale)     episode satisfaction

After the episode: trust, prior and attitude update; the customer talks about what
surprised them, acts on a habit-damped satisfaction and may leave (a proportional hazard);
between purchases, satisfied customers recommend the firm when asked for advice.

>>> float(value(np.array(-1.0))) / float(value(np.array(1.0), gain_slope=1.0))
-2.25
"""

from __future__ import annotations

import math

import numpy as np

ArrayLike = float | np.ndarray


# The engine calls several of these once per episode with plain floats, where a numpy ufunc
# costs ~1 µs of overhead against ~50 ns for float arithmetic. These helpers keep a single
# implementation of each equation that is fast for floats and vectorised for arrays.
def _number(x):
    """Floats and arrays pass through; lists and tuples become float arrays."""
    if type(x) is float or isinstance(x, int | np.ndarray):  # the float test is the fast path
        return x
    return np.asarray(x, dtype=float)


def _positive_part(x):
    """max(x, 0), elementwise."""
    return x * (x > 0)


def _exp(x):
    return math.exp(x) if type(x) is float else np.exp(x)


def _tanh(x):
    return math.tanh(x) if type(x) is float else np.tanh(x)


def _finite(x) -> bool:
    """Whether every element is finite (cheap for a float)."""
    return math.isfinite(x) if type(x) is float else bool(np.all(np.isfinite(x)))


def _clip(x, low: float, high: float):
    if type(x) is float:
        return min(max(x, low), high)
    return np.clip(x, low, high)


# --------------------------------------------------------------------------- expectation
def expectation(promise: ArrayLike, prior: ArrayLike, trust: ArrayLike) -> np.ndarray:
    """What the customer expects: the promise weighted by trust, the rest from the prior.

    ``E = τ·P + (1 − τ)·X``: promises shift expectations (Zeithaml, Berry & Parasuraman
    1993); the trust-weighted mix is a modelling choice (docs/sources.md §1). Where there is
    no promise (``promise`` is NaN) the customer expects the prior ``X`` — own experience,
    word of mouth or the market norm.

    >>> float(expectation(30.0, 40.0, 0.75))
    32.5
    >>> float(expectation(np.nan, 40.0, 0.75))
    40.0
    """
    promise = np.asarray(promise, dtype=float)
    mixed = trust * promise + (1.0 - trust) * np.asarray(prior, dtype=float)
    return np.where(np.isnan(promise), prior, mixed)


def promise_weight(trust: ArrayLike, experiences: ArrayLike, prior_weight: float) -> np.ndarray:
    """Weight of the promise in expectations: ``τ·(1 − ω)^n`` after ``n`` own purchases.

    A newcomer has only the promise and hearsay to go on, so trust decides how far the
    promise sets expectations. Each purchase adds own experience with the same weight ω
    that moves the prior (:func:`update_prior`), and the promise's share fades by (1 − ω):
    an experienced customer expects what they usually get, whatever the menu says — the
    Bayesian view of expectations, where a signal weighs less as evidence accumulates
    (Rust, Inman, Jia & Zahorik 1999; Boulding, Kalra, Staelin & Zeithaml 1993). Feed the
    result to :func:`expectation` as its trust.

    >>> float(promise_weight(0.75, 0, 0.3))
    0.75
    >>> round(float(promise_weight(0.75, 3, 0.3)), 4)
    0.2572
    """
    if not (type(trust) is float and type(experiences) is int):  # the per-episode fast path
        trust, experiences = _number(trust), _number(experiences)
    return trust * (1.0 - prior_weight) ** experiences


def update_prior(prior: ArrayLike, delivered: ArrayLike, weight: float) -> np.ndarray:
    """Exponentially weighted prior from own experience: ``X ← (1 − ω)X + ω·D``.

    Adaptive expectations (Nerlove 1958): the prior moves toward what was *delivered* (the
    promise enters expectations separately, weighted by trust).

    >>> float(update_prior(40.0, 50.0, 0.3))
    43.0
    """
    if not (type(prior) is float and type(delivered) is float):  # the per-episode fast path
        prior, delivered = _number(prior), _number(delivered)
    return (1.0 - weight) * prior + weight * delivered


# --------------------------------------------------------------------------- gaps
def disconfirmation(
    delivered: ArrayLike,
    expected: ArrayLike,
    direction: ArrayLike,
    jnd: ArrayLike,
    tolerance: float = 1.0,
) -> np.ndarray:
    """Felt gap in jnd units, positive when delivery beats expectation.

    ``d = direction·(D − E)/jnd``; inside the zone of tolerance ``|d| ≤ z`` nothing is felt,
    outside only the excess counts, so the response is continuous (Zeithaml, Berry &
    Parasuraman 1993; Johnston 1995: "performance inside the zone has little effect").

    >>> float(disconfirmation(45.0, 30.0, -1.0, 5.0, tolerance=0.0))  # 15 min late, jnd 5
    -3.0
    >>> float(disconfirmation(45.0, 30.0, -1.0, 5.0, tolerance=1.0))
    -2.0
    >>> float(disconfirmation(31.0, 30.0, -1.0, 5.0, tolerance=1.0))  # not noticed
    -0.0
    """
    raw = np.asarray(direction) * (np.asarray(delivered) - expected) / jnd
    return np.sign(raw) * np.maximum(np.abs(raw) - tolerance, 0.0)


def quality(
    delivered: ArrayLike, norm: ArrayLike, direction: ArrayLike, jnd: ArrayLike
) -> np.ndarray:
    """Delivered level against the market norm, in jnd units (better is positive).

    Quality matters even when fully expected (Anderson & Sullivan 1993: satisfaction loads
    on perceived quality and on disconfirmation, not on the expectation level).

    >>> float(quality(4.5, 3.5, 1.0, 0.5))
    2.0
    """
    return np.asarray(direction) * (np.asarray(delivered) - norm) / jnd


def credited_quality(quality_gap: ArrayLike, promised_gap: ArrayLike):
    """Quality a customer credits on a promised attribute, in jnd against the market norm:
    a gain above the norm counts only up to the level that was promised.

    Gneezy & Epley (2014) find that exceeding a promise is not evaluated better than keeping
    it, even though the outcome improves: a kept promise is what people reward, and
    delivering beyond it adds (almost) nothing — what little it adds is the gain slope k⁺ of
    :func:`value`. So the quality term stops rising once delivery passes the promise (or the
    norm, where the promise itself is below the norm). Quality below the norm always counts
    in full, promise or not. ``promised_gap`` is :func:`quality` of the promised level; NaN
    (nothing promised) leaves the quality as it is. Continuous in the delivered level.

    >>> credited_quality(np.array([3.0, 1.0, -2.0, 3.0, 1.0]),
    ...                  np.array([2.0, 2.0, 2.0, -1.0, np.nan])).tolist()
    [2.0, 1.0, -2.0, 0.0, 1.0]
    """
    u, cap = np.asarray(quality_gap, dtype=float), np.asarray(promised_gap, dtype=float)
    return np.where(np.isnan(cap), u, np.minimum(u, np.maximum(cap, 0.0)))


def quality_value(
    quality_gap: ArrayLike, quality_weight: float = 0.15, loss_aversion: float = 2.25
) -> np.ndarray:
    """Value of delivered quality against the market norm: ``γ·u`` above the norm,
    ``γ·λ·u`` below it.

    Worse-than-usual performance on an attribute weighs more on satisfaction and
    repurchase than better-than-usual performance of the same size (Mittal, Ross &
    Baldasare 1998; Anderson & Sullivan 1993), with the same loss aversion λ as the felt
    gap, so the asymmetry survives when expectations have adapted and nothing is felt.

    >>> quality_value(np.array([2.0, -2.0])).round(3).tolist()
    [0.3, -0.675]
    """
    u = _number(quality_gap)
    return quality_weight * (u - (loss_aversion - 1.0) * _positive_part(-u))


#: Shortfall (in the dimension's unit: hours, currency, points) still counted as on time.
#: Delivered time is a difference of clock readings, so a delivery exactly on the promise
#: can come out 1e-15 h late from rounding alone; nobody notices a nanosecond.
KEPT_TOLERANCE = 1e-9


def promise_kept(delivered: ArrayLike, promise: ArrayLike, direction: ArrayLike) -> np.ndarray:
    """True where the promise was met to the letter: delivered at least as good as promised
    (up to :data:`KEPT_TOLERANCE` of rounding). This is the operational "on time" a firm
    measures; how kept the customer *feels* the promise is :func:`kept_degree`.

    NaN promises (none made) count as kept: there was nothing to break.

    >>> promise_kept(np.array([25.0, 35.0, 30.0 + 1e-14]), 30.0, -1.0).tolist()
    [True, False, True]
    """
    gap = np.asarray(direction) * (np.asarray(delivered) - promise)
    return ~(gap < -KEPT_TOLERANCE)


def kept_degree(
    delivered: ArrayLike,
    promise: ArrayLike,
    direction: ArrayLike,
    jnd: ArrayLike,
    tolerance: float = 1.0,
    fade: float = 1.0,
):
    """How kept a promise feels, from 1 (kept) to 0 (broken), continuous in the delivery.

    A shortfall the customer cannot notice — within the zone of tolerance, ``tolerance`` jnd
    (Zeithaml, Berry & Parasuraman 1993) — is kept; beyond it the credit fades linearly to
    nothing over the next ``fade`` jnd. So a bill of 6,001 against an estimate of 6,000 is
    as kept as 6,000, and no result jumps when a delivery crosses its promise by a hair.
    NaN promises (none made) give 1: there was nothing to break.

    >>> kept_degree(np.array([30.0, 35.0, 37.5, 45.0]), 30.0, -1.0, 5.0).tolist()
    [1.0, 1.0, 0.5, 0.0]
    >>> kept_degree(0.75, 0.5, -1.0, 0.25, tolerance=0.0, fade=2.0)
    0.5
    """
    shortfall = -_number(direction) * (_number(delivered) - _number(promise)) / _number(jnd)
    degree = _clip(1.0 - (shortfall - tolerance) / fade, 0.0, 1.0)
    if type(degree) is float:
        return 1.0 if degree != degree else degree
    return np.where(np.isnan(degree), 1.0, degree)


def value(
    gap: ArrayLike,
    gain_slope: float = 0.10,
    loss_aversion: float = 2.25,
    gain_curvature: float = 0.88,
    loss_curvature: float = 0.88,
) -> np.ndarray:
    """Asymmetric value of a felt gap: ``k⁺·d^α`` for gains, ``−λ·(−d)^β`` for losses.

    Tversky & Kahneman (1992): α = β = 0.88, λ = 2.25. The loss side is anchored at slope 1,
    the gain side at ``k⁺``: Gneezy & Epley (2014) find exceeding a promise is valued little
    better than keeping it, so ``k⁺`` is small by default and the reward for a kept promise
    comes from the kept-promise credit in :func:`touchpoint_utility` instead.

    >>> round(float(value(-10.0)), 2)  # T&K's v(−10) = −17.07 (λ·10^0.88)
    -17.07
    >>> round(float(value(10.0, gain_slope=1.0)), 2)
    7.59
    """
    gap = np.asarray(gap, dtype=float)
    gains = gain_slope * np.maximum(gap, 0.0) ** gain_curvature
    losses = loss_aversion * np.maximum(-gap, 0.0) ** loss_curvature
    return gains - losses


def touchpoint_utility(
    weight: ArrayLike,
    quality_gap: ArrayLike,
    felt_value: ArrayLike,
    kept: ArrayLike,
    has_promise: ArrayLike,
    touchpoint: ArrayLike,
    n_touchpoints: int,
    quality_weight: float = 0.15,
    kept_credit: float = 1.0,
    loss_aversion: float = 2.25,
) -> tuple[np.ndarray, np.ndarray]:
    """Utility ``s_k`` of each touchpoint and the part of it that is *loss* (for recovery).

    ``s_k = Σ_j w_kj(q(u_kj) + v_kj) + κ·k_k`` with ``q`` the :func:`quality_value`, where ``k_k`` is the least
    :func:`kept_degree` of the promises made at touchpoint k (1: all kept). The first five
    inputs are per cell (touchpoint × dimension; ``kept`` is each cell's degree, 0…1);
    ``touchpoint`` says which of the ``n_touchpoints`` each cell belongs to. The credit ``κ``
    rewards keeping a promise as such (Gneezy & Epley 2014); a touchpoint without promises
    earns none.

    The loss is what a perfect recovery could give back: the weighted negative value plus
    the kept-promise credit forgone, ``κ·(1 − k_k)``. It never includes the quality term, so
    recovery cannot turn a poor product into a good one.

    >>> u, loss = touchpoint_utility([1.0, 1.0], [0.0, 0.0], [-3.0, 0.0], [0.0, 1.0],
    ...                              [True, False], [0, 1], 2)
    >>> u.tolist(), loss.tolist()
    ([-3.0, 0.0], [4.0, 0.0])
    """
    weight = np.asarray(weight, dtype=float)
    felt_value = np.asarray(felt_value, dtype=float)
    has_promise = np.asarray(has_promise, dtype=bool)
    touchpoint = np.asarray(touchpoint)
    quality_part = quality_value(
        np.asarray(quality_gap, dtype=float), quality_weight, loss_aversion
    )
    perceived = np.bincount(touchpoint, weight * (quality_part + felt_value), n_touchpoints)
    promised = np.bincount(touchpoint, has_promise, n_touchpoints) > 0
    kept_at = np.ones(n_touchpoints)
    np.minimum.at(kept_at, touchpoint[has_promise], np.asarray(kept, dtype=float)[has_promise])
    lost = np.bincount(touchpoint, weight * np.maximum(-felt_value, 0.0), n_touchpoints)
    credit = kept_credit * promised * kept_at
    forgone = kept_credit * promised * (1.0 - kept_at)
    return perceived + credit, lost + forgone


def episode_utility(utilities: ArrayLike, importance: ArrayLike, mode: str = "mean") -> np.ndarray:
    """Combine touchpoint utilities (last axis) into the episode's utility.

    ``mode="mean"``: importance-weighted mean. ``mode="peak_end"``: the mean of the most
    extreme touchpoint and the last one (Kahneman's peak-end rule; Redelmeier & Kahneman
    1996). Importances are relative: where every touchpoint has importance 0 they count
    equally, the limit of equal importances shrinking to 0 (no jump, no 0/0).

    >>> float(episode_utility([-6.0, 0.0], [1.0, 1.0]))
    -3.0
    >>> float(episode_utility([-6.0, 1.0, 2.0], [1.0, 1.0, 1.0], mode="peak_end"))
    -2.0
    >>> float(episode_utility([-6.0, 0.0], [0.0, 0.0]))
    -3.0
    """
    utilities = np.asarray(utilities, dtype=float)
    if mode == "mean":
        importance = np.asarray(importance, dtype=float)
        total = np.sum(importance, axis=-1)
        if np.any(total == 0.0):  # nothing visited matters more than anything else
            importance = np.where(np.expand_dims(total == 0.0, -1), 1.0, importance)
            total = np.sum(importance, axis=-1)
        return np.sum(importance * utilities, axis=-1) / total
    if mode == "peak_end":
        peak_index = np.argmax(np.abs(utilities), axis=-1)
        peak = np.take_along_axis(utilities, np.expand_dims(peak_index, -1), axis=-1)[..., 0]
        return 0.5 * (peak + utilities[..., -1])
    raise ValueError(f"mode {mode!r} — use 'mean' or 'peak_end'")


def episode_satisfaction(
    utilities: ArrayLike,
    importance: ArrayLike,
    scale: float = 2.5,
    mode: str = "mean",
) -> np.ndarray:
    """Episode satisfaction on [−1, 1]: ``tanh(episode utility / scale)``.

    The squashing makes satisfaction saturate — the fifth disaster in an evening hurts less
    than the first. See :func:`episode_utility` for how touchpoints combine.

    >>> float(episode_satisfaction([0.0, 0.0], [1.0, 1.0]))
    0.0
    >>> round(float(episode_satisfaction([-6.0, 0.0], [1.0, 1.0], scale=3.0)), 4)
    -0.7616
    """
    return np.tanh(episode_utility(utilities, importance, mode) / scale)


def utility_to_satisfaction(utility: ArrayLike, scale: float) -> np.ndarray:
    """The squashing used by :func:`episode_satisfaction`: ``tanh(U/scale)``."""
    if type(utility) is float:  # the per-episode fast path
        return math.tanh(utility / scale)
    return _tanh(_number(utility) / scale)


# --------------------------------------------------------------------------- attitude, NPS
def running_mean(mean: ArrayLike, new: ArrayLike, count: ArrayLike) -> np.ndarray:
    """Mean after the ``count``-th observation ``new`` (attitude = mean episode satisfaction).

    >>> float(running_mean(0.5, -0.5, 2))
    0.0
    """
    if not (type(mean) is float and type(new) is float and type(count) is int):  # fast path
        mean, new, count = _number(mean), _number(new), _number(count)
    return mean + (new - mean) / count


def likelihood_to_recommend(
    attitude: ArrayLike, neutral: float = 7.5, slope: float = 4.0
) -> np.ndarray:
    """0–10 "how likely are you to recommend us?" answer from attitude on [−1, 1].

    A customer who got exactly what was expected is a *passive* (7–8): satisfied but silent
    (practitioner advice, docs/sources.md §15; Reichheld 2003 defines passives as 7–8).

    >>> likelihood_to_recommend(np.array([0.0, 0.5, -0.5])).tolist()
    [7.5, 9.5, 5.5]
    """
    return np.clip(neutral + slope * np.asarray(attitude, dtype=float), 0.0, 10.0)


def net_promoter_score(ltr: ArrayLike) -> float:
    """NPS in points (−100…100): % promoters (9–10) − % detractors (0–6). Reichheld 2003.

    Answers are rounded half up to whole points first, as a survey would record them.

    >>> net_promoter_score([10, 8.5, 8, 3])
    25.0
    """
    answers = np.floor(np.asarray(ltr, dtype=float) + 0.5)
    if answers.size == 0:
        return float("nan")
    return float(100.0 * (np.mean(answers >= 9) - np.mean(answers <= 6)))


# --------------------------------------------------------------------------- trust
def trust(kept: ArrayLike, broken: ArrayLike) -> np.ndarray:
    """Trust in the brand's promises: mean of the Beta(a, b) belief, ``a / (a + b)``.

    >>> float(trust(3.0, 1.0))
    0.75
    """
    if type(kept) is float and type(broken) is float:  # one customer's belief, per episode
        total = kept + broken
        if 0.0 < total < math.inf:
            return kept / total
    kept = np.asarray(kept, dtype=float)
    with np.errstate(over="ignore"):
        total = kept + broken
    if np.any(np.isinf(total)):  # the sum overflowed; the ratio does not
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return np.where(np.isinf(total), 1.0 / (1.0 + broken / kept), kept / total)
    return kept / total


def update_trust(
    kept: ArrayLike,
    broken: ArrayLike,
    n_kept: ArrayLike,
    n_broken: ArrayLike,
    kept_weight: float = 1.0,
    broken_weight: float = 2.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Beta update: kept promises add to ``a``, broken ones to ``b``.

    A broken promise weighs more than a kept one by default (trust is "hard to earn, easy to
    lose", Slovic 1993; earned by delivery, and broken after the sale: docs/sources.md §15).

    Only the ratio a : b is trust. Where a + b would pass the largest double (weights near
    1e308), both are divided by 2¹⁶ before the update — the ratio, and so trust, stays
    exact, and nothing reads inf/inf = NaN; the evidence so far then weighs a little less
    against what comes next (as with a pseudo-count prior that was 2¹⁶ times smaller).

    >>> a, b = update_trust(3.0, 1.0, 0, 1)
    >>> float(trust(a, b))
    0.5
    >>> a, b = update_trust(1e308, 1.0, 1, 0, kept_weight=1e308)
    >>> float(trust(a, b)) == 1.0 and a < float("inf")
    True
    """
    if not (type(kept) is float and type(broken) is float):  # the per-episode fast path
        kept, broken = _number(kept), _number(broken)
    if not (type(n_kept) is float and type(n_broken) is float):
        n_kept, n_broken = _number(n_kept), _number(n_broken)
    a = kept + kept_weight * n_kept
    b = broken + broken_weight * n_broken
    total = a + b
    if total < math.inf if type(total) is float else np.all(total < math.inf):
        return a, b
    shrink = 2.0**-16
    return (
        _number(kept) * shrink + kept_weight * shrink * _number(n_kept),
        _number(broken) * shrink + broken_weight * shrink * _number(n_broken),
    )


# --------------------------------------------------------------------------- word of mouth
def talk_probabilities(
    surprise: ArrayLike,
    attitude: ArrayLike,
    base: float = 0.01,
    positive_slope: float = 0.35,
    negative_slope: float = 0.608,
    curvature: float = 1.0,
    referral_bonus: float = 0.0,
) -> tuple:
    """Probabilities of praising and of criticising to others after an episode.

    People talk about what *surprised* them, not about what went as expected (Anderson
    1998: an asymmetric U, dissatisfied customers talk more, but less than folklore says).
    ``surprise`` ∈ [−1, 1] is the felt disconfirmation beyond the zone of tolerance, squashed
    like satisfaction; a delivery exactly as expected has surprise 0, and so little talk. The
    recommendations satisfied customers give when others ask for advice do not follow a
    purchase: they come at their own pace (:func:`advice_rate`). A referral programme adds to
    praise from satisfied customers.

    ``base`` chatter takes the sign of attitude (a zero attitude counts as praise: "it was
    fine"). Returns ``(positive, negative)``; their sum never exceeds 1.

    >>> positive, negative = talk_probabilities(np.array([-0.5, 0.0, 0.5]), 0.0,
    ...                                         positive_slope=0.35, negative_slope=0.368)
    >>> positive.round(3).tolist(), negative.round(3).tolist()
    ([0.01, 0.01, 0.185], [0.184, 0.0, 0.0])
    >>> [round(float(p), 3) for p in talk_probabilities(0.0, 0.5, referral_bonus=0.1)]
    [0.11, 0.0]
    """
    s, a = surprise, attitude
    if not (type(s) is float and type(a) is float):  # arrays and lists
        s, a = _number(s), _number(a)
    chatter_negative = base * (a < 0)
    positive = (
        positive_slope * _positive_part(s) ** curvature
        + referral_bonus * (a > 0)
        + (base - chatter_negative)
    )
    negative = negative_slope * _positive_part(-s) ** curvature + chatter_negative
    positive = _clip(positive, 0.0, 1.0)
    return positive, _clip(negative, 0.0, 1.0 - positive)


def advice_rate(attitude: ArrayLike, track_record: ArrayLike, advocacy: float = 52.0):
    """Recommendations a customer gives per year when others ask for advice:
    ``advocacy · max(A, 0) · r``.

    Most word of mouth starts with the listener: someone needs a pizza place or a garage and
    asks (Mangold, Miller & Brockway 1999 find the receiver's need for information the most
    common trigger). A customer then recommends a firm they are happy with — more the
    happier (attitude ``A``, −1…1) and the longer their good record (``r``, 0…1,
    :func:`track_record`; Reichheld 2003) — at a pace set by how often they are asked, not by
    how often they buy. So a delivery exactly as expected adds no talk, yet a brand whose
    customers are content is praised more often than it is criticised, as East, Hammond &
    Wright (2007) find for every brand studied (about 3 : 1). ``advocacy`` is the rate of a
    long-standing fan at ``A`` = +1, per year (fitted to East et al.'s ratio).

    >>> advice_rate(0.5, 0.75, advocacy=8.0)
    3.0
    >>> advice_rate(-0.2, 1.0) == 0.0  # no advice from a dissatisfied customer
    True
    """
    if not (type(attitude) is float and type(track_record) is float):  # the per-episode path
        attitude, track_record = _number(attitude), _number(track_record)
    return advocacy * _positive_part(attitude) * track_record


def track_record(good_episodes: ArrayLike) -> np.ndarray:
    """How far a customer's record backs a recommendation: ``g/(g + 1)`` after ``g`` good
    episodes. Nobody recommends a firm on the strength of one purchase; advocacy builds with
    repeated good experience (Reichheld 2003: promoters are loyal, repeat customers); see
    :func:`advice_rate`.

    >>> [float(track_record(g)) for g in (0, 1, 3)]
    [0.0, 0.5, 0.75]
    """
    g = good_episodes if type(good_episodes) is int else _number(good_episodes)
    return g / (g + 1.0)


def choice_probability(utility_advantage: ArrayLike) -> np.ndarray:
    """Binary logit: probability a prospect buys from us rather than the competitor.

    ``utility_advantage`` = brand preference + promise sensitivity × promised advantage (in
    jnd) ± word-of-mouth lift. Bold promises win customers; under-promising costs
    acquisition (Cui et al. 2024; Ho & Zheng 2004).

    >>> float(choice_probability(0.0))
    0.5
    >>> choice_probability(-1000.0)   # e^1000 overflows; the probability is e^-1000 = 0
    0.0
    """
    x = _number(utility_advantage)
    if type(x) is float:
        try:
            return 1.0 / (1.0 + math.exp(-x))
        except OverflowError:  # x < −709: 1/(1 + e^−x) = e^x/(1 + e^x) = e^x in doubles
            return math.exp(x)
    if type(utility_advantage) is np.float64 and utility_advantage > -700.0:
        # one numpy number (a prospect in the engine) whose e^−x cannot overflow: the same
        # numpy arithmetic, without the cost of silencing a warning that cannot come
        return 1.0 / (1.0 + np.exp(-x))
    with np.errstate(over="ignore"):  # e^−x = inf gives exactly 1/(1 + inf) = 0
        return 1.0 / (1.0 + np.exp(-x))


def promised_advantage(ours: list, rivals: list, per_jnd: list) -> float:
    """How much better our promises are than the competitor's, in weighted jnd:
    ``Σ w·direction·(P_us − P_rival)/jnd`` over the cells where both promise, with
    ``per_jnd`` = w·direction/jnd per cell (positive: ours are better).

    >>> promised_advantage([0.5], [0.75], [-4.0])   # 30 min against the rival's 45, jnd 15 min
    1.0
    """
    return sum(w * (p - r) for p, r, w in zip(ours, rivals, per_jnd, strict=True))


def choice_utility(
    advantage: ArrayLike,
    valence: float,
    brand_preference: float,
    sensitivity: ArrayLike,
    positive_lift: float,
    negative_lift: float,
) -> ArrayLike:
    """The utility advantage :func:`choice_probability` turns into a choice:
    ``brand_preference + sensitivity·advantage + lift``, where word of mouth lifts it by
    ``positive_lift`` after praise (``valence`` > 0) and lowers it by ``negative_lift``
    after criticism (< 0). ``advantage`` is :func:`promised_advantage`, in jnd.

    >>> choice_utility(6.0, -1.0, 0.0, 0.5, 1.0, 2.0)
    1.0
    """
    lift = positive_lift if valence > 0 else -negative_lift if valence < 0 else 0.0
    return brand_preference + sensitivity * advantage + lift


def undecided_share(population: int, decided: int) -> float:
    """Share of a finite market that has not yet made a buy-or-not decision, ``(N − n)/N``
    (1 for an unlimited market, ``population`` 0): an arriving prospect is kept with this
    probability, so each person decides once in expectation — bounded, Bass-like diffusion.

    >>> undecided_share(1000, 250), undecided_share(0, 250)
    (0.75, 1.0)
    """
    if population == 0:
        return 1.0
    return (population - decided) / population


# --------------------------------------------------------------------------- complaints
def unheard(probability: ArrayLike, multiplier: float, ceiling: ArrayLike) -> ArrayLike:
    """A probability raised for a dissatisfied customer the firm did not hear (no
    complaint, or gave up waiting): ``min(ceiling, p·multiplier)``.

    Applied to negative word of mouth (ceiling: 1 − the praise probability) and to the
    churn hazard (ceiling 1). Easy complaint channels reduce negative word of mouth
    (practitioner advice, docs/sources.md §15); the size, ``complaints.unvoiced_multiplier``,
    is judgement (docs/sources.md §7).

    >>> unheard(0.2, 1.5, 1.0), unheard(0.8, 1.5, 1.0)
    (0.30000000000000004, 1.0)
    """
    raised = (probability if type(probability) is float else _number(probability)) * multiplier
    if type(raised) is float:
        return min(ceiling, raised)
    return np.minimum(ceiling, raised)


def complaint_probability(satisfaction: ArrayLike, threshold: float, ease: float) -> np.ndarray:
    """Probability of voicing a complaint: ``ease`` below ``threshold``, else 0.

    The Customer in Context survey (2018): 32% name a complaint form, 31% complaining to
    staff; easier channels raise voice (and so reduce unvoiced negative word of mouth).
    docs/sources.md §7.

    >>> complaint_probability(np.array([-0.5, 0.1]), -0.2, 0.32).tolist()
    [0.32, 0.0]
    """
    return np.where(np.asarray(satisfaction) < threshold, ease, 0.0)


def recovery_share(
    compensation: ArrayLike,
    resolution_time: ArrayLike,
    loss: ArrayLike,
    first_failure: ArrayLike,
    *,
    apology: float = 0.2,
    compensation_half: float = 50.0,
    compensation_weight: float = 0.6,
    speed_weight: float = 0.3,
    speed_scale: float = 4.0,
    paradox_cap: float = 1.2,
    mild_loss: float = 1.5,
) -> np.ndarray:
    """Share of the loss a handled complaint gives back (may exceed 1: recovery paradox).

    Three justice components (Smith, Bolton & Wagner 1999): an apology (interactional),
    compensation with diminishing returns ``c/(c + c½)`` (distributive), speed
    ``exp(−t/t_s)`` (procedural). The share is capped at 1, except for a **mild, first**
    failure where it may reach ``paradox_cap`` — the recovery paradox holds only there
    (Magnini et al. 2007; de Matos et al. 2007). Callers must cap at 1 before it reaches
    repurchase or word of mouth, which the paradox never lifts.

    >>> round(float(recovery_share(0.0, 0.0, 1.0, True)), 3)
    0.5
    >>> round(float(recovery_share(1e9, 0.0, 1.0, True)), 3)
    1.1
    >>> float(recovery_share(1e9, 0.0, 5.0, True))   # severe: no paradox
    1.0
    """
    compensation = _number(compensation)
    paid = compensation_weight * compensation / (compensation + compensation_half)
    if not _finite(paid):
        # c + c½ or w·c overflowed (c near the largest double): w·c/(c + c½) = w/(1 + c½/c)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            fraction = 1.0 / (1.0 + compensation_half / compensation)
            paid = np.where(np.isfinite(paid), paid, compensation_weight * fraction)
    share = apology + paid + speed_weight * _exp(-_number(resolution_time) / speed_scale)
    mild_first = (_number(first_failure) != 0) & (_number(loss) <= mild_loss)
    cap = 1.0 + (paradox_cap - 1.0) * mild_first
    if not (share < _HUGE_SHARE if type(share) is float else np.all(share < _HUGE_SHARE)):
        # Weights summing to a huge share (or past the largest double): min(share, cap) by
        # subtraction would round to nothing (1e17 − (1e17 − 1.2) = 0); the share is capped.
        with np.errstate(invalid="ignore"):
            capped = np.where(share < _HUGE_SHARE, share - _positive_part(share - cap), cap)
        return float(capped) if np.ndim(capped) == 0 else capped
    return share - _positive_part(share - cap)  # min(share, cap)


#: Shares from here on are capped directly: above 2⁵² a double cannot hold share − cap.
_HUGE_SHARE = 2.0**52


# --------------------------------------------------------------------------- churn, repurchase
def cumulative_satisfaction(
    previous: ArrayLike, satisfaction: ArrayLike, episodes: ArrayLike, floor: float = 0.1
) -> np.ndarray:
    """Cumulative satisfaction ``S_cum ← (1 − w)S_cum + w·s`` with ``w = max(1/n, floor)``.

    The weight of a new episode shrinks with tenure ``n`` (episodes so far, including this
    one): long-standing customers weigh prior satisfaction more and new experience less
    (Bolton 1998).

    >>> float(cumulative_satisfaction(0.0, 0.6, 1))   # first episode: S_cum = s
    0.6
    >>> float(cumulative_satisfaction(0.5, -0.5, 20, floor=0.1))
    0.4
    """
    if not (type(previous) is float and type(satisfaction) is float and type(episodes) is int):
        previous, satisfaction = _number(previous), _number(satisfaction)
        episodes = _number(episodes)
    weight = 1.0 / episodes
    weight = weight + _positive_part(floor - weight)  # max(1/n, floor)
    return (1.0 - weight) * previous + weight * satisfaction


def habitual_response(
    satisfaction: ArrayLike, anchor: ArrayLike, habit: float, good_episodes: ArrayLike
) -> np.ndarray:
    """The satisfaction a customer *acts* on: the episode's, pulled toward their settled view.

    ``anchor + (s − anchor) / (1 + habit·g)``, where ``anchor`` is cumulative satisfaction
    and ``g`` the good episodes so far. Frequent behaviour in a stable setting runs on habit
    rather than on each fresh evaluation (Ouellette & Wood 1998), so one late order barely
    moves a regular's repurchase, while a newcomer (g = 0) acts on the episode in full —
    the pattern Xie et al. (2024) measured for late food deliveries. Habit changes what
    customers do, not what they feel or say: attitude, NPS and stated intentions use the
    episode's own satisfaction.

    >>> float(habitual_response(-0.6, 0.4, habit=1.0, good_episodes=0))
    -0.6
    >>> round(float(habitual_response(-0.6, 0.4, habit=1.0, good_episodes=4)), 3)
    0.2
    """
    if not (type(satisfaction) is float and type(anchor) is float and type(good_episodes) is int):
        satisfaction, anchor = _number(satisfaction), _number(anchor)
        good_episodes = _number(good_episodes)
    return anchor + (satisfaction - anchor) / (1.0 + habit * good_episodes)


def churn_probability(
    baseline: ArrayLike,
    cumulative: ArrayLike,
    satisfaction: ArrayLike,
    satisfaction_effect: float = 3.33,
    bad_episode_shock: float = 9.27,
    sensitivity: ArrayLike = 1.0,
) -> np.ndarray:
    """Probability of leaving after an episode: ``h₀·exp(−β·S_cum + shock·σ·max(−s, 0))``.

    Proportional hazard in cumulative satisfaction (Bolton 1998) plus a direct effect of a
    bad episode (Mittal, Ross & Baldasare 1998: attribute performance affects repurchase
    directly), which lets one bad experience drive away a loyal customer (PwC 2018: a third
    of customers say they would leave a brand they love after one bad experience). Customers
    differ: ``h₀`` is Beta-distributed (shifted-beta-geometric retention, Fader & Hardie
    2007) and ``σ`` is each customer's own sensitivity to a bad episode, so the sensitive
    leave at the first bad episode and those who stay are harder to lose.

    >>> float(churn_probability(0.05, 0.0, 0.0))
    0.05
    >>> bool(churn_probability(0.05, 0.4, -0.8) > churn_probability(0.05, 0.4, 0.4))
    True
    >>> bool(churn_probability(0.05, 0.4, -0.8, sensitivity=2.0)
    ...      > churn_probability(0.05, 0.4, -0.8, sensitivity=0.5))
    True
    """
    if not (
        type(baseline) is float
        and type(cumulative) is float
        and type(satisfaction) is float
        and type(sensitivity) is float
    ):  # arrays and lists (floats: the per-episode fast path)
        baseline, cumulative = _number(baseline), _number(cumulative)
        satisfaction, sensitivity = _number(satisfaction), _number(sensitivity)
    exponent = -satisfaction_effect * cumulative + bad_episode_shock * sensitivity * (
        _positive_part(-satisfaction)
    )
    if type(exponent) is float:
        if exponent == exponent:
            try:
                hazard = baseline * math.exp(exponent)
            except OverflowError:  # e^x beyond the largest double
                pass
            else:
                if hazard == hazard:  # not 0·inf
                    return _clip(hazard, 0.0, 1.0)
    else:
        with np.errstate(over="ignore", invalid="ignore"):
            hazard = baseline * np.exp(exponent)
        if np.all(np.isfinite(hazard)):
            return _clip(hazard, 0.0, 1.0)
    # Where e^x overflows (a large β or shock): h₀·e^x in logs, so h₀ = 0 stays 0 (nothing
    # drives away a customer who never leaves) instead of 0·inf; where an infinite shock
    # meets a good episode (inf·0), there was no bad episode: no shock.
    calm = -satisfaction_effect * _number(cumulative)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        exponent = np.where(np.isnan(exponent), calm, exponent)
        safe = np.where(baseline > 0.0, np.exp(np.minimum(np.log(baseline) + exponent, 0.0)), 0.0)
        if np.ndim(exponent) == 0 and np.ndim(baseline) == 0:
            return float(np.clip(safe, 0.0, 1.0))
        hazard = baseline * np.exp(exponent)
        return _clip(np.where(np.isfinite(hazard), hazard, safe), 0.0, 1.0)


def purchase_interval(
    mean_interval: float, attitude: ArrayLike, attitude_effect: float = 0.5
) -> np.ndarray:
    """Mean time to the next purchase (hours): shorter for happier customers.

    ``interval·exp(−effect·S)``, ``S`` the customer's cumulative satisfaction (the state that
    drives behaviour). Direction only: survey reports say a great experience makes
    repurchase more likely (docs/sources.md §14); the size is a placeholder.

    >>> round(float(purchase_interval(240.0, 0.5, 0.5)), 2)
    186.91
    """
    x = -attitude_effect * (attitude if type(attitude) is float else _number(attitude))
    if type(x) is float:
        try:
            return mean_interval * math.exp(x)
        except OverflowError:  # longer than the largest double: never, in any horizon
            return math.inf
    with np.errstate(over="ignore"):
        return mean_interval * np.exp(x)


def basket_size(attitude: ArrayLike, basket_effect: float = 0.3) -> np.ndarray:
    """Basket multiplier ``1 + effect·max(A, 0)``: satisfied customers buy more.

    >>> float(basket_size(0.5, 0.3))
    1.15
    """
    if type(attitude) is not float:  # arrays and lists
        attitude = _number(attitude)
    return 1.0 + basket_effect * _positive_part(attitude)


def contact_factor(contact_lift: float, contacts: ArrayLike) -> ArrayLike:
    """Multiplier of the time to the next purchase after ``contacts`` marketing contacts the
    customer did not mind, ``(1 − lift)^contacts``: each brings the purchase forward.

    >>> contact_factor(0.1, 2)
    0.81
    """
    return (1.0 - contact_lift) ** contacts


# --------------------------------------------------------------------------- after the purchase
def annoyance_probability(stalked_share: float, extra_contacts: ArrayLike) -> ArrayLike:
    """Chance that ``extra_contacts`` contacts beyond the tolerated ones annoy,
    ``1 − (1 − stalked)^extra``: each annoys with probability ``stalked_share`` (The
    Customer in Context survey, 2018: 23% feel stalked when contacted too often).

    >>> round(annoyance_probability(0.23, 2), 4)
    0.4071
    """
    return 1.0 - (1.0 - stalked_share) ** extra_contacts


def remorse_probability(
    remorse_cancel: float, reassurance_effect: float, reassured: ArrayLike
) -> ArrayLike:
    """Chance a purchase is cancelled in the first 24 h, ``remorse·(1 − effect·reassured)``:
    reassurance in that window prevents ``reassurance_effect`` of the cancellations
    (practitioner advice, docs/sources.md §15).

    >>> remorse_probability(0.05, 0.5, True), remorse_probability(0.05, 0.5, False)
    (0.025, 0.05)
    """
    return remorse_cancel * (1.0 - reassurance_effect * reassured)
