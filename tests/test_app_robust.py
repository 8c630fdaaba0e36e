""" "How robust is this?" in the workshop app (issue 17 §4): the study of the setting against
the pinned baseline, and the handout that carries its sentence only when a study exists."""

from __future__ import annotations

import html
import re

import pytest

import sim
from sim.app.handout import handout
from sim.app.robust import RobustAnswer, setting_name, study
from sim.app.workshop import Workshop
from sim.experiment.runner import RunSpec
from sim.kpis import KPIS
from sim.scenario import ScenarioError

PROMISE = "touchpoints.delivery.promise.time"
WORLDS = 4


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    store = tmp_path_factory.mktemp("app") / "runs.sqlite"
    workshop = Workshop(sim.examples.load("pizza"), horizon="5 d", reps=2, workers=1, store=store)
    yield workshop
    workshop.close()


@pytest.fixture(scope="module")
def later(shop):
    return {**shop.shipped, PROMISE: 60}


@pytest.fixture(scope="module")
def streamed(shop, later) -> list[RobustAnswer]:
    return list(study(shop, later, shop.shipped, worlds=WORLDS))


def _text(page: str) -> str:
    """The page's words, without tags and entities."""
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def test_the_study_doubles_its_worlds_and_a_repeat_is_read_from_the_store(shop, later, streamed):
    assert [found.worlds for found in streamed] == [2, 4]
    assert [found.done for found in streamed] == [False, True]
    last = streamed[-1]
    assert last.names == ("delivery promise 60 min", "delivery promise 30 min")
    assert len(last.study.runs) == WORLDS * 2  # one replication per world and setting
    assert streamed[1].study.manifest["from_store"] == 2 * 2  # the first two worlds' runs
    again = list(study(shop, later, shop.shipped, worlds=WORLDS))[-1]
    assert again.study.manifest["from_store"] == again.study.manifest["runs"]
    assert again.sentence() == last.sentence()


def test_the_study_compares_the_settings_the_room_chose(shop, later, streamed):
    """Each world's run of a setting is that setting's scenario in that world: the same
    numbers as a direct run of it."""
    study_ = streamed[-1].study
    row = study_.runs[study_.runs["policy"] == "delivery promise 60 min"].iloc[0]
    world = {u.path: row[u.path] for u in study_.uncertainties}
    scenario = shop.scenario_for(later).replace(world)
    spec = RunSpec(scenario, shop.seed, 0, shop.hours)  # replication 0's random numbers
    direct = sim.run(scenario, seed=spec.seed_sequence, horizon=shop.hours, progress=False)
    assert direct.kpis["profit"] == pytest.approx(row["profit"])


def test_asking_with_the_baseline_itself_is_refused_in_words(shop):
    with pytest.raises(ScenarioError, match="the setting is the pinned baseline"):
        next(study(shop, shop.shipped, shop.shipped))


def test_settings_are_named_by_the_levers_that_differ(shop):
    both = {**shop.shipped, PROMISE: 45, "complaints.probability": 0.5}
    assert setting_name(shop, both, shop.shipped) == "delivery promise 45 min, complaint ease 50%"
    assert setting_name(shop, shop.shipped, both) == "delivery promise 30 min, complaint ease 32%"


def test_the_handout_carries_the_sentence_only_when_a_study_exists(shop, later, streamed):
    answers = {"now": shop.answer(later), "baseline": shop.answer(shop.shipped)}
    without = handout(shop, answers, "baseline", "now")
    assert "How robust" not in without and "plausible worlds" not in without
    found = streamed[-1]
    page = handout(shop, answers, "baseline", "now", robust=found)
    text = _text(page)
    assert "How robust is this?" in text
    sentence = found.study.answer(*found.names, "profit")
    assert sentence[:1].upper() + sentence[1:] in text
    # each setting's share of worlds where it is best, as the study computed it
    for name in found.names:
        for kpi in ("profit", "nps", "churn_rate", "satisfaction_mean"):
            share = found.study.summary.loc[(name, kpi), "best_share"]
            assert f"{share:.0%} of worlds" in text
        assert name in text
    assert KPIS["churn_rate"].label in text
    # the design it came from: worlds, runs, simulated time, the unknowns and their ranges
    assert f"{WORLDS} plausible worlds" in text and "1 run of 5 d per setting" in text
    assert "talk reach 0.1 … 1.5 people per talk" in text and "(log scale)" in text
    assert f"{WORLDS} worlds (sobol design, seed 1) × 1 replication(s) × 2 settings" in text
    assert "_" not in _text(page.split("<h2>How robust")[1].split("<h2>")[0])  # no code names
