"""`firstmile kyc screening load|match` and the `screening-load|screening-match` spellings:
one JSON object each."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from firstmile.cli import app
from firstmile.kyc.screening import service
from tests.kyc.screening import factories as f


def run(*args: str) -> tuple[int, Any]:
    result = CliRunner().invoke(app, ["kyc", *args])
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output  # exactly one JSON object
    return result.exit_code, json.loads(lines[0])


def test_load_then_reload_prints_the_counts(sessions: sessionmaker[Session]) -> None:
    code, body = run("screening", "load", "--format", "un", str(f.DATA / "un.xml"))
    assert code == 0
    assert body["load"] | {"load_id": None} == {
        "source": "un", "format": "un", "load_id": None, "added": 4, "changed": 0,
        "removed": 0, "unchanged": 0, "skipped": 0,
    }  # fmt: skip
    code, body = run("screening-load", "--format", "un", str(f.DATA / "un.xml"))
    assert (code, body["load"]["unchanged"], body["new_hits"]) == (0, 4, [])


def test_load_rescreens_customers(sessions: sessionmaker[Session], telco: str) -> None:
    with sessions() as db:
        customer = f.customer(db)
        service.screen_customer(db, customer.id, "Omar Yusuf al-Rashidi", None, "IQ", "person")
        db.commit()
    code, body = run("screening", "load", "--format", "ofac", str(f.DATA))
    assert code == 0
    assert [(h["customer_id"], h["listed"]) for h in body["new_hits"]] == [
        (customer.id, "AL-RASHIDI, Omar Yusuf")
    ]
    assert len(body["review_cases"]) == 1  # the new hit waits for a reviewer


def test_match_prints_hits_with_reasons(sessions: sessionmaker[Session]) -> None:
    run("screening", "load", "--format", "eu", str(f.DATA / "eu.xml"))
    code, body = run(
        "screening-match", "Светлана Морозова", "--birth-date", "1975-07-07", "--country", "RU"
    )
    assert code == 0
    [hit] = body["hits"]
    assert hit["entry"]["external_id"] == "5001"
    assert hit["birth_date"]["effect"] == 0.1
    assert hit["nationality"]["effect"] == 0.05
    assert hit["score"] >= body["threshold"] == 0.8


def test_match_without_hits(sessions: sessionmaker[Session]) -> None:
    code, body = run("screening", "match", "Eva Nováková", "--schema", "person")
    assert (code, body["hits"]) == (0, [])


def test_a_malformed_file_is_an_error_naming_the_line(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    sdn = tmp_path / "sdn.csv"
    sdn.write_text('1,"",individual,X,-0-,-0-,-0-,-0-,-0-,-0-,-0-,-0-\n', encoding="utf-8")
    code, body = run("screening", "load", "--format", "ofac", str(sdn))
    assert code == 2
    assert body["error"]["message"] == "sdn.csv line 1: SDN_Name is empty"


def test_bad_options_are_errors(sessions: sessionmaker[Session]) -> None:
    assert run("screening", "match", "Omar", "--birth-date", "15.3.1970")[0] == 2
    assert run("screening", "match", "Omar", "--schema", "vessel")[0] == 2
    code, body = run("screening", "load", "--format", "xls", str(f.DATA / "un.xml"))
    assert (code, body["error"]["field"]) == (2, "format")


def test_screening_is_also_a_top_level_command() -> None:
    from typer.testing import CliRunner

    from firstmile.cli import app

    result = CliRunner().invoke(app, ["screening", "match", "Omar Yusuf al-Rashidi"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output.strip().splitlines()[-1])
    assert "hits" in body
