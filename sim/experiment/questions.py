"""The shipped scenarios' questions as policies, and how robust each answer is.

Each shipped scenario answers one strategy question (README, "Shipped scenarios"). Here each
question is the two policies it weighs and the KPI its answer is about, so
:func:`robust_answer` can say in one sentence whether the answer holds across the plausible
worlds of :data:`~sim.scenario.uncertainties.PLAUSIBLE`
(``promise-gap robust pizza`` prints it).

>>> sorted(QUESTIONS)
['airline', 'car_service', 'ecommerce', 'pizza']
>>> QUESTIONS["pizza"].winner, QUESTIONS["pizza"].loser, QUESTIONS["pizza"].kpi
('60 min', '30 min', 'profit')
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
    ``loser`` among them, and the ``kpi`` it is judged on."""

    policies: dict[str, dict[str, Any]]
    winner: str
    loser: str
    kpi: str


QUESTIONS = {
    "pizza": Question(
        {"30 min": {}, "60 min": {"touchpoints.delivery.promise.time": 60}},
        "60 min",
        "30 min",
        "profit",
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
    ),
    "car_service": Question(
        {"as promised": {}, "bill under estimate": {"overdelivery.cost.share": 1}},
        "bill under estimate",
        "as promised",
        "profit",
    ),
    "ecommerce": Question(
        {"lenient": {}, "strict": {"returns.policy": "strict"}}, "lenient", "strict", "nps"
    ),
}


def robust_answer(
    name: str,
    n_worlds: int = 64,
    reps: int = 3,
    seed: int = 1,
    horizon: float | str | None = None,
    **options: Unpack[RunOptions],
) -> tuple[Robustness, str]:
    """The robustness study of shipped question ``name`` and its sentence for the README.

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
        horizon=horizon,
        kpis=[question.kpi],
        **options,
    )
    return study, study.sentence(question.winner, question.loser, question.kpi)
