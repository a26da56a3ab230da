from pathlib import Path

import pytest

from playbook import charter

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def churn_charter() -> charter.Charter:
    return charter.load(REPO / "templates" / "churn.yaml")


@pytest.fixture
def write_charter(tmp_path):
    """Write a charter built from the churn template with some top-level edits."""
    import yaml

    def write(edit=None, *, text: str | None = None) -> Path:
        path = tmp_path / "charter.yaml"
        if text is not None:
            path.write_text(text, encoding="utf-8")
            return path
        raw = yaml.safe_load((REPO / "templates" / "churn.yaml").read_text())
        if edit:
            edit(raw)
        path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
        return path

    return write
