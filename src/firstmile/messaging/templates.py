"""Message templates: versions from operator packs, the locale to use, rendering, preview.

A template belongs to a purpose (`contact_verification`, `welcome`, ...) and holds, for each
channel it supports, its parts as {locale: text} maps. The locale of one message is chosen
per channel: the customer's exact locale, then its language, then the pack's default
locale, then English; every part of the channel uses that one locale.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from decimal import Decimal
from typing import Any

from markupsafe import Markup
from sqlalchemy import func, select

from firstmile.kit.db import Session, memo
from firstmile.kit.errors import InvalidInput, NotFound
from firstmile.kit.i18n import fallback_chain, is_rtl
from firstmile.kit.settings import current as current_settings
from firstmile.kit.time import utcnow
from firstmile.messaging import preferences, routing
from firstmile.messaging.channels.sms.encoding import analyse
from firstmile.messaging.models import MessageClass, MessageTemplate, MessagingPolicy
from firstmile.messaging.rendering import email_html, paragraphs, render_text
from firstmile.packs import loader as packs

# The parts each channel's texts have; the first one is required and decides the locales.
CHANNEL_PARTS: dict[str, tuple[str, ...]] = {
    "email": ("text", "subject", "html"),
    "sms": ("text",),
    "push": ("body", "title"),
    "inapp": ("body", "title"),
}
NO_BREAK_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " "})


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    purpose: str
    version: int
    channel: str
    locale: str
    direction: str  # "rtl" or "ltr"
    subject: str  # email subject; push and in-app title
    text: str  # email plain-text part, SMS text, push and in-app body
    html: str | None  # the whole email document
    link: str | None  # push deep link, in-app call to action
    unsubscribe_url: str | None  # marketing only: this channel's one-click unsubscribe


# -- versions -----------------------------------------------------------------------------


def digest_of(content: Mapping[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def store_versions(db: Session, pack: str, templates: Mapping[str, dict[str, Any]]) -> None:
    """Record the pack's templates: a new version where the content changed, and retire the
    purposes the pack no longer has."""
    latest = {t.purpose: t for t in _latest_rows(db, pack)}
    for purpose, content in templates.items():
        digest = digest_of(content)
        row = latest.get(purpose)
        if row is not None and row.digest == digest and not row.retired:
            continue
        db.add(
            MessageTemplate(
                pack=pack,
                purpose=purpose,
                version=(row.version + 1) if row is not None else 1,
                klass=MessageClass(content["class"]),
                urgent=bool(content.get("urgent", False)),
                digest=digest,
                content=dict(content),
            )
        )
    for purpose, row in latest.items():
        if purpose not in templates and not row.retired:
            row.retired = True
    db.flush()


def store_policy(db: Session, pack: str, content: dict[str, Any]) -> None:
    row = db.get(MessagingPolicy, pack)
    if row is None:
        row = MessagingPolicy(pack=pack, content=content)
        db.add(row)
    row.content, row.loaded_at = content, utcnow()
    db.flush()


def _latest_rows(db: Session, pack: str) -> list[MessageTemplate]:
    newest = (
        select(MessageTemplate.purpose, func.max(MessageTemplate.version).label("version"))
        .where(MessageTemplate.pack == pack)
        .group_by(MessageTemplate.purpose)
        .subquery()
    )
    return list(
        db.scalars(
            select(MessageTemplate)
            .join(
                newest,
                (MessageTemplate.purpose == newest.c.purpose)
                & (MessageTemplate.version == newest.c.version),
            )
            .where(MessageTemplate.pack == pack)
            .order_by(MessageTemplate.purpose)
        )
    )


def current_templates(db: Session) -> list[MessageTemplate]:
    """The templates in force: the newest version of each purpose of the current pack."""
    meta = packs.current_meta(db)
    return [row for row in _latest_rows(db, meta.code) if not row.retired]


def purposes_of(db: Session, pack: str) -> set[str]:
    """The purposes `pack` has a template for."""
    return {row.purpose for row in _latest_rows(db, pack) if not row.retired}


def current(db: Session, purpose: str) -> MessageTemplate:
    meta = packs.current_meta(db)
    row = memo(
        db,
        ("message_template", meta.code, purpose),
        lambda: db.scalar(
            select(MessageTemplate)
            .where(MessageTemplate.pack == meta.code, MessageTemplate.purpose == purpose)
            .order_by(MessageTemplate.version.desc())
            .limit(1)
        ),
    )
    if row is None or row.retired:
        raise NotFound("message template", purpose)
    return row


def versions(db: Session, purpose: str) -> list[MessageTemplate]:
    """Every version of `purpose` in the current pack, newest first."""
    meta = packs.current_meta(db)
    rows = list(
        db.scalars(
            select(MessageTemplate)
            .where(MessageTemplate.pack == meta.code, MessageTemplate.purpose == purpose)
            .order_by(MessageTemplate.version.desc())
        )
    )
    if not rows:
        raise NotFound("message template", purpose)
    return rows


def version(db: Session, purpose: str, number: int) -> MessageTemplate:
    for row in versions(db, purpose):
        if row.version == number:
            return row
    raise NotFound("message template version", f"{purpose} v{number}")


# -- rendering ----------------------------------------------------------------------------


def channels_of(template: MessageTemplate) -> list[str]:
    return [c for c in CHANNEL_PARTS if c in template.content["channels"]]


def choose_locale(texts: Mapping[str, str], locale: str, default: str) -> str:
    """The key of `texts` for `locale`: exact, language, the pack default, English."""
    for candidate in fallback_chain(locale, default):
        if candidate in texts:
            return candidate
    return sorted(texts)[0]


def channel_texts(content: Mapping[str, Any], purpose: str, channel: str) -> Mapping[str, Any]:
    """A template's texts for `channel`; a 422 naming the channels it has otherwise."""
    parts: Mapping[str, Any] | None = content["channels"].get(channel)
    if parts is None:
        offered = ", ".join(c for c in CHANNEL_PARTS if c in content["channels"])
        raise InvalidInput(
            f"the {purpose} template has no {channel} texts (it has: {offered})", field="channel"
        )
    return parts


