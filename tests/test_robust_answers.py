"""Robust answers (issue 17): the method's validation and its hostile inputs.

Scenario discovery is checked where the answer is known analytically (toy functions whose
failure region is a box); ``sim.robustness`` is checked for the properties its summary must
have (regret ≥ 0 and 0 for the best policy, common random numbers, any executor, the store);
on the model, a flip that discovery finds is confirmed by direct runs inside and outside
its box. Tolerances are stated before the numbers.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import qmc

import sim
from sim.cli import main
from sim.experiment.arguments import ArgumentError, Arguments
from sim.experiment.discovery import discover
from sim.experiment.questions import QUESTIONS, README_DESIGN, robust_answer
from sim.experiment.robustness import parse_rule
from sim.experiment.uncertainties import resolve
from sim.kpis import KPIS
from sim.scenario.uncertainties import PLAUSIBLE, Uncertainty

PROMISE = "touchpoints.delivery.promise.time"
POLICIES = {"30 min": {}, "60 min": {PROMISE: 60}}
FAST = dict(horizon="4 d", progress=False, workers=1)
DOCUMENTED_COMMAND = "python -m sim robust pizza --worlds 16 --reps 2 --horizon 90d"
RULE = "profit > 0 and nps > 20"
TOY = [Uncertainty(name, name, 0.0, 1.0) for name in ("a", "b", "c")]


def _toy_worlds(n: int, seed: int) -> pd.DataFrame:
    return pd.DataFrame(qmc.LatinHypercube(d=3, seed=seed).random(n), columns=["a", "b", "c"])


# --------------------------------------------------------------------------- discovery
@pytest.mark.parametrize(
    "box",
    [
        {"a": (0.7, 1.0), "b": (0.0, 0.4)},  # volume 0.12
        {"b": (0.25, 1.0), "c": (0.0, 0.5)},  # volume 0.375
        {"c": (0.0, 0.3)},  # one condition, volume 0.3
    ],
)
def test_discovery_finds_a_known_box_in_a_noiseless_toy(box):
    """The answer fails exactly inside ``box``; from 400 Latin-hypercube worlds discovery
    must find it with coverage and density ≥ 0.95, each bound within 0.05 of the truth and
    no condition on an unknown that does not matter."""
    units = _toy_worlds(400, seed=3)
    fails = np.ones(len(units), dtype=bool)
    for path, (lo, hi) in box.items():
        fails &= (units[path] > lo).to_numpy() & (units[path] <= hi).to_numpy()
    found = discover(units, fails, TOY)
    assert found.coverage >= 0.95 and found.density >= 0.95
    assert set(found.limits) == set(box)
    for path, (lo, hi) in box.items():
        assert found.limits[path] == pytest.approx((lo, hi), abs=0.05)
    true_volume = np.prod([hi - lo for lo, hi in box.values()])
    assert found.volume == pytest.approx(true_volume, abs=0.05)


def test_discovery_finds_the_box_through_noise():
    """With 10% of the labels flipped at random, the box (a > 0.6 and b < 0.5; volume 0.2)
    is still found: bounds within 0.1, density ≥ 0.8 (0.9 expected: 90% of the worlds inside
    really fail) and coverage ≥ 0.6 (expected ≈ 0.18/(0.18 + 0.08) = 0.69: the 10% of
    worlds outside that fail by noise cannot be covered)."""
    units = _toy_worlds(800, seed=5)
    truth = (units["a"] > 0.6).to_numpy() & (units["b"] <= 0.5).to_numpy()
    noise = np.random.default_rng(7).random(len(units)) < 0.1
    found = discover(units, truth ^ noise, TOY)
    assert set(found.limits) == {"a", "b"}
    assert found.limits["a"] == pytest.approx((0.6, 1.0), abs=0.1)
    assert found.limits["b"] == pytest.approx((0.0, 0.5), abs=0.1)
    assert found.density >= 0.8 and found.coverage >= 0.6


def test_discovery_with_no_failure_or_only_failures_has_no_box():
    units = _toy_worlds(50, seed=1)
    for fails in (np.zeros(50, bool), np.ones(50, bool)):
        box = discover(units, fails, TOY)
        assert box.limits == {} and box.base_rate == float(fails.mean())


def test_the_box_in_words_uses_display_names_and_units():
    """Bounds in the parameter's own values (log scale undone), two significant digits, no
    code names, no scientific notation."""
    sensitivity = PLAUSIBLE[1]  # 0.001 … 0.2, log scale
    units = pd.DataFrame({sensitivity.path: np.linspace(0, 1, 1001)})
    fails = (units[sensitivity.path] > 0.5).to_numpy()  # value > √(0.001 × 0.2) ≈ 0.0141
    box = discover(units, fails, [sensitivity])
    text = box.describe()
    assert text.startswith("promise sensitivity > 0.014") and "logit per jnd" in text
    assert "market." not in text and "e-" not in text


# --------------------------------------------------------------------------- the study
@pytest.fixture(scope="module")
def study(pizza):
    return sim.robustness(
        pizza, POLICIES, n_worlds=4, reps=2, satisficing="profit > 0 and nps > -100", **FAST
    )


def test_regret_is_zero_for_the_best_policy_and_never_negative(study):
    worlds = study.worlds
    for kpi in study.manifest["kpis"]:
        regret = worlds[f"regret_{kpi}"].dropna()
        assert (regret >= 0).all()
        assert (worlds.loc[worlds[f"best_{kpi}"], f"regret_{kpi}"] == 0).all()
        # in every world at least one policy is best
        assert worlds.groupby("world")[f"best_{kpi}"].any().all()
        shares = study.summary.xs(kpi, level="kpi")["best_share"]
        assert shares.sum() >= 1 - 1e-12


def test_every_policy_meets_the_same_customers_in_each_world(study):
    """Common random numbers: replication r of every policy in every world has the same seed,
    stream and replication; the policies differ only in their overrides."""
    runs = study.runs
    keys = runs.groupby(["world", "replication"])[["seed", "stream"]].nunique()
    assert (keys == 1).all().all()
    assert len(runs) == 4 * 2 * 2


def test_identical_policies_tie_everywhere(pizza):
    twin = sim.robustness(pizza, {"one": {}, "two": {}}, n_worlds=2, reps=1, **FAST)
    assert (twin.summary["best_share"] == 1).all()
    assert (twin.summary["regret_p90"] == 0).all()


def test_satisficing_failures_match_the_rule_applied_by_hand(study):
    worlds = study.worlds
    by_hand = ~((worlds["profit"] > 0) & (worlds["nps"] > -100))
    for policy in POLICIES:
        mine = worlds["policy"] == policy
        assert study.failing(policy) == worlds.loc[mine & by_hand, "world"].tolist()
        assert study.summary.loc[(policy, "profit"), "fails"] == pytest.approx(by_hand[mine].mean())


def test_worlds_lie_in_their_ranges_and_come_from_the_uncertainties(study):
    for u in study.uncertainties:
        assert study.runs[u.path].between(u.low, u.high).all()


def test_same_numbers_on_a_dask_cluster(pizza, study):
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, dashboard_address=":0", silence_logs=logging.ERROR
    )
    with cluster, distributed.Client(cluster) as client:
        again = sim.robustness(
            pizza,
            POLICIES,
            n_worlds=4,
            reps=2,
            satisficing="profit > 0 and nps > -100",
            horizon="4 d",
            progress=False,
            executor=client.get_executor(),
        )
    pd.testing.assert_frame_equal(again.summary, study.summary)


def test_the_store_makes_reruns_and_added_worlds_cheap(pizza, tmp_path):
    """A re-run comes wholly from the store; doubling Sobol' worlds re-uses the first half."""
    store = tmp_path / "robust.sqlite"
    small = sim.robustness(pizza, POLICIES, n_worlds=2, reps=1, store=store, **FAST)
    again = sim.robustness(pizza, POLICIES, n_worlds=2, reps=1, store=store, **FAST)
    assert again.manifest["from_store"] == again.manifest["runs"] == 4
    pd.testing.assert_frame_equal(again.worlds, small.worlds)
    larger = sim.robustness(pizza, POLICIES, n_worlds=4, reps=1, store=store, **FAST)
    assert larger.manifest["from_store"] == 4


