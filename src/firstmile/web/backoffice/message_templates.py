"""Message templates for supervisors: the pack's templates by purpose, and a preview of one
for a channel and a locale with the template's sample data (the messaging domain renders
it, and adds an SMS's encoding, segments and cost).

The email is shown in a sandboxed iframe (`srcdoc`, no scripts, no same origin), as the
customer's mail program would show it. Its layout styles are inline, as email needs, so
this page's policy allows inline styles (the frame inherits it); scripts stay forbidden.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from firstmile.kit.db import Session
from firstmile.kit.errors import InvalidInput
from firstmile.kit.http import Db
from firstmile.kit.i18n import SUPPORTED_LOCALES
from firstmile.messaging import templates
from firstmile.messaging.schemas import TemplateSummary
from firstmile.packs import loader as packs
from firstmile.web import locale as web_locale
from firstmile.web.backoffice import code_labels
from firstmile.web.backoffice.common import field_errors, page
from firstmile.web.pages import PageRoute, SupervisorUser, translator

router = APIRouter(route_class=PageRoute, include_in_schema=False)
PREVIEW_POLICY = (
    "default-src 'self'; img-src 'self' data: https:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; frame-ancestors 'none'; form-action 'self'"
)


@router.get("/backoffice/templates", response_class=HTMLResponse)
def template_list(request: Request, db: Db, _staff: SupervisorUser) -> HTMLResponse:
    summaries = [TemplateSummary.of(row) for row in templates.current_templates(db)]
    words = code_labels.channels(translator(request.state.locale))
    context = {"summaries": summaries, "channels": words}
    return page(request, db, "backoffice/templates.html", context)


def _locales(db: Session) -> list[tuple[str, str]]:
    offered = packs.current_meta(db).locales or list(SUPPORTED_LOCALES)
    return [(code, web_locale.NAMES.get(code, code)) for code in offered]


@router.get("/backoffice/templates/{purpose}", response_class=HTMLResponse)
def preview(
    purpose: str,
    request: Request,
    db: Db,
    _staff: SupervisorUser,
    channel: Annotated[str | None, Query(max_length=20)] = None,
    locale: Annotated[str | None, Query(max_length=10)] = None,
) -> HTMLResponse:
    template = templates.current(db, purpose)
    channels = templates.channels_of(template)
    chosen_channel = channel or channels[0]
    chosen_locale = locale or packs.current_meta(db).default_locale
    words = code_labels.channels(translator(request.state.locale))
    context: dict[str, Any] = {
        "summary": TemplateSummary.of(template),
        "sample": template.content.get("sample_data", {}),
        "channels": [(c, words.get(c, c)) for c in channels],
        "channel_names": words,
        "locales": _locales(db),
        "locale_names": dict(_locales(db)),
        "channel": chosen_channel,
        "chosen_locale": chosen_locale,
        "errors": {},
        "preview": None,
    }
    try:
        if chosen_locale not in dict(_locales(db)):
            raise InvalidInput("the pack does not offer this locale", field="locale")
        context["preview"] = templates.preview(
            db, purpose, channel=chosen_channel, locale=chosen_locale
        )
    except InvalidInput as exc:
        context["errors"] = field_errors(exc, "channel")
        return page(request, db, "backoffice/template_preview.html", context, status=422)
    headers = {"Content-Security-Policy": PREVIEW_POLICY}
    return page(request, db, "backoffice/template_preview.html", context, headers=headers)
