"""Survey-facts validation area: the survey of simulated customers (sim.validation.seed_facts).

The survey's definitions are checked exactly on a hand-written episode log; the full
comparison with the survey figures runs ``checks()`` once and is marked slow.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import pandas as pd
import pytest

import sim
from sim.validation import seed_facts, verdict

GOOD, NEUTRAL, BAD = 0.3, -0.1, -0.5  # satisfaction; the pizza threshold is −0.2


def _log(histories: dict[int, list[tuple[float, bool, bool, bool]]]) -> pd.DataFrame:
    """Episode rows from {customer: [(satisfaction, complained, talked, churned), ...]}."""
    rows = []
    for customer, episodes in histories.items():
        for n, (satisfaction, complained, talked, churned) in enumerate(episodes, start=1):
            rows.append(
                dict(
                    customer=customer,
                    episode=n,
                    satisfaction=satisfaction,
                    complained=complained,
                    talked=talked,
                    churned=churned,
                    # the probability of leaving: here, exactly what the customer then did
                    hazard=float(churned),
                )
            )
    return pd.DataFrame(rows).sample(frac=1.0, random_state=1)  # order must not matter


@pytest.fixture(scope="module")
def answers():
    g, b = (GOOD, False, False, False), (BAD, False, False, False)
    log = _log(
        {
            # loved (3 good, then bad): leaves at the first bad
            1: [g, g, g, (BAD, True, True, True)],
            # loved: survives the first bad, leaves after the second
            2: [g, g, g, b, g, (BAD, False, True, True)],
            # loved: survives three bad episodes
            3: [g, g, g, b, b, b],
            # loved: survives one bad, then the run ends (censored)
            4: [g, g, g, b],
            # not loved: a neutral episode in its history; leaves at its first bad
            5: [g, (NEUTRAL, False, False, False), g, (BAD, False, False, True)],
            # not loved: only two good episodes before the first bad
            6: [(GOOD, False, True, False), g, b],
        }
    )
    pizza = sim.examples.load("pizza")
    return seed_facts.survey(SimpleNamespace(episodes=log, scenario=pizza))


def test_loved_customers_and_the_life_table(answers):
    assert answers["n_loved"] == 4  # customers 1–4
    assert answers["leave_after_one_bad"] == pytest.approx(1 / 4)
    # second bad: customers 2 and 3 (2 leaves); third bad: customer 3 (stays)
    assert answers["n_loved_several"] == 1
    assert answers["stop_after_several_bad"] == pytest.approx(1 - (3 / 4) * (1 / 2) * 1)


def test_first_bad_episode_of_anyone_and_the_voice_shares(answers):
    assert answers["n_first_bad"] == 6
    assert answers["spend_elsewhere_after_bad"] == pytest.approx(2 / 6)  # customers 1 and 5
    assert answers["n_several_bad"] == 1 and answers["leave_at_several_bad"] == 0.0  # customer 3
    assert answers["n_bad"] == 9
    assert answers["complain_when_dissatisfied"] == pytest.approx(1 / 9)
    assert answers["talk_when_dissatisfied"] == pytest.approx(2 / 9)
    assert answers["n_good"] == 17  # the neutral episode is neither good nor bad
    assert answers["talk_when_satisfied"] == pytest.approx(1 / 17)


def test_survey_needs_the_episode_log():
    result = sim.run(sim.examples.load("pizza"), seed=1, horizon="2 d")
    with pytest.raises(ValueError, match="episodes=True"):
        seed_facts.survey(result)


def test_a_survey_with_no_respondents_is_nan():
    result = sim.run(sim.examples.load("pizza"), seed=1, horizon="1 d", episodes=True)
    answers = seed_facts.survey(result)
    assert answers["n_loved"] == 0 and math.isnan(answers["leave_after_one_bad"])


def test_the_calibrated_values_are_the_defaults_and_fitted_facts_are_facts():
    from sim.validation.defaults import FITTED

    scenario = sim.examples.load(seed_facts.SCENARIO)
    assert scenario.replace({p: FITTED[p] for p in seed_facts.PARAMS}) == scenario
    assert set(seed_facts.FITTED) <= set(seed_facts.FACTS)


@pytest.fixture(scope="module")
def results():
    return seed_facts.checks()


@pytest.mark.slow
def test_every_seed_fact_holds_or_is_a_documented_deviation(results):
    problems = verdict(results)
    assert not problems, "\n".join(problems)


@pytest.mark.slow
def test_seed_fact_checks_are_labelled(results):
    assert len(results) == 6
    assert all(check.area == seed_facts.AREA and check.source for check in results)
    assert len({check.name for check in results}) == len(results)
