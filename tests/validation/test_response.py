"""The "response" validation area: loss aversion, WOM shape and 3:1 ratio, recovery paradox.

The checks run once per module (about 20 CPU-seconds of simulation, some 10–15 s on two
idle cores, so not marked slow). Every one must pass, except known deviations of the model,
which are documented under the table in docs/validation.md and must keep failing until the
model is fixed.
"""

import pytest

from sim.validation import response, verdict


@pytest.fixture(scope="module")
def rows():
    return response.checks()


def test_every_check_passes_or_is_a_documented_deviation(rows):
    problems = verdict(rows)
    assert not problems, "\n".join(problems)


def test_rows_belong_to_the_area_and_are_named_once(rows):
    names = [row.name for row in rows]
    assert {row.area for row in rows} == {"response"}
    assert len(names) == len(set(names))
    assert all(row.source for row in rows)
    assert not any("|" in name for name in names)  # a pipe would split the markdown table


def test_title_and_intro_name_their_sources():
    assert response.TITLE
    for source in ("Gneezy & Epley", "Anderson 1998", "East, Hammond & Wright", "de Matos"):
        assert source in response.INTRO
