"""Online sign-up: a person (or a company and the person acting for it) with every account
they want, residential and business, opened through ONE registration; the customer is
signed in and the email address gets its verification code (entered on `/portal/verify`,
verify.py).

The form is read field by field; the registration service validates it. A field it refuses
(`InvalidInput.field`, or pydantic's location) is mapped back to the form field, which is
shown again with its error and everything typed (422; the request's transaction is rolled
back, so nothing is written).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from starlette.datastructures import FormData

from firstmile.auth import sessions as web_sessions
from firstmile.auth.scopes import Actor
from firstmile.customers import service as customers_service
from firstmile.customers.models import ContactKind, Customer, CustomerKind
from firstmile.customers.schemas import RegistrationCreate
from firstmile.customers.service import verification
from firstmile.kit.errors import FirstmileError, InvalidInput
from firstmile.kit.http import Db
from firstmile.kit.i18n import SUPPORTED_LOCALES
from firstmile.kit.time import utcnow
from firstmile.kyc import business
from firstmile.packs import loader as packs
from firstmile.web import locale as web_locale
from firstmile.web.pages import (
    PageRoute,
    customer_actor,
    redirect,
    render,
    session_of,
    translator,
)
from firstmile.web.portal import limits
from firstmile.web.portal.login import sign_in

router = APIRouter(route_class=PageRoute, include_in_schema=False)
MAX_BUSINESSES = 3
BUSINESS_FIELDS = ("legal_name", "registration_number", "vat_number")
PERSON_FIELDS = (
    *("given_name", "family_name", "birth_date", "email", "phone"),
    *("street", "house_number", "postcode", "city", "language"),
)
# Who acts before the customer exists: the event log records "portal:signup".
SIGNUP_ACTOR = Actor("portal", "signup", "portal sign-up", frozenset())
Translate = Callable[..., str]
Rules = Sequence[tuple[str, str]]


async def _posted(request: Request) -> FormData:
    return await request.form()


PostedForm = Annotated[FormData, Depends(_posted)]


# --- shared by the portal's self-service forms (appointment, identity) -----------------


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def form_field(path: str | None, rules: Rules) -> str:
    """The form field a domain error's path names (first matching prefix); "form" if none."""
    if path:
        for prefix, name in rules:
            if path == prefix or path.startswith(prefix + "."):
                return name
    return "form"


def pydantic_path(exc: ValidationError) -> str:
    errors = exc.errors()
    return ".".join(str(part) for part in errors[0]["loc"]) if errors else ""


def parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def language_options() -> list[tuple[str, str]]:
    return [(code, web_locale.NAMES[code]) for code in SUPPORTED_LOCALES]


def field_messages(_: Translate) -> dict[str, str]:
    """What to tell the customer about each field (domain messages are not translated)."""
    return {
        "form": _("Please check what you entered."),
        "given_name": _("Enter your given name."),
        "family_name": _("Enter your family name."),
        "birth_date": _("Enter your date of birth, in the past."),
        "email": _("Enter a valid email address, like name@example.com."),
        "phone": _("Enter a valid mobile number, with the country code if it is not local."),
        "street": _("Enter the street."),
        "house_number": _("Enter the house number."),
        "postcode": _("Enter a valid postcode."),
        "city": _("Enter the town or city."),
        "language": _("Choose a language."),
        "channels": _("Choose each channel once."),
        "marketing": _("Please check what you entered."),
        "service_consent": _("We need this to open your account and tell you about it."),
        "accounts": _("Choose at least one account: residential or business."),
        "legal_name": _("Enter the company's legal name."),
        "registration_number": _("Enter a valid company registration number."),
        "vat_number": _("Enter a valid VAT number, as the tax office gave it."),
        "kind": _("Choose who holds the accounts."),
    }


def message_for(name: str, _: Translate) -> str:
    messages = field_messages(_)
    if name in messages:
        return messages[name]
    for key in BUSINESS_FIELDS:  # business_<n>_<key>
        if name.endswith("_" + key):
            return messages[key]
    return messages["form"]


# --- the sign-up form -------------------------------------------------------------------


