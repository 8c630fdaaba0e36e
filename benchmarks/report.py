"""Plain-text tables, the TARGETS table and the JSON file.

Every section returns a :class:`Section`: its tables (what is printed), its figures (what
goes into ``--json``) and the targets it measures. A :class:`Target` whose ``measured`` is
None was not measured in this run (for example the 1 M-customer run in ``--quick``) and
neither passes nor fails.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Table:
    """A titled table: column names and rows of already formatted cells."""

    title: str
    columns: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def render(self) -> str:
        cells = [[str(c) for c in self.columns], *[[_cell(c) for c in row] for row in self.rows]]
        widths = [max(len(row[i]) for row in cells) for i in range(len(self.columns))]
        lines = [self.title, "=" * len(self.title)]
        for n, row in enumerate(cells):
            lines.append(
                "  ".join(
                    c.ljust(w) if i == 0 else c.rjust(w)
                    for i, (c, w) in enumerate(zip(row, widths, strict=True))
                ).rstrip()
            )
            if n == 0:
                lines.append("  ".join("-" * w for w in widths))
        lines.extend(f"  {note}" for note in self.notes)
        return "\n".join(lines)


@dataclass
class Target:
    """One goal from issue 6: ``measured`` compared with ``limit`` by ``at_least``."""

    name: str
    limit: float
    unit: str
    at_least: bool
    measured: float | None = None
    source: str = ""  # where the figure comes from (section, size)

    @property
    def passed(self) -> bool | None:
        if self.measured is None or math.isnan(self.measured):
            return None
        return self.measured >= self.limit if self.at_least else self.measured <= self.limit

    def row(self) -> list[str]:
        goal = f"{'≥' if self.at_least else '≤'} {fmt(self.limit)} {self.unit}".strip()
        measured = "not run" if self.passed is None else f"{fmt(self.measured)} {self.unit}"
        verdict = {True: "pass", False: "FAIL", None: "-"}[self.passed]
        return [self.name, goal, measured.strip(), verdict, self.source]


@dataclass
class Section:
    """What one benchmark section produced."""

    name: str
    tables: list[Table] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)
    targets: list[Target] = field(default_factory=list)


def targets_table(targets: list[Target]) -> Table:
    return Table(
        "TARGETS (issues 6, 14 and 17)",
        ["target", "goal", "measured", "pass", "from"],
        [t.row() for t in targets],
    )


def fmt(value: Any, digits: int = 3) -> str:
    """Numbers for people: thousands separators, ``digits`` significant figures, k/M."""
    if value is None:
        return "-"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, float) and math.isnan(value):
        return "n/a"
    magnitude = abs(value)
    if isinstance(value, int) and magnitude < 100_000:
        return f"{value:,}"
    if magnitude >= 1e6:
        return f"{value / 1e6:.{digits - 1}f} M"
    if magnitude >= 1e5:
        return f"{value / 1e3:.0f} k"
    if magnitude >= 1e4:
        return f"{value / 1e3:.1f} k"
    if magnitude == 0:
        return "0"
    if magnitude >= 100:
        return f"{value:,.0f}"
    decimals = max(0, digits - 1 - math.floor(math.log10(magnitude)))
    return f"{value:.{decimals}f}"


def _cell(value: Any) -> str:
    return value if isinstance(value, str) else fmt(value)


def write_json(path: str, meta: dict, sections: list[Section], targets: list[Target]) -> None:
    """All figures, one object per section, plus the targets with their verdicts (strict
    JSON: a figure that could not be measured is null)."""
    payload = {
        "meta": meta,
        "sections": {s.name: s.figures for s in sections},
        "targets": [{**asdict(t), "passed": t.passed} for t in targets],
    }
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(_clean(payload), handle, indent=2, allow_nan=False)
        handle.write("\n")


def _clean(value: Any) -> Any:
    """Strict JSON: NaN and infinities become null, numpy scalars plain numbers."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
