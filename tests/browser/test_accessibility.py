"""WCAG 2.1 A/AA checks (axe-core) on the main pages, left to right and right to left."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from firstmile.auth import sessions as web_sessions
from firstmile.web.pages import SESSION_COOKIES
from tests.browser.conftest import Watched
from tests.factories import customers as customer_factories
from tests.factories.web import make_staff

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@cache
def _axe() -> str:
    return AXE.read_text(encoding="utf-8")


def _violations(web: Watched) -> list[str]:
    # evaluate() runs outside the page's CSP, which (rightly) forbids injected scripts
    found: list[dict[str, Any]] = web.page.evaluate(
        "async ([source, rules]) => { (0, eval)(source);"
        " const r = await axe.run(document, {runOnly: {type: 'tag', values: rules}});"
        " return r.violations.map(v => ({id: v.id, impact: v.impact,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})); }",
        [_axe(), RULES],
    )
    return [f"{v['id']} ({v['impact']}): {', '.join(v['nodes'])}" for v in found]


def _session_cookie(
    web: Watched, kind: str, subject_id: str, sessions: sessionmaker[Session]
) -> None:
    with sessions() as db:
        started = web_sessions.start(db, kind=kind, subject_id=subject_id, ip="t", user_agent="t")
        db.commit()
    web.page.context.add_cookies(
        [{"name": SESSION_COOKIES[kind], "value": started.secret, "url": web.base}]
    )


PORTAL_PAGES = [
    "/portal",
    "/portal/plan",
    "/portal/identity",
    "/portal/contract",
    "/portal/payment",
    "/portal/billing",
    "/portal/tutorials",
    "/portal/inbox",
    "/portal/preferences",
]


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_public_pages_meet_wcag_aa(web: Watched, telco: str, lang: str) -> None:
    problems = []
    for path in ("/portal/login", "/portal/signup", "/portal/appointment", "/backoffice/login"):
        web.go(f"{path}?lang={lang}")
        problems += [f"{path}: {v}" for v in _violations(web)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_customer_pages_meet_wcag_aa(
    web: Watched, telco: str, lang: str, sessions: sessionmaker[Session]
) -> None:
    with sessions() as db:
        customer = customer_factories.registered(db)
        db.commit()
        customer_id = customer.id
    _session_cookie(web, web_sessions.CUSTOMER, customer_id, sessions)
    problems = []
    for path in PORTAL_PAGES:
        web.go(f"{path}?lang={lang}")
        problems += [f"{path}: {v}" for v in _violations(web)]
    assert not problems, "\n".join(problems)


def test_back_office_pages_meet_wcag_aa(
    web: Watched, telco: str, sessions: sessionmaker[Session]
) -> None:
    made = make_staff(sessions, role="admin", email="a11y@example.com")
    with sessions() as db:
        customer = customer_factories.registered(db)
        db.commit()
        customer_id = customer.id
    _session_cookie(web, web_sessions.STAFF, made.user.id, sessions)
    problems = []
    for path in (
        "/backoffice",
        "/backoffice/kyc",
        "/backoffice/fallout",
        "/backoffice/calendars",
        "/backoffice/customers?q=Eva",
        f"/backoffice/customers/{customer_id}",
        "/backoffice/journeys",
        "/backoffice/templates",
        "/backoffice/staff",
    ):
        web.go(path)
        problems += [f"{path}: {v}" for v in _violations(web)]
    assert not problems, "\n".join(problems)
