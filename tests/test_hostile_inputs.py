"""Every hostile input of issue #17 ends cleanly: the right exit code, no traceback,
no planted secret in the output or in any file written, no raw control character on
the terminal, no hang (the table: tests/hostile/, docs/hostile-inputs.md)."""

import re
from pathlib import Path

import pytest
from hostile.cases import CASES
from hostile.harness import Case, problems, run_case

DOC = Path(__file__).resolve().parents[1] / "docs" / "hostile-inputs.md"


def _param(case: Case):
    # A case that starts a kernel is a journey test (marked like the others).
    marks = [pytest.mark.journey] if case.slow else []
    if case.xfail:
        marks.append(pytest.mark.xfail(strict=True, reason=case.xfail))
    return pytest.param(case, id=case.id, marks=marks)


@pytest.mark.parametrize("case", [_param(case) for case in CASES])
def test_a_hostile_input_ends_cleanly(case, tmp_path):
    workspace, outcome = run_case(case, tmp_path)
    found = problems(case, workspace, outcome)
    assert found == [], f"{found}\n--- output:\n{outcome.output}\n{outcome.uncaught}"


def test_the_table_has_at_least_100_cases_with_unique_names_in_many_groups():
    ids = [case.id for case in CASES]
    assert len(ids) >= 100
    assert len(set(ids)) == len(ids)
    assert len({case.group for case in CASES}) >= 10


def test_the_committed_table_lists_every_case():
    """docs/hostile-inputs.md is bench/hostile_inputs.py's output: rerun it."""
    listed = set(re.findall(r"^\| \d+ \| [^|]+ \| `([^`]+)` \|", DOC.read_text(), re.M))
    assert listed == {case.id for case in CASES}
