"""Command line: ``python -m sim`` (or ``promise-gap``).

Examples::

    python -m sim                          # the pizza scenario, 180 days, seed 1
    python -m sim airline --horizon 90d --seed 7
    python -m sim my_shop.toml --out results/
    python -m sim --set touchpoints.delivery.promise.time=60 --set resources.driver.capacity=6
    python -m sim check my_shop.toml       # validate a scenario file
    python -m sim list                     # shipped scenarios
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path

from sim import examples
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


def _run_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="promise-gap",
        description="Simulate promises vs delivery and print a report. "
        "Other commands: 'check FILE' validates a scenario, 'list' shows the shipped ones.",
    )
    parser.add_argument(
        "scenario",
        nargs="?",
        default=DEFAULT_SCENARIO,
        help=f"shipped scenario name or path to a .toml file (default: {DEFAULT_SCENARIO})",
    )
    parser.add_argument(
        "--horizon", help="run length, e.g. 180d, '12 wk', 2000 (hours); default: the scenario's"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--out", metavar="DIR", help="also write the result tables as CSV to DIR")
    parser.add_argument(
        "--set",
        metavar="PATH=VALUE",
        action="append",
        default=[],
        help="override a scenario field by its dotted path, e.g. "
        "touchpoints.delivery.promise.time=60 or 'market.prospects_per_day=40'; repeatable",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m sim`` and the ``promise-gap`` console script."""
    argv = sys.argv[1:] if argv is None else argv
    try:
        if argv[:1] == ["check"]:
            return _check(argv[1:])
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
            paths = result.save(args.out)
            print(f"\nwrote {', '.join(str(p) for p in paths)}")
        return 0
    except ScenarioError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


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
        try:
            value = tomllib.loads(f"value = {text.strip()}")["value"]
        except tomllib.TOMLDecodeError:
            value = text.strip()  # bare text such as 45 min or quantile
        overrides[path.strip()] = value
    return overrides


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
            print(f"✗ {name}: {error}", file=sys.stderr)
            status = 2
        else:
            journey = " → ".join(tp.name for tp in scenario.touchpoints)
            print(f"✓ {name}: {scenario.name} — {journey}")
    return status


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
