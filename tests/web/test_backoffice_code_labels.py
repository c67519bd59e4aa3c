"""The back office shows codes in words of the page's language: the timeline's event types
and actors, message channels, journey step kinds and phases; a journey's arrows point the
way the page reads; and a pack's English-only texts (step names, descriptions) are marked
as English rather than passed off as translated."""

from __future__ import annotations

import re
from datetime import date

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy.orm import Session, sessionmaker

from firstmile.auth.scopes import SYSTEM
from firstmile.billing import service as billing_service
from firstmile.billing.schemas import BillingAccountCreate
from firstmile.catalog import service as catalog_service
from firstmile.customers import service as customers_service
from firstmile.eventlog import catalogue
from firstmile.kit.i18n import pick
from firstmile.orders import service as orders_service
from firstmile.provisioning.models import Service
from firstmile.web.backoffice import code_labels, event_labels
from firstmile.web.locale import Formats
from firstmile.web.pages import translator
from tests.conftest import RunJobs
from tests.factories import billing as billing_factories
from tests.factories import customers as customer_factories
from tests.factories.catalog import SUPPLY_POINT, quote_create, stockholm_address
from tests.factories.web import sign_in_staff
from tests.web.test_backoffice_customers import _ordered

LANGUAGES = ["en", "ja", "cs", "sv", "ar"]
JOURNEY = "/backoffice/journeys/telco_onboarding"
ROW = re.compile(r"<tr><td>[^<]*</td><td>(.*?)</td><td>(.*?)</td></tr>")


def _said(language: str, text: str) -> str:
    return str(escape(translator(language)(text)))


def _section(page: str, anchor: str) -> str:
    return page.split(f'id="{anchor}"', 1)[1].split("</section>", 1)[0]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_timeline_names_event_types_and_actors_in_words(
    client: TestClient,
    sessions: sessionmaker[Session],
    telco: str,
    run_jobs: RunJobs,
    language: str,
) -> None:
    customer_id, _order_id = _ordered(sessions, run_jobs)
    sign_in_staff(client, sessions)
    page = client.get(f"/backoffice/customers/{customer_id}?lang={language}").text
    rows = ROW.findall(_section(page, "timeline"))
    assert rows
    types = event_labels.event_types(translator(language))
    for event, actor in rows:
        assert "<code>" not in event
        assert event in {str(escape(words)) for words in types.values()}
        assert ":" not in actor, actor  # not a raw reference (system:firstmile)
    assert f"<td>{_said(language, 'Order placed')}</td>" in page
    assert _said(language, "System") in {actor for _event, actor in rows}


@pytest.mark.parametrize("language", LANGUAGES)
def test_messages_name_their_channel_in_words(
    client: TestClient,
    sessions: sessionmaker[Session],
    telco: str,
    run_jobs: RunJobs,
    language: str,
) -> None:
    customer_id, _order_id = _ordered(sessions, run_jobs)
    sign_in_staff(client, sessions)
    page = client.get(f"/backoffice/customers/{customer_id}?lang={language}").text
    messages = _section(page, "messages")
    assert f"<td>{_said(language, 'In-app inbox')}</td>" in messages
    for code in ("email", "sms", "push", "inapp"):
        assert f"<td>{code}</td>" not in messages
    assert "<code>order_received</code>" not in messages  # the pack's description instead
    assert '<bdi lang="en" dir="ltr">' in messages
    journeys = _section(page, "journeys")  # the step it stands at: a pack name, in English
    assert '<bdi lang="en" dir="ltr">' in journeys
    assert "&lt;bdi" not in page


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_templates_pages_name_channels_in_words(
    client: TestClient, sessions: sessionmaker[Session], telco: str, language: str
) -> None:
    sign_in_staff(client, sessions, role="supervisor")
    listed = client.get(f"/backoffice/templates?lang={language}").text
    assert f'?channel=sms">{_said(language, "SMS")}</a>' in listed
    assert f'?channel=email">{_said(language, "Email")}</a>' in listed
    assert '?channel=email">email</a>' not in listed
    assert '<span class="muted"><bdi lang="en" dir="ltr">' in listed  # pack descriptions
    preview = client.get(f"/backoffice/templates/order_received?lang={language}").text
    assert f'<option value="email" selected>{_said(language, "Email")}</option>' in preview
    assert '<option value="sms">sms</option>' not in preview


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_journey_names_step_kinds_and_phases_and_marks_step_names_as_english(
    client: TestClient, sessions: sessionmaker[Session], telco: str, language: str
) -> None:
    sign_in_staff(client, sessions, role="supervisor")
    page = client.get(f"{JOURNEY}?lang={language}").text
    steps = _section(page, "h-steps")
    _ = translator(language)
    assert f"· {escape(_('Wait for an event'))} · {escape(_('Activation'))}</span>" in steps
    for code in ("wait_event", "activation", "message"):
        assert f"· {code} ·" not in steps
        assert f"· {code}</span>" not in steps
    assert '<strong><bdi lang="en" dir="ltr">' in steps
    arrow = "←" if language == "ar" else "→"
    other = "→" if language == "ar" else "←"
    assert f'<span aria-hidden="true">{arrow}</span>' in steps
    assert other not in steps
    assert f'<span class="visually-hidden">{_said(language, "Leads to")}</span>' in steps
    counts = _section(page, "h-funnel")
    assert f'<span class="muted">({escape(_("Activation"))})</span>' in counts


