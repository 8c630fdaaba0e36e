"""Scenario files: loading, saving, durations, overrides and the quality of error messages.

Requirement under test: validation errors name the field path, the bad value and what is
allowed; unknown keys are errors with a did-you-mean suggestion; durations accept hours or
unit strings; bad input never gives a traceback from deep inside nor silently wrong numbers.


"""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim import Scenario, ScenarioError, examples
from sim.cli import main
from sim.units import DurationError, parse_duration

PIZZA_PATH = examples.path_of("pizza")
PIZZA_TEXT = PIZZA_PATH.read_text(encoding="utf-8")

# A small scenario in the default time unit (hours), for files written from scratch.
MINIMAL = """\
name = "shop"

[[resources]]
name = "clerk"
capacity = 2

[[touchpoints]]
name = "checkout"
stages = [{ resource = "clerk", duration = 2 }]
promise = { time = 3 }
"""


def write(tmp_path, text: str, name: str = "scenario.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def edited_pizza(tmp_path, old: str, new: str):
    """Write pizza.toml with ``old`` replaced by ``new`` (``old`` must occur exactly once)."""
    assert PIZZA_TEXT.count(old) == 1, f"test setup: {old!r} not found once in pizza.toml"
    return write(tmp_path, PIZZA_TEXT.replace(old, new), "pizza_edited.toml")


def load_error(path) -> ScenarioError:
    """Load ``path``, expecting a ScenarioError (and nothing else), and return it."""
    with pytest.raises(ScenarioError) as info:
        Scenario.load(path)
    error = info.value
    assert type(error) is ScenarioError
    assert isinstance(error, ValueError)
    assert "Traceback" not in str(error)
    assert error.problems, "a ScenarioError must list at least one problem"
    return error


def problem_at(error: ScenarioError, path: str) -> str:
    """The one problem line reported for field ``path`` (``path: value — allowed``)."""
    lines = [p for p in error.problems if p.startswith(f"{path}:")]
    assert lines, f"no problem reported for {path!r}; got {error.problems}"
    return lines[0]


# --------------------------------------------------------------------------- load / save
def test_pizza_loads(pizza):
    assert pizza.name == "pizza"
    assert [tp.name for tp in pizza.touchpoints] == ["website", "order", "delivery"]
    assert [r.name for r in pizza.resources] == ["kitchen", "driver", "support"]
    assert pizza.resource("driver").capacity == 11
    assert pizza.time_unit == "min"
    assert "pizza" in examples.names()
    assert Scenario.load(PIZZA_PATH) == pizza


def test_save_then_load_round_trips(pizza, tmp_path):
    target = tmp_path / "copy.toml"
    pizza.save(target)
    again = Scenario.load(target)
    assert again == pizza
    assert again.fingerprint == pizza.fingerprint
    assert again.to_dict() == pizza.to_dict()
    # saving the reloaded copy gives the same file
    second = tmp_path / "copy2.toml"
    again.save(second)
    assert second.read_text(encoding="utf-8") == target.read_text(encoding="utf-8")


def test_saved_file_keeps_unit_strings_as_written(pizza, tmp_path):
    target = tmp_path / "copy.toml"
    pizza.save(target)
    text = target.read_text(encoding="utf-8")
    assert 'horizon = "180 d"' in text
    assert 'patience = "1 d"' in text
    assert 'interval = "10 d"' in text
    assert 'time_unit = "min"' in text
    # bare numbers stay bare numbers in the file's unit, not converted to hours
    assert "time = 30" in text  # promise.time = 30 (min), not 0.5 (h)
    assert "delay = 20" in text


def test_saved_override_keeps_its_unit_string(pizza, tmp_path):
    slower = pizza.replace({"touchpoints.delivery.promise.time": "60 min"})
    target = tmp_path / "slower.toml"
    slower.save(target)
    assert '"60 min"' in target.read_text(encoding="utf-8")
    again = Scenario.load(target)
    assert again == slower
    assert again.fingerprint == slower.fingerprint
    assert again.touchpoint("delivery").promise.time.value == pytest.approx(1.0)


def test_fingerprint_depends_on_content(pizza):
    assert pizza.fingerprint == examples.load("pizza").fingerprint
    assert len(pizza.fingerprint) == 12
    changed = pizza.replace({"resources.driver.capacity": 6})
    assert changed.fingerprint != pizza.fingerprint


def test_from_dict_does_not_alias_its_input(pizza):
    data = pizza.to_dict()
    built = Scenario.from_dict(data)
    before = built.fingerprint
    data["resources"][1]["capacity"] = 99
    data["name"] = "mutated"
    assert built.fingerprint == before
    assert built.resource("driver").capacity == 11
    # to_dict hands out a copy too
    pizza.to_dict()["resources"][1]["capacity"] = 99
    assert pizza.resource("driver").capacity == 11
    assert pizza.to_dict()["resources"][1]["capacity"] == 11


# --------------------------------------------------------------------------- durations
@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("45 min", 0.75),
        ("3 d", 72.0),
        ("90 s", 0.025),
        ("2 h", 2.0),
        ("1 wk", 168.0),
        ("45min", 0.75),
        (" 1.5 d ", 36.0),
        ("30 MIN", 0.5),
    ],
)
def test_parse_duration_unit_strings(text, hours):
    assert parse_duration(text) == pytest.approx(hours)


