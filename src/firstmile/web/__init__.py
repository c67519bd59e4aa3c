"""The portal (customers) and the back office (agents): server-rendered pages with HTMX.

`pages.py` is the edge every page uses; page groups live in `portal/` and `backoffice/`, one
module per group, each exposing `router`; `routers()` finds them all. Pages span domains (a
customer's onboarding page reads six of them), so they are grouped by audience, not under
each domain; they call the domains' services and repositories, never their tables.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from fastapi import APIRouter

STATIC = Path(__file__).resolve().parent / "static"
AREAS = ("firstmile.web.portal", "firstmile.web.backoffice")


def routers() -> list[APIRouter]:
    found: list[APIRouter] = []
    for area in AREAS:
        package = importlib.import_module(area)
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
            module = importlib.import_module(f"{area}.{info.name}")
            router = getattr(module, "router", None)
            if isinstance(router, APIRouter):
                found.append(router)
    return found
