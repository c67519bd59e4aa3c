"""The pack's `journeys/*.yaml`: one journey per file (see definition.py for the format).

Every problem is reported with its file, line and field: schema errors by the loader,
graph and expression errors by `_check`. Loading a pack publishes each journey (a new
version only where the definition changed) and retires journeys the pack dropped.
"""

from __future__ import annotations

from typing import Any

from firstmile.auth.scopes import SYSTEM
from firstmile.eventlog import catalogue
from firstmile.journeys import actions, service
from firstmile.journeys.definition import DefinitionInvalid, JourneyFile, compile_journey
from firstmile.kit.db import Session
from firstmile.packs.loader import PackMeta, Section, section
from firstmile.packs.yamlfile import LoadedYaml, PackIssue


def _check(meta: PackMeta, parts: list[tuple[LoadedYaml, Any]]) -> list[PackIssue]:
    issues: list[PackIssue] = []
    known = set(catalogue.load_catalogue())
    codes: dict[str, str] = {}
    for loaded, model in parts:
        purposes = {path.stem for path in (loaded.path.parent.parent / "messages").glob("*.yaml")}
        name = f"journeys/{loaded.path.name}"
        if model.code in codes:
            issues.append(
                PackIssue(
                    name, loaded.line_of(("code",)), "code", f"also used in {codes[model.code]}"
                )
            )
        codes[model.code] = name
        issues += check_journey(name, loaded, model, known, purposes)
    return issues


def check_journey(
    name: str,
    loaded: LoadedYaml,
    model: JourneyFile,
    known_events: set[str],
    known_purposes: set[str] | None,
) -> list[PackIssue]:
    """What a schema cannot check of one journey file (graph, expressions, references),
    each problem with its line."""
    try:
        compile_journey(
            model,
            known_events=known_events,
            known_actions=set(actions.names()),
            known_purposes=known_purposes,
        )
    except DefinitionInvalid as exc:
        return [
            PackIssue(name, loaded.line_of(p.loc), ".".join(map(str, p.loc)), p.message)
            for p in exc.problems
        ]
    return []


def _store(db: Session, meta: PackMeta, parts: list[tuple[LoadedYaml, Any]]) -> None:
    service.store_pack(db, meta.code, [model for _loaded, model in parts], SYSTEM)


section(
    Section(
        name="journeys",
        pattern="journeys/*.yaml",
        model=JourneyFile,
        store=_store,
        check=_check,
        required=False,
        order=120,
    )
)
