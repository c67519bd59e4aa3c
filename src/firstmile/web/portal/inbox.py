"""The in-app inbox: the messages the messaging domain delivered on the in-app channel.

    GET /portal/inbox              the customer's messages, newest first
    GET /portal/inbox/{item_id}    one message; opening it is the read receipt

Opening a message marks it read through the messaging domain (`delivery.mark_read`), which
records `message.opened` once and cancels the unread fallback to the next channel. In-app
messages are plain text rendered from the pack's templates (the channel keeps no HTML), so
they are shown as escaped text, paragraph by paragraph; a link is offered only when it stays
on this site or uses https.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from firstmile.kit.http import Db
from firstmile.messaging import delivery
from firstmile.messaging import service as messaging_service
from firstmile.messaging.models import InboxItem
from firstmile.web.pages import PageRoute, PortalCustomer, customer_actor, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)


def safe_link(link: str | None) -> str | None:
    """A link the portal may show: a path on this site, or an https address."""
    if not link:
        return None
    text = link.strip()
    if text.startswith("/") and not text.startswith("//") and "\\" not in text:
        return text
    if text.lower().startswith("https://") and not any(c.isspace() for c in text):
        return text
    return None  # app deep links (firstmile://...) and anything else


def paragraphs(body: str) -> list[str]:
    blocks = body.replace("\r\n", "\n").split("\n\n")
    return [block.strip() for block in blocks if block.strip()]


def _view(item: InboxItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "title": item.title,
        "preview": " ".join(item.body.split())[:140],
        "created_at": item.created_at,
        "read": item.read_at is not None,
        "read_at": item.read_at,
    }


@router.get("/portal/inbox", response_class=HTMLResponse)
def inbox(request: Request, db: Db, me: PortalCustomer) -> Response:
    items = [_view(item) for item in messaging_service.inbox_of(db, me.id)]
    unread = sum(1 for item in items if not item["read"])
    return render(request, "portal/inbox.html", {"items": items, "unread": unread})


@router.get("/portal/inbox/{item_id}", response_class=HTMLResponse)
def message(request: Request, db: Db, me: PortalCustomer, item_id: str) -> Response:
    """NotFound for another customer's item: `mark_read` checks whose it is."""
    item = delivery.mark_read(db, me.id, item_id, actor=customer_actor(me))
    context = {
        "item": _view(item),
        "paragraphs": paragraphs(item.body),
        "link": safe_link(item.link),
    }
    return render(request, "portal/inbox_message.html", context)
