"""Set-up tutorials for the customer's devices and services, and "it didn't work" help.

    GET  /portal/tutorials                               the customer's tutorials
    GET  /portal/tutorials/{code}[?step=n]               a tutorial, at its saved step
    GET  /portal/tutorials/{code}/steps/{n}/status       HTMX: a locked step's action area
    POST /portal/tutorials/{code}/steps/{n}/done         the step is done: on to the next
    POST /portal/tutorials/{code}/restart
    GET  /portal/tutorials/{code}/images/{name}          the pack's drawing for a step
    GET  /portal/tutorials/{code}/steps/{n}/help         "it didn't work": the help form
    POST /portal/tutorials/{code}/steps/{n}/help
    GET  /portal/help, /portal/help/{id}                 the customer's help requests

A locked step (its service is not active yet) polls its status every few seconds and
unlocks by itself when provisioning activates the service; without JavaScript, "check
again" reloads the page.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse

from firstmile.care import service as care_service
from firstmile.care.models import HelpRequest
from firstmile.kit.errors import Conflict, InvalidInput, NotFound
from firstmile.kit.http import Db
from firstmile.kit.i18n import pick
from firstmile.packs import loader as packs
from firstmile.provisioning import repository as provisioning_repository
from firstmile.web.pages import (
    PageRoute,
    PortalCustomer,
    customer_actor,
    own,
    redirect,
    render,
    translator,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)
BASE = "/portal/tutorials"


def _texts(value: Any, locale: str) -> str:
    return pick(value, locale) if isinstance(value, dict) and value else ""


def status_label(request: Request, status: str) -> str:
    _ = translator(request.state.locale)
    labels = {
        "active": _("Active"),
        "pending_activation": _("Being activated"),
        "awaiting_self_activation": _("Waiting for you to activate it"),
        "suspended": _("Suspended"),
        "ordered": _("Ordered: waiting for your signature"),
    }
    return labels.get(status, status)


def _device_name(db: Db, request: Request, holding: care_service.Holding) -> str:
    _ = translator(request.state.locale)
    if holding.device_model:
        guide = provisioning_repository.device_guide(db, holding.device_model)
        return _texts(guide.name, request.state.locale) if guide else holding.device_model
    if holding.sim_type == "esim":
        return _("eSIM")
    if holding.sim_type == "physical":
        return _("SIM card")
    return ""


def _step(seen: care_service.CustomerTutorial, n: int, locale: str) -> dict[str, Any]:
    raw = seen.tutorial.steps[n - 1]
    image = raw.get("image") or None
    return {
        "number": n,
        "title": _texts(raw["title"], locale),
        "body": _texts(raw["body"], locale),
        "tip": _texts(raw.get("tip"), locale),
        "shortcut": _texts(raw.get("shortcut"), locale),
        "image_url": f"{BASE}/{seen.tutorial.code}/images/{image['file']}" if image else None,
        "image_alt": _texts(image["alt"], locale) if image else "",
        "needs_active_service": bool(raw.get("needs_active_service")),
        "locked": seen.locked(n),
        "done": seen.done(n),
    }


def _tutorial(seen: care_service.CustomerTutorial, locale: str) -> dict[str, Any]:
    tutorial = seen.tutorial
    count = len(tutorial.steps)
    done = len(seen.progress.completed_steps) if seen.progress else 0
    return {
        "code": tutorial.code,
        "title": _texts(tutorial.title, locale),
        "summary": _texts(tutorial.summary, locale),
        "minutes": tutorial.minutes,
        "count": count,
        "done_count": done,
        "completed": seen.progress is not None and seen.progress.completed_at is not None,
        "resume": seen.resume_step,
        "service_active": seen.service_active,
        "url": f"{BASE}/{tutorial.code}",
    }


def _page(
    request: Request, db: Db, seen: care_service.CustomerTutorial, number: int
) -> dict[str, Any]:
    locale = request.state.locale
    holding = seen.holding
    return {
        "tutorial": _tutorial(seen, locale),
        "steps": [_step(seen, n, locale) for n in range(1, len(seen.tutorial.steps) + 1)],
        "step": _step(seen, number, locale),
        "device": _device_name(db, request, holding),
        "service_status": status_label(request, holding.status),
        "is_mobile": holding.kind == "mobile",
    }


@router.get(BASE, response_class=HTMLResponse)
def tutorials(request: Request, db: Db, me: PortalCustomer) -> Response:
    locale = request.state.locale
    found = [_tutorial(seen, locale) for seen in care_service.tutorials_for(db, me.id)]
    return render(request, "portal/tutorials.html", {"tutorials": found})


@router.get(BASE + "/{code}", response_class=HTMLResponse)
def tutorial(
    request: Request,
    db: Db,
    me: PortalCustomer,
    code: str,
    step: Annotated[int | None, Query(ge=1, le=100)] = None,
    finished: Annotated[bool, Query()] = False,
) -> Response:
    seen = care_service.tutorial_for(db, me.id, code)
    number = step if step is not None else seen.resume_step
    if number > len(seen.tutorial.steps):
        raise NotFound("tutorial step", f"{code}/{number}")
    context = _page(request, db, seen, number) | {"finished": finished, "problem": ""}
    return render(request, "portal/tutorial.html", context)


@router.get(BASE + "/{code}/steps/{number}/status", response_class=HTMLResponse)
def step_status(request: Request, db: Db, me: PortalCustomer, code: str, number: int) -> Response:
    """The step's action area: still polling while locked, the "done" form once not."""
    seen = care_service.tutorial_for(db, me.id, code)
    if not 1 <= number <= len(seen.tutorial.steps):
        raise NotFound("tutorial step", f"{code}/{number}")
    context = {
        "tutorial": _tutorial(seen, request.state.locale),
        "step": _step(seen, number, request.state.locale),
    }
    return render(request, "portal/tutorial_step_action.html", context)


