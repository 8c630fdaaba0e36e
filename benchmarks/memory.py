"""Memory: peak resident memory per customer, and how it grows with the horizon.

What is measured: every run is a fresh Python process (``python -m benchmarks.memory
--probe ...``) that imports ``sim``, builds the stationary pizza variant
(:func:`benchmarks.common.stationary_pizza`: unlimited market, ``FACTOR`` × the paid
prospects and the capacities), does a 1-day warm-up run (so lazily imported modules and
first-use caches are not counted), then records its current RSS ("before"), resets the
kernel's peak-RSS mark and runs ``sim.Model(scenario, seed=1, horizon).run()``. Afterwards
it reports the peak RSS of the run and its current RSS with the :class:`sim.Result` still
alive ("after").

Peak RSS is ``VmHWM`` from ``/proc/self/status``, reset just before the run by writing 5 to
``/proc/self/clear_refs`` (Linux ≥ 4.0), so it is the peak of the measured region alone.
``ru_maxrss`` is only the fallback (other systems): on Linux it also carries the *parent's*
peak RSS over ``fork``/``vfork`` + ``exec`` (the kernel keeps the larger of the two), so a
probe started from a big benchmark process would report the parent's size instead of its
own; it also includes any peak during imports.

* resident per customer = (peak RSS − RSS before) / customers acquired, shown as KB per
  1,000 customers and bytes per customer (KB = 1,024 bytes, as the kernel counts). The peak includes building the Result (its per-customer table), because a user
  pays for that too. Target: ≤ 1 KB per customer, judged at the largest size run (1 M in
  the full run, where fixed costs such as the active customers' processes are amortised).
* sizes: about 10 k, 100 k and 1 M customers (2 k and 5 k with ``--quick``; no 1 M). The
  horizon for a size comes from a pilot run in this process (the day the N-th customer was
  acquired, with the same seed, so the run is the pilot's own beginning) or, beyond the
  pilot, from the previous size's acquisition rate over its last half; sizes aim 3 % high so
  that "1 M customers" is reached. Target: the 1 M-customer run completes.
* horizon growth: the same arrival rate for horizons ×1, ×2, ×4 (180/360/720 d; 15/30/60 d
  with ``--quick``). The number of *active* customers settles within about a year (word of
  mouth and customer lifetimes take that long), but the model keeps every acquired customer
  for the per-customer table, so RSS is expected to grow with the customers acquired and
  with nothing else (not with events); the table fits lines of RSS growth against
  customers acquired and against days, giving bytes per extra customer (which should be
  close to the per-customer figure above) and bytes per extra simulated day.

The probes print a heartbeat (elapsed time and current RSS) on stderr every 30 s.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import threading
import time

from benchmarks.common import (
    HOURS_PER_DAY,
    ROOT,
    linear_fit,
    log,
    stationary_pizza,
    use_checkout,
)
from benchmarks.report import Section, Table, Target

FACTOR = 5  # × pizza's 30 paid prospects/day, and × its capacities
SIZES = (10_000, 100_000, 1_000_000)
QUICK_SIZES = (2_000, 5_000)
PILOT_DAYS, QUICK_PILOT_DAYS = 120, 50
GROWTH_DAYS, QUICK_GROWTH_DAYS = (180, 360, 720), (15, 30, 60)
AIM_HIGH = 1.03
KIB = 1024


# ---------------------------------------------------------------------------- the probe
def current_rss_kib() -> float | None:
    """Resident set size now, KiB (Linux ``/proc/self/statm``; None elsewhere)."""
    try:
        with open("/proc/self/statm") as handle:
            pages = int(handle.read().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    import resource

    return pages * resource.getpagesize() / KIB


def _status_kib(field: str) -> float | None:
    """A ``kB`` field of ``/proc/self/status`` (``VmRSS``, ``VmHWM``), or None."""
    try:
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith(field + ":"):
                    return float(line.split()[1])
    except (OSError, IndexError, ValueError):
        pass
    return None


def reset_peak() -> bool:
    """Reset the kernel's peak-RSS mark (``VmHWM``) to the current RSS; False if unsupported."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
    except OSError:
        return False
    return _status_kib("VmHWM") is not None


def peak_rss_kib(reset_worked: bool) -> tuple[float, str]:
    """Peak RSS since :func:`reset_peak` (``VmHWM``), else ``ru_maxrss``; and which it is."""
    import resource

    if reset_worked:
        hwm = _status_kib("VmHWM")
        if hwm is not None:
            return hwm, "VmHWM"
    return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss), "ru_maxrss"


