"""Provenance: the report names its overrides, and --out keeps what it takes to repeat a run."""

from __future__ import annotations

import json

import pandas as pd

import sim
from sim.cli import main
from sim.version import __version__

PROMISE = "touchpoints.delivery.promise.time"


def test_the_report_header_lists_the_overrides(capsys):
    assert (
        main(["--horizon", "3d", "--set", f"{PROMISE}=45", "--set", "resources.driver.capacity=6"])
        == 0
    )
    header = capsys.readouterr().out.splitlines()[:5]
    assert f"overrides: {PROMISE} = 45 · resources.driver.capacity = 6" in header
    assert main(["--horizon", "3d"]) == 0
    assert "overrides: none (the scenario as written)" in capsys.readouterr().out


def test_out_saves_the_scenario_as_run_a_manifest_and_units(tmp_path, capsys):
    argv = ["--horizon", "3d", "--seed", "7", "--set", f"{PROMISE}=45", "--out", str(tmp_path)]
    assert main(argv) == 0
    ran = sim.Scenario.load(tmp_path / "scenario.toml")
    assert ran == sim.examples.load("pizza").replace({PROMISE: 45})
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["seed"] == 7 and manifest["replications"] == 1
    assert manifest["overrides"] == {PROMISE: 45}
    assert manifest["fingerprint"] == ran.fingerprint
    assert manifest["horizon_hours"] == 72.0
    assert manifest["command"].startswith("promise-gap --horizon 3d --seed 7")
    assert manifest["package"] == __version__
    kpis = pd.read_csv(tmp_path / "kpis.csv").set_index("kpi")
    assert kpis.loc["profit", "unit"] == "THB" and kpis.loc["profit", "label"] == "Profit"
    assert kpis.loc["churn_rate", "unit"] == "share, 0 … 1"
    touchpoints = pd.read_csv(tmp_path / "touchpoints.csv")
    units = dict(zip(touchpoints["dimension"], touchpoints["unit"], strict=False))
    assert units == {"time": "hours", "cost": "THB", "service": "service points"}
    # the same command from the saved scenario gives the same numbers
    again = sim.run(ran, seed=7, horizon=manifest["horizon_hours"])
    assert again.kpis["profit"] == kpis.loc["profit", "value"]


def test_experiment_out_writes_a_manifest_beside_the_csv(tmp_path, capsys):
    out = tmp_path / "runs.csv"
    argv = ["compare", "--horizon", "2d", "--reps", "2", "--workers", "1"]
    argv += ["--policy", f"long:{PROMISE}=60", "--out", str(out)]
    assert main(argv) == 0
    manifest = json.loads((tmp_path / "runs.manifest.json").read_text())
    assert manifest["replications"] == 2 and manifest["command"].startswith("promise-gap compare")
    assert manifest["manifest"]["runs"] == 4
    assert sim.Scenario.load(tmp_path / "runs.scenario.toml") == sim.examples.load("pizza")
