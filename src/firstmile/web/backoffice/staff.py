"""Staff accounts, for admins: the list, a new user (their one-time password and the TOTP
set-up shown once, as a link and a QR code drawn here), deactivation (audited; the user's
sessions end at once)."""

from __future__ import annotations

from typing import Annotated

import segno
from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse

from firstmile.auth import staff as staff_service
from firstmile.auth.models import StaffRole
from firstmile.kit.errors import Conflict, InvalidInput
from firstmile.kit.http import Db
from firstmile.web.backoffice.common import Translate, field_errors, page
from firstmile.web.pages import AdminUser, PageRoute, redirect, translator

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def _notices(_: Translate) -> dict[str, str]:
    return {"deactivated": _("The user was deactivated and signed out everywhere.")}


def _roles(_: Translate) -> list[tuple[str, str]]:
    names = {
        StaffRole.AGENT: _("Agent"),
        StaffRole.SUPERVISOR: _("Supervisor"),
        StaffRole.ADMIN: _("Administrator"),
    }
    return [(str(role), names[role]) for role in StaffRole]


def _list_page(
    request: Request,
    db: Db,
    me: str,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    _ = translator(request.state.locale)
    context = {
        "users": staff_service.staff_users(db),
        "roles": _roles(_),
        "form": form or {"email": "", "name": "", "role": "agent"},
        "errors": errors or {},
        "me": me,
    }
    return page(request, db, "backoffice/staff.html", context, notices=_notices(_), status=status)


@router.get("/backoffice/staff", response_class=HTMLResponse)
def staff_list(request: Request, db: Db, admin: AdminUser) -> HTMLResponse:
    return _list_page(request, db, admin.user.id)


@router.post("/backoffice/staff", response_class=HTMLResponse)
def create(
    request: Request,
    db: Db,
    admin: AdminUser,
    email: Annotated[str, Form(max_length=254)] = "",
    name: Annotated[str, Form(max_length=120)] = "",
    role: Annotated[str, Form(max_length=20)] = "agent",
) -> HTMLResponse:
    try:
        made = staff_service.create_staff(db, email=email, name=name, role=role, actor=admin.actor)
    except (InvalidInput, Conflict) as exc:  # a bad field, or the email is taken
        form = {"email": email, "name": name, "role": role}
        errors = field_errors(exc, "email")
        status = exc.status_code
        return _list_page(request, db, admin.user.id, form=form, errors=errors, status=status)
    qr = segno.make(made.totp_uri, error="m")
    context = {
        "user": made.user,
        "password": made.password,
        "totp_uri": made.totp_uri,
        "qr": qr.svg_data_uri(scale=5, border=2),
    }
    return page(request, db, "backoffice/staff_created.html", context)


@router.post("/backoffice/staff/{user_id}/deactivate")
def deactivate(user_id: str, request: Request, db: Db, admin: AdminUser) -> Response:
    staff_service.deactivate_staff(db, user_id, actor=admin.actor)
    return redirect(request, "/backoffice/staff?done=deactivated")
