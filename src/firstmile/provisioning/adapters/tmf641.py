"""The real adapter: POST a TMF641 ServiceOrder to the network's Service Ordering API.

The network acknowledges (2xx, with its own `id`) and reports the outcome later through
`POST /api/events` (`network.service_order_completed` / `network.service_order_failed` with
our service order id as `service_order_id`). 5xx, 429 and timeouts are temporary; other 4xx
are permanent: resending the same order cannot help.
"""

from __future__ import annotations

from typing import Any

import httpx

from firstmile.kit import outbound
from firstmile.kit.time import utcnow
from firstmile.provisioning.adapters import (
    PermanentNetworkError,
    SubmissionReceipt,
    TemporaryNetworkError,
)

TIMEOUT = httpx.Timeout(10.0, connect=3.0)
# TMF641 ServiceOrderItem action per kind of service order; every other kind is an "add".
ACTIONS = {"feature_change": "modify", "service_termination": "delete"}


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
            {"id": str(data.get("customer_id")), "role": "customer", "@referredType": "Customer"}
        ],
        "externalReference": [{"name": "attempt", "externalReferenceType": str(data["attempt"])}],
        "serviceOrderItem": [
            {
                "id": "1",
                "action": ACTIONS.get(str(data["kind"]), "add"),
                "@type": "ServiceOrderItem",
                "service": service,
            }
        ],
    }


class Tmf641HttpAdapter:
    name = "tmf641"

    def __init__(self, url: str, *, timeout: httpx.Timeout = TIMEOUT) -> None:
        if not url:
            raise PermanentNetworkError("network_url is not set for the tmf641 adapter")
        self.url = url
        self.timeout = timeout

    def submit(self, service_order_data: dict[str, Any]) -> SubmissionReceipt:
        body = tmf641_order(service_order_data)
        try:
            answer = outbound.client().post(self.url, json=body, timeout=self.timeout)
        except httpx.TimeoutException as exc:
            raise TemporaryNetworkError(f"network timed out: {type(exc).__name__}") from exc
        except httpx.TransportError as exc:
            raise TemporaryNetworkError(f"network unreachable: {type(exc).__name__}") from exc
        if answer.status_code >= 500 or answer.status_code == 429:
            raise TemporaryNetworkError(f"network answered {answer.status_code}")
        if answer.status_code >= 400:
            # The body is not quoted: a network may echo the order, carrier code included.
            raise PermanentNetworkError(
                f"network refused the order ({answer.status_code} {answer.reason_phrase})"
            )
        return SubmissionReceipt(external_ref=_external_ref(answer, body))


def _external_ref(answer: httpx.Response, body: dict[str, Any]) -> str:
    try:
        parsed = answer.json()
    except ValueError:
        parsed = None
    if isinstance(parsed, dict) and parsed.get("id"):
        return str(parsed["id"])[:120]
    return str(body["externalId"])
