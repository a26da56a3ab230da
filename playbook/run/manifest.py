"""The run's manifest: what ran, on what, with what result. Written after each stage."""

from __future__ import annotations

import datetime as dt
import json
import platform
import threading
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from playbook.beyond.scale_up_stage import ScaleUpEvidence
from playbook.charter.business_stage import BusinessEvidence
from playbook.core.files import write_atomic
from playbook.core.journey import MANIFEST, STAGES, StageOutcome, to_jsonable
from playbook.data.contracts import ContractReport
from playbook.data.strategy_stage import DataStrategyEvidence
from playbook.run import liveness
from playbook.tasks.decision import Decision
from playbook.tasks.kpi import KpiReport
from playbook.tasks.poc_stage import PocEvidence

# One writer at a time: the journey's own writes and its heartbeat thread.
_WRITING = threading.Lock()

_PACKAGES = (
    "playbook",
    "pandas",
    "numpy",
    "scikit-learn",
    "great-expectations",
    "papermill",
    "nbconvert",
    "plotly",
    "pyyaml",
)


def package_versions() -> dict[str, str]:
    """Versions of Python and of the packages a run's numbers depend on."""
    found = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


def now() -> str:
    """The current time in UTC, ISO 8601."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def start(
    *,
    poc: str,
    title: str,
    run_id: str,
    charter_path: str | Path,
    charter_sha256: str,
    data_path: str | Path,
    data_sha256: str,
    synthetic_data: bool,
    seed: int,
    selected: list[int],
) -> dict[str, Any]:
    """A manifest for a starting run: every selected stage pending, others not run."""
    return {
        "poc": poc,
        "title": title,
        "run_id": run_id,
        "status": "running",
        "exit_code": None,
        "started_at": now(),
        "finished_at": None,
        "process": liveness.this_process(),
        "heartbeat_at": now(),
        "charter_path": str(charter_path),
        "charter_sha256": charter_sha256,
        "data_path": str(data_path),
        "data_sha256": data_sha256,
        "synthetic_data": synthetic_data,
        "seed": seed,
        "packages": package_versions(),
        "stages": {
            stage.key: {
                "number": stage.number,
                "title": stage.title,
                "status": "pending" if stage.number in selected else "not_run",
                "summary": None,
                "seconds": None,
                "notebook": None,
                "report": None,
                "error": None,
            }
            for stage in STAGES
        },
        "gates": [],
        "kpi": None,
        "decision": None,
        "reasons": [],
    }


def record_outcome(manifest: dict[str, Any], outcome: StageOutcome) -> None:
    """Copy what the manifest contract asks for out of a stage's outcome."""
    if outcome.gate:
        manifest["gates"].append(
            {
                "gate": outcome.gate,
                "stage": outcome.stage,
                "passed": outcome.status == "passed",
                "reasons": outcome.reasons,
                "details": to_jsonable(gate_details(outcome)),
            }
        )
    if isinstance(outcome.evidence, PocEvidence):
        manifest["kpi"] = _kpi_entry(outcome.evidence.kpi)
        _record_decision(manifest, outcome.evidence.decision)
    # Stage 7's final decision replaces stage 4's.
    if isinstance(outcome.evidence, ScaleUpEvidence):
        _record_decision(manifest, outcome.evidence.decision)


def gate_details(outcome: StageOutcome[Any]) -> ContractReport | list[str] | None:
    """What a stage's gate found: the contract's results, or the charter's blockers."""
    if isinstance(outcome.evidence, DataStrategyEvidence):
        return outcome.evidence.contract
    if isinstance(outcome.evidence, BusinessEvidence):
        return outcome.evidence.review.blockers
    return None


def _kpi_entry(report: KpiReport) -> dict[str, Any]:
    """The manifest contract's KPI fields: the headline numbers, not the detail."""
    return {
        "metric": report.metric,
        "unit": report.unit,
        "period": report.period,
        "baseline_name": report.baseline_name,
        "baseline": report.baseline,
        "model": report.model,
        "lift": report.lift,
        "lift_ci_low": report.lift_ci_low,
        "lift_ci_high": report.lift_ci_high,
        "min_lift": report.min_lift,
        "relative_lift": report.relative_lift,
        "confidence": report.confidence,
    }


def _record_decision(manifest: dict[str, Any], decision: Decision) -> None:
    manifest["decision"] = decision.decision
    manifest["reasons"] = list(decision.reasons)


def write(run_dir: Path, manifest: dict[str, Any]) -> Path:
    """Write manifest.json atomically, so a reader never sees half a file.

    Each write is also a heartbeat (`liveness`): `heartbeat_at` becomes now.
    """
    with _WRITING:
        manifest["heartbeat_at"] = now()
        text = json.dumps(to_jsonable(manifest), indent=2, allow_nan=False) + "\n"
        return write_atomic(run_dir / MANIFEST, text)


def beat(run_dir: Path) -> None:
    """Refresh the heartbeat of a running journey's manifest, changing nothing else."""
    with _WRITING:
        record = read(run_dir)
        if record is None or record.get("status") != "running":
            return
        record["heartbeat_at"] = now()
        text = json.dumps(record, indent=2, allow_nan=False) + "\n"
        write_atomic(run_dir / MANIFEST, text)


def read(run_dir: str | Path) -> dict[str, Any] | None:
    """Read a run's manifest; None when the folder has none (a notebook run by hand)."""
    path = Path(run_dir) / MANIFEST
    return json.loads(path.read_text()) if path.exists() else None
