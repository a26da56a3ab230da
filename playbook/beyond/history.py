"""Stage 6: this run against the earlier runs of the same POC, from their manifests."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from playbook.beyond.beyond_stage import STAGE as BEYOND_STAGE
from playbook.beyond.beyond_stage import BeyondEvidence
from playbook.core import journey
from playbook.core.messages import marked


@dataclass(frozen=True)
class PastRun:
    """One run of the POC, as its manifest recorded it."""

    run_id: str
    started_at: str | None
    status: str | None
    decision: str | None
    lift: float | None
    lift_ci_low: float | None
    lift_ci_high: float | None
    min_lift: float | None
    fresh_lift: float | None
    fresh_ci_low: float | None
    fresh_ci_high: float | None
    unit: str | None
    charter_sha256: str | None
    data_sha256: str | None
    seed: int | None
    playbook: str | None
    changed: str


def runs(out_dir: str | Path, *, poc: str) -> list[PastRun]:
    """Every run of this POC found next to `out_dir`, oldest first, with what changed.

    A run folder sits in `runs/<poc>/`; its siblings with a readable manifest of the
    same POC are the POC's earlier (and later) runs. What changed is read from each
    manifest against the run before it: charter, data, seed, playbook version.
    """
    here = Path(out_dir).resolve()
    found = []
    for folder in sorted(here.parent.iterdir()) if here.parent.is_dir() else []:
        path = folder / "manifest.json"
        if not path.is_file():
            continue
        try:
            record = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            continue  # a run being written, or a damaged one: not evidence
        if record.get("poc") == poc:
            found.append((folder, record))
    past: list[PastRun] = []
    previous = None
    for folder, record in found:
        later = _stage5_evidence(folder)
        fresh = later.fresh_kpi if later is not None else None
        record = {
            **record,
            "fresh_sha256": later.record.sha256
            if later is not None and later.record is not None
            else None,
        }
        kpi = record.get("kpi") or {}
        past.append(
            PastRun(
                run_id=record.get("run_id", "?"),
                started_at=record.get("started_at"),
                status=record.get("status"),
                decision=record.get("decision"),
                lift=kpi.get("lift"),
                lift_ci_low=kpi.get("lift_ci_low"),
                lift_ci_high=kpi.get("lift_ci_high"),
                min_lift=kpi.get("min_lift"),
                fresh_lift=fresh.lift if fresh is not None else None,
                fresh_ci_low=fresh.lift_ci_low if fresh is not None else None,
                fresh_ci_high=fresh.lift_ci_high if fresh is not None else None,
                unit=kpi.get("unit"),
                charter_sha256=record.get("charter_sha256"),
                data_sha256=record.get("data_sha256"),
                seed=record.get("seed"),
                playbook=(record.get("packages") or {}).get("playbook"),
                changed="; ".join(_changes(previous, record)),
            )
        )
        previous = record
    return past


def _changes(previous: dict | None, record: dict) -> list[str]:
    if previous is None:
        return [marked("first run")]
    changes = []
    for key, label in (
        ("charter_sha256", marked("charter")),
        ("data_sha256", marked("data")),
        ("seed", marked("seed")),
    ):
        if previous.get(key) != record.get(key):
            changes.append(label)
    old = (previous.get("packages") or {}).get("playbook")
    new = (record.get("packages") or {}).get("playbook")
    if old != new:
        changes.append(f"playbook {old} -> {new}")
    if previous.get("fresh_sha256") != record.get("fresh_sha256"):
        changes.append(marked("fresh batch"))
    return changes or [marked("nothing recorded changed")]


def _stage5_evidence(folder: Path) -> BeyondEvidence | None:
    """What stage 5 recorded in that run (the fresh batch and its lift), if it ran.

    A run saved by an older playbook, in another layout, is left out rather than
    misread: its manifest still counts, its stage-5 facts do not.
    """
    try:
        outcome = journey.load(folder, BEYOND_STAGE, BeyondEvidence)
    except (OSError, ValueError, KeyError, journey.EvidenceError):
        return None  # unreadable, half written, or an older layout
    return outcome.evidence if outcome is not None else None
