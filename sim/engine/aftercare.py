"""What happens after a purchase is delivered: bonus, thanks, contacts, returns, remorse.

Pure decisions (no SimPy): each draws its own uniform tied to the customer, the episode and
the purpose, so changing one policy never reshuffles another's randomness.

* **Surprise bonus** (``overdelivery.bonus``): a small delight at a cost.
* **Thank-you** (``followup.thank_you``): a small lift.
* **Marketing contacts** (``followup.contacts``): up to ``tolerated_contacts`` bring the next
  purchase forward; each one beyond that annoys with probability ``stalked_share`` (The
  Customer in Context survey, 2018: 23% of customers feel stalked when contacted too often).
* **Returns** (``returns``): honest customers return ``rate`` of purchases; ``strict`` rules
  (receipt required) refuse the ``no_receipt`` share of them — an honest customer treated
  as a suspect loses ``refusal_penalty`` utility — while blocking fraud; ``lenient`` rules
  refund everyone, fraud included (practitioner advice: rules built against the rare cheat
  punish the honest majority; docs/sources.md §15).
* **Buyer's remorse** (``followup.remorse_cancel``): a purchase may be cancelled within 24 h;
  reassurance in that window prevents ``reassurance_effect`` of cancellations (practitioner
  advice, docs/sources.md §15).

>>> from sim import examples
>>> from sim.engine.draws import EpisodeDraws
>>> after = aftermath(examples.load("pizza"), EpisodeDraws(key=7, n=1))
>>> after.utility, after.refunded
(0.0, False)
"""

from __future__ import annotations

from dataclasses import dataclass

from sim import behaviour
from sim.engine.draws import EpisodeDraws
from sim.scenario import Scenario


@dataclass(frozen=True, slots=True)
class Aftermath:
    """Effects of what happened after delivery, for one purchase."""

    utility: float  # added to the episode's utility (bonus, thanks, annoyance, refusal)
    loss: float  # the part of it a recovery could give back (a refusal, an annoyance)
    refunded: bool  # the bill is paid back (cancelled, or a return or fraud accepted)
    cost: float  # currency spent: bonus, contacts, return handling
    cancelled: bool = False
    returned: bool = False
    refused: bool = False
    fraud: bool = False
    annoyed: bool = False
    contacts: int = 0  # contacts the customer did not mind (they bring the next purchase forward)


#: The aftermath of most purchases in most scenarios: nothing happened, nothing was spent.
NOTHING = Aftermath(utility=0.0, loss=0.0, refunded=False, cost=0.0)


def anything_after(scenario: Scenario) -> bool:
    """Whether any after-purchase event can happen at all (else every aftermath is NOTHING).

    >>> from sim import examples
    >>> anything_after(examples.load("pizza"))
    False
    """
    od, follow, returns = scenario.overdelivery, scenario.followup, scenario.returns
    return bool(
        od.bonus.probability > 0
        or follow.contacts
        or follow.thank_you
        or follow.reassurance
        or follow.remorse_cancel > 0
        or returns.rate > 0
        or (returns.policy == "lenient" and returns.fraud_rate > 0)
    )


def aftermath(scenario: Scenario, draws: EpisodeDraws) -> Aftermath:
    """Decide the after-purchase events of the episode whose uniforms are ``draws``."""
    od, follow, returns = scenario.overdelivery, scenario.followup, scenario.returns
    utility = loss = cost = 0.0

    # A draw is made only where its outcome can matter (probabilities of 0 never fire);
    # draws are keyed by slot, so skipping one changes no other.
    if od.bonus.probability > 0 and draws.bonus() < od.bonus.probability:
        utility += od.bonus.effect
        cost += od.bonus.cost
    contacts = follow.contacts + follow.thank_you + follow.reassurance
    cost += contacts * follow.contact_cost
    if follow.thank_you:
        utility += follow.thank_you_effect
    extra = max(0, follow.contacts - follow.tolerated_contacts)
    annoyed = extra > 0 and draws.annoyed() < behaviour.annoyance_probability(
        follow.stalked_share, extra
    )
    if annoyed:
        utility -= follow.annoyance
        loss += follow.annoyance

    cancel = behaviour.remorse_probability(
        follow.remorse_cancel, follow.reassurance_effect, follow.reassurance
    )
    cancelled = cancel > 0 and draws.cancel() < cancel
    returned = refused = fraud = False
    if not cancelled:
        if returns.rate > 0 and draws.returns() < returns.rate:
            has_receipt = draws.receipt() >= returns.no_receipt
            if returns.policy == "lenient" or has_receipt:
                returned = True
                cost += returns.handling_cost
            else:
                refused = True
                utility -= returns.refusal_penalty
                loss += returns.refusal_penalty
        elif (
            returns.policy == "lenient"
            and returns.fraud_rate > 0
            and draws.fraud() < returns.fraud_rate
        ):
            fraud = True  # strict rules block fraud: cheats rarely have receipts
            cost += returns.handling_cost
    happened = utility or loss or cost or cancelled or returned or refused or fraud or annoyed
    if not happened and min(follow.contacts, follow.tolerated_contacts) == 0:
        return NOTHING  # shared: building a frozen dataclass costs microseconds
    return Aftermath(
        utility=utility,
        loss=loss,
        refunded=cancelled or returned or fraud,
        cost=cost,
        cancelled=cancelled,
        returned=returned,
        refused=refused,
        fraud=fraud,
        annoyed=annoyed,
        contacts=min(follow.contacts, follow.tolerated_contacts),
    )
