"""The shipped scenarios' questions as policies, and how robust each answer is.

Each shipped scenario answers one strategy question (README, "Shipped scenarios"). Here each
question is the two policies it weighs and the KPI its answer is about, so
:func:`robust_answer` can say in one sentence whether the answer holds across the plausible
worlds of :data:`~sim.scenario.uncertainties.PLAUSIBLE`
(``promise-gap robust pizza`` prints it).

>>> sorted(QUESTIONS)
['airline', 'car_service', 'clinic', 'ecommerce', 'pizza']
>>> QUESTIONS["pizza"].winner, QUESTIONS["pizza"].loser, QUESTIONS["pizza"].kpi
('60 min', '30 min', 'profit')
>>> QUESTIONS["car_service"].horizon
'2 y'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Unpack

from sim import examples
from sim.experiment.arguments import RunOptions
from sim.experiment.robustness import Robustness, robustness
from sim.scenario import ScenarioError, suggest


@dataclass(frozen=True)
class Question:
    """A shipped question: ``policies`` (name → overrides), the answer's ``winner`` and
    ``loser`` among them, the ``kpi`` it is judged on, and the ``horizon`` over which its
    robustness is judged: long enough for the answer's mechanism (repeat visits of a car
    owner take two years), short enough that a study stays affordable (an e-commerce year is
    10 s a run)."""

    policies: dict[str, dict[str, Any]]
    winner: str
    loser: str
    kpi: str
    horizon: str


QUESTIONS = {
    "pizza": Question(
        {"30 min": {}, "60 min": {"touchpoints.delivery.promise.time": 60}},
        "60 min",
        "30 min",
        "profit",
        "90 d",
    ),
    "airline": Question(
        {
            "fast, generous": {},
            "slow, stingy": {
                "resources[1].capacity": 1,
                "recovery.compensation": 0,
                "recovery.credit": 0,
                "recovery.apology": 0.1,
                "recovery.speed_scale": "30 min",
            },
        },
        "fast, generous",
        "slow, stingy",
        "satisfaction_mean",
        "180 d",
    ),
    "car_service": Question(
        {"as promised": {}, "bill under estimate": {"overdelivery.cost.share": 1}},
        "bill under estimate",
        "as promised",
        "profit",
        "2 y",
    ),
    "ecommerce": Question(
        {"lenient": {}, "strict": {"returns.policy": "strict"}}, "lenient", "strict", "nps", "90 d"
    ),
    "clinic": Question(
        {"3 doctors": {}, "4 doctors": {"resources.doctor.capacity": 4}},
        "3 doctors",
        "4 doctors",
        "profit",
        "180 d",
    ),
}


#: The design of the README's robustness sentences (tests/test_robust_answers.py re-runs it):
#: 16 worlds of the unknowns × 2 replications of each policy, cheap enough for the test suite.
#: ``promise-gap robust NAME`` runs the fuller 64 × 3 design.
README_DESIGN = {"n_worlds": 16, "reps": 2}


def robust_answer(
    name: str,
    n_worlds: int = 64,
    reps: int = 3,
    seed: int = 1,
    horizon: float | str | None = None,
    **options: Unpack[RunOptions],
) -> tuple[Robustness, str]:
    """The robustness study of shipped question ``name`` and its sentence for the README;
    ``horizon`` defaults to the question's own (:attr:`Question.horizon`).

    >>> study, sentence = robust_answer("pizza", n_worlds=4, reps=1, horizon="3 d",
    ...                                 progress=False, workers=1)
    >>> sentence.startswith("60 min beats 30 min on profit in")
    True
    """
    if name not in QUESTIONS:
        raise ScenarioError(
            [f"question: {name!r} — not a shipped question{suggest(name, list(QUESTIONS))}"]
        )
    question = QUESTIONS[name]
    study = robustness(
        examples.load(name),
        question.policies,
        n_worlds=n_worlds,
        reps=reps,
        seed=seed,
        horizon=question.horizon if horizon is None else horizon,
        kpis=[question.kpi],
        **options,
    )
    return study, study.sentence(question.winner, question.loser, question.kpi)
