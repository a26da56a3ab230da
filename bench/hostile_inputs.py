"""Run every hostile input of issue #17 and write the table, docs/hostile-inputs.md.

The cases live in tests/hostile/ (`tests/test_hostile_inputs.py` runs them as tests):
each builds its inputs in a fresh folder, runs one `playbook` command and is judged on
its exit code, tracebacks, planted secrets in the output and in written files, raw
control characters and hangs. The table has one row per case, the first line of what
the command printed, and whether the case behaved (or why it is a known failure).

    .venv/bin/python bench/hostile_inputs.py            # every case (3 start a kernel)
    .venv/bin/python bench/hostile_inputs.py --fast     # without those three
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "tests"), str(REPO)]
# As in the tests: scores' ids hashed with a fixed key, no key file in the home folder.
os.environ.setdefault("PLAYBOOK_ID_KEY", "playbook tests")

from hostile.cases import CASES  # noqa: E402
from hostile.harness import Case, Outcome, problems, run_case  # noqa: E402

from playbook.core.printable import printable  # noqa: E402

OUT = REPO / "docs" / "hostile-inputs.md"
# The shared model's folder (tests/hostile/harness.py), shown as $MODEL.
_MODEL = re.compile(r"/\S*?hostile-model-[^/\s]+")


def _cell(text: str, root: str, *, limit: int = 160) -> str:
    """`text` for a Markdown table cell: tmp paths shortened, escaped, cut."""
    text = printable(_MODEL.sub("$MODEL", text.replace(root, "$TMP")))
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("`", "'")


def _command(outcome: Outcome, root: str) -> str:
    words = [
        "playbook",
        *(_MODEL.sub("$MODEL", arg.replace(root, "$TMP")) for arg in outcome.args),
    ]
    return printable(" ".join(shlex.quote(word) for word in words))


def _verdict(case: Case, found: list[str]) -> str:
    if not found:
        return "ok" if not case.xfail else "ok (xfail no longer needed)"
    if case.xfail:
        return f"known failure: {case.xfail}"
    return "FAILED: " + "; ".join(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", action="store_true", help="Skip kernel cases.")
    args = parser.parse_args()
    rows, verdicts = [], Counter()
    started = time.monotonic()
    for number, case in enumerate(CASES, start=1):
        if args.fast and case.slow:
            continue
        with tempfile.TemporaryDirectory(prefix="hostile-") as folder:
            workspace, outcome = run_case(case, Path(folder))
            found = problems(case, workspace, outcome)
        verdict = _verdict(case, found)
        verdicts[verdict.split(":")[0].split(" (")[0]] += 1
        expected = "/".join(map(str, case.exits))
        code = "hang" if outcome.hung else str(outcome.exit_code)
        message = outcome.message
        rows.append(
            f"| {number} | {case.group} | `{case.id}` | {_cell(case.input, folder)} "
            f"| `{_cell(_command(outcome, folder), folder, limit=200)}` | {code} "
            f"| {expected} | {_cell(message, folder)} | {_cell(verdict, folder)} |"
        )
        print(f"{number:3} {case.id:28} exit {code:>4} {verdict[:60]}", flush=True)
    took = time.monotonic() - started
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
        cwd=REPO, check=False,
    ).stdout.strip()  # fmt: skip
    groups = len({case.group for case in CASES})
    summary = ", ".join(f"{count} {name}" for name, count in sorted(verdicts.items()))
    OUT.write_text(
        "# Hostile inputs (issue #17)\n\n"
        "Written by `bench/hostile_inputs.py` from the cases in `tests/hostile/`, "
        "which `tests/test_hostile_inputs.py` runs as tests. Each case builds its "
        "inputs in a "
        "fresh folder ($TMP; the `score` cases share one small model, $MODEL), runs "
        "one command, and passes when the exit code is one "
        "expected (playbook/errors.py: 0 fine, 2 a gate or a usage error, 1 any other "
        "error, 130/143 interrupted), nothing printed holds a traceback, a planted "
        "secret or a raw control character, no written file holds a planted secret, "
        "it ends within its time limit, and the case's own check holds (a table not "
        "dropped, no file made by a shell command, no formula cell in the scores).\n\n"
        f"{len(rows)} cases in {groups} groups on {commit} "
        f"({dt.date.today().isoformat()}, {took:.0f} s): {summary}.\n\n"
        "| # | group | case | input | command | exit | expected | first line printed "
        "| result |\n|---|---|---|---|---|---|---|---|---|\n" + "\n".join(rows) + "\n",
        encoding="utf-8",
    )
    print(f"wrote {OUT.relative_to(REPO)}: {summary} in {took:.0f} s")


if __name__ == "__main__":
    main()
