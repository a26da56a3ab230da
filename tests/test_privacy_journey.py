"""Personal data planted in the data never reaches a file of the run or the scores.

Two small SYNTHETIC journeys, each followed by `playbook score` on its fresh batch:
the tiny churn example (a tabular model) and the ticket-routing example (a text
router). Planted: Korean resident registration numbers, Korean mobile numbers, e-mail
addresses and card numbers as every id and in 3% of a category feature (under the 5%
column threshold), a name column, and in the ticket text all four plus names after a
cue ("my name is", 고객님) and without one (a name the name column holds). Searched:
every file of the run folder (notebooks, pages, manifest, results, model files as
bytes, scores) and the scores `playbook score` wrote, for each value as written, lower
case, as TF-IDF word bigrams, digits only, JSON-escaped, UTF-16 and UTF-32
(`pii_plants.leaks`).
"""

import hashlib
import hmac
import json
import os
import subprocess
import sys
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
import yaml
from pii_plants import (
    Plants,
    leaks,
    plant_ids,
    plant_in_text,
    plant_name_column,
    plant_scattered,
)
from tiny import make_example

from playbook.synthetic import demo

pytestmark = pytest.mark.journey

KEY = "test-key-held-by-the-retention-desk"
KEY_VARIABLE = "PLAYBOOK_ID_KEY"
KINDS = {"rrn", "mobile", "email", "card"}


