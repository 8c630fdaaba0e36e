"""The command line: report, CSV output, listing, errors without tracebacks."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd

from sim.cli import main


def test_default_run_prints_the_pizza_report(capsys):
    assert main(["--horizon", "10d", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("promise-gap · pizza")
    assert "seed 3 · horizon 10 d" in out
    assert "WHERE PROMISES MEET DELIVERY" in out


def test_out_writes_the_tables(tmp_path, capsys):
    assert main(["pizza", "--horizon", "7d", "--out", str(tmp_path)]) == 0
    assert "wrote" in capsys.readouterr().out
    kpis = pd.read_csv(tmp_path / "kpis.csv").set_index("kpi")["value"]
    daily = pd.read_csv(tmp_path / "daily.csv")
    assert len(daily) == 7
    assert daily["acquired"].sum() == kpis["acquired"]


def test_scenario_file_path_and_bare_horizon_in_the_files_unit(tmp_path, capsys):
    from sim import examples

    path = tmp_path / "mine.toml"
    examples.load("car_service").replace({"market.prospects_per_day": 5}).save(path)
    assert main([str(path), "--horizon", "48"]) == 0
    assert "horizon 2 d" in capsys.readouterr().out  # car_service counts in hours
    assert main(["pizza", "--horizon", "2880"]) == 0
    assert "horizon 2 d" in capsys.readouterr().out  # pizza counts in minutes


def test_list_shows_shipped_scenarios(capsys):
    assert main(["list"]) == 0
    assert "pizza" in capsys.readouterr().out


def test_unknown_scenario_and_bad_horizon_exit_2_without_traceback(capsys):
    assert main(["pizzza"]) == 2
    assert "did you mean 'pizza'" in capsys.readouterr().err
    assert main(["--horizon", "soon"]) == 2
    err = capsys.readouterr().err
    assert "--horizon" in err and "Traceback" not in err


def test_python_dash_m_sim_runs():
    completed = subprocess.run(
        [sys.executable, "-m", "sim", "--horizon", "3d"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "CUSTOMERS" in completed.stdout


def test_set_overrides_fields_with_toml_values(capsys):
    assert (
        main(
            [
                "--horizon",
                "5d",
                "--set",
                "touchpoints.delivery.promise.time=60",
                "--set",
                "market.prospects_per_day=12.5",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "60.0 min" in out  # the promised delivery time in the touchpoint table
    assert main(["--horizon", "5d", "--set", "touchpoints.delivery.promise.time=45 min"]) == 0
    assert "45.0 min" in capsys.readouterr().out


def test_set_reports_bad_paths_and_values_together(capsys):
    assert (
        main(["--set", "market.prospects_per_dy=3", "--set", "resources.driver.capacity=-1"]) == 2
    )
    err = capsys.readouterr().err
    assert "did you mean 'prospects_per_day'" in err
    assert "capacity: -1 — must be a positive integer" in err
    assert main(["--set", "no-equals-sign"]) == 2
    assert "PATH=VALUE" in capsys.readouterr().err


def test_sweep_command_prints_means_per_point_and_resumes(tmp_path, capsys):
    store = tmp_path / "sweep.sqlite"
    argv = [
        "sweep",
        "pizza",
        "--param",
        "touchpoints.delivery.promise.time=30:60:2",
        "--reps",
        "2",
        "--horizon",
        "5d",
        "--workers",
        "1",
        "--store",
        str(store),
        "--kpis",
        "nps,acquired",
        "--out",
        str(tmp_path / "runs.csv"),
    ]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "2 points × 2 replications, 4 runs (0 from the store, 0 failed)" in out
    # display names and units, never code names
    assert "NPS (points)" in out and "Customers won (customers)" in out and "acquired" not in out
    assert "delivery promise (min)" in out and "touchpoints." not in out  # the lever, its unit
    assert len(pd.read_csv(tmp_path / "runs.csv")) == 4
    assert main(argv) == 0
    assert "4 runs (4 from the store, 0 failed)" in capsys.readouterr().out


def test_compare_command_prints_the_policy_table(capsys):
    assert (
        main(
            [
                "compare",
                "--policy",
                "promise 60:touchpoints.delivery.promise.time=60",
                "--reps",
                "2",
                "--horizon",
                "5d",
                "--workers",
                "1",
                "--kpis",
                "nps",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "baseline: as is" in out
    assert "promise 60" in out and "Δ" in out


def test_experiment_commands_report_bad_input_without_traceback(capsys):
    assert main(["sweep", "--param", "touchpoints.delivry.promise.time=30:60:2"]) == 2
    assert "did you mean 'delivery'" in capsys.readouterr().err
    assert main(["compare", "--policy", "no-colon", "--reps", "2"]) == 2
    assert "NAME:PATH=VALUE" in capsys.readouterr().err
    assert (
        main(
            [
                "sweep",
                "--param",
                "touchpoints.delivery.promise.time=30:60:2",
                "--kpis",
                "happiness",
                "--reps",
                "1",
                "--horizon",
                "1d",
                "--workers",
                "1",
            ]
        )
        == 2
    )
    assert "--kpis: 'happiness' — not a KPI" in capsys.readouterr().err