@dataclass
class Entry:
    """What the customer typed, as typed (so it can be shown again)."""

    kind: str = CustomerKind.INDIVIDUAL.value
    values: dict[str, str] = field(default_factory=dict)
    channels: list[str] = field(default_factory=lambda: ["email"])
    marketing: bool = False
    service_consent: bool = False
    residential: bool = True
    businesses: list[dict[str, str]] = field(default_factory=lambda: [_blank()])

    @classmethod
    def read(cls, form: FormData) -> Entry:
        names = PERSON_FIELDS
        businesses = [
            {key: text(form, f"business_{i}_{key}") for key in BUSINESS_FIELDS}
            for i in range(MAX_BUSINESSES)
        ]
        shown = max([i + 1 for i, b in enumerate(businesses) if any(b.values())] or [1])
        kind = text(form, "kind")
        return cls(
            kind=kind if kind in set(CustomerKind) else CustomerKind.INDIVIDUAL.value,
            values={name: text(form, name) for name in names},
            channels=[c for c in form.getlist("channels") if isinstance(c, str)],
            marketing=form.get("marketing") is not None,
            service_consent=form.get("service_consent") is not None,
            residential=form.get("residential") is not None,
            businesses=businesses[:shown],
        )

    @property
    def organization(self) -> bool:
        return self.kind == CustomerKind.ORGANIZATION.value

    def filled(self) -> list[tuple[int, dict[str, str]]]:
        return [(i, b) for i, b in enumerate(self.businesses) if any(b.values())]


def _blank() -> dict[str, str]:
    return dict.fromkeys(BUSINESS_FIELDS, "")


def _checks(entry: Entry, _: Translate) -> dict[str, str]:
    """What the form itself requires before the registration is tried."""
    errors: dict[str, str] = {}
    for name in ("given_name", "family_name", "email", "phone"):
        if not entry.values[name]:
            errors[name] = message_for(name, _)
    born = parse_date(entry.values["birth_date"])
    if born is None or born >= utcnow().date():
        errors["birth_date"] = message_for("birth_date", _)
    if not entry.service_consent:
        errors["service_consent"] = message_for("service_consent", _)
    if not entry.residential and not entry.filled():
        errors["accounts"] = message_for("accounts", _)
    if entry.organization and not any(entry.businesses[0].values()):
        errors["business_0_legal_name"] = _(
            "A company customer needs its company: fill in the first business."
        )
    return errors


@dataclass
class _Plan:
    body: dict[str, Any]
    rules: list[tuple[str, str]]


def _plan(entry: Entry, country: str, time_zone: str) -> _Plan:
    """The registration body and how its paths map back to the form's fields."""
    v = entry.values
    rules: list[tuple[str, str]] = [
        ("customer.given_name", "given_name"),
        ("customer.family_name", "family_name"),
        ("customer.birth_date", "birth_date"),
        ("customer.legal_name", "business_0_legal_name"),
        ("customer.registration_number", "business_0_registration_number"),
        ("customer.vat_number", "business_0_vat_number"),
        ("preferences.language", "language"),
        ("preferences.preferred_channels", "channels"),
        ("contacts.0", "email"),
        ("contacts.1", "phone"),
        *[(f"contacts.2.address.{n}", n) for n in ("street", "house_number", "postcode", "city")],
        ("contacts.2", "street"),
        ("consents", "marketing"),
        ("email", "email"),  # the company's signatory (kyc.business)
        ("phone", "phone"),
        ("accounts", "accounts"),
    ]
    if entry.organization:
        first = entry.businesses[0]
        customer: dict[str, Any] = {
            "kind": "organization",
            "country": country,
            "legal_name": first["legal_name"] or None,
            "registration_number": first["registration_number"] or None,
            "vat_number": first["vat_number"] or None,
        }
    else:
        customer = {
            "kind": "individual",
            "country": country,
            "given_name": v["given_name"] or None,
            "family_name": v["family_name"] or None,
            "birth_date": v["birth_date"] or None,
        }
    accounts: list[dict[str, Any]] = []
    if entry.residential:
        # a company's residential account is named after the person it is for
        person = f"{v['given_name']} {v['family_name']}".strip()[:200]
        name = person if entry.organization and person else None
        accounts.append({"kind": "residential", "name": name})
    for index, company in entry.filled():
        where = f"accounts.{len(accounts)}"
        rules[-1:-1] = [
            (f"{where}.company.{key}", f"business_{index}_{key}") for key in BUSINESS_FIELDS
        ] + [(f"{where}.company", f"business_{index}_legal_name")]
        if entry.organization and index == 0:
            accounts.append({"kind": "business"})  # the company customer's own data
        else:
            data = {key: (company[key] or None) for key in BUSINESS_FIELDS}
            accounts.append({"kind": "business", "company": data})
    consent_channels = ("email", "sms")
    consents = [
        {"purpose": "service", "channel": ch, "granted": True, "source": "web_form"}
        for ch in consent_channels
    ]
    if entry.marketing:
        consents += [
            {"purpose": "marketing", "channel": ch, "granted": True, "source": "web_form"}
            for ch in consent_channels
        ]
    address = {
        "street": v["street"] or None,
        "house_number": v["house_number"] or None,
        "postcode": v["postcode"] or None,
        "city": v["city"] or None,
        "country": country,
    }
    body = {
        "customer": customer,
        "preferences": {
            "language": v["language"] or "en",
            "time_zone": time_zone,
            "preferred_channels": entry.channels,
        },
        "contacts": [
            {"kind": "email", "value": v["email"] or None},
            {"kind": "phone", "value": v["phone"] or None},
            {"kind": "postal", "address": address},
        ],
        "consents": consents,
        "accounts": accounts,
    }
    return _Plan(body, rules)


