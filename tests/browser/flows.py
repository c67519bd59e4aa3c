"""What a person does in the portal, step by step, shared by the browser tests.

Every step drives the page by its labels, roles and buttons, in the page's language: the
texts are the English msgids translated by the same catalogs the pages use
(`Journey.t`), so one flow serves English and Arabic. Codes the messaging simulator
"delivered" are read from the database, as a customer would read their mailbox.
"""

from __future__ import annotations

import re
import struct
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.billing.validation import mask_iban
from firstmile.customers.models import ContactMedium, Customer
from firstmile.kit.settings import Settings
from firstmile.messaging.models import Message, SimulatedDelivery
from firstmile.packs import loader as packs
from firstmile.provisioning import adapters
from firstmile.web.locale import Formats
from firstmile.web.pages import translator
from tests.browser.conftest import Watched
from tests.kyc.factories import td3

T = TypeVar("T")
WAIT_MS = 20_000
CONTRACT = re.compile(r".*/portal/contract/[^/?#]+([?#].*)?$")
CODE = re.compile(r"(?<![0-9a-f-])\d{6}(?![0-9a-f-])")

# Eva as she types herself in, and the passport whose zone matches her (ICAO 9303 TD3).
EVA: dict[str, str] = {
    "given_name": "Eva",
    "family_name": "Nováková",
    "birth_date": "1985-03-04",
    "email": "eva.novakova@example.com",
    "phone": "+420 601 123 456",
    "street": "Vinohradská",
    "house_number": "2828/151",
    "postcode": "130 00",
    "city": "Praha",
}
PASSPORT: dict[str, str] = {
    "surname": "Nováková",
    "given_names": "Eva",
    "birth_date": "1985-03-04",
    "nationality": "CZ",
    "document_number": "40123456",
    "expiry_date": "2034-12-31",
    "mrz": "\n".join(
        td3(
            state="CZE",
            nationality="CZE",
            name="NOVAKOVA<<EVA",
            number="40123456",
            birth="850304",
            expiry="341231",
        )
    ),
}
# dsl-50 of the telco pack: a router is shipped; net 399.00 a month and 149.00 once, 21 % VAT
PLAN = "dsl-50"
PLAN_MONTHLY_GROSS = Decimal("482.79")
PLAN_ONE_TIME_GROSS = Decimal("180.29")
IBAN = "CZ6508000000192000145399"  # the portal's own example, valid for python-stdnum
SERVICE_CONSENT = (
    "I agree that you send me messages about my accounts, orders and service. "
    "This is needed to open an account."
)
MANDATE = (
    "I authorise {creditor} (creditor ID {creditor_id}) to collect payments from this account "
    "by SEPA direct debit, and my bank to debit it accordingly. I can ask my bank for a refund "
    "within 8 weeks of a debit."
)


@contextmanager
def slow_network(seconds: float = 2.0) -> Iterator[None]:
    """The network simulator answers each service order after `seconds` (the harness's 0.5 s
    is over before a page is seen), so the work in progress can be watched."""
    original = adapters.build

    def build(db: Session, settings: Settings) -> adapters.NetworkAdapter:
        return original(db, settings.model_copy(update={"simulator_latency_seconds": seconds}))

    adapters.build = build
    try:
        yield
    finally:
        adapters.build = original


def wait_for(check: Callable[[], T | None], *, timeout: float = 20, what: str = "it") -> T:
    """Poll `check` until it returns something truthy (the worker runs in another thread)."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {what}")
        time.sleep(0.1)


def delivered_code(sessions: sessionmaker[Session], customer_id: str, purpose: str) -> str:
    """The code in the newest message of `purpose` the simulator delivered to the customer."""

    def newest() -> str | None:
        with sessions() as db:
            body = db.scalar(
                select(SimulatedDelivery.body_text)
                .join(Message, Message.id == SimulatedDelivery.message_id)
                .where(SimulatedDelivery.customer_id == customer_id, Message.purpose == purpose)
                .order_by(SimulatedDelivery.delivered_at.desc())
                .limit(1)
            )
        found = CODE.findall(body or "")
        return found[-1] if found else None

    return wait_for(newest, what=f"a delivered {purpose} code")


def customer_by_email(sessions: sessionmaker[Session], email: str) -> Customer:
    with sessions() as db:
        medium = db.scalars(select(ContactMedium).where(ContactMedium.value == email)).one()
        customer = db.get_one(Customer, medium.customer_id)
        db.expunge(customer)
        return customer


def png(width: int = 160, height: int = 100) -> bytes:
    """A small, valid PNG (grey stripes), as a phone's photo of a document would be."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    rows = b"".join(b"\x00" + bytes([0x60 + 0x40 * (y // 10 % 2)]) * width for y in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@dataclass
