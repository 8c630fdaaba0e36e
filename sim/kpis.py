"""One registry of what every KPI means to a reader: display name, unit, number format,
direction ("higher is better") and a one-line meaning, with the values it can take.

Every table and chart a strategist sees — the text report, :mod:`sim.plot`, the CLI tables,
the workshop app and its handout — names and formats KPIs through :data:`KPIS`, so none of
them shows a code name, scientific notation or a number without its unit. The possible
ranges are those of :data:`sim.metrics.KPI_RANGES` (their one home); intervals are clipped
to them (a churn rate's CI never reaches below 0).

>>> KPIS["profit"].format(2_070_000.4, currency="THB")
'2,070,000 THB'
>>> KPIS["profit"].format(2_070_000.4, currency="THB", signed=True)
'+2,070,000 THB'
>>> KPIS["churn_rate"].format(0.4031), KPIS["churn_rate"].format(-0.031, signed=True)
('40.3%', '−3.1 pts')
>>> KPIS["nps"].format(-30.37), KPIS["nps"].clip(-130.0, 20.0)
('−30', (-100.0, 20.0))
>>> KPIS["satisfaction_mean"].axis_label()
'Satisfaction per purchase (−1 … +1)'
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from sim.metrics import KPI_NAMES, KPI_RANGES

#: How a kind of number is written: decimals, and whether it is a share shown in percent.
_KINDS = ("count", "money", "share", "nps", "score", "ratio")


@dataclass(frozen=True)
class Kpi:
    """How one KPI is shown: ``label`` (display name), ``unit`` (``"currency"`` stands for
    the scenario's currency), ``kind`` (count, money, share, nps, score or ratio — decides the
    format), ``better`` (+1: higher is better, −1: lower is better, 0: neither) and
    ``meaning`` (one line for a reader who never saw the code); ``low``/``high`` bound it."""

    name: str
    label: str
    unit: str
    kind: str
    better: int
    meaning: str
    low: float = -math.inf
    high: float = math.inf

    @property
    def phrase(self) -> str:
        """The display name inside a sentence: lower case, but an acronym stays as it is.

        >>> KPIS["churn_rate"].phrase, KPIS["nps"].phrase
        ('churn rate', 'NPS')
        """
        return self.label if self.label.isupper() else self.label[0].lower() + self.label[1:]

    def unit_text(self, currency: str = "") -> str:
        """The unit as a reader sees it ("THB" for money).

        >>> KPIS["revenue"].unit_text("THB"), KPIS["churn_rate"].unit_text()
        ('THB', '%')
        """
        return currency or "money" if self.unit == "currency" else self.unit

    def axis_label(self, currency: str = "") -> str:
        """Display name with its unit, for an axis or a column header.

        >>> KPIS["profit"].axis_label("THB"), KPIS["churn_rate"].axis_label()
        ('Profit (THB)', 'Churn rate (%)')
        """
        return f"{self.label} ({self.unit_text(currency)})"

    def format(self, value: float, currency: str = "", signed: bool = False) -> str:
        """``value`` as a reader reads it, with its unit; ``signed`` for a difference (shares
        then in percentage points). Never scientific notation; NaN shows as "—".

        >>> KPIS["acquired"].format(1238.0), KPIS["every_promise_kept"].format(0.35)
        ('1,238 customers', '35.0%')
        >>> KPIS["talk_ratio"].format(0.45), KPIS["satisfaction_mean"].format(-0.0699)
        ('0.45 : 1', '−0.07')
        """
        return f"{self.number(value, signed)}{self._suffix(currency, signed)}"

    def number(self, value: float, signed: bool = False) -> str:
        """The number alone, in this KPI's format (a minus sign, not a hyphen).

        >>> KPIS["profit"].number(-1234.5), KPIS["nps"].number(4.6, signed=True)
        ('−1,234', '+5')
        """
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "—"
        value = float(value)
        sign = "+" if signed else ""
        if self.kind == "share":
            text = f"{value * 100:{sign},.1f}"
        elif self.kind in ("money", "count", "nps"):
            text = f"{value:{sign},.0f}"
        else:  # score, ratio
            text = f"{value:{sign},.2f}"
        if text.lstrip("+-").strip("0.,") == "":  # a rounded zero has no sign
            text = text.lstrip("+-")
        return text.replace("-", "−")

    def _suffix(self, currency: str, signed: bool) -> str:
        if self.kind == "share":
            return " pts" if signed else "%"
        if self.kind == "ratio":
            return "" if signed else " : 1"
        if self.kind in ("money", "count"):
            return f" {self.unit_text(currency)}"
        return ""

    def clip(self, low: float, high: float) -> tuple[float, float]:
        """An interval cut to the values this KPI can take (a share's CI stays in [0, 1])."""
        return max(low, self.low), min(high, self.high)

    def is_better(self, difference: float) -> bool | None:
        """Whether a change of ``difference`` is an improvement (None: neither direction).

        >>> KPIS["churn_rate"].is_better(-0.02), KPIS["profit"].is_better(-5.0)
        (True, False)
        """
        if self.better == 0 or difference == 0 or math.isnan(difference):
            return None
        return (difference > 0) == (self.better > 0)


def _kpi(name, label, unit, kind, better, meaning, bounds=None) -> Kpi:
    low, high = bounds or KPI_RANGES[name]
    return Kpi(name, label, unit, kind, better, meaning, low, high)


_CUSTOMERS = "customers"
#: Every KPI of a run (:data:`sim.metrics.KPI_NAMES`), plus ``talk_ratio`` (derived: positive
#: per negative talk, :func:`derived`).
KPIS: dict[str, Kpi] = {
    k.name: k
    for k in (
        _kpi("prospects", "Prospects", _CUSTOMERS, "count", 1, "people who considered buying"),
        _kpi("prospects_paid", "Prospects from ads", _CUSTOMERS, "count", 1, "prospects brought by paid advertising"),
        _kpi("prospects_wom", "Prospects from word of mouth", _CUSTOMERS, "count", 1, "prospects brought by customers' talk"),
        _kpi("acquired", "Customers won", _CUSTOMERS, "count", 1, "prospects who made a first purchase"),
        _kpi("lost", "Prospects lost", _CUSTOMERS, "count", -1, "prospects who chose not to buy"),
        _kpi("active", "Active customers", _CUSTOMERS, "count", 1, "customers still buying at the end"),
        _kpi("churned", "Customers lost", _CUSTOMERS, "count", -1, "customers who stopped buying"),
        _kpi("churn_rate", "Churn rate", "%", "share", -1, "share of customers won who stopped buying"),
        _kpi("purchases", "Purchases", "purchases", "count", 1, "every purchase made"),
        _kpi("revenue", "Revenue", "currency", "money", 1, "money received from customers"),
        _kpi("costs", "Costs", "currency", "money", -1, "goods, capacity, ads and compensation"),
        _kpi("profit", "Profit", "currency", "money", 1, "revenue minus costs"),
        _kpi("clv", "Customer lifetime value", "currency", "money", 1, "discounted margin per customer won, within the horizon"),
        _kpi("cac", "Acquisition cost", "currency", "money", -1, "ad spend per customer won"),
        _kpi("satisfaction_mean", "Satisfaction per purchase", "−1 … +1", "score", 1, "how each purchase felt against expectations, −1 … +1"),
        _kpi("nps", "NPS", "points", "nps", 1, "promoters minus detractors, −100 … +100"),
        _kpi("trust_mean", "Trust in promises", "0 … 1", "score", 1, "customers' belief that a promise will be kept"),
        _kpi("every_promise_kept", "Promises kept", "%", "share", 1, "share of purchases whose every promise felt kept"),
        _kpi("wom_positive", "Praise", "talks", "count", 1, "times a customer praised the brand to others"),
        _kpi("wom_negative", "Criticism", "talks", "count", -1, "times a customer criticised the brand to others"),
        _kpi("wom_listeners", "People reached by talk", "people", "count", 0, "people who heard a customer's praise or criticism"),
        _kpi("complaints", "Complaints", "complaints", "count", -1, "complaints made"),
        _kpi("recovered", "Complaints handled", "complaints", "count", 1, "complaints answered before the customer gave up"),
        _kpi("unresolved", "Complaints abandoned", "complaints", "count", -1, "complainers who gave up waiting"),
        _kpi("proactive_recoveries", "Proactive recoveries", "customers", "count", 1, "problems fixed before the customer complained"),
        _kpi("paradox_recoveries", "Recovery paradoxes", "customers", "count", 1, "recoveries that left the customer happier than no problem"),
        _kpi("cancelled", "Cancellations", "orders", "count", -1, "orders cancelled"),
        _kpi("returns", "Returns", "orders", "count", -1, "purchases returned"),
        _kpi("refused_returns", "Returns refused", "orders", "count", -1, "returns the policy refused"),
        _kpi("fraud_refunds", "Fraudulent refunds", "orders", "count", -1, "refunds claimed in bad faith"),
        _kpi("annoyed", "Annoyed by contact", "customers", "count", -1, "customers annoyed by an unwanted contact"),
        _kpi("refunds", "Refunds", "currency", "money", -1, "money refunded"),
        _kpi("extra_costs", "Other after-sale costs", "currency", "money", -1, "handling of returns and cancellations"),
        _kpi("talk_ratio", "Talk ratio", "positive per negative", "ratio", 1, "praise per criticism: above 1, more good talk than bad", (0.0, math.inf)),
    )
}  # fmt: skip
assert set(KPI_NAMES) <= set(KPIS), "every KPI needs a display entry"


def derived(kpis: Mapping[str, float]) -> dict[str, float]:
    """KPIs computed from a run's KPIs: ``talk_ratio`` = praise ÷ criticism (NaN if no
    criticism).

    >>> derived({"wom_positive": 304.0, "wom_negative": 676.0})
    {'talk_ratio': 0.44970414201183434}
    """
    negative = kpis["wom_negative"]
    return {"talk_ratio": kpis["wom_positive"] / negative if negative else math.nan}


def label(name: str, currency: str = "") -> str:
    """A column or axis header for a KPI, or the name itself if it is not a KPI.

    >>> label("profit", "THB"), label("touchpoints.delivery.promise.time")
    ('Profit (THB)', 'touchpoints.delivery.promise.time')
    """
    return KPIS[name].axis_label(currency) if name in KPIS else name


#: How the scenario fields a strategist moves are named for them, by the path's pattern
#: ({0}: the touchpoint or resource name), with the unit shown when none is given.
_PARAMETERS = {
    ("touchpoints", "promise", "time"): ("{0} promise", "time"),
    ("touchpoints", "promise", "cost"): ("{0} price promised", "money"),
    ("touchpoints", "promise", "service"): ("{0} service promised", "points"),
    ("resources", "capacity"): ("{0} capacity", "working at once"),
    ("recovery", "compensation"): ("compensation per handled complaint", "money"),
    ("complaints", "probability"): ("complaint ease", "chance an unhappy customer complains"),
    ("market", "prospects_per_day"): ("prospects", "per day"),
}


def parameter_label(path: str, unit: str = "") -> str:
    """A scenario field's path in words with its ``unit`` (e.g. the scenario's time unit or
    currency), for axes and tables; the path itself if unknown.

    >>> parameter_label("touchpoints.delivery.promise.time", "min")
    'delivery promise (min)'
    >>> parameter_label("resources.driver.capacity"), parameter_label("market.population")
    ('driver capacity (working at once)', 'market.population')
    """
    parts = path.split(".")
    named = parts[0] in ("touchpoints", "resources") and len(parts) > 2
    rest = (parts[0], *parts[2:]) if named else tuple(parts)
    if rest not in _PARAMETERS:
        return path
    text, default = _PARAMETERS[rest]
    return f"{text.format(parts[1] if named else '')} ({unit or default})"


def parameter_unit(path: str, time_unit: str = "", currency: str = "") -> str:
    """The unit a scenario field's values are written in, where the scenario decides it: its
    time unit for a time, its currency for money ("" otherwise: :func:`parameter_label`
    then names the unit itself).

    >>> parameter_unit("touchpoints.delivery.promise.time", "min", "THB")
    'min'
    >>> parameter_unit("recovery.compensation", "min", "THB"), parameter_unit("market.population")
    ('THB', '')
    """
    if path.endswith(".time"):
        return time_unit
    if path.endswith((".cost", "compensation")):
        return currency
    return ""
