"""The orders and products API: status codes, named fields, idempotent placement."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from firstmile.orders import service
from firstmile.orders.models import Order, Product
from tests.factories import orders as f

Sessions = sessionmaker[Session]


def _quote_id(sessions: Sessions, *items: dict[str, Any]) -> str:
    with sessions() as s:
        return f.quote(s, *(items or ({"offering": "mobile-10gb"},))).id


def _order(sessions: Sessions) -> Order:
    with sessions() as s:
        return f.order(s, {"offering": "mobile-10gb"})


def _active_product_id(sessions: Sessions) -> str:
    with sessions() as s:
        order = f.order(s, {"offering": "mobile-10gb"})
        f.sign(s, order)
        s.commit()
        item = service.get_order(s, order.id).items[0]
        f.activated(s, order.id, item.id)
        s.commit()
        return item.product_id


def _error(answer: Any, status: int) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    error: dict[str, Any] = answer.json()["error"]
    return error


def test_place_order_answers_201_with_items_and_totals(
    telco: str, client: TestClient, agent: dict[str, str], sessions: Sessions
) -> None:
    quote_id = _quote_id(sessions)
    answer = client.post("/api/orders", json={"quote_id": quote_id}, headers=agent)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["status"], body["quote_id"], body["kind"]) == (
        "awaiting_signature",
        quote_id,
        "new",
    )
    assert body["items"][0]["offering_code"] == "mobile-10gb"
    assert body["totals"]["currency"] == "CZK"


def test_place_order_twice_from_one_quote_is_409(
    telco: str, client: TestClient, agent: dict[str, str], sessions: Sessions
) -> None:
    quote_id = _quote_id(sessions)
    client.post("/api/orders", json={"quote_id": quote_id}, headers=agent)
    answer = client.post("/api/orders", json={"quote_id": quote_id}, headers=agent)
    assert _error(answer, 409)["field"] == "quote_id"


def test_place_order_is_idempotent_with_a_key(
    telco: str, client: TestClient, agent: dict[str, str], sessions: Sessions, db: Session
) -> None:
    quote_id = _quote_id(sessions)
    headers = {**agent, "Idempotency-Key": "order-once-1"}
    first = client.post("/api/orders", json={"quote_id": quote_id}, headers=headers)
    second = client.post("/api/orders", json={"quote_id": quote_id}, headers=headers)
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert first.json()["id"] == second.json()["id"]
    assert db.scalar(select(func.count()).select_from(Order)) == 1


def test_place_order_without_quote_id_names_the_field(
    telco: str, client: TestClient, agent: dict[str, str]
) -> None:
    answer = client.post("/api/orders", json={}, headers=agent)
    assert _error(answer, 422)["field"] == "quote_id"


def test_place_order_refuses_unknown_fields(
    telco: str, client: TestClient, agent: dict[str, str]
) -> None:
    answer = client.post("/api/orders", json={"quote_id": "x", "price": "1"}, headers=agent)
    assert _error(answer, 422)["field"] == "price"


def test_place_order_for_an_unknown_quote_is_404(
    telco: str, client: TestClient, agent: dict[str, str]
) -> None:
    answer = client.post("/api/orders", json={"quote_id": "nope"}, headers=agent)
    assert _error(answer, 404)["code"] == "not_found"


def test_orders_need_a_token(telco: str, client: TestClient) -> None:
    assert client.get("/api/orders").status_code == 401
    assert client.post("/api/orders", json={"quote_id": "x"}).status_code == 401


def test_read_order(
    telco: str, client: TestClient, integration: dict[str, str], sessions: Sessions
) -> None:
    order = _order(sessions)
    answer = client.get(f"/api/orders/{order.id}", headers=integration)
    assert answer.status_code == 200
    assert answer.json()["items"][0]["product_id"] == order.items[0].product_id


def test_read_unknown_order_is_404(telco: str, client: TestClient, agent: dict[str, str]) -> None:
    assert client.get("/api/orders/nope", headers=agent).status_code == 404


def test_search_orders_by_customer_and_status(
    telco: str, client: TestClient, agent: dict[str, str], sessions: Sessions
) -> None:
    order = _order(sessions)
    _order(sessions)
    params = {"customer_id": order.customer_id, "status": "awaiting_signature", "limit": 10}
    body = client.get("/api/orders", params=params, headers=agent).json()
    assert (body["total"], [o["id"] for o in body["items"]]) == (1, [order.id])


def test_search_orders_with_a_bad_status_names_it(
    telco: str, client: TestClient, agent: dict[str, str]
) -> None:
    answer = client.get("/api/orders", params={"status": "lost"}, headers=agent)
    assert _error(answer, 422)["field"] == "query.status"


def test_cancel_order_and_then_again_is_409(
    telco: str, client: TestClient, agent: dict[str, str], sessions: Sessions
) -> None:
    order = _order(sessions)
    url = f"/api/orders/{order.id}/cancel"
    first = client.post(url, json={"reason": "moved abroad"}, headers=agent)
    assert first.status_code == 200, first.text
    assert (first.json()["status"], first.json()["cancellation_fee"]) == ("cancelled", "0.00")
    second = client.post(url, json={"reason": "moved abroad"}, headers=agent)
    assert _error(second, 409)["code"] == "order_not_cancellable"


def test_cancel_without_reason_names_the_field(
    telco: str, client: TestClient, agent: dict[str, str], sessions: Sessions
) -> None:
    order = _order(sessions)
    answer = client.post(f"/api/orders/{order.id}/cancel", json={}, headers=agent)
    assert _error(answer, 422)["field"] == "reason"


def test_cancel_unknown_order_is_404(telco: str, client: TestClient, agent: dict[str, str]) -> None:
    answer = client.post("/api/orders/nope/cancel", json={"reason": "x"}, headers=agent)
    assert _error(answer, 404)["code"] == "not_found"


def test_products_of_a_customer(
    telco: str, client: TestClient, agent: dict[str, str], sessions: Sessions
) -> None:
    order = _order(sessions)
    body = client.get("/api/products", params={"customer_id": order.customer_id}, headers=agent)
    [product] = body.json()["items"]
    assert (product["status"], product["offering_code"]) == ("pending", "mobile-10gb")
    assert product["name"]["ar"]


def test_read_product_and_unknown_product(
    telco: str, client: TestClient, agent: dict[str, str], sessions: Sessions
) -> None:
    product_id = _active_product_id(sessions)
    assert client.get(f"/api/products/{product_id}", headers=agent).json()["status"] == "active"
    assert client.get("/api/products/nope", headers=agent).status_code == 404


def test_switch_a_feature_off_through_the_api(
    telco: str, client: TestClient, agent: dict[str, str], sessions: Sessions, db: Session
) -> None:
    product_id = _active_product_id(sessions)
    answer = client.post(
        f"/api/products/{product_id}/features", json={"features": {"roaming": False}}, headers=agent
    )
    assert answer.status_code == 201, answer.text
    assert (answer.json()["kind"], answer.json()["status"]) == ("modify", "in_progress")
    product = db.get(Product, product_id)
    assert product is not None
    assert product.features["roaming"] is True  # until provisioning applies it


def test_unknown_feature_names_the_feature(
    telco: str, client: TestClient, agent: dict[str, str], sessions: Sessions
) -> None:
    product_id = _active_product_id(sessions)
    answer = client.post(
        f"/api/products/{product_id}/features", json={"features": {"nope": False}}, headers=agent
    )
    assert _error(answer, 422)["field"] == "features.nope"


def test_feature_value_must_be_a_boolean(
    telco: str, client: TestClient, agent: dict[str, str], sessions: Sessions
) -> None:
    product_id = _active_product_id(sessions)
    answer = client.post(
        f"/api/products/{product_id}/features",
        json={"features": {"roaming": "later"}},
        headers=agent,
    )
    assert _error(answer, 422)["field"] == "features.roaming"


def test_features_of_a_pending_product_are_409(
    telco: str, client: TestClient, agent: dict[str, str], sessions: Sessions
) -> None:
    order = _order(sessions)
    answer = client.post(
        f"/api/products/{order.items[0].product_id}/features",
        json={"features": {"roaming": False}},
        headers=agent,
    )
    assert _error(answer, 409)["code"] == "product_not_active"


def test_features_of_an_unknown_product_are_404(
    telco: str, client: TestClient, agent: dict[str, str]
) -> None:
    answer = client.post(
        "/api/products/nope/features", json={"features": {"roaming": False}}, headers=agent
    )
    assert _error(answer, 404)["code"] == "not_found"