def test_every_declared_event_type_has_words() -> None:
    words = event_labels.event_types(translator("en"))
    declared = set(catalogue.load_catalogue())
    assert declared - words.keys() == set()


@pytest.mark.parametrize(
    ("ref", "shown"),
    [
        ("customer:c-1", "Customer (portal)"),
        ("portal:signup", "Sign-up (portal)"),
        ("system:firstmile", "System"),
        ("cli:operator", "Command line"),
        ("token:t-9", "API token t-9"),
        ("staff:gone", "Staff user gone"),
        ("robot:r2", "robot:r2"),
    ],
)
def test_an_actor_is_named_by_its_kind(ref: str, shown: str) -> None:
    assert code_labels.actor_label(ref, translator("en")) == shown


def _energy_customer(sessions: sessionmaker[Session]) -> str:
    """A customer with a spot-price electricity order (green add-on), its supply switched
    (the identifiers the network gave), a marketing consent and bills by email."""
    consent = {"purpose": "marketing", "channel": "email", "granted": True, "source": "web_form"}
    with sessions() as db:
        customer = customer_factories.registered(db, consents=[consent])
        [account] = customers_service.accounts_of(db, customer.id)
        item = {"offering": "el-spot", "add_ons": ["green-origin"]}
        data = quote_create(customer, account, item, address=stockholm_address())
        quote = catalog_service.create_quote(db, data, actor=SYSTEM)
        order = orders_service.place_order(db, quote_id=quote.id, actor=SYSTEM)
        plan = order.items[0]
        db.add(
            Service(
                customer_id=customer.id,
                order_id=order.id,
                order_item_id=plan.id,
                product_id=plan.product_id,
                offering_code="el-spot",
                kind="electricity",
                status="active",
                identifiers={
                    "ean": SUPPLY_POINT,
                    "switch_date": "2026-03-31",
                    "features": {"green-origin": True, "usage-alerts": False},
                },
            )
        )
        body = billing_factories.billing_account_body(account.id)
        billing_service.create_billing_account(
            db, BillingAccountCreate.model_validate(body), actor=SYSTEM
        )
        db.commit()
        return customer.id


@pytest.mark.parametrize("language", LANGUAGES)
def test_products_and_services_are_shown_by_name_with_labelled_identifiers(
    client: TestClient, sessions: sessionmaker[Session], energy: str, language: str
) -> None:
    customer_id = _energy_customer(sessions)
    sign_in_staff(client, sessions)
    page = client.get(f"/backoffice/customers/{customer_id}?lang={language}").text
    _ = translator(language)
    with sessions() as db:
        plan = catalog_service.offering(db, "el-spot")
        green = catalog_service.offering(db, "green-origin")
        alerts = next(f for f in plan.features if f["code"] == "usage-alerts")
    plan_name, green_name = pick(plan.name, language), pick(green.name, language)
    orders, services = _section(page, "orders"), _section(page, "services")
    assert f"{escape(plan_name)} <span" in orders
    assert f"{escape(green_name)} <span" in orders
    assert "<code>el-spot</code>" not in orders + services
    assert f"<td>{escape(plan_name)}</td>" in services
    assert f"<td>{escape(_('Electricity'))}</td>" in services
    assert "<td>electricity</td>" not in services
    meter = f'{escape(_("Metering point ID"))}: <bdi class="ltr-value">{SUPPLY_POINT}</bdi>'
    assert meter in services
    switch = Formats(language).date(date(2026, 3, 31))
    assert f"{escape(_('Supply switch date'))}: {escape(switch)}" in services
    features = f"{green_name}: {_('on')}, {pick(alerts['name'], language)}: {_('off')}"
    assert f"{escape(_('Features'))}: {escape(features)}" in services
    for raw in ("ean:", "switch_date:", "features:", "{&#39;", "2026-03-31"):
        assert raw not in services, raw
    profile = _section(page, "profile")
    assert escape(_("Online sign-up form")) in profile
    assert "online_form" not in profile
    contacts = _section(page, "contacts")
    assert escape(_("Web form")) in contacts
    assert "web_form" not in contacts
    assert f", {escape(_('Mobile'))})" in contacts
    assert ", mobile)" not in contacts
    billing = _section(page, "billing")
    assert f"· {escape(_('Email'))}" in billing
    assert "· email" not in billing
