"""Hostile arguments and drills for runs and experiments (API and command line).

Every case gets one of: a clear message naming the argument and the fix (exit code 2 at
the command line), an error when every run failed (exit code 1), or correct numbers. Never
a traceback, a hang, a table of NaN presented as results, or a finished run lost.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.cli import main
from sim.experiment import RunStore
from sim.experiment.arguments import ArgumentError
from sim.experiment.runner import RunsFailedError, unguarded_script

PROMISE = "touchpoints.delivery.promise.time"
FAST = dict(horizon="2 d", progress=False, workers=1)


# --------------------------------------------------------------------------- API arguments
@pytest.mark.parametrize(
    ("call", "fragments"),
    [
        (lambda s: sim.replicate(s, reps=0, **FAST), ["reps: 0", "whole number ≥ 1"]),
        (lambda s: sim.replicate(s, reps=2.5, **FAST), ["reps: 2.5", "whole number"]),
        (lambda s: sim.replicate(s, reps=True, **FAST), ["reps: True", "whole number"]),
        (lambda s: sim.replicate(s, reps=2, seed=-1, **FAST), ["seed: -1", "from 0 to 2^128 − 1"]),
        (lambda s: sim.replicate(s, reps=2, seed="abc", **FAST), ["seed: 'abc'"]),
        (
            lambda s: sim.replicate(s, reps=2, horizon="1e400 h", progress=False, workers=1),
            ["horizon: '1e400 h'", "finite"],
        ),
        (
            lambda s: sim.replicate(s, reps=2, horizon=float("inf"), progress=False, workers=1),
            ["horizon: inf"],
        ),
        (
            lambda s: sim.replicate(s, reps=2, horizon=-3, progress=False, workers=1),
            ["horizon: -3"],
        ),
        (lambda s: sim.replicate(s, reps=2, precision={"nps": "abc"}, **FAST), ["precision"]),
        (lambda s: sim.replicate(s, reps=2, precision={"npss": 1}, **FAST), ["did you mean"]),
        (lambda s: sim.replicate(s, reps=2, precision={"nps": 0}, **FAST), ["positive"]),
        (lambda s: sim.replicate(s, reps=2, max_reps=0, **FAST), ["max_reps: 0"]),
        (
            lambda s: sim.replicate(s, reps=2, horizon="2 d", progress=False, workers=0),
            ["workers: 0"],
        ),
        (
            lambda s: sim.replicate(s, reps=2, executor="abc", progress=False, horizon="2 d"),
            ["executor: 'abc'", "Executor"],
        ),
        (
            lambda s: sim.replicate(
                s, reps=2, executor=ProcessPoolExecutor, progress=False, horizon="2 d"
            ),
            ["executor", "a class", "ProcessPoolExecutor(4)"],
        ),
        (lambda s: sim.replicate("pizza", reps=2, **FAST), ["scenario: 'pizza'", "examples.load"]),
        (
            lambda s: sim.sweep(s, {PROMISE: [30]}, horizon="2 d", worker=1, progress=False),
            ["worker: 1 — not an option; did you mean 'workers'?"],
        ),
        (
            lambda s: sim.compare(s, {"a": {}}, reps=2, horizon="2 d", stor="x.sqlite"),
            ["stor: 'x.sqlite' — not an option; did you mean 'store'?"],
        ),
        (lambda s: sim.compare(s, {}, reps=2, **FAST), ["policies"]),
        (lambda s: sim.compare(s, {"": {}}, reps=2, **FAST), ["policies: ''", "non-empty"]),
        (lambda s: sim.compare(s, {"a": {}}, baseline="b", reps=2, **FAST), ["baseline: 'b'"]),
        (lambda s: sim.compare(s, {"a": {}}, reps=0, **FAST), ["reps: 0"]),
        (lambda s: sim.sweep(s, {"replication": [1, 2]}, **FAST), ["params: 'replication'"]),
        (lambda s: sim.sweep(s, {"profit": [1, 2]}, **FAST), ["params: 'profit'"]),
        (lambda s: sim.sweep(s, {PROMISE: []}, **FAST), ["a grid needs a non-empty list"]),
        (
            lambda s: sim.sweep(s, {PROMISE: (30, float("nan"))}, design="lhs", n=4, **FAST),
            ["finite numbers"],
        ),
        (lambda s: sim.sweep(s, {PROMISE: (30, 60)}, design="lhs", n=0, **FAST), ["n: 0"]),
        (lambda s: sim.sweep(s, {PROMISE: [30]}, design="random", **FAST), ["design: 'random'"]),
        (
            lambda s: sim.sweep(s, {PROMISE: list(range(1000)), "wom.reach": [1] * 200}, **FAST),
            ["runs: '200,000 (200,000 × 1)'", "split"],
        ),
        (lambda s: sim.replicate(s, reps=10**9, **FAST), ["runs:", "more than the 100,000"]),
        (lambda s: sim.replicate(s, reps=10**5000, **FAST), ["runs: 'more than 10^15"]),
        (lambda s: sim.replicate(s, reps=-(10**5000), **FAST), ["reps: <int>", "≥ 1"]),
        (lambda s: sim.replicate(s, reps=2, seed=10**5000, **FAST), ["seed: <int>", "2^128"]),
        (lambda s: sim.replicate(s, reps=2, seed=2**128, **FAST), ["seed:", "2^128 − 1"]),
        (
            lambda s: sim.compare(s, {"a": {}, "b": {}}, reps=60_000, **FAST),
            ["runs: '120,000 (2 × 60,000)'"],
        ),
        (
            lambda s: sim.sensitivity(s, {PROMISE: (30, 60)}, n=10**6, **FAST),
            ["runs: '3,000,000 (1,000,000 × 3 × 1)'"],
        ),
        (lambda s: sim.optimize(s, PROMISE, (30, 60), reps=1, **FAST), ["reps: 1", "≥ 2"]),
        (
            lambda s: sim.optimize(s, PROMISE, (30, 60), objective="profits", reps=2, **FAST),
            ["objective: 'profits'", "did you mean 'profit'"],
        ),
    ],
)
def test_bad_arguments_are_refused_before_anything_runs(pizza, call, fragments):
    with pytest.raises(ArgumentError) as caught:
        call(pizza)
    message = str(caught.value)
    for fragment in fragments:
        assert fragment in message
    assert isinstance(caught.value, sim.ScenarioError)  # one type catches all bad input


def test_every_argument_problem_is_reported_at_once(pizza):
    with pytest.raises(ArgumentError) as caught:
        sim.replicate(pizza, reps=0, seed=-1, horizon="soon", workers=0, progress=False)
    assert len(caught.value.problems) == 4


def test_a_policy_class_instead_of_a_policy_names_the_field(pizza):
    from sim.policies import QuantilePromise

    with pytest.raises(sim.ScenarioError, match="a policy class, not a policy"):
        sim.compare(pizza, {"q": {PROMISE: QuantilePromise}}, **FAST)


def test_more_workers_than_cores_are_capped_with_a_warning(pizza):
    with pytest.warns(RuntimeWarning, match="workers=1000: this machine has"):
        reps = sim.replicate(pizza, reps=2, horizon="2 d", workers=1000, progress=False)
    assert reps.manifest["workers"] <= (os.cpu_count() or 1)


@pytest.mark.parametrize("seed", ["abc", -1, 1.5, 2**128, pytest.param(10**5000, id="5000 digits")])
def test_a_single_run_names_a_bad_seed(pizza, seed):
    with pytest.raises(sim.ScenarioError, match=r"seed: .* — must be a whole number from 0"):
        sim.run(pizza, seed=seed, horizon="1 d", progress=False)


def test_numpy_integers_are_whole_numbers(pizza):
    reps = sim.replicate(pizza, reps=np.int64(2), seed=np.int32(3), **FAST)
    assert int(reps.summary.loc["profit", "n"]) == 2


def test_a_short_horizon_warns(pizza):
    with pytest.warns(UserWarning, match="shorter than one day"):
        sim.replicate(pizza, reps=1, horizon=12, progress=False, workers=1)


# --------------------------------------------------------------------------- failures
class _Failing(Executor):
    """An executor whose every run raises."""

    def submit(self, fn, *args, **kwargs):
        future = Future()
        future.set_exception(RuntimeError("disk on fire"))
        return future


def test_when_every_run_fails_the_call_raises(pizza, tmp_path):
    store = tmp_path / "runs.sqlite"
    with pytest.raises(RunsFailedError, match="all 2 runs failed; first: RuntimeError: disk"):
        sim.replicate(pizza, reps=2, horizon="2 d", executor=_Failing(), store=store)
    with pytest.raises(RunsFailedError):
        sim.compare(pizza, {"60": {PROMISE: 60}}, reps=1, horizon="2 d", executor=_Failing())
    with pytest.raises(RunsFailedError):
        sim.sweep(pizza, {PROMISE: [30, 60]}, horizon="2 d", executor=_Failing(), progress=False)
    failed = RunStore(store)
    assert len(failed) == 2  # the failures are recorded, and a re-run retries them
    failed.close()


def test_cli_exits_1_when_runs_failed(monkeypatch, capsys):
    import sim.experiment.runner as runner

    def broken(spec):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(runner, "simulate", broken)
    code = main(
        [
            "compare",
            "--policy",
            f"60:{PROMISE}=60",
            "--reps",
            "1",
            "--horizon",
            "2d",
            "--workers",
            "1",
        ]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "runs failed" in err and "disk on fire" in err and "Traceback" not in err


# --------------------------------------------------------------------------- scripts
SCRIPT = f"""
import sim
table = sim.sweep(sim.examples.load("pizza"), {{"{PROMISE}": [30, 60]}}, reps=1, horizon="2 d",
                  progress=False, workers=2)
