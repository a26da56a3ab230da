"""Record how often stage 4's intervals contain the true lift, and how often it says GO.

Runs the simulations of `playbook.tasks.interval_coverage` in every world of issue 13,
each over 8 seeds, and reports every seed (not the best):

  - top-k (`kpi.evaluate`) and routing (`routing_kpi.kpi_report`) with 4, 8 and 12
    test periods, without and with period effects (sd 0.15 and 0.3: each month's
    churn rate, or the router's right share, times 1 + sd z);
  - forecasts (`bootstrap.over_blocks`) on 4, 8 and 12 weekly blocks of days whose
    errors have day-to-day autocorrelation 0, 0.6 and 0.9;
  - the row bootstraps used when the test rows have one period (top-k) or fixed
    periods (`bootstrap.within_periods`).

On the same draws the charter's minimum lift is set 10% above the true lift, and the
table gives how often the decision rule says GO (a false GO), strict and lenient.
Appends a section to bench/results.md.

    .venv/bin/python bench/coverage.py --repetitions 300
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from playbook.tasks import interval_coverage
from playbook.tasks.interval_coverage import Coverage, Runs

BENCH = Path(__file__).resolve().parent
SEEDS = range(1, 9)
TOP_K = interval_coverage.REFERENCE_WORLD
ROUTING = interval_coverage.REFERENCE_ROUTING
SIZES = [120, 300, 80, 500, 250, 60, 400, 150, 90, 200, 350, 100]

World = Callable[[Runs], Coverage]


def worlds(resamples: int) -> dict[str, tuple[World, int]]:
    """Each world's name, its simulation, and the resamples behind each interval."""
    found: dict[str, tuple[World, int]] = {}
    for sd in (0.0, 0.15, 0.3):
        for periods in (4, 8, 12):
            effect = f"period effect sd {sd}" if sd else "no period effect"
            top_k = dataclasses.replace(TOP_K, periods=periods, period_sd=sd)
            found[f"top-k, {periods} months x 1,000 rows, {effect}"] = (
                lambda runs, w=top_k: interval_coverage.top_k(w, runs),
                resamples,
            )
            routing = dataclasses.replace(ROUTING, periods=periods, period_sd=sd)
            found[f"routing, {periods} months x 300 tickets, {effect}"] = (
                lambda runs, w=routing: interval_coverage.routing(w, runs),
                resamples,
            )
    for rho in (0.0, 0.6, 0.9):
        for blocks in (4, 8, 12):
            found[f"forecast, {blocks} weeks, daily autocorrelation {rho}"] = (
                lambda runs, b=blocks, r=rho: interval_coverage.over_blocks(
                    runs, blocks=b, block_length=7, autocorrelation=r
                ),
                resamples,
            )
    one = dataclasses.replace(TOP_K, periods=1)
    found["top-k, 1 period (no time column) x 1,000 rows, row bootstrap"] = (
        lambda runs: interval_coverage.top_k(one, runs),
        resamples,
    )
    found["row bootstrap (routing, 1 period): 12 fixed periods of 60 to 500 rows"] = (
        lambda runs: interval_coverage.within_periods(SIZES, runs),
        resamples,
    )
    return found


def row(name: str, results: list[Coverage], seconds: float) -> str:
    reps = sum(r.repetitions for r in results)
    covered = sum(r.covered for r in results)
    spread = np.sqrt(np.mean([r.estimate_sd**2 for r in results]))
    width = np.mean([r.mean_width for r in results])
    return (
        f"| {name} | {', '.join(str(r.covered) for r in results)} | "
        f"{covered / reps:.1%} | {sum(r.below for r in results)} / "
        f"{sum(r.above for r in results)} | {width / (2 * 1.96 * spread):.2f} | "
        f"{sum(r.false_go for r in results) / reps:.1%} | "
        f"{sum(r.false_go_lenient for r in results) / reps:.1%} | "
        f"{past(results)} | {seconds:.0f} |"
    )


def past(results: list[Coverage]) -> str:
    """Share of intervals past the single periods' lifts; n/a with one period."""
    counts = [r.past_periods for r in results if r.past_periods is not None]
    if not counts:
        return "n/a (one period)"
    return f"{sum(counts) / sum(r.repetitions for r in results):.1%}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=300)
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument(
        "--only", default="", help="run only the worlds whose name contains this"
    )
    parser.add_argument(
        "--no-record", action="store_true", help="print, do not append to results.md"
    )
    args = parser.parse_args()
    load = os.getloadavg()[0]
    lines = [
        f"## {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, coverage of stage 4's "
        f"intervals and false GOs, 8 seeds x {args.repetitions} repetitions",
        "",
        f"Machine: {platform.machine()}, Python {platform.python_version()}, "
        f"numpy {np.__version__}; load average before the run {load:.2f}. Each "
        f"repetition draws a SYNTHETIC test set from a world whose true lift per "
        f"period is known (`playbook.tasks.interval_coverage`) and builds a 95% "
        f"interval as stage 4 does ({args.resamples:,} resamples or simulated series "
        f"where the method uses them); seeds {SEEDS[0]} to {SEEDS[-1]}, each seed's "
        f"count of intervals holding the truth given.",
        "",
        "| world | covered, seeds 1-8 (of "
        f"{args.repetitions} each) | coverage | wholly below / above the truth | "
        "width / (3.92 x spread of the estimate) | GO, true lift 10% below the "
        "minimum (strict) | same, lenient rule | reaches past the lowest or highest "
        "single period | seconds |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, (simulate, resamples) in worlds(args.resamples).items():
        if args.only not in name:
            continue
        started = time.perf_counter()
        results = [
            simulate(Runs(args.repetitions, resamples=resamples, seed=seed))
            for seed in SEEDS
        ]
        lines.append(row(name, results, time.perf_counter() - started))
        print(lines[-1], flush=True)
    lines += [
        "",
        "A right-sized interval covers about 95%. Over 8 x "
        f"{args.repetitions} repetitions the coverage of a method that truly covers "
        f"95% falls within {1.96 * np.sqrt(0.95 * 0.05 / (8 * args.repetitions)):.1%} "
        "of it nineteen times in twenty; a single seed's count varies by about "
        f"{np.sqrt(0.95 * 0.05 * args.repetitions):.0f}. The width ratio is above 1 "
        "for t-based intervals on few periods (t quantiles over 1.96).",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.no_record:
        return
    results = BENCH / "results.md"
    previous = results.read_text() if results.exists() else "# Benchmark results\n\n"
    results.write_text(previous + "\n" + text)


if __name__ == "__main__":
    main()