class Journey:
    """One person in the portal, in one language."""

    web: Watched
    sessions: sessionmaker[Session]
    locale: str = "en"
    customer_id: str = ""
    pages: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.t: Callable[..., str] = translator(self.locale)
        self.fmt = Formats(self.locale, "Europe/Prague")
        self.web.page.set_default_timeout(WAIT_MS)

    @property
    def page(self) -> Page:
        return self.web.page

    def arrived(self, url: str | re.Pattern[str]) -> None:
        """On the page at `url`, in the journey's language and direction."""
        pattern = url if isinstance(url, re.Pattern) else re.compile(re.escape(url) + r"([?#].*)?$")
        self.page.wait_for_url(pattern, timeout=WAIT_MS)
        html = self.page.locator("html")
        expect(html).to_have_attribute("lang", self.locale)
        expect(html).to_have_attribute("dir", "rtl" if self.locale == "ar" else "ltr")
        self.pages.append(self.page.url)

    def button(self, text: str, **kw: Any) -> Any:
        return self.page.get_by_role("button", name=self.t(text), **kw)

    def label(self, text: str, **kw: Any) -> Any:
        return self.page.get_by_label(self.t(text), **kw)

    def heading(self, text: str, **kw: Any) -> Any:
        return self.page.get_by_role("heading", name=self.t(text, **kw))

    def money(self, amount: Decimal) -> str:
        return self.fmt.money(amount, "CZK")


# --- the steps ----------------------------------------------------------------------------


def sign_up(j: Journey, person: dict[str, str] = EVA) -> None:
    """An individual signs up for a residential account, as `person`."""
    j.web.go(f"/portal/signup?lang={j.locale}")
    j.arrived("/portal/signup")
    expect(j.heading("Sign up")).to_be_visible()
    j.page.get_by_role("radio", name=j.t("I do: the accounts are in my name")).check()
    _fill_person(j, person)
    j.label("A residential account, for my home").check()
    j.label(SERVICE_CONSENT).check()
    j.button("Open my accounts").click()
    j.arrived("/portal")
    j.customer_id = customer_by_email(j.sessions, person["email"]).id


def sign_up_company(
    j: Journey, companies: list[dict[str, str]], person: dict[str, str] = EVA
) -> None:
    """A company signs up, the person acting for it typed in, with one business account per
    company in `companies` (the first is the company itself) and no residential account."""
    j.web.go(f"/portal/signup?lang={j.locale}")
    j.arrived("/portal/signup")
    j.page.get_by_role("radio", name=j.t("My company: I act for it")).check()
    _fill_person(j, person)
    j.label("A residential account, for my home").uncheck()
    for index, company in enumerate(companies):
        group = j.page.get_by_role("group", name=j.t("Business {number}", number=index + 1))
        if index > 0:  # the form has one business; HTMX adds the next in place
            j.button("Add another business").click()
        expect(group).to_be_visible()
        group.get_by_role("textbox", name=j.t("Company legal name")).fill(company["legal_name"])
        group.get_by_role("textbox", name=j.t("Company registration number")).fill(
            company["registration_number"]
        )
        group.get_by_role("textbox", name=j.t("VAT number")).fill(company["vat_number"])
    j.label(SERVICE_CONSENT).check()
    j.button("Open my accounts").click()
    j.arrived("/portal")
    j.customer_id = customer_by_email(j.sessions, person["email"]).id


def _fill_person(j: Journey, person: dict[str, str]) -> None:
    labels = {
        "given_name": "Given name",
        "family_name": "Family name",
        "birth_date": "Date of birth",
        "email": "Email address",
        "phone": "Mobile phone",
        "street": "Street",
        "house_number": "House number",
        "postcode": "Postcode",
        "city": "Town or city",
    }
    for key, label in labels.items():
        if key == "birth_date":  # a date input has no textbox role
            j.label(label).fill(person[key])
        else:
            j.page.get_by_role("textbox", name=j.t(label)).fill(person[key])
    language = j.page.get_by_role("combobox", name=j.t("Language"))
    expect(language).to_have_value(j.locale)


