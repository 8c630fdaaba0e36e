"""Shipped scenarios, each answering one strategy question (see the header of each file).

>>> from sim import examples
>>> "pizza" in examples.names()
True
>>> examples.load("pizza").name
'pizza'
"""

from __future__ import annotations

from pathlib import Path

from sim.scenario import Scenario, ScenarioError, suggest

_HERE = Path(__file__).parent


def names() -> list[str]:
    """Names of the shipped scenarios."""
    return sorted(p.stem for p in _HERE.glob("*.toml"))


def path_of(name: str) -> Path:
    """Path of the shipped scenario ``name`` (copy it to start your own)."""
    path = _HERE / f"{name}.toml"
    if not path.exists():
        raise ScenarioError(
            [f"no shipped scenario {name!r}{suggest(name, names())} (have: {', '.join(names())})"]
        )
    return path


def load(name: str) -> Scenario:
    """Load the shipped scenario ``name``."""
    return Scenario.load(path_of(name))
