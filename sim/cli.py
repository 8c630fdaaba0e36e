"""Command line: ``python -m sim`` (or ``promise-gap``).

Examples::

    python -m sim                          # the pizza scenario, 180 days, seed 1
    python -m sim airline --horizon 90d --seed 7
    python -m sim my_shop.toml --out results/
    python -m sim --set touchpoints.delivery.promise.time=60 --set resources.driver.capacity=6
    python -m sim check my_shop.toml       # validate a scenario file
    python -m sim list                     # shipped scenarios
    python -m sim app pizza                # the workshop app on http://127.0.0.1:8765
    python -m sim compare pizza --policy "promise 60:touchpoints.delivery.promise.time=60" --reps 10
    python -m sim sweep pizza --param touchpoints.delivery.promise.time=20:90:8 --reps 5 \
        --store sweep.sqlite
    python -m sim calibrate pizza --target churn_rate=0.6 --target nps=-20:5 \
        --param retention.bad_episode_shock=0:6 --reps 8
    python -m sim robust pizza --policy "60 min:touchpoints.delivery.promise.time=60" \
        --worlds 64 --reps 3 --horizon 90d --satisficing "profit > 0 and nps > 20"
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import tomllib
import warnings
from pathlib import Path

import numpy as np

from sim import examples
from sim.engine import run
from sim.experiment import RunStore, StoreError, calibrate, compare, sweep
from sim.experiment.arguments import MAX_RUNS, ShortHorizonWarning
from sim.experiment.runner import RunsFailedError
from sim.kpis import KPIS, parameter_label, parameter_unit
from sim.metrics import KPI_NAMES
from sim.scenario import Scenario, ScenarioError, suggest
from sim.units import (
    HOURS_PER_UNIT,
    DurationError,
    format_duration,
    horizon_hours,
    parse_duration,
)

DEFAULT_SCENARIO = "pizza"


def _scenario(name_or_path: str) -> Scenario:
    """A shipped scenario by name, or a TOML file by path."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        return Scenario.load(path)
    return examples.load(name_or_path)


def _scenario_argument(parser: argparse.ArgumentParser) -> None:
    """The optional SCENARIO positional every command takes: a shipped name or a file."""
    parser.add_argument(
        "scenario",
        nargs="?",
        default=DEFAULT_SCENARIO,
        help=f"shipped scenario name or path to a .toml file (default: {DEFAULT_SCENARIO})",
    )


