"""What the back-office pages share: the page context (times in the operator's time zone,
status labels, the notice a redirect carries), form errors, and dates in a week.

A page that changed something redirects with `?done=<code>`; the next page shows the notice
that code names (codes only, never free text in the address).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from firstmile.auth import staff as staff_service
from firstmile.kit.db import Session
from firstmile.kit.errors import FirstmileError, InvalidInput, NotFound
from firstmile.kit.i18n import pick
from firstmile.kit.time import utcnow
from firstmile.packs import loader as packs
from firstmile.web import locale as web_locale
from firstmile.web.backoffice import code_labels
from firstmile.web.pages import render, translator

Translate = Callable[..., str]


def operator_time_zone(db: Session) -> str:
    """The pack's time zone (agents work in the operator's day); UTC before a pack is loaded."""
    try:
        return packs.current_meta(db).timezone
    except InvalidInput:
        return "UTC"


def status_labels(_: Translate) -> dict[str, str]:
    """Words for the statuses the queues and the customer page show (other values as they are)."""
    return {
        "pending": _("Pending"),
        "active": _("Active"),
        "closed": _("Closed"),
        "suspended": _("Suspended"),
        "terminated": _("Terminated"),
        "cancelled": _("Cancelled"),
        "completed": _("Completed"),
        "failed": _("Failed"),
        "open": _("Open"),
        "retrying": _("Retrying"),
        "resolved": _("Resolved"),
        "prospect": _("Prospect"),
        "in_review": _("In review"),
        "awaiting_documents": _("Awaiting documents"),
        "info_requested": _("Information requested"),
        "approved": _("Approved"),
        "rejected": _("Rejected"),
        "awaiting_signature": _("Awaiting signature"),
        "in_progress": _("In progress"),
        "preparing": _("Preparing"),
        "ready": _("Ready to sign"),
        "signed": _("Signed"),
        "sealed": _("Sealed"),
        "void": _("Void"),
        "queued": _("Queued"),
        "sent": _("Sent"),
        "delivered": _("Delivered"),
        "opened": _("Opened"),
        "bounced": _("Bounced"),
        "suppressed": _("Not sent"),
        "booked": _("Booked"),
        "waiting": _("Waiting"),
        "exited": _("Exited"),
        "starting": _("Starting"),
        "confirmed": _("Confirmed"),
        "false_positive": _("False positive"),
        "pending_activation": _("Pending activation"),
        "awaiting_self_activation": _("Awaiting self-activation"),
        "revoked": _("Revoked"),
        "agent": _("Agent"),
        "supervisor": _("Supervisor"),
        "admin": _("Administrator"),
    }


BADGES = {
    "ok": {"active", "completed", "resolved", "approved", "signed", "sealed", "delivered"},
    "bad": {"failed", "rejected", "bounced", "cancelled", "terminated", "void", "confirmed"},
    "warn": {"in_review", "open", "info_requested", "awaiting_signature", "retrying", "waiting"},
}


def badge_of(value: object) -> str:
    text = str(value)
    for kind, values in BADGES.items():
        if text in values:
            return f"badge-{kind}"
    return "badge-info"


_ENGLISH = Markup('<bdi lang="en" dir="ltr">{}</bdi>')


def pack_text(value: Any, locale: str) -> Markup | str:
    """A text an operator pack gives (a journey's or a step's name, a template's
    description): from its locale map when it has one; a plain string is English only, so
    it is marked as English, isolated for the bidi algorithm, not passed off as translated."""
    if isinstance(value, Mapping):
        return pick({str(k): str(v) for k, v in value.items()}, locale)
    if value is None or value == "":
        return ""
    return _ENGLISH.format(value)


def page(
    request: Request,
    db: Session,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    notices: Mapping[str, str] | None = None,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """Render a back-office page: `fmt` in the operator's time zone, `label(status)` and
    `badge(status)` for statuses, `pack_text(value)` for a pack's texts, and the notice
    `?done=` names among `notices`."""
    locale: str = request.state.locale
    _ = translator(locale)
    labels = status_labels(_)
    done = request.query_params.get("done")
    extra = {
        "fmt": web_locale.Formats(locale, operator_time_zone(db)),
        "label": lambda value: labels.get(str(value), str(value)) if value is not None else "",
        "badge": badge_of,
        "notice": (notices or {}).get(done or ""),
        "pack_text": lambda value: pack_text(value, locale),
    }
    return render(request, template, {**extra, **(context or {})}, status=status, headers=headers)


def who_of(db: Session, refs: Iterable[str | None], _: Translate) -> Callable[[str | None], str]:
    """A function naming an actor reference: a staff user's name, else who it is in words
    (`code_labels.actor_label`: "Customer (portal)", "System", "API token ...")."""
    names: dict[str, str] = {}
    for ref in {r for r in refs if r and r.startswith("staff:")}:
        try:
            names[ref] = staff_service.get_staff(db, ref.removeprefix("staff:")).name
        except NotFound:
            continue

    def who(ref: str | None) -> str:
        if not ref:
            return ""
        return names.get(ref) or code_labels.actor_label(ref, _)

    return who


def field_errors(exc: FirstmileError, default_field: str) -> dict[str, str]:
    """A service's refusal as the form's errors: under its field, or `default_field`."""
    return {exc.field or default_field: exc.message}


def week_start(value: str | None, tz: str) -> date:
    """The Monday of the week holding `value` (an ISO date), or of today in `tz`."""
    today = utcnow().astimezone(ZoneInfo(tz)).date()
    chosen = today
    if value:
        try:
            chosen = date.fromisoformat(value)
        except ValueError:
            raise InvalidInput("must be a date like 2025-01-31", field="week") from None
    return chosen - timedelta(days=chosen.weekday())


def local_midnight(day: date, tz: str) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(tz))
