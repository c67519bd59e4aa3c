"""The pack's message templates (`messages/<purpose>.yaml`) and messaging policy.

One file per purpose. It names the message's class (transactional or marketing), whether it
is urgent (may be sent during quiet hours), sample data for previews, and for each channel
it supports the parts as {locale: text} maps, in every locale the pack offers:

    class: transactional
    urgent: true
    description: The one-time code that proves a contact belongs to the customer.
    sample_data: {code: "123456", minutes: 10}
    channels:
      email: {subject: {en: ..., cs: ...}, text: {en: ..., cs: ...}, html: {...}}  # html optional
      sms: {text: {en: ..., cs: ...}}
      push: {title: {...}, body: {...}, link: "app://onboarding"}
      inapp: {title: {...}, body: {...}, link: "/portal/onboarding"}

Texts are Jinja2 (sandboxed); `operator` (the pack's operator block) is always available.
Loading renders every text of every locale with the sample data, so a broken template or a
placeholder the sample data does not fill is reported with its file and line.
`messaging.yaml` (optional) holds `sms_segment_price` (in the pack's currency), the quiet
hours and the frequency caps per class and channel (see routing.py).
"""

from __future__ import annotations

import re
from datetime import time
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from firstmile.kit.db import Session
from firstmile.kit.errors import InvalidInput
from firstmile.kit.i18n import is_supported, language_of
from firstmile.messaging import templates
from firstmile.packs.loader import PackMeta, Section, section
from firstmile.packs.yamlfile import LoadedYaml, PackIssue

PURPOSE = re.compile(r"^[a-z][a-z0-9_]{1,59}$")
SAMPLE_LINKS = {
    "unsubscribe_url": "https://example.invalid/preferences/t/unsubscribe/sms",
    "preferences_url": "https://example.invalid/preferences/t",
}
Texts = dict[str, str]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class EmailTexts(_Strict):
    subject: Texts
    text: Texts
    html: Texts | None = None


class SmsTexts(_Strict):
    text: Texts


UnreadMinutes = Field(
    default=None,
    ge=1,
    le=10_080,
    description="Unread after this many minutes: send the next channel of the route too.",
)


class PushTexts(_Strict):
    title: Texts
    body: Texts
    link: str | None = Field(default=None, max_length=500)
    unread_fallback_minutes: int | None = UnreadMinutes


class InappTexts(_Strict):
    title: Texts
    body: Texts
    link: str | None = Field(default=None, max_length=500)
    unread_fallback_minutes: int | None = UnreadMinutes


class Channels(_Strict):
    email: EmailTexts | None = None
    sms: SmsTexts | None = None
    push: PushTexts | None = None
    inapp: InappTexts | None = None

    @model_validator(mode="after")
    def _at_least_one(self) -> Channels:
        if not any((self.email, self.sms, self.push, self.inapp)):
            raise ValueError("a template needs texts for at least one channel")
        return self


