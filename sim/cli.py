"""Command line: ``python -m sim`` (or ``promise-gap``).

Examples::

    python -m sim                          # the pizza scenario, 180 days, seed 1
    python -m sim airline --horizon 90d --seed 7
    python -m sim my_shop.toml --out results/
    python -m sim --set touchpoints.delivery.promise.time=60 --set resources.driver.capacity=6
    python -m sim check my_shop.toml       # validate a scenario file
    python -m sim list                     # shipped scenarios
    python -m sim compare pizza --policy "promise 60:touchpoints.delivery.promise.time=60" --reps 10
    python -m sim sweep pizza --param touchpoints.delivery.promise.time=20:90:8 --reps 5 \
        --store sweep.sqlite
    python -m sim calibrate pizza --target churn_rate=0.6 --target nps=-20:5 \
        --param retention.bad_episode_shock=0:6 --reps 8
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path

import numpy as np

from sim import examples
from sim.experiment import StoreError, compare, sweep
from sim.model import run
from sim.scenario import Scenario, ScenarioError
from sim.units import DurationError, parse_duration

DEFAULT_SCENARIO = "pizza"


def _scenario(name_or_path: str) -> Scenario:
    """A shipped scenario by name, or a TOML file by path."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        return Scenario.load(path)
    return examples.load(name_or_path)


def _parser(prog: str, description: str) -> argparse.ArgumentParser:
    """A parser with what every command shares: scenario, --seed, --horizon, --set."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument(
        "scenario",
        nargs="?",
        default=DEFAULT_SCENARIO,
        help=f"shipped scenario name or path to a .toml file (default: {DEFAULT_SCENARIO})",
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--horizon", help="run length, e.g. 180d, '12 wk', 2000 (hours); default: the scenario's"
    )
    parser.add_argument(
        "--set",
        metavar="PATH=VALUE",
        action="append",
        default=[],
        help="override a scenario field by its dotted path, e.g. "
        "touchpoints.delivery.promise.time=60 or 'market.prospects_per_day=40'; repeatable",
    )
    return parser


def _run_parser() -> argparse.ArgumentParser:
    parser = _parser(
        "promise-gap",
        "Simulate promises vs delivery and print a report. Other commands: 'check FILE' "
        "validates a scenario, 'list' shows the shipped ones, 'sweep', 'compare' and "
        "'calibrate' run experiments (see 'promise-gap sweep --help').",
    )
    parser.add_argument(
        "--out", metavar="DIR", help="also write the result tables (CSV) and charts (PNG) to DIR"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m sim`` and the ``promise-gap`` console script."""
    argv = sys.argv[1:] if argv is None else argv
    try:
        if argv[:1] == ["check"]:
            return _check(argv[1:])
        if argv[:1] == ["sweep"]:
            return _sweep(argv[1:])
        if argv[:1] == ["compare"]:
            return _compare(argv[1:])
        if argv[:1] == ["calibrate"]:
            return _calibrate(argv[1:])
        if argv[:1] == ["list"]:
            for name in examples.names():
                print(f"{name:<14}{examples.load(name).description}")
            return 0
        args = _run_parser().parse_args(argv)
        horizon = _horizon(args.horizon) if args.horizon else None
        scenario = _scenario(args.scenario)
        if args.set:
            scenario = scenario.replace(_overrides(args.set))
        result = run(scenario, seed=args.seed, horizon=horizon)
        print(result.report())
        if args.out:
            from sim.plot import save_report_charts  # matplotlib only when charts are wanted

            paths = result.save(args.out) + save_report_charts(result, args.out)
            print(f"\nwrote {', '.join(str(p) for p in paths)}")
        return 0
    except ScenarioError as error:
        where = f"{error.source}: " if error.source else ""
        for problem in error.problems:  # one line each, ready to grep or paste
            print(f"error: {where}{problem}", file=sys.stderr)
        return 2
    except (ValueError, StoreError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            "\ninterrupted: finished runs are kept in the store (--store); re-run to resume",
            file=sys.stderr,
        )
        return 130


def _horizon(text: str) -> float:
    """``--horizon`` value in hours: "180d", "12 wk" or a bare number of hours."""
    try:
        hours = parse_duration(float(text)) if _is_number(text) else parse_duration(text)
    except DurationError as error:
        raise ScenarioError([f"--horizon: {error}"]) from None
    if hours <= 0:
        raise ScenarioError([f"--horizon: {text!r} — must be a positive duration like 180d"])
    return hours


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _overrides(assignments: list[str]) -> dict[str, object]:
    """``PATH=VALUE`` pairs; VALUE is read as TOML (60, 0.5, true, "45 min", {...}) or text."""
    overrides: dict[str, object] = {}
    for assignment in assignments:
        path, sep, text = assignment.partition("=")
        if not sep or not path.strip():
            raise ScenarioError(
                [f"--set {assignment!r} — write PATH=VALUE, like market.population=5000"]
            )
        overrides[path.strip()] = _value(text)
    return overrides


