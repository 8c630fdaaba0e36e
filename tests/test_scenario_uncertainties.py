"""A scenario's own [uncertainties] table (issue 17 §1): precedence, round trips, bad input.

The plausible ranges are changed in three layers, each later one winning: the shipped
ranges (``PLAUSIBLE``), the scenario's ``[uncertainties]`` table, and the ``uncertainties=``
argument of ``sim.robustness`` (``--uncertain`` on the command line). The table is study
metadata: no run reads it, so it changes neither a run's numbers nor its store key.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import sim
from sim import Scenario, ScenarioError, examples
from sim.cli import main
from sim.experiment.arguments import ArgumentError
from sim.experiment.runner import RunSpec
from sim.experiment.uncertainties import resolve
from sim.scenario.uncertainties import PLAUSIBLE, without_uncertainties

PROMISE = "touchpoints.delivery.promise.time"
POLICIES = {"30 min": {}, "60 min": {PROMISE: 60}}
FAST = dict(horizon="3 d", progress=False, workers=1)
TABLE = {"wom.reach": [0.2, 0.4], "wom.advocacy": "none", "perception.loss_aversion": [1.5, 3]}


@pytest.fixture(scope="module")
def shop(pizza) -> Scenario:
    return pizza.replace({"uncertainties": TABLE})


def _ranges(scenario, changes=None) -> dict[str, tuple[float, float]]:
    return {u.path: (u.low, u.high) for u in resolve(scenario, changes)}


def _file(tmp_path, table: str) -> str:
    """The pizza scenario's file with ``table`` appended as its [uncertainties] table."""
    path = tmp_path / "shop.toml"
    text = examples.path_of("pizza").read_text(encoding="utf-8")
    path.write_text(f"{text}\n[uncertainties]\n{table}\n", encoding="utf-8")
    return str(path)


# --------------------------------------------------------------------------- precedence
def test_the_table_changes_the_plausible_ranges_and_the_argument_changes_the_table(shop):
    plausible = {u.path: (u.low, u.high) for u in PLAUSIBLE}
    assert _ranges(examples.load("pizza")) == plausible
    table = _ranges(shop)
    assert table["wom.reach"] == (0.2, 0.4)  # narrowed by the table
    assert "wom.advocacy" not in table  # fixed at the scenario's value
    assert table["perception.loss_aversion"] == (1.5, 3.0)  # added
    assert table["market.promise_sensitivity"] == plausible["market.promise_sensitivity"]
    argument = _ranges(
        shop, {"wom.reach": (0.3, 0.9), "perception.loss_aversion": None, "wom.advocacy": (30, 60)}
    )
    assert argument["wom.reach"] == (0.3, 0.9)  # the argument wins over the table
    assert "perception.loss_aversion" not in argument
    assert argument["wom.advocacy"] == (30.0, 60.0)  # back, as one of the plausible unknowns
    by_path = {u.path: u for u in resolve(shop, {"wom.advocacy": (30, 60)})}
    advocacy = by_path["wom.advocacy"]
    assert advocacy.name == "advocacy" and advocacy.unit == "recommendations a year"
    by_path = {u.path: u for u in resolve(shop, {"market.promise_sensitivity": (0.01, 0.1)})}
    sensitivity = by_path["market.promise_sensitivity"]
    assert sensitivity.log  # a narrowed log range is still drawn on a log scale


def test_a_study_draws_its_worlds_from_the_table(shop):
    study = sim.robustness(shop, POLICIES, n_worlds=2, reps=1, **FAST)
    assert study.manifest["uncertainties"] == {p: list(r) for p, r in _ranges(shop).items()}
    assert study.runs["wom.reach"].between(0.2, 0.4).all()
    assert "wom.advocacy" not in study.runs


def test_a_table_is_the_same_study_as_the_same_argument(pizza, shop, tmp_path):
    """The table and the equivalent argument give the same worlds and numbers, and the runs
    are keyed by what they simulate: the second study comes wholly from the first's store."""
    store = tmp_path / "runs.sqlite"
    by_table = sim.robustness(shop, POLICIES, n_worlds=2, reps=1, store=store, **FAST)
    changes = {"wom.reach": (0.2, 0.4), "wom.advocacy": None, "perception.loss_aversion": (1.5, 3)}
    by_argument = sim.robustness(pizza, POLICIES, changes, n_worlds=2, reps=1, store=store, **FAST)
    assert by_argument.manifest["from_store"] == by_argument.manifest["runs"] == 4
    pd.testing.assert_frame_equal(by_table.summary, by_argument.summary)


