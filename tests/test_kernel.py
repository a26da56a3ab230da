"""One kernel per journey: stages share imports, never names; journeys share nothing."""

import json

import nbformat
import pytest
from tiny import make_example

from playbook.run import runner

pytestmark = pytest.mark.journey

PARAMETERS = "charter_path = ''\ndata_path = ''\nout_dir = ''\nseed = 0"


def notebook(path, *cells):
    node = nbformat.v4.new_notebook()
    node.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    parameters = nbformat.v4.new_code_cell(PARAMETERS)
    parameters.metadata["tags"] = ["parameters"]
    node.cells = [parameters, *(nbformat.v4.new_code_cell(c) for c in cells)]
    nbformat.write(node, path)


def save(stage, evidence):
    return (
        "import os, sys\n"
        "from playbook.core import journey\n"
        f"journey.save_json(out_dir, 'probe_{stage}.json', {evidence})\n"
        f"journey.save(out_dir, journey.StageOutcome(stage={stage!r}, "
        "status='passed', summary='ok', evidence=None))"
    )


@pytest.fixture
def probe_notebooks(tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    notebook(
        folder / "01_business_question.ipynb",
        "import sys\nwave_before = 'wave' in sys.modules\nimport wave\n"
        "import nbformat  # imports jsonschema, which takes the IRI grammar\n"
        "leak = 'a name from stage 1'",
        save(
            "01_business_question",
            "{'pid': os.getpid(), 'wave_before': wave_before, 'iri_grammar_loaded': "
            "getattr(sys.modules.get('rfc3987_syntax'), '__file__', None) is not None}",
        ),
    )
    notebook(
        folder / "02_team.ipynb",
        save(
            "02_team",
            "{'pid': os.getpid(), 'sees_leak': 'leak' in globals(), "
            "'sees_wave_name': 'wave' in globals(), "
            "'wave_still_imported': 'wave' in sys.modules}",
        ),
    )
    notebook(
        folder / "03_data_strategy.ipynb",
        "from playbook.core.messages import sentence\n"
        "from playbook.errors import DataError\n"
        "raise DataError(sentence('%(path)s: the file holds no columns. Export it "
        "again with a header row.', path='d.csv'))",
    )
    return folder


def test_stages_share_one_kernel_but_not_their_names(probe_notebooks, tmp_path):
    charter_path = make_example(tmp_path / "example")
    first = runner.run_journey(
        charter_path,
        runs_dir=tmp_path / "runs",
        stages=[1, 2],
        notebooks_dir=probe_notebooks,
    )
    # In Korean, and on to a stage whose data gate stops it.
    second = runner.run_journey(
        charter_path,
        runs_dir=tmp_path / "runs",
        stages=[1, 2, 3],
        notebooks_dir=probe_notebooks,
        language="ko",
    )

    assert first.exit_code == 0
    assert second.exit_code == 2
    # The error a notebook raised is asked for its message in the run's language.
    said = "d.csv: 파일에 열이 없습니다. 헤더 행을 넣어 다시 내보내십시오."
    assert second.manifest["gates"][-1]["reasons"] == [said]
    assert second.manifest["stages"]["03_data_strategy"]["error"]["message"] == said
    one = _probe(first.run_dir, "01_business_question")
    two = _probe(first.run_dir, "02_team")
    assert one["wave_before"] is False
    # The kernel deferred the grammar nothing in a journey uses (slow_imports).
    assert one["iri_grammar_loaded"] is False
    assert two == {
        "pid": one["pid"],
        "sees_leak": False,
        "sees_wave_name": False,
        "wave_still_imported": True,
    }
    other = _probe(second.run_dir, "01_business_question")
    assert other["pid"] != one["pid"]
    executed = nbformat.read(first.run_dir / "notebooks" / "02_team.ipynb", 4)
    counts = [c.execution_count for c in executed.cells if c.cell_type == "code"]
    assert counts == [1, 2, 3]  # parameters, injected parameters, the stage's cell
    # The kernel's start-up line counted no cell and left every output in place.
    executed = nbformat.read(
        first.run_dir / "notebooks" / "01_business_question.ipynb", 4
    )
    counts = [c.execution_count for c in executed.cells if c.cell_type == "code"]
    assert counts == [1, 2, 3, 4]
    assert all(c.metadata.papermill.status == "completed" for c in executed.cells)


def _probe(run_dir, stage):
    return json.loads((run_dir / f"probe_{stage}.json").read_text())
