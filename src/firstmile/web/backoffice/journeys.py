"""Journeys for supervisors: the pack's journeys and their versions, pause and resume, and
each journey's funnel (per-step counts from the event log) drawn as an inline SVG chart,
with the same numbers in a table, and the steps with where each leads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from firstmile.journeys import runner
from firstmile.journeys import service as journeys_service
from firstmile.kit.http import Db
from firstmile.kit.i18n import is_rtl
from firstmile.web.backoffice import code_labels
from firstmile.web.backoffice.common import Translate, page, who_of
from firstmile.web.pages import PageRoute, SupervisorUser, redirect, translator

router = APIRouter(route_class=PageRoute, include_in_schema=False)
CHART_WIDTH = 640
ROW_HEIGHT = 36
BAR_HEIGHT = 14
LABEL_GAP = 14
ISOLATE = "\u2068{}\u2069"  # a step's name keeps its own direction inside a label


@dataclass(frozen=True, slots=True)
class Bar:
    step: str
    label: str
    entered: int
    x: int
    y: int
    width: int
    text_x: int
    text_y: int


def _notices(_: Translate) -> dict[str, str]:
    return {
        "paused": _("The journey is paused: no instance starts and no step runs."),
        "resumed": _("The journey runs again."),
    }


def funnel(
    counts: list[dict[str, Any]], names: dict[str, str], *, rtl: bool, _: Translate
) -> dict[str, Any]:
    """The chart's geometry: one bar per step in journey order, its length the share of the
    largest `entered`; in a right-to-left page the bars grow from the right and the labels
    start there (the SVG's `direction` makes `text-anchor: start` the right edge)."""
    widest = max((row["entered"] for row in counts), default=0) or 1
    bars = []
    for index, row in enumerate(counts):
        width = round(CHART_WIDTH * row["entered"] / widest)
        top = index * ROW_HEIGHT
        name = ISOLATE.format(names.get(row["step"], row["step"]))
        bars.append(
            Bar(
                step=row["step"],
                label=_("{step}: {count} entered", step=name, count=row["entered"]),
                entered=row["entered"],
                x=CHART_WIDTH - width if rtl else 0,
                y=top + LABEL_GAP + 4,
                width=width,
                text_x=CHART_WIDTH if rtl else 0,
                text_y=top + LABEL_GAP,
            )
        )
    return {
        "bars": bars,
        "width": CHART_WIDTH,
        "height": max(len(bars), 1) * ROW_HEIGHT,
        "bar_height": BAR_HEIGHT,
        "direction": "rtl" if rtl else "ltr",
    }


@router.get("/backoffice/journeys", response_class=HTMLResponse)
def journeys(request: Request, db: Db, _staff: SupervisorUser) -> HTMLResponse:
    context = {"journeys": journeys_service.journeys(db)}
    return page(request, db, "backoffice/journeys.html", context)


@router.get("/backoffice/journeys/{code}", response_class=HTMLResponse)
def journey(code: str, request: Request, db: Db, _staff: SupervisorUser) -> HTMLResponse:
    locale = request.state.locale
    _ = translator(locale)
    found = journeys_service.get(db, code)
    current = journeys_service.current_version(db, found)
    graph = runner.compiled(current).graph()
    names = {node["id"]: node["name"] for node in graph["nodes"]}
    counts = journeys_service.step_counts(db, found)
    versions = journeys_service.versions(db, found)
    edges: dict[str, list[dict[str, Any]]] = {}
    for edge in graph["edges"]:
        edges.setdefault(edge["from"], []).append(edge)
    context = {
        "journey": found,
        "versions": list(reversed(versions)),
        "current": current,
        "counts": counts,
        "names": names,
        "chart": funnel(counts, names, rtl=is_rtl(locale), _=_),
        "nodes": graph["nodes"],
        "edges": edges,
        "start": graph["start"],
        "who": who_of(db, [v.published_by for v in versions], _),
        "kinds": code_labels.step_kinds(_),
        "phases": code_labels.phases(_),
    }
    return page(request, db, "backoffice/journey.html", context, notices=_notices(_))


@router.post("/backoffice/journeys/{code}/pause")
def pause(code: str, request: Request, db: Db, staff: SupervisorUser) -> Response:
    journeys_service.set_paused(db, code, True, actor=staff.actor)
    return redirect(request, f"/backoffice/journeys/{code}?done=paused")


@router.post("/backoffice/journeys/{code}/resume")
def resume(code: str, request: Request, db: Db, staff: SupervisorUser) -> Response:
    journeys_service.set_paused(db, code, False, actor=staff.actor)
    return redirect(request, f"/backoffice/journeys/{code}?done=resumed")
