"""Back-office sign-in: password, then a TOTP code from the user's authenticator app.

Between the two steps the browser holds a `pending` session that opens nothing but the
code page; after the code the session gets a new secret. Failures are counted per user and
lock it for a while (auth/staff.py); the answer never says whether the email exists.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import HTMLResponse

from firstmile.auth import sessions as web_sessions
from firstmile.auth import staff as staff_service
from firstmile.auth.models import StaffUser
from firstmile.kit import ratelimit
from firstmile.kit.http import Db
from firstmile.web import csrf
from firstmile.web.pages import (
    SESSION_COOKIES,
    PageRoute,
    client_ip,
    delete_cookie,
    plural_translator,
    redirect,
    render,
    safe_next,
    session_of,
    set_cookie,
    start_session,
    translator,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)
COOKIE = SESSION_COOKIES[web_sessions.STAFF]
IP_LIMIT_PER_HOUR = 60


def _safe_next(value: str | None) -> str:
    return safe_next(value, "/backoffice")


@router.get("/backoffice/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> Response:
    return render(request, "backoffice/login.html", {"next": _safe_next(next), "errors": {}})


@router.post("/backoffice/login", response_class=HTMLResponse)
def check_password(
    request: Request,
    db: Db,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = "/backoffice",
) -> Response:
    client = client_ip(request) or "unknown"
    ratelimit.hit(db, f"staff-login:{client}", limit=IP_LIMIT_PER_HOUR, window_seconds=3600)
    user = staff_service.check_password(db, email, password) if email and password else None
    if user is None:
        # 200, not 4xx: the edge would roll back, and the failure count must be kept
        ngettext = plural_translator(request.state.locale)
        errors = {
            "password": ngettext(
                "The email address or the password is not right. After several wrong tries, "
                "sign-in pauses for a minute.",
                "The email address or the password is not right. After several wrong tries, "
                "sign-in pauses for {minutes} minutes.",
                staff_service.LOCK_MINUTES,
                minutes=staff_service.LOCK_MINUTES,
            )
        }
        context = {"next": _safe_next(next), "errors": errors, "email": email}
        return render(request, "backoffice/login.html", context)
    started = start_session(request, db, kind=web_sessions.STAFF, subject_id=user.id, pending=True)
    set_cookie(request, COOKIE, started.secret)
    return render(request, "backoffice/totp.html", {"next": _safe_next(next), "errors": {}})


@router.post("/backoffice/login/totp", response_class=HTMLResponse)
def check_code(
    request: Request,
    db: Db,
    code: Annotated[str, Form(max_length=12)] = "",
    next: Annotated[str, Form(max_length=500)] = "/backoffice",
) -> Response:
    _ = translator(request.state.locale)
    row = session_of(request, db, web_sessions.STAFF)
    if row is None or not row.pending:
        return redirect(request, "/backoffice/login")
    user = db.get(StaffUser, row.subject_id)
    if user is None:
        return redirect(request, "/backoffice/login")
    if not staff_service.check_totp(db, user, code):
        errors = {"code": _("This code is not right. Enter the current code from your app.")}
        return render(request, "backoffice/totp.html", {"next": _safe_next(next), "errors": errors})
    started = web_sessions.promote(db, row)
    set_cookie(request, COOKIE, started.secret)
    set_cookie(request, csrf.COOKIE, csrf.new_value())
    return redirect(request, _safe_next(next))


@router.post("/backoffice/logout")
def logout(request: Request, db: Db) -> Response:
    row = session_of(request, db, web_sessions.STAFF)
    if row is not None:
        web_sessions.end(db, row)
    delete_cookie(request, COOKIE)
    return redirect(request, "/backoffice/login")