def _form_page(
    request: Request, entry: Entry, errors: dict[str, str], *, status: int = 200
) -> Response:
    _ = translator(request.state.locale)
    kinds = [
        ("individual", _("I do: the accounts are in my name")),
        ("organization", _("My company: I act for it")),
    ]
    channels = [
        ("email", _("Email")),
        ("sms", _("Text message (SMS)")),
        ("phone", _("Phone call")),
        ("post", _("Post")),
    ]
    context = {
        "entry": entry,
        "v": entry.values,
        "errors": errors,
        "kinds": kinds,
        "channel_options": channels,
        "language_options": language_options(),
        "max_businesses": MAX_BUSINESSES,
    }
    return render(request, "portal/signup.html", context, status=status)


@router.get("/portal/signup", response_class=HTMLResponse)
def signup_page(request: Request, db: Db) -> Response:
    if session_of(request, db, web_sessions.CUSTOMER) is not None:
        return redirect(request, "/portal")
    entry = Entry()
    entry.values = dict.fromkeys(PERSON_FIELDS, "") | {"language": request.state.locale}
    return _form_page(request, entry, {})


@router.get("/portal/signup/business", response_class=HTMLResponse)
def another_business(
    request: Request, index: Annotated[int, Query(ge=1, le=MAX_BUSINESSES - 1)]
) -> Response:
    """HTMX: one more business fieldset (and the button for the next one)."""
    context = {"index": index, "b": _blank(), "errors": {}, "max_businesses": MAX_BUSINESSES}
    return render(request, "portal/signup_business_more.html", context)


@router.post("/portal/signup", response_class=HTMLResponse)
def signup(request: Request, db: Db, form: PostedForm) -> Response:
    _ = translator(request.state.locale)
    entry = Entry.read(form)
    if form.get("add_business") is not None:  # the button without JavaScript
        if len(entry.businesses) < MAX_BUSINESSES:
            entry.businesses.append(_blank())
        return _form_page(request, entry, {})
    errors = _checks(entry, _)
    if errors:
        return _form_page(request, entry, errors, status=422)
    limits.count_registration(request, db, [entry.values["email"], entry.values["phone"]])
    meta = packs.current_meta(db)
    plan = _plan(entry, meta.country, meta.timezone)
    try:
        customer = _register(db, entry, plan)
    except ValidationError as exc:
        name = form_field(pydantic_path(exc), plan.rules)
    except InvalidInput as exc:
        name = form_field(exc.field, plan.rules)
    else:
        _send_code(db, customer)
        sign_in(request, db, customer.id, method="signup")
        return redirect(request, "/portal")
    return _form_page(request, entry, {name: message_for(name, _)}, status=422)


def _register(db: Db, entry: Entry, plan: _Plan) -> Customer:
    """One registration; a company customer also gets the person as its representative and
    authorised signatory (the KYB party who signs its contracts)."""
    data = RegistrationCreate.model_validate(plan.body)
    customer = customers_service.register(db, data, actor=SIGNUP_ACTOR)
    if entry.organization:
        v = entry.values
        party = business.PartyCreate(
            roles=["representative", "signatory"],
            given_name=v["given_name"],
            family_name=v["family_name"],
            birth_date=parse_date(v["birth_date"]),
            email=v["email"],
            phone=v["phone"],
        )
        business.add_party(db, customer.id, party, actor=customer_actor(customer))
    return customer


def _send_code(db: Db, customer: Customer) -> None:
    """The verification code for the new email address; a refused send (no consent, too
    many) leaves the sign-up as it is: the customer asks again on /portal/verify."""
    email = next(
        (m for m in customers_service.media_of(db, customer.id) if m.kind == ContactKind.EMAIL),
        None,
    )
    if email is None:
        return
    with contextlib.suppress(FirstmileError), db.begin_nested():
        verification.request_verification(db, customer.id, email.id, actor=customer_actor(customer))
