"""The parameter reference in ``docs/model.md``, generated from the schema."""

from __future__ import annotations

from dataclasses import MISSING, fields

from sim.scenario.dimensions import ByDimension
from sim.scenario.schema import Scenario
from sim.scenario.specs import _Named, _Spec, _Table


def parameter_reference() -> str:
    """Markdown table of every scenario field: path, default, what is allowed, meaning.

    Generated from the schema, so it cannot drift from the code (``docs/model.md`` embeds it
    and a test checks they match).

    >>> "| `market.prospects_per_day` |" in parameter_reference()
    True
    """
    rows = ["| field | default | allowed | meaning |", "|---|---|---|---|"]

    def walk(cls: type, prefix: str) -> None:
        for f in fields(cls):
            spec = f.metadata.get("spec")
            if spec is None:
                continue
            path = f"{prefix}{f.name}"
            if isinstance(spec, _Table):
                walk(spec.cls, path + ".")
                continue
            item = "[]" if isinstance(spec, _Named) else ""
            meaning = f.metadata["doc"].replace("|", "\\|")
            rows.append(
                f"| `{path}{item}` | {_default_text(f)} | {_allowed_text(spec)} | {meaning} |"
            )
            if isinstance(spec, _Named):
                walk(spec.cls, f"{path}[].")

    walk(Scenario, "")
    return "\n".join(rows)


def _default_text(f) -> str:
    if f.default is MISSING and f.default_factory is MISSING:
        return "required"
    value = f.default if f.default is not MISSING else f.default_factory()
    if isinstance(value, ByDimension):
        value = {d: v for d, v in value.items()}
        return ", ".join(f"{d}={v:g}" for d, v in value.items()) or "—"
    if value is None or (isinstance(value, tuple) and not value):
        return "—"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str):
        return f'"{value}"' if value else '""'
    return str(value)


def _allowed_text(spec: _Spec) -> str:
    return spec.allowed.removeprefix("must be ").replace("|", "\\|")