def follow_next_step(j: Journey, message: str) -> None:
    """On the tracker (/portal), the next step says `message`; its button leads there."""
    if not j.page.url.endswith("/portal"):
        j.page.get_by_role("navigation", name=j.t("Main")).get_by_role(
            "link", name=j.t("Onboarding")
        ).click()
        j.arrived("/portal")
    next_step = j.page.get_by_role("region", name=j.t("What happens next"))
    expect(next_step.locator("p.next-step")).to_have_text(j.t(message))
    next_step.get_by_role("link", name=j.t("Go there now")).first.click()  # under that text


def verify_email(j: Journey) -> None:
    """The code the sign-up sent to the email address, entered on /portal/verify."""
    follow_next_step(j, "Confirm your email address or mobile number with the code we sent you.")
    j.arrived("/portal/verify")
    expect(j.heading("Verify your contact details")).to_be_visible()
    code = delivered_code(j.sessions, j.customer_id, "contact_verification")
    j.label("Code").fill(code)
    j.button("Verify").click()
    j.arrived("/portal/verify")
    expect(j.page.get_by_role("status")).to_have_text(j.t("Thank you: this contact is verified."))
    row = j.page.get_by_role("row").filter(has_text=EVA["email"])
    expect(row.get_by_text(j.t("Verified"), exact=True)).to_be_visible()


def submit_identity(j: Journey, *, url: str | None = None, **typed: str) -> None:
    """The passport's details typed in, its zone, and a photo of it; the page reached from
    the tracker's next step, or at `url`."""
    if url is None:
        follow_next_step(
            j, "Confirm your identity: upload a photo of your ID document. It takes a few minutes."
        )
    else:
        j.web.go(url)
    j.arrived("/portal/identity")
    expect(j.heading("Confirm your identity")).to_be_visible()
    values = PASSPORT | typed
    j.page.get_by_role("combobox", name=j.t("Document"), exact=True).select_option("passport")
    j.label("Surname").fill(values["surname"])
    j.label("Given names").fill(values["given_names"])
    j.label("Date of birth").fill(values["birth_date"])
    j.label("Nationality").select_option(values["nationality"])
    j.label("Document number").fill(values["document_number"])
    j.label("Valid until").fill(values["expiry_date"])
    j.label("Machine-readable zone").fill(values["mrz"])
    j.label("Photo or scan of the page with your photo").set_input_files(
        {"name": "passport.png", "mimeType": "image/png", "buffer": png()}
    )
    j.button("Send for checking").click()
    j.arrived("/portal/identity")


def choose_plan(j: Journey) -> None:
    """The plan with a router, at the sign-up address; its full price; the order."""
    follow_next_step(
        j, "Choose your plan: see what is available at your address and what it costs."
    )
    j.arrived("/portal/plan")
    expect(j.label("Postcode")).to_have_value(EVA["postcode"])
    card = j.page.locator(f'section.offering[data-offering="{PLAN}"]')
    expect(card.get_by_text(j.t("Available at your address"))).to_be_visible()
    monthly = j.t("{amount} a month", amount=j.money(PLAN_MONTHLY_GROSS))
    assert monthly in (card.text_content() or "")
    card.get_by_role("button", name=j.t("Add to cart")).click()
    j.arrived(re.compile(r".*/portal/plan\?quote=[^#]+(#cart)?$"))
    cart = j.page.locator("#cart")
    expect(cart.locator(f'article.cart-item[data-offering="{PLAN}"]')).to_be_visible()
    for caption in ("One-time charges", "Monthly charges"):
        expect(cart.get_by_role("table", name=j.t(caption))).to_be_visible()
    breakdown = cart.locator(".breakdown").text_content() or ""
    assert j.money(PLAN_ONE_TIME_GROSS) in breakdown, breakdown
    assert j.money(PLAN_MONTHLY_GROSS) in breakdown, breakdown
    expect(cart.locator('[data-amount="monthly-bill"]')).to_have_text(j.money(PLAN_MONTHLY_GROSS))
    j.button("Order now").click()
    j.arrived(CONTRACT)
    expect(j.heading("Your contract")).to_be_visible()
    # the PDF is made in the background; the page updates itself, signing form included
    expect(j.page.locator('#contract [data-status="ready"]')).to_be_visible(timeout=WAIT_MS)
    expect(j.heading("Sign with a one-time code")).to_be_visible()


