"""Golden KPIs: every shipped scenario × seeds 1–3 gives exactly the stored numbers.

A refactor must not change one bit of any result, so this compares every KPI (as the exact
float ``repr``) and a hash of every result table (daily, touchpoints, customers, drivers,
resources, episodes) against ``tests/golden/results.json``. Each run covers the scenario's
first 90 days.

When a change is *meant* to move the numbers (a model change, not a refactor), regenerate
on purpose and say why; the reason is stored in the file::

    python tests/test_golden.py "why the numbers move"
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest

import sim
from sim import examples

GOLDEN = Path(__file__).parent / "golden" / "results.json"
SEEDS = (1, 2, 3)
DAYS = 90
TABLES = ("daily", "touchpoints", "customers", "driver_counts", "resources", "episodes")


def table_hash(frame) -> str:
    """Hash of a table with every float written exactly."""
    return hashlib.sha256(frame.to_csv(float_format="%r").encode()).hexdigest()[:16]


def results(name: str, seed: int) -> dict:
    """KPIs (exact reprs) and table hashes of one golden run."""
    scenario = examples.load(name)
    horizon = min(scenario.horizon, DAYS * 24.0)
    result = sim.run(scenario, seed=seed, horizon=horizon, episodes=True, progress=False)
    return {
        "kpis": {kpi: repr(float(value)) for kpi, value in result.kpis.items()},
        "tables": {table: table_hash(getattr(result, table)) for table in TABLES},
    }


def _stored() -> dict:
    return json.loads(GOLDEN.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", examples.names())
def test_every_number_is_the_golden_one(name):
    golden = _stored()["runs"]
    for seed in SEEDS:
        now = results(name, seed)
        stored = golden[f"{name}/{seed}"]
        changed = [k for k, v in stored["kpis"].items() if now["kpis"].get(k) != v]
        assert not changed, f"{name} seed {seed}: KPIs changed: {changed}"
        assert now["kpis"].keys() == stored["kpis"].keys()
        tables = [t for t, h in stored["tables"].items() if now["tables"][t] != h]
        assert not tables, f"{name} seed {seed}: tables changed: {tables}"


def test_the_golden_file_says_why_it_was_last_regenerated():
    assert len(_stored()["why"].strip()) > 10


def regenerate(why: str) -> None:
    runs = {f"{name}/{seed}": results(name, seed) for name in examples.names() for seed in SEEDS}
    GOLDEN.parent.mkdir(exist_ok=True)
    GOLDEN.write_text(json.dumps({"why": why, "runs": runs}, indent=1, sort_keys=True) + "\n")
    print(f"wrote {GOLDEN} ({len(runs)} runs)")


if __name__ == "__main__":
    if len(sys.argv) != 2 or not sys.argv[1].strip():
        raise SystemExit('usage: python tests/test_golden.py "why the numbers move"')
    regenerate(sys.argv[1])