# --------------------------------------------------------------------------- the table is metadata
def test_the_table_changes_no_run_and_no_store_key(pizza, shop):
    assert shop != pizza and without_uncertainties(shop) == pizza
    assert shop.fingerprint == pizza.fingerprint
    key = RunSpec(pizza, 1, 0, 48.0).key
    assert RunSpec(shop, 1, 0, 48.0).key == key
    ours = sim.run(shop, seed=3, horizon="3 d").kpis
    theirs = sim.run(pizza, seed=3, horizon="3 d").kpis
    pd.testing.assert_series_equal(ours, theirs)


def test_the_table_round_trips_through_a_file_and_replace(shop, tmp_path):
    target = tmp_path / "copy.toml"
    shop.save(target)
    again = Scenario.load(target)
    assert again == shop and again.uncertainties == shop.uncertainties
    assert again.uncertainties == (
        ("wom.reach", (0.2, 0.4)),
        ("wom.advocacy", None),
        ("perception.loss_aversion", (1.5, 3.0)),
    )
    fewer_drivers = again.replace({"resources.driver.capacity": 6})
    assert fewer_drivers.uncertainties == shop.uncertainties
    assert again.replace({"uncertainties": {}}).uncertainties == ()
    assert Scenario.from_dict(shop.to_dict()) == shop


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("table", "fragments"),
    [
        ('"wom.reech" = [0.1, 1.0]', ['uncertainties."wom.reech"', "did you mean 'reach'"]),
        ('"wom.reach" = [1.0, 0.1]', ['uncertainties."wom.reach"', "low must be below high"]),
        ('"wom.reach" = [0.5, 0.5]', ['uncertainties."wom.reach"', "e.g. [0.5, 0.5]"]),
        ('"wom.advocacy" = [10, 400]', ["wom.advocacy: 400", "(the high bound)", "365"]),
        ('"perception.kept_credit" = [-1, 1]', ["kept_credit: -1", "(the low bound)"]),
        ('"perception.loss_aversion" = [0.5, 3]', ["loss_aversion: 0.5", "between 1 and 10"]),
        ('"market.promise_sensitivity" = [0, 0.1]', ["log scale", "low must be above 0"]),
        ('"wom.reach" = [0.1, inf]', ['uncertainties."wom.reach"', "finite numbers"]),
        ('"wom.reach" = [0.1, true]', ['uncertainties."wom.reach"', "finite numbers"]),
        ('"wom.reach" = "0.1:1"', ['uncertainties."wom.reach"', 'or "none" to fix it']),
        ('"wom.reach" = [0.1, 0.5, 1]', ["give [low, high], e.g. [0.5, 1.0]"]),
        ('"wom.reech" = "none"', ['"none" — not one of the unknowns', "did you mean 'wom.reach'"]),
        ('"economics.currency" = [0, 1]', ["economics.currency: 0", "must be text"]),
        ('"segments" = [0, 1]', ["segments: 0", "list of tables"]),
    ],
)
def test_a_bad_table_names_the_entry_and_the_fix(tmp_path, table, fragments):
    with pytest.raises(ScenarioError) as error:
        Scenario.load(_file(tmp_path, table))
    message = str(error.value)
    for fragment in fragments:
        assert fragment in message, message


def test_a_table_that_is_not_a_table_is_refused(pizza):
    with pytest.raises(ScenarioError, match=r"uncertainties: \['wom.reach'\] — must be a table"):
        pizza.replace({"uncertainties": ["wom.reach"]})


def test_every_problem_of_a_table_is_reported_at_once(tmp_path):
    table = '"wom.reach" = [1.0, 0.1]\n"wom.reech" = [0.1, 0.2]\n"wom.advocacy" = [1, 999]'
    with pytest.raises(ScenarioError) as error:
        Scenario.load(_file(tmp_path, table))
    problems = error.value.problems
    assert len(problems) == 3, problems
    for fragment in ("low must be below high", "did you mean 'reach'", "999"):
        assert any(fragment in problem for problem in problems), (fragment, problems)