def test_the_sentence_is_words_and_numbers_only(study):
    sentence = study.answer("30 min", "60 min", "satisfaction_mean")
    assert sentence.startswith("60 min beats 30 min on satisfaction per purchase in ")
    assert "_" not in sentence and "e-" not in sentence


def test_the_table_names_and_formats_kpis_by_the_registry(study):
    """Each KPI's block is headed by its display name and unit, and its regrets are written
    as the registry writes the KPI (money with separators, a rate in percentage points)."""
    text = study.table()
    for kpi in study.manifest["kpis"]:
        spec = KPIS[kpi]
        assert f"\n{spec.axis_label('THB')}" in text
        median = study.summary.loc[("30 min", kpi), "regret_median"]
        block = text.split(f"\n{spec.axis_label('THB')}")[1].split("\n\n")[0]
        assert spec.number(median) in block.splitlines()[2], block
    assert not [name for name in KPIS if "_" in name and name in text]
    assert not re.search(r"\d[eE][+-]?\d", text)


@pytest.mark.slow
def test_a_flip_found_by_discovery_holds_in_direct_runs(pizza):
    """Discovery over promise sensitivity and the kept-promise credit finds where promising
    60 minutes loses to 30 on profit (keen comparison of promises); direct paired runs at a
    point inside the box and one outside confirm it: inside, 60 min earns less than 30 (the
    95% CI of the difference below 0); outside, more (above 0)."""
    ranges = {u.path: None for u in PLAUSIBLE[2:]}  # only the two that matter, to keep it cheap
    study = sim.robustness(
        pizza, POLICIES, ranges, n_worlds=16, reps=1, horizon="60 d", progress=False
    )
    box = study.discover("60 min", "30 min", "profit")
    assert box.limits and box.density >= 0.75
    middle = {u.path: 0.5 for u in study.uncertainties}  # unit coordinates
    inside = {**middle, **{p: (lo + hi) / 2 for p, (lo, hi) in box.limits.items()}}
    path, (lo, _) = next(iter(box.limits.items()))
    outside = {**middle, path: 0.0 if lo > 0 else 1.0}
    assert box.contains(pd.DataFrame([inside]))[0] and not box.contains(pd.DataFrame([outside]))[0]
    by_path = {u.path: u for u in study.uncertainties}
    for point, sign in ((inside, -1), (outside, +1)):
        check = sim.compare(
            pizza.replace({p: by_path[p].value(x) for p, x in point.items()}),
            POLICIES,
            reps=8,
            horizon="60 d",
            progress=False,
        )
        difference = check.differences.loc[("60 min", "profit")]
        assert sign * difference["ci_low" if sign > 0 else "ci_high"] > 0, (point, difference)


