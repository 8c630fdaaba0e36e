"""The text report (``python -m sim``) names and formats every KPI as the registry does.

The report is what a newcomer sees first. Its KPI rows are properties of the registry
(:data:`sim.kpis.KPIS`), checked here over every KPI and every shipped scenario, not against
hand-copied strings: a row is ``  <display name>  <value as the registry formats it>  <note>``.
"""

from __future__ import annotations

import re

import pytest

import sim
from sim.kpis import KPIS, derived
from sim.result import AFTER_SALE, REPORT_SECTIONS

HORIZON = "20 d"  # long enough for returns, complaints and churn in every shipped scenario
#: A KPI row: two spaces, the display name, two or more spaces, the value (single spaces
#: inside it, as in "4,089 customers" or "0.82 : 1"), then optionally three spaces and a note.
ROW = re.compile(r"^  (?P<label>\S.*?)\s{2,}(?P<value>\S+(?: \S+)*)(?:\s{3,}(?P<note>.*))?$")


@pytest.fixture(scope="module", params=sim.examples.names())
def result(request):
    return sim.run(sim.examples.load(request.param), seed=2, horizon=HORIZON)


def _sections(text: str) -> dict[str, list[str]]:
    """The report's lines under each upper-case heading (without its note in brackets)."""
    sections: dict[str, list[str]] = {}
    heading = None
    for line in text.splitlines():
        if line and not line.startswith(" "):
            heading = line.split(" (")[0] if line.split(" (")[0].isupper() else None
            if heading:
                sections[heading] = []
        elif heading and line:
            sections[heading].append(line)
    return sections


def test_every_registry_kpi_has_a_place_in_the_report():
    """Each KPI of the registry belongs to one section, or to the after-sale rows."""
    placed = [name for names in REPORT_SECTIONS.values() for name in names] + list(AFTER_SALE)
    assert sorted(placed) == sorted(KPIS), "a KPI is missing from the report, or shown twice"


def test_every_kpi_row_shows_the_registrys_name_and_format(result):
    """Under each section, the rows are exactly the section's KPIs, in order, each with its
    display name and its value formatted by the registry (unit, thousands separators, NPS
    whole, shares in %, money in the scenario's currency)."""
    text = result.report()
    sections = _sections(text)
    values = {**result.kpis, **derived(result.kpis)}
    currency = result.scenario.economics.currency
    for heading, names in result.report_kpis().items():
        assert heading in sections, f"the report has no {heading} section"
        rows = [ROW.match(line) for line in sections[heading]]
        assert all(rows), sections[heading]
        shown = [(row["label"], row["value"]) for row in rows]
        expected = [(KPIS[n].label, KPIS[n].format(values[n], currency)) for n in names]
        assert shown == expected


def test_after_sale_rows_appear_only_when_something_happened(result):
    shown = {name for names in result.report_kpis().values() for name in names}
    happened = {name for name in AFTER_SALE if result.kpis[name] != 0}
    assert shown & set(AFTER_SALE) == happened
    assert ("AFTER THE SALE" in result.report()) == bool(happened)


def test_the_report_shows_no_code_name_and_no_scientific_notation(result):
    text = result.report()
    code_names = [name for name in KPIS if "_" in name and name in text]
    assert not code_names
    assert not re.search(r"\d[eE][+-]?\d", text)
    assert not re.search(r"(?<![\w-])-\d", text), "a hyphen where a minus sign belongs"


def test_touchpoint_levels_carry_their_units(result):
    """Time in the scenario's unit, cost in its currency (expected, delivered and the gap)."""
    lines = _sections(result.report())["WHERE PROMISES MEET DELIVERY"]
    unit, currency = result.scenario.time_unit, result.scenario.economics.currency
    for row in result.touchpoints.itertuples():
        line = next(line for line in lines if line.split()[:2] == [row.touchpoint, row.dimension])
        if row.dimension == "time":
            assert line.count(f" {unit}") >= 3, line  # expected, delivered and the gap
        if row.dimension == "cost":
            assert line.count(f" {currency}") >= 3, line


def test_notes_put_the_counts_in_proportion(pizza):
    """Customers won are set against prospects, purchases against customers won; money
    carries the currency (pizza, seed 1, 30 days)."""
    result = sim.run(pizza, seed=1, horizon="30 d")
    k = result.kpis
    text = result.report()
    assert f"{k.acquired:,.0f} customers   {k.acquired / k.prospects:.0%} of prospects" in text
    assert f"{k.purchases / k.acquired:,.1f} per customer won" in text
    assert f"{k.profit:,.0f} THB".replace("-", "−") in text