class MessageTemplateFile(_Strict):
    klass: Literal["transactional", "marketing"] = Field(alias="class")
    urgent: bool = False
    description: str = Field(min_length=1, max_length=300)
    sample_data: dict[str, Any] = Field(default_factory=dict)
    # Placeholders the pack's offers.yaml fills per customer unless the sender does.
    offer_slots: list[str] = Field(default_factory=list, max_length=10)
    channels: Channels

    def content(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class QuietHoursFile(_Strict):
    start: time
    end: time


class CapFile(_Strict):
    count: int = Field(ge=1, le=1000)
    days: int = Field(ge=1, le=365)


ChannelName = Literal["email", "sms", "push", "inapp"]


class MessagingPolicyFile(_Strict):
    sms_segment_price: Decimal = Field(ge=0, max_digits=12, decimal_places=4)
    # Local times (the customer's time zone) when only urgent messages go out.
    quiet_hours: QuietHoursFile | None = None
    # Per class, per channel: at most `count` messages within `days` days.
    frequency_caps: dict[Literal["transactional", "marketing"], dict[ChannelName, CapFile]] = Field(
        default_factory=dict
    )


def _purpose(loaded: LoadedYaml) -> str:
    return loaded.path.stem


def _check(meta: PackMeta, parts: list[tuple[LoadedYaml, Any]]) -> list[PackIssue]:
    issues: list[PackIssue] = []
    for loaded, model in parts:
        issues.extend(_check_file(meta, loaded, model))
    return issues


def _check_file(meta: PackMeta, loaded: LoadedYaml, model: MessageTemplateFile) -> list[PackIssue]:
    """Locales complete, and every text of every locale renders with the sample data."""
    issues: list[PackIssue] = []
    file = f"messages/{loaded.path.name}"

    def issue(loc: tuple[str | int, ...], message: str) -> None:
        issues.append(PackIssue(file, loaded.line_of(loc), ".".join(map(str, loc)), message))

    purpose = _purpose(loaded)
    if not PURPOSE.match(purpose):
        issue((), f"the file name {purpose!r} is not a purpose: use a-z, 0-9 and _")
        return issues
    content = model.content()
    if content["class"] == "marketing" and "sms" in content["channels"]:
        for locale, text in content["channels"]["sms"]["text"].items():
            if "unsubscribe_url" not in text:
                issue(
                    ("channels", "sms", "text", locale),
                    "a marketing SMS must carry {{ unsubscribe_url }} (how to stop them)",
                )
    for channel, channel_parts in content["channels"].items():
        _check_locales(meta, channel, channel_parts, issue)
        main = templates.CHANNEL_PARTS[channel][0]
        for locale in channel_parts[main]:
            try:
                templates.render_content(
                    content,
                    purpose=purpose,
                    version=0,
                    channel=channel,
                    locale=locale,
                    data=content["sample_data"],
                    default_locale=meta.default_locale,
                    operator={"name": meta.name, **meta.operator},
                    links=SAMPLE_LINKS,
                )
            except InvalidInput as exc:
                where = exc.details.get("text") if exc.field == "data" else exc.field
                issue(("channels", *str(where).split(".")), exc.message)
    return issues


def _check_locales(meta: PackMeta, channel: str, parts: dict[str, Any], issue: Any) -> None:
    main = templates.CHANNEL_PARTS[channel][0]
    keys = set(parts[main])
    for name, texts in parts.items():
        if not isinstance(texts, dict):
            continue  # a link or a setting: one value for every locale
        loc = ("channels", channel, name)
        unsupported = sorted(k for k in texts if not is_supported(k))
        if unsupported:
            issue(loc, f"unsupported locale(s): {', '.join(unsupported)}")
        languages = {language_of(k) for k in texts}
        missing = [m for m in meta.locales if language_of(m) not in languages]
        if missing:
            issue(loc, f"text missing in locale(s): {', '.join(missing)}")
        if set(texts) != keys:
            issue(loc, f"must have the same locales as {main}: {', '.join(sorted(keys))}")
        for key, text in texts.items():
            if not str(text).strip():
                issue((*loc, key), "must not be empty")


def _store(db: Session, meta: PackMeta, parts: list[tuple[LoadedYaml, Any]]) -> None:
    templates.store_versions(
        db, meta.code, {_purpose(loaded): model.content() for loaded, model in parts}
    )


def _store_policy(db: Session, meta: PackMeta, parts: list[tuple[LoadedYaml, Any]]) -> None:
    for _loaded, model in parts:
        templates.store_policy(db, meta.code, model.model_dump(mode="json"))


section(
    Section(
        name="messages",
        pattern="messages/*.yaml",
        model=MessageTemplateFile,
        store=_store,
        check=_check,
        order=80,
    )
)
section(
    Section(
        name="messaging",
        pattern="messaging.yaml",
        model=MessagingPolicyFile,
        store=_store_policy,
        required=False,
        order=80,
    )
)
