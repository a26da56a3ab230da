"""The sponsor's memo, `memo.html`: the decision, the money and the payback first.

Written at the end of every journey together with the run's index page
(`pages.write_index`), which links it first. Its words come from stage 7's typed
evidence (`ScaleUpEvidence.memo`, written by `playbook.beyond.memo`); its layout and
headings live in `templates/pages/memo.html.j2`, with a print stylesheet so that it
prints as a short document. Without stage 7 it says where the journey stopped and why,
from the manifest. `playbook memo RUN` writes it again, and `--pdf` prints it to
`memo.pdf` with headless Chromium.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playbook.beyond.memo import Memo
from playbook.beyond.scale_up_stage import STAGE as SCALE_UP
from playbook.beyond.scale_up_stage import ScaleUpEvidence
from playbook.core import journey
from playbook.core.files import write_atomic
from playbook.core.language import Language
from playbook.errors import EvidenceError, ReportError
from playbook.report import page_templates

MEMO = "memo.html"
PDF = "memo.pdf"
# The names headless Chromium goes by, in the order they are looked for on the PATH.
CHROMIUM = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Seconds Chromium may take to print the memo.
PRINT_SECONDS = 120
_STOPPED = ("stopped", "failed", "interrupted")


@dataclass(frozen=True)
class MemoPage:
    """Everything the memo shows: stage 7's memo, or where the journey stopped."""

    title: str | None
    poc: str | None
    run_id: str | None
    synthetic: bool
    memo: Memo | None = None
    colour: str | None = None
    stopped: StoppedAt | None = None
    unread: str | None = None


@dataclass(frozen=True)
class StoppedAt:
    """The stage that ended a journey before stage 7, and why.

    Attributes:
        number: The stage's number.
        title: The stage's title.
        status: "stopped" (by a gate), "failed" or "interrupted".
        reasons: The gate's reasons, or the error in one line.
    """

    number: str
    title: str
    status: str
    reasons: tuple[str, ...]


def write(
    run_dir: Path, manifest: Mapping[str, Any], *, language: Language = "en"
) -> Path:
    """Write the sponsor's memo, `run_dir/memo.html`, from stage 7's evidence.

    Args:
        run_dir: The run folder.
        manifest: The run's manifest (title, run id, stages, gates).
        language: The reader's language.

    Returns:
        The memo's path.
    """
    run_dir = Path(run_dir)
    memo, unread = None, None
    try:
        outcome = journey.load(run_dir, SCALE_UP, ScaleUpEvidence)
        memo = outcome.evidence.memo if outcome and outcome.evidence else None
    except EvidenceError as error:  # the index must still be written: say so instead
        unread = str(error)
    page = MemoPage(
        title=_text(manifest.get("title")) or _text(manifest.get("poc")),
        poc=_text(manifest.get("poc")),
        run_id=_text(manifest.get("run_id")),
        synthetic=bool(manifest.get("synthetic_data")),
        memo=memo,
        colour=page_templates.DECISION_COLOURS.get(memo.decision) if memo else None,
        stopped=None if memo else _stopped(manifest),
        unread=unread,
    )
    html = page_templates.render(
        "memo.html.j2", language=language, asset=None, page=page
    )
    return write_atomic(run_dir / MEMO, html)


def chromium() -> str | None:
    """The path of a Chromium (or Chrome) on the PATH, or None."""
    for name in CHROMIUM:
        found = shutil.which(name)
        if found:
            return found
    return None


def print_pdf(run_dir: Path, *, browser: str | None = None) -> Path:
    """Print the run's memo to `run_dir/memo.pdf` with headless Chromium.

    Args:
        run_dir: A run folder holding `memo.html`.
        browser: Chromium's path (default: the first of `CHROMIUM` on the PATH).

    Returns:
        The PDF's path.

    Raises:
        ReportError: Chromium is not installed, the memo is missing, or Chromium
            failed or wrote nothing.
    """
    browser = browser or chromium()
    if browser is None:
        raise ReportError(
            "Chromium is not installed, so the memo cannot be printed to PDF. Install "
            "it (e.g. apt install chromium), or open memo.html and print it."
        )
    memo = Path(run_dir).resolve() / MEMO
    if not memo.is_file():
        raise ReportError(
            f"{memo}: no memo to print. Run `playbook memo {run_dir}` to write it."
        )
    pdf = memo.with_name(PDF)
    partial = pdf.with_name(f".{PDF}.partial")
    partial.unlink(missing_ok=True)
    # A profile of its own: two prints at once would otherwise share one and fail.
    with tempfile.TemporaryDirectory(prefix="playbook-chromium-") as profile:
        try:
            done = subprocess.run(
                [
                    browser,
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--no-first-run",
                    "--no-pdf-header-footer",
                    f"--user-data-dir={profile}",
                    f"--print-to-pdf={partial}",
                    memo.as_uri(),
                ],
                capture_output=True,
                text=True,
                timeout=PRINT_SECONDS,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise ReportError(f"{browser} could not print {memo}: {error}") from None
    if done.returncode != 0 or not partial.is_file() or partial.stat().st_size == 0:
        partial.unlink(missing_ok=True)
        said = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise ReportError(
            f"{browser} did not print {memo} (exit {done.returncode}): {said}"
        )
    partial.replace(pdf)
    return pdf


def _stopped(manifest: Mapping[str, Any]) -> StoppedAt | None:
    """The first stage that stopped, failed or was interrupted, and its reasons."""
    stages = manifest.get("stages") or {}
    for key, stage in stages.items():
        status = str(stage.get("status") or "")
        if status not in _STOPPED:
            continue
        gates = [g for g in manifest.get("gates") or [] if g.get("stage") == key]
        reasons = [str(r) for gate in gates for r in gate.get("reasons") or []]
        error = stage.get("error") or {}
        if not reasons and error:
            reasons = [f"{error.get('name') or 'Error'}: {error.get('message') or ''}"]
        return StoppedAt(
            number=str(stage.get("number") or ""),
            title=str(stage.get("title") or key),
            status=status,
            reasons=tuple(reasons),
        )
    return None


def _text(value: Any) -> str | None:
    return str(value) if value else None