def test_parse_duration_bare_numbers_use_the_default_unit():
    assert parse_duration(2) == 2.0
    assert parse_duration(30, "min") == pytest.approx(0.5)
    assert parse_duration(3, "d") == pytest.approx(72.0)
    # a unit string ignores the default unit
    assert parse_duration("45 min", "d") == pytest.approx(0.75)


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("45 parsecs", "unknown unit 'parsecs'"),
        ("soon", "'45 min'"),
        (True, "not a duration"),
        ([1], "not a duration"),
    ],
)
def test_parse_duration_rejects_non_durations(value, fragment):
    with pytest.raises(DurationError) as info:
        parse_duration(value)
    assert fragment in str(info.value)
    assert isinstance(info.value, ValueError)


def test_scenario_durations_are_converted_to_hours(pizza):
    delivery = pizza.touchpoint("delivery")
    assert delivery.promise.time.value == pytest.approx(0.5)  # 30, in minutes
    assert delivery.competitor.time == pytest.approx(0.5)
    assert delivery.norm.time == pytest.approx(40 / 60)
    assert delivery.failure.delay == pytest.approx(20 / 60)
    assert delivery.stages[0].duration.mean == pytest.approx(0.25)  # gamma mean 15 min
    assert pizza.horizon == pytest.approx(180 * 24)  # "180 d"
    assert pizza.complaints.patience == pytest.approx(24.0)  # "1 d"
    assert pizza.retention.interval == pytest.approx(240.0)  # "10 d"
    assert pizza.perception.jnd.time == pytest.approx(5 / 60)


def test_unit_strings_via_replace(pizza):
    changed = pizza.replace({"complaints.patience": "45 min", "retention.interval": "3 d"})
    assert changed.complaints.patience == pytest.approx(0.75)
    assert changed.retention.interval == pytest.approx(72.0)


def test_bare_numbers_in_overrides_use_the_scenario_time_unit(pizza):
    # pizza's time_unit is minutes: a bare 60 means 60 minutes, not 60 hours
    changed = pizza.replace({"touchpoints.delivery.promise.time": 60})
    assert changed.touchpoint("delivery").promise.time.value == pytest.approx(1.0)


def test_bare_numbers_default_to_hours(tmp_path):
    shop = Scenario.load(write(tmp_path, MINIMAL))
    assert shop.time_unit == "h"
    assert shop.touchpoint("checkout").stages[0].duration.mean == pytest.approx(2.0)
    assert shop.touchpoint("checkout").promise.time.value == pytest.approx(3.0)


def test_time_unit_days(tmp_path):
    shop = Scenario.load(write(tmp_path, 'time_unit = "d"\n' + MINIMAL))
    assert shop.touchpoint("checkout").stages[0].duration.mean == pytest.approx(48.0)


def test_bad_duration_unit_in_file(tmp_path):
    path = edited_pizza(tmp_path, 'patience = "1 d"', 'patience = "45 parsecs"')
    line = problem_at(load_error(path), "complaints.patience")
    assert "'45 parsecs'" in line
    assert "min" in line and " d" in line  # lists the units that are allowed


def test_non_duration_in_file(tmp_path):
    path = edited_pizza(tmp_path, 'interval = "10 d"', 'interval = "fortnightly"')
    line = problem_at(load_error(path), "retention.interval")
    assert "'fortnightly'" in line
    assert "'45 min'" in line  # shows what a duration looks like


