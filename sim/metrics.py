"""What a run reports: every KPI with the values it can take, and the per-customer and
per-episode tables.

The engine counts (:class:`sim.engine.collector.Collector`, running sums — never per
event); this module says what is reported.

>>> KPI_NAMES[:3], KPI_RANGES["churn_rate"]
(('prospects', 'prospects_paid', 'prospects_wom'), (0.0, 1.0))
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim import behaviour

#: Running totals reported as they are (recovery outcomes and after-purchase events).
AFTER_PURCHASE = (
    "proactive_recoveries",
    "paradox_recoveries",
    "cancelled",
    "returns",
    "refused_returns",
    "fraud_refunds",
    "annoyed",
    "refunds",
    "extra_costs",
)
#: Every KPI of a run, in the order of ``Result.kpis`` (which has exactly these); the text
#: report groups and orders them by :data:`sim.result.REPORT_SECTIONS`.
KPI_NAMES = (
    "prospects",
    "prospects_paid",
    "prospects_wom",
    "acquired",
    "lost",
    "active",
    "churned",
    "churn_rate",
    "purchases",
    "revenue",
    "costs",
    "profit",
    "clv",
    "cac",
    "satisfaction_mean",
    "nps",
    "trust_mean",
    "every_promise_kept",
    "wom_positive",
    "wom_negative",
    "wom_listeners",
    "complaints",
    "recovered",
    "unresolved",
    *AFTER_PURCHASE,
)
#: The values each KPI can take, (low, high), to check targets and bounds before anything
#: runs: counts and money received or spent are never negative; rates and shares lie in
#: [0, 1]; NPS in [−100, 100]; satisfaction on its −1 … +1 scale; trust in [0, 1]; profit
#: and customer lifetime value (a margin) can be any number.
KPI_RANGES: dict[str, tuple[float, float]] = {
    "prospects": (0.0, math.inf),
    "prospects_paid": (0.0, math.inf),
    "prospects_wom": (0.0, math.inf),
    "acquired": (0.0, math.inf),
    "lost": (0.0, math.inf),
    "active": (0.0, math.inf),
    "churned": (0.0, math.inf),
    "churn_rate": (0.0, 1.0),
    "purchases": (0.0, math.inf),
    "revenue": (0.0, math.inf),
    "costs": (0.0, math.inf),
    "profit": (-math.inf, math.inf),
    "clv": (-math.inf, math.inf),
    "cac": (0.0, math.inf),
    "satisfaction_mean": (-1.0, 1.0),
    "nps": (-100.0, 100.0),
    "trust_mean": (0.0, 1.0),
    "every_promise_kept": (0.0, 1.0),
    "wom_positive": (0.0, math.inf),
    "wom_negative": (0.0, math.inf),
    "wom_listeners": (0.0, math.inf),
    "complaints": (0.0, math.inf),
    "recovered": (0.0, math.inf),
    "unresolved": (0.0, math.inf),
    "proactive_recoveries": (0.0, math.inf),
    "paradox_recoveries": (0.0, math.inf),
    "cancelled": (0.0, math.inf),
    "returns": (0.0, math.inf),
    "refused_returns": (0.0, math.inf),
    "fraud_refunds": (0.0, math.inf),
    "annoyed": (0.0, math.inf),
    "refunds": (0.0, math.inf),
    "extra_costs": (0.0, math.inf),
}
#: What can be attributed to the worst touchpoint × dimension of an episode.
DRIVER_OUTCOMES = ("churn", "complaints", "wom_negative")


EPISODE_COLUMNS = (
    "customer",  # id, as in the customers table
    "episode",  # 1, 2, ... for that customer
    "start_day",  # when the journey began, days since the start
    "end_day",  # when it ended, after any complaint handling
    "satisfaction",  # episode satisfaction before recovery, −1 … +1
    "reported",  # what a survey records (the recovery paradox may lift it)
    "loyalty",  # what drove attitude and churn
    "surprise",  # felt surprise after any recovery, −1 … +1: what drives talk
    "promises_kept",
    "promises_broken",
    "late",  # a time promise was broken, to the letter (delivered after the promise)
    "time_gap",  # how much faster (+) or slower (−) than expected, jnd (weighted time cells)
    "time_margin",  # how far inside (+) or past (−) the time promises, jnd (weighted)
    "waited",  # hours spent queueing in this episode (all touchpoints)
    "complained",
    "talked",  # told someone about it
    "valence",  # +1 praised, −1 criticised, 0 kept quiet
    "told",  # people reached
    "churned",  # this was the customer's last purchase
    "hazard",  # the probability of leaving after it, on which `churned` was drawn
)


def episode_table(log: list[tuple] | None) -> pd.DataFrame | None:
    """One row per purchase episode (``run(..., episodes=True)``), or None if not recorded."""
    if log is None:
        return None
    return pd.DataFrame.from_records(log, columns=list(EPISODE_COLUMNS))


def customer_table(columns: dict[str, np.ndarray], scenario) -> pd.DataFrame:
    """One row per acquired customer, from the population's ``columns``
    (:meth:`sim.engine.population.CustomerBook.columns`); days since the start for times.
    ``segment`` is the customer's segment name ("everyone" when the scenario declares none)."""
    perception = scenario.perception
    c = columns
    names = np.array([s.name for s in scenario.segments] + ["everyone"], dtype=object)
    churned_day = c["churned_at"] / 24.0
    table = pd.DataFrame(
        {
            "id": c["id"].astype(int),
            "segment": names[c["segment"].astype(int)],
            "source": np.where(c["paid"] == 1, "paid", "wom").astype(object),
            "acquired_day": c["acquired_at"] / 24.0,
            "episodes": c["episodes"].astype(int),
            "active": np.isnan(churned_day),
            "churned_day": churned_day,
            "attitude": c["attitude"],
            "trust": c["trust"],
            "cumulative_satisfaction": c["cumulative"],
            "last_satisfaction": c["last_satisfaction"],
            "complaints": c["complaints"].astype(int),
            "revenue": c["revenue"],
            "clv": c["discounted_margin"],
            "baseline_churn": c["baseline_churn"],
            "shock_sensitivity": c["sensitivity"],
        }
    )
    table.insert(
        8,
        "ltr",
        behaviour.likelihood_to_recommend(
            table["attitude"].to_numpy(), perception.ltr_neutral, perception.ltr_slope
        ),
    )
    return table
