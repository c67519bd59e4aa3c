"""The page edge: rendering, the signed-in customer or staff user, CSRF, HTML errors.

Every page route uses `PageRoute` (one transaction per request, as the API's TxRoute, plus
CSRF on writes, the locale, and errors rendered as pages or HTMX fragments):

    router = APIRouter(route_class=PageRoute, include_in_schema=False)

    @router.get("/portal/things")
    def things(request: Request, db: Db, me: PortalCustomer) -> HTMLResponse:
        return render(request, "portal/things.html", {"things": ...})

`PortalCustomer` is the signed-in customer (a page without one redirects to the sign-in);
`staff_user(StaffRole.SUPERVISOR)` the signed-in staff user holding at least that role.
Anything a customer reaches by id must be checked with `own(me, row.customer_id)`, which
answers 404 (not 403: another customer's ids must not be confirmed to exist).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from firstmile.auth import sessions as web_sessions
from firstmile.auth import staff as staff_service
from firstmile.auth.models import StaffRole, StaffUser, WebSession
from firstmile.auth.scopes import Actor
from firstmile.customers import repository as customers_repository
from firstmile.customers.models import Customer
from firstmile.kit.db import Session
from firstmile.kit.errors import FirstmileError, Forbidden, NotFound, Unauthorized
from firstmile.kit.http import WRITE_METHODS, Db, TxRoute
from firstmile.kit.i18n import SUPPORTED_LOCALES, gettext_for, is_rtl
from firstmile.kit.i18n import later as _
from firstmile.kit.settings import current as current_settings
from firstmile.web import csrf
from firstmile.web import locale as web_locale

log = logging.getLogger("firstmile.web")
TEMPLATES = Path(__file__).resolve().parent / "templates"
SESSION_COOKIES = {web_sessions.CUSTOMER: "fm_portal", web_sessions.STAFF: "fm_staff"}
PAGE_PREFIXES = ("/portal", "/backoffice")
_CSRF_INPUT = Markup('<input type="hidden" name="{}" value="{}">')


FORM_EXPIRED = _("This form has expired. Reload the page and try again.")
ROLE_NEEDED = _("Your role does not give access to this page.")
# error details written for people: an error page shows these (translated), no other
SHOWN_DETAILS = frozenset({FORM_EXPIRED, ROLE_NEEDED})


@cache
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def cookie_secure() -> bool:
    settings = current_settings()
    if settings.web_cookie_secure is not None:
        return settings.web_cookie_secure
    return settings.base_url.startswith("https://")


def set_cookie(request: Request, name: str, value: str, *, max_age: int | None = None) -> None:
    """Queue a cookie for the response (the route class applies it, errors included)."""
    request.state.cookies[name] = (value, max_age)


def delete_cookie(request: Request, name: str) -> None:
    request.state.cookies[name] = ("", 0)


def translator(locale: str) -> Callable[..., str]:
    texts = gettext_for(locale)

    def _(message: str, **values: Any) -> str:
        text = texts.gettext(message)
        return text.format(**values) if values else text

    return _


def plural_translator(locale: str) -> Callable[..., str]:
    """`ngettext(singular, plural, n, **values)`: the form of the text the page's language
    uses for `n` (Czech has three, Arabic six), filled with `values`; English without a
    translation. Pass the count among `values` too: `ngettext(..., n, months=n)`."""
    texts = gettext_for(locale)

    def ngettext(singular: str, plural: str, n: int, **values: Any) -> str:
        text = texts.ngettext(singular, plural, int(n))
        return text.format(**values) if values else text

    return ngettext


def _context(request: Request) -> dict[str, Any]:
    state = request.state
    locale: str = state.locale
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    here = request.url.path + ("?" + "&".join(f"{k}={quote(v)}" for k, v in query) if query else "")
    sep = "&" if query else "?"
    customer: Customer | None = getattr(state, "customer", None)
    token = csrf.token_for(state.csrf_value)
    # read when the customer was loaded: an error page renders after the rollback
    tz = "UTC"
    if customer is not None:
        tz = getattr(state, "customer_time_zone", None) or customer.time_zone
    return {
        "request": request,
        "locale": locale,
        "dir": "rtl" if is_rtl(locale) else "ltr",
        "_": translator(locale),
        "ngettext": plural_translator(locale),
        "fmt": web_locale.Formats(locale, tz),
        "csrf_token": token,
        "csrf_input": Markup('<input type="hidden" name="{}" value="{}">').format(
            csrf.FIELD, token
        ),
        "csrf_field": csrf.FIELD,
        "languages": [
            {"code": c, "name": web_locale.NAMES[c], "href": f"{here}{sep}lang={c}"}
            for c in SUPPORTED_LOCALES
        ],
        "customer": customer,
        "staff": getattr(state, "staff", None),
        "area": "backoffice" if request.url.path.startswith("/backoffice") else "portal",
        "htmx": request.headers.get("hx-request") == "true",
    }


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    page = environment().get_template(template)
    body = page.render({**_context(request), **(context or {})})
    return HTMLResponse(body, status_code=status, headers=dict(headers or {}))


def redirect(request: Request, url: str) -> Response:
    """303 to `url`; an HTMX request gets HX-Redirect so the whole page moves."""
    if request.headers.get("hx-request") == "true":
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def safe_next(value: str | None, area: str) -> str:
    """A path inside `area` ("/portal" or "/backoffice") to go to after sign-in; anything
    else (another site, a protocol-relative URL) goes to the area's start: no open redirect."""
    if value and value.startswith(area) and "//" not in value and "\\" not in value:
        return value
    return area


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