def test_negative_duration_in_file(tmp_path):
    path = edited_pizza(tmp_path, 'patience = "1 d"', 'patience = "-1 d"')
    line = problem_at(load_error(path), "complaints.patience")
    assert "'-1 d'" in line
    assert "must be a positive duration" in line


# --------------------------------------------------------------------------- replace
def test_replace_by_name_and_by_index(pizza):
    by_name = pizza.replace({"resources.driver.capacity": 6})
    by_index = pizza.replace({"resources[1].capacity": 6})
    assert by_name.resource("driver").capacity == 6
    assert by_name == by_index
    assert by_name.fingerprint == by_index.fingerprint
    tp = pizza.replace({"touchpoints[2].importance": 2.0, "touchpoints.website.importance": 0.1})
    assert tp.touchpoint("delivery").importance == 2.0
    assert tp.touchpoint("website").importance == pytest.approx(0.1)


def test_replace_nested_into_distribution_tables(pizza):
    changed = pizza.replace(
        {
            "touchpoints.delivery.stages[0].duration.mean": 30,
            "touchpoints[2].stages[1].duration.cv": 0.5,
            "touchpoints.delivery.delivered.service.sd": 0.2,
        }
    )
    delivery = changed.touchpoint("delivery")
    assert delivery.stages[0].duration.mean == pytest.approx(0.5)  # 30 min
    assert delivery.stages[0].duration.cv == pytest.approx(0.4)  # untouched sibling
    assert delivery.stages[1].duration.cv == pytest.approx(0.5)
    assert delivery.delivered.service.sd == pytest.approx(0.2)


def test_replace_leaves_the_original_unchanged(pizza):
    before_dict, before_print = pizza.to_dict(), pizza.fingerprint
    changed = pizza.replace(
        {
            "resources.driver.capacity": 9,
            "touchpoints.delivery.stages[0].duration.mean": 30,
            "market.prospects_per_day": 1,
        }
    )
    assert changed != pizza
    assert pizza.resource("driver").capacity == 11
    assert pizza.touchpoint("delivery").stages[0].duration.mean == pytest.approx(0.25)
    assert pizza.market.prospects_per_day == 30
    assert pizza.to_dict() == before_dict
    assert pizza.fingerprint == before_print


def test_scenarios_are_frozen(pizza):
    with pytest.raises(dataclasses.FrozenInstanceError):
        pizza.name = "other"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        pizza.resource("driver").capacity = 9  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        pizza.market.prospects_per_day = 1  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        pizza.touchpoint("delivery").failure.probability = 1  # type: ignore[misc]
    assert isinstance(pizza.touchpoints, tuple)
    assert isinstance(pizza.resources, tuple)
    assert pizza.resource("driver").capacity == 11


@pytest.mark.parametrize(
    ("path", "fragments"),
    [
        ("touchpoints.delivry.promise.time", ["touchpoints.delivry", "did you mean 'delivery'"]),
        ("market.prospects_per_dy", ["prospects_per_dy", "did you mean 'prospects_per_day'"]),
        ("horizn", ["horizn", "did you mean 'horizon'"]),
        ("resources.drivr.capacity", ["resources.drivr", "did you mean 'driver'"]),
        ("touchpoints.delivery.failure.probabilty", ["probabilty", "did you mean 'probability'"]),
        ("touchpoints.delivery.promise.tme", ["'tme'", "did you mean 'time'"]),
        ("touchpoints[9].importance", ["touchpoints[9]", "there are 3"]),
        ("touchpoints.delivery", ["replace a field of touchpoints[2]"]),
        ("market.prospects_per_day.x", ["replace market.prospects_per_day as a whole"]),
        ("market[0].x", ["market is not a list"]),
        ("", ["empty override path"]),
    ],
)
def test_replace_unknown_paths_are_explained(pizza, path, fragments):
    with pytest.raises(ScenarioError) as info:
        pizza.replace({path: 1})
    message = str(info.value)
    assert "overrides" in message
    for fragment in fragments:
        assert fragment in message, message


def test_replace_reports_every_bad_path(pizza):
    with pytest.raises(ScenarioError) as info:
        pizza.replace({"market.prospects_per_dy": 1, "touchpoints.delivry.importance": 1})
    problems = info.value.problems
    assert len(problems) == 2
    assert any("prospects_per_day" in p for p in problems)
    assert any("'delivery'" in p for p in problems)


