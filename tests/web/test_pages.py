"""The page edge: answers the API edge gives in JSON become pages."""

from __future__ import annotations

from fastapi.responses import JSONResponse
from starlette.requests import Request

from firstmile.web.pages import _as_page


def _request(path: str) -> Request:
    scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "headers": [],
        "query_string": b"",
        "scheme": "http",
        "server": ("testserver", 80),
    }
    return Request(scope)


def test_a_failed_commit_is_shown_as_a_page_not_json() -> None:
    conflict = JSONResponse(
        {"error": {"code": "conflict", "message": "the change clashes; retry"}}, status_code=409
    )
    page = _as_page(_request("/portal/plan"), conflict)
    assert page.status_code == 409
    assert page.media_type == "text/html"
    body = bytes(page.body).decode()
    assert "Something changed in the meantime. Reload the page and try again." in body
    assert "the change clashes" not in body  # the edge's own words stay in the log


def test_successful_answers_pass_through() -> None:
    ok = JSONResponse({"fine": True})
    assert _as_page(_request("/portal/plan"), ok) is ok