def _experiment_parser(prog: str, description: str) -> argparse.ArgumentParser:
    parser = _parser(f"promise-gap {prog}", description)
    parser.add_argument("--reps", type=int, default=10, help="replications (default 10)")
    parser.add_argument("--workers", type=int, help="processes (default: all cores)")
    parser.add_argument(
        "--store", metavar="FILE", help="SQLite file keeping every finished run; re-run to resume"
    )
    parser.add_argument(
        "--kpis",
        default="profit,satisfaction_mean,nps,churn_rate,acquired",
        help="comma-separated KPIs to show",
    )
    parser.add_argument("--out", metavar="CSV", help="also write every run to this CSV file")
    return parser


def _prepare(args) -> tuple[Scenario, float | None, list[str]]:
    scenario = _scenario(args.scenario)
    if args.set:
        scenario = scenario.replace(_overrides(args.set))
    horizon = _horizon(args.horizon) if args.horizon else None
    return scenario, horizon, [k.strip() for k in args.kpis.split(",") if k.strip()]


def _sweep(argv: list[str]) -> int:
    parser = _experiment_parser("sweep", "Run a grid (or LHS/Sobol sample) of parameter values.")
    parser.add_argument(
        "--param",
        metavar="PATH=START:STOP:N",
        action="append",
        required=True,
        help="vary PATH over N values from START to STOP, or PATH=A,B,C; "
        "with --design lhs/sobol, PATH=LOW:HIGH; repeatable",
    )
    parser.add_argument("--design", choices=("grid", "lhs", "sobol"), default="grid")
    parser.add_argument("--n", type=int, help="points of an lhs/sobol design")
    args = parser.parse_args(argv)
    scenario, horizon, kpis = _prepare(args)
    params = dict(_param(text, args.design) for text in args.param)
    table = sweep(
        scenario,
        params,
        reps=args.reps,
        seed=args.seed,
        design=args.design,
        n=args.n,
        horizon=horizon,
        workers=args.workers,
        store=args.store,
    )
    _check_kpis(table, kpis)
    means = table.groupby(list(params))[kpis].mean()
    manifest = table.attrs["manifest"]
    print(
        f"sweep of {scenario.name}: {manifest['points']} points × {args.reps} replications, "
        f"{manifest['runs']} runs ({manifest['from_store']} from the store, "
        f"{manifest['failed']} failed), {manifest['wall_time_s']:.1f} s on "
        f"{manifest['workers']} worker(s); mean per point:\n"
    )
    print(means.to_string(float_format=lambda v: f"{v:,.3f}" if abs(v) < 100 else f"{v:,.0f}"))
    if args.out:
        table.to_csv(args.out, index=False)
        print(f"\nwrote {args.out}")
    return 1 if manifest["failed"] else 0


def _param(text: str, design: str) -> tuple[str, object]:
    """PATH=START:STOP:N (grid), PATH=A,B,C (grid) or PATH=LOW:HIGH (lhs/sobol)."""
    path, sep, spec = text.partition("=")
    if not sep:
        raise ScenarioError([f"--param {text!r} — write PATH=START:STOP:N or PATH=A,B,C"])
    parts = spec.split(":")
    values = [_value(part) for part in (parts if len(parts) > 1 else spec.split(","))]
    if design != "grid":
        if len(parts) != 2:
            raise ScenarioError([f"--param {text!r} — a {design} design needs PATH=LOW:HIGH"])
        return path.strip(), tuple(values)
    if len(parts) == 3:
        start, stop, count = values
        if not isinstance(count, int) or count < 1:
            raise ScenarioError([f"--param {text!r} — N must be a whole number ≥ 1"])
        grid = np.linspace(start, stop, count)
        whole = all(isinstance(v, int) for v in (start, stop)) and np.allclose(grid, grid.round())
        return path.strip(), [int(v) for v in grid.round()] if whole else grid.tolist()
    if len(parts) != 1:
        raise ScenarioError([f"--param {text!r} — write PATH=START:STOP:N or PATH=A,B,C"])
    return path.strip(), values