@pytest.mark.parametrize(
    ("overrides", "path", "fragments"),
    [
        (
            {"resources.driver.capacity": -1},
            "resources[1].capacity",
            ["-1", "must be a positive integer"],
        ),
        (
            {"resources.driver.capacity": 2.5},
            "resources[1].capacity",
            ["2.5", "must be a positive integer"],
        ),
        (
            {"touchpoints.delivery.failure.probability": 1.5},
            "touchpoints[2].failure.probability",
            ["1.5", "between 0 and 1"],
        ),
        ({"complaints.patience": "45 parsecs"}, "complaints.patience", ["'45 parsecs'", "min"]),
        (
            {"touchpoints.delivery.promise.time": {"policy": "quantile", "q": 1}},
            "touchpoints[2].promise.time.q",
            ["1", "strictly between 0 and 1"],
        ),
        ({"market.population": -5}, "market.population", ["-5", "integer ≥ 0"]),
        ({"time_unit": "minutes"}, "time_unit", ["'minutes'", "s, min, h, d"]),
    ],
)
def test_replace_rejects_out_of_range_values(pizza, overrides, path, fragments):
    with pytest.raises(ScenarioError) as info:
        pizza.replace(overrides)
    line = problem_at(info.value, path)
    for fragment in fragments:
        assert fragment in line, line


def test_replace_reports_every_bad_value(pizza):
    with pytest.raises(ScenarioError) as info:
        pizza.replace(
            {
                "resources.driver.capacity": 0,
                "touchpoints.delivery.failure.probability": 2,
            }
        )
    assert problem_at(info.value, "resources[1].capacity")
    assert problem_at(info.value, "touchpoints[2].failure.probability")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(min_value=1, max_value=10**9))
def test_any_positive_capacity_is_accepted(n):
    changed = examples.load("pizza").replace({"resources.driver.capacity": n})
    assert changed.resource("driver").capacity == n
    assert isinstance(changed.resource("driver").capacity, int)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(max_value=0, min_value=-(10**9)))
def test_any_non_positive_capacity_is_rejected(n):
    with pytest.raises(ScenarioError) as info:
        examples.load("pizza").replace({"resources.driver.capacity": n})
    assert info.value.problems == [f"resources[1].capacity: {n} — must be a positive integer"]


# --------------------------------------------------------------------------- malformed files
def test_not_valid_toml_names_the_file(tmp_path):
    path = write(tmp_path, 'name = "pizza\n[[touchpoints]\n', "broken.toml")
    error = load_error(path)
    assert error.problems[0].startswith("not valid TOML")
    assert "line 1" in error.problems[0]
    assert str(path) in str(error)


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere.toml"
    error = load_error(path)
    assert str(path) in str(error)
    assert "no such file" in str(error)


