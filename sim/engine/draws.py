"""Every random draw of the engine, named once: its purpose and its slot.

Each draw is ``uniform(key, PURPOSE, index)`` (:mod:`sim.rng`): ``key`` is a customer (or
the market), ``PURPOSE`` says what the number is for, ``index`` which one. This module is
the only place that spells out an ``index``, so the layout is written down once:

* **An episode's draws** — :class:`EpisodeDraws` ``(key, n)`` for the customer's purchase
  episode ``n`` = 1, 2, …: each purpose has the block of indices from ``n·SLOTS``; a
  purpose with one number per episode (churn, repurchase) takes the episode number ``n``
  itself.
* **Advice between purchases** — :meth:`EpisodeDraws.advice_count` and, per conversation,
  :class:`AdviceDraws` ``(key)`` from :meth:`EpisodeDraws.advice_key`: when it happens, how
  many are told, and who they are.
* **A prospect's draws** — :class:`ProspectDraws` ``(key)``: whether they buy, their
  traits, and (for a listener) when they come to shop and whether they are still in the
  market.
* **The market's draws** — :class:`ArrivalDraws`: the gaps between paid arrivals, and who
  each paid prospect is.

Draws whose outcome cannot matter are skipped by the engine; each is keyed by its own
index, so skipping one changes no other.

>>> draws = EpisodeDraws(key=7, n=2)
>>> draws.churn() == uniform(7, CHURN, 2)
True
>>> draws.stage(1, 0) == uniform(7, SERVICE, 2 * SLOTS + TOUCHPOINT_SLOTS)
True
"""

from __future__ import annotations

from sim.rng import (
    ADVICE,
    AFTERCARE,
    ARRIVAL,
    CHOICE,
    CHURN,
    CLOSED,
    COMPLAIN,
    EXCEED,
    REFERRAL,
    REPURCHASE,
    ROUTE,
    SERVICE,
    SLOTS,
    TALK,
    TRAITS,
    Streams,
    derive_key,
    uniform,
)
from sim.scenario import MAX_STAGES, MAX_TOUCHPOINTS

#: Slots of one touchpoint within an episode's SERVICE and ROUTE blocks: touchpoint k
#: starts at ``k·TOUCHPOINT_SLOTS``; its stages use slots 0 .. MAX_STAGES − 1, then come
#: the cost, service, failure and route draws.
TOUCHPOINT_SLOTS = 16
_COST, _SERVICE, _FAILURE, _ROUTE = 12, 13, 14, 15
assert MAX_STAGES <= _COST and MAX_TOUCHPOINTS * TOUCHPOINT_SLOTS <= SLOTS

# Slots of the other purposes within an episode's block.
_EXPEDITE, _DISCOUNT, _UPGRADE, _BONUS = range(4)  # EXCEED
_COMPLAINS, _HANDLING, _PROACTIVE = range(3)  # COMPLAIN
_TALKS, _LISTENERS = range(2)  # TALK; REFERRAL: one listener key per slot
_CANCEL, _RETURN, _RECEIPT, _FRAUD, _ANNOYED = range(5)  # AFTERCARE


class EpisodeDraws:
    """The uniforms of one customer's purchase episode ``n`` (1 for the first purchase).

    >>> first, second = EpisodeDraws(7, 1), EpisodeDraws(7, 2)
    >>> first.complains() != second.complains() and 0.0 < first.complains() < 1.0
    True
    """

    __slots__ = ("block", "key", "n")

    def __init__(self, key: int, n: int) -> None:
        self.key = key
        self.n = n
        self.block = n * SLOTS

    # over-delivery, decided when the episode starts (the bonus after delivery)
    def expedite(self) -> float:
        return uniform(self.key, EXCEED, self.block + _EXPEDITE)

    def discount(self) -> float:
        return uniform(self.key, EXCEED, self.block + _DISCOUNT)

    def upgrade(self) -> float:
        return uniform(self.key, EXCEED, self.block + _UPGRADE)

    def bonus(self) -> float:
        return uniform(self.key, EXCEED, self.block + _BONUS)

    # the journey: touchpoint k
    def stage(self, k: int, i: int) -> float:
        """Work time of stage ``i``."""
        return uniform(self.key, SERVICE, self.block + k * TOUCHPOINT_SLOTS + i)

    def cost(self, k: int) -> float:
        """The delivered bill."""
        return uniform(self.key, SERVICE, self.block + k * TOUCHPOINT_SLOTS + _COST)

    def service(self, k: int) -> float:
        """The delivered service level."""
        return uniform(self.key, SERVICE, self.block + k * TOUCHPOINT_SLOTS + _SERVICE)

    def failure(self, k: int) -> float:
        return uniform(self.key, ROUTE, self.block + k * TOUCHPOINT_SLOTS + _FAILURE)

    def route(self, k: int) -> float:
        """The branch taken after touchpoint ``k``."""
        return uniform(self.key, ROUTE, self.block + k * TOUCHPOINT_SLOTS + _ROUTE)

    # a dissatisfied customer's voice
    def complains(self) -> float:
        return uniform(self.key, COMPLAIN, self.block + _COMPLAINS)

    def handling(self) -> float:
        """Handling time of the complaint (or of the firm's call)."""
        return uniform(self.key, COMPLAIN, self.block + _HANDLING)

    def proactive(self) -> float:
        """Whether the firm spots the bad episode itself."""
        return uniform(self.key, COMPLAIN, self.block + _PROACTIVE)

    # word of mouth
    def talks(self) -> float:
        """Whether the customer praises, criticises or keeps quiet."""
        return uniform(self.key, TALK, self.block + _TALKS)

    def listeners(self) -> float:
        """How many people are told."""
        return uniform(self.key, TALK, self.block + _LISTENERS)

    def listener_key(self, i: int) -> int:
        """Identity of the ``i``-th person told (i = 0, 1, …): a new key."""
        return derive_key(self.key, REFERRAL, self.block + i)

    # after the purchase (sim.engine.aftercare)
    def cancel(self) -> float:
        return uniform(self.key, AFTERCARE, self.block + _CANCEL)

    def returns(self) -> float:
        return uniform(self.key, AFTERCARE, self.block + _RETURN)

    def receipt(self) -> float:
        return uniform(self.key, AFTERCARE, self.block + _RECEIPT)

    def fraud(self) -> float:
        return uniform(self.key, AFTERCARE, self.block + _FRAUD)

    def annoyed(self) -> float:
        return uniform(self.key, AFTERCARE, self.block + _ANNOYED)

    def retry(self, attempt: int) -> float:
        """Time to the next try after purchase ``n`` went to the rival, the touchpoint
        being closed (``attempt`` = 0, 1, …)."""
        return uniform(self.key, CLOSED, self.block + attempt)

    # until the next purchase (sim.engine.processes.advise): slot 0 counts, then one key each
    def advice_count(self) -> float:
        """How many recommendations the customer gives before the next purchase."""
        return uniform(self.key, ADVICE, self.block)

    def advice_key(self, i: int) -> int:
        """Identity of the ``i``-th advice conversation (i = 0 … MAX_ADVICE − 1): a new key."""
        return derive_key(self.key, ADVICE, self.block + 1 + i)

    # the end of the episode: one number each
    def churn(self) -> float:
        return uniform(self.key, CHURN, self.n)

    def repurchase(self) -> float:
        """Time to the next purchase."""
        return uniform(self.key, REPURCHASE, self.n)


