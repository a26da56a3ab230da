"""Time and memory of every stage as the rows grow, and stage 4 on wide data.

For each size (default 20,000, 200,000 and 1,000,000 rows) the SYNTHETIC churn demo is
written with `playbook demo --rows N --no-run` and the whole journey run once with
`playbook run CHARTER --tuning-seconds T`. Per stage: its seconds as the runner records
them in the manifest (the notebook's execution in the journey's kernel, not the HTML
export), and the kernel's peak resident memory during the stage. The journey runs every
stage in one kernel process (`playbook.run.kernel`), so that peak is read from the
kernel's own high-water mark (VmHWM in /proc/PID/status), reset (`5` into
/proc/PID/clear_refs) when the manifest marks the next stage as running: nothing
between two samples is missed. A stage's peak includes what the previous stage left in
the kernel until the kernel's reset frees it, and the imports (a few hundred MiB).

Growth per stage: the exponent b of time ~ rows^b between consecutive sizes (b = 1:
linear; above 1: superlinear) and the time ratio per 10x rows (10^b).

Wide data: the churn demo at 3,000 rows widened with noise columns (default to 300 and
to 3,000 columns), stages 3 and 4 run with `--tuning-seconds` (default 5), stage 4's
time recorded against twice the budget (stage 4 reuses stage 3's findings, as in a
journey), then stage 4 alone (it redoes stage 3's scans) on a second line; a run past
`--wide-timeout` seconds is stopped and recorded as not finished.

    .venv/bin/python bench/scale.py                      # all sizes and the wide frame
    .venv/bin/python bench/scale.py --rows 20000 --no-wide
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import itertools
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

from playbook.core.journey import STAGES

BENCH = Path(__file__).resolve().parent
WORK = BENCH / "work" / "scale"
BIN = Path(sys.executable).parent
MIB = 2**20
# How often the sampler looks at the manifest and the kernel.
POLL_SECONDS = 0.05
# The targets (#14): stage 7 against stage 4 at the largest size, the journey.
STAGE7_SHARE, JOURNEY_SECONDS = 0.15, 110.0


@dataclass
class Journey:
    """One `playbook run`: wall time, each stage's seconds and kernel peak MiB."""

    rows: int
    wall: float
    code: int
    seconds: dict[str, float] = field(default_factory=dict)
    peak_mib: dict[str, float] = field(default_factory=dict)
    start_mib: dict[str, float] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    tree_peak_mib: float = 0.0
    load: tuple[float, float] = (0.0, 0.0)
    output: str = ""
    timed_out: bool = False


def _kernel(root: psutil.Process) -> psutil.Process | None:
    with contextlib.suppress(psutil.Error):
        for child in root.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                if any("ipykernel" in part for part in child.cmdline()):
                    return child
    return None


def _status_kib(pid: int, field_name: str) -> float | None:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return float(line.split()[1])
    return None


def _cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def _reset_peak(pid: int) -> None:
    with contextlib.suppress(OSError):
        Path(f"/proc/{pid}/clear_refs").write_text("5")


def _running(runs: Path) -> str | None:
    """The stage the manifest marks as running; None between stages or before."""
    for path in runs.glob("*/*/manifest.json"):
        with contextlib.suppress(OSError, ValueError):
            stages = json.loads(path.read_text())["stages"]
            return next(
                (k for k, v in stages.items() if v.get("status") == "running"), None
            )
    return None


