"""A scenario reduced to one queueing station, for checks against queueing theory.

>>> s = single_station(arrival_rate=0.8, servers=2)
>>> s.resources[0].capacity
2
"""

from __future__ import annotations

import sim


def single_station(
    arrival_rate: float,
    service_rate: float = 1.0,
    servers: int | None = 1,
    promise=None,
    horizon: float | str = "5000 h",
) -> sim.Scenario:
    """Poisson arrivals (rate per hour) at one touchpoint with exponential service.

    Every prospect buys (logit utility 50), buys exactly once (churn certain), tells nobody
    and never complains, so the journey is a plain M/M/c queue (M/M/∞ if ``servers`` is None).
    """
    stage = {"duration": {"dist": "exponential", "mean": 1.0 / service_rate}}
    resources = []
    if servers is not None:
        stage["resource"] = "server"
        resources = [{"name": "server", "capacity": servers}]
    touchpoint = {"name": "service", "stages": [stage]}
    if promise is not None:
        touchpoint["promise"] = {"time": promise}
    return sim.Scenario.from_dict(
        {
            "name": "station",
            "horizon": horizon,
            "resources": resources,
            "touchpoints": [touchpoint],
            "market": {"prospects_per_day": arrival_rate * 24.0, "brand_preference": 50.0},
            "retention": {
                "churn_a": 1e6,
                "churn_b": 1e-6,
                "satisfaction_effect": 0.0,
                "bad_episode_shock": 0.0,
            },
            "wom": {"reach": 0.0},
            "complaints": {"probability": 0.0},
        }
    )
