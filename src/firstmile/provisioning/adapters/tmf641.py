"""The real adapter: TMF641 Service Ordering (v4) over HTTP.

`submit` POSTs a ServiceOrder_Create to `network_url` (the network's serviceOrder resource);
the network answers 201 Created with its ServiceOrder, carrying its own `id`, and reports the
outcome later: through `POST /api/events` (`network.service_order_completed` / `..._failed`)
or as standard TMF641 notifications to the listener (`tmf641_listener`). `cancel` POSTs a
CancelServiceOrder_Create to the sibling resource, `.../cancelServiceOrder`.

What an answer means: 5xx, 429 and timeouts are temporary. Permanent (sending the same again
cannot help, an agent must look): other 4xx; a redirect (never followed: it would send the
order, carrier code included, to another host; a moved API is a setting to fix); any 2xx but
201, the spec's only success; a body that is not a JSON object with the network's `id`; an
order the network created `rejected` or `failed`, a cancellation `terminatedWithError`.
The token (`network_token`) goes only into the Authorization header, never into an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin

import httpx

from firstmile.kit import outbound
from firstmile.kit.time import utcnow
from firstmile.provisioning.adapters import (
    CancellationReceipt,
    PermanentNetworkError,
    SubmissionReceipt,
    TemporaryNetworkError,
)

TIMEOUT = httpx.Timeout(10.0, connect=3.0)
# TMF641 ServiceOrderItem action per kind of service order; every other kind is an "add".
ACTIONS = {"feature_change": "modify", "service_termination": "delete"}
# Characteristics that carry secrets to the network; never taken back as identifiers.
PRIVATE_CHARACTERISTICS = frozenset({"carrierActivationCode", "esimMatchingId"})
# externalReferenceType of the reference whose name is the submission attempt.
ATTEMPT_REFERENCE = "attempt"
REFUSED_ORDER_STATES = frozenset({"rejected", "failed"})  # ServiceOrderStateType
REFUSED_CANCELLATION_STATES = frozenset({"terminatedWithError"})  # TaskStateType
MAX_REF_LENGTH = 120  # service_orders.external_ref
NO_REASON = "the network gave no reason"


def tmf641_order(data: dict[str, Any]) -> dict[str, Any]:
    """Our service order as a TMF641 ServiceOrder_Create document (one item)."""
    options: dict[str, Any] = dict(data.get("data") or {})
    if data.get("carrier_activation_code"):
        options["carrierActivationCode"] = data["carrier_activation_code"]
    if data.get("esim_matching_id"):
        options["esimMatchingId"] = data["esim_matching_id"]
    characteristics = [
        {"name": name, "valueType": "object" if isinstance(v, dict) else "string", "value": v}
        for name, v in sorted(options.items())
        if v is not None
    ]
    service: dict[str, Any] = {
        "@type": "Service",
        "serviceType": "CFS",
        "state": "active",
        "serviceSpecification": {"id": str(data["kind"]), "name": str(data["kind"])},
        "serviceCharacteristic": characteristics,
    }
    if data.get("service_id"):
        service["id"] = str(data["service_id"])
    return {
        "@type": "ServiceOrder",
        "externalId": str(data["id"]),
        "category": str(data["kind"]),
        "description": f"firstmile {data['kind']} for order {data.get('order_id')}",
        "requestedStartDate": utcnow().isoformat(),
        "relatedParty": [
            {
                "id": str(data.get("customer_id")),
                "role": "customer",
                "@type": "RelatedParty",
                "@referredType": "Customer",
            }
        ],
        "externalReference": [
            {"name": str(data["attempt"]), "externalReferenceType": ATTEMPT_REFERENCE}
        ],
        "serviceOrderItem": [
            {
                "id": "1",
                "action": ACTIONS.get(str(data["kind"]), "add"),
                "@type": "ServiceOrderItem",
                "service": service,
            }
        ],
    }


def tmf641_cancellation(data: dict[str, Any]) -> dict[str, Any]:
    """A TMF641 CancelServiceOrder_Create for the network's order `data["external_ref"]`."""
    return {
        "@type": "CancelServiceOrder",
        "serviceOrder": {"id": str(data["external_ref"]), "@referredType": "ServiceOrder"},
        "cancellationReason": str(data.get("reason") or "cancelled"),
        "requestedCancellationDate": utcnow().isoformat(),
    }


