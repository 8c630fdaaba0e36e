"""Field validation (sim.validation.field): Xie et al. 2024, Cui et al. 2024, Ho & Zheng 2004.

The fast tests pin the pieces the checks are built from (the scenario file against its
derivation, the fitted sensitivity, the analytic reconstruction); the slow test runs
``field.checks()`` once and asserts that every check passes.
"""

from __future__ import annotations

import pandas as pd
import pytest

from sim.validation import field, verdict


def test_food_scenario_is_the_xie_derivation_rounded():
    """The TOML's zones are xie_zones() rounded to 0.01 min and 4 digits of cv."""
    table = field.zone_table(field.food_scenario())
    assert table["share"].tolist() == [0.2] * field.XIE_ZONES
    for (quote, mean, cv), (_, row) in zip(field.xie_zones(), table.iterrows(), strict=True):
        assert row["quote"] == pytest.approx(quote, abs=0.005)
        assert row["mean"] == pytest.approx(mean, abs=0.005)
        assert row["sd"] / row["mean"] == pytest.approx(cv, abs=5e-5)


def test_xie_zones_meet_every_moment():
    """Late share 30% exactly (lognormal tails), and the four moments of the mixture."""
    zones = field.xie_zones()
    quotes = [q for q, _, _ in zones]
    assert sum(quotes) / len(quotes) == pytest.approx(field.XIE_QUOTE_MEAN)
    moments = field.delivery_moments(field.food_scenario())
    assert moments["delivered_sd"] == pytest.approx(field.XIE_DELIVERED_SD, abs=0.01)
    assert moments["quote_sd"] == pytest.approx(field.XIE_QUOTE_SD, abs=0.01)


def test_repurchase_window_is_start_to_start_and_censored():
    log = pd.DataFrame(
        {
            "customer": [0, 0, 0, 1],
            "episode": [1, 2, 3, 1],
            "start_day": [0.0, 6.9, 14.0, 20.0],
            "late": [True, False, False, True],
        }
    )
    table = field.repurchases(log, horizon_days=25.0)
    # order 3 is followed by nothing; customer 1 ordered less than 7 days before the end
    assert table["repurchased"].tolist() == [True, False, False]
    assert field.late_gap(table) == pytest.approx(100.0)


def test_fitted_sensitivity_gives_cui_mean_size_both_ways():
    scenario = field.cui_scenario(field.fitted_sensitivity(field.cui_scenario()))
    faster = field.conversion_change(scenario, -field.DAY)
    slower = field.conversion_change(scenario, field.DAY)
    assert 0.5 * (faster - slower) == pytest.approx(0.62, abs=1e-6)
    assert faster > 0 > slower


def test_ho_zheng_reconstruction_matches_the_literature_figures():
    commitment, rate, quality = field.analytic_optimum()
    for mine, theirs in zip((commitment, rate, quality), field.HZ_LITERATURE, strict=True):
        assert mine == pytest.approx(theirs, abs=0.0051)


def test_duopoly_nash_is_the_joint_optimum():
    """The envelope argument of the INTRO: no Prisoners' Dilemma in the reconstruction."""
    duo = field.duopoly_summary()
    assert duo["nash"] == pytest.approx(duo["joint"], abs=1e-4)
    assert duo["nash"] < field.analytic_optimum()[0]


@pytest.fixture(scope="module")
def results():
    return field.checks()


@pytest.mark.slow
def test_every_field_check_passes_or_is_a_documented_deviation(results):
    problems = verdict(results)
    assert not problems, "\n".join(problems)


@pytest.mark.slow
def test_field_checks_are_labelled(results):
    assert all(check.area == field.AREA and check.source for check in results)
    assert len({check.name for check in results}) == len(results)
