"""The SimPy engine: prospects arrive, choose, and customers live through their journeys.

Where things are:

* :mod:`~sim.engine.model` — :class:`Model` (clock, queues, promise quoters, population) and
  :func:`run`;
* :mod:`~sim.engine.processes` — the story as SimPy processes: paid arrivals, word-of-mouth
  referrals, choice, each customer's purchases, journeys, complaints, talk;
* :mod:`~sim.engine.customer` — a customer's state and its updates (trust, priors,
  attitude, churn hazard, lifetime value);
* :mod:`~sim.engine.draws` — every random draw, named once;
* :mod:`~sim.engine.plan` — the journey compiled into cells and steps;
* :mod:`~sim.engine.calendar` — demand by the hour (inversion), shifts, opening hours;
* :mod:`~sim.engine.scoring` — how one episode feels;
* :mod:`~sim.engine.aftercare` — after the purchase: bonus, thanks, contacts, returns;
* :mod:`~sim.engine.collector` — running counters for the result's tables;
* :mod:`~sim.engine.population` — every customer acquired, live or churned.

The behavioural equations are all in :mod:`sim.behaviour`; what is reported, in
:mod:`sim.metrics`.

>>> from sim import examples
>>> result = run(examples.load("pizza"), seed=1, horizon="10 d", progress=False)
>>> bool(result.kpis["purchases"] > 0)
True
"""

from sim.engine.model import Model, run, workload
from sim.engine.plan import JourneyPlan
from sim.engine.scoring import score_episode

__all__ = ["JourneyPlan", "Model", "run", "score_episode", "workload"]