def test_a_bound_that_no_longer_fits_after_a_change_is_refused_before_a_study(pizza):
    """A replace that leaves the table alone does not re-check it; the study does."""
    segments = [{"name": "a", "share": 0.5}, {"name": "b", "share": 0.5}]
    two = pizza.replace({"segments": segments, "uncertainties": {"segments[1].shock": [0.5, 2]}})
    one = two.replace({"segments": [{"name": "a", "share": 1.0}]})
    with pytest.raises(ArgumentError) as error:
        sim.robustness(one, POLICIES, n_worlds=2, reps=1, **FAST)
    assert 'uncertainties."segments[1].shock": segments[1]: no such item' in str(error.value)


def test_the_documented_check_output_is_what_the_check_command_prints(
    tmp_path, capsys, monkeypatch
):
    docs = (Path(__file__).resolve().parents[1] / "docs" / "robust_answers.md").read_text()
    table, printed = re.search(
        r"```toml\n\[uncertainties\]\n(.*?)```.*?```text\n\$ python -m sim check shop.toml\n(.*?)```",
        docs,
        re.S,
    ).groups()
    monkeypatch.chdir(tmp_path)
    _file(tmp_path, table)
    assert main(["check", "shop.toml"]) == 2
    assert capsys.readouterr().err.splitlines() == printed.splitlines()


def test_the_check_command_refuses_a_bad_table(tmp_path, capsys):
    assert main(["check", _file(tmp_path, '"wom.reach" = [1.0, 0.1]')]) == 2
    err = capsys.readouterr().err
    assert 'uncertainties."wom.reach": [1.0, 0.1] — low must be below high' in err


# --------------------------------------------------------------------------- command line
def test_the_robust_command_honours_the_file_and_the_option_wins(tmp_path, capsys):
    shop = _file(tmp_path, '"wom.reach" = [0.2, 0.3]\n"wom.advocacy" = "none"')
    common = ["--policy", f"60 min:{PROMISE}=60", "--worlds", "2", "--reps", "1"]
    common += ["--horizon", "3d", "--workers", "1"]
    out = tmp_path / "runs.csv"
    assert main(["robust", shop, *common, "--out", str(out)]) == 0
    runs = pd.read_csv(out)
    assert runs["wom.reach"].between(0.2, 0.3).all() and "wom.advocacy" not in runs
    assert (
        main(["robust", shop, *common, "--uncertain", "wom.reach=0.5:0.6", "--out", str(out)]) == 0
    )
    assert pd.read_csv(out)["wom.reach"].between(0.5, 0.6).all()
    capsys.readouterr()
    assert main(["robust", shop, *common, "--uncertain", "wom.reach=none", "--uncertain",
                 "wom.advocacy=none", "--uncertain", "perception.kept_credit=none",
                 "--uncertain", "market.promise_sensitivity=none", "--uncertain",
                 "retention.bad_episode_shock=none"]) == 2  # fmt: skip
    assert "every range was dropped" in capsys.readouterr().err


def test_fixing_an_unknown_that_is_not_one_is_refused_in_python_too(pizza, shop):
    with pytest.raises(ArgumentError, match=r"uncertainties\['wom.reech'\]: None — not one of"):
        resolve(pizza, {"wom.reech": None})
    assert "wom.advocacy" not in _ranges(shop, {"wom.advocacy": None})  # fixed twice: fine


def test_a_table_that_fixes_every_unknown_loads_but_leaves_a_study_nothing_to_vary(pizza):
    certain = pizza.replace({"uncertainties": {u.path: "none" for u in PLAUSIBLE}})
    with pytest.raises(ArgumentError, match=r"every range was dropped \(by the scenario's"):
        sim.robustness(certain, POLICIES, n_worlds=2, reps=1, **FAST)
    assert _ranges(certain, {"wom.reach": (0.2, 0.4)}) == {"wom.reach": (0.2, 0.4)}
