"""A journey's `webhook` step: one signed JSON POST to a named endpoint of the operator.

Endpoints are configured by name (`FIRSTMILE_JOURNEYS_WEBHOOKS`), so a pack says "crm" and
each installation says where that is. The body carries the journey, the instance, the
customer and the step's evaluated payload; the `Idempotency-Key` header is the command's
key, so the receiver can drop a repeat after a lost answer. Signature as in the messaging
webhook: `Firstmile-Signature: t=<unix time>,v1=<HMAC-SHA256 of "<t>.<body>">`. 5xx, 429 and
network errors are retried by the job queue with backoff; other non-2xx answers fail the job.
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from firstmile.kit import jobs, outbound
from firstmile.kit import settings as settings_module
from firstmile.messaging.channels.webhook.channel import SIGNATURE_HEADER, signature


def call(args: dict[str, Any]) -> None:
    settings = settings_module.current()
    url = settings.journeys_webhooks.get(str(args["endpoint"]))
    if not url:
        raise jobs.PermanentJobError(f"no URL configured for webhook endpoint {args['endpoint']!r}")
    if not settings.journeys_webhook_secret:
        raise jobs.PermanentJobError("FIRSTMILE_JOURNEYS_WEBHOOK_SECRET is not set")
    body = json.dumps(args["body"], ensure_ascii=False, sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: signature(settings.journeys_webhook_secret, int(time.time()), body),
        "Idempotency-Key": str(args["key"]),
    }
    try:
        answer = outbound.client().post(url, content=body, headers=headers, timeout=10.0)
    except httpx.TransportError as exc:
        raise RuntimeError(f"webhook unreachable: {exc!r}") from exc
    if answer.status_code >= 500 or answer.status_code == 429:
        raise RuntimeError(f"webhook answered {answer.status_code}")
    if not 200 <= answer.status_code < 300:
        raise jobs.PermanentJobError(f"webhook refused: {answer.status_code}")
