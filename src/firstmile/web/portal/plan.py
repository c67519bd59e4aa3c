"""`/portal/plan`: choosing a plan, the cart and its transparent price, placing the order;
and switching the features of a product the customer already holds.

The cart is a quote. Quotes are immutable, so every change of the cart (an offering added,
a feature switched, an add-on, an item removed) prices a new quote from the old one's items,
and the page moves to it (`?quote=<id>`). What the customer sees is therefore always exactly
what the catalog priced, line by line, and what the order locks when they place it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from firstmile.billing import service as billing_service
from firstmile.catalog import service as catalog_service
from firstmile.catalog.models import Quote, QuoteStatus
from firstmile.catalog.schemas import QuoteCreate, QuoteItemCreate, ServiceAddress
from firstmile.customers import service as customers_service
from firstmile.customers.models import Account, AccountStatus, Customer
from firstmile.eventlog import repository as eventlog_repository
from firstmile.kit.db import Session
from firstmile.kit.errors import InvalidInput, NotFound
from firstmile.kit.http import Db
from firstmile.kit.i18n import pick
from firstmile.orders import repository as orders_repository
from firstmile.orders import service as orders_service
from firstmile.orders.models import ProductStatus
from firstmile.orders.service import features as order_features
from firstmile.packs import loader as packs
from firstmile.web.pages import (
    PageRoute,
    PortalCustomer,
    customer_actor,
    own,
    redirect,
    render,
    translator,
)
from firstmile.web.portal import plan_view

router = APIRouter(route_class=PageRoute, include_in_schema=False)
ADDRESS_FIELDS = ("street", "house_number", "postcode", "city", "supply_point")
Text = Annotated[str, Form(max_length=200)]
Param = Annotated[str | None, Query(max_length=200)]


def latest_open_quote(db: Session, me: Customer) -> Quote | None:
    """The customer's newest quote, when it is still open (their cart from an earlier visit)."""
    after, newest = 0, None
    while True:
        page = eventlog_repository.for_customer(
            db, me.id, after_seq=after, limit=100, types=["quote.created"]
        )
        if page:
            newest, after = page[-1].subject_id, page[-1].seq
        if len(page) < 100:
            break
    if newest is None:
        return None
    quote = catalog_service.get_quote(db, newest)
    if quote.customer_id != me.id or catalog_service.quote_status(quote) != QuoteStatus.OPEN:
        return None
    return quote


def own_quote(db: Session, me: Customer, quote_id: str) -> Quote:
    quote = catalog_service.get_quote(db, quote_id[:36])
    own(me, quote.customer_id, "quote", quote_id)
    return quote


def _accounts(db: Session, me: Customer) -> list[Account]:
    return [a for a in customers_service.accounts_of(db, me.id) if a.status != AccountStatus.CLOSED]


def _account(accounts: list[Account], account_id: str | None, cart: Quote | None) -> Account:
    wanted = account_id or (cart.account_id if cart is not None else None)
    if wanted is None:
        if not accounts:
            raise NotFound("account", "-")
        return accounts[0]
    for account in accounts:
        if account.id == wanted:
            return account
    raise NotFound("account", wanted)


def _address_values(
    db: Session, me: Customer, given: Mapping[str, str | None], cart: Quote | None
) -> tuple[dict[str, str], bool]:
    """The address to check: as typed, else the cart's, else the customer's; and whether typed."""
    typed = {k: (given.get(k) or "").strip() for k in ADDRESS_FIELDS}
    if any(typed.values()):
        return typed, True
    if cart is not None:
        saved = cart.content.get("service_address") or {}
        return {k: str(saved.get(k) or "") for k in ADDRESS_FIELDS}, False
    postal = customers_service.postal_address(db, me.id)
    if postal is None:
        return dict.fromkeys(ADDRESS_FIELDS, ""), False
    return {
        "street": postal.street,
        "house_number": postal.house_number or "",
        "postcode": postal.postcode,
        "city": postal.city,
        "supply_point": "",
    }, False


