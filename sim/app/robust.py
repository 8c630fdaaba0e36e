""" "How robust is this?": the app's setting against the pinned baseline in every plausible
world of how customers behave, for the page and its handout.

The facilitator asks when the room has settled on a setting. A small study
(:func:`sim.robustness`: :data:`WORLDS` worlds over the scenario's plausible ranges, one
replication, the app's horizon and seed, on the app's process pool and results store) runs
both settings in every world with common random numbers; :func:`study` streams it as the
worlds double (2, 4, 8, …), so the page shows progress and an early answer, and a repeat is
read from the store. The answer is the sentence of :meth:`~sim.experiment.robustness.Robustness.answer`
on profit, with each setting's share of worlds where it is best on the tiles' KPIs.

>>> import sim, tempfile, os
>>> from sim.app.workshop import Workshop
>>> shop = Workshop(sim.examples.load("pizza"), horizon="3 d", reps=1, workers=1,
...                 store=os.path.join(tempfile.mkdtemp(), "app.sqlite"))
>>> later = {**shop.shipped, "touchpoints.delivery.promise.time": 60}
>>> *_, last = study(shop, later, shop.shipped, worlds=2)
>>> last.names, last.worlds, last.done
(('delivery promise 60 min', 'delivery promise 30 min'), 2, True)
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd

from sim.app.workshop import Workshop
from sim.experiment.robustness import Robustness, robustness
from sim.kpis import KPIS
from sim.scenario import ScenarioError
from sim.units import format_duration, significant

#: Worlds of the app's study: a power of 2 (a Sobol' design is balanced there); a few
#: seconds per world on 2 cores at 90 days (docs/app.md, "Speed").
WORLDS = 16
#: The KPI the sentence is about, and those whose "best in" shares the handout tabulates.
KPI = "profit"
KPIS_SHOWN = ("profit", "nps", "churn_rate", "satisfaction_mean")


@dataclass(frozen=True)
class RobustAnswer:
    """A study of ``settings`` (named ``names[0]``) against ``baseline`` (``names[1]``) over
    ``worlds`` plausible worlds of which ``target`` are planned."""

    settings: dict[str, float]
    baseline: dict[str, float]
    names: tuple[str, str]
    study: Robustness
    worlds: int
    target: int

    @property
    def done(self) -> bool:
        """Every planned world is in."""
        return self.worlds >= self.target

    def sentence(self) -> str:
        """The answer on profit and how robust it is, as a sentence (capitalised)."""
        text = self.study.answer(*self.names, KPI)
        return text[:1].upper() + text[1:]

    def shares(self) -> pd.DataFrame:
        """Per setting (rows), the share of worlds where it is best on each KPI (columns, by
        display name), as "88% of worlds"."""
        summary = self.study.summary["best_share"]
        return pd.DataFrame(
            {
                KPIS[kpi].label: [
                    f"{summary.loc[(name, kpi)]:.0%} of worlds" for name in self.names
                ]
                for kpi in KPIS_SHOWN
            },
            index=list(self.names),
        )

    def design(self) -> str:
        """How the answer was made, in words: worlds, runs, simulated time, the unknowns and
        their ranges."""
        manifest = self.study.manifest
        runs = manifest["reps"]
        unknowns = "; ".join(
            f"{u.name} {_bound(u.low)} … {_bound(u.high)}{' ' + u.unit if u.unit else ''}"
            f"{' (log scale)' if u.log else ''}"
            for u in self.study.uncertainties
        )
        return (
            f"{self.worlds} plausible worlds of how customers behave; in each, "
            f"{runs} run{'s' if runs > 1 else ''} of "
            f"{format_duration(manifest['horizon_hours'][0])} per setting, both settings "
            f"meeting the same customers. The unknowns and their ranges: {unknowns}."
        )


def _bound(value: float) -> str:
    """A range's end for the room: three significant digits, no trailing zeros, no exponent.

    >>> _bound(0.001), _bound(2.0), _bound(104.0), _bound(0.25), _bound(1234.5)
    ('0.001', '2', '104', '0.25', '1,230')
    """
    text = significant(value, 3)
    return text.rstrip("0").rstrip(".") if "." in text else text


def setting_name(workshop: Workshop, settings: dict[str, float], other: dict[str, float]) -> str:
    """``settings`` in words, by the levers where they differ from ``other``.

    >>> import sim
    >>> shop = Workshop(sim.examples.load("pizza"))
    >>> fewer = {**shop.shipped, "resources.driver.capacity": 6}
    >>> setting_name(shop, fewer, shop.shipped), setting_name(shop, shop.shipped, fewer)
    ('6 drivers', '11 drivers')
    """
    parts = []
    for lever in workshop.levers:
        value = settings[lever.path]
        if value != other[lever.path]:
            text = lever.text(value)
            parts.append(text if lever.whole else f"{lever.label.lower()} {text}")
    return ", ".join(parts)


def study(
    workshop: Workshop,
    settings: dict[str, float],
    baseline: dict[str, float],
    cancel: threading.Event | None = None,
    worlds: int = WORLDS,
) -> Iterator[RobustAnswer]:
    """Answers as the worlds double up to ``worlds``; each study re-uses the runs of the one
    before from the workshop's store (a Sobol' design's first worlds do not depend on how
    many there are). Raises :class:`~sim.scenario.ScenarioError` when the two settings are
    the same (nothing to compare)."""
    if workshop.overrides(settings) == workshop.overrides(baseline):
        raise ScenarioError(
            ["How robust is this?: the setting is the pinned baseline — move a lever or pin "
             "another baseline first"]
        )  # fmt: skip
    names = (setting_name(workshop, settings, baseline), setting_name(workshop, baseline, settings))
    policies = {names[0]: workshop.overrides(settings), names[1]: workshop.overrides(baseline)}
    executor = workshop.executor()
    n = min(2, worlds)
    while True:
        if cancel is not None and cancel.is_set():
            return
        found = robustness(
            workshop.scenario,
            policies,
            n_worlds=n,
            reps=1,
            seed=workshop.seed,
            horizon=workshop.hours,
            kpis=KPIS_SHOWN,
            store=workshop.store,
            executor=executor,
            workers=None if executor else 1,
            progress=False,
        )
        if found.manifest["failed"]:
            raise RuntimeError(found.runs["error"].dropna().iloc[0])
        yield RobustAnswer(dict(settings), dict(baseline), names, found, n, worlds)
        if n >= worlds:
            return
        n = min(2 * n, worlds)


__all__ = ["KPI", "KPIS_SHOWN", "WORLDS", "RobustAnswer", "setting_name", "study"]
