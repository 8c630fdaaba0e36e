"""Run the promise-gap benchmarks: ``python benchmarks/run.py [--quick] [--no-fail] ...``.

Sections (each in its own module; ``--only NAME`` runs one, repeatable):

* ``engine`` — full model against a bare-SimPy skeleton on pizza: episodes/s, events/s, ratio;
* ``throughput`` — events/s and customer-episodes/s for every shipped scenario;
* ``memory`` — peak RSS per customer at ~10 k, 100 k, 1 M customers; growth with horizon;
* ``scaling`` — wall time against horizon and against arrival rate, with linear fits;
* ``sweeps`` — the same sweep with 1 and 2 worker processes: speed-up;
* ``robustness`` — a 2-policy × 64-world × 3-replication robustness study of pizza, and its
  re-run from the store.
* ``app`` — the workshop app: lever move to first answer (issue 16).
* ``timetable`` — pizza with and without a demand profile, shifts and opening hours: overhead.
* ``frontier`` — the README's 200-run policy-frontier sweep of pizza on 2 workers (issue 14).

Each section prints its tables on stdout as soon as it is done; progress lines go to stderr.
A final TARGETS table compares the figures with issue 6's targets; the script exits 1 if a
measured target is missed (``--no-fail``: exit 0 anyway; a section that crashes exits 2).
``--quick`` runs small sizes (about a minute) for CI; ``--json PATH`` writes every figure.
The full run takes long (the 1 M-customer memory run alone takes many minutes): run it on a
quiet machine.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
import traceback
from pathlib import Path

# `python benchmarks/run.py` puts benchmarks/ on sys.path; the package lives one level up
_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from benchmarks import common, report  # noqa: E402

SECTIONS = (
    "engine",
    "throughput",
    "memory",
    "scaling",
    "sweeps",
    "frontier",
    "timetable",
    "robustness",
    "app",
)


def _section_runner(name: str):
    from importlib import import_module

    return import_module(f"benchmarks.{name}").run


def _meta(quick: bool) -> dict:
    import numpy
    import simpy

    import sim

    def git(*args: str) -> str:
        try:
            out = subprocess.run(
                ["git", *args], cwd=common.ROOT, capture_output=True, text=True, timeout=10
            )
            return out.stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    return {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "quick": quick,
        "commit": git("rev-parse", "--short", "HEAD"),
        "uncommitted_changes": bool(git("status", "--porcelain", "--", "sim")),
        "sim": sim.__file__,
        "sim_version": sim.__version__,
        "python": platform.python_version(),
        "simpy": simpy.__version__,
        "numpy": numpy.__version__,
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average_start": _load(),
    }


def _load() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _merge_targets(sections: list[report.Section]) -> list[report.Target]:
    """One row per target; a later section's measured figure replaces an earlier one (the
    throughput section's pizza figure beats the engine section's)."""
    merged: dict[str, report.Target] = {}
    for section in sections:
        for target in section.targets:
            if target.name not in merged or target.passed is not None:
                merged[target.name] = target
    return list(merged.values())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="promise-gap benchmarks (issue 6)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="sections: " + ", ".join(SECTIONS),
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, about a minute (CI)")
    parser.add_argument("--no-fail", action="store_true", help="exit 0 even if a target is missed")
    parser.add_argument(
        "--only", action="append", choices=SECTIONS, metavar="SECTION", help="run only these"
    )
    parser.add_argument("--json", metavar="PATH", help="write every figure to this JSON file")
    args = parser.parse_args(argv)

    common.use_checkout()
    meta = _meta(args.quick)
    print(
        f"promise-gap benchmarks{' (quick)' if args.quick else ''} · sim {meta['sim_version']} "
        f"at {meta['commit']}{' + uncommitted changes' if meta['uncommitted_changes'] else ''}"
        f" · Python {meta['python']} · SimPy {meta['simpy']} · {meta['cpus']} CPU(s) · "
        f"load average {meta['load_average_start']}",
        flush=True,
    )
    common.log(f"sim from {meta['sim']}")
    wanted = [s for s in SECTIONS if not args.only or s in args.only]
    sections: list[report.Section] = []
    crashed = []
    for name in wanted:
        common.log(f"section {name}: start")
        try:
            section = _section_runner(name)(quick=args.quick)
        except Exception:
            traceback.print_exc()
            common.log(f"section {name}: CRASHED")
            crashed.append(name)
            continue
        sections.append(section)
        for table in section.tables:
            print("\n" + table.render(), flush=True)
        common.log(f"section {name}: done")
    targets = _merge_targets(sections)
    meta["load_average_end"] = _load()
    print("\n" + report.targets_table(targets).render())
    missed = [t.name for t in targets if t.passed is False]
    print(
        f"\nload average {meta['load_average_start']} → {meta['load_average_end']} "
        "(timings from a busy machine are inflated)"
    )
    if crashed:
        print(f"crashed sections: {', '.join(crashed)}")
    if args.json:
        report.write_json(args.json, meta, sections, targets)
        common.log(f"figures written to {args.json}")
    if crashed:
        return 2
    if missed and not args.no_fail:
        print(f"missed targets: {', '.join(missed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