# (old text in pizza.toml, new text, field path, fragments of that problem line)
BAD_FILES = {
    "negative capacity": (
        "capacity = 11",
        "capacity = -1",
        "resources[1].capacity",
        ["resources[1].capacity: -1 — must be a positive integer"],
    ),
    "zero capacity": (
        "capacity = 11",
        "capacity = 0",
        "resources[1].capacity",
        ["resources[1].capacity: 0 — must be a positive integer"],
    ),
    "fractional capacity": (
        "capacity = 11",
        "capacity = 2.5",
        "resources[1].capacity",
        ["2.5", "must be a positive integer"],
    ),
    "text capacity": (
        "capacity = 11",
        'capacity = "five"',
        "resources[1].capacity",
        ["'five'", "must be a positive integer"],
    ),
    "probability above 1": (
        "probability = 0.04",
        "probability = 1.5",
        "touchpoints[2].failure.probability",
        ["1.5", "must be a number between 0 and 1"],
    ),
    "unknown top-level key": (
        'horizon = "180 d"',
        'horizn = "180 d"',
        "horizn",
        ["unknown field", "did you mean 'horizon'?", "allowed:"],
    ),
    "unknown key in a table": (
        "prospects_per_day = 30",
        "prospects_per_dy = 30",
        "market.prospects_per_dy",
        ["unknown field", "did you mean 'prospects_per_day'?"],
    ),
    "unknown key in a touchpoint": (
        "importance = 1.5",
        "importanse = 1.5",
        "touchpoints[2].importanse",
        ["unknown field", "did you mean 'importance'?"],
    ),
    "stage uses a missing resource": (
        '{ resource = "driver"',
        '{ resource = "drivr"',
        "touchpoints[2].stages[1].resource",
        ["'drivr'", "not a resource", "did you mean 'driver'?", "kitchen, driver, support"],
    ),
    "complaints use a missing resource": (
        'resource = "support"',
        'resource = "suport"',
        "complaints.resource",
        ["'suport'", "not a resource", "did you mean 'support'?"],
    ),
    "routes do not sum to 1": (
        "importance = 0.5\n",
        "importance = 0.5\nroutes = { order = 0.5, delivery = 0.3 }\n",
        "touchpoints[0].routes",
        ["sum to 0.8", "must sum to 1"],
    ),
    "route to an unknown touchpoint": (
        "importance = 0.5\n",
        "importance = 0.5\nroutes = { ordr = 1.0 }\n",
        "touchpoints[0].routes.ordr",
        ["'ordr'", "not a touchpoint", "did you mean 'order'?"],
    ),
    "route probability above 1": (
        "importance = 0.5\n",
        "importance = 0.5\nroutes = { order = 1.5 }\n",
        "touchpoints[0].routes.order",
        ["1.5", "between 0 and 1"],
    ),
    "route backwards": (
        "importance = 1.5\n",
        "importance = 1.5\nroutes = { website = 1.0 }\n",
        "touchpoints[2].routes.website",
        ["no loops"],
    ),
    "promise on a dimension not delivered": (
        "promise = { cost = 299 }",
        "promise = { cost = 299, time = 30 }",
        "touchpoints[1].promise.time",
        ["'order' delivers no time", "add stages or remove it"],
    ),
    "unknown distribution": (
        'dist = "gamma"',
        'dist = "gama"',
        "touchpoints[2].stages[0].duration.dist",
        ["'gama'", "must be one of", "lognormal", "did you mean 'gamma'?"],
    ),
    "missing distribution parameter": (
        'dist = "gamma", mean = 15, cv = 0.4',
        'dist = "gamma", mean = 15',
        "touchpoints[2].stages[0].duration.cv",
        [": missing", "gamma needs mean, cv"],
    ),
    "extra distribution parameter": (
        'dist = "gamma", mean = 15, cv = 0.4',
        'dist = "gamma", mean = 15, cv = 0.4, sd = 2',
        "touchpoints[2].stages[0].duration.sd",
        ["not a parameter of gamma", "use mean, cv"],
    ),
    "duplicate touchpoint names": (
        'name = "order"',
        'name = "delivery"',
        "touchpoints",
        ["'delivery'", "names must be unique"],
    ),
    "quantile promise q = 1": (
        "promise = { time = 30 }",
        'promise = { time = { policy = "quantile", q = 1 } }',
        "touchpoints[2].promise.time.q",
        ["1", "strictly between 0 and 1"],
    ),
    "quantile promise q > 1": (
        "promise = { time = 30 }",
        'promise = { time = { policy = "quantile", q = 1.5 } }',
        "touchpoints[2].promise.time.q",
        ["1.5", "between 0 and 1"],
    ),
    "unknown promise policy": (
        "promise = { time = 30 }",
        'promise = { time = { policy = "quantil", q = 0.9 } }',
        "touchpoints[2].promise.time.policy",
        ["'quantil'", "did you mean 'quantile'?"],
    ),
    "service norm above 5": (
        "norm = { time = 40, service = 3.8 }",
        "norm = { time = 40, service = 6 }",
        "touchpoints[2].norm.service",
        ["6", "must be a number between 1 and 5"],
    ),
    "service delivered below 1": (
        'delivered = { service = { dist = "normal", mean = 4.0, sd = 0.6 } }',
        "delivered = { service = 0.5 }",
        "touchpoints[2].delivered.service",
        ["0.5", "must be a number between 1 and 5"],
    ),
    "service promise above 5": (
        "promise = { time = 30 }",
        "promise = { time = 30, service = 7 }",
        "touchpoints[2].promise.service",
        ["7", "between 1 and 5"],
    ),
    "normal with low >= high": (
        "mean = 4.0, sd = 0.6 }",
        "mean = 4.0, sd = 0.6, low = 4.5, high = 3 }",
        "touchpoints[2].delivered.service.high",
        ["3", "must be above low"],
    ),
    "unknown dimension": (
        "norm = { time = 40, service = 3.8 }",
        "norm = { time = 40, servce = 3.8 }",
        "touchpoints[2].norm.servce",
        ["unknown dimension", "did you mean 'service'?"],
    ),
    "bad time unit": (
        'time_unit = "min"',
        'time_unit = "minutes"',
        "time_unit",
        ["'minutes'", "must be one of s, min, h, d"],
    ),
    "boolean for a number": (
        "population = 6000",
        "population = true",
        "market.population",
        ["True", "must be an integer ≥ 0"],
    ),
    "table expected": (
        'time_unit = "min"',
        'time_unit = "min"\ntrust = "high"',
        "trust",
        ["'high'", "must be a table"],
    ),
    "unused resource": (
        '[[resources]]\nname = "support"',
        '[[resources]]\nname = "spare"\ncapacity = 1\n[[resources]]\nname = "support"',
        "resources.spare",
        ["never used"],
    ),
}


