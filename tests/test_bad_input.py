"""The bad-input catalogue: hostile scenario files and overrides, each met with one
documented exception (``sim.ScenarioError``) naming the field and the fix, and a CLI that
prints one line per problem and exits with status 2 — never a traceback.

Each case edits the shipped pizza scenario (a realistic file) in one place.
"""

from __future__ import annotations

import pytest

import sim
from sim import ScenarioError, examples
from sim.cli import main

PIZZA = examples.path_of("pizza").read_text(encoding="utf-8")

# (case, text to replace, replacement, fragments the message must contain)
CATALOGUE = [
    (
        "capacity negative",
        "capacity = 7",
        "capacity = -1",
        ["resources[0].capacity", "-1", "positive integer"],
    ),
    (
        "capacity zero",
        "capacity = 7",
        "capacity = 0",
        ["resources[0].capacity", "positive integer"],
    ),
    ("capacity fractional", "capacity = 7", "capacity = 2.5", ["resources[0].capacity", "integer"]),
    (
        "capacity as text",
        "capacity = 7",
        'capacity = "three"',
        ["resources[0].capacity", "'three'"],
    ),
    (
        "negative arrival rate",
        "prospects_per_day = 30",
        "prospects_per_day = -5",
        ["market.prospects_per_day", "≥ 0"],
    ),
    (
        "arrival rate infinite",
        "prospects_per_day = 30",
        "prospects_per_day = inf",
        ["market.prospects_per_day"],
    ),
    (
        "arrival rate nan",
        "prospects_per_day = 30",
        "prospects_per_day = nan",
        ["market.prospects_per_day"],
    ),
    (
        "probability above 1",
        "probability = 0.04",
        "probability = 1.5",
        ["failure.probability", "1.5", "between 0 and 1"],
    ),
    (
        "probability below 0",
        "probability = 0.04",
        "probability = -0.1",
        ["failure.probability", "between 0 and 1"],
    ),
    (
        "unknown top-level key",
        'horizon = "180 d"',
        'horizon = "180 d"\nhorizn = 3',
        ["horizn", "unknown field", "did you mean 'horizon'"],
    ),
    (
        "unknown key in a table",
        "prospects_per_day = 30",
        "prospects_per_dy = 30",
        ["market", "prospects_per_dy", "did you mean 'prospects_per_day'"],
    ),
    (
        "unknown key in a touchpoint",
        "importance = 1.5",
        "importnce = 1.5",
        ["importnce", "did you mean 'importance'"],
    ),
    (
        "unknown resource in a stage",
        '{ resource = "driver"',
        '{ resource = "drivers"',
        ["stages[1].resource", "'drivers'", "did you mean 'driver'"],
    ),
    (
        "unit string that does not parse",
        'patience = "1 d"',
        'patience = "45 minuets"',
        ["complaints.patience", "45 minuets", "unknown unit"],
    ),
    ("duration not a duration", 'horizon = "180 d"', 'horizon = "soon"', ["horizon", "'soon'"]),
    ("negative duration", "delay = 20", "delay = -20", ["failure.delay", "≥ 0"]),
    ("zero horizon", 'horizon = "180 d"', "horizon = 0", ["horizon", "positive"]),
    ("infinite horizon", 'horizon = "180 d"', "horizon = inf", ["horizon"]),
    (
        "service score above 5",
        "mean = 4.0, sd = 0.6",
        "mean = 6.0, sd = 0.6",
        ["delivered.service.mean", "between 1 and 5"],
    ),
    ("unknown distribution", 'dist = "gamma"', 'dist = "gama"', ["dist", "did you mean 'gamma'"]),
    (
        "missing distribution parameter",
        'dist = "gamma", mean = 15, cv = 0.4',
        'dist = "gamma", mean = 15',
        ["cv", "gamma needs mean, cv"],
    ),
    (
        "distribution parameter misspelt",
        'dist = "gamma", mean = 15, cv = 0.4',
        'dist = "gamma", mean = 15, cv = 0.4, sd = 1',
        ["sd", "not a parameter of gamma"],
    ),
    (
        "unknown promise policy",
        "promise = { time = 30 }",
        'promise = { time = { policy = "quantil", q = 0.9 } }',
        ["policy", "did you mean 'quantile'"],
    ),
    (
        "quantile of 1",
        "promise = { time = 30 }",
        'promise = { time = { policy = "quantile", q = 1.0 } }',
        ["q", "strictly between 0 and 1"],
    ),
    (
        "promise on a dimension not delivered",
        "promise = { cost = 299 }",
        "promise = { cost = 299, time = 10 }",
        ["touchpoints[1].promise.time", "delivers no time"],
    ),
    (
        "unknown dimension",
        "weight = { time = 1.0, service = 0.6 }",
        "weight = { time = 1.0, speed = 0.6 }",
        ["speed", "unknown dimension"],
    ),
    (
        "duplicate touchpoint names",
        'name = "website"',
        'name = "delivery"',
        ["touchpoints", "'delivery'", "unique"],
    ),
    (
        "route to an unknown touchpoint",
        "importance = 0.5\n",
        "importance = 0.5\nroutes = { ordr = 1.0 }\n",
        ["routes.ordr", "not a touchpoint", "did you mean 'order'"],
    ),
    (
        "routes not summing to 1",
        "importance = 0.5\n",
        "importance = 0.5\nroutes = { order = 0.5 }\n",
        ["routes", "sum to 1"],
    ),
    (
        "wrong type for a table",
        'horizon = "180 d"',
        'horizon = "180 d"\ntrust = 3',
        ["trust", "must be a table"],
    ),
    (
        "absurd discount",
        "[economics]",
        "[overdelivery]\ncost = { discount = 2 }\n[economics]",
        ["overdelivery.cost.discount", "between 0 and 1"],
    ),
    (
        "over-delivery at an unknown touchpoint",
        "[economics]",
        '[overdelivery]\ntouchpoint = "deliver"\n[economics]',
        ["overdelivery.touchpoint", "did you mean 'delivery'"],
    ),
    (
        "returns policy unknown",
        "[economics]",
        '[returns]\npolicy = "harsh"\n[economics]',
        ["returns.policy", "lenient, strict"],
    ),
    ("TOML syntax error", "capacity = 7", "capacity = = 3", ["not valid TOML"]),
]