def start_session(
    request: Request, db: Session, *, kind: str, subject_id: str, pending: bool = False
) -> web_sessions.Started:
    """A browser session for this request's client (address and user agent kept)."""
    return web_sessions.start(
        db,
        kind=kind,
        subject_id=subject_id,
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent", ""),
        pending=pending,
    )


# --- who is signed in -------------------------------------------------------------------


def session_of(request: Request, db: Session, kind: str) -> WebSession | None:
    cache_key = f"web_session_{kind}"
    if hasattr(request.state, cache_key):
        found: WebSession | None = getattr(request.state, cache_key)
        return found
    row = web_sessions.resolve(db, request.cookies.get(SESSION_COOKIES[kind]), kind=kind)
    setattr(request.state, cache_key, row)
    return row


def _portal_customer(request: Request, db: Db) -> Customer:
    row = session_of(request, db, web_sessions.CUSTOMER)
    customer = customers_repository.find(db, row.subject_id) if row is not None else None
    if customer is None:
        raise Unauthorized("please sign in")
    request.state.customer = customer
    request.state.customer_time_zone = customer.time_zone
    if request.query_params.get("lang") is None and request.cookies.get(web_locale.COOKIE) is None:
        request.state.locale = web_locale.choose(request, customer.language)
    return customer


PortalCustomer = Annotated[Customer, Depends(_portal_customer)]


def customer_actor(customer: Customer) -> Actor:
    """What the event log records when the customer acts in the portal."""
    return Actor("customer", customer.id, "portal", frozenset())


def own(customer: Customer, owner_id: str | None, what: str = "item", ident: str = "") -> None:
    """404 unless the row belongs to the signed-in customer."""
    if owner_id != customer.id:
        raise NotFound(what, ident)


@dataclass(frozen=True, slots=True)
class Staff:
    user: StaffUser
    actor: Actor

    def allows(self, role: StaffRole | str) -> bool:
        return StaffRole(self.user.role).allows(role)


def staff_user(role: StaffRole = StaffRole.AGENT) -> Callable[..., Staff]:
    """Dependency: the signed-in staff user (second factor done) holding at least `role`."""

    def dependency(request: Request, db: Db) -> Staff:
        row = session_of(request, db, web_sessions.STAFF)
        user = db.get(StaffUser, row.subject_id) if row is not None and not row.pending else None
        if user is None or not user.active:
            raise Unauthorized("please sign in")
        staff = Staff(user, staff_service.actor_of(user))
        request.state.staff = staff
        if not staff.allows(role):
            raise Forbidden(ROLE_NEEDED, role=str(role))
        return staff

    return dependency


AgentUser = Annotated[Staff, Depends(staff_user(StaffRole.AGENT))]
SupervisorUser = Annotated[Staff, Depends(staff_user(StaffRole.SUPERVISOR))]
AdminUser = Annotated[Staff, Depends(staff_user(StaffRole.ADMIN))]


# --- errors as pages --------------------------------------------------------------------


def _login_url(request: Request) -> str:
    area = "backoffice" if request.url.path.startswith("/backoffice") else "portal"
    target = request.url.path if request.method == "GET" else f"/{area}"
    return f"/{area}/login?next={quote(target)}"