def cancel_url(url: str) -> str:
    """The cancelServiceOrder resource beside the serviceOrder resource `url`."""
    return urljoin(url.rstrip("/"), "cancelServiceOrder")


def network_reason(document: Mapping[str, Any]) -> str:
    """The network's own words on a failure: its errorMessage entries (reason, message)."""
    found = document.get("errorMessage")
    entries = found if isinstance(found, list) else [found]
    words = [
        str(entry[key])
        for entry in entries
        if isinstance(entry, dict)
        for key in ("reason", "message")
        if isinstance(entry.get(key), str | int) and str(entry[key]).strip()
    ]
    return "; ".join(words)[:500] or NO_REASON


class Tmf641HttpAdapter:
    name = "tmf641"

    def __init__(self, url: str, *, token: str = "", timeout: httpx.Timeout = TIMEOUT) -> None:
        if not url:
            raise PermanentNetworkError("network_url is not set for the tmf641 adapter")
        self.url = url
        self.timeout = timeout
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}

    def __repr__(self) -> str:
        return f"Tmf641HttpAdapter({self.url!r})"  # never the token

    def submit(self, service_order_data: dict[str, Any]) -> SubmissionReceipt:
        order = _created(self._post(self.url, tmf641_order(service_order_data)), "order")
        ref = _network_id(order, "order")
        state = order.get("state")
        if state in REFUSED_ORDER_STATES:
            raise PermanentNetworkError(
                f"network {state} the order (its id {ref}): {network_reason(order)}"
            )
        return SubmissionReceipt(external_ref=ref)

    def cancel(self, cancellation_data: dict[str, Any]) -> CancellationReceipt:
        body = tmf641_cancellation(cancellation_data)
        answer = _created(self._post(cancel_url(self.url), body), "cancellation")
        ref = _network_id(answer, "cancellation")
        if answer.get("state") in REFUSED_CANCELLATION_STATES:
            raise PermanentNetworkError(
                f"network could not cancel its order {cancellation_data['external_ref']}: "
                f"{network_reason(answer)}"
            )
        return CancellationReceipt(external_ref=ref)

    def _post(self, url: str, body: dict[str, Any]) -> httpx.Response:
        try:
            return outbound.client().post(
                url,
                json=body,
                headers=self._headers,
                timeout=self.timeout,
                follow_redirects=False,
            )
        except httpx.TimeoutException as exc:
            raise TemporaryNetworkError(f"network timed out: {type(exc).__name__}") from exc
        except httpx.TransportError as exc:
            raise TemporaryNetworkError(f"network unreachable: {type(exc).__name__}") from exc


def _created(answer: httpx.Response, what: str) -> dict[str, Any]:
    """The resource a 201 answer created; any other answer raises (see the module's doc)."""
    status = answer.status_code
    if status >= 500 or status == 429:
        raise TemporaryNetworkError(f"network answered {status}")
    if 300 <= status < 400:
        raise PermanentNetworkError(
            f"network answered {status}, a redirect (not followed): check network_url"
        )
    if status >= 400:
        # The body is not quoted: a network may echo the order, carrier code included.
        raise PermanentNetworkError(f"network refused the {what} ({status} {answer.reason_phrase})")
    if status != 201:
        raise PermanentNetworkError(
            f"network answered {status}, not 201 Created: the {what}'s fate is unknown"
        )
    try:
        parsed = answer.json()
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        raise PermanentNetworkError(f"network answered 201 without a JSON {what} object")
    return parsed


def _network_id(document: Mapping[str, Any], what: str) -> str:
    ref = document.get("id")
    if not isinstance(ref, str | int) or isinstance(ref, bool) or not str(ref).strip():
        raise PermanentNetworkError(f"network answered 201 but its {what} has no id")
    if len(str(ref)) > MAX_REF_LENGTH:
        raise PermanentNetworkError(
            f"network's {what} id is longer than {MAX_REF_LENGTH} characters"
        )
    return str(ref)
