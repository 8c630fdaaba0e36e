"""One home for every default: the behaviour equations' keyword defaults are the scenario's.

The engine passes every parameter from the scenario, so a keyword default in
:mod:`sim.behaviour` only matters to someone calling an equation by hand (a notebook, a
doctest). It must still be the model's default, or the two drift apart unnoticed.
"""

from __future__ import annotations

import inspect

import pytest

from sim import behaviour
from sim.scenario import Scenario

#: (function, keyword) → scenario field with the same meaning.
SAME_AS = {
    ("disconfirmation", "tolerance"): "perception.tolerance",
    ("kept_degree", "tolerance"): "perception.tolerance",
    ("kept_degree", "fade"): "perception.kept_fade",
    ("value", "gain_slope"): "perception.gain_slope",
    ("value", "loss_aversion"): "perception.loss_aversion",
    ("value", "gain_curvature"): "perception.gain_curvature",
    ("value", "loss_curvature"): "perception.loss_curvature",
    ("touchpoint_utility", "quality_weight"): "perception.quality_weight",
    ("touchpoint_utility", "kept_credit"): "perception.kept_credit",
    ("touchpoint_utility", "loss_aversion"): "perception.loss_aversion",
    ("quality_value", "quality_weight"): "perception.quality_weight",
    ("quality_value", "loss_aversion"): "perception.loss_aversion",
    ("episode_utility", "mode"): "perception.episode",
    ("episode_satisfaction", "scale"): "perception.satisfaction_scale",
    ("episode_satisfaction", "mode"): "perception.episode",
    ("likelihood_to_recommend", "neutral"): "perception.ltr_neutral",
    ("likelihood_to_recommend", "slope"): "perception.ltr_slope",
    ("update_trust", "kept_weight"): "trust.kept_weight",
    ("update_trust", "broken_weight"): "trust.broken_weight",
    ("talk_probabilities", "base"): "wom.base",
    ("talk_probabilities", "positive_slope"): "wom.positive_slope",
    ("talk_probabilities", "negative_slope"): "wom.negative_slope",
    ("talk_probabilities", "curvature"): "wom.curvature",
    ("advice_rate", "advocacy"): "wom.advocacy",
    ("talk_probabilities", "referral_bonus"): "wom.referral_bonus",
    ("recovery_share", "apology"): "recovery.apology",
    ("recovery_share", "compensation_half"): "recovery.compensation_half",
    ("recovery_share", "compensation_weight"): "recovery.compensation_weight",
    ("recovery_share", "speed_weight"): "recovery.speed_weight",
    ("recovery_share", "speed_scale"): "recovery.speed_scale",
    ("recovery_share", "paradox_cap"): "recovery.paradox_cap",
    ("recovery_share", "mild_loss"): "recovery.mild_loss",
    ("cumulative_satisfaction", "floor"): "retention.memory_floor",
    ("churn_probability", "satisfaction_effect"): "retention.satisfaction_effect",
    ("churn_probability", "bad_episode_shock"): "retention.bad_episode_shock",
    ("purchase_interval", "attitude_effect"): "retention.attitude_effect",
    ("basket_size", "basket_effect"): "retention.basket_effect",
}

#: Keyword defaults that are not scenario fields (per-customer values, neutral elements).
NOT_A_FIELD = {
    ("churn_probability", "sensitivity"),  # a customer's trait; 1 = the average customer
    ("talk_probabilities", "track_record"),  # a customer's record; 1 = a long-standing fan
}


def _scenario_default(path: str):
    section, name = path.split(".")
    table = Scenario.__dataclass_fields__[section].default
    return getattr(table, name)


def _keyword_defaults():
    for name, function in inspect.getmembers(behaviour, inspect.isfunction):
        if name.startswith("_") or function.__module__ != behaviour.__name__:
            continue
        for parameter in inspect.signature(function).parameters.values():
            if parameter.default is not inspect.Parameter.empty:
                yield name, parameter.name, parameter.default


@pytest.mark.parametrize(("function", "keyword", "default"), list(_keyword_defaults()))
def test_every_behaviour_default_is_the_scenario_default(function, keyword, default):
    key = (function, keyword)
    if key in NOT_A_FIELD:
        return
    assert key in SAME_AS, (
        f"behaviour.{function}({keyword}=...) has a default but no scenario field is named "
        "for it here: add it to SAME_AS (or NOT_A_FIELD if it is not a model parameter)"
    )
    assert default == _scenario_default(SAME_AS[key]), (
        f"behaviour.{function}({keyword}={default!r}) differs from the scenario's "
        f"{SAME_AS[key]} = {_scenario_default(SAME_AS[key])!r}"
    )


def test_the_table_names_real_fields_and_real_keywords():
    defaults = {(f, k) for f, k, _ in _keyword_defaults()}
    for key, path in SAME_AS.items():
        assert key in defaults, f"behaviour.{key[0]} has no keyword default {key[1]!r}"
        _scenario_default(path)  # raises if the field does not exist