def probe(factor: float, horizon_days: float, seed: int = 1) -> dict:
    """Run in a fresh process: one measured run of the stationary pizza; returns figures."""
    import gc
    import resource

    import sim

    scenario = stationary_pizza(factor)
    sim.Model(scenario, seed=seed + 1, horizon=HOURS_PER_DAY).run()  # warm-up, not measured
    stop, started = threading.Event(), time.perf_counter()

    def heartbeat() -> None:
        while not stop.wait(30.0):
            rss = current_rss_kib()
            shown = f"{rss / KIB:,.0f} MB" if rss else "?"
            print(
                f"    memory probe ({horizon_days:,.0f} d): {time.perf_counter() - started:,.0f} s,"
                f" RSS {shown}",
                file=sys.stderr,
                flush=True,
            )

    threading.Thread(target=heartbeat, daemon=True).start()  # started before "before"
    gc.collect()
    before = current_rss_kib() or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    reset = reset_peak()
    started = time.perf_counter()
    result = sim.Model(scenario, seed=seed, horizon=horizon_days * HOURS_PER_DAY).run()
    wall = time.perf_counter() - started
    stop.set()
    peak, peak_source = peak_rss_kib(reset)
    after = current_rss_kib()
    acquired = result.customers["acquired_day"]
    half = horizon_days / 2
    return {
        "factor": factor,
        "horizon_days": horizon_days,
        "seed": seed,
        "customers": int(result.kpis["acquired"]),
        "active_at_end": int(result.kpis["active"]),
        "episodes": int(result.kpis["purchases"]),
        "acquired_per_day_last_half": float((acquired >= half).sum() / (horizon_days - half)),
        "wall_s": wall,
        "rss_before_kib": before,
        "peak_rss_kib": peak,
        "peak_source": peak_source,
        "rss_after_kib": after,
        "growth_kib": peak - before,
    }


def run_probe(factor: float, horizon_days: float, seed: int = 1) -> dict:
    """:func:`probe` in a fresh interpreter; the returned dict has ``ok`` and ``error``."""
    command = [
        sys.executable,
        "-m",
        "benchmarks.memory",
        "--probe",
        json.dumps({"factor": factor, "horizon_days": horizon_days, "seed": seed}),
    ]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=False, stdout=subprocess.PIPE)
    if done.returncode != 0:
        return {
            "ok": False,
            "error": f"exit code {done.returncode}",
            "horizon_days": horizon_days,
            "process_s": time.perf_counter() - started,
        }
    figures = json.loads(done.stdout.decode().strip().splitlines()[-1])
    figures.update(ok=True, error=None, process_s=time.perf_counter() - started)
    return figures


# ---------------------------------------------------------------------------- the section
def _pilot(factor: float, days: float) -> tuple[list[float], float]:
    """Acquisition days of every customer in a pilot run, and the rate over its last half."""
    import sim

    result = sim.Model(stationary_pizza(factor), seed=1, horizon=days * HOURS_PER_DAY).run()
    days_acquired = sorted(result.customers["acquired_day"].tolist())
    late = sum(d >= days / 2 for d in days_acquired)
    return days_acquired, late / (days / 2)


def _horizon_for(
    target: float, acquired: list[float], pilot_days: float, last: dict | None, rate: float
) -> float:
    """Days until about ``target`` customers are acquired."""
    if target <= len(acquired):
        return math.ceil(acquired[int(target) - 1] + 0.5)
    if last and last.get("ok"):
        base_days, base_customers = last["horizon_days"], last["customers"]
        rate = last["acquired_per_day_last_half"] or rate
    else:
        base_days, base_customers = pilot_days, len(acquired)
    return math.ceil(base_days + (target - base_customers) / rate)


def _per_customer(figures: dict) -> tuple[float, float]:
    """(KB per 1,000 customers, bytes per customer)."""
    if not figures.get("ok") or not figures.get("customers"):
        return math.nan, math.nan
    kib = figures["growth_kib"] / figures["customers"]
    return kib * 1000, kib * KIB


