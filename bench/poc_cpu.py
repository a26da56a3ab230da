"""Stage 4 (`poc_stage.build`) in one process, in CPU seconds, part by part.

The machine is shared, so wall time says little; `time.process_time` counts this
process's CPU (all its threads). The process starts with one OpenMP thread, as a
journey kernel does (`playbook.run.kernel`). Each part is the CPU seconds spent inside
one call of the stage (inclusive: the leakage scan is inside the comparison, the
tuning too):

    .venv/bin/python bench/poc_cpu.py --rows 3000 --columns 3000 --tuning-seconds 5
    .venv/bin/python bench/poc_cpu.py --rows 1000000 --tuning-seconds 10

Data: the SYNTHETIC churn demo (`playbook demo --rows N --no-run`), widened with
SYNTHETIC noise columns by `bench/scale.py`'s `widen` when `--columns` is given.
With `--stage3`, stage 3 runs first (not timed; its run folder is kept for the next
runs) and stage 4 reads its PII and leak findings back (`poc_stage.read`), as in a
journey; without it, stage 4 finds them itself, as when stage 3 did not run.
`--findings-first` hands stage 4 the PII and quick leak findings computed before the
clock starts (stage 3's deep scan adds only warnings): what a journey's stage 4 reads
back, without waiting for stage 3 on wide data; reading them back (the stage 3 JSON
and the data's SHA-256) is in `read_cpu` when `--stage3` ran.
Prints one JSON line; nothing is appended to bench/results.md.
"""

from __future__ import annotations

import os

# Before numpy and scikit-learn load: one OpenMP thread, as in a journey kernel.
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import dataclasses
import functools
import json
import shutil
import sys
import time
from collections import defaultdict
from pathlib import Path

BENCH = Path(__file__).resolve().parent
WORK = BENCH / "work" / "poc_cpu"
sys.path.insert(0, str(BENCH))

import scale  # noqa: E402

from playbook import charter, data  # noqa: E402
from playbook.core import journey  # noqa: E402
from playbook.data import leakage, pii, strategy_stage  # noqa: E402
from playbook.tasks import (  # noqa: E402
    calibration,
    column_findings,
    evaluation,
    importance,
    latency,
    models,
    poc_stage,
    reproduction,
    segments,
    top_k,
    tuning,
)

# The calls timed, by the name the table gives them.
PARTS = {
    "comparison": (evaluation, "compare"),
    "excluded columns (leakage scan)": (models, "excluded_columns"),
    "leakage scan": (leakage, "scan"),
    "tuning": (tuning, "tune"),
    "final fit and calibration": (calibration, "calibrated"),
    "scoring the test rows": (top_k, "score"),
    "permutation importance": (importance, "importance"),
    "segments and groups": (segments, "compare"),
    "latency": (latency, "measure"),
    "sample fit (stage 7)": (reproduction, "sample_fit"),
}


def timed(spent: dict[str, float], name: str, function):
    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        started = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            spent[name] += time.process_time() - started

    return wrapper


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--columns", type=int, default=None)
    parser.add_argument("--tuning-seconds", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--stage3", action="store_true")
    parser.add_argument("--findings-first", action="store_true")
    args = parser.parse_args()

    folder = WORK / f"example-{args.rows}"
    if not (folder / "charter.yaml").exists():
        shutil.rmtree(folder, ignore_errors=True)
        scale.demo(args.rows, folder)
    chartered = folder / "charter.yaml"
    path = None
    if args.columns:
        path = folder / f"churn_wide_{args.columns}_SYNTHETIC.csv"
        if not path.exists():
            scale.widen(chartered, columns=args.columns, seed=1).rename(path)

    run_dir = None
    if args.stage3:
        run_dir = folder / f"run-{args.columns or 'narrow'}"
    # Stage 3's saved evidence is kept between runs: stage 4 reuses it only when the
    # data's fingerprint still matches (`column_findings`).
    if run_dir is not None and not journey.load(run_dir, strategy_stage.STAGE):
        stage3 = strategy_stage.build(
            charter.load(str(chartered)),
            path=path,
            seed=args.seed,
            excluded_columns=models.excluded_columns,
        )
        journey.save(run_dir, stage3.outcome)
    given = None
    if args.findings_first:
        poc = charter.load(str(chartered))
        frame = data.read(poc, path=str(path) if path else None)
        personal = pii.detect(
            frame,
            declared=poc.data.pii,
            allowed=poc.data.allow_pii,
            free_text=poc.data.text,
        )
        leaks = leakage.scan(frame, poc=poc, skip=[p.column for p in personal])
        given = column_findings.ColumnFindings(personal, leaks)
    spent: dict[str, float] = defaultdict(float)
    for name, (module, attribute) in PARTS.items():
        setattr(module, attribute, timed(spent, name, getattr(module, attribute)))
    load = os.getloadavg()
    poc = charter.load(str(chartered))
    started_cpu = time.process_time()
    rows = poc_stage.read(poc, path=str(path) if path else None, run_dir=run_dir)
    frame = rows.frame
    read_cpu = time.process_time() - started_cpu
    if given is not None:
        rows = poc_stage.PocData(frame, given)
    stage_cpu, stage_wall = time.process_time(), time.perf_counter()
    stage = poc_stage.build(
        rows, poc=poc, seed=args.seed, tuning_seconds=args.tuning_seconds
    )
    found = stage.evidence
    print(
        json.dumps(
            {
                "rows": len(frame),
                "columns": len(frame.columns),
                "tuning_seconds": args.tuning_seconds,
                "read_cpu": round(read_cpu, 1),
                "findings_given": rows.findings is not None,
                "stage_cpu": round(time.process_time() - stage_cpu, 1),
                "stage_wall": round(time.perf_counter() - stage_wall, 1),
                "parts_cpu": {k: round(v, 1) for k, v in spent.items()},
                "load_before": [round(x, 1) for x in load],
                "load_after": [round(x, 1) for x in os.getloadavg()],
                "decision": found.decision.decision,
                "lift": found.kpi.lift,
                "interval": [found.kpi.lift_ci_low, found.kpi.lift_ci_high],
                "model": found.model_name,
                "refitted": found.refitted,
                "candidates": [
                    [c.name, c.params, round(c.fit_seconds, 2), c.skipped[:40]]
                    for c in found.candidates
                ],
                "importance_scope": (
                    dataclasses.asdict(found.importance_scope)
                    if getattr(found, "importance_scope", None)
                    else None
                ),
                "latency_calls": [
                    getattr(found.latency, "batch_calls", None),
                    getattr(found.latency, "row_calls", None),
                ],
                "threads": os.environ["OMP_NUM_THREADS"],
            }
        )
    )


if __name__ == "__main__":
    main()