def render(
    db: Session,
    template: MessageTemplate,
    channel: str,
    locale: str,
    data: Mapping[str, Any],
    *,
    customer_id: str | None = None,
) -> RenderedMessage:
    """The message `template` makes for `channel` in (or nearest to) `locale`. A marketing
    message gets the customer's unsubscribe and preference links (sample ones without a
    customer, for previews)."""
    meta = packs.current_meta(db)
    links = None
    if template.klass == MessageClass.MARKETING:
        settings, who = current_settings(), customer_id or "sample"
        links = {
            "unsubscribe_url": preferences.unsubscribe_url(settings, who, channel),
            "preferences_url": preferences.preferences_url(settings, who),
        }
    return render_content(
        template.content,
        purpose=template.purpose,
        version=template.version,
        channel=channel,
        locale=locale,
        data=data,
        default_locale=meta.default_locale,
        operator={"name": meta.name, **meta.operator},
        links=links,
    )


def render_content(
    content: Mapping[str, Any],
    *,
    purpose: str,
    version: int,
    channel: str,
    locale: str,
    data: Mapping[str, Any],
    default_locale: str,
    operator: Mapping[str, str],
    links: Mapping[str, str] | None = None,
) -> RenderedMessage:
    """Render one channel of a template's content (also used to check a pack at load).
    Marketing texts may use `unsubscribe_url` and `preferences_url` (from `links`); an
    email gets both in its footer."""
    parts = channel_texts(content, purpose, channel)
    main = CHANNEL_PARTS[channel][0]
    chosen = choose_locale(parts[main], locale, default_locale)
    marketing = content.get("class") == MessageClass.MARKETING
    the_links = dict(links or {}) if marketing else {}
    context = {**data, **the_links, "operator": dict(operator)}

    def part(name: str, *, html: bool = False) -> str:
        source = (parts.get(name) or {}).get(chosen)
        if source is None:
            return ""
        return render_text(source, context, f"{channel}.{name}.{chosen}", locale=chosen, html=html)

    text = part(main)
    title = " ".join(part("subject" if channel == "email" else "title").split())
    html = None
    if channel == "email":
        body = part("html", html=True) if parts.get("html") else None
        # `body` was rendered with autoescaping: the data in it is already escaped.
        content_html = Markup(body) if body is not None else paragraphs(text)  # noqa: S704
        html = email_html(
            locale=chosen,
            subject=title,
            content=content_html,
            operator=operator,
            links=the_links or None,
        )
    link = (
        render_text(parts["link"], context, f"{channel}.link", locale=chosen)
        if parts.get("link")
        else None
    )
    return RenderedMessage(
        purpose=purpose,
        version=version,
        channel=channel,
        locale=chosen,
        direction="rtl" if is_rtl(chosen) else "ltr",
        subject=title,
        text=_body(channel, text),
        html=html,
        link=link,
        unsubscribe_url=the_links.get("unsubscribe_url"),
    )