def run(quick: bool = False) -> Section:
    sizes = QUICK_SIZES if quick else SIZES
    pilot_days = QUICK_PILOT_DAYS if quick else PILOT_DAYS
    growth_days = QUICK_GROWTH_DAYS if quick else GROWTH_DAYS
    log(f"memory: pilot run, stationary pizza ×{FACTOR}, {pilot_days} d")
    acquired, rate = _pilot(FACTOR, pilot_days)
    figures: dict = {"factor": FACTOR, "sizes": {}, "growth": []}
    sizes_table = Table(
        f"MEMORY — peak RSS per customer (stationary pizza ×{FACTOR}, fresh process each)",
        [
            "target customers",
            "horizon d",
            "customers",
            "active at end",
            "episodes",
            "wall s",
            "RSS before MB",
            "peak MB",
            "after MB",
            "KB / 1,000 customers",
            "bytes / customer",
        ],
    )
    last = None
    for size in sizes:
        days = _horizon_for(size * AIM_HIGH, acquired, pilot_days, last, rate)
        log(f"memory: ~{size:,} customers, {days:,} d in a fresh process")
        last = run_probe(FACTOR, days)
        figures["sizes"][str(size)] = last
        per_1000, per_customer = _per_customer(last)
        last["kib_per_1000_customers"], last["bytes_per_customer"] = per_1000, per_customer
        if last["ok"]:
            log(f"memory: {last['customers']:,} customers, {per_customer:,.0f} bytes/customer")
            sizes_table.rows.append(
                [
                    size,
                    days,
                    last["customers"],
                    last["active_at_end"],
                    last["episodes"],
                    last["wall_s"],
                    last["rss_before_kib"] / KIB,
                    last["peak_rss_kib"] / KIB,
                    (last["rss_after_kib"] or math.nan) / KIB,
                    per_1000,
                    per_customer,
                ]
            )
        else:
            log(f"memory: the {size:,}-customer run failed: {last['error']}")
            sizes_table.rows.append([size, days, f"failed: {last['error']}"] + [""] * 8)
    sizes_table.notes += [
        "growth = peak RSS − RSS before the run (after imports and a 1-day warm-up); "
        "the peak includes building the Result",
        f"peak RSS from {last.get('peak_source', '?') if last else '?'} "
        "(VmHWM reset before the run; ru_maxrss would include the parent's peak)",
    ]

    growth_table = Table(
        f"MEMORY — growth with the horizon (stationary pizza ×{FACTOR}, same arrival rate)",
        ["horizon d", "customers", "active at end", "episodes", "growth MB", "bytes / customer"],
    )
    for days in growth_days:
        log(f"memory: horizon {days} d in a fresh process")
        done = run_probe(FACTOR, days)
        figures["growth"].append(done)
        if done["ok"]:
            growth_table.rows.append(
                [
                    days,
                    done["customers"],
                    done["active_at_end"],
                    done["episodes"],
                    done["growth_kib"] / KIB,
                    _per_customer(done)[1],
                ]
            )
        else:
            growth_table.rows.append([days, f"failed: {done['error']}", "", "", "", ""])
    ok = [g for g in figures["growth"] if g["ok"]]
    if len(ok) >= 2:
        growth = [g["growth_kib"] * KIB for g in ok]
        _, per_customer, r2_customers = linear_fit([g["customers"] for g in ok], growth)
        _, per_day, r2_days = linear_fit([g["horizon_days"] for g in ok], growth)
        _, per_episode, _ = linear_fit([g["episodes"] for g in ok], growth)
        figures["growth_fit"] = {
            "bytes_per_extra_customer": per_customer,
            "bytes_per_extra_day": per_day,
            "bytes_per_extra_episode": per_episode,
            "r2_customers": r2_customers,
            "r2_days": r2_days,
        }
        growth_table.notes += [
            f"fit: {per_customer:,.0f} bytes per extra customer acquired (R² {r2_customers:.3f}),"
            f" {per_day / KIB:,.0f} KB per extra day (R² {r2_days:.3f}),"
            f" {per_episode:,.0f} bytes per extra episode",
            "every acquired customer is kept for the per-customer table, so RSS grows with "
            "customers acquired; a leak per event or per day would show as extra growth",
        ]

    largest = next(
        (figures["sizes"][str(s)] for s in reversed(sizes) if figures["sizes"][str(s)]["ok"]),
        None,
    )
    targets = [
        Target(
            "resident memory per customer",
            1.0,
            "KB",
            False,
            largest["kib_per_1000_customers"] / 1000 if largest else math.nan,
            f"memory ({largest['customers']:,} customers)" if largest else "memory",
        )
    ]
    if 1_000_000 in sizes:
        million = figures["sizes"]["1000000"]
        reached = million.get("customers", 0) / 1e6 if million["ok"] else 0.0
        targets.append(
            Target("1 M-customer run completes", 1.0, "M customers", True, reached, "memory")
        )
    else:
        targets.append(Target("1 M-customer run completes", 1.0, "M customers", True, None))
    return Section("memory", [sizes_table, growth_table], figures, targets)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--probe", required=True, help='JSON: {"factor", "horizon_days"}')
    args = parser.parse_args()
    use_checkout()
    print(json.dumps(probe(**json.loads(args.probe))))


if __name__ == "__main__":
    main()
