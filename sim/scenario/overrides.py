"""Dotted-path overrides: ``scenario.replace({"resources.driver.capacity": 6})``."""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from sim.scenario.dimensions import DIMENSIONS
from sim.scenario.schema import Scenario
from sim.scenario.specs import ScenarioError, _Dimensions, _Named, _Spec, _Table, suggest
from sim.units import shown


def replace(base: Scenario, overrides: Mapping[str, Any]) -> Scenario:
    """``base`` with dotted-path fields replaced (:meth:`Scenario.replace
    <sim.scenario.schema.Scenario.replace>` documents the paths and values)."""
    if not isinstance(overrides, Mapping):
        raise ScenarioError(
            [f"overrides: {shown(overrides)} — must be a mapping of dotted path to value"]
        )
    raw = copy.deepcopy(base._raw)
    problems = []
    for path, value in overrides.items():
        try:
            if not isinstance(path, str):
                raise ScenarioError([f"{path!r}: override paths are dotted strings"])
            _assign(raw, path, _as_raw(path, value))
        except ScenarioError as error:
            problems.extend(error.problems)
    # the table's bounds were checked against their fields when it was set; re-checking
    # them costs two scenarios per range, so only a change to the table does
    ranges = any(isinstance(p, str) and p.split(".")[0] == "uncertainties" for p in overrides)
    try:  # report bad values too, not only bad paths, so one round of fixes is enough
        scenario = Scenario.from_dict(raw, source="overrides", check_ranges=ranges)
    except ScenarioError as error:
        problems.extend(error.problems)
    if problems:
        raise ScenarioError(problems, "overrides")
    return scenario


def _as_raw(path: str, value: Any) -> Any:
    """Policy objects become their scenario-file tables (``promise.time = QuantilePromise(.9)``)."""
    if not hasattr(value, "as_table"):
        return value
    if isinstance(value, type):
        raise ScenarioError(
            [
                f"{path}: {value.__name__} — a policy class, not a policy; create one, "
                f"e.g. {value.__name__}(...) with its settings"
            ]
        )
    dimension = path.rsplit(".", 1)[-1]
    if dimension not in DIMENSIONS:
        raise ScenarioError(
            [
                f"{path}: a policy object goes on a dimension path like "
                f"'touchpoints.delivery.promise.time'"
            ]
        )
    return value.as_table(dimension)


_SEGMENT = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _split_path(path: str) -> list[str | int]:
    parts: list[str | int] = []
    for name, index in _SEGMENT.findall(path):
        parts.append(int(index) if index else name)
    return parts


def _assign(raw: dict, path: str, value: Any) -> None:
    """Set ``value`` at dotted ``path`` in the raw scenario dict, checking the path."""
    parts = _split_path(path)
    if not parts:
        raise ScenarioError([f"{path!r}: empty override path"])
    spec: _Spec = _Table(Scenario)
    node: Any = raw
    walked = ""
    for position, part in enumerate(parts):
        last = position == len(parts) - 1
        if isinstance(spec, _Named):
            items = node if isinstance(node, list) else []
            index = _find_item(items, part, walked)
            if last:
                raise ScenarioError(
                    [f"{path}: replace a field of {walked}[{index}], not the whole item"]
                )
            node, spec = items[index], spec.item
            walked += f"[{index}]"
            continue
        if isinstance(part, int):
            raise ScenarioError([f"{path}: {walked or 'scenario'} is not a list"])
        child = spec.child(part, walked or "scenario")
        walked = f"{walked}.{part}" if walked else part
        if last:
            node[part] = value
            return
        nxt = node.get(part) if isinstance(node, dict) else None
        if not isinstance(child, _Table | _Named | _Dimensions):
            # A leaf whose value may itself be a table (a distribution, a promise policy):
            # allow one more key into what the file already has there.
            rest = parts[position + 1 :]
            if not isinstance(nxt, dict) or len(rest) != 1 or isinstance(rest[0], int):
                raise ScenarioError(
                    [f"{path}: {walked} is {shown(nxt)}; replace {walked} as a whole"]
                )
            nxt[rest[0]] = value
            return
        if nxt is None:
            nxt = [] if isinstance(child, _Named) else {}
            node[part] = nxt
        node, spec = nxt, child


def _find_item(items: list, key: str | int, where: str) -> int:
    if isinstance(key, int):
        if 0 <= key < len(items):
            return key
        raise ScenarioError([f"{where}[{key}]: no such item (there are {len(items)})"])
    names = [item.get("name") for item in items if isinstance(item, dict)]
    if key in names:
        return names.index(key)
    if not any(isinstance(n, str) for n in names):
        raise ScenarioError(
            [f"{where}.{key}: these items have no names; use an index like {where}[0]"]
        )
    raise ScenarioError(
        [
            f"{where}.{key}: no item named {key!r}"
            f"{suggest(key, [n for n in names if isinstance(n, str)])}"
            f" (have: {', '.join(map(str, names))})"
        ]
    )