def _compare(argv: list[str]) -> int:
    parser = _experiment_parser(
        "compare", "Compare policies against the scenario as it is, with paired 95% CIs."
    )
    parser.add_argument(
        "--policy",
        metavar="NAME:PATH=VALUE",
        action="append",
        required=True,
        help="a policy's override; repeat with the same NAME for several fields",
    )
    parser.add_argument(
        "--precision",
        metavar="KPI=HALF_WIDTH",
        action="append",
        default=[],
        help="add replications until the difference's CI half-width is this",
    )
    args = parser.parse_args(argv)
    scenario, horizon, kpis = _prepare(args)
    policies: dict[str, dict] = {"as is": {}}
    for text in args.policy:
        name, sep, assignment = text.partition(":")
        if not sep or not name.strip():
            raise ScenarioError([f"--policy {text!r} — write NAME:PATH=VALUE"])
        policies.setdefault(name.strip(), {}).update(_overrides([assignment]))
    precision = {k: float(v) for k, v in (_overrides(args.precision)).items()}
    comparison = compare(
        scenario,
        policies,
        reps=args.reps,
        seed=args.seed,
        horizon=horizon,
        precision=precision or None,
        workers=args.workers,
        store=args.store,
    )
    _check_kpis(comparison.runs, kpis)
    print(
        f"{scenario.name}: {comparison.manifest['wall_time_s']:.1f} s on "
        f"{comparison.manifest['workers']} worker(s)"
    )
    print(comparison.table(kpis))
    if args.out:
        comparison.runs.to_csv(args.out, index=False)
        print(f"\nwrote {args.out}")
    return 0


def _calibrate(argv: list[str]) -> int:
    from sim.calibrate import calibrate  # scipy.optimize only when calibrating

    parser = _experiment_parser(
        "calibrate", "Fit parameters so simulated KPIs match targets (simulated moments)."
    )
    parser.add_argument(
        "--target",
        metavar="KPI=VALUE[:SD]",
        action="append",
        required=True,
        help="a KPI's target, optionally with the standard deviation it may miss by; repeatable",
    )
    parser.add_argument(
        "--param",
        metavar="PATH=LOW:HIGH",
        action="append",
        required=True,
        help="a parameter to fit and its range; repeatable",
    )
    parser.add_argument(
        "--max-evaluations", type=int, default=60, help="parameter points to try (default 60)"
    )
    parser.set_defaults(reps=8)
    args = parser.parse_args(argv)
    scenario, horizon, _ = _prepare(args)
    targets = {}
    for text in args.target:
        name, sep, spec = text.partition("=")
        parts = [_value(part) for part in spec.split(":")]
        if not sep or not 1 <= len(parts) <= 2:
            raise ScenarioError([f"--target {text!r} — write KPI=VALUE or KPI=VALUE:SD"])
        targets[name.strip()] = parts[0] if len(parts) == 1 else tuple(parts)
    params = dict(_param(text, "lhs") for text in args.param)
    fit = calibrate(
        scenario,
        targets,
        params,
        reps=args.reps,
        seed=args.seed,
        horizon=horizon,
        max_evaluations=args.max_evaluations,
        workers=args.workers,
        store=args.store,
    )
    print(fit)
    print("\n--set " + " --set ".join(f"{k}={v:.4g}" for k, v in fit.values.items()))
    if args.out:
        fit.history.to_csv(args.out, index=False)
        print(f"\nwrote {args.out}")
    return 0


def _value(text: str):
    """A command-line value read as TOML (60, 0.5, "45 min") or else as text."""
    try:
        return tomllib.loads(f"value = {text.strip()}")["value"]
    except tomllib.TOMLDecodeError:
        return text.strip()


def _check_kpis(table, kpis: list[str]) -> None:
    unknown = [k for k in kpis if k not in table.columns]
    if unknown:
        raise ScenarioError(
            [f"--kpis: unknown {', '.join(unknown)}; see the KPI list in docs/model.md"]
        )


def _check(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="promise-gap check", description="Validate scenario files."
    )
    parser.add_argument("files", nargs="+", help="scenario names or .toml paths")
    args = parser.parse_args(argv)
    status = 0
    for name in args.files:
        try:
            scenario = _scenario(name)
        except ScenarioError as error:
            for problem in error.problems:
                print(f"✗ {name}: {problem}", file=sys.stderr)
            status = 2
        else:
            journey = " → ".join(tp.name for tp in scenario.touchpoints)
            print(f"✓ {name}: {scenario.name} — {journey}")
    return status


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