def run_cli(*args: str, cwd: Path, home: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        KEY_VARIABLE: KEY,
        "XDG_CONFIG_HOME": str(home),
    }
    return subprocess.run(
        [sys.executable, "-m", "playbook", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=900,
        env=env,
    )


def pseudonym(value: str, *, poc: str) -> str:
    """The documented formula (`playbook.serve.pseudonyms`), as a key holder would."""
    message = f"{poc}\n{value}".encode()
    return "id-" + hmac.new(KEY.encode(), message, hashlib.sha256).hexdigest()[:20]


def without_checks(contract: Path, columns: set[str]) -> None:
    """Drop the contract's format checks on the columns planted into (the SYNTHETIC
    id pattern, the category's value set): the data must pass its gate."""
    suite = yaml.safe_load(contract.read_text())
    suite["expectations"] = [
        item
        for item in suite["expectations"]
        if not (
            item.get("column") in columns
            and item["type"]
            in (
                "expect_column_values_to_match_regex",
                "expect_column_values_to_be_in_set",
            )
        )
    ]
    contract.write_text(yaml.safe_dump(suite, sort_keys=False))


def journey(root: Path, charter_path: Path, fresh: Path, poc: str) -> dict:
    """Run the journey, then score the fresh batch; what each printed and wrote."""
    ran = run_cli(
        "run", str(charter_path), "--runs-dir", str(root / "runs"), cwd=root, home=root
    )
    run_dir = next((root / "runs" / poc).iterdir())
    out = root / "scored.csv"
    scored = run_cli(
        "score", str(run_dir), str(fresh), "--out", str(out), cwd=root, home=root
    )
    terminal = root / "terminal.txt"
    terminal.write_text(ran.stdout + ran.stderr + scored.stdout + scored.stderr)
    return {
        "ran": ran,
        "scored": scored,
        "run": run_dir,
        "out": out,
        "terminal": terminal,
    }


@pytest.fixture(scope="module")
def churn(tmp_path_factory):
    root = tmp_path_factory.mktemp("churn-pii")
    charter_path = make_example(root / "example", customers=1500)
    plants, rng = Plants(), np.random.default_rng(17)
    for name in ("churn_SYNTHETIC.csv", "churn_fresh_SYNTHETIC.csv"):
        path = root / "example" / name
        frame = plant_ids(pd.read_csv(path), "customer_id", plants, rng=rng)
        frame = plant_scattered(frame, "payment_method", plants, rng=rng, share=0.03)
        frame = plant_name_column(frame, text=None, plants=plants, rng=rng)
        frame.to_csv(path, index=False)
    without_checks(
        root / "example" / "churn.checks.yaml", {"customer_id", "payment_method"}
    )
    fresh = root / "example" / "churn_fresh_SYNTHETIC.csv"
    return plants, journey(root, charter_path, fresh, "churn-tiny"), root


@pytest.fixture(scope="module")
def routing(tmp_path_factory):
    root = tmp_path_factory.mktemp("routing-pii")
    example = demo.write_example(root / "example", template="ticket_routing", rows=600)
    plants, rng = Plants(), np.random.default_rng(23)
    for name in ("ticket_routing_SYNTHETIC.csv", "ticket_routing_fresh_SYNTHETIC.csv"):
        path = root / "example" / name
        frame = plant_ids(pd.read_csv(path), "ticket_id", plants, rng=rng)
        frame = plant_scattered(frame, "channel", plants, rng=rng, share=0.03)
        frame = plant_in_text(frame, "text", plants, rng=rng)
        frame = plant_name_column(frame, text="text", plants=plants, rng=rng)
        frame.to_csv(path, index=False)
    without_checks(
        root / "example" / "ticket_routing.checks.yaml", {"ticket_id", "channel"}
    )
    fresh = root / "example" / "ticket_routing_fresh_SYNTHETIC.csv"
    return plants, journey(root, example.charter, fresh, "ticket-routing"), root


@pytest.fixture(params=["churn", "routing"])
def planted(request):
    return request.getfixturevalue(request.param)


def test_the_journey_and_score_complete_on_the_planted_data(planted):
    _, done, _ = planted

    assert done["ran"].returncode == 0, done["ran"].stdout + done["ran"].stderr
    assert done["scored"].returncode == 0, done["scored"].stderr
    assert (done["run"] / "scores" / "fresh.csv").is_file()


def test_every_kind_was_planted_and_the_search_finds_it_in_the_input(planted):
    plants, _, root = planted

    found = leaks(plants, root / "example")

    kinds = {entry.split(" '")[0] for entry in found}
    assert {f"id {kind}" for kind in KINDS} <= kinds
    assert "customer_name" in kinds
    assert any(kind.startswith(("payment_method", "channel")) for kind in kinds)


def test_text_plants_are_every_kind_and_found_in_the_input(routing):
    plants, _, root = routing

    kinds = {entry.split(" '")[0] for entry in leaks(plants, root / "example")}

    assert {f"text {kind}" for kind in (*KINDS, "name")} <= kinds


def test_no_planted_value_is_in_any_file_of_the_run_or_the_scores(planted):
    plants, done, _ = planted

    found = leaks(plants, done["run"], done["out"], done["terminal"])

    assert found == [], f"{len(found)} leaks, e.g. {found[:5]}"


def test_scores_hold_ids_the_key_holder_can_join(planted):
    plants, done, _ = planted
    poc = json.loads((done["run"] / "manifest.json").read_text())["poc"]
    ids = [value for kind, value in plants.every() if kind.startswith("id ")]
    joinable = {pseudonym(value, poc=poc) for value in ids}

    test = pd.read_csv(done["run"] / "scores" / "test.csv")["id"]
    fresh = pd.read_csv(done["run"] / "scores" / "fresh.csv")["id"]
    scored = pd.read_csv(done["out"])["id"]

    assert set(test) <= joinable and set(fresh) <= joinable
    assert set(scored) == set(fresh)  # the two scorings of one batch join


def test_the_category_stays_a_feature_with_placeholders(churn):
    _, done, _ = churn
    model = joblib.load(done["run"] / "model" / "model.joblib")
    evidence = json.loads(
        (done["run"] / "results" / "03_data_strategy.json").read_text()
    )
    personal = {item["column"]: item for item in evidence["evidence"]["pii"]}

    assert "payment_method" in model["features"]
    assert not personal["payment_method"]["excluded"]
    assert personal["payment_method"]["share"] == pytest.approx(0.03, abs=0.005)
    assert personal["customer_name"]["excluded"]
    assert "customer_name" not in model["features"]
    assert b"<PHONE>" in (done["run"] / "model" / "model.joblib").read_bytes()


def test_the_router_reads_the_text_with_placeholders(routing):
    _, done, _ = routing
    model = joblib.load(done["run"] / "model" / "model.joblib")
    words = model["pipeline"].named_steps["tfidf"].transformer_list[0][1].vocabulary_

    assert model["features"] == ["text"]
    assert {"rrn", "phone", "email", "card", "name"} <= set(words)
