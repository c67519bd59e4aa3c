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
        try:
            compile_journey(
                model,
                known_events=known,
                known_actions=set(actions.names()),
                known_purposes=purposes,
            )
        except DefinitionInvalid as exc:
            for problem in exc.problems:
                field = ".".join(map(str, problem.loc))
                issues.append(PackIssue(name, loaded.line_of(problem.loc), field, problem.message))
    return issues


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
