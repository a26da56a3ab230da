"""Property-based: whatever the charter text or the data, a gate or a result.

For any generated charter, data file or frame, the loaders and the commands end with a
result, a `PlaybookError` (a gate, exit code 2, or a clean exit-1 message), never an
unexpected exception. Bounded and derandomized, so the file runs in seconds and the
same way every time.
"""

import tempfile
from pathlib import Path

import pandas as pd
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from playbook import charter, data
from playbook.cli.app import app
from playbook.errors import PlaybookError

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = yaml.safe_load((REPO / "templates" / "churn.yaml").read_text())
BOUNDED = settings(
    max_examples=40,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _leaf_paths(node, prefix=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaf_paths(value, (*prefix, key))
    elif isinstance(node, list) and node:
        yield from _leaf_paths(node[0], (*prefix, 0))
    else:
        yield prefix


PATHS = sorted(set(_leaf_paths(TEMPLATE)), key=str)
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.lists(st.text(max_size=8), max_size=3),
    st.dictionaries(st.text(max_size=8), st.integers(), max_size=2),
)


def _edited(edits) -> dict:
    document = yaml.safe_load(yaml.safe_dump(TEMPLATE))
    for path, value in edits:
        node = document
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
    return document


def _load_or_gate(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "charter.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            charter.load(path)
        except PlaybookError as error:
            assert error.exit_code in (1, 2)
            assert str(error)


@BOUNDED
@given(st.lists(st.tuples(st.sampled_from(PATHS), VALUES), min_size=1, max_size=4))
def test_any_edit_of_a_charter_loads_or_is_refused_by_a_gate(edits):
    _load_or_gate(yaml.safe_dump(_edited(edits), allow_unicode=True))


@BOUNDED
@given(st.text(max_size=300))
def test_any_charter_text_loads_or_is_refused_by_a_gate(text):
    _load_or_gate(text)


@settings(BOUNDED, max_examples=15)
@given(st.text(max_size=200))
def test_check_ends_with_an_exit_code_never_a_traceback(text):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "charter.yaml"
        path.write_text(text, encoding="utf-8")
        result = CliRunner().invoke(app, ["check", str(path)])
    assert result.exit_code in (0, 1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def _read_or_refuse(name: str, content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        try:
            frame = data.load(path)
        except PlaybookError as error:
            assert error.exit_code == 2
            return
        assert isinstance(frame, pd.DataFrame) and not frame.empty


@BOUNDED
@given(st.binary(max_size=400), st.sampled_from(["x.csv", "x.tsv", "x.parquet"]))
def test_any_bytes_read_as_data_or_are_refused(content, name):
    _read_or_refuse(name, content)


CELLS = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8"), max_size=12),
    st.integers().map(str),
    st.floats().map(str),
    st.sampled_from(["", '"', "'", "=1+1", "\r", "\n", ";", "|", "\t", "\x00"]),
)


@BOUNDED
@given(
    st.lists(st.lists(CELLS, min_size=1, max_size=5), min_size=1, max_size=8),
    st.sampled_from([",", ";", "\t", "|"]),
)
def test_any_delimited_text_reads_as_data_or_is_refused(rows, delimiter):
    text = "\n".join(delimiter.join(row) for row in rows)
    _read_or_refuse("x.csv", text.encode("utf-8", errors="surrogatepass"))