# --------------------------------------------------------------------------- hostile input
@pytest.mark.parametrize(
    ("changes", "fragments"),
    [
        ({"wom.reech": (0.1, 1.0)}, ["uncertainties['wom.reech']", "did you mean 'reach'"]),
        ({"wom.reach": (1.0, 0.1)}, ["uncertainties['wom.reach']", "low must be below high"]),
        ({"wom.reach": (0.5, 0.5)}, ["uncertainties['wom.reach']", "low must be below high"]),
        (
            {"wom.advocacy": (10.0, 400.0)},
            ["['wom.advocacy']: wom.advocacy: 400", "(the high bound)"],
        ),
        ({"perception.kept_credit": (-1, 1)}, ["perception.kept_credit: -1", "(the low bound)"]),
        ({"market.promise_sensitivity": (0, 0.1)}, ["log scale", "low must be above 0"]),
        ({"wom.reach": (0.1, float("nan"))}, ["uncertainties['wom.reach']", "finite numbers"]),
        ({"wom.reach": "0.1:1"}, ["uncertainties['wom.reach']", "give (low, high)"]),
        ({"wom.reach": (True, 2)}, ["uncertainties['wom.reach']", "finite numbers"]),
        ([("wom.reach", (0, 1))], ["uncertainties:", "give {dotted path"]),
        ({u.path: None for u in PLAUSIBLE}, ["every range was dropped"]),
    ],
)
def test_bad_uncertainties_are_refused_naming_the_field(pizza, changes, fragments):
    with pytest.raises(ArgumentError) as error:
        resolve(pizza, changes)
    message = str(error.value)
    for fragment in fragments:
        assert fragment in message


@pytest.mark.parametrize(
    ("rule", "fragment"),
    [
        ("proft > 0", "did you mean 'profit'"),
        ("profit > 0 or nps > 20", "joined by 'and'"),
        ("__import__('os').system('true') > 0", "write KPI OP NUMBER"),
        ("profit >> 0", "write KPI OP NUMBER"),
        ("profit > zero", "write KPI OP NUMBER"),
        ("", "give a rule"),
        (42, "give a rule"),
    ],
)
def test_bad_satisficing_rules_are_refused(rule, fragment):
    arguments = Arguments()
    parse_rule(rule, arguments)
    assert any(fragment in p and p.startswith("satisficing") for p in arguments.problems)


