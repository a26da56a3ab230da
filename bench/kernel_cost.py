"""What a cold kernel costs each stage, against the work the stage does.

For each stage notebook on the SYNTHETIC demo example, one cold `papermill` run (a
new process, a new kernel, fresh imports), then the same notebooks one after the other
in one kernel with `playbook.run.kernel.JourneyKernel`, as the runner does. Records, per
stage: the cold run's wall time, the time of its first code cell after the parameters
(the imports and the charter), the time of all its cells, and the wall time in the
shared kernel. Also a cold papermill run of a notebook whose one cell is `pass`: the
floor of a cold run.

    .venv/bin/python bench/kernel_cost.py
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat

from playbook.core.journey import STAGES
from playbook.run import kernel
from playbook.synthetic import demo

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = BENCH / "work" / "kernel-cost"
BIN = Path(sys.executable).parent


def cold(notebook: Path, out: Path, parameters: dict[str, str]) -> float:
    arguments = [
        str(BIN / "papermill"),
        str(notebook),
        str(out),
        "--cwd",
        str(out.parent),
    ]
    for name, value in parameters.items():
        arguments += ["-p", name, value]
    started = time.perf_counter()
    subprocess.run(arguments, check=True, capture_output=True)
    return time.perf_counter() - started


def cell_seconds(executed: Path) -> tuple[float, float]:
    """(first code cell after the parameters, all cells) in seconds."""
    cells = [
        cell
        for cell in nbformat.read(executed, as_version=4).cells
        if cell.cell_type == "code"
    ]
    durations = [
        cell.metadata.get("papermill", {}).get("duration") or 0.0 for cell in cells
    ]
    tags = [cell.metadata.get("tags", []) for cell in cells]
    first = next(
        i
        for i, t in enumerate(tags)
        if "parameters" not in t and "injected-parameters" not in t
    )
    return durations[first], sum(durations)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20000)
    args = parser.parse_args()

    shutil.rmtree(WORK, ignore_errors=True)
    example = demo.write_example(WORK / "example", customers=args.customers, seed=None)
    notebooks = REPO / "notebooks"

    empty = nbformat.v4.new_notebook()
    empty.cells = [nbformat.v4.new_code_cell("pass")]
    empty.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nbformat.write(empty, WORK / "empty.ipynb")
    (WORK / "empty-out").mkdir()
    # Twice: the first run also reads the installed packages from disk.
    cold(WORK / "empty.ipynb", WORK / "empty-out" / "empty.ipynb", {})
    floor = cold(WORK / "empty.ipynb", WORK / "empty-out" / "empty.ipynb", {})

    cold_dir = WORK / "cold"
    cold_dir.mkdir()
    parameters = {
        "charter_path": str(example.charter),
        "data_path": str(example.folder / demo.DATA),
        "out_dir": str(cold_dir),
        "seed": "42",
    }
    rows = []
    for stage in STAGES:
        wall = cold(notebooks / stage.notebook, cold_dir / stage.notebook, parameters)
        first, cells = cell_seconds(cold_dir / stage.notebook)
        rows.append([stage.key, wall, first, cells])
        print(
            f"{stage.key}: cold {wall:.2f}s, imports cell {first:.2f}s, "
            f"cells {cells:.2f}s"
        )

    shared_dir = WORK / "shared"
    shared_dir.mkdir()
    injected = {**parameters, "out_dir": str(shared_dir), "seed": 42}
    with kernel.JourneyKernel(cwd=shared_dir) as session:
        for row, stage in zip(rows, STAGES, strict=True):
            started = time.perf_counter()
            session.execute(
                notebooks / stage.notebook,
                shared_dir / stage.notebook,
                parameters=injected,
            )
            row.append(time.perf_counter() - started)
            print(f"{stage.key}: one kernel {row[-1]:.2f}s")

    totals = [sum(row[i] for row in rows) for i in range(1, 5)]
    lines = [
        f"## {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, kernel cost per stage, "
        f"{args.customers:,} customers",
        "",
        f"Machine: {platform.machine()}, Python {platform.python_version()}, "
        f"{shutil.os.cpu_count()} cores. A cold papermill run of a one-cell `pass` "
        f"notebook: {floor:.2f} s.",
        "",
        "| stage | cold papermill s | of which imports cell s | all cells s "
        "| same stage in one kernel s |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| {key} | {wall:.2f} | {first:.2f} | {cells:.2f} | {shared:.2f} |"
        for key, wall, first, cells, shared in rows
    ]
    lines += [
        f"| total | {totals[0]:.1f} | {totals[1]:.1f} | {totals[2]:.1f} "
        f"| {totals[3]:.1f} |",
        "",
        "Time spent on anything but the stages' own work (cold wall time minus the "
        "cells' time, counting the imports cells as overhead): "
        f"{totals[0] - totals[2] + totals[1]:.1f} s of {totals[0]:.1f} s.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    results = BENCH / "results.md"
    previous = results.read_text() if results.exists() else "# Benchmark results\n\n"
    results.write_text(previous + text + "\n")


if __name__ == "__main__":
    main()