@pytest.mark.parametrize(
    ("case", "old", "new", "fragments"), CATALOGUE, ids=[case for case, *_ in CATALOGUE]
)
def test_catalogue_case_names_the_field_and_the_fix(tmp_path, case, old, new, fragments):
    assert old in PIZZA, f"catalogue case {case!r} no longer matches the pizza file"
    path = tmp_path / "bad.toml"
    path.write_text(PIZZA.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        sim.Scenario.load(path)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"{case}: {fragment!r} missing from\n{message}"
    assert "Traceback" not in message


def test_catalogue_has_at_least_thirty_cases():
    assert len(CATALOGUE) >= 30


@pytest.mark.parametrize(
    ("case", "old", "new", "fragments"), CATALOGUE[:8], ids=[case for case, *_ in CATALOGUE[:8]]
)
def test_cli_prints_each_problem_on_one_line_and_exits_2(
    tmp_path, capsys, case, old, new, fragments
):
    path = tmp_path / "bad.toml"
    path.write_text(PIZZA.replace(old, new, 1), encoding="utf-8")
    assert main([str(path), "--horizon", "1d"]) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line]
    assert lines and all(line.startswith("error: ") for line in lines)
    assert "Traceback" not in err


def test_missing_file_and_bad_override_path_are_one_line_errors(tmp_path, capsys):
    assert main([str(tmp_path / "nowhere.toml")]) == 2
    assert capsys.readouterr().err.strip().endswith("no such file")
    assert main(["--set", "touchpoints.delivery.promise.tmie=60", "--horizon", "1d"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "did you mean 'time'" in err