def sign_contract(j: Journey) -> None:
    """The contract, read and signed with the code sent by email."""
    follow_next_step(
        j, "Sign your contract: read it, then confirm with a one-time code we send you."
    )
    j.arrived(CONTRACT)
    expect(j.page.locator('#contract [data-status="ready"]')).to_be_visible(timeout=WAIT_MS)
    expect(j.heading("Sign with a one-time code")).to_be_visible()
    j.button("Send me a code").click()
    j.arrived(re.compile(r".*/portal/contract/[^/?#]+(#sign)?$"))
    code = delivered_code(j.sessions, j.customer_id, "contract_signature")
    j.page.get_by_role("textbox", name=j.t("One-time code")).fill(code)
    j.button("Sign the contract").click()
    j.arrived(re.compile(r".*/portal/contract/[^/?#]+\?signed=1$"))
    expect(j.page.get_by_role("status")).to_have_text(
        j.t("Thank you: your contract is signed. We start activating your service now.")
    )


def see_activation(j: Journey) -> None:
    """The activation status turns to active by itself (HTMX polls; the page stays).

    Opened straight after signing (use `slow_network`), the network is still at work: the
    page shows it, polls, and turns to active without a reload; then the polling stops."""
    polls: list[str] = []
    j.page.on(
        "request",
        lambda r: polls.append(r.url) if r.headers.get("hx-request") == "true" else None,
    )
    j.web.go("/portal/activation")
    j.arrived("/portal/activation")
    j.page.evaluate("window.__stayed = true")
    section = j.page.locator("#activation")
    expect(section).to_have_attribute("hx-trigger", "every 5s")
    service = section.locator("article.service")
    first = service.get_attribute("data-status") if service.count() else "not created yet"
    assert first != "active", "the activation was over before the page was seen"
    expect(service).to_have_attribute("data-status", "active", timeout=WAIT_MS)
    expect(service.locator(".badge")).to_have_text(j.t("Active"))
    expect(section).to_contain_text(j.t("All your services are active."))
    expect(section).not_to_have_attribute("hx-trigger", re.compile(".*"))  # polling stopped
    assert j.page.evaluate("window.__stayed === true"), "the page was reloaded"
    assert any("/portal/activation?order=" in url for url in polls), polls


def set_up_payment(j: Journey) -> None:
    """SEPA direct debit from a valid IBAN, with the mandate accepted."""
    j.web.go("/portal/payment")
    j.arrived("/portal/payment")
    expect(j.heading("How and when you pay")).to_be_visible()
    expect(j.page.get_by_text(j.t("No payment method yet."))).to_be_visible()
    j.label("IBAN").fill(IBAN)
    with j.sessions() as db:
        operator = packs.current_meta(db).operator
    mandate = j.t(
        MANDATE, creditor=operator["legal_name"], creditor_id=operator["sepa_creditor_id"]
    )
    j.page.get_by_role("checkbox", name=mandate).check()
    j.button("Set up direct debit").click()
    j.arrived(re.compile(r".*/portal/payment\?account=[^&]+&saved=method$"))
    expect(j.page.get_by_role("status")).to_have_text(j.t("Your payment method is saved."))
    masked = mask_iban(IBAN)  # never the whole IBAN on the page
    expect(j.page.locator("li[data-method]")).to_contain_text(masked)
    plain = j.page.get_by_role("region", name=j.t("In plain words"))
    expect(plain).to_contain_text(
        j.t(
            "We collect each bill by SEPA direct debit from {account} on its due date. "
            "The bill tells you the amount beforehand.",
            account=masked,
        )
    )
    assert IBAN not in (j.page.content())


def onboarding_done(j: Journey) -> None:
    """The tracker: the activation phase done, and what comes next."""
    j.web.go("/portal")
    j.arrived("/portal")
    phases = j.page.locator("ol.tracker > li")
    expect(phases.first).to_have_class("done")
    for step in ("contact", "identity", "plan", "contract", "activation", "billing"):
        expect(phases.first.locator(f'[data-step="{step}"]')).to_have_attribute(
            "data-state", "done"
        )
    usage = phases.nth(1)  # the next phase: the router needs no more set-up from the customer
    expect(usage).to_have_attribute("aria-current", "step")
    expect(usage.locator('[data-step="setup"]')).to_have_attribute("data-state", "done")
    expect(j.page.locator("p.next-step")).not_to_be_empty()