@pytest.mark.parametrize(
    ("old", "new", "path", "fragments"), BAD_FILES.values(), ids=BAD_FILES.keys()
)
def test_malformed_file_names_field_value_and_fix(tmp_path, old, new, path, fragments):
    file = edited_pizza(tmp_path, old, new)
    error = load_error(file)
    line = problem_at(error, path)
    for fragment in fragments:
        assert fragment in line, line
    assert str(file) in str(error)  # the summary names the file


@pytest.mark.parametrize(
    ("text", "path", "fragment"),
    [
        ('name = "shop"\ntouchpoints = []\n', "touchpoints", "needs at least one touchpoint"),
        ('name = "shop"\n', "touchpoints", "is required"),
        ("", "touchpoints", "is required"),
        ('touchpoints = "checkout"\n', "touchpoints", "must be a list of tables"),
        ("touchpoints = [1]\n", "touchpoints[0]", "must be a table"),
        (
            '[[touchpoints]]\nname = "t"\nstages = [{ resource = "" }]\n',
            "touchpoints[0].stages[0].duration",
            "is required",
        ),
        ('[[touchpoints]]\nname = "t"\n', "touchpoints[0]", "delivers nothing"),
    ],
)
def test_empty_or_shapeless_journeys(tmp_path, text, path, fragment):
    line = problem_at(load_error(write(tmp_path, text)), path)
    assert fragment in line, line


def test_all_problems_in_one_file_are_reported_together(tmp_path):
    text = (
        PIZZA_TEXT.replace("capacity = 11", "capacity = -1")
        .replace("probability = 0.04", "probability = 1.5")
        .replace("prospects_per_day = 30", "prospects_per_dy = 30")
        .replace('patience = "1 d"', 'patience = "45 parsecs"')
        .replace('dist = "gamma"', 'dist = "gama"')
    )
    path = write(tmp_path, text)
    error = load_error(path)
    assert "resources[1].capacity: -1 — must be a positive integer" in error.problems
    assert problem_at(error, "touchpoints[2].failure.probability")
    assert problem_at(error, "market.prospects_per_dy")
    assert problem_at(error, "complaints.patience")
    assert problem_at(error, "touchpoints[2].stages[0].duration.dist")
    assert str(error).startswith(f"{len(error.problems)} problem(s) in {path}:")
    for problem in error.problems:
        assert f"  - {problem}" in str(error)


def test_scenario_error_is_a_value_error():
    assert issubclass(ScenarioError, ValueError)
    assert sim.ScenarioError is ScenarioError
    error = ScenarioError(["a: 1 — must be 2", "b: 3 — must be 4"], "x.toml")
    assert error.problems == ["a: 1 — must be 2", "b: 3 — must be 4"]
    assert str(error) == "2 problem(s) in x.toml:\n  - a: 1 — must be 2\n  - b: 3 — must be 4"


def test_from_dict_rejects_a_non_table():
    with pytest.raises(ScenarioError) as info:
        Scenario.from_dict([1, 2])  # type: ignore[arg-type]
    assert info.value.problems == ["scenario: [1, 2] — must be a table"]


def test_long_values_are_shortened_in_messages(tmp_path):
    path = edited_pizza(tmp_path, 'name = "kitchen"', f'name = "kitchen"\nbogus = "{"x" * 200}"')
    line = problem_at(load_error(path), "resources[0].bogus")
    assert len(line) < 400


