"""Hostile scenarios, round 2: every problem is a ``ScenarioError`` line naming the field and
the fix — never a traceback, a hang, a crash later in the run, or another scenario's numbers.

* the fingerprint is exactly what a run depends on, in the order it depends on it;
* scenarios whose every field is valid but that cannot run are refused by ``check``;
* all problems at once: cross-field checks run alongside field errors;
* cross-field checks are linear (60,000 resources);
* files: pipes, devices, huge, deeply nested and BOM-prefixed files;
* durations and numbers that are not finite, or integers of hundreds of digits.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import math
import os
import re
import subprocess
import sys
import threading
import warnings

import pytest

import sim
from sim import Scenario, ScenarioError, examples
from sim.cli import main
from sim.distributions import Distribution
from sim.scenario import MAX_FILE_BYTES, ByDimension
from sim.units import DurationError, parse_duration

PIZZA_TEXT = examples.path_of("pizza").read_text(encoding="utf-8")

#: A scenario that sets as little as it can: two queues and one touchpoint, all else default.
DEFAULTS = {
    "touchpoints": [
        {
            "name": "visit",
            "stages": [{"duration": 1, "resource": "clerk"}, {"duration": 0.5, "resource": "till"}],
        }
    ],
    "resources": [{"name": "clerk"}, {"name": "till"}],
}


def scenario_error(load) -> ScenarioError:
    """Run ``load()``, expecting a ScenarioError (and nothing else), and return it."""
    with pytest.raises(ScenarioError) as info:
        load()
    assert type(info.value) is ScenarioError and info.value.problems
    return info.value


def problem_at(error: ScenarioError, path: str, *fragments: str) -> str:
    """The problem line for field ``path``, checked to contain every fragment."""
    lines = [p for p in error.problems if p.startswith(f"{path}:")]
    assert lines, f"no problem at {path!r}; got {error.problems}"
    for fragment in fragments:
        assert fragment in lines[0], f"{fragment!r} missing from {lines[0]!r}"
    return lines[0]


def edited_pizza(tmp_path, *edits: tuple[str, str]):
    text = PIZZA_TEXT
    for old, new in edits:
        assert text.count(old) == 1, f"test setup: {old!r} not found once in pizza.toml"
        text = text.replace(old, new)
    path = tmp_path / "edited.toml"
    path.write_text(text, encoding="utf-8")
    return path


def pizza_error(tmp_path, *edits: tuple[str, str]) -> ScenarioError:
    return scenario_error(lambda: Scenario.load(edited_pizza(tmp_path, *edits)))


# --------------------------------------------------------------------------- 1. fingerprint
# Parameters of each distribution as written in a file, and the attribute holding each.
PARAMETERS = {
    "exponential": {"mean": "mean_value"},
    "lognormal": {"mean": "mean_value", "cv": "cv"},
    "gamma": {"mean": "mean_value", "cv": "cv"},
    "normal": {"mean": "mu", "sd": "sd", "low": "lo", "high": "hi"},
    "uniform": {"low": "lo", "high": "hi"},
    "triangular": {"low": "lo", "mode": "mode", "high": "hi"},
}


def leaves(node, path=""):
    """(override path, value, choices) of every leaf field of a validated scenario, as
    :meth:`Scenario.replace` addresses them: distribution parameters, each dimension of a
    per-dimension table the touchpoint can take, empty lists as leaves of their own."""
    for f in dataclasses.fields(node):
        spec = f.metadata.get("spec")
        if spec is None:
            continue
        value, where = getattr(node, f.name), f"{path}{f.name}"
        is_table = dataclasses.is_dataclass(value) and not isinstance(
            value, ByDimension | Distribution
        )
        if is_table:
            yield from leaves(value, where + ".")
        elif isinstance(value, tuple) and value and dataclasses.is_dataclass(value[0]):
            for index, item in enumerate(value):
                yield from leaves(item, f"{where}[{index}].")
        elif isinstance(value, ByDimension):
            dims = ("cost", "service") if f.name == "delivered" else ("time", "cost", "service")
            if f.name in ("promise", "norm", "competitor", "weight"):
                dims = node.dimensions()
            for dim in dims:
                yield from leaf(f"{where}.{dim}", getattr(value, dim))
        else:
            yield from leaf(where, value, getattr(spec, "choices", ()))


def leaf(path, value, choices=()):
    """The leaf, and the parameters of a distribution given as a table."""
    yield path, value, choices
    for key, attribute in PARAMETERS.get(getattr(value, "kind", None), {}).items():
        yield f"{path}.{key}", getattr(value, attribute), ()


def numbers(value):
    """Other numbers near ``value``, in the order to try them (bounds vary by field)."""
    if type(value) is int:
        return [value + 1, value - 1]
    return [value * 1.1 + 0.01, value * 0.9, value - 0.01, 0.5, 3.0]


def _calendar_perturbations(scenario: Scenario, path: str, value) -> list | None:
    """Other valid values of a calendar leaf (None: the general rules apply). Shifts must
    tile the opening hours, so some leaves move together with their neighbours."""
    last = path.rsplit(".", 1)[-1]
    calendar = scenario.calendar
    if last in ("hours", "days", "daily") and not isinstance(value, str):
        n = {"hours": 24, "days": 7, "daily": 3}[last]
        return [{path: [1.0] * (n - 1) + [top]} for top in (2.0, 3.0)]
    if last == "week":  # instead of hours and days
        return [{path: [[1.0] * 23 + [2.0]] * 7, "calendar.hours": [], "calendar.days": []}]
    if last == "days":  # a shift's or an opening's weekdays: close on Sundays everywhere
        closed = {f"calendar.shifts[{i}].days": "mon-sat" for i in range(len(calendar.shifts))}
        closed |= {f"calendar.opening[{i}].days": "mon-sat" for i in range(len(calendar.opening))}
        return [{path: "tue-sun"}, closed]
    if last in ("start", "end"):  # an hour earlier or later, with the neighbour it meets
        hour, minutes = int(value[:2]), value[3:]
        owner = path.rsplit(".", 1)[0]
        other = "end" if last == "start" else "start"
        items = calendar.shifts if owner.startswith("calendar.shifts") else calendar.opening
        group = owner.split("[")[0]
        key = "resource" if group == "calendar.shifts" else "touchpoint"
        this = getattr(_item(scenario, owner), key)
        neighbours = [
            f"{group}[{i}].{other}"
            for i, item in enumerate(items)
            if getattr(item, key) == this and getattr(item, other) == value
        ]
        tries = []
        for step in (-1, 1):
            moved = f"{(hour + step) % 24:02d}:{minutes}"
            tries.append({path: moved})
            tries += [{path: moved, neighbour: moved} for neighbour in neighbours]
        return tries
    if last == "capacity":  # a shift's servers (none: the resource's capacity)
        return [{path: n} for n in (3, 4, 9, 12) if n != value]
    if last == "touchpoint":  # another touchpoint, or swap with another opening
        swaps = [
            {path: opening.touchpoint, f"calendar.opening[{i}].touchpoint": value}
            for i, opening in enumerate(calendar.opening)
            if opening.touchpoint != value
        ]
        return [{path: tp.name} for tp in scenario.touchpoints if tp.name != value] + swaps
    if last == "shifts" and scenario.resources:  # none yet: one round the clock
        name = scenario.resources[0].name
        return [{path: [{"resource": name, "start": "00:00", "end": "24:00", "capacity": 2}]}]
    if last == "opening":  # none yet: the first touchpoint opens by day
        name = scenario.touchpoints[0].name
        return [{path: [{"touchpoint": name, "start": "08:00", "end": "20:00"}]}]
    return None


def _item(scenario: Scenario, path: str):
    """The shift or opening at ``path`` ("calendar.shifts[2]")."""
    group, index = path.rstrip("]").split("[")
    return getattr(scenario.calendar, group.split(".")[1])[int(index)]


def perturbations(scenario: Scenario, path: str, value, choices):
    """Override tables that give the leaf at ``path`` another valid value, to try in order."""
    if path.startswith("calendar") and not choices:
        tries = _calendar_perturbations(scenario, path, value)
        if tries is not None:
            return tries
    references = [p for p, v, _ in leaves(scenario) if p.endswith("resource") and v]
    last = path.rsplit(".", 1)[-1]
    if path.startswith("resources") and last == "name":  # rename with every reference
        renamed = {path: value + "_2"}
        renamed.update({p: value + "_2" for p in references if _at(scenario, p) == value})
        return [renamed]
    if path.startswith("touchpoints") and last == "name":  # rename with its opening hours
        renamed = {path: value + "_2"}
        for i, opening in enumerate(scenario.calendar.opening):
            if opening.touchpoint == value:
                renamed[f"calendar.opening[{i}].touchpoint"] = value + "_2"
        return [renamed]
    if path == "uncertainties":  # ranges for robustness studies
        return [{path: {"wom.reach": [0.2, 1.0]}}]
    if last in ("name", "description", "currency"):
        return [{path: value + "_2"}]
    if last == "resource":  # another queue, or swap queues with another reference
        others = [{path: r.name} for r in scenario.resources if r.name != value]
        swaps = [
            {path: _at(scenario, p), p: value}
            for p in references
            if p != path and _at(scenario, p) != value
        ]
        return others + swaps
    if path == "overdelivery.touchpoint":
        return [{path: tp.name} for tp in scenario.touchpoints]
    if last == "share" and path.startswith("segments"):  # keep the shares summing to 1
        other = path.replace("[0]", "[1]") if "[0]" in path else path.replace("[1]", "[0]")
        return [{path: value - 0.1, other: _at(scenario, other) + 0.1}]
    if last == "routes":
        k = int(path.split("[")[1].split("]")[0])
        if value:
            return [{path: dict(reversed(value))}]
        if k + 1 < len(scenario.touchpoints):
            return [{path: {scenario.touchpoints[k + 1].name: 0.5, "end": 0.5}}]
        return [{path: {"end": 1.0}}]
    if last == "stages":
        return [{path: [{"duration": 1.0}]}]
    if last == "segments":
        return [{path: [{"name": "all", "share": 1.0, "shock": 2.0}]}]
    if choices:
        return [{path: choice} for choice in choices if choice != value]
    if isinstance(value, bool):
        return [{path: not value}]
    if value is None:
        return [{path: 3.0}]
    if isinstance(value, Distribution):
        return [{path: value.mean * 1.1 + 0.01}]
    if hasattr(value, "as_table"):  # a fixed promise
        return [{path: number} for number in numbers(value.value)]
    others = [1e6] if isinstance(value, float) and math.isinf(value) else numbers(value)
    tries = [{path: number} for number in others]
    parent, _, key = path.rpartition(".")
    distribution = next((v for p, v, _ in leaves(scenario) if p == parent), None)
    if isinstance(distribution, Distribution):  # a default the file does not spell out
        table = {"dist": distribution.kind}
        for name, attribute in PARAMETERS[distribution.kind].items():
            if math.isfinite(getattr(distribution, attribute)):
                table[name] = getattr(distribution, attribute)
        tries += [{parent: table | {key: number}} for number in others]
    return tries


def _at(scenario: Scenario, path: str):
    return next(v for p, v, _ in leaves(scenario) if p == path)


SCENARIOS = {
    "pizza": lambda: examples.load("pizza"),
    "airline": lambda: examples.load("airline"),  # segments, four touchpoints
    "defaults": lambda: Scenario.from_dict(DEFAULTS),
}
#: The leaves that do not change a result: prose, and the ranges a robustness study may
#: vary (no run reads them; a study strips them from the scenario it runs).
NOT_HASHED = {"description", "uncertainties"}
#: Leaves with no other valid value in that scenario: the journey must start somewhere.
FIXED = {"touchpoints[0].only_after_failure"}


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_leaf_that_can_change_a_result_changes_the_fingerprint(name):
    base = SCENARIOS[name]()
    walked = list(leaves(base))
    reached = {path.split(".")[0].split("[")[0] for path, _, _ in walked}
    assert reached == {f.name for f in dataclasses.fields(Scenario) if f.metadata.get("spec")}
    unchanged, stuck = [], []
    for path, value, choices in walked:
        for overrides in perturbations(base, path, value, choices):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # a short horizon is fine here
                try:
                    changed = base.replace(overrides)
                except ScenarioError:
                    continue
            if changed == base:
                continue
            if changed.fingerprint == base.fingerprint:
                unchanged.append(path)
            break
        else:
            stuck.append(path)
    assert set(unchanged) == NOT_HASHED
    assert set(stuck) <= FIXED, f"no valid new value found for {stuck}"


def test_description_does_not_change_the_fingerprint_but_the_name_does():
    pizza = examples.load("pizza")
    assert pizza.replace({"description": "?"}).fingerprint == pizza.fingerprint
    assert pizza.replace({"name": "pizza2"}).fingerprint != pizza.fingerprint  # labels results


ROUTES = "importance = 0.5\n"


def test_route_order_in_a_file_changes_the_fingerprint_and_the_run(tmp_path):
    one = tmp_path / "one.toml"
    two = tmp_path / "two.toml"
    one.write_text(PIZZA_TEXT.replace(ROUTES, ROUTES + "routes = {order = 0.6, delivery = 0.4}\n"))
    two.write_text(PIZZA_TEXT.replace(ROUTES, ROUTES + "routes = {delivery = 0.4, order = 0.6}\n"))
    first, second = Scenario.load(one), Scenario.load(two)
    assert first.fingerprint != second.fingerprint
    revenue = [sim.run(s, seed=1, horizon="5 d").kpis["revenue"] for s in (first, second)]
    assert revenue[0] != revenue[1]  # the same draw picks another branch


def test_route_order_in_replace_changes_the_fingerprint():
    pizza = examples.load("pizza")
    path = "touchpoints.website.routes"
    forward = pizza.replace({path: {"order": 0.6, "delivery": 0.4}})
    backward = pizza.replace({path: {"delivery": 0.4, "order": 0.6}})
    assert forward.fingerprint != backward.fingerprint
    assert forward.fingerprint == pizza.replace({path: {"order": 0.6, "delivery": 0.4}}).fingerprint


def test_segment_and_resource_order_change_the_fingerprint():
    airline = examples.load("airline")
    data = airline.to_dict()
    data["segments"].reverse()
    assert Scenario.from_dict(data).fingerprint != airline.fingerprint
    data = airline.to_dict()
    data["resources"].reverse()
    assert Scenario.from_dict(data).fingerprint != airline.fingerprint


def test_equal_values_written_differently_hash_the_same():
    pizza = examples.load("pizza")
    promise = "touchpoints.delivery.promise.time"
    for same in ("30 min", "0.5 h", 30):
        assert pizza.replace({promise: same}).fingerprint == pizza.fingerprint
    # tables whose keys the model reads in a fixed order: key order does not matter
    data = pizza.to_dict()
    data["touchpoints"][2]["weight"] = {"service": 0.6, "time": 1.0}
    data["perception"]["jnd"] = {"service": 0.5, "cost": 15, "time": 5}
    assert Scenario.from_dict(data).fingerprint == pizza.fingerprint


def test_time_unit_is_not_hashed_only_the_hours_it_gives():
    in_hours = {"time_unit": "h", **DEFAULTS, "horizon": 48}
    in_minutes = {
        "time_unit": "min",
        "touchpoints": [
            {
                "name": "visit",
                "stages": [
                    {"duration": 60, "resource": "clerk"},
                    {"duration": 30, "resource": "till"},
                ],
            }
        ],
        "resources": DEFAULTS["resources"],
        "horizon": 48 * 60,
    }
    assert Scenario.from_dict(in_hours).fingerprint == Scenario.from_dict(in_minutes).fingerprint


def test_equal_scenarios_hash_equal_in_other_processes():
    code = "from sim import examples; print(examples.load('airline').fingerprint)"
    seen = set()
    for seed in ("0", "1", "random"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        seen.add(out.stdout.strip())
    assert seen == {examples.load("airline").fingerprint}


# --------------------------------------------------------------------------- 2. cannot run
def test_importance_zero_everywhere_is_refused():
    pizza = examples.load("pizza")
    error = scenario_error(
        lambda: pizza.replace({f"touchpoints[{k}].importance": 0 for k in range(3)})
    )
    problem_at(
        error,
        "touchpoints[0].importance",
        "0 —",
        "website → order → delivery → end",
        "importance > 0",
    )


def test_a_route_to_the_end_through_weightless_touchpoints_is_refused(tmp_path):
    error = pizza_error(
        tmp_path,
        ("importance = 0.5\n", "importance = 0\nroutes = { end = 0.3, order = 0.7 }\n"),
    )
    problem_at(error, "touchpoints[0].importance", "website → end", "give one of them")


def test_importance_zero_is_fine_where_every_journey_also_visits_one_that_counts():
    scenario = examples.load("pizza").replace({"touchpoints.website.importance": 0})
    assert math.isfinite(sim.run(scenario, seed=1, horizon="3 d").kpis["satisfaction_mean"])
    # a route of probability 0 is never taken, so it cannot end a journey without weight
    never = {"touchpoints.website.routes": {"end": 0.0, "order": 1.0}}
    examples.load("pizza").replace({"touchpoints.website.importance": 0, **never})


def test_a_failure_branch_of_no_weight_is_refused():
    """Weight 0 everywhere except a touchpoint skipped unless something failed: the
    journeys without a failure have no weight."""
    pizza = examples.load("pizza")
    error = scenario_error(
        lambda: pizza.replace(
            {
                "touchpoints.website.importance": 0,
                "touchpoints.order.importance": 0,
                "touchpoints.delivery.only_after_failure": True,
                "touchpoints.website.failure.probability": 0.1,
            }
        )
    )
    problem_at(error, "touchpoints[0].importance", "website → order → end")


def test_every_touchpoint_only_after_failure_is_refused(tmp_path):
    text = PIZZA_TEXT.replace("[[touchpoints]]\n", "[[touchpoints]]\nonly_after_failure = true\n")
    path = tmp_path / "nobody.toml"
    path.write_text(text, encoding="utf-8")
    error = scenario_error(lambda: Scenario.load(path))
    problem_at(
        error, "touchpoints[0].only_after_failure", "before anything can fail", "later touchpoint"
    )
    assert main(["check", str(path)]) == 2  # `check` refuses what the run would crash on


def test_the_first_touchpoint_only_after_failure_is_refused():
    error = scenario_error(
        lambda: examples.load("pizza").replace({"touchpoints[0].only_after_failure": True})
    )
    problem_at(error, "touchpoints[0].only_after_failure", "no one would visit it")


def test_only_after_failure_later_in_the_journey_runs():
    scenario = examples.load("pizza").replace(
        {
            "touchpoints.order.failure.probability": 0.5,
            "touchpoints.delivery.only_after_failure": True,
        }
    )
    sim.run(scenario, seed=1, horizon="2 d")


def test_match_promise_without_a_competitor_is_refused(tmp_path):
    error = pizza_error(
        tmp_path,
        (
            "promise = { time = 30 }\ncompetitor = { time = 30 }",
            'promise = { time = { policy = "match" } }',
        ),
    )
    problem_at(
        error,
        "touchpoints[2].promise.time",
        "{'policy': 'match'}",
        "add competitor.time",
        "another policy",
    )


def test_match_promise_on_service_without_a_rival_service_is_refused():
    pizza = examples.load("pizza")
    service = {"touchpoints.website.promise.service": {"policy": "match", "offset": 0.5}}
    error = scenario_error(lambda: pizza.replace(service))
    problem_at(error, "touchpoints[0].promise.service", "add competitor.service")


def test_match_promise_with_a_competitor_runs():
    scenario = examples.load("pizza").replace(
        {"touchpoints.delivery.promise.time": {"policy": "match", "offset": 5}}
    )
    sim.run(scenario, seed=1, horizon="2 d")


def test_a_touchpoint_named_end_is_refused(tmp_path):
    error = pizza_error(tmp_path, ('name = "order"', 'name = "end"'))
    problem_at(error, "touchpoints[1].name", "'end'", "reserved", "another name")


def test_a_touchpoint_no_route_leads_to_is_refused(tmp_path):
    error = pizza_error(tmp_path, (ROUTES, ROUTES + "routes = { delivery = 1.0 }\n"))
    problem_at(
        error, "touchpoints[1]", "'order'", "no route leads here", "route to it or remove it"
    )
    # a route of probability 0 still leads there: a sweep may turn a branch off
    examples.load("pizza").replace({"touchpoints.website.routes": {"order": 0.0, "delivery": 1.0}})


def test_a_touchpoint_reached_only_from_an_unreached_one_is_reported_too():
    pizza = examples.load("pizza")
    error = scenario_error(
        lambda: pizza.replace(
            {
                "touchpoints.website.routes": {"end": 1.0},
            }
        )
    )
    problem_at(error, "touchpoints[1]", "'order'")
    problem_at(error, "touchpoints[2]", "'delivery'")


def test_shipped_and_validation_scenarios_still_load():
    for name in examples.names():
        examples.load(name)
    from sim.validation import field

    field.food_scenario()  # importance 0 on a step that routes to zones of weight 1


# --------------------------------------------------------------------------- 3. all at once
def test_a_bad_field_and_an_unknown_resource_are_reported_together(tmp_path):
    error = pizza_error(
        tmp_path,
        ("prospects_per_day = 30", "prospects_per_day = -5"),
        ('{ resource = "driver"', '{ resource = "drivers"'),
    )
    problem_at(error, "market.prospects_per_day", "≥ 0")
    problem_at(error, "touchpoints[2].stages[1].resource", "'drivers'", "did you mean 'driver'")


def test_a_bad_field_in_the_same_touchpoint_as_a_bad_route(tmp_path):
    error = pizza_error(
        tmp_path,
        ("importance = 0.5\n", 'importance = "high"\nroutes = { ordr = 1.0 }\n'),
        ('resource = "support"', 'resource = "suport"'),
        ("capacity = 11", "capacity = 0"),
    )
    problem_at(error, "touchpoints[0].importance", "'high'")
    problem_at(error, "touchpoints[0].routes.ordr", "did you mean 'order'")
    problem_at(error, "complaints.resource", "did you mean 'support'")
    problem_at(error, "resources[1].capacity", "positive integer")


def test_checks_whose_inputs_failed_are_skipped(tmp_path):
    """A stage that failed to parse is not a missing stage: no "delivers no time", no
    "kitchen is never used"; a misspelt queue does not also make 'driver' unused."""
    error = pizza_error(
        tmp_path,
        ("mean = 15, cv = 0.4", "mean = -15, cv = 0.4"),
        ('{ resource = "driver"', '{ resource = "drivr"'),
    )
    assert len(error.problems) == 2, error.problems
    problem_at(error, "touchpoints[2].stages[0].duration.mean")
    problem_at(error, "touchpoints[2].stages[1].resource", "did you mean 'driver'")


# --------------------------------------------------------------------------- 4. linear checks
def many_resources(n: int, name=lambda i: f"r{i}") -> dict:
    data = DEFAULTS | {"resources": [{"name": name(i)} for i in range(n)]}
    data["touchpoints"] = [
        {"name": "visit", "stages": [{"duration": 1, "resource": "r0"}, {"duration": 1}]}
    ]
    return data


def test_sixty_thousand_resources_are_checked_in_linear_time():
    error = scenario_error(lambda: Scenario.from_dict(many_resources(60_000)))
    assert len(error.problems) == 59_999  # every resource but r0 is never used
    problem_at(error, "resources.r59999", "never used")


def test_sixty_thousand_resources_of_one_name():
    error = scenario_error(lambda: Scenario.from_dict(many_resources(60_000, lambda i: "r0")))
    assert error.problems == ["resources: 'r0' — names must be unique"]


def test_an_unknown_resource_among_sixty_thousand_lists_a_few():
    data = many_resources(60_000)
    data["touchpoints"][0]["stages"][1]["resource"] = "nowhere"
    line = problem_at(
        scenario_error(lambda: Scenario.from_dict(data)),
        "touchpoints[0].stages[1].resource",
        "(have: r0, r1,",
        "(60000 in all)",
    )
    assert len(line) < 300


# --------------------------------------------------------------------------- 5. files
def load_within(path, seconds: float = 10.0) -> ScenarioError:
    """Load ``path`` in a thread, failing (not hanging) if it does not return in time."""
    outcome = []

    def attempt():
        try:
            Scenario.load(path)
        except ScenarioError as error:
            outcome.append(error)

    thread = threading.Thread(target=attempt, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"Scenario.load({path}) hung"
    assert outcome, "expected a ScenarioError"
    return outcome[0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_named_pipe_is_refused_without_waiting(tmp_path):
    pipe = tmp_path / "scenario.toml"
    os.mkfifo(pipe)
    error = load_within(pipe)
    problem_at(error, str(pipe), "not a regular file", "save the scenario as a file")


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_an_endless_device_is_refused():
    problem_at(load_within("/dev/zero"), "/dev/zero", "not a regular file")


def test_a_file_over_the_limit_is_refused_unread(tmp_path):
    huge = tmp_path / "huge.toml"
    with open(huge, "wb") as file:
        file.truncate(MAX_FILE_BYTES + 1)  # sparse: nothing is written
    problem_at(load_within(huge), str(huge), "over 10 MB", "no scenario is that big")


def test_a_toml_nested_five_hundred_deep_is_refused(tmp_path):
    path = tmp_path / "deep.toml"
    path.write_text(f"name = {'[' * 500}{']' * 500}\n", encoding="utf-8")
    error = load_within(path)
    # refused by the parser ("nested hundreds of levels deep") or, where another library has
    # raised the recursion limit so that it parses, by the schema ("nested 501 levels deep")
    assert re.search(r"nested (hundreds of|501) levels deep", error.problems[0])
    assert "at most ~6" in error.problems[0]


def test_a_toml_nested_forty_deep_names_its_depth(tmp_path):
    error = pizza_error(tmp_path, ('name = "pizza"', f"name = {'[' * 40}{']' * 40}"))
    assert error.problems == [
        "name: nested 41 levels deep — a scenario needs at most ~6; is it the right data?"
    ]


def test_a_file_with_a_byte_order_mark_loads(tmp_path):
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + PIZZA_TEXT.encode("utf-8"))
    assert Scenario.load(path) == examples.load("pizza")


def test_an_integer_of_thousands_of_digits_in_a_file(tmp_path):
    error = pizza_error(tmp_path, ("capacity = 7", "capacity = 1" + "0" * 5000))
    assert "thousands of digits" in error.problems[0]


def deeply(levels: int):
    value: object = 1
    for _ in range(levels):
        value = [value]
    return value


class Unprintable:
    def __repr__(self):
        raise RuntimeError("no repr")


def self_containing() -> dict:
    loop: dict = {}
    loop["again"] = loop
    return loop


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("horizon", deeply(5000), "nested 5001 levels deep"),
        ("market", {"prospects_per_day": deeply(100)}, "nested 102 levels deep"),
        ("market", self_containing(), "unknown field"),
        ("horizon", object(), "positive duration"),
        ("horizon", Unprintable(), "<Unprintable>"),
        ("horizon", datetime.date(2024, 1, 1), "positive duration"),
        ("horizon", decimal.Decimal("3"), "positive duration"),
        ("horizon", b"3 d", "positive duration"),
        ("horizon", {1, 2}, "positive duration"),
        ("name", 10**5000, "<int>"),
        ("time_unit", ["h"], "must be one of"),
        ("touchpoints", ({"name": "visit"},), "must be a list of tables"),
    ],
    ids=[
        "5000 deep",
        "100 deep in a table",
        "contains itself",
        "object",
        "repr raises",
        "date",
        "decimal",
        "bytes",
        "set",
        "5000-digit int",
        "list for text",
        "tuple for list",
    ],
)
def test_python_data_that_toml_cannot_hold_gives_a_scenario_error(field, value, fragment):
    data = DEFAULTS | {field: value}
    error = scenario_error(lambda: Scenario.from_dict(data))
    assert any(line.startswith(field) and fragment in line for line in error.problems), (
        error.problems
    )


# --------------------------------------------------------------------------- 6. durations
@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("1e400 h", "too large"),
        (math.inf, "too large"),
        (-math.inf, "too large"),
        (math.nan, "not a number"),
        ("nan h", "not a duration"),
        ("inf d", "not a duration"),
        (10**400, "too large"),
        ("1" + "0" * 400 + " min", "too large"),
        (1e308, None),  # finite in hours ...
        ("1e308 y", "too large"),  # ... but not in years
    ],
    ids=[
        "1e400 h",
        "inf",
        "-inf",
        "nan",
        "nan h",
        "inf d",
        "400-digit int",
        "400 digits min",
        "1e308",
        "1e308 y",
    ],
)
def test_durations_that_are_not_finite_give_a_duration_error(value, reason):
    if reason is None:
        assert parse_duration(value) == 1e308
        return
    with pytest.raises(DurationError) as info:
        parse_duration(value)
    assert reason in info.value.reason and "write" in info.value.reason


def test_a_horizon_of_1e400_hours_in_a_file(tmp_path):
    error = pizza_error(tmp_path, ('horizon = "180 d"', 'horizon = "1e400 h"'))
    problem_at(error, "horizon", "'1e400 h'", "too large", "'180 d'")


def test_a_horizon_under_a_day_warns_with_the_unit_and_the_fix(tmp_path):
    path = edited_pizza(tmp_path, ('horizon = "180 d"', "horizon = 120"))
    with pytest.warns(UserWarning) as caught:
        scenario = Scenario.load(path)
    assert scenario.horizon == 2.0
    assert [str(w.message) for w in caught] == [
        "horizon: 120 (minutes) = 2 h — shorter than one day; write '120 d' if you meant days"
    ]
    with pytest.warns(UserWarning, match=r"horizon: '6 h' = 6 h — shorter than one day$"):
        examples.load("pizza").replace({"horizon": "6 h"})


def test_a_horizon_of_a_day_or_more_or_none_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        examples.load("pizza").replace({"horizon": "1 d"})
        Scenario.from_dict(DEFAULTS)  # the default horizon
        Scenario.from_dict(DEFAULTS | {"horizon": 30})


# --------------------------------------------------------------------------- 7. big integers
@pytest.mark.parametrize("name", ["pizza", "airline"])
def test_an_integer_of_400_digits_in_any_numeric_field_names_the_field(name):
    base = examples.load(name)
    numeric = [  # numbers, distributions, promises, and dimensions not set yet
        path for path, value, _ in leaves(base) if not isinstance(value, bool | str | tuple)
    ]
    assert len(numeric) > 100
    for path in numeric:
        error = scenario_error(lambda path=path: base.replace({path: 10**400}))
        problem_at(error, path, "too large")


def test_an_integer_of_400_digits_in_a_file(tmp_path):
    big = "1" + "0" * 400
    error = pizza_error(
        tmp_path,
        ("capacity = 7", f"capacity = {big}"),
        ("prospects_per_day = 30", f"prospects_per_day = {big}"),
        ("delay = 20", f"delay = {big}"),
        (ROUTES, ROUTES + f"routes = {{ order = {big} }}\n"),
    )
    problem_at(error, "resources[0].capacity", "too large", "positive integer")
    problem_at(error, "market.prospects_per_day", "too large", "≥ 0")
    problem_at(error, "touchpoints[2].failure.delay", "too large", "'180 d'")
    problem_at(error, "touchpoints[0].routes.order", "too large", "between 0 and 1")