def _parser(prog: str, description: str) -> argparse.ArgumentParser:
    """A parser with what every command shares: scenario, --seed, --horizon, --set."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    _scenario_argument(parser)
    parser.add_argument(
        "--seed", type=_whole(0), default=1, help="random seed, a whole number ≥ 0 (default 1)"
    )
    parser.add_argument(
        "--horizon",
        help="run length with a unit, e.g. 180d, '12 wk', 2000h; a bare number is in the "
        "scenario's time unit, like every bare number (default: the scenario's horizon)",
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
        "validates a scenario, 'list' shows the shipped ones, 'sweep', 'compare', "
        "'calibrate' and 'robust' run experiments (see 'promise-gap sweep --help'), "
        "'app' serves the workshop app.",
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
        if argv[:1] == ["robust"]:
            return _robust(argv[1:])
        if argv[:1] == ["app"]:
            return _app(argv[1:])
        if argv[:1] == ["list"]:
            for name in examples.names():
                print(f"{name:<14}{examples.load(name).description}")
            return 0
        args = _run_parser().parse_args(argv)
        scenario, horizon = _scenario_and_horizon(args)
        if args.out:
            _check_output(args.out, "--out", folder=True)
        result = run(scenario, seed=args.seed, horizon=horizon)
        print(result.report(_overrides(args.set)))
        if args.out:
            from sim.plot import save_report_charts  # matplotlib only when charts are wanted

            paths = result.save(args.out) + save_report_charts(result, args.out)
            paths += _provenance(f"{args.out.rstrip('/')}/", scenario, horizon, args, argv)
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
    except RunsFailedError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except SystemExit as done:  # argparse: --help (0) or a bad option, already printed (2)
        return done.code if isinstance(done.code, int) else 2
    except KeyboardInterrupt:
        print(
            "\ninterrupted: finished runs are kept in the store (--store); re-run to resume",
            file=sys.stderr,
        )
        return 130
    except Exception as error:  # a bug, not bad input: one line, never a traceback
        print(f"error: the run failed ({type(error).__name__}: {error})", file=sys.stderr)
        return 1


def _scenario_and_horizon(args) -> tuple[Scenario, float | None]:
    """The scenario with its ``--set`` overrides, and ``--horizon`` in hours (None: the
    scenario's own). A bare number is read in the scenario's time unit, as in its file."""
    scenario = _scenario(args.scenario)
    if args.set:
        scenario = scenario.replace(_overrides(args.set))
    if not args.horizon:
        return scenario, None
    value = args.horizon if not _is_number(args.horizon) else float(args.horizon)
    try:
        hours = horizon_hours(value, scenario.time_unit)
    except DurationError as error:
        raise ScenarioError([f"--horizon: {args.horizon!r} — {error.reason}"]) from None
    if hours < 24:  # said here, in the option's words, instead of by the experiments
        warnings.simplefilter("ignore", ShortHorizonWarning)
        bare = not isinstance(value, str)
        unit = f" {scenario.time_unit} (the scenario's unit)" if bare else ""
        hint = f"; write e.g. --horizon {args.horizon.strip()}d for days" if bare else ""
        print(
            f"warning: --horizon {args.horizon}{unit} is {format_duration(hours)}, shorter "
            f"than one day{hint}",
            file=sys.stderr,
        )
    return scenario, hours


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _whole(minimum: int):
    """An argparse type: a whole number ≥ ``minimum`` (argparse names the option)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{text!r} — must be a whole number ≥ {minimum}")
        return value

    parse.__name__ = "whole number"
    return parse


def _check_output(path: str, option: str, folder: bool = False) -> None:
    """Refuse an output path that cannot be written, before anything runs (so no finished
    run is lost on a bad path at the end)."""
    target = Path(path)
    what = "folder" if folder else "file"
    if folder and target.exists() and not target.is_dir():
        raise ScenarioError([f"{option}: {path!r} — is a file; give a folder for the results"])
    if not folder and target.is_dir():
        raise ScenarioError([f"{option}: {path!r} — is a folder; give a file name like runs.csv"])
    parent = target if folder and target.is_dir() else target.parent
    existing = next((p for p in (parent, *parent.parents) if p.exists()), Path("."))
    if not existing.is_dir():
        raise ScenarioError(
            [f"{option}: {path!r} — {existing} is a file, so the {what} cannot be made there"]
        )
    if not os.access(existing, os.W_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise ScenarioError(
            [f"{option}: {path!r} — cannot write there (permission denied); choose another {what}"]
        )


def _overrides(
    assignments: list[str],
    option: str = "--set",
    form: str = "PATH=VALUE, like market.population=5000",
) -> dict[str, object]:
    """``PATH=VALUE`` pairs; VALUE is read as TOML (60, 0.5, true, "45 min", {...}) or text."""
    overrides: dict[str, object] = {}
    for assignment in assignments:
        path, sep, text = assignment.partition("=")
        if not sep or not path.strip():
            raise ScenarioError([f"{option} {assignment!r} — write {form}"])
        overrides[path.strip()] = _value(text)
    return overrides


def _experiment_parser(prog: str, description: str) -> argparse.ArgumentParser:
    parser = _parser(f"promise-gap {prog}", description)
    parser.add_argument("--reps", type=_whole(1), default=10, help="replications (default 10)")
    parser.add_argument("--workers", type=_whole(1), help="processes (default: all cores)")
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
    """Scenario, horizon and KPIs of an experiment, every one checked before anything runs
    (with the --out and --store paths)."""
    scenario, horizon = _scenario_and_horizon(args)
    kpis = [k.strip() for k in args.kpis.split(",") if k.strip()]
    unknown = [k for k in kpis if k not in KPI_NAMES]
    if unknown or not kpis:
        raise ScenarioError(
            [
                f"--kpis: {k!r} — not a KPI{suggest(k, KPI_NAMES)}; see docs/model.md"
                for k in unknown
            ]
            or [f"--kpis: {args.kpis!r} — give KPI names separated by commas, like profit,nps"]
        )
    if args.out:
        _check_output(args.out, "--out")
    if args.store:
        RunStore(args.store).close()  # refuses a bad store path or file now, not at the end
    return scenario, horizon, kpis


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
    parser.add_argument("--n", type=_whole(1), help="points of an lhs/sobol design")
    args = parser.parse_args(argv)
    if args.design != "grid" and args.n is None:
        raise ScenarioError(
            [f"--n: missing — a {args.design} design needs its points, e.g. --n 16"]
        )
    scenario, horizon, kpis = _prepare(args)
    params = dict(_param(text, args.design, scenario.time_unit) for text in args.param)
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
    means = table.groupby(list(params))[kpis].mean()
    currency = scenario.economics.currency
    means = means.rename(columns=lambda kpi: KPIS[kpi].axis_label(currency))
    means.index.names = [
        parameter_label(p, parameter_unit(p, scenario.time_unit, currency)) for p in params
    ]
    manifest = table.attrs["manifest"]
    print(
        f"sweep of {scenario.name}: {manifest['points']} points × {args.reps} replications, "
        f"{manifest['runs']} runs ({manifest['from_store']} from the store, "
        f"{manifest['failed']} failed), {manifest['wall_time_s']:.1f} s on "
        f"{manifest['workers']} worker(s); mean per point:\n"
    )
    print(
        means.to_string(
            formatters={
                KPIS[k].axis_label(currency): KPIS[k].number
                for k in kpis  # shares in %, money and counts with separators
            }
        )
    )
    if args.out:
        table.to_csv(args.out, index=False)
        written = _provenance(
            f"{Path(args.out).with_suffix('')}.",
            scenario,
            horizon,
            args,
            ["sweep", *argv],
            manifest=table.attrs["manifest"],
        )
        print(f"\nwrote {args.out}, {', '.join(map(str, written))}")
    return 1 if manifest["failed"] else 0


def _param(text: str, design: str, unit: str) -> tuple[str, object]:
    """PATH=START:STOP:N (grid), PATH=A,B,C (grid) or PATH=LOW:HIGH (lhs/sobol).

    START, STOP, LOW and HIGH may carry a unit ("30 min":"60 min":4); the values are then
    given in the scenario's time ``unit``, like every bare number.
    """
    path, sep, spec = text.partition("=")
    if not sep or not path.strip():
        raise ScenarioError([f"--param {text!r} — write PATH=START:STOP:N or PATH=A,B,C"])
    parts = spec.split(":")
    values = [_value(part) for part in (parts if len(parts) > 1 else spec.split(","))]
    if design != "grid":
        if len(parts) != 2:
            raise ScenarioError([f"--param {text!r} — a {design} design needs PATH=LOW:HIGH"])
        return path.strip(), tuple(_number(v, text, unit) for v in values)
    if len(parts) == 3:
        count = values[2]
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_RUNS:
            raise ScenarioError(
                [f"--param {text!r} — N must be a whole number from 1 to {MAX_RUNS:,}"]
            )
        start, stop = (_number(v, text, unit) for v in values[:2])
        grid = np.linspace(start, stop, count)
        whole = all(isinstance(v, int) for v in (start, stop)) and np.allclose(grid, grid.round())
        return path.strip(), [int(v) for v in grid.round()] if whole else grid.tolist()
    if len(parts) != 1:
        raise ScenarioError([f"--param {text!r} — write PATH=START:STOP:N or PATH=A,B,C"])
    return path.strip(), values


def _number(value, text: str, unit: str) -> int | float:
    """A range end: a number, or a duration with a unit converted to the scenario's unit."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    try:
        return parse_duration(value) / HOURS_PER_UNIT[unit]
    except DurationError:
        raise ScenarioError(
            [f"--param {text!r} — {value!r} is not a number (or a duration like '30 min')"]
        ) from None


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
    policies = _policies(args.policy)
    precision = _precision(args.precision)
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
    print(
        f"{scenario.name}: {comparison.manifest['wall_time_s']:.1f} s on "
        f"{comparison.manifest['workers']} worker(s)"
    )
    print(comparison.table(kpis))
    if args.out:
        comparison.runs.to_csv(args.out, index=False)
        written = _provenance(
            f"{Path(args.out).with_suffix('')}.",
            scenario,
            horizon,
            args,
            ["compare", *argv],
            manifest=comparison.manifest,
        )
        print(f"\nwrote {args.out}, {', '.join(map(str, written))}")
    return 1 if comparison.manifest["failed"] else 0


BASELINE = "as is"


def _policies(texts: list[str]) -> dict[str, dict]:
    """``--policy NAME:PATH=VALUE`` options as ``{name: overrides}``, after the baseline
    ("as is"). The same NAME may be repeated for several fields, but not the same field."""
    policies: dict[str, dict] = {BASELINE: {}}
    problems = []
    for text in texts:
        name, sep, assignment = text.partition(":")
        name = name.strip()
        if not sep or not name:
            problems.append(f"--policy {text!r} — write NAME:PATH=VALUE")
            continue
        if name == BASELINE:
            problems.append(
                f"--policy {text!r} — {BASELINE!r} is the baseline (the scenario unchanged); "
                "give the policy another name"
            )
            continue
        [(path, value)] = _overrides([assignment]).items()
        if path in policies.setdefault(name, {}):
            problems.append(
                f"--policy {text!r} — {name!r} already sets {path}; give each policy a field once"
            )
        policies[name][path] = value
    if problems:
        raise ScenarioError(problems)
    return policies


def _precision(texts: list[str]) -> dict[str, float]:
    """``--precision KPI=HALF_WIDTH`` options."""
    targets, problems = {}, []
    for kpi, value in _overrides(texts, "--precision", "KPI=HALF_WIDTH, like profit=20000").items():
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            problems.append(f"--precision {kpi}={value!r} — the half-width must be a number > 0")
        elif kpi not in KPI_NAMES:
            problems.append(f"--precision {kpi}={value!r} — not a KPI{suggest(kpi, KPI_NAMES)}")
        else:
            targets[kpi] = float(value)
    if problems:
        raise ScenarioError(problems)
    return targets


def _calibrate(argv: list[str]) -> int:
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
        "--max-evaluations",
        type=_whole(1),
        default=60,
        help="parameter points to try (default 60)",
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
    params = dict(_param(text, "lhs", scenario.time_unit) for text in args.param)
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
        written = _provenance(
            f"{Path(args.out).with_suffix('')}.",
            scenario,
            horizon,
            args,
            ["calibrate", *argv],
            manifest=fit.manifest,
        )
        print(f"\nwrote {args.out}, {', '.join(map(str, written))}")
    return 0


def _robust(argv: list[str]) -> int:
    from sim.experiment.questions import QUESTIONS
    from sim.experiment.robustness import robustness

    parser = _experiment_parser(
        "robust",
        "Run every policy in every plausible world of the behavioural unknowns; print how "
        "often each is best, its regret, and which unknowns flip the answer.",
    )
    parser.add_argument(
        "--policy",
        metavar="NAME:PATH=VALUE",
        action="append",
        default=[],
        help="a policy's override, compared with the scenario as it is; repeatable (default "
        "for a shipped scenario: the policies of its question)",
    )
    parser.add_argument("--worlds", type=_whole(1), default=64, help="worlds (default 64)")
    parser.add_argument("--design", choices=("sobol", "lhs"), default="sobol")
    parser.add_argument(
        "--uncertain",
        metavar="PATH=LOW:HIGH",
        action="append",
        default=[],
        help="widen, narrow or add an unknown's range, or PATH=none to fix it at the "
        "scenario's value, over the scenario's own [uncertainties] table; repeatable",
    )
    parser.add_argument(
        "--satisficing", metavar="RULE", help="e.g. 'profit > 0 and nps > 20': worlds failing it"
    )
    parser.description += (
        " The sentence is about the first of --kpis (a shipped question: its own KPI)."
    )
    parser.set_defaults(reps=3, kpis="profit,nps,satisfaction_mean,churn_rate")
    args = parser.parse_args(argv)
    scenario, horizon, kpis = _prepare(args)
    if args.policy:
        policies = _policies(args.policy)
        pairs = [(name, BASELINE, kpis[0]) for name in policies if name != BASELINE]
    elif args.scenario in QUESTIONS:
        question = QUESTIONS[args.scenario]
        policies = question.policies
        pairs = [(question.winner, question.loser, question.kpi)]
    else:
        raise ScenarioError(
            ["--policy: missing — give at least one, e.g. --policy 'promise 60:PATH=60'"]
        )
    changes = {}
    for text in args.uncertain:
        path, sep, spec = text.partition("=")
        if not sep or not path.strip():
            raise ScenarioError([f"--uncertain {text!r} — write PATH=LOW:HIGH or PATH=none"])
        if spec.strip().lower() == "none":
            changes[path.strip()] = None
        else:
            changes.update([_param(text, "lhs", scenario.time_unit)])
    study = robustness(
        scenario,
        policies,
        changes,
        n_worlds=args.worlds,
        reps=args.reps,
        seed=args.seed,
        horizon=horizon,
        design=args.design,
        satisficing=args.satisficing,
        kpis=kpis,
        workers=args.workers,
        store=args.store,
    )
    manifest = study.manifest
    print(
        f"{scenario.name}: {manifest['runs']} runs ({manifest['from_store']} from the store, "
        f"{manifest['failed']} failed), {manifest['wall_time_s']:.1f} s on "
        f"{manifest['workers']} worker(s)"
    )
    print(study.table())
    print()
    for policy, other, kpi in pairs:
        print(study.answer(policy, other, kpi))
    if args.out:
        study.runs.to_csv(args.out, index=False)
        print(f"\nwrote {args.out}")
    return 1 if manifest["failed"] else 0


def _app(argv: list[str]) -> int:
    from sim.app.server import DEFAULT_HOST, DEFAULT_PORT

    parser = argparse.ArgumentParser(
        prog="promise-gap app",
        description="Serve the workshop app: levers, KPI tiles with paired 95%% CIs, gap "
        "map, snapshots and a printable handout, in the browser.",
    )
    _scenario_argument(parser)
    parser.add_argument(
        "--host",
        default=DEFAULT_HOST,
        help=f"default {DEFAULT_HOST} (this computer only); 0.0.0.0 serves the network",
    )
    parser.add_argument(
        "--port", type=_whole(1), default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}"
    )
    parser.add_argument("--seed", type=_whole(0), default=1, help="random seed (default 1)")
    parser.add_argument("--horizon", default="90d", help="simulated time per run (default 90d)")
    parser.add_argument(
        "--reps", type=_whole(1), default=10, help="replications per setting (default 10)"
    )
    parser.add_argument("--workers", type=_whole(1), help="processes (default: all cores)")
    parser.add_argument(
        "--store",
        metavar="FILE",
        help="SQLite file keeping every run (default: the user's run cache)",
    )
    args = parser.parse_args(argv)
    if args.port > 65535:
        raise ScenarioError([f"--port: {args.port} — give a port from 1 to 65535, like 8765"])
    scenario = _scenario(args.scenario)  # a bad scenario or horizon is refused before serving
    try:
        horizon_hours(args.horizon, scenario.time_unit)
    except DurationError as error:
        raise ScenarioError([f"--horizon: {args.horizon!r} — {error.reason}"]) from None
    if args.store:
        RunStore(args.store).close()
    from sim.app.server import serve

    serve(
        args.scenario,
        host=args.host,
        port=args.port,
        seed=args.seed,
        horizon=args.horizon,
        reps=args.reps,
        workers=args.workers,
        store=args.store,
    )
    return 0


def _provenance(stem: str, scenario: Scenario, horizon, args, command: list[str], **extra):
    """Write the scenario as run and the manifest next to ``--out`` (see sim.provenance)."""
    from sim import provenance

    return provenance.write(
        stem,
        scenario,
        seed=args.seed,
        replications=getattr(args, "reps", 1),
        horizon_hours=scenario.horizon if horizon is None else horizon,
        overrides=_overrides(args.set),
        command=shlex.join(["promise-gap", *command]),
        **extra,
    )


def _value(text: str):
    """A command-line value read as TOML (60, 0.5, "45 min") or else as text."""
    try:
        return tomllib.loads(f"value = {text.strip()}")["value"]
    except tomllib.TOMLDecodeError:
        return text.strip()


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
