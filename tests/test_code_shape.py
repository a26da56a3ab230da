"""The shape the code keeps: short modules, thin notebooks, long functions explained.

Issue 12's limits, checked on every run so that they cannot drift back: no module of
the package over 600 lines, no stage notebook over 25 lines of code, and no function
over 80 lines without a comment that says why it is long (one starting "Long" or
"Over 80 lines", just above it or inside it).
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "playbook"
MODULE_LINES = 600
NOTEBOOK_CODE_LINES = 25
FUNCTION_LINES = 80
_SAYS_WHY = re.compile(r"^\s*#\s*(Long\b|Over 80 lines)")


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def unexplained_long_functions(
    source: str, *, limit: int = FUNCTION_LINES
) -> list[str]:
    """Functions of `source` longer than `limit` lines with no comment saying why.

    The comment counts when it stands in the three lines above the function (its
    decorators included) or anywhere inside it.
    """
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        end = node.end_lineno or node.lineno
        if end - node.lineno + 1 <= limit:
            continue
        start = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        near = lines[max(start - 4, 0) : end]
        if not any(_SAYS_WHY.match(line) for line in near):
            found.append(f"{node.name} (line {node.lineno}, {end - node.lineno + 1})")
    return found


def notebook_code_lines(path: Path) -> int:
    """Non-blank, non-comment lines of the notebook's code cells."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return sum(
        1
        for cell in notebook["cells"]
        if cell["cell_type"] == "code"
        for line in "".join(cell["source"]).splitlines()
        if line.strip() and not line.strip().startswith("#")
    )


def test_no_module_is_over_600_lines():
    long = {
        str(path.relative_to(ROOT)): count
        for path in _modules()
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > MODULE_LINES
    }
    assert not long, f"split these along their seams: {long}"


@pytest.mark.parametrize(
    "notebook", sorted((ROOT / "notebooks").glob("*.ipynb")), ids=lambda p: p.stem
)
def test_stage_notebooks_stay_thin(notebook):
    assert notebook_code_lines(notebook) <= NOTEBOOK_CODE_LINES


def test_every_long_function_says_why():
    unexplained = {
        str(path.relative_to(ROOT)): found
        for path in _modules()
        if (found := unexplained_long_functions(path.read_text(encoding="utf-8")))
    }
    assert not unexplained, (
        "split these, or say in a comment starting 'Long' or 'Over 80 lines' why "
        f"they are one function: {unexplained}"
    )


def test_the_long_function_rule_can_fail():
    body = "\n".join(f"    x{i} = {i}" for i in range(FUNCTION_LINES))
    bare = f"def grown():\n{body}\n"
    explained = f"# Long: one table.\ndef grown():\n{body}\n"
    assert unexplained_long_functions(bare) == [f"grown (line 1, {FUNCTION_LINES + 1})"]
    assert unexplained_long_functions(explained) == []
    assert unexplained_long_functions(bare, limit=FUNCTION_LINES + 1) == []
