"""Provisioning fallout: service orders the network refused for good, worked by agents.

What the domain allows, and nothing more: an open case can be retried (the service order is
submitted again; the case resolves itself when it completes), an open or retrying case can
be cancelled (the order item and its service are given up) or taken by an agent.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse

from firstmile.customers import repository as customers_repository
from firstmile.kit.db import Session
from firstmile.kit.errors import InvalidInput
from firstmile.kit.http import Db
from firstmile.provisioning import repository as provisioning_repository
from firstmile.provisioning import service as provisioning_service
from firstmile.provisioning.models import FalloutStatus
from firstmile.web.backoffice.common import Translate, page, who_of
from firstmile.web.pages import AgentUser, PageRoute, Staff, redirect, translator

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PAGE_SIZE = 50
STATUSES = ("open", "retrying", "resolved", "cancelled", "all")


def _notices(_: Translate) -> dict[str, str]:
    return {
        "retried": _("The service order was sent to the network again."),
        "cancelled": _("The case was cancelled; the order item and its service were given up."),
        "assigned": _("The case is assigned to you."),
    }


def _queue_context(
    db: Session, staff: Staff, status: str, offset: int, _: Translate
) -> dict[str, Any]:
    if status not in STATUSES:
        raise InvalidInput(f"must be one of {', '.join(STATUSES)}", field="status")
    wanted = None if status == "all" else FalloutStatus(status)
    cases = provisioning_service.fallout_queue(
        db, status=wanted, limit=PAGE_SIZE + 1, offset=offset
    )
    rows = []
    for case in cases[:PAGE_SIZE]:
        order = provisioning_repository.service_order(db, case.service_order_id)
        rows.append(
            {
                "case": case,
                "customer": customers_repository.find(db, case.customer_id),
                "kind": order.kind if order is not None else "",
                "retryable": case.status == FalloutStatus.OPEN,
                "cancellable": case.status in provisioning_repository.OPEN_FALLOUT,
            }
        )
    return {
        "rows": rows,
        "status": status,
        "offset": offset,
        "next_offset": offset + PAGE_SIZE if len(cases) > PAGE_SIZE else None,
        "previous_offset": max(offset - PAGE_SIZE, 0) if offset else None,
        "who": who_of(db, [c.assignee for c in cases] + [c.resolved_by for c in cases], _),
        "me": staff.actor.ref,
    }


@router.get("/backoffice/fallout", response_class=HTMLResponse)
def fallout_queue(
    request: Request,
    db: Db,
    staff: AgentUser,
    status: Annotated[str, Query(max_length=20)] = "open",
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> HTMLResponse:
    _ = translator(request.state.locale)
    context = _queue_context(db, staff, status, offset, _) | {"errors": {}}
    return page(request, db, "backoffice/fallout.html", context, notices=_notices(_))


@router.post("/backoffice/fallout/{case_id}/retry")
def retry(case_id: str, request: Request, db: Db, staff: AgentUser) -> Response:
    provisioning_service.retry_fallout(db, case_id, actor=staff.actor)
    return redirect(request, "/backoffice/fallout?done=retried")


@router.post("/backoffice/fallout/{case_id}/cancel")
def cancel(
    case_id: str,
    request: Request,
    db: Db,
    staff: AgentUser,
    reason: Annotated[str, Form(max_length=500)] = "",
    status: Annotated[str, Form(max_length=20)] = "open",
) -> Response:
    if not reason.strip():
        _ = translator(request.state.locale)
        context = _queue_context(db, staff, status, 0, _) | {
            "errors": {case_id: _("Please write the reason.")}
        }
        return page(request, db, "backoffice/fallout.html", context, status=422)
    provisioning_service.cancel_fallout(db, case_id, reason=reason.strip(), actor=staff.actor)
    return redirect(request, "/backoffice/fallout?done=cancelled")


@router.post("/backoffice/fallout/{case_id}/assign")
def assign(case_id: str, request: Request, db: Db, staff: AgentUser) -> Response:
    provisioning_service.assign_fallout(db, case_id, assignee=staff.actor.ref, actor=staff.actor)
    return redirect(request, "/backoffice/fallout?done=assigned")