def run_journey(
    command: list[str], runs: Path, *, rows: int, timeout: float | None = None
) -> Journey:
    """Run `playbook run`, sampling the kernel's memory per stage until it ends.

    After `timeout` seconds the run and its kernel are stopped (by their ids).
    """
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    result = Journey(rows=rows, wall=0.0, code=0)
    root = psutil.Process(process.pid)

    def sample() -> None:
        current, kernel, cpu_start = None, None, 0.0
        while process.poll() is None:
            kernel = kernel or _kernel(root)
            stage = _running(runs)
            if kernel is not None:
                if current is not None:
                    # CPU seconds say what a stage costs whatever else shares the
                    # cores; its wall time under load is only an upper bound.
                    with contextlib.suppress(psutil.Error):
                        result.cpu[current] = _cpu(kernel) - cpu_start
                    peak = _status_kib(kernel.pid, "VmHWM")
                    if peak is not None:
                        result.peak_mib[current] = max(
                            result.peak_mib.get(current, 0.0), peak / 1024
                        )
                if stage is not None and stage != current:
                    _reset_peak(kernel.pid)
                    rss = _status_kib(kernel.pid, "VmRSS") or 0.0
                    result.start_mib[stage] = rss / 1024
                    with contextlib.suppress(psutil.Error):
                        cpu_start = _cpu(kernel)
                    current = stage
            total = 0
            with contextlib.suppress(psutil.Error):
                for member in [root, *root.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):
                        total += member.memory_info().rss
            result.tree_peak_mib = max(result.tree_peak_mib, total / MIB)
            time.sleep(POLL_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        result.output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        result.timed_out = True
        family = [*root.children(recursive=True), root]
        for member in family:
            with contextlib.suppress(psutil.Error):
                member.kill()
        result.output, _ = process.communicate()
    result.wall = time.perf_counter() - started
    sampler.join()
    result.code = process.returncode
    result.load = (load_before, os.getloadavg()[0])
    for path in runs.glob("*/*/manifest.json"):
        stages = json.loads(path.read_text())["stages"]
        result.seconds = {
            k: float(v["seconds"]) for k, v in stages.items() if v.get("seconds")
        }
    return result


def demo(rows: int, folder: Path) -> Path:
    """Write the SYNTHETIC churn example with `rows` rows; its charter's path."""
    subprocess.run(
        [
            str(BIN / "playbook"),
            "demo",
            "--rows",
            str(rows),
            "--out",
            str(folder),
            "--no-run",
        ],
        check=True,
        capture_output=True,
    )
    return folder / "charter.yaml"


def widen(charter: Path, *, columns: int, seed: int) -> Path:
    """The example's data with SYNTHETIC noise columns added up to `columns`."""
    data = charter.parent / "churn_SYNTHETIC.csv"
    frame = pd.read_csv(data)
    extra = columns - len(frame.columns)
    noise = np.random.default_rng(seed).normal(size=(len(frame), extra)).round(4)
    wide = pd.concat(
        [frame, pd.DataFrame(noise, columns=[f"noise_{i:04d}" for i in range(extra)])],
        axis=1,
    )
    out = charter.parent / "churn_wide_SYNTHETIC.csv"
    wide.to_csv(out, index=False)
    return out


def wide_journey(
    charter: Path, *, columns: int, rows: int, budget: float, timeout: float
) -> list[str]:
    """Stage 4 on the example widened to `columns`; two lines for the results.

    First as in a journey (stages 3 and 4: stage 4 reuses stage 3's PII and leak
    findings), which the verdict is on; then stage 4 alone, finding them itself.
    """
    data = widen(charter, columns=columns, seed=1)
    lines = []
    for stages, how in (
        ("3,4", "after stage 3 (its findings reused)"),
        ("4", "alone (stage 3's scans redone)"),
    ):
        runs = WORK / f"runs-wide-{columns}-{stages.replace(',', '')}"
        shutil.rmtree(runs, ignore_errors=True)
        wide = run_journey(
            [
                str(BIN / "playbook"),
                "run",
                str(charter),
                "--data",
                str(data),
                "--stages",
                stages,
                "--runs-dir",
                str(runs),
                "--tuning-seconds",
                str(budget),
            ],
            runs,
            rows=rows,
            timeout=timeout,
        )
        stage4 = wide.seconds.get("04_poc")
        if wide.timed_out or stage4 is None:
            took = f"did not finish within {wide.wall:.0f} s (stopped)"
            verdict = "NOT met"
        else:
            cpu = wide.cpu.get("04_poc", math.nan)
            took = (
                f"took {stage4:.1f} s wall ({stage4 / budget:.1f}x the budget), "
                f"{cpu:.1f} s CPU ({cpu / budget:.1f}x)"
            )
            verdict = "met" if stage4 <= 2 * budget else "NOT met"
        print(f"wide {columns}, stages {stages}: exit {wide.code}, {took}")
        lines.append(
            f"- {rows:,} rows x {columns:,} columns, stage 4 {how}: {took}; at most "
            f"2x the budget: {verdict}; kernel peak "
            f"{wide.peak_mib.get('04_poc', 0):,.0f} MiB; load average "
            f"{wide.load[0]:.1f} before, {wide.load[1]:.1f} after."
        )
    return lines


def exponent(small: float, large: float, rows: tuple[int, int]) -> float:
    """b in time ~ rows^b between two sizes."""
    return math.log(large / small) / math.log(rows[1] / rows[0])


def table(journeys: list[Journey]) -> list[str]:
    """The per-stage table: seconds and peak MiB per size, and the growth."""
    sizes = [j.rows for j in journeys]
    head = ["stage"]
    head += [f"{n:,} rows s (peak MiB)" for n in sizes]
    pairs = list(itertools.pairwise(journeys))
    head += [f"b {a.rows // 1000}k->{b.rows // 1000}k (x per 10x)" for a, b in pairs]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for stage in STAGES:
        key = stage.key
        cells = [key]
        for j in journeys:
            seconds = j.seconds.get(key)
            peak = j.peak_mib.get(key)
            cpu = f" cpu {j.cpu[key]:.1f}" if key in j.cpu else ""
            cells.append(
                "-"
                if seconds is None
                else f"{seconds:.1f}{cpu} ({peak:,.0f})"
                if peak
                else f"{seconds:.1f}{cpu}"
            )
        for a, b in pairs:
            if key in a.seconds and key in b.seconds:
                power = exponent(a.seconds[key], b.seconds[key], (a.rows, b.rows))
                flag = " superlinear" if power > 1 else ""
                cells.append(f"{power:.2f} (x{10**power:.1f}){flag}")
            else:
                cells.append("-")
        lines.append("| " + " | ".join(cells) + " |")
    sums = ["sum of stages"] + [
        f"{sum(j.seconds.values()):.1f} cpu {sum(j.cpu.values()):.1f}" for j in journeys
    ]
    lines.append("| " + " | ".join(sums + ["" for _ in pairs]) + " |")
    walls = ["`playbook run` wall (tree peak MiB)"] + [
        f"{j.wall:.1f} ({j.tree_peak_mib:,.0f})" for j in journeys
    ]
    lines.append("| " + " | ".join(walls + ["" for _ in pairs]) + " |")
    loads = ["load average before, after"] + [
        f"{j.load[0]:.1f}, {j.load[1]:.1f}" for j in journeys
    ]
    lines.append("| " + " | ".join(loads + ["" for _ in pairs]) + " |")
    return lines


def verdicts(journeys: list[Journey]) -> list[str]:
    """The issue's targets, each with the measured figure (none without journeys)."""
    if not journeys:
        return []
    largest = journeys[-1]
    s4 = largest.seconds.get("04_poc")
    s7 = largest.seconds.get("07_scale_up_evaluation")
    said = []
    if s4 and s7:
        share = s7 / s4
        said.append(
            f"- stage 7 / stage 4 at {largest.rows:,} rows: {s7:.1f} / {s4:.1f} s = "
            f"{share:.0%} (target at most {STAGE7_SHARE:.0%}): "
            f"{'met' if share <= STAGE7_SHARE else 'NOT met'}"
        )
    said.append(
        f"- journey at {largest.rows:,} rows: `playbook run` {largest.wall:.1f} s "
        "wall, "
        f"stages {sum(largest.seconds.values()):.1f} s (target at most "
        f"{JOURNEY_SECONDS:.0f} s): "
        f"{'met' if largest.wall <= JOURNEY_SECONDS else 'NOT met'}"
    )
    steep = [
        f"{key} ({a.rows:,}->{b.rows:,}: b {power:.2f})"
        for a, b in itertools.pairwise(journeys)
        for key in a.seconds.keys() & b.seconds.keys()
        if (power := exponent(a.seconds[key], b.seconds[key], (a.rows, b.rows))) > 1
    ]
    said.append(
        "- superlinear stages: " + (", ".join(sorted(steep)) if steep else "none")
    )
    return said


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # `--rows` with no sizes runs the wide frame alone.
    parser.add_argument("--rows", type=int, nargs="*", default=[20000, 200000, 1000000])
    parser.add_argument("--tuning-seconds", type=float, default=60.0)
    parser.add_argument("--wide-columns", type=int, nargs="+", default=[300, 3000])
    parser.add_argument("--wide-timeout", type=float, default=1800.0)
    parser.add_argument("--wide-rows", type=int, default=3000)
    parser.add_argument("--wide-tuning-seconds", type=float, default=5.0)
    parser.add_argument("--no-wide", action="store_true")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()

    playbook = str(BIN / "playbook")
    journeys = []
    for rows in args.rows:
        for stale in (WORK / f"example-{rows}", WORK / f"runs-{rows}"):
            shutil.rmtree(stale, ignore_errors=True)
        charter = demo(rows, WORK / f"example-{rows}")
        runs = WORK / f"runs-{rows}"
        journey = run_journey(
            [
                playbook,
                "run",
                str(charter),
                "--runs-dir",
                str(runs),
                "--tuning-seconds",
                str(args.tuning_seconds),
            ],
            runs,
            rows=rows,
        )
        print(
            f"{rows:,} rows: exit {journey.code}, {journey.wall:.1f} s, "
            f"stages {journey.seconds}, peak MiB {journey.peak_mib}"
        )
        if journey.code != 0:
            print(journey.output)
        journeys.append(journey)

    wide_lines: list[str] = []
    if not args.no_wide:
        wide_lines = [
            f"Wide data: the churn demo at {args.wide_rows:,} rows plus SYNTHETIC "
            f"noise columns, `playbook run --stages 3,4` then `--stages 4`, "
            f"`--tuning-seconds {args.wide_tuning_seconds:g}`:",
            "",
        ]
        shutil.rmtree(WORK / "example-wide", ignore_errors=True)
        charter = demo(args.wide_rows, WORK / "example-wide")
        budget = args.wide_tuning_seconds
        for columns in args.wide_columns:
            wide_lines += wide_journey(
                charter,
                columns=columns,
                rows=args.wide_rows,
                budget=budget,
                timeout=args.wide_timeout,
            )
        wide_lines.append("")

    rows_lines = [
        f"Machine: {platform.machine()}, Python {platform.python_version()}, "
        f"{os.cpu_count()} cores, shared: the load average (1 min) before and after "
        f"each journey is in the table. `playbook run --tuning-seconds "
        f"{args.tuning_seconds:g}`, one journey per size. Seconds per stage as the "
        "manifest records them (wall: an upper bound on shared cores), then the "
        "journey kernel's CPU seconds in the stage; in brackets the kernel's "
        "peak resident MiB during the stage (VmHWM, reset at each stage). b: the "
        "exponent of time ~ rows^b to the next size (1 is linear), with the time "
        "ratio per 10x rows.",
        "",
        *table(journeys),
        "",
        *verdicts(journeys),
        "",
    ]
    subject = (
        "every stage at " + ", ".join(f"{n:,}" for n in args.rows) + " rows"
        if journeys
        else "stage 4 on wide data"
    )
    lines = [
        f"## {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {subject} (SYNTHETIC "
        "churn demo)",
        "",
        *(rows_lines if journeys else []),
        *wide_lines,
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_record:
        results = BENCH / "results.md"
        results.write_text(results.read_text() + "\n" + text + "\n")


if __name__ == "__main__":
    main()
