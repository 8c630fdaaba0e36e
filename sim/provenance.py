"""Provenance: what it takes to tell two runs apart and to repeat one — the scenario as it
ran, the overrides, the seed, the replications, the versions and the command.

``python -m sim --out DIR`` and the experiments' ``--out FILE.csv`` write, beside the
results, the scenario as run (TOML, loadable with :meth:`sim.Scenario.load`) and a manifest
(JSON), and the report header lists the overrides.

>>> overrides_text({"resources.driver.capacity": 6, "touchpoints.delivery.promise.time": "45 min"})
"resources.driver.capacity = 6 · touchpoints.delivery.promise.time = '45 min'"
>>> overrides_text({})
'none (the scenario as written)'
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sim.scenario import Scenario
from sim.version import __version__


def overrides_text(overrides: Mapping[str, Any]) -> str:
    """``--set`` overrides as one line for a report header."""
    if not overrides:
        return "none (the scenario as written)"
    return " · ".join(f"{path} = {value!r}" for path, value in overrides.items())


def _plain(value: Any) -> Any:
    """A JSON-safe copy: NaN and infinities as null, policy objects as their repr."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return repr(value)


def write(
    stem: str | Path,
    scenario: Scenario,
    *,
    seed: int,
    replications: int,
    horizon_hours: float | None,
    overrides: Mapping[str, Any],
    command: str,
    **extra: Any,
) -> list[Path]:
    """Write ``<stem>scenario.toml`` (the scenario as run) and ``<stem>manifest.json``;
    return their paths. ``stem`` is a folder path ending in "/" or a file prefix.

    >>> import sim, tempfile, json
    >>> folder = tempfile.mkdtemp() + "/"
    >>> pizza = sim.examples.load("pizza").replace({"resources.driver.capacity": 6})
    >>> toml, manifest = write(folder, pizza, seed=1, replications=1, horizon_hours=240.0,
    ...     overrides={"resources.driver.capacity": 6}, command="promise-gap --set ...")
    >>> sim.Scenario.load(toml) == pizza, json.loads(manifest.read_text())["overrides"]
    (True, {'resources.driver.capacity': 6})
    """
    from sim.experiment.runner import MODEL_VERSION

    stem = str(stem)
    toml, manifest = Path(f"{stem}scenario.toml"), Path(f"{stem}manifest.json")
    toml.parent.mkdir(parents=True, exist_ok=True)
    scenario.save(toml)
    record = {
        "package": __version__,
        "model_version": MODEL_VERSION,
        "scenario": scenario.name,
        "fingerprint": scenario.fingerprint,
        "seed": seed,
        "replications": replications,
        "horizon_hours": horizon_hours,
        "overrides": dict(overrides),
        "command": command,
        **extra,
    }
    manifest.write_text(json.dumps(_plain(record), indent=2, ensure_ascii=False) + "\n")
    return [toml, manifest]
