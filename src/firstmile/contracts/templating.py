"""Pack texts are operator data, not code: they are filled by Jinja2 in a sandbox."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from jinja2 import StrictUndefined, TemplateError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment

from firstmile.contracts.errors import TemplateBroken


@cache
def environment() -> SandboxedEnvironment:
    # No autoescape: the output goes into a PDF text run, never into HTML.
    return SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)


def fill(source: str, context: Mapping[str, Any], *, where: str) -> str:
    """The text with its placeholders filled; an unknown placeholder names `where`."""
    try:
        return environment().from_string(source).render(dict(context))
    except UndefinedError as exc:
        raise TemplateBroken(f"unknown placeholder in {where}: {exc.message}") from exc
    except TemplateError as exc:
        raise TemplateBroken(f"the text {where} cannot be filled: {exc.message}") from exc