def _body(channel: str, text: str) -> str:
    """An SMS or push body loses its surrounding space. An SMS also loses its no-break
    spaces (CLDR writes them in amounts: "398,09 Kč"): the GSM 7-bit alphabet lacks them,
    and one would send the whole SMS as UCS-2, 70 characters a segment instead of 160."""
    if channel == "sms":
        return text.strip().translate(NO_BREAK_SPACES)
    return text.strip() if channel == "push" else text


# -- preview ------------------------------------------------------------------------------


def preview(
    db: Session,
    purpose: str,
    *,
    channel: str,
    locale: str,
    data: Mapping[str, Any] | None = None,
    number: int | None = None,
) -> dict[str, Any]:
    """What a message would look like, with the template's sample data unless `data` is given;
    an SMS preview adds its encoding, segments and cost."""
    template = current(db, purpose) if number is None else version(db, purpose, number)
    sample = template.content.get("sample_data", {})
    rendered = render(db, template, channel, locale, {**sample, **(data or {})})
    out: dict[str, Any] = {
        "purpose": purpose,
        "version": template.version,
        "class": str(template.klass),
        "urgent": template.urgent,
        "channel": channel,
        "locale": rendered.locale,
        "direction": rendered.direction,
        "subject": rendered.subject,
        "text": rendered.text,
        "html": rendered.html,
        "link": rendered.link,
        "sms": None,
    }
    if channel == "sms":
        info = analyse(rendered.text)
        out["sms"] = {**info.to_dict(), "cost": _sms_cost(db, info.segments)}
    return out


def policy(db: Session) -> routing.Policy:
    """The current pack's routing policy: quiet hours and frequency caps (once per session)."""
    code = packs.current_meta(db).code
    return memo(db, ("messaging_policy", code), lambda: _policy(db, code))


def _policy(db: Session, code: str) -> routing.Policy:
    row = db.get(MessagingPolicy, code)
    content = row.content if row is not None else {}
    quiet = content.get("quiet_hours")
    caps = {
        (klass, channel): routing.Cap(count=int(cap["count"]), days=int(cap["days"]))
        for klass, per_channel in content.get("frequency_caps", {}).items()
        for channel, cap in per_channel.items()
    }
    return routing.Policy(
        quiet_hours=routing.QuietHours(
            start=time.fromisoformat(quiet["start"]), end=time.fromisoformat(quiet["end"])
        )
        if quiet
        else None,
        caps=caps,
    )


def _sms_cost(db: Session, segments: int) -> dict[str, str] | None:
    meta = packs.current_meta(db)
    policy = db.get(MessagingPolicy, meta.code)
    if policy is None or "sms_segment_price" not in policy.content:
        return None
    price = Decimal(str(policy.content["sms_segment_price"]))
    return {"amount": str(price * segments), "currency": meta.currency}
