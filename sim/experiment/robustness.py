"""Robust answers: does a recommendation hold in every plausible world, or only in some?

Exploratory modelling (Lempert, Popper & Bankes 2003; Kwakkel 2017) separates *levers* (the
policies a firm chooses), *uncertainties* (what the world does: here, how customers behave,
:mod:`sim.scenario.uncertainties`) and *outcomes* (KPIs). :func:`robustness` draws a
space-filling design of worlds over the uncertainties (Latin hypercube or scrambled Sobol'
through :func:`sim.experiment.sweep.design_points`), runs every policy in every world with
common random numbers (replication r of every policy in every world meets the same
prospects), and summarises per policy:

* the **share of worlds where it is best** on each KPI (ties count for each tied policy);
* its **regret**: the shortfall against the best policy in that world (Savage 1951), as the
  median and 90th percentile over worlds, in the KPI's units;
* the worlds where it **fails a satisficing rule** such as ``"profit > 0 and nps > 20"``
  (Simon 1955).

:meth:`Robustness.discover` then asks which unknowns flip an answer ("60 min beats 30 min on
profit") with :mod:`sim.experiment.discovery`.

>>> import sim
>>> study = sim.robustness(sim.examples.load("pizza"),
...     {"30 min": {}, "60 min": {"touchpoints.delivery.promise.time": 60}},
...     n_worlds=4, reps=1, horizon="5 d", satisficing="profit > 0", progress=False, workers=1)
>>> len(study.runs), list(study.summary.index.names)
(8, ['policy', 'kpi'])
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Unpack

import numpy as np
import pandas as pd

from sim.experiment.arguments import ArgumentError, Arguments, RunOptions
from sim.experiment.discovery import Box, discover
from sim.experiment.runner import RunSpec, execute
from sim.experiment.sweep import design_points
from sim.experiment.uncertainties import resolve
from sim.kpis import KPIS
from sim.metrics import KPI_NAMES
from sim.scenario import Scenario
from sim.scenario.uncertainties import Uncertainty, without_uncertainties

#: KPIs where less is better (their direction has one home, the KPI registry); on every other
#: KPI more is better.
LOWER_IS_BETTER = frozenset(name for name, kpi in KPIS.items() if kpi.better < 0)
DEFAULT_KPIS = ("profit", "nps", "satisfaction_mean", "churn_rate")
_OPERATORS = {">": np.greater, ">=": np.greater_equal, "<": np.less, "<=": np.less_equal}
_CLAUSE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(>=|<=|>|<)\s*([-+]?[0-9][0-9_,.]*)\s*$")

#: Share of the losing worlds a discovered range must hold before the sentence may say the
#: answer fails "only when" the unknowns lie in it.
ONLY_WHEN_COVERAGE = 0.9


def kpi_label(kpi: str) -> str:
    """The name a strategist reads for ``kpi`` in a sentence: the registry's display name.

    >>> kpi_label("satisfaction_mean"), kpi_label("nps"), kpi_label("wom_negative")
    ('satisfaction per purchase', 'NPS', 'criticism')
    """
    return KPIS[kpi].phrase


@dataclass(frozen=True)
class Rule:
    """A satisficing rule: every clause ``(kpi, operator, threshold)`` must hold."""

    clauses: tuple[tuple[str, str, float], ...]
    text: str

    def holds(self, table: pd.DataFrame) -> pd.Series:
        """Whether each row of ``table`` (columns = KPIs) satisfies every clause (NaN fails)."""
        ok = pd.Series(True, index=table.index)
        for kpi, op, threshold in self.clauses:
            ok &= pd.Series(_OPERATORS[op](table[kpi].to_numpy(float), threshold), table.index)
        return ok


def parse_rule(text: Any, arguments: Arguments) -> Rule | None:
    """``"profit > 0 and nps > 20"`` as a :class:`Rule` (no ``eval``: clauses ``KPI OP
    NUMBER`` joined by ``and``, OP one of > >= < <=); each problem goes to ``arguments``.

    >>> parse_rule("profit > 0 and nps >= 20", Arguments()).clauses
    (('profit', '>', 0.0), ('nps', '>=', 20.0))
    >>> arguments = Arguments(); parse_rule("proft > 0", arguments); arguments.problems
    ["satisficing: 'proft' — not a KPI; did you mean 'profit'?; see docs/model.md"]
    """
    if text is None:
        return None
    if not isinstance(text, str) or not text.strip():
        arguments.fail("satisficing", text, "give a rule like 'profit > 0 and nps > 20'")
        return None
    clauses = []
    for part in re.split(r"\band\b", text):
        match = _CLAUSE.match(part)
        if not match:
            arguments.fail(
                "satisficing",
                part.strip(),
                "write KPI OP NUMBER (OP one of > >= < <=) joined by 'and', e.g. "
                "'profit > 0 and nps > 20'",
            )
            continue
        kpi, op, number = match.groups()
        if not arguments.kpis([kpi], KPI_NAMES, "satisficing"):
            continue
        try:
            clauses.append((kpi, op, float(number.replace(",", "").replace("_", ""))))
        except ValueError:
            arguments.fail("satisficing", number, "not a number")
    return Rule(tuple(clauses), text.strip()) if clauses else None


@dataclass
class Robustness:
    """Result of :func:`robustness`.

    ``runs``: one row per world × policy × replication with every KPI and the world's
    values. ``worlds``: the mean per world and policy (plus ``regret_<kpi>``, ``best_<kpi>``
    and, with a rule, ``satisfices``). ``summary``: per policy and KPI, the share of worlds
    where it is best and its regret (median, 90th percentile), with ``fails`` (the share of
    worlds failing the rule) when one was given. ``uncertainties``: the ranges drawn.
    """

    runs: pd.DataFrame
    worlds: pd.DataFrame
    summary: pd.DataFrame
    uncertainties: list[Uncertainty]
    policies: list[str]
    rule: Rule | None
    manifest: dict[str, Any]
    currency: str = ""  # the scenario's, for money in the table

    def failing(self, policy: str) -> list[int]:
        """The worlds where ``policy`` fails the satisficing rule (empty without a rule)."""
        if self.rule is None:
            return []
        rows = self.worlds[(self.worlds["policy"] == policy) & ~self.worlds["satisfices"]]
        return rows["world"].tolist()

    def wins(self, policy: str, other: str, kpi: str = "profit") -> pd.Series:
        """Per world, whether ``policy``'s mean ``kpi`` is better than ``other``'s (worlds
        where either is undefined, such as churn without customers, are left out)."""
        arguments = Arguments()
        for name, value in (("policy", policy), ("other", other)):
            if value not in self.policies:
                arguments.fail(name, value, f"not one of the policies: {', '.join(self.policies)}")
        arguments.kpis([kpi], KPI_NAMES, "kpi")
        arguments.done()
        means = self.worlds.pivot(index="world", columns="policy", values=kpi)
        sign = -1 if kpi in LOWER_IS_BETTER else 1
        difference = sign * (means[policy] - means[other])
        return (difference > 0)[difference.notna()]  # a world where either is undefined: left out

    def discover(self, policy: str, other: str, kpi: str = "profit", *, max_depth: int = 2) -> Box:
        """Which unknowns flip "``policy`` beats ``other`` on ``kpi``": the box of
        uncertainty ranges where it fails (:func:`sim.experiment.discovery.discover`)."""
        wins = self.wins(policy, other, kpi)
        points = self.worlds.drop_duplicates("world").set_index("world").loc[wins.index]
        units = pd.DataFrame(
            {u.path: [u.unit_coordinate(v) for v in points[u.path]] for u in self.uncertainties},
            index=wins.index,
        )
        return discover(units, ~wins.to_numpy(), self.uncertainties, max_depth=max_depth)

    def sentence(self, policy: str, other: str, kpi: str = "profit") -> str:
        """The answer "``policy`` beats ``other`` on ``kpi``" and its robustness, in words.

        Uses display names, units and percentages, no code names: e.g. "60 min beats 30 min
        on profit in 94% of plausible worlds; it loses only when promise sensitivity >
        0.05 logit per jnd: 6% of plausible worlds (that range holds 90% of the worlds where
        it loses; 80% of the worlds in it lose)."
        """
        box = self.discover(policy, other, kpi)
        share = 1 - box.base_rate
        head = (
            f"{policy} beats {other} on {kpi_label(kpi)} in {_percent(share)} of plausible worlds"
        )
        if box.base_rate == 0:
            return (
                f"{policy} beats {other} on {kpi_label(kpi)} in every one of the {box.worlds} "
                "plausible worlds sampled."
            )
        if share == 0:
            return f"{policy} never beats {other} on {kpi_label(kpi)} in the {box.worlds} worlds sampled."
        if not box.limits:
            return f"{head}; no simple range of the unknowns explains where it loses."
        # "only when" is a claim about coverage: say it only if the range holds (nearly) every
        # losing world; otherwise the range is where losing is more likely, not the whole story
        where = "only when" if box.coverage >= ONLY_WHEN_COVERAGE else "more often when"
        return (
            f"{head}; it loses {where} {box.describe()}: {_percent(box.volume)} of plausible "
            f"worlds (that range holds {_percent(box.coverage)} of the worlds where it loses; "
            f"{_percent(box.density)} of the worlds in it lose)."
        )

    def answer(self, policy: str, other: str, kpi: str = "profit") -> str:
        """:meth:`sentence` about whichever of the two wins in more worlds (``policy`` on
        a tie)."""
        if self.wins(other, policy, kpi).mean() > self.wins(policy, other, kpi).mean():
            policy, other = other, policy
        return self.sentence(policy, other, kpi)

    def table(self, kpis: Sequence[str] | None = None) -> str:
        """A readable summary: per KPI and policy, share of worlds best and regret."""
        kpis = list(kpis or self.manifest["kpis"])
        n = self.manifest["worlds"]
        lines = [
            f"{n} worlds × {self.manifest['reps']} replications; regret = shortfall against "
            "the best policy in the same world,\nin the KPI's unit (a rate's in percentage points)"
        ]
        for kpi in kpis:
            spec = KPIS[kpi]
            lower = "  (lower is better)" if kpi in LOWER_IS_BETTER else ""
            lines.append(f"\n{spec.axis_label(self.currency)}{lower}")
            lines.append(f"  {'policy':<20}{'best in':>9}{'median regret':>16}{'90% regret':>14}")
            for policy in self.policies:
                row = self.summary.loc[(policy, kpi)]
                lines.append(
                    f"  {policy:<20}{_percent(row['best_share']):>9}"
                    f"{spec.number(row['regret_median']):>16}"
                    f"{spec.number(row['regret_p90']):>14}"
                )
        if self.rule is not None:
            lines.append(f"\nworlds failing '{self.rule.text}':")
            for policy in self.policies:
                share = self.summary.loc[(policy, kpis[0]), "fails"]
                lines.append(f"  {policy:<20}{_percent(share):>9}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.table()


def _percent(share: float) -> str:
    if math.isnan(share):
        return "—"
    percent = 100 * share
    if 0 < percent < 1:
        return "<1%"
    if 99 < percent < 100:
        return ">99%"
    return f"{percent:.0f}%"


def robustness(
    scenario: Scenario,
    policies: Mapping[str, Mapping[str, Any] | Scenario],
    uncertainties: Mapping[str, Any] | None = None,
    n_worlds: int = 64,
    reps: int = 3,
    seed: int = 1,
    horizon: float | str | None = None,
    *,
    design: str = "sobol",
    satisficing: str | None = None,
    kpis: Sequence[str] = DEFAULT_KPIS,
    **options: Unpack[RunOptions],
) -> Robustness:
    """Run every policy in every plausible world; say how robust each one's answer is.

    ``policies`` are given as to :func:`sim.compare`: ``{name: overrides}`` or ``{name:
    Scenario}``. ``uncertainties`` widens, narrows, drops or adds ranges of
    :data:`~sim.scenario.uncertainties.PLAUSIBLE` after the scenario's own
    ``[uncertainties]`` table has (see :func:`~sim.experiment.uncertainties.resolve`); the
    runs simulate the scenario without the table. ``n_worlds`` worlds are drawn by
    ``design``, seeded by ``seed``: ``"sobol"`` (scrambled Sobol'; its first worlds are the
    same whatever ``n_worlds``, so with ``store=`` a larger study re-uses a smaller one's
    runs; best with a power of 2) or ``"lhs"`` (Latin hypercube); each policy runs ``reps``
    replications in each (``n_worlds × policies × reps`` runs, with ``store=`` resumable
    and shared with any study on the same scenario). ``satisficing``: a rule like ``"profit
    > 0 and nps > 20"``. ``kpis``: the KPIs summarised.
    """
    arguments = Arguments()  # everything is checked before anything runs
    arguments.scenario(scenario)
    n_worlds = arguments.whole(n_worlds, "n_worlds")
    reps = arguments.whole(reps, "reps")
    seed = arguments.seed(seed)
    hours = arguments.horizon(scenario, horizon) if isinstance(scenario, Scenario) else None
    arguments.run_options(options)
    if design not in ("lhs", "sobol"):
        arguments.fail("design", design, "use 'lhs' or 'sobol'")
    if isinstance(kpis, str) or not isinstance(kpis, Sequence) or not kpis:
        arguments.fail("kpis", kpis, "give a list of KPI names, e.g. ['profit', 'nps']")
        kpis = []
    kpis = arguments.kpis(kpis, KPI_NAMES)
    rule = parse_rule(satisficing, arguments)
    if not isinstance(policies, Mapping) or len(policies) < 2:
        arguments.fail(
            "policies",
            policies,
            "give at least two, {name: overrides}, e.g. "
            "{'30 min': {}, '60 min': {'touchpoints.delivery.promise.time': 60}}",
        )
        policies = {}
    arguments.labels(list(policies), "policies")
    arguments.runs(n_worlds or 1, max(len(policies), 1), reps or 1)
    ranges = _ranges(arguments, scenario, uncertainties, policies)
    arguments.done()
    unit_points = design_points({u.path: (0.0, 1.0) for u in ranges}, design, n_worlds, seed)
    worlds = [{u.path: u.value(p[u.path]) for u in ranges} for p in unit_points]
    scenario = without_uncertainties(scenario)  # study metadata: no run reads the table
    bases = {
        name: without_uncertainties(value)
        if isinstance(value, Scenario)
        else scenario.replace(value)
        for name, value in policies.items()
    }
    specs = [
        RunSpec(base.replace(world), seed, r, hours, labels={"world": w, "policy": name, **world})
        for w, world in enumerate(worlds)
        for name, base in bases.items()
        for r in range(reps)
    ]
    execution = execute(specs, description="robustness", **options)
    runs = execution.frame()
    names = list(policies)
    table, summary = _summarise(runs, names, ranges, kpis, rule)
    manifest = execution.manifest(
        design=design,
        worlds=n_worlds,
        reps=reps,
        policies=names,
        kpis=kpis,
        satisficing=rule.text if rule else None,
        uncertainties={u.path: [u.low, u.high] for u in ranges},
    )
    currency = scenario.economics.currency
    return Robustness(runs, table, summary, ranges, names, rule, manifest, currency)


def _ranges(arguments, scenario, uncertainties, policies) -> list[Uncertainty]:
    """The resolved uncertainties; a policy may not set an uncertain field itself."""
    try:
        ranges = resolve(scenario, uncertainties)
    except ArgumentError as error:  # reported with the other arguments' problems
        arguments.problems.extend(error.problems)
        return []
    uncertain = {u.path for u in ranges}
    for name, value in policies.items():
        if isinstance(value, Mapping):
            for path in uncertain.intersection(value):
                arguments.fail(
                    f"policies[{name!r}]",
                    path,
                    "is an uncertainty, which every world sets; drop it from the policy or "
                    f"from the uncertainties ({{{path!r}: None}})",
                )
    return ranges


def _summarise(runs, names, ranges, kpis, rule) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per world and policy means with regrets; per policy the summary."""
    keys = ["world", "policy", *(u.path for u in ranges)]
    worlds = runs.groupby(keys, sort=False)[list(KPI_NAMES)].mean().reset_index()
    rows = {}
    for kpi in kpis:
        means = worlds.pivot(index="world", columns="policy", values=kpi)[names]
        sign = -1.0 if kpi in LOWER_IS_BETTER else 1.0
        best = (sign * means).max(axis=1)
        regret = best.to_numpy()[:, None] - sign * means  # ≥ 0; NaN where undefined
        is_best = regret.eq(0)
        worlds[f"regret_{kpi}"] = [
            regret.loc[w, p] for w, p in zip(worlds["world"], worlds["policy"], strict=True)
        ]
        worlds[f"best_{kpi}"] = [
            bool(is_best.loc[w, p]) for w, p in zip(worlds["world"], worlds["policy"], strict=True)
        ]
        for policy in names:
            values = regret[policy].dropna()
            rows[(policy, kpi)] = {
                "best_share": float(is_best[policy].mean()),
                "regret_median": float(values.median()) if len(values) else math.nan,
                "regret_p90": float(values.quantile(0.9)) if len(values) else math.nan,
                "regret_max": float(values.max()) if len(values) else math.nan,
            }
    summary = pd.DataFrame(rows).T
    summary.index.names = ["policy", "kpi"]
    if rule is not None:
        worlds["satisfices"] = rule.holds(worlds).to_numpy()
        fails = 1 - worlds.groupby("policy")["satisfices"].mean()
        summary["fails"] = [fails[p] for p in summary.index.get_level_values("policy")]
    return worlds, summary


__all__ = ["Robustness", "Rule", "kpi_label", "parse_rule", "robustness"]
