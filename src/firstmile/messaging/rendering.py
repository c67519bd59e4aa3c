"""Per-locale texts rendered with Jinja2 in a sandbox: pack and operator texts are not trusted."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from jinja2 import StrictUndefined, TemplateError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment

from firstmile.kit import i18n
from firstmile.kit.errors import InvalidInput

Texts = Mapping[str, Mapping[str, str]]
KNOWN_PARTS = frozenset({"subject", "body", "html"})


@dataclass(frozen=True, slots=True)
class Rendered:
    locale: str
    subject: str
    body_text: str
    body_html: str | None


@cache
def _environment(autoescape: bool) -> SandboxedEnvironment:
    return SandboxedEnvironment(
        undefined=StrictUndefined, autoescape=autoescape, keep_trailing_newline=True
    )


def choose_locale(texts: Texts, locale: str) -> str:
    """The key of `texts` to use for `locale`: exact, language, then the default fallback."""
    return i18n.pick({key: key for key in texts}, locale)


def validate_texts(texts: Texts) -> None:
    if not texts:
        raise InvalidInput("at least one locale is required", field="texts")
    for locale, parts in texts.items():
        unknown = set(parts) - KNOWN_PARTS
        if unknown:
            raise InvalidInput(
                f"unknown part {sorted(unknown)[0]!r}; use subject, body, html",
                field=f"texts.{locale}",
            )
        if not parts.get("body", "").strip():
            raise InvalidInput("a body is required", field=f"texts.{locale}.body")


def render(texts: Texts, locale: str, data: Mapping[str, Any]) -> Rendered:
    """Render the texts for `locale`; a bad template or missing data names the field."""
    validate_texts(texts)
    chosen = choose_locale(texts, locale)
    parts = texts[chosen]
    html = parts.get("html")
    return Rendered(
        locale=chosen,
        subject=" ".join(
            _render_part(parts.get("subject", ""), data, f"texts.{chosen}.subject").split()
        ),
        body_text=_render_part(parts["body"], data, f"texts.{chosen}.body"),
        body_html=_render_part(html, data, f"texts.{chosen}.html", True) if html else None,
    )


def _render_part(source: str, data: Mapping[str, Any], field: str, html: bool = False) -> str:
    try:
        return _environment(html).from_string(source).render(dict(data))
    except UndefinedError as exc:
        raise InvalidInput(f"missing data for the text: {exc.message}", field="data") from exc
    except TemplateError as exc:
        raise InvalidInput(f"the text cannot be rendered: {exc.message}", field=field) from exc