# A grab-bag of wrongly typed TOML values in many places: each must give a ScenarioError.
WRONG_TYPES = [
    ('horizon = "180 d"', "horizon = 1979-05-27T07:32:00Z"),
    ('horizon = "180 d"', "horizon = [1, 2]"),
    ('horizon = "180 d"', "horizon = { d = 180 }"),
    ('name = "pizza"', "name = 3"),
    ("capacity = 11", "capacity = [5]"),
    ("population = 6000", "population = 6000.5"),
    ("promise = { time = 30 }", 'promise = "soon"'),
    ("promise = { time = 30 }", "promise = { time = [30] }"),
    ("promise = { time = 30 }", 'promise = { time = { policy = "fixed" } }'),
    ('stages = [{ duration = { dist = "lognormal", mean = 3, cv = 0.5 } }]', "stages = 3"),
    (
        'stages = [{ duration = { dist = "lognormal", mean = 3, cv = 0.5 } }]',
        'stages = [{ duration = { dist = "lognormal", mean = 3, cv = -0.5 } }]',
    ),
    ("importance = 1.5", "importance = nan"),
    ("importance = 1.5", 'importance = "high"'),
    ("jnd = { time = 5, cost = 15, service = 0.5 }", "jnd = 5"),
    ("[market]", "market = 1\n[not_market]"),
]


@pytest.mark.parametrize(("old", "new"), WRONG_TYPES, ids=[new for _, new in WRONG_TYPES])
def test_wrong_types_give_scenario_errors_not_tracebacks(tmp_path, old, new):
    load_error(edited_pizza(tmp_path, old, new))


# --------------------------------------------------------------------------- examples / CLI
def test_unknown_example_suggests_the_right_name():
    with pytest.raises(ScenarioError) as info:
        examples.load("pizz")
    message = str(info.value)
    assert "'pizz'" in message
    assert "did you mean 'pizza'?" in message


def test_cli_check_bad_file_returns_2_and_prints_the_problem(tmp_path, capsys):
    bad = edited_pizza(tmp_path, "capacity = 11", "capacity = -1")
    assert main(["check", str(bad)]) == 2
    out, err = capsys.readouterr()
    assert "resources[1].capacity: -1 — must be a positive integer" in err
    assert str(bad) in err
    assert "Traceback" not in err
    assert "✓" not in out


def test_cli_check_pizza_returns_0(capsys):
    assert main(["check", "pizza"]) == 0
    out, err = capsys.readouterr()
    assert "pizza" in out
    assert "website → order → delivery" in out
    assert err == ""


def test_cli_check_reports_each_file(tmp_path, capsys):
    bad = edited_pizza(tmp_path, "probability = 0.04", "probability = 1.5")
    assert main(["check", "pizza", str(bad), "pizz"]) == 2
    out, err = capsys.readouterr()
    assert "✓ pizza" in out
    assert "touchpoints[2].failure.probability: 1.5" in err
    assert "did you mean 'pizza'?" in err


def test_cli_run_with_bad_file_returns_2_without_traceback(tmp_path, capsys):
    bad = edited_pizza(tmp_path, "capacity = 11", "capacity = -1")
    assert main([str(bad)]) == 2
    out, err = capsys.readouterr()
    assert err.startswith("error:")
    assert "resources[1].capacity: -1 — must be a positive integer" in err
    assert "Traceback" not in err
    assert out == ""


def test_cli_run_with_invalid_toml_and_bad_horizon(tmp_path, capsys):
    broken = write(tmp_path, "name = \n", "broken.toml")
    assert main([str(broken)]) == 2
    assert "not valid TOML" in capsys.readouterr().err
    assert main(["pizza", "--horizon", "3 parsecs"]) == 2
    err = capsys.readouterr().err
    assert "--horizon" in err and "parsecs" in err
    assert main(["pizza", "--horizon", "-5"]) == 2
    assert "must be a positive duration" in capsys.readouterr().err