def _status_texts(_: Callable[..., str]) -> dict[int, tuple[str, str]]:
    """Status -> (title, what to do), in the page's language."""
    return {
        403: (_("You cannot open this page"), _("You do not have access to this page.")),
        404: (
            _("We could not find this page"),
            _("The page or item you asked for does not exist or is no longer available."),
        ),
        405: (
            _("This page cannot be opened this way"),
            _("Please use the buttons and links on our pages instead."),
        ),
        409: (
            _("This cannot be done now"),
            _("Something changed in the meantime. Reload the page and try again."),
        ),
        422: (
            _("Please check what you entered"),
            _("The link or the form is not valid. Go back and try again."),
        ),
        429: (_("Too many attempts"), _("Please wait a few minutes and try again.")),
    }


def error_page(request: Request, status: int, message: str) -> Response:
    """The error as a page in the visitor's language. `message` is shown only when it is one of
    `SHOWN_DETAILS` (texts written for people, translated); any other detail (a validation
    error, "contract 42 not found") is internal: it goes to the log, never to the page."""
    if status == 401:
        return redirect(request, _login_url(request))
    if not hasattr(request.state, "locale"):
        _prepare(request)  # before translating: it chooses the page's language
    _ = translator(request.state.locale)
    title, text = _status_texts(_).get(
        status,
        (_("Something went wrong"), _("Please try again later. If it happens again, contact us.")),
    )
    if message and message not in SHOWN_DETAILS:
        log.info("page error %s %s %s: %s", status, request.method, request.url.path, message)
    template = (
        "_error_fragment.html" if request.headers.get("hx-request") == "true" else "error.html"
    )
    shown = _(message) if message in SHOWN_DETAILS else text
    context = {"title": title, "message": shown, "status": status}
    response = render(request, template, context, status=status)
    if request.headers.get("hx-request") == "true":
        # HTMX does not swap error answers by default: show the message in the page's alert
        response.headers["HX-Retarget"] = "#alerts"
        response.headers["HX-Reswap"] = "innerHTML"
    return response


def _validation_message(exc: RequestValidationError) -> str:
    errors = exc.errors()
    if not errors:
        return "invalid input"
    first = errors[0]
    field = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path"))
    return f"{field}: {first.get('msg', 'invalid')}"


def _prepare(request: Request) -> None:
    state = request.state
    state.cookies = {}
    state.locale = web_locale.choose(request)
    value = request.cookies.get(csrf.COOKIE)
    if not value:
        value = csrf.new_value()
        set_cookie(request, csrf.COOKIE, value)
    state.csrf_value = value
    wanted = web_locale.supported(request.query_params.get("lang"))
    if wanted:
        set_cookie(request, web_locale.COOKIE, wanted, max_age=365 * 86400)


def _apply_cookies(request: Request, response: Response) -> None:
    secure = cookie_secure()
    for name, (value, max_age) in request.state.cookies.items():
        if max_age == 0:
            response.delete_cookie(name, path="/", secure=secure, httponly=True, samesite="lax")
            continue
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path="/",
            secure=secure,
            httponly=True,
            samesite="strict" if name == csrf.COOKIE else "lax",
        )


def _as_page(request: Request, response: Response) -> Response:
    """The edge answers a failed commit (a clash, the database away) in JSON; a page shows it."""
    if response.status_code < 400 or response.media_type != "application/json":
        return response
    try:
        message = str(json.loads(bytes(response.body))["error"]["message"])
    except (ValueError, KeyError, TypeError):
        message = ""
    return error_page(request, response.status_code, message)


class PageRoute(TxRoute):
    """TxRoute for pages: CSRF on every write, the locale, cookies, errors as HTML."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        inner = super().get_route_handler()

        async def handler(request: Request) -> Response:
            _prepare(request)
            if request.method in WRITE_METHODS and not await csrf.is_valid(request):
                response = error_page(request, 403, FORM_EXPIRED)
            else:
                try:
                    response = await inner(request)
                    response = _as_page(request, response)
                except FirstmileError as exc:
                    response = error_page(request, exc.status_code, exc.message)
                except RequestValidationError as exc:
                    response = error_page(request, 422, _validation_message(exc))
            response.headers.setdefault("Cache-Control", "no-store")
            response.headers.setdefault("X-Frame-Options", "DENY")
            response.headers.setdefault("X-Content-Type-Options", "nosniff")
            response.headers.setdefault("Referrer-Policy", "same-origin")
            response.headers.setdefault(
                "Content-Security-Policy",
                "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                "script-src 'self'; frame-ancestors 'none'; form-action 'self'",
            )
            _apply_cookies(request, response)
            return response

        return handler
