"""Template texts rendered with Jinja2 in a sandbox: pack and operator texts are not trusted.

Plain parts (a subject, an SMS, a push body) render without escaping; HTML parts render with
autoescaping, so data never becomes markup. A text renders in its locale, which gives it the
`money` and `plural` filters (formatting.py). An email's HTML goes into one layout that sets
the language and the text direction (right to left for Arabic).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from firstmile.kit.errors import InvalidInput
from firstmile.kit.i18n import DEFAULT_LOCALE, gettext_for, is_rtl, language_of
from firstmile.messaging import formatting

LAYOUT = Path(__file__).resolve().parent / "email_layout.html"


@cache
def _environment(autoescape: bool, locale: str) -> SandboxedEnvironment:
    environment = SandboxedEnvironment(
        undefined=StrictUndefined,
        autoescape=autoescape,
        keep_trailing_newline=True,
        extensions=[formatting.FullStopAfterValue],
    )
    environment.filters.update(formatting.filters(locale))
    return environment


@cache
def _compiled(source: str, autoescape: bool, locale: str) -> Template:
    """Templates are compiled once per process and locale: pack texts change only with a new
    version, and a text is written in one locale.

    A template's globals are a ChainMap over the environment's, which Jinja copies into a
    dict twice for every render; they never change here, so the template keeps a plain
    dict instead (a journey worker spent 6 % of its time iterating that ChainMap)."""
    template = _environment(autoescape, locale).from_string(source)
    template.globals = dict(template.globals)
    return template


@cache
def _layout() -> Template:
    """The email layout, read and compiled once per process."""
    return _compiled(LAYOUT.read_text(encoding="utf-8"), True, DEFAULT_LOCALE)


def render_text(
    source: str, data: Mapping[str, Any], field: str, *, locale: str, html: bool = False
) -> str:
    """Render one part written in `locale`; a bad template names `field`, missing data or
    data a filter cannot format names `data`."""
    try:
        return _compiled(source, html, locale).render(dict(data))
    except UndefinedError as exc:
        raise InvalidInput(
            f"missing data for the text: {exc.message}", field="data", text=field
        ) from exc
    except formatting.BadValue as exc:
        raise InvalidInput(f"data the text cannot format: {exc}", field="data", text=field) from exc
    except TemplateError as exc:
        raise InvalidInput(f"the text cannot be rendered: {exc.message}", field=field) from exc


def paragraphs(text: str) -> Markup:
    """Plain text as HTML paragraphs (blank lines separate them), escaped."""
    blocks = [b.strip() for b in text.replace("\r\n", "\n").split("\n\n") if b.strip()]
    return Markup("").join(
        Markup("<p>{}</p>\n").format(Markup("<br>\n").join(escape(line) for line in b.split("\n")))
        for b in blocks
    )


def email_html(
    *,
    locale: str,
    subject: str,
    content: Markup,
    operator: Mapping[str, str],
    links: Mapping[str, str] | None = None,
) -> str:
    """The whole HTML document of an email: `content` inside the operator's layout, with
    the unsubscribe and preference links of a marketing message in the footer."""
    layout = _layout()
    texts = gettext_for(locale)
    return layout.render(
        links=dict(links or {}),
        unsubscribe_label=texts.gettext("Unsubscribe"),
        preferences_label=texts.gettext("Manage your preferences"),
        lang=language_of(locale),
        dir="rtl" if is_rtl(locale) else "ltr",
        align="right" if is_rtl(locale) else "left",
        subject=subject,
        content=content,
        operator=dict(operator),
    )
