"""Time the demo journey against the same seven notebooks run by plain papermill.

Both run in the same session on the same SYNTHETIC example (20,000 customers):
  - playbook: `playbook run` (papermill per stage, plus the HTML reports, the manifest
    and the index page);
  - papermill: the papermill command line, once per notebook, one after the other, with
    the same parameters and nothing else.
Each side runs `--repeats` times, alternating; the script prints and records the median,
minimum and maximum wall time and the ratio of the medians in bench/results.md.

    .venv/bin/python bench/journey.py --repeats 3
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from playbook.core.journey import STAGES
from playbook.synthetic import demo

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = BENCH / "work" / "journey"
BIN = Path(sys.executable).parent


def run_playbook(charter: Path, runs: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [str(BIN / "playbook"), "run", str(charter), "--runs-dir", str(runs)],
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def run_papermill(charter: Path, data: Path, out: Path, seed: int) -> float:
    out.mkdir(parents=True)
    started = time.perf_counter()
    for stage in STAGES:
        subprocess.run(
            [
                str(BIN / "papermill"),
                str(REPO / "notebooks" / stage.notebook),
                str(out / stage.notebook),
                "--cwd",
                str(out),
                "-p",
                "charter_path",
                str(charter),
                "-p",
                "data_path",
                str(data),
                "-p",
                "out_dir",
                str(out),
                "-p",
                "seed",
                str(seed),
            ],
            check=True,
            capture_output=True,
        )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--customers", type=int, default=20000)
    args = parser.parse_args()

    shutil.rmtree(WORK, ignore_errors=True)
    example = demo.write_example(WORK / "example", customers=args.customers, seed=None)
    data = example.folder / demo.DATA
    timings: dict[str, list[float]] = {"playbook run": [], "papermill x7": []}
    for repeat in range(args.repeats):
        timings["playbook run"].append(run_playbook(example.charter, WORK / "runs"))
        timings["papermill x7"].append(
            run_papermill(example.charter, data, WORK / f"papermill-{repeat}", seed=42)
        )
        print(
            f"repeat {repeat + 1}: "
            + ", ".join(f"{k} {v[-1]:.1f}s" for k, v in timings.items())
        )

    medians = {name: statistics.median(values) for name, values in timings.items()}
    ratio = medians["playbook run"] / medians["papermill x7"]
    lines = [
        f"## {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
        f"journey on {args.customers:,} customers, {args.repeats} repeats",
        "",
        f"Machine: {platform.machine()}, Python {platform.python_version()}, "
        f"{shutil.os.cpu_count()} cores.",
        "",
        "| command | median s | min s | max s |",
        "| --- | --- | --- | --- |",
    ]
    for name, values in timings.items():
        lines.append(
            f"| {name} | {medians[name]:.1f} | {min(values):.1f} | {max(values):.1f} |"
        )
    lines += ["", f"playbook run / papermill x7 (medians): {ratio:.2f}", ""]
    text = "\n".join(lines)
    print(text)
    results = BENCH / "results.md"
    previous = results.read_text() if results.exists() else "# Benchmark results\n\n"
    results.write_text(previous + text + "\n")


if __name__ == "__main__":
    main()
