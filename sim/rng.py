"""Counter-based random numbers tied to a customer and a purpose (common random numbers).

Why not one ``numpy.random.Generator``? A shared stream hands out numbers in event order, so
a policy that changes the order of events (a faster delivery, an extra complaint) reshuffles
every later draw and two policies no longer meet "the same" customers. Creating a Generator
per customer costs tens of microseconds, too much for tens of thousands of customers a
second.

Instead every draw is a pure function of three integers::

    u = uniform(key, purpose, index)

``key`` identifies a customer (or the market, for arrivals), ``purpose`` says what the number
is for (churn decision, service time, ...), ``index`` says which one (episode, touchpoint,
stage). The same customer at the same episode gets the same churn uniform whatever policy is
running. The generator is SplitMix64 (Steele, Lea & Flood 2014, "Fast splittable pseudorandom
number generators", OOPSLA), the finaliser used by Java's ``SplittableRandom``; its outputs on
sequential counters pass BigCrush. Keys are derived from a :class:`numpy.random.SeedSequence`
so that ``seed`` means the same thing here as everywhere in numpy.

>>> streams = Streams(seed=7)
>>> alice = streams.prospect_key(0)
>>> uniform(alice, CHURN, 3) == uniform(alice, CHURN, 3)
True
>>> 0.0 < uniform(alice, CHURN, 3) < 1.0
True
"""

from __future__ import annotations

import numpy as np

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15  # 2**64 / golden ratio: SplitMix64's increment
_TO_UNIT = 2.0**-53
_BELOW_ONE = 1.0 - _TO_UNIT  # the largest double below 1

# Purposes: independent random 64-bit salts, one per kind of draw. Adding a purpose never
# changes the numbers an existing purpose produces.
ARRIVAL = 0x3C6EF372FE94F82B  # paid-prospect inter-arrival times (market key)
TRAITS = 0xA54FF53A5F1D36F1  # personal traits drawn once: churn propensity, ...
CHOICE = 0x510E527FADE682D1  # buy from us or from the competitor
SERVICE = 0x9B05688C2B3E6C1F  # delivered time/cost/service at a touchpoint
ROUTE = 0x1F83D9ABFB41BD6B  # branch taken, touchpoint failure
TALK = 0x5BE0CD19137E2179  # whether and to how many people the customer talks
COMPLAIN = 0xCBBB9D5DC1059ED8  # whether a dissatisfied customer complains; handling time
CHURN = 0x629A292A367CD507  # churn decision after an episode
REPURCHASE = 0x9159015A3070DD17  # time to the next purchase
REFERRAL = 0x152FECD8F70E5939  # identity and arrival delay of people reached by WOM
EXCEED = 0x67332667FFC00B31  # over-delivery: expedite, discount, upgrade, bonus
AFTERCARE = 0x8EB44A8768581511  # follow-up and returns: cancel, annoyance, return, fraud
ADVICE = 0x3D4A1F0B7C26E95D  # recommendations between purchases: how many, when, to whom
CLOSED = 0xD3B5F1A2C48E6907  # a purchase lost to a closed touchpoint: when to try again

#: Slots per episode in an ``index``: index = episode * SLOTS + slot. A slot is a touchpoint
#: stage or a dimension; 4096 leaves room for long journeys.
SLOTS = 4096


def mix64(z: int) -> int:
    """SplitMix64 finaliser: a bijective 64-bit hash with full avalanche."""
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def uniform(key: int, purpose: int, index: int) -> float:
    """The ``index``-th uniform on the open interval (0, 1) of ``purpose`` for ``key``.

    >>> uniform(1, TALK, 0) != uniform(1, TALK, 1)
    True
    """
    z = ((key ^ purpose) + (index + 1) * _GOLDEN) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    u = ((z ^ (z >> 31)) >> 11) * _TO_UNIT + _TO_UNIT / 2
    # Above 1/2 the half-step rounds to even, and the top value rounds up to exactly 1.0
    # (once in 2⁵³ draws), where inverse CDFs are infinite: keep the interval open.
    return u if u < 1.0 else _BELOW_ONE


def derive_key(key: int, purpose: int, index: int) -> int:
    """A new 64-bit key for a child identity (a person reached by word of mouth)."""
    return mix64(((key ^ purpose) + (index + 1) * _GOLDEN) & _MASK)


#: Seeds go into a ``numpy.random.SeedSequence``; 128 bits is all the entropy it keeps.
MAX_SEED = 2**128


class Streams:
    """Root of all randomness in one run, derived from an integer seed.

    ``market_key`` drives paid arrivals; ``prospect_key(n)`` is the identity of the n-th paid
    prospect, the same under every policy.

    >>> Streams(1).prospect_key(5) == Streams(1).prospect_key(5)
    True
    >>> Streams(1).prospect_key(5) == Streams(2).prospect_key(5)
    False
    """

    __slots__ = ("market_key", "seed")

    def __init__(self, seed: int | np.random.SeedSequence) -> None:
        sequence = (
            seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        )
        self.seed = sequence
        self.market_key = int(sequence.generate_state(1, dtype=np.uint64)[0])

    def prospect_key(self, n: int) -> int:
        """Identity of the n-th paid prospect (n = 0, 1, ...)."""
        return derive_key(self.market_key, TRAITS, n)
