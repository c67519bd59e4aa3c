"""The pack's `segments.yaml`: each segment's code, name, description and condition.

    segments:
      - code: new_not_in_portal
        name: Activated in the last 7 days, never signed in to the portal
        condition: count("service.activated", duration("7d")) > 0 && count("portal.login") == 0

A condition that does not compile, or counts an event type no domain declares, is reported
with its file and line at load time.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from firstmile.eventlog import catalogue
from firstmile.kit.db import Session
from firstmile.kit.expressions import CompileError
from firstmile.messaging.segments import facts, service
from firstmile.packs.loader import PackMeta, Section, section
from firstmile.packs.yamlfile import LoadedYaml, PackIssue


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SegmentDefinition(_Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,59}$")
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    condition: str = Field(min_length=1, max_length=4000)


class SegmentsFile(_Strict):
    segments: list[SegmentDefinition]


def _check(meta: PackMeta, parts: list[tuple[LoadedYaml, Any]]) -> list[PackIssue]:
    issues: list[PackIssue] = []
    declared = catalogue.load_catalogue()
    for loaded, model in parts:
        codes: set[str] = set()
        for i, segment in enumerate(model.segments):
            loc: tuple[str | int, ...] = ("segments", i, "condition")
            if segment.code in codes:
                issues.append(_issue(loaded, ("segments", i, "code"), "the code is used twice"))
            codes.add(segment.code)
            try:
                program = facts.ENVIRONMENT.compile(segment.condition)
            except CompileError as exc:
                issues.append(_issue(loaded, loc, f"{exc.message} (column {exc.column})"))
                continue
            for event_type, _offset in program.literal_arguments("count"):
                if event_type is None:
                    issues.append(_issue(loaded, loc, "count() needs a literal event type"))
                elif event_type not in declared:
                    issues.append(
                        _issue(loaded, loc, f"count() of an unknown event type {event_type!r}")
                    )
    return issues


def _issue(loaded: LoadedYaml, loc: tuple[str | int, ...], message: str) -> PackIssue:
    return PackIssue(loaded.path.name, loaded.line_of(loc), ".".join(map(str, loc)), message)


def _store(db: Session, meta: PackMeta, parts: list[tuple[LoadedYaml, Any]]) -> None:
    definitions = [s.model_dump() for _loaded, model in parts for s in model.segments]
    service.store_definitions(db, meta.code, definitions)


section(
    Section(
        name="segments",
        pattern="segments.yaml",
        model=SegmentsFile,
        store=_store,
        check=_check,
        required=False,
        order=90,
    )
)
