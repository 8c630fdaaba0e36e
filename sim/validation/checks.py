"""One validation check: a simulated figure against a known answer, with a stated tolerance.

Every area of :mod:`sim.validation` returns a list of :class:`Check`; the test suite asserts
``check.passed`` and ``python -m sim.validation`` renders them into ``docs/validation.md``.

>>> check = Check.within(
...     area="queueing", name="M/M/1 ρ=0.8 mean wait", target=4.0, simulated=4.02,
...     half_width=0.05, tolerance=0.08, unit="h", source="Kleinrock 1975")
>>> check.passed, check.predicted().row()[:4]
(True, ['predicted', 'M/M/1 ρ=0.8 mean wait', '4 h', '4.02 ± 0.05 h'])
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

#: The three kinds of check, in the order docs/validation.md lists them.
KINDS = ("predicted", "calibrated", "sanity")


@dataclass(frozen=True)
class Check:
    """A target, what the simulation gave (± the 95% CI half-width), and the verdict.

    ``tolerance`` is the text shown in the table ("±0.005", "≥ 2", "[−0.8, −0.2] pp");
    ``passed`` is decided by the constructor that built the check, never by the renderer.
    """

    area: str
    name: str
    target: str
    simulated: str
    tolerance: str
    passed: bool
    source: str = ""
    note: str = ""
    #: A known, documented disagreement between the model and the target: the check still
    #: runs and is shown failing; the test suite requires it to keep failing until the
    #: model is fixed (then the mark must go).
    deviation: str = ""
    #: What a pass is worth (:data:`KINDS`): ``sanity`` holds by construction or by an
    #: equation; ``calibrated`` was fitted to this very target; ``predicted`` was never
    #: used in fitting — only these count as evidence.
    kind: str = ""

    def known(self, why: str) -> Check:
        """This check marked as a known deviation, with the reason and where it is discussed."""
        return replace(self, deviation=why)

    def sanity(self) -> Check:
        """Holds by construction (an input compared with itself, an equation, a cap)."""
        return replace(self, kind="sanity")

    def calibrated(self) -> Check:
        """A target the defaults were fitted to: passing shows the fit holds on fresh seeds."""
        return replace(self, kind="calibrated")

    def predicted(self) -> Check:
        """Held out: no parameter was fitted to it. Only these count as evidence."""
        return replace(self, kind="predicted")

    @classmethod
    def within(
        cls,
        *,
        area: str,
        name: str,
        target: float,
        simulated: float,
        tolerance: float,
        half_width: float | None = None,
        unit: str = "",
        source: str = "",
        note: str = "",
        digits: int = 4,
    ) -> Check:
        """Pass when |simulated − target| ≤ tolerance (absolute, in the figure's unit)."""
        return cls(
            area=area,
            name=name,
            target=_fmt(target, digits, unit),
            simulated=_fmt(simulated, digits, unit, half_width),
            tolerance=f"±{_fmt(tolerance, digits, unit)}",
            passed=bool(abs(simulated - target) <= tolerance),
            source=source,
            note=note,
        )

    @classmethod
    def at_least(cls, *, bound: float, simulated: float, **details) -> Check:
        """Pass when simulated ≥ bound (other keywords as in :meth:`within`)."""
        return cls._one_sided("≥", bound, simulated, simulated >= bound, **details)

    @classmethod
    def at_most(cls, *, bound: float, simulated: float, **details) -> Check:
        """Pass when simulated ≤ bound (other keywords as in :meth:`within`)."""
        return cls._one_sided("≤", bound, simulated, simulated <= bound, **details)

    @classmethod
    def _one_sided(
        cls,
        symbol: str,
        bound: float,
        simulated: float,
        passed: bool,
        *,
        area: str,
        name: str,
        half_width: float | None = None,
        unit: str = "",
        source: str = "",
        note: str = "",
        digits: int = 4,
    ) -> Check:
        return cls(
            area=area,
            name=name,
            target=f"{symbol} {_fmt(bound, digits, unit)}",
            simulated=_fmt(simulated, digits, unit, half_width),
            tolerance="one-sided",
            passed=bool(passed),
            source=source,
            note=note,
        )

    @classmethod
    def in_range(
        cls,
        *,
        area: str,
        name: str,
        low: float,
        high: float,
        simulated: float,
        half_width: float | None = None,
        unit: str = "",
        source: str = "",
        note: str = "",
        digits: int = 4,
    ) -> Check:
        """Pass when low ≤ simulated ≤ high."""
        return cls(
            area=area,
            name=name,
            target=f"[{_fmt(low, digits)}, {_fmt(high, digits)}]{' ' + unit if unit else ''}",
            simulated=_fmt(simulated, digits, unit, half_width),
            tolerance="range",
            passed=bool(low <= simulated <= high),
            source=source,
            note=note,
        )

    def row(self) -> list[str]:
        """Cells of the markdown table: kind, check, target, simulated ± CI, tolerance, pass
        (a ``|`` inside a cell, as in |F − F̂|, is escaped so it cannot split the row)."""
        cells = [
            self.kind,
            self.name,
            self.target,
            self.simulated,
            self.tolerance,
            "✅" if self.passed else ("❌ known deviation" if self.deviation else "❌"),
        ]
        return [cell.replace("|", "\\|") for cell in cells]


def verdict(checks: list[Check]) -> list[str]:
    """What is wrong with a list of checks, one line each (empty: all is as documented).

    A check that fails without a documented deviation is wrong; so is a known deviation
    that now passes (the model was fixed: remove the mark and update the docs).

    >>> ok = Check.at_least(area="a", name="ratio", bound=2.0, simulated=3.0).predicted()
    >>> bad = Check.at_least(area="a", name="u-shape", bound=2.0, simulated=1.0).predicted()
    >>> verdict([ok, bad.known("docs/model.md §10")])
    []
    >>> verdict([bad])
    ['u-shape: simulated 1 against target ≥ 2 (one-sided)']
    """
    problems = []
    for c in checks:
        if c.kind not in KINDS:
            problems.append(f"{c.name}: say what a pass is worth (sanity, calibrated, predicted)")
        if not c.passed and not c.deviation:
            problems.append(
                f"{c.name}: simulated {c.simulated} against target {c.target} ({c.tolerance})"
            )
        elif c.passed and c.deviation:
            problems.append(
                f"{c.name}: marked as a known deviation but now passes — remove the mark"
            )
    return problems


def _fmt(value: float, digits: int, unit: str = "", half_width: float | None = None) -> str:
    text = f"{value:.{digits}g}".replace("-", "−")
    if half_width is not None and not math.isnan(half_width):
        text += f" ± {half_width:.2g}"
    return f"{text} {unit}".rstrip() if unit else text