def _address(db: Session, values: Mapping[str, str]) -> tuple[ServiceAddress | None, set[str]]:
    data: dict[str, Any] = {k: v for k, v in values.items() if v}
    data["country"] = packs.current_meta(db).country
    try:
        return ServiceAddress.model_validate(data), set()
    except ValidationError as exc:
        return None, {str(e["loc"][0]) for e in exc.errors() if e.get("loc")}


def _page(
    request: Request,
    db: Session,
    me: Customer,
    *,
    cart: Quote | None = None,
    account_id: str | None = None,
    given: Mapping[str, str | None] | None = None,
    errors: Mapping[str, str] | None = None,
    posted: Mapping[str, str] | None = None,
    status: int = 200,
) -> Response:
    """The plan page; `posted` is the add-to-cart form that failed (offering, sim_type,
    port_number), shown again as typed with its errors by its fields."""
    locale: str = request.state.locale
    accounts = _accounts(db, me)
    account = _account(accounts, account_id, cart)
    values, typed = _address_values(db, me, given or {}, cart)
    address, bad = _address(db, values)
    shown = dict(errors or {})
    if typed:
        for name in bad:
            shown.setdefault(name, plan_view.ADDRESS_ERRORS.get(name, ""))
    translate = translator(locale)
    context: dict[str, Any] = {
        "accounts": accounts,
        "account": account,
        "address": values,
        "address_ok": address is not None,
        "offerings": plan_view.offerings(db, account, address, locale),
        "cart": plan_view.breakdown(cart.content, locale) if cart is not None else None,
        "cart_add_ons": plan_view.add_ons(db, cart.content, locale) if cart is not None else {},
        "quote": cart,
        "quote_status": str(catalog_service.quote_status(cart)) if cart is not None else None,
        "resume": latest_open_quote(db, me) if cart is None else None,
        "products": _products(db, me, locale),
        "errors": {name: translate(message) for name, message in shown.items() if message},
        "posted": dict(posted or {}),
    }
    return render(request, "portal/plan.html", context, status=status)


def _products(db: Session, me: Customer, locale: str) -> list[dict[str, Any]]:
    rows, _total = orders_service.search_products(
        db, customer_id=me.id, status=ProductStatus.ACTIVE, limit=100
    )
    out = []
    for product in rows:
        if product.terminates_on is not None:
            continue
        _origin, specs = order_features.feature_specs(db, product)
        features = [
            {
                "code": code,
                "name": pick(spec.get("names") or {}, locale) or spec.get("name") or code,
                "on": bool(product.features.get(code)),
                "default": bool(spec.get("default")),
                "switchable": bool(spec.get("switchable")),
                "monthly_net": spec.get("monthly_net"),
            }
            for code, spec in specs.items()
        ]
        out.append(
            {
                "product": product,
                "name": pick(product.name, locale) or product.offering_code,
                "features": features,
                "pending": orders_repository.pending_change_for(db, product.id) is not None,
            }
        )
    return out


@router.get("/portal/plan", response_class=HTMLResponse)
def plan_page(
    request: Request,
    db: Db,
    me: PortalCustomer,
    quote: Param = None,
    account: Param = None,
    street: Param = None,
    house_number: Param = None,
    postcode: Param = None,
    city: Param = None,
    supply_point: Param = None,
) -> Response:
    cart = own_quote(db, me, quote) if quote else None
    given = {
        "street": street,
        "house_number": house_number,
        "postcode": postcode,
        "city": city,
        "supply_point": supply_point,
    }
    return _page(request, db, me, cart=cart, account_id=account, given=given)


def _reprice(
    request: Request,
    db: Session,
    me: Customer,
    account: Account,
    address: ServiceAddress,
    items: list[QuoteItemCreate],
) -> Quote:
    """A new quote for the cart: priced by the catalog, or InvalidInput naming the field."""
    billing = billing_service.find_billing_accounts(db, account_id=account.id)
    data = QuoteCreate(
        customer_id=me.id,
        account_id=account.id,
        service_address=address,
        items=items,
        locale=request.state.locale,
        # the bills in the offer and the contract for the billing day already chosen
        cycle_day=billing[0].cycle_day if billing else None,
    )
    return catalog_service.create_quote(db, data, actor=customer_actor(me))