@pytest.mark.parametrize(
    ("kwargs", "fragments"),
    [
        ({"n_worlds": 0}, ["n_worlds: 0"]),
        ({"n_worlds": True}, ["n_worlds: True"]),
        ({"reps": 1.5}, ["reps: 1.5"]),
        ({"seed": -1}, ["seed: -1"]),
        ({"design": "grid"}, ["design: 'grid'"]),
        ({"kpis": "profit"}, ["kpis: 'profit'"]),
        ({"kpis": ["proft"]}, ["kpis: 'proft'", "did you mean 'profit'"]),
        ({"satisficing": "nps >> 3"}, ["satisficing: 'nps >> 3'"]),
        ({"policies": {"only": {}}}, ["policies:", "at least two"]),
        ({"policies": {"a": {}, "b": {"wom.reach": 2}}}, ["policies['b']: 'wom.reach'"]),
        ({"policies": {"a": {}, " ": {}}}, ["policies: ' '", "non-empty name"]),
        ({"worker": 2}, ["worker: 2", "not an option"]),
        ({"n_worlds": 10**6}, ["runs:", "more than the 100,000"]),
    ],
)
def test_bad_robustness_arguments_are_refused_before_anything_runs(pizza, kwargs, fragments):
    kwargs = {"policies": POLICIES, **FAST, **kwargs}
    with pytest.raises(ArgumentError) as error:
        sim.robustness(pizza, **kwargs)
    message = str(error.value)
    for fragment in fragments:
        assert fragment in message


def test_asking_about_a_policy_or_kpi_the_study_lacks_is_refused(study):
    with pytest.raises(ArgumentError, match=r"policy: '90 min' — not one of the policies"):
        study.discover("90 min", "30 min")
    with pytest.raises(ArgumentError, match=r"kpi: 'proft'"):
        study.sentence("60 min", "30 min", "proft")


def test_the_command_line_refuses_bad_input_with_status_2(capsys):
    code = main(["robust", "pizza", "--uncertain", "wom.reach=2:1", "--satisficing", "nps >> 1"])
    err = capsys.readouterr().err
    assert code == 2
    assert "uncertainties['wom.reach']" in err and "satisficing" in err
    assert main(["robust", "pizza", "--set", "name=x", "--uncertain", "wom.reach"]) == 2


def test_the_command_line_prints_the_table_and_the_sentence(capsys):
    code = main(
        ["robust", "pizza", "--worlds", "2", "--reps", "1", "--horizon", "3d", "--workers", "1"]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "best in" in out and "median regret" in out
    assert "60 min beats 30 min on profit" in out or "30 min beats 60 min on profit" in out


# --------------------------------------------------------------------------- the README
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def answers_store(tmp_path_factory):
    """One store for the studies below: the docs' command re-uses the README's pizza runs."""
    return tmp_path_factory.mktemp("answers") / "answers.sqlite"


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(QUESTIONS))
def test_the_readme_states_each_shipped_answer_with_its_robustness(name, answers_store):
    """Each shipped question's robustness sentence in the README is what the study gives now
    (its README design and the question's own horizon): a model change that moves a share or
    the condition that flips an answer fails here until the README says it."""
    _, sentence = robust_answer(name, **README_DESIGN, progress=False, store=answers_store)
    horizon = QUESTIONS[name].horizon.replace(" d", " days").replace(" y", " years")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"- `{name}` ({horizon}): {sentence}" in readme, sentence


@pytest.mark.slow
def test_the_documented_pizza_study_is_what_the_command_prints(answers_store, capsys):
    """docs/robust_answers.md quotes the output of its pizza command (the README's design, so
    its runs come from the store above); every number its reading quotes is in that output."""
    command = DOCUMENTED_COMMAND.split()[3:]  # after "python -m sim"
    assert main([*command, "--store", str(answers_store), "--satisficing", RULE]) == 0
    out = capsys.readouterr().out.strip()
    printed = out[out.index("16 worlds × 2 replications") :]  # after the timing line
    page = (ROOT / "docs" / "robust_answers.md").read_text(encoding="utf-8")
    assert f"{DOCUMENTED_COMMAND} --satisficing '{RULE}'" in page
    section = page.split("\n## Pizza", 1)[1]
    quoted = section.split("```text\n", 1)[1].split("```", 1)[0].strip()
    assert quoted == printed, "docs/robust_answers.md: paste the command's new output"