print("errors", int(table["error"].notna().sum()), "profit", table["profit"].notna().all())
"""


def _python(*args, stdin=None, timeout=240):
    env = {**os.environ, "PYTHONWARNINGS": "default"}
    return subprocess.run(
        [sys.executable, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )


def test_a_script_without_main_guard_runs_sequentially_with_one_warning(tmp_path):
    script = tmp_path / "plain.py"
    script.write_text(SCRIPT)
    done = _python(str(script))
    assert done.returncode == 0, done.stderr
    assert "errors 0 profit True" in done.stdout
    assert done.stderr.count("running sequentially") == 1
    assert "__main__" in done.stderr


def test_a_script_from_standard_input_runs_sequentially(tmp_path):
    done = _python("-", stdin=SCRIPT)
    assert done.returncode == 0, done.stderr
    assert "errors 0 profit True" in done.stdout
    assert "running sequentially" in done.stderr


def test_a_guarded_script_uses_worker_processes(tmp_path):
    script = tmp_path / "guarded.py"
    script.write_text(
        "from sim.experiment.runner import unguarded_script\n"
        "print('top', repr(unguarded_script()))\n"
        "if __name__ == '__main__':\n"
        "    print('guarded', repr(unguarded_script()))\n"
    )
    done = _python(str(script))
    assert "top 'guarded.py starts it at module level (line 2)'" in done.stdout
    assert "guarded ''" in done.stdout
    assert unguarded_script() == ""  # pytest is not a script workers re-run


def test_workers_exit_when_their_parent_is_killed(tmp_path):
    script = tmp_path / "parent.py"
    script.write_text(
        textwrap.dedent(
            """
            import sys, time
            from sim.experiment.runner import local_executor
            if __name__ == "__main__":
                pool, n = local_executor(2, 2)
                futures = [pool.submit(time.sleep, 600) for _ in range(2)]
                while len(pool._processes) < 2:
                    time.sleep(0.1)
                time.sleep(1.0)
                print(" ".join(str(pid) for pid in pool._processes), flush=True)
                time.sleep(600)
            """
        )
    )
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        workers = [int(pid) for pid in parent.stdout.readline().split()]
        assert len(workers) == 2
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=30)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(_alive(pid) for pid in workers):
            time.sleep(0.2)
        assert not any(_alive(pid) for pid in workers)
    finally:
        parent.kill()


def _alive(pid: int) -> bool:
    """Running (a zombie waiting to be reaped is not)."""
    status = Path(f"/proc/{pid}/status")
    try:
        return "\nState:\tZ" not in status.read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False


# --------------------------------------------------------------------------- command line
def _cli(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out, captured.err


@pytest.mark.parametrize(
    ("argv", "fragments"),
    [
        (["--seed", "-1"], ["--seed", "-1", "≥ 0"]),
        (["--seed", "abc"], ["--seed", "abc"]),
        (["compare", "--policy", f"60:{PROMISE}=60", "--reps", "0"], ["--reps", "≥ 1"]),
        (["compare", "--policy", f"60:{PROMISE}=60", "--workers", "0"], ["--workers"]),
        (["sweep", "--param", f"{PROMISE}=30:60:2", "--n", "-3"], ["--n"]),
        (["compare", "--policy", f"as is:{PROMISE}=60"], ["'as is' is the baseline"]),
        (
            ["compare", "--policy", f"a:{PROMISE}=60", "--policy", f"a:{PROMISE}=45"],
            ["already sets", PROMISE],
        ),
        (
            ["compare", "--policy", f"a:{PROMISE}=60", "--precision", "nps=abc"],
            ["--precision nps='abc'", "number > 0"],
        ),
        (
            ["compare", "--policy", f"a:{PROMISE}=60", "--precision", "npz=3"],
            ["--precision npz=3", "did you mean 'nps'"],
        ),
        (["compare", "--policy", f"a:{PROMISE}=60", "--precision", "nps"], ["--precision"]),
        (["sweep", "--param", f"{PROMISE}=30:60:true"], ["N must be a whole number"]),
        (["sweep", "--design", "lhs", "--param", f"{PROMISE}=30:60"], ["--n: missing"]),
        (["sweep", "--param", f"{PROMISE}=1:2:100000000"], ["from 1 to 100,000"]),
        (["sweep", "--param", f"{PROMISE}=30:soon:3"], ["'soon' is not a number"]),
        (["sweep", "--param", f"{PROMISE}=30:60:2", "--kpis", "happiness"], ["--kpis"]),
        (["sweep", "--param", f"{PROMISE}=30:60:2", "--kpis", ","], ["--kpis"]),
        (["--horizon", "inf"], ["--horizon", "finite"]),
        (["--horizon", "1e400 h"], ["--horizon"]),
        (["--horizon", "0"], ["--horizon"]),
    ],
)
def test_cli_bad_options_exit_2_naming_the_option(capsys, argv, fragments):
    code, _, err = _cli(capsys, *argv)
    assert code == 2
    for fragment in fragments:
        assert fragment in err


def test_output_paths_are_checked_before_anything_runs(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    store = tmp_path / "runs.sqlite"
    sweep = ["sweep", "--param", f"{PROMISE}=30:60:2", "--reps", "1", "--horizon", "2d"]
    code, _, err = _cli(capsys, *sweep, "--out", str(blocker / "out.csv"), "--store", str(store))
    assert code == 2 and "--out" in err and "is a file" in err
    assert not store.exists() or len(RunStore(store)) == 0  # nothing ran
    code, _, err = _cli(capsys, *sweep, "--out", str(tmp_path))
    assert code == 2 and "is a folder" in err
    code, _, err = _cli(capsys, "--horizon", "2d", "--out", str(blocker))
    assert code == 2 and "is a file" in err


def test_param_ranges_may_carry_units(capsys):
    code, out, _ = _cli(
        capsys,
        "sweep",
        "--param",
        f'{PROMISE}="30 min":"1 h":2',
        "--reps",
        "1",
        "--horizon",
        "2d",
        "--workers",
        "1",
    )
    assert code == 0
    assert "30" in out and "60" in out  # in the scenario's minutes


def test_a_short_horizon_with_a_unit_warns_once_without_a_days_hint(capsys):
    code, _, err = _cli(
        capsys,
        "compare",
        "--policy",
        f"a:{PROMISE}=60",
        "--reps",
        "1",
        "--horizon",
        "12h",
        "--workers",
        "1",
    )
    assert code == 0
    assert err.count("shorter than one day") == 1 and "12hd" not in err


def test_bare_horizon_is_in_the_scenarios_unit_and_short_ones_warn(capsys):
    code, out, err = _cli(capsys, "--horizon", "120")  # pizza's unit is minutes
    assert code == 0
    assert "horizon 2 h" in out
    assert "shorter than one day" in err and "120d" in err


# --------------------------------------------------------------------------- runaway work
def test_a_market_too_big_for_one_run_is_refused_before_it_starts(pizza, capsys):
    huge = pizza.replace({"market.population": 0, "market.prospects_per_day": 1e7})
    started = time.perf_counter()
    with pytest.raises(sim.ScenarioError, match="max_prospects: this run would meet about"):
        sim.run(huge, seed=1)
    assert time.perf_counter() - started < 5  # refused, not simulated
    with pytest.raises(ArgumentError, match="max_prospects"):
        sim.replicate(huge, reps=2, progress=False, workers=1)
    code, _, err = _cli(
        capsys, "--set", "market.population=0", "--set", "market.prospects_per_day=1e7"
    )
    assert code == 2 and "raise max_prospects" in err


def test_word_of_mouth_that_grows_without_bound_stops_with_the_reason(pizza):
    exploding = pizza.replace({"market.population": 0, "wom.reach": 60, "max_prospects": 3000})
    with pytest.raises(sim.ScenarioError) as caught:
        sim.run(exploding, seed=1, horizon="60 d", progress=False)
    [problem] = caught.value.problems
    assert "max_prospects: 3,000 prospects by day" in problem
    assert "came by word of mouth" in problem and "market.population" in problem


def test_a_long_single_run_shows_its_progress(pizza, monkeypatch, capsys):
    import sim.engine.model

    monkeypatch.setattr(sim.engine.model, "PROGRESS_AFTER_S", 0.0)
    sim.run(pizza, seed=1, horizon="5 d")
    assert "pizza:" in capsys.readouterr().err  # the bar of simulated days
    sim.run(pizza, seed=1, horizon="5 d", progress=False)
    assert capsys.readouterr().err == ""