def _same_place(cart: Quote, account: Account, address: ServiceAddress) -> bool:
    saved = cart.content.get("service_address") or {}
    return cart.account_id == account.id and saved == address.model_dump()


@router.post("/portal/plan/cart", response_class=HTMLResponse)
def add_to_cart(
    request: Request,
    db: Db,
    me: PortalCustomer,
    offering: Annotated[str, Form(max_length=60)] = "",
    account_id: Annotated[str, Form(max_length=36)] = "",
    quote_id: Annotated[str, Form(max_length=36)] = "",
    sim_type: Annotated[str, Form(max_length=20)] = "",
    port_number: Annotated[str, Form(max_length=30)] = "",
    street: Text = "",
    house_number: Text = "",
    postcode: Text = "",
    city: Text = "",
    supply_point: Text = "",
) -> Response:
    given = {
        "street": street,
        "house_number": house_number,
        "postcode": postcode,
        "city": city,
        "supply_point": supply_point,
    }
    cart = own_quote(db, me, quote_id) if quote_id else None
    account = _account(_accounts(db, me), account_id or None, cart)

    def again(errors: Mapping[str, str]) -> Response:
        db.rollback()
        return _page(
            request,
            db,
            me,
            cart=cart,
            account_id=account.id,
            given=given,
            errors=errors,
            posted={"offering": offering, "sim_type": sim_type, "port_number": port_number},
            status=422,
        )

    address, bad = _address(db, given)
    if address is None:
        return again({n: plan_view.ADDRESS_ERRORS.get(n, "") for n in bad})
    try:
        options = {"sim_type": sim_type or None, "port_number": port_number or None}
        item = QuoteItemCreate.model_validate({"offering": offering, "options": options})
    except ValidationError as exc:
        return again(plan_view.errors_of(exc))
    items = plan_view.items_of(cart.content) if cart and _same_place(cart, account, address) else []
    try:
        new = _reprice(request, db, me, account, address, [*items, item])
    except InvalidInput as exc:
        return again(plan_view.error_of(exc))
    return redirect(request, f"/portal/plan?quote={new.id}#cart")


@router.post("/portal/plan/cart/{quote_id}/change", response_class=HTMLResponse)
def change_cart(
    request: Request,
    quote_id: str,
    db: Db,
    me: PortalCustomer,
    item: Annotated[int, Form(ge=0, le=19)] = 0,
    action: Annotated[str, Form(max_length=20)] = "",
    code: Annotated[str, Form(max_length=60)] = "",
    on: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    cart = own_quote(db, me, quote_id)
    account = _account(_accounts(db, me), cart.account_id, cart)
    address = ServiceAddress.model_validate(cart.content["service_address"])
    try:
        items = plan_view.changed(cart.content, item, action, code, on in ("1", "true", "on"))
    except InvalidInput as exc:
        return _page(request, db, me, cart=cart, errors=plan_view.error_of(exc), status=422)
    if not items:
        return redirect(request, f"/portal/plan?account={account.id}")
    try:
        new = _reprice(request, db, me, account, address, items)
    except InvalidInput as exc:
        db.rollback()
        return _page(request, db, me, cart=cart, errors=plan_view.error_of(exc), status=422)
    return redirect(request, f"/portal/plan?quote={new.id}#cart")


@router.post("/portal/plan/cart/{quote_id}/order")
def place_order(request: Request, quote_id: str, db: Db, me: PortalCustomer) -> Response:
    quote = own_quote(db, me, quote_id)
    order = orders_service.place_order(db, quote_id=quote.id, actor=customer_actor(me))
    return redirect(request, f"/portal/contract/{order.contract_id}")


@router.post("/portal/plan/products/{product_id}/features")
def switch_feature(
    request: Request,
    product_id: str,
    db: Db,
    me: PortalCustomer,
    feature: Annotated[str, Form(max_length=60)] = "",
    on: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """After activation a feature change is an order (provisioning applies it)."""
    product = orders_service.get_product(db, product_id[:36])
    own(me, product.customer_id, "product", product_id)
    orders_service.change_features(
        db,
        product_id=product.id,
        features={feature: on in ("1", "true", "on")},
        actor=customer_actor(me),
    )
    return redirect(request, "/portal/plan?changed=1#products")
