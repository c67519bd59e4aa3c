"""docs/events.md is generated from the catalogue and must match it."""

from __future__ import annotations

from pathlib import Path

from firstmile.eventlog.catalogue import load_catalogue, render_markdown

DOCS = Path(__file__).resolve().parent.parent / "docs" / "events.md"


def test_docs_list_every_event_type() -> None:
    assert DOCS.read_text(encoding="utf-8") == render_markdown() + "\n", (
        "docs/events.md is stale: run `./run events docs`"
    )


def test_every_event_type_is_domain_dot_past_tense() -> None:
    for name in load_catalogue():
        domain, _, verb = name.partition(".")
        assert domain, name
        assert verb, name