# --------------------------------------------------------------------------- known bugs
def test_non_utf8_file_gives_scenario_error(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes(PIZZA_TEXT.replace("THB", "B\xe4ht").encode("latin-1"))
    error = load_error(path)
    assert str(path) in str(error)


def test_cli_check_non_utf8_file_returns_2(tmp_path, capsys):
    path = tmp_path / "latin1.toml"
    path.write_bytes(PIZZA_TEXT.replace("THB", "B\xe4ht").encode("latin-1"))
    assert main(["check", str(path)]) == 2
    assert str(path) in capsys.readouterr().err


def test_directory_instead_of_file_gives_scenario_error(tmp_path):
    folder = tmp_path / "scenarios.toml"
    folder.mkdir()
    load_error(folder)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('dist = "gamma"', 'dist = ["gamma"]'),
        ('dist = "gamma"', 'dist = { name = "gamma" }'),
        ("promise = { time = 30 }", 'promise = { time = { policy = ["quantile"], q = 0.9 } }'),
    ],
    ids=["dist array", "dist table", "policy array"],
)
def test_unhashable_dist_or_policy_gives_scenario_error(tmp_path, old, new):
    load_error(edited_pizza(tmp_path, old, new))


def test_fixed_policy_service_promise_outside_scale_is_rejected(tmp_path):
    path = edited_pizza(
        tmp_path,
        "promise = { time = 30 }",
        'promise = { time = 30, service = { policy = "fixed", value = 7 } }',
    )
    line = problem_at(load_error(path), "touchpoints[2].promise.service.value")
    assert "between 1 and 5" in line


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ('horizon = "180 d"', "horizon = inf"),
        ("prospects_per_day = 30", "prospects_per_day = inf"),
        ('dist = "gamma", mean = 15, cv = 0.4', 'dist = "normal", mean = inf, sd = 5'),
    ],
    ids=["horizon", "prospects_per_day", "normal mean"],
)
def test_infinite_values_are_rejected(tmp_path, old, new):
    load_error(edited_pizza(tmp_path, old, new))


def test_infinite_mean_is_rejected_not_turned_into_nan():
    with pytest.raises(ScenarioError, match="mean"):
        examples.load("pizza").replace(
            {
                "touchpoints.delivery.stages[0].duration": {
                    "dist": "normal",
                    "mean": math.inf,
                    "sd": 5,
                }
            }
        )


@pytest.mark.parametrize(
    ("old", "new", "path", "shown"),
    [
        (
            '{ dist = "lognormal", mean = 3, cv = 0.5 }',
            '{ dist = "uniform", low = 5, high = 2 }',
            "touchpoints[0].stages[0].duration.high",
            ": 2 —",
        ),
        (
            "promise = { cost = 299 }",
            "promise = { cost = 299, time = 30 }",
            "touchpoints[1].promise.time",
            ": 30 —",
        ),
    ],
    ids=["uniform high", "promise on undelivered dimension"],
)
def test_messages_show_the_value_as_written(tmp_path, old, new, path, shown):
    line = problem_at(load_error(edited_pizza(tmp_path, old, new)), path)
    assert shown in line, line


@pytest.mark.parametrize(
    ("old", "new", "path"),
    [
        ("mean = 3, cv = 0.5", "mean = 3", "touchpoints[0].stages[0].duration.cv"),
        ("mean = 15, cv = 0.4", "mean = -15, cv = 0.4", "touchpoints[2].stages[0].duration.mean"),
    ],
    ids=["website missing cv", "kitchen stage negative mean"],
)
def test_one_bad_stage_gives_one_problem(tmp_path, old, new, path):
    error = load_error(edited_pizza(tmp_path, old, new))
    assert problem_at(error, path)
    assert error.problems == [problem_at(error, path)], error.problems


def test_a_partial_jnd_table_keeps_the_other_defaults():
    """Found by the field validation: jnd = {time = ...} alone left cost and service missing,
    so every gap was NaN and the run silently produced NaN satisfaction."""
    scenario = examples.load("pizza").replace({"perception.jnd": {"time": "5 min"}})
    assert scenario.perception.jnd.service == 0.5 and scenario.perception.jnd.cost == 10.0
    result = sim.run(scenario, seed=1, horizon="5 d")
    assert math.isfinite(result.kpis["satisfaction_mean"])


def test_a_scenario_error_survives_pickling_from_a_worker_process():
    import pickle

    error = ScenarioError(["market.population: -1 — an integer ≥ 0"], "pizza.toml")
    back = pickle.loads(pickle.dumps(error))
    assert back.problems == error.problems and back.source == "pizza.toml"
    assert str(back) == str(error)
