"""Stage 7 (`scale_up_stage.build`) in one process, in CPU seconds, part by part.

Stage 7 reads a run folder that stages 1-6 wrote, so the run is made once (e.g. by
`bench/scale.py`, or `playbook demo --rows 1000000 --no-run` then `playbook run`) and
timed here as often as needed. `time.process_time` counts this process's CPU (all its
threads); the process starts with one OpenMP thread, as a journey kernel does. Each
part is the CPU seconds spent inside one call of the stage (inclusive: the redaction is
inside reading the data, the KPI inside recomputing the test rows):

    .venv/bin/python bench/scale_up_cpu.py RUN_FOLDER CHARTER [--seed 42]

Prints one JSON line (the stage's decision and reproducibility item included, to check
that a faster stage says the same); nothing is appended to bench/results.md.
"""

from __future__ import annotations

import os

# Before numpy and scikit-learn load: one OpenMP thread, as in a journey kernel.
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from poc_cpu import timed

from playbook import charter
from playbook.beyond import monitoring, readiness, reproducibility, scale_up_stage
from playbook.core import journey
from playbook.data import modelling_rows, pii, redaction, sources
from playbook.run import manifest
from playbook.tasks import evaluation, kpi, reproduction, top_k

# The calls timed, by the name the output gives them.
PARTS = {
    "reading the data": (modelling_rows, "read"),
    "reading the file": (sources, "read"),
    "redaction": (redaction, "redact"),
    "PII search": (pii, "detect"),
    "the split (held_out)": (evaluation, "held_out"),
    "the fresh batch": (monitoring, "fresh_batch"),
    "saved test scores read": (journey, "read_table"),
    "sample fit": (reproduction, "sample_fit"),
    "test rows from saved scores (top_k.listed)": (top_k, "listed"),
    "KPI with its interval": (kpi, "evaluate"),
    "comparison with the saved rows": (reproducibility, "differences"),
    "reproducibility (all of it)": (reproducibility, "check"),
    "scoring smoke test": (reproducibility, "scoring_smoke"),
    "earlier stages' evidence": (readiness, "run_evidence"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", help="a run folder stages 1-6 wrote")
    parser.add_argument("charter", help="the charter the run was made with")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    spent: dict[str, float] = defaultdict(float)
    for name, (module, attribute) in PARTS.items():
        if hasattr(module, attribute):
            setattr(module, attribute, timed(spent, name, getattr(module, attribute)))
    # `data.read` is `modelling_rows.read` under another name: time it there too.
    scale_up_stage.data.read = modelling_rows.read
    poc = charter.load(args.charter)
    load = os.getloadavg()
    started_cpu, started_wall = time.process_time(), time.perf_counter()
    stage = scale_up_stage.build(
        poc,
        out_dir=args.run,
        data_path=None,
        seed=args.seed,
        charter_file=str(poc.source),
        run=manifest.read(args.run),
    )
    cpu = time.process_time() - started_cpu
    wall = time.perf_counter() - started_wall
    evidence = stage.outcome.evidence
    item = next(i for i in evidence.readiness.items if i.item == reproducibility.TITLE)
    found = {
        "stage": {"cpu": round(cpu, 2), "wall": round(wall, 2)},
        "parts_cpu": {part: round(seconds, 2) for part, seconds in spent.items()},
        "load": {"before": load[0], "after": os.getloadavg()[0]},
        "said": [evidence.decision.decision, stage.outcome.summary],
        "reproducibility": [item.status, item.evidence],
        "threads": os.environ["OMP_NUM_THREADS"],
    }
    print(json.dumps(found))


if __name__ == "__main__":
    main()