@router.post(BASE + "/{code}/steps/{number}/done", response_class=HTMLResponse)
def step_done(request: Request, db: Db, me: PortalCustomer, code: str, number: int) -> Response:
    _ = translator(request.state.locale)
    try:
        seen = care_service.complete_step(db, me.id, code, number, actor=customer_actor(me))
    except Conflict:
        seen = care_service.tutorial_for(db, me.id, code)
        problem = _("This step unlocks by itself as soon as your service is active.")
        context = _page(request, db, seen, number) | {"finished": False, "problem": problem}
        return render(request, "portal/tutorial.html", context, status=409)
    progress = seen.progress
    if progress is not None and len(progress.completed_steps) == len(seen.tutorial.steps):
        return redirect(request, f"{BASE}/{code}?step={number}&finished=true")
    return redirect(request, f"{BASE}/{code}")


@router.post(BASE + "/{code}/restart")
def restart(request: Request, db: Db, me: PortalCustomer, code: str) -> Response:
    care_service.restart(db, me.id, code)
    return redirect(request, f"{BASE}/{code}")


@router.get(BASE + "/{code}/images/{name}")
def image(db: Db, me: PortalCustomer, code: str, name: str) -> Response:
    """Pack drawings: SVG without scripts or outside references (checked when the pack is
    loaded); served as images, never as pages of their own."""
    body = care_service.tutorial_image(db, code, name)
    if body is None:
        raise NotFound("image", name)
    return Response(
        body,
        media_type="image/svg+xml",
        headers={
            "Cache-Control": "private, max-age=3600",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
        },
    )


# --- "it didn't work" ---------------------------------------------------------------------


def _help_context(
    request: Request, db: Db, seen: care_service.CustomerTutorial, number: int
) -> dict[str, Any]:
    return {**_page(request, db, seen, number), "errors": {}, "note": "", "problem": ""}


@router.get(BASE + "/{code}/steps/{number}/help", response_class=HTMLResponse)
def help_form(request: Request, db: Db, me: PortalCustomer, code: str, number: int) -> Response:
    seen = care_service.tutorial_for(db, me.id, code)
    if not 1 <= number <= len(seen.tutorial.steps):
        raise NotFound("tutorial step", f"{code}/{number}")
    return render(request, "portal/help_form.html", _help_context(request, db, seen, number))


@router.post(BASE + "/{code}/steps/{number}/help", response_class=HTMLResponse)
def ask_for_help(
    request: Request,
    db: Db,
    me: PortalCustomer,
    code: str,
    number: int,
    note: Annotated[str, Form()] = "",
) -> Response:
    _ = translator(request.state.locale)
    actor = customer_actor(me)
    try:
        made = care_service.request_help(db, me.id, code, number, note=note, actor=actor)
    except (InvalidInput, Conflict) as exc:
        seen = care_service.tutorial_for(db, me.id, code)
        context = _help_context(request, db, seen, number) | {"note": note}
        if isinstance(exc, Conflict):
            context["problem"] = _(
                "You already have several open help requests. We will contact you about them."
            )
            return render(request, "portal/help_form.html", context, status=409)
        message = _("Please describe the problem in plain text.")
        if len(note.strip()) > care_service.NOTE_MAX:
            message = _("Please write at most {count} characters.", count=care_service.NOTE_MAX)
        context["errors"] = {"note": message}
        return render(request, "portal/help_form.html", context, status=422)
    return redirect(request, f"/portal/help/{made.id}?sent=true")


def _request_view(request: Request, row: HelpRequest) -> dict[str, Any]:
    locale = request.state.locale
    context = row.context or {}
    return {
        "id": row.id,
        "tutorial_code": row.tutorial_code,
        "tutorial": _texts(context.get("tutorial_title"), locale) or row.tutorial_code,
        "step": row.step,
        "step_title": _texts(context.get("step_title"), locale),
        "note": row.note,
        "status": str(row.status),
        "service_status": status_label(request, row.service_status),
        "created_at": row.created_at,
        "closed_at": row.closed_at,
        "resolution": row.resolution or "",
    }


@router.get("/portal/help", response_class=HTMLResponse)
def help_requests(request: Request, db: Db, me: PortalCustomer) -> Response:
    rows = care_service.help_requests_of(db, me.id)
    views = [_request_view(request, row) for row in rows]
    return render(request, "portal/help_list.html", {"requests": views})


@router.get("/portal/help/{help_request_id}", response_class=HTMLResponse)
def help_request(
    request: Request,
    db: Db,
    me: PortalCustomer,
    help_request_id: str,
    sent: Annotated[bool, Query()] = False,
) -> Response:
    row = care_service.help_request(db, help_request_id)
    own(me, row.customer_id, "help request", help_request_id)
    operator = packs.current_meta(db).operator
    context = {
        "req": _request_view(request, row),
        "sent": sent,
        "support_phone": operator.get("support_phone", ""),
        "support_email": operator.get("support_email", ""),
    }
    return render(request, "portal/help_sent.html", context)