#: Advice conversations one customer can have between two purchases (the slots of a block).
MAX_ADVICE = SLOTS - 1


class AdviceDraws:
    """The uniforms of one advice conversation: when, how many listen, who they are.

    >>> talk = AdviceDraws(EpisodeDraws(7, 1).advice_key(0))
    >>> 0.0 < talk.when() < 1.0 and talk.listener_key(0) != talk.listener_key(1)
    True
    """

    __slots__ = ("key",)

    def __init__(self, key: int) -> None:
        self.key = key

    def when(self) -> float:
        """Where in the time to the next purchase the conversation falls (uniform)."""
        return uniform(self.key, ADVICE, 0)

    def listeners(self) -> float:
        """How many people are told."""
        return uniform(self.key, ADVICE, 1)

    def listener_key(self, i: int) -> int:
        """Identity of the ``i``-th person told: a new key."""
        return derive_key(self.key, REFERRAL, i)


class ProspectDraws:
    """The uniforms of one prospect, drawn once: the choice and the traits, and for a
    person reached by word of mouth the delay before shopping and whether they are still
    in the market.

    >>> draws = ProspectDraws(Streams(1).prospect_key(0))
    >>> 0.0 < draws.choice() < 1.0 and draws.choice() != draws.segment()
    True
    """

    __slots__ = ("key",)

    def __init__(self, key: int) -> None:
        self.key = key

    def choice(self) -> float:
        """Buy from us or from the competitor."""
        return uniform(self.key, CHOICE, 0)

    def churn_propensity(self) -> float:
        return uniform(self.key, TRAITS, 0)

    def segment(self) -> float:
        return uniform(self.key, TRAITS, 1)

    def shock(self) -> float:
        """The personal multiplier of the bad-episode shock."""
        return uniform(self.key, TRAITS, 2)

    def sensitivity(self) -> float:
        """The personal multiplier of promise sensitivity."""
        return uniform(self.key, TRAITS, 3)

    def referral_delay(self) -> float:
        return uniform(self.key, REFERRAL, 0)

    def in_market(self) -> float:
        """Whether a listener is still in the market when they come to shop."""
        return uniform(self.key, REFERRAL, 1)


class ArrivalDraws:
    """The market's uniforms: paid prospect ``n`` (n = 0, 1, …) arrives after a gap, may
    find the market used up, and is the same person under every policy.

    >>> arrivals = ArrivalDraws(Streams(1))
    >>> arrivals.gap(0) != arrivals.gap(1) and arrivals.key(3) == Streams(1).prospect_key(3)
    True
    """

    __slots__ = ("market_key", "streams")

    def __init__(self, streams: Streams) -> None:
        self.streams = streams
        self.market_key = streams.market_key

    def gap(self, n: int) -> float:
        """The exponential gap before prospect ``n`` arrives."""
        return uniform(self.market_key, ARRIVAL, 2 * n)

    def in_market(self, n: int) -> float:
        """Whether prospect ``n`` is still in the market."""
        return uniform(self.market_key, ARRIVAL, 2 * n + 1)

    def key(self, n: int) -> int:
        """Identity of prospect ``n``."""
        return self.streams.prospect_key(n)
