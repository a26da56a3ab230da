"""Time the paired bootstrap of the top-k KPI lift against numpy and scipy.

One SYNTHETIC test set (1,000,000 rows in one period by default, 3,000 contacts; a
model that scores every row, and a two-condition rule with ties that may contact only
the rows it flags) is written once to bench/work/bootstrap/. One period, because with
two or more `kpi.evaluate` puts a t-interval on the periods' lifts and resamples
nothing; one period is what a test set without a time column gives. Then, in the
same session, each way of computing the same interval runs in its own fresh Python
process, so that its peak memory is its own:

  - playbook: `kpi.evaluate` with 2,000 resamples (the observed KPI included), ties
    at the capacity's edge counted at their chance;
  - numpy loop: per resample and period, draw the period's rows with replacement
    (`rng.integers`), and for each policy sum the values of the `capacity` drawn rows
    it ranks first (`np.partition` on the rows' contact ranks);
  - scipy: `scipy.stats.bootstrap` with one sample of row numbers per period
    (`paired=False` resamples each sample within itself, keeping its size, which is
    the within-period resampling), a vectorized statistic that scores both policies
    on the same drawn rows (the pairing) the way the numpy loop does, and the
    percentile method (BCa would need a jackknife over a million rows);
  - playbook before: the implementation this replaced, multinomial counts for every
    row of the period, `resamples x rows` at a time (16 GB at 2,000 resamples).

The last three are too slow to run 2,000 resamples in a benchmark; they run fewer
(`--slow-resamples`) and their time is scaled linearly to 2,000, which the results
say. Each process reports its wall time, the resident memory added at its peak (peak
resident set minus the resident size just before the timed call, with the data
loaded) and its interval. Methods alternate within each repeat. Results are appended
to bench/results.md.

    .venv/bin/python bench/bootstrap.py --repeats 3
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parent
WORK = BENCH / "work" / "bootstrap"
DATA = WORK / "test_set.npz"
SEED = 42


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Clock:
    """Wall and CPU seconds of this process since it was made, and of its setup."""

    def __init__(self) -> None:
        self.start = (time.perf_counter(), time.process_time())
        self.setup = (0.0, 0.0)

    def elapsed(self) -> tuple[float, float]:
        return (
            time.perf_counter() - self.start[0],
            time.process_time() - self.start[1],
        )

    def mark_setup(self) -> None:
        self.setup = self.elapsed()

    def read(self) -> dict:
        wall, cpu = self.elapsed()
        return {
            "seconds": wall,
            "cpu_seconds": cpu,
            "setup_seconds": self.setup[0],
            "setup_cpu_seconds": self.setup[1],
        }


# --- the test set --------------------------------------------------------------------


def write_test_set(rows: int, periods: int) -> None:
    rng = np.random.default_rng(1)
    months = np.repeat(np.arange(periods), -(-rows // periods))[:rows]
    risk = rng.normal(size=rows)
    positive = rng.random(rows) < 1 / (1 + np.exp(-(1.5 * risk - 2.5)))
    model_score = risk + rng.normal(0, 1, rows)
    # today's rule: two yes/no conditions that follow the risk loosely; the score is
    # how many hold (many ties), and only rows meeting one or more may be called.
    first = risk + rng.normal(0, 1.5, rows) > 1.0
    second = rng.random(rows) < 0.1
    rule_score = first.astype(float) + second
    WORK.mkdir(parents=True, exist_ok=True)
    np.savez(
        DATA,
        positive=positive,
        periods=np.array([f"2025-{m + 1:02d}" for m in months]),
        model_score=model_score,
        rule_score=rule_score,
    )


def load(capacity: int, resamples: int):
    from playbook import charter
    from playbook.tasks import kpi

    data = np.load(DATA)
    rows = len(data["positive"])
    definition = charter.Kpi(
        name="net value of retention calls",
        unit="KRW",
        period="month",
        min_lift=None,
        confidence=0.95,
        bootstrap_resamples=resamples,
        capacity_per_period=capacity,
        value_per_saved_customer=600_000.0,
        offer_success_rate=0.3,
        contact_cost=12_000.0,
    )
    model = kpi.Policy("model", data["model_score"], np.ones(rows, dtype=bool))
    rule = kpi.Policy("rule", data["rule_score"], data["rule_score"] > 0)
    return data["positive"], data["periods"], model, rule, definition


def ranked_periods(positive, periods, policies, definition) -> list[dict]:
    """Per period: each policy's contact rank of every row and its values by rank.

    Ineligible rows get rank `rows`, whose value is 0, so that the sum of the values
    of the `capacity` lowest ranks drawn is the policy's net value. Ties are broken by
    a fixed random number per row (`strict_order`): one way of breaking them, where
    playbook counts every way at its chance, so the lifts differ a little.
    """
    from playbook.tasks import kpi

    values = kpi.row_values(positive, kpi=definition)
    result = []
    for label in sorted(set(periods)):
        rows = np.flatnonzero(periods == label)
        ranks, by_rank = [], []
        for policy in policies:
            order = strict_order(policy, rows)
            rank = np.full(len(rows), len(rows))
            rank[order] = np.arange(len(order))
            padded = np.zeros(len(rows) + 1)
            padded[: len(order)] = values[rows][order]
            ranks.append(rank)
            by_rank.append(padded)
        result.append({"rows": rows, "ranks": ranks, "by_rank": by_rank})
    return result


def strict_order(policy, rows: np.ndarray) -> np.ndarray:
    """Positions of the eligible rows, best score first, ties in a fixed random way."""
    tiebreak = np.random.default_rng([SEED, 0]).random(len(policy.score))
    positions = np.flatnonzero(policy.eligible[rows])
    eligible = rows[positions]
    return positions[np.lexsort((-tiebreak[eligible], -policy.score[eligible]))]


def lift_of_draws(period: dict, drawn: np.ndarray, capacity: int) -> np.ndarray:
    """Model-minus-rule value of a period for drawn row positions (..., rows)."""
    lift = 0.0
    for sign, rank, by_rank in zip(
        (1, -1), period["ranks"], period["by_rank"], strict=True
    ):
        first = np.partition(rank[drawn], capacity - 1, axis=-1)[..., :capacity]
        lift = lift + sign * by_rank[first].sum(axis=-1)
    return lift


def percentile(lifts: np.ndarray) -> tuple[float, float]:
    low, high = np.quantile(lifts, [0.025, 0.975])
    return float(low), float(high)


# --- the methods (each runs in its own process) --------------------------------------


def run_playbook(capacity: int, resamples: int) -> dict:
    from playbook.tasks import kpi

    positive, periods, model, rule, definition = load(capacity, resamples)
    before = rss_mib()
    clock = Clock()
    report = kpi.evaluate(
        positive=positive,
        periods=periods,
        model=model,
        baseline=rule,
        kpi=definition,
        seed=SEED,
    )
    timing = clock.read()
    return {
        **timing,
        "added_mib": peak_mib() - before,
        "lift": report.lift,
        "interval": [report.lift_ci_low, report.lift_ci_high],
    }


def run_numpy_loop(capacity: int, resamples: int) -> dict:
    positive, periods, model, rule, definition = load(capacity, resamples)
    before = rss_mib()
    clock = Clock()
    ranked = ranked_periods(positive, periods, (model, rule), definition)
    clock.mark_setup()
    rng = np.random.default_rng(SEED)
    lifts = np.zeros(resamples)
    for r in range(resamples):
        for period in ranked:
            size = len(period["rows"])
            lifts[r] += lift_of_draws(period, rng.integers(0, size, size), capacity)
    lifts /= len(ranked)
    timing = clock.read()
    observed = sum(
        lift_of_draws(p, np.arange(len(p["rows"])), capacity) for p in ranked
    )
    return {
        **timing,
        "added_mib": peak_mib() - before,
        "lift": float(observed) / len(ranked),
        "interval": percentile(lifts),
    }


def run_scipy(capacity: int, resamples: int) -> dict:
    from scipy import stats

    positive, periods, model, rule, definition = load(capacity, resamples)
    before = rss_mib()
    clock = Clock()
    ranked = ranked_periods(positive, periods, (model, rule), definition)
    clock.mark_setup()

    def statistic(*drawn, axis=-1):
        total = sum(
            lift_of_draws(period, np.moveaxis(d, axis, -1), capacity)
            for period, d in zip(ranked, drawn, strict=True)
        )
        return total / len(ranked)

    result = stats.bootstrap(
        tuple(np.arange(len(p["rows"])) for p in ranked),
        statistic,
        n_resamples=resamples,
        batch=10,
        vectorized=True,
        paired=False,
        confidence_level=0.95,
        method="percentile",
        random_state=np.random.default_rng(SEED),
    )
    timing = clock.read()
    observed = statistic(*(np.arange(len(p["rows"])) for p in ranked))
    return {
        **timing,
        "added_mib": peak_mib() - before,
        "lift": float(observed),
        "interval": [
            float(result.confidence_interval.low),
            float(result.confidence_interval.high),
        ],
    }


def run_before(capacity: int, resamples: int) -> dict:
    from playbook.tasks import kpi

    positive, periods, model, rule, definition = load(capacity, resamples)
    before = rss_mib()
    clock = Clock()
    values = kpi.row_values(positive, kpi=definition)
    labels = sorted(set(periods))
    setting = []
    for label in labels:
        rows = np.flatnonzero(periods == label)
        # Every row a group of its own: the old code broke ties at random.
        orders = [
            kpi.Ranking(order=order, starts=np.arange(len(order)))
            for order in (strict_order(policy, rows) for policy in (model, rule))
        ]
        setting.append((rows, orders))
    clock.mark_setup()
    rng = np.random.default_rng([SEED, 1])
    lifts = np.zeros(resamples)
    for rows, orders in setting:
        size = len(rows)
        counts = rng.multinomial(size, np.full(size, 1 / size), resamples)
        for sign, order in zip((1, -1), orders, strict=True):
            lifts += sign * kpi.period_value(counts, order, values[rows], capacity)
    lifts /= len(labels)
    timing = clock.read()
    return {
        **timing,
        "added_mib": peak_mib() - before,
        "lift": float("nan"),
        "interval": percentile(lifts),
    }


METHODS = {
    "playbook": run_playbook,
    "numpy loop": run_numpy_loop,
    "scipy.stats.bootstrap": run_scipy,
    "playbook before": run_before,
}


# --- the driver ----------------------------------------------------------------------


def measure(method: str, capacity: int, resamples: int) -> dict:
    load_before = os.getloadavg()[0]
    done = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            method,
            "--capacity",
            str(capacity),
            "--resamples",
            str(resamples),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    result = json.loads(done.stdout.splitlines()[-1])
    result["resamples"] = resamples
    result["load"] = load_before
    return result


def scale(run: dict, resamples: int, kind: str = "") -> float:
    """Seconds for `resamples`: the setup once, the resampling scaled linearly."""
    setup = run[f"setup_{kind}seconds"]
    return setup + (run[f"{kind}seconds"] - setup) * resamples / run["resamples"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--periods", type=int, default=1)
    parser.add_argument("--capacity", type=int, default=3000)
    parser.add_argument("--resamples", type=int, default=2000)
    parser.add_argument(
        "--slow-resamples",
        type=int,
        default=50,
        help="resamples for the numpy loop, scipy and the old playbook",
    )
    parser.add_argument(
        "--no-record", action="store_true", help="print, do not append to results.md"
    )
    parser.add_argument("--child", choices=list(METHODS), help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        result = METHODS[args.child](args.capacity, args.resamples)
        print(json.dumps(result))
        return

    write_test_set(args.rows, args.periods)
    runs: dict[str, list[dict]] = {name: [] for name in METHODS}
    for repeat in range(args.repeats):
        for name in METHODS:
            resamples = args.resamples if name == "playbook" else args.slow_resamples
            runs[name].append(measure(name, args.capacity, resamples))
            last = runs[name][-1]
            print(
                f"repeat {repeat + 1} {name}: {last['seconds']:.2f}s for "
                f"{resamples} resamples, +{last['added_mib']:.0f} MiB, "
                f"interval {last['interval']}, load {last['load']:.2f}",
                flush=True,
            )

    def median(values: list[dict], key) -> float:
        return statistics.median(key(run) for run in values)

    wall = {n: median(v, lambda r: scale(r, args.resamples)) for n, v in runs.items()}
    cpu = {
        n: median(v, lambda r: scale(r, args.resamples, "cpu_"))
        for n, v in runs.items()
    }
    loads = [run["load"] for values in runs.values() for run in values]
    lines = [
        f"## {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, paired bootstrap of the "
        f"top-k lift on {args.rows:,} rows, {args.resamples:,} resamples",
        "",
        f"Machine: {platform.machine()}, Python {platform.python_version()}, "
        f"numpy {np.__version__}, {shutil.os.cpu_count()} cores; load average "
        f"(1 min) before each run {min(loads):.2f} to {max(loads):.2f} (other jobs "
        f"share the machine). Test set: SYNTHETIC, {args.rows:,} rows in "
        f"{args.periods} period(s), capacity {args.capacity:,} contacts per period; "
        f"{args.repeats} repeats, methods alternating, each run a fresh process.",
        "",
        f"| method | resamples run | wall s, median (min-max) | CPU s | wall s for "
        f"{args.resamples:,} | CPU s for {args.resamples:,} | x playbook (wall, CPU) "
        "| added MiB (peak) | lift | 95% interval |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, values in runs.items():
        seconds = [run["seconds"] for run in values]
        resamples = values[0]["resamples"]
        low, high = values[0]["interval"]
        mark = "" if resamples == args.resamples else " (scaled)"
        lift = values[0]["lift"]
        lines.append(
            f"| {name} | {resamples:,} | {statistics.median(seconds):.2f} "
            f"({min(seconds):.2f}-{max(seconds):.2f}) | "
            f"{median(values, lambda r: r['cpu_seconds']):.2f} | "
            f"{wall[name]:.1f}{mark} | {cpu[name]:.1f}{mark} | "
            f"{wall[name] / wall['playbook']:.0f}, {cpu[name] / cpu['playbook']:.0f} | "
            f"{median(values, lambda r: r['added_mib']):.0f} | "
            f"{'' if np.isnan(lift) else f'{lift:,.0f}'} | "
            f"[{low:,.0f}, {high:,.0f}] |"
        )
    lines += [
        "",
        f"Rows marked (scaled) ran {args.slow_resamples} resamples; their time for "
        f"{args.resamples:,} is their setup (ranking the rows of each period, timed "
        f"apart) plus the rest x {args.resamples}/{args.slow_resamples}, median over "
        "the repeats: every resample does the same work, so the time grows linearly. "
        "Their intervals come from those few resamples, so they agree with "
        "playbook's only roughly; their lift breaks the rule's ties one fixed way, "
        "where playbook's counts every way at its chance. CPU s is the process's "
        "user and system time (all its threads); "
        "on a shared machine it moves less than the wall time. Added memory is the "
        "peak resident size minus the resident size just before the timed call "
        "(data loaded), at the resamples run.",
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
